/**
 * tf.keras layers: Dense (building, naming, forward values, its Glorot initial kernel), Sequential,
 * custom layers, Flatten, ReLU, Activation and Dropout. Activations, initializers and losses are
 * in keras-functions.test.ts, optimizers and training in keras-optimizers.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { layers } = tf.keras;

test("the guide: Dense(2, relu) gradients for dense/kernel:0 (3, 2) and dense/bias:0 (2,)", () => {
  tf.keras.backend.clearSession();
  const layer = new layers.Dense(2, { activation: "relu" });
  const x = tf.constant([[1, 2, 3]]);
  const tape = new tf.GradientTape();
  const loss = tape.record(() => {
    const y = layer.apply(x);
    return tf.reduceMean(y.pow(2));
  });
  const grad = tape.gradient(loss, layer.trainableVariables);
  const lines = layer.trainableVariables.map(
    (v, i) => `${v.name}, shape: (${grad[i]?.shape.join(", ")}${grad[i]?.rank === 1 ? "," : ""})`,
  );
  assert.deepEqual(lines, ["dense/kernel:0, shape: (3, 2)", "dense/bias:0, shape: (2,)"]);
});

test("Dense builds on its first call (apply or call), with kernel [inDim, units] and zero bias", () => {
  const d = new layers.Dense(4);
  assert.equal(d.built, false);
  assert.deepEqual(d.trainableWeights, []);
  assert.throws(() => d.kernel, /has no kernel yet/);
  const y = d.call(tf.ones([2, 3])); // call() builds too
  assert.equal(d.built, true);
  assert.deepEqual(y.shape, [2, 4]);
  assert.deepEqual(d.kernel.shape, [3, 4]);
  assert.deepEqual(d.bias?.shape, [4]);
  assert.deepEqual(d.bias?.numpy(), [0, 0, 0, 0]);
  assert.deepEqual(names(d.trainableWeights), [`${d.name}/kernel:0`, `${d.name}/bias:0`]);
  assert.deepEqual(d.weights, d.trainableVariables);
  assert.deepEqual(d.variables, d.trainableVariables);
  // Later calls reuse the weights.
  const k = d.kernel;
  d.apply(tf.ones([5, 3]));
  assert.equal(d.kernel, k);
  assert.equal(d.trainableWeights.length, 2);

  const noBias = new layers.Dense(2, { useBias: false });
  noBias.apply([[1, 2]]);
  assert.equal(noBias.bias, null);
  assert.deepEqual(names(noBias.trainableWeights), [`${noBias.name}/kernel:0`]);

  // An explicit build names the weights in the layer's scope too.
  const e = new layers.Dense(3, { name: "explicit" });
  e.build([null, 5]);
  assert.deepEqual(names(e.weights), ["explicit/kernel:0", "explicit/bias:0"]);
  assert.deepEqual(e.kernel.shape, [5, 3]);
});

test("Glorot uniform: within +-sqrt(6 / (fanIn + fanOut)) and spread over it", () => {
  const d = new layers.Dense(50);
  d.apply(tf.zeros([1, 100]));
  const limit = Math.sqrt(6 / 150);
  const w = flat(d.kernel);
  assert.equal(w.length, 5000);
  // In float32: a draw of exactly 0 gives minval rounded to float32, -0.200000003 (about once in
  // a thousand runs of 5000 draws), which is below the double -0.2.
  assert.ok(w.every((v) => v >= Math.fround(-limit) && v < Math.fround(limit)));
  assert.ok(Math.min(...w) < -0.95 * limit && Math.max(...w) > 0.95 * limit);
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  // Uniform on [-l, l] has variance l^2 / 3.
  assert.ok(Math.abs(variance / ((limit * limit) / 3) - 1) < 0.1, `variance ${variance}`);
});

test("Dense forward: activation(x kernel + bias) against a hand computation, ranks 2 and 3", () => {
  const d = new layers.Dense(2, { activation: "relu" });
  d.build([null, 3]);
  d.kernel.assign([
    [1, -1],
    [2, 0.5],
    [-1, 1],
  ]);
  d.bias?.assign([0.5, -4]);
  // [1,2,3] -> [1+4-3+0.5, -1+1+3-4] = [2.5, -1] -> relu [2.5, 0]
  // [0,1,0] -> [2+0.5, 0.5-4] = [2.5, -3.5] -> [2.5, 0]; [-1,0,2] -> [-1-2+.5, 1+2-4] -> [0, 0]
  const y = d.apply([
    [1, 2, 3],
    [0, 1, 0],
    [-1, 0, 2],
  ]);
  assert.deepEqual(y.numpy(), [
    [2.5, 0],
    [2.5, 0],
    [0, 0],
  ]);
  const y3 = d.apply(tf.reshape(tf.constant([1, 2, 3, 0, 1, 0]), [1, 2, 3]));
  assert.deepEqual(y3.shape, [1, 2, 2]);
  assert.deepEqual(y3.numpy(), [
    [
      [2.5, 0],
      [2.5, 0],
    ],
  ]);
  // Integer inputs are cast to the layer's dtype, as Keras does.
  assert.deepEqual(d.apply(tf.constant([[1, 2, 3]], "int32")).numpy(), [[2.5, 0]]);
  // float64 layers keep float64.
  const d64 = new layers.Dense(1, { dtype: "float64", kernelInitializer: "ones" });
  const out = d64.apply([[1, 2]]);
  assert.equal(out.dtype, "float64");
  assert.equal(d64.kernel.dtype, "float64");
  assert.deepEqual(out.numpy(), [[3]]);
});

test("layer names are unique per process, as Keras's: dense, dense_1, ...", () => {
  tf.keras.backend.clearSession();
  assert.equal(new layers.Dense(1).name, "dense");
  assert.equal(new layers.Dense(1).name, "dense_1");
  assert.equal(new layers.Dense(1, { name: "mine" }).name, "mine");
  assert.equal(new layers.Dense(1).name, "dense_2");
  assert.equal(new layers.ReLU().name, "re_lu");
  assert.equal(new layers.Flatten().name, "flatten");
  assert.equal(new tf.keras.Sequential().name, "sequential");
  class MyCustomLayer extends tf.keras.Layer {
    call(x: tf.Tensor) {
      return x;
    }
  }
  assert.equal(new MyCustomLayer().name, "my_custom_layer");
  assert.equal(new MyCustomLayer().name, "my_custom_layer_1");
  assert.throws(() => new layers.Dense(1, { name: "a/b" }), /invalid name/);
});

test("bad inputs: errors name the layer and the shapes", () => {
  const d = new layers.Dense(2, { name: "probe" });
  assert.throws(
    () => d.apply(tf.constant([1, 2, 3])),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /layer "probe"/.test(e.message) &&
      /expected min_ndim=2, found ndim=1/.test(e.message) &&
      /\(3,\)/.test(e.message),
  );
  assert.equal(d.built, false);
  d.apply(tf.ones([1, 3]));
  assert.throws(
    () => d.apply(tf.ones([1, 4])),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /layer "probe"/.test(e.message) &&
      /expected axis -1 of input shape to have value 3/.test(e.message) &&
      /\(1, 4\)/.test(e.message),
  );
  assert.throws(() => new layers.Dense(0), /expected a positive integer. Received: units=0/);
  assert.throws(() => new layers.Dense(2.5), /positive integer/);
  assert.throws(
    () => new layers.Dense(2, { activation: "nope" }),
    /Unknown activation function: 'nope'/,
  );
  assert.throws(
    () => new layers.Dense(2, { kernelInitializer: "nope" }),
    /Unknown initializer: 'nope'/,
  );
  assert.throws(() => new layers.Dense(2).build([null, null]), /should be defined/);
});

test("Sequential chains layers; weights in layer order, named without a sequential scope", () => {
  tf.keras.backend.clearSession();
  const model = new tf.keras.Sequential([
    new layers.Dense(3, { activation: "tanh", kernelInitializer: "ones" }),
    new layers.Dense(1, { kernelInitializer: new tf.keras.initializers.Constant(0.5) }),
  ]);
  const y = model.apply([[1, -1]]);
  // tanh([0, 0, 0]) = 0 -> 0.5 * 0 = 0; with [1, 1]: tanh(2) * 3 * 0.5
  assert.deepEqual(y.numpy(), [[0]]);
  close(model.call(tf.constant([[1, 1]])), [1.5 * Math.tanh(2)]);
  assert.deepEqual(names(model.trainableWeights), [
    "dense/kernel:0",
    "dense/bias:0",
    "dense_1/kernel:0",
    "dense_1/bias:0",
  ]);
  assert.deepEqual(model.trainableVariables, model.trainableWeights);
  assert.deepEqual(
    model.submodules.map((m) => m.name),
    ["dense", "dense_1"],
  );
  model.add(new layers.ReLU());
  assert.equal(model.layers.length, 3);
  assert.equal(model.pop().name, "re_lu");
  assert.throws(() => model.add({} as tf.keras.Layer), /must be an instance of class Layer/);
});

test("a custom layer: addWeight in creation order, build once, frozen layers", () => {
  let builds = 0;
  class Scale extends tf.keras.Layer {
    w: tf.Variable | null = null;
    inner = new layers.Dense(2, { kernelInitializer: "ones", name: "inner" });
    override build(shape: tf.keras.layers.BuildShape) {
      builds++;
      this.w = this.addWeight("w", [shape[shape.length - 1] ?? 1], { initializer: "ones" });
      this.addWeight("count", [], { initializer: "zeros", trainable: false });
      super.build(shape);
    }
    call(x: tf.Tensor) {
      return this.inner.apply(x.mul(this.w as tf.Variable));
    }
  }
  const s = new Scale({ name: "scale" });
  const y = s.apply([[1, 2]]);
  s.apply([[3, 4]]);
  assert.equal(builds, 1);
  assert.deepEqual(y.numpy(), [[3, 3]]);
  // The inner Dense was built inside scale's call, so inside its name scope.
  assert.deepEqual(names(s.trainableWeights), [
    "scale/w:0",
    "scale/inner/kernel:0",
    "scale/inner/bias:0",
  ]);
  assert.deepEqual(names(s.nonTrainableWeights), ["scale/count:0"]);
  assert.deepEqual(names(s.weights), [
    "scale/w:0",
    "scale/inner/kernel:0",
    "scale/inner/bias:0",
    "scale/count:0",
  ]);
  s.trainable = false;
  assert.deepEqual(s.trainableWeights, []);
  assert.equal(s.nonTrainableWeights.length, 4);
  s.trainable = true;
  s.inner.trainable = false;
  assert.deepEqual(names(s.trainableWeights), ["scale/w:0"]);
});

test("Flatten, ReLU and Activation layers", () => {
  const x = tf.reshape(tf.range(-3, 3), [1, 2, 3]);
  assert.deepEqual(new layers.Flatten().apply(x).shape, [1, 6]);
  assert.deepEqual(new layers.Flatten().apply(tf.constant([1, 2])).shape, [2, 1]);
  const v = tf.constant([-2, -0.5, 0.5, 1.5, 8]);
  assert.deepEqual(new layers.ReLU().apply(v).numpy(), [0, 0, 0.5, 1.5, 8]);
  close(new layers.ReLU({ maxValue: 6 }).apply(v), [0, 0, 0.5, 1.5, 6]);
  close(new layers.ReLU({ negativeSlope: 0.1 }).apply(v), [-0.2, -0.05, 0.5, 1.5, 8]);
  // threshold 1: x < 1 -> slope * (x - 1); clipped at 4.
  close(
    new layers.ReLU({ threshold: 1, negativeSlope: 0.5, maxValue: 4 }).apply(v),
    [-1.5, -0.75, -0.25, 1.5, 4],
  );
  close(new layers.Activation("sigmoid").apply([0]), [0.5]);
});

test("Dropout: identity in inference, drops and rescales while training; training is inherited", () => {
  const drop = new layers.Dropout(0.5, { seed: 3 });
  const x = tf.ones([4, 50]);
  assert.equal(drop.apply(x), x);
  assert.equal(drop.apply(x, { training: false }), x);
  const y = flat(drop.apply(x, { training: true }));
  assert.ok(y.every((v) => v === 0 || v === 2));
  const kept = y.filter((v) => v === 2).length;
  assert.ok(kept > 60 && kept < 140, `kept ${kept} of 200`);
  // Whole columns with noiseShape [1, null].
  const cols = new layers.Dropout(0.5, { noiseShape: [1, null], seed: 1 }).apply(x, {
    training: true,
  });
  const rows = cols.numpy() as number[][];
  assert.ok(rows.every((r) => r.every((v, j) => v === rows[0][j])));
  // Inside a Sequential (or any layer), the flag reaches the inner layers.
  const model = new tf.keras.Sequential([new layers.Dropout(0.99, { seed: 2 })]);
  assert.equal(flat(model.apply(x)).filter((v) => v === 0).length, 0);
  assert.ok(flat(model.apply(x, { training: true })).filter((v) => v === 0).length > 150);
  class Wrapper extends tf.keras.Layer {
    inner = new layers.Dropout(0.99, { seed: 4 });
    call(t: tf.Tensor) {
      return this.inner.apply(t); // no flag passed: inherits the outer one
    }
  }
  const w = new Wrapper();
  assert.ok(flat(w.apply(x, { training: true })).filter((v) => v === 0).length > 150);
  assert.equal(flat(w.apply(x)).filter((v) => v === 0).length, 0);
  assert.throws(
    () => new layers.Dropout(1),
    /Expected a float value in \[0, 1\). Received: rate=1/,
  );
  // Gradients flow through the kept elements, scaled.
  const v = new tf.Variable(tf.ones([1, 100]));
  const tape = new tf.GradientTape();
  const out = tape.record(() => {
    const y = drop.apply(v, { training: true });
    return { y, total: tf.reduceSum(y) };
  });
  const g = flat(tape.gradient(out.total, v) as tf.Tensor);
  assert.deepEqual(g, flat(out.y));
});
