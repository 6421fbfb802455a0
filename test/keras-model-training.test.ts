/**
 * Model.compile/fit/evaluate/predict: one step against a hand computation, convergence on small
 * synthetic problems, History keys, iterables of batches, several outputs, layer-added losses,
 * and clear errors for bad arguments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { layers } = tf.keras;

function linear(): tf.keras.Sequential {
  return new tf.keras.Sequential([
    tf.keras.Input({ shape: [1] }),
    new layers.Dense(1, { kernelInitializer: "ones", biasInitializer: "zeros" }),
  ]);
}

test("trainOnBatch: the loss and the SGD update equal a hand computation", () => {
  const model = linear();
  model.compile({ optimizer: new tf.keras.optimizers.SGD(0.1), loss: "mse" });
  // pred = [1, 2] against [3, 5]: mse = (4 + 9) / 2 = 6.5; dL/dw = mean(2 (p - y) x) = -8,
  // dL/db = mean(2 (p - y)) = -5; SGD: w = 1 + 0.8, b = 0 + 0.5.
  const loss = model.trainOnBatch([[1], [2]], [[3], [5]]);
  close(loss as number, 6.5);
  const dense = model.layers[0] as tf.keras.layers.Dense;
  close(dense.kernel, [1.8]);
  close(dense.bias as tf.Variable, [0.5]);
  // testOnBatch does not train: pred = [2.3, 4.1] -> ((0.7)^2 + (0.9)^2) / 2 = 0.65
  close(model.testOnBatch([[1], [2]], [[3], [5]]) as number, 0.65);
  close(dense.kernel, [1.8]);
});

test("fit: linear regression converges; History has a loss per epoch", () => {
  tf.random.setSeed(7);
  const x = tf.random.uniform([64, 1], { minval: -1, maxval: 1, seed: 1 });
  const y = x.mul(2).add(1);
  const model = linear();
  model.compile({ optimizer: new tf.keras.optimizers.SGD(0.2), loss: "mse", metrics: ["mae"] });
  const history = model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
  assert.deepEqual(Object.keys(history.history), ["loss", "mae"]);
  assert.equal(history.history.loss.length, 30);
  assert.deepEqual(history.epoch, [...Array(30).keys()]);
  assert.ok(history.history.loss[29] < 1e-3, `final loss ${history.history.loss[29]}`);
  assert.ok(history.history.loss[29] < history.history.loss[0] / 100);
  const dense = model.layers[0] as tf.keras.layers.Dense;
  close(dense.kernel, [2], 2e-2);
  close(dense.bias as tf.Variable, [1], 2e-2);
  const [loss, mae] = model.evaluate(x, y, { verbose: 0 }) as number[];
  assert.ok(loss < 1e-3 && mae < 3e-2);
  assert.deepEqual(Object.keys(model.evaluate(x, y, { verbose: 0, returnDict: true }) as object), [
    "loss",
    "mae",
  ]);
});

test("fit: a classifier reaches a known accuracy; validation logs; predict batches", () => {
  tf.random.setSeed(3);
  const x = tf.random.normal([256, 4], { seed: 2 });
  // A linearly separable rule: class = (x . w > 0)
  const y = tf.cast(tf.greater(tf.matmul(x, tf.constant([[1], [-2], [0.5], [1.5]])), 0), "int32");
  const model = new tf.keras.Sequential([
    tf.keras.Input({ shape: [4] }),
    new layers.Dense(8, { activation: "relu" }),
    new layers.Dense(2, { activation: "softmax" }),
  ]);
  model.compile({
    optimizer: new tf.keras.optimizers.Adam(0.05),
    loss: "sparse_categorical_crossentropy",
    metrics: ["accuracy"],
  });
  const h = model.fit(x, y, { epochs: 15, batchSize: 32, validationSplit: 0.25, verbose: 0 });
  assert.deepEqual(Object.keys(h.history), ["loss", "accuracy", "val_loss", "val_accuracy"]);
  assert.ok(h.history.accuracy[14] >= 0.95, `accuracy ${h.history.accuracy[14]}`);
  assert.ok(h.history.val_accuracy[14] >= 0.9, `val_accuracy ${h.history.val_accuracy[14]}`);
  assert.ok(h.history.loss[14] < h.history.loss[0]);
  const p = model.predict(x, { batchSize: 100, verbose: 0 });
  assert.deepEqual(p.shape, [256, 2]);
  close(flat(p), flat(model.apply(x)), 1e-5);
  assert.deepEqual(model.metricsNames, ["loss", "accuracy"]);
});

test("fit over an iterable of [x, y] batches; stepsPerEpoch; evaluate over it", () => {
  const xs = [tf.constant([[1], [2]]), tf.constant([[3], [4]])];
  const batches = {
    *[Symbol.iterator]() {
      for (const x of xs) yield [x, x.mul(2)] as const;
    },
  };
  const model = linear();
  model.compile({ optimizer: new tf.keras.optimizers.SGD(0.01), loss: "mse" });
  let steps = 0;
  const counter = new tf.keras.callbacks.LambdaCallback({ onBatchEnd: () => steps++ });
  const h = model.fit(batches, { epochs: 3, verbose: 0, callbacks: [counter] });
  assert.equal(steps, 6);
  assert.equal(h.history.loss.length, 3);
  assert.ok(h.history.loss[2] < h.history.loss[0]);
  steps = 0;
  model.fit(batches, { epochs: 2, stepsPerEpoch: 3, verbose: 0, callbacks: [counter] });
  assert.equal(steps, 6);
  const l = model.evaluate(batches, { verbose: 0 }) as number;
  // The loss over both batches of 2 equals the evaluation over the 4 samples at once.
  close(l, model.evaluate(tf.concat(xs, 0), tf.concat(xs, 0).mul(2), { verbose: 0 }) as number);
});

test("several inputs and outputs: per-output losses by name, weighted; metric names prefixed", () => {
  tf.keras.backend.clearSession();
  const a = tf.keras.Input({ shape: [2], name: "a" });
  const b = tf.keras.Input({ shape: [1], name: "b" });
  const hidden = new layers.Dense(4, { activation: "tanh" }).apply(a);
  const o1 = new layers.Dense(1, { name: "reg" }).apply(hidden);
  const o2 = new layers.Dense(1, { name: "cls", activation: "sigmoid" }).apply(b);
  const model = new tf.keras.Model({ inputs: [a, b], outputs: [o1, o2] });
  model.compile({
    optimizer: "sgd",
    loss: { reg: "mse", cls: "binary_crossentropy" },
    lossWeights: { reg: 1, cls: 0.5 },
    metrics: [["mae"], ["accuracy"]],
  });
  const xa = tf.constant([
    [1, 0],
    [0, 1],
  ]);
  const xb = tf.constant([[1], [-1]]);
  const ya = tf.constant([[1], [0]]);
  const yb = tf.constant([[1], [0]]);
  const logs = model.testOnBatch([xa, xb], [ya, yb], { returnDict: true }) as Record<
    string,
    number
  >;
  assert.deepEqual(Object.keys(logs), ["loss", "reg_mae", "cls_accuracy"]);
  const [p1, p2] = model.apply([xa, xb]) as tf.Tensor[];
  const expected =
    (tf.keras.losses.meanSquaredError(ya, p1).mean().numpy() as number) +
    0.5 * (tf.keras.losses.binaryCrossentropy(yb, p2).mean().numpy() as number);
  close(logs.loss, expected);
  const h = model.fit([xa, xb], [ya, yb], { epochs: 2, verbose: 0 });
  assert.deepEqual(Object.keys(h.history), ["loss", "reg_mae", "cls_accuracy"]);
  const preds = model.predict([xa, xb], { verbose: 0 }) as tf.Tensor[];
  assert.equal(preds.length, 2);
});

test("a subclassed model trains; layer-added losses count in the loss", () => {
  class Penalized extends tf.keras.Layer {
    w: tf.Variable | null = null;
    override build(): void {
      // An L2 penalty 0.1 * sum(w^2) on w, in `losses` (Keras's weight regularizer).
      this.w = this.addWeight("w", [1, 1], {
        initializer: "ones",
        regularizer: new tf.keras.regularizers.L2(0.1),
      });
      super.build([]);
    }
    call(x: tf.Tensor): tf.Tensor {
      // And an added loss of each call: 0.01 * sum(x).
      this.addLoss(tf.reduceSum(x).mul(0.01));
      return tf.matmul(x, this.w as tf.Variable);
    }
  }
  class Net extends tf.keras.Model<tf.Tensor, tf.Tensor> {
    inner = new Penalized();
    override call(x: tf.Tensor): tf.Tensor {
      return this.inner.apply(x);
    }
  }
  const net = new Net();
  net.compile({ optimizer: new tf.keras.optimizers.SGD(0.1), loss: "mse" });
  // mse of pred [1] against [1] is 0; the penalty 0.1 * 1^2 and the added 0.01 remain.
  close(net.testOnBatch([[1]], [[1]]) as number, 0.11);
  assert.equal(net.losses.length, 2);
  // The penalty's gradient pulls w down: d/dw (0 + 0.1 w^2) = 0.2 -> w = 1 - 0.02.
  net.trainOnBatch([[1]], [[1]]);
  close(net.inner.w as tf.Variable, [0.98]);
});

test("bad arguments give clear errors", () => {
  const model = linear();
  assert.throws(
    () => model.fit([[1]], [[1]]),
    /You must call `compile\(\)` before calling `fit\(\)`/,
  );
  assert.throws(() => model.compile({ optimizer: "nope" }), /unknown optimizer 'nope'/);
  model.compile({ optimizer: "sgd", loss: "nope" });
  assert.throws(() => model.fit([[1]], [[1]], { verbose: 0 }), /Unknown loss function: 'nope'/);
  model.compile({ optimizer: "sgd", loss: "mse", metrics: ["nope"] });
  assert.throws(() => model.fit([[1]], [[1]], { verbose: 0 }), /Unknown metric: 'nope'/);
  model.compile({ optimizer: "adam", loss: "mse" });
  assert.throws(
    () => model.fit([[1], [2]], [[1]], { verbose: 0 }),
    /data cardinality is ambiguous: x sizes: 2, y sizes: 1/,
  );
  assert.throws(
    () => model.fit([[1]], [[1]], { epochs: 1.5 }),
    /epochs must be a non-negative integer/,
  );
  assert.throws(
    () => model.fit([[1]], [[1]], { batchSize: 0 }),
    /batchSize must be a positive integer/,
  );
  assert.throws(
    () => model.fit([[1]], [[1]], { validationSplit: 1 }),
    /validationSplit must be in \[0, 1\)/,
  );
  assert.throws(() => model.fit([[1]], [[1]], { verbose: 3 as never }), /verbose must be 0, 1, 2/);
  assert.throws(
    () => model.fit([[1]], [[1]], { callbacks: [{}] as never, verbose: 0 }),
    /every callback must be an instance of tf.keras.callbacks.Callback/,
  );
  const it = {
    *[Symbol.iterator]() {
      yield [tf.ones([1, 1]), tf.ones([1, 1])] as const;
    },
  };
  assert.throws(
    () => model.fit(it, { validationSplit: 0.5, verbose: 0 }),
    /validationSplit is only supported for tensors or arrays/,
  );
  assert.throws(() => model.compile({ optimizer: 3 as never }), /optimizer must be a name or/);
});

test("getWeights/setWeights round-trip; predict over an iterable of input batches", () => {
  const model = linear();
  const saved = model.getWeights();
  model.setWeights([tf.constant([[3]]), tf.constant([1])]);
  close(model.predict(tf.constant([[2]]), { verbose: 0 }) as tf.Tensor, [7]);
  const batches = {
    *[Symbol.iterator]() {
      yield tf.constant([[1]]);
      yield tf.constant([[2], [3]]);
    },
  };
  close(model.predict(batches, { verbose: 0 }) as tf.Tensor, [4, 7, 10]);
  model.setWeights(saved);
  close(model.predict(tf.constant([[2]]), { verbose: 0 }) as tf.Tensor, [2]);
  assert.throws(
    () => model.setWeights([tf.ones([2, 2]), tf.ones([1])]),
    /weight 0 .* has shape \[1,1\], got \[2,2\]/,
  );
  assert.throws(() => model.setWeights([]), /expected a list of 2 tensors, got 0/);
});

test("JS arrays take the dtype of the model's inputs; model.history is the last fit's", () => {
  class Seen extends tf.keras.Layer {
    dtypes: string[] = [];
    call(x: tf.Tensor): tf.Tensor {
      this.dtypes.push(x.dtype);
      return tf.cast(x, "float32");
    }
  }
  const seen = new Seen();
  const ids = tf.keras.Input({ shape: [2], dtype: "int32" });
  const model = new tf.keras.Model({
    inputs: ids,
    outputs: new layers.Dense(1).apply(seen.apply(ids)),
  });
  seen.dtypes = [];
  model.predict([[1, 2]], { verbose: 0 });
  assert.deepEqual(seen.dtypes, ["int32"]);
  assert.equal(model.history, null);
  model.compile({ optimizer: "sgd", loss: "mse" });
  const h = model.fit([[1, 2]], [[1]], { verbose: 0 });
  assert.equal(model.history, h);
});
