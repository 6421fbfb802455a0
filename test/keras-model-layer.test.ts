/**
 * Layer's general form: a list of inputs (build gets a list of shapes), options with training
 * and mask, and symbolic application (KerasTensor in, KerasTensor out with the inferred shape).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { BuildShape, CallOptions } from "../src/keras/layer.js";

const { layers } = tf.keras;

/** Sum of its inputs, scaled by a weight of the last dimension; records what build received. */
class ScaledSum extends tf.keras.Layer<tf.Tensor[]> {
  seen: BuildShape[] | null = null;
  scale: tf.Variable | null = null;
  override build(shapes: BuildShape[]): void {
    this.seen = shapes;
    const last = shapes[0][shapes[0].length - 1] ?? 1;
    this.scale = this.addWeight("scale", [last], { initializer: "ones" });
    super.build(shapes);
  }
  call(inputs: tf.Tensor[]): tf.Tensor {
    return inputs.reduce((a, b) => a.add(b)).mul(this.scale as tf.Variable);
  }
}

/** Returns [x, 2x]: a layer with two outputs that reads the mask it is given. */
class TwoOut extends tf.keras.Layer<tf.Tensor, tf.Tensor[]> {
  lastMask: unknown = undefined;
  call(x: tf.Tensor, options: CallOptions = {}): tf.Tensor[] {
    this.lastMask = options.mask;
    return [x, x.mul(2)];
  }
}

test("a layer takes a list of tensors: build gets the list of shapes, call the list", () => {
  const layer = new ScaledSum();
  const y = layer.apply([
    tf.ones([2, 3]),
    tf.constant([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  ]);
  assert.deepEqual(layer.seen, [
    [2, 3],
    [2, 3],
  ]);
  assert.deepEqual(y.numpy(), [
    [2, 3, 4],
    [5, 6, 7],
  ]);
  assert.equal(layer.weights.length, 1);
  // JS arrays in the list are converted; call() works the same way.
  assert.deepEqual(layer.apply([[[1, 1, 1]], tf.ones([1, 3])]).numpy(), [[2, 2, 2]]);
  assert.deepEqual(layer.call([tf.ones([1, 3]), tf.ones([1, 3])]).numpy(), [[2, 2, 2]]);
});

test("a nested array of numbers stays one input", () => {
  assert.deepEqual(
    new layers.Flatten().apply([
      [1, 2],
      [3, 4],
    ]).shape,
    [2, 2],
  );
});

test("options carry training and mask to call", () => {
  const layer = new TwoOut();
  const mask = tf.constant([true, false]);
  const [a, b] = layer.apply(tf.constant([1, 2]), { mask });
  assert.equal(layer.lastMask, mask);
  assert.deepEqual(a.numpy(), [1, 2]);
  assert.deepEqual(b.numpy(), [2, 4]);
});

test("symbolic inputs: apply returns KerasTensors with Keras's shapes and builds the layer", () => {
  const x = tf.keras.Input({ shape: [4] });
  assert.deepEqual(x.shape, [null, 4]);
  const d = new layers.Dense(3);
  const h = d.apply(x);
  assert.ok(h instanceof tf.keras.KerasTensor);
  assert.deepEqual(h.shape, [null, 3]);
  assert.equal(h.dtype, "float32");
  assert.equal(d.built, true);
  assert.deepEqual(d.kernel.shape, [4, 3]);
  assert.equal(h.node?.layer, d);
  assert.deepEqual(h.node?.parents, [x]);
  const s = new ScaledSum().apply([h, h]);
  assert.deepEqual(s.shape, [null, 3]);
  const [p, q] = new TwoOut().apply(s);
  assert.deepEqual([p.shape, q.shape, p.index, q.index], [[null, 3], [null, 3], 0, 1]);
  // Unknown dimensions other than the batch stay unknown.
  const seq = tf.keras.Input({ shape: [null, 5] });
  assert.deepEqual(new layers.Dense(2).apply(seq).shape, [null, null, 2]);
  assert.match(
    String(seq),
    /^<KerasTensor shape=\(None, None, 5\), dtype=float32, sparse=False, name=/,
  );
});

/** Makes a mask of the nonzero inputs (as Embedding with maskZero). */
class MakeMask extends tf.keras.Layer {
  call(x: tf.Tensor): tf.Tensor {
    return x;
  }
  override computeMask(x: tf.Tensor): tf.Tensor {
    return tf.notEqual(x, 0);
  }
}
class PassThrough extends tf.keras.Layer {
  override supportsMasking = true;
  call(x: tf.Tensor): tf.Tensor {
    return x.mul(2);
  }
}
class Reader extends tf.keras.Layer {
  seen: unknown = undefined;
  call(x: tf.Tensor, options: CallOptions = {}): tf.Tensor {
    this.seen = options.mask;
    return x;
  }
}

test("models carry masks: computeMask makes one, supportsMasking passes it, call reads it", () => {
  const data = tf.constant([
    [1, 0, 2],
    [0, 3, 0],
  ]);
  const expected = [
    [true, false, true],
    [false, true, false],
  ];
  const reader = new Reader();
  const seq = new tf.keras.Sequential([new MakeMask(), new PassThrough(), reader]);
  seq.apply(data);
  assert.deepEqual((reader.seen as tf.Tensor).numpy(), expected);
  const x = tf.keras.Input({ shape: [3] });
  const r2 = new Reader();
  const m = new tf.keras.Model({
    inputs: x,
    outputs: r2.apply(new PassThrough().apply(new MakeMask().apply(x))),
  });
  m.apply(data);
  assert.deepEqual((r2.seen as tf.Tensor).numpy(), expected);
  // A layer without supportsMasking stops the mask.
  const r3 = new Reader();
  new tf.keras.Sequential([new MakeMask(), new layers.Activation("relu"), r3]).apply(data);
  assert.equal(r3.seen, undefined);
});
