/**
 * Conv3D, Conv1DTranspose, Conv3DTranspose, MaxPooling3D, AveragePooling3D and
 * GlobalMax/AveragePooling3D: Keras 3's weight shapes and output shapes, values against the
 * tf.nn ops (adjoint identities for the transposes), and float64 gradients of inputs and
 * weights against finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close } from "./helpers/keras.js";
import { checkLayerGradients, setWeights, values } from "./helpers/layer-gradcheck.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const { layers } = tf.keras;
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);
const dot = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.reduceSum(tf.multiply(a, b)).numpy() as number;

test("Conv3D: kernel [kd, kh, kw, in / groups, filters], bias; values are conv3d + bias; groups", () => {
  const layer = new layers.Conv3D(3, [2, 3, 2], { padding: "same", strides: [1, 2, 1] });
  const x = randomTensor([2, 3, 5, 4, 2], 1);
  layer.build([null, 3, 5, 4, 2]);
  assert.deepEqual(layer.kernel.shape, [2, 3, 2, 2, 3]);
  assert.deepEqual(layer.bias?.shape, [3]);
  const kv = values(2 * 3 * 2 * 2 * 3, 2);
  const bv = values(3, 3);
  setWeights(layer, [kv, bv]);
  const y = layer.apply(tf.cast(x, "float32"));
  const want = tf.add(
    tf.nn.conv3d(tf.cast(x, "float32"), layer.kernel, [1, 2, 1], "SAME"),
    layer.bias as tf.Variable,
  );
  assert.deepEqual(y.shape, [2, 3, 3, 4, 3]);
  close(y, vals(want));
  assert.deepEqual(layer.getConfig().kernel_size, [2, 3, 2]);
  assert.equal(layer.getConfig().groups, 1);
  // Two groups: each half of the channels through its own half of the filters.
  const g = new layers.Conv3D(4, 1, { groups: 2, useBias: false });
  const xg = tf.cast(randomTensor([1, 2, 2, 2, 4], 4), "float32");
  const yg = g.apply(xg);
  assert.deepEqual(g.kernel.shape, [1, 1, 1, 2, 4]);
  const [x0, x1] = tf.split(xg, 2, 4);
  const [k0, k1] = tf.split(g.kernel, 2, 4);
  close(
    yg,
    vals(tf.concat([tf.nn.conv3d(x0, k0, 1, "VALID"), tf.nn.conv3d(x1, k1, 1, "VALID")], 4)),
  );
  assert.throws(() => layer.apply(tf.zeros([1, 3, 5, 4])), /Conv3D|rank|ndim/i);
  assert.throws(
    () => new layers.Conv3D(2, 3, { strides: 2, dilationRate: 2 }),
    /strides > 1 not supported in conjunction with dilation_rate > 1/,
  );
});

test("Conv3DTranspose and Conv1DTranspose: Keras's output lengths, the adjoints of conv3d / conv1d", () => {
  for (const [padding, s, k] of [
    ["valid", 2, 3],
    ["same", 2, 3],
    ["valid", 1, 2],
  ] as const) {
    const t3 = new layers.Conv3DTranspose(3, k, { padding, strides: s, dtype: "float64" });
    const x = randomTensor([1, 2, 3, 2, 2], 5);
    const y = t3.apply(x);
    const len = (n: number) => (padding === "valid" ? n * s + Math.max(k - s, 0) : n * s);
    assert.deepEqual(t3.kernel.shape, [k, k, k, 3, 2]);
    assert.deepEqual(y.shape, [1, len(2), len(3), len(2), 3]);
    // y - bias is conv3d's adjoint: <y - b, g> = <x, conv3d(g, kernel)>.
    const g = randomTensor([...y.shape], 6);
    const pad = padding === "same" ? "SAME" : "VALID";
    const lhs = dot(tf.subtract(y, t3.bias as tf.Variable), g);
    assert.ok(Math.abs(lhs - dot(x, tf.nn.conv3d(g, t3.kernel, s, pad))) < 1e-10, padding);

    const t1 = new layers.Conv1DTranspose(2, k, { padding, strides: s, dtype: "float64" });
    const x1 = randomTensor([2, 4, 3], 7);
    const y1 = t1.apply(x1);
    assert.deepEqual(t1.kernel.shape, [k, 2, 3]);
    assert.deepEqual(y1.shape, [2, len(4), 2]);
    const g1 = randomTensor([...y1.shape], 8);
    const l1 = dot(tf.subtract(y1, t1.bias as tf.Variable), g1);
    assert.ok(Math.abs(l1 - dot(x1, tf.nn.conv1d(g1, t1.kernel, s, pad))) < 1e-10, padding);
  }
  const op = new layers.Conv3DTranspose(2, 3, { strides: 2, outputPadding: 1 });
  assert.deepEqual(op.apply(tf.ones([1, 2, 3, 3, 1])).shape, [1, 6, 8, 8, 2]);
  assert.deepEqual(op.getConfig().output_padding, [1, 1, 1]);
  assert.equal("groups" in op.getConfig(), false);
  assert.throws(
    () => new layers.Conv1DTranspose(2, 3, { strides: 2, outputPadding: 2 }),
    /Conv1DTranspose: outputPadding must be smaller than the strides/,
  );
});

test("MaxPooling3D / AveragePooling3D / GlobalMax/AveragePooling3D: the tf.nn ops and reductions", () => {
  const x = tf.cast(randomTensor([2, 4, 5, 3, 2], 9), "float32");
  const mp = new layers.MaxPooling3D();
  assert.deepEqual(mp.poolSize, [2, 2, 2]);
  assert.deepEqual(mp.strides, [2, 2, 2]);
  close(mp.apply(x), vals(tf.nn.maxPool3d(x, 2, 2, "VALID")));
  const ap = new layers.AveragePooling3D([2, 3, 1], { strides: 1, padding: "same" });
  const a = ap.apply(x);
  assert.deepEqual(a.shape, [2, 4, 5, 3, 2]);
  close(a, vals(tf.nn.avgPool3d(x, [2, 3, 1], 1, "SAME")));
  close(new layers.GlobalAveragePooling3D().apply(x), vals(tf.reduceMean(x, [1, 2, 3])));
  const gm = new layers.GlobalMaxPooling3D({ keepdims: true }).apply(x);
  assert.deepEqual(gm.shape, [2, 1, 1, 1, 2]);
  close(gm, vals(tf.reduceMax(x, [1, 2, 3], true)));
  assert.equal(layers.MaxPool3D, layers.MaxPooling3D);
  assert.equal(layers.GlobalAvgPool3D, layers.GlobalAveragePooling3D);
  assert.deepEqual(mp.getConfig().pool_size, [2, 2, 2]);
  assert.throws(() => mp.apply(tf.zeros([2, 4, 4, 2])), /MaxPooling3D|rank|ndim/i);
});

test("3-D and transposed conv layers: float64 gradients in the input and every weight", () => {
  const dtype = "float64" as const;
  checkLayerGradients(new layers.Conv3D(2, 2, { dtype, padding: "same", strides: [1, 2, 1] }), [
    randomTensor([1, 3, 3, 2, 2], 10),
  ]);
  checkLayerGradients(new layers.Conv3DTranspose(2, 2, { dtype, strides: 2, padding: "same" }), [
    randomTensor([1, 2, 2, 1, 2], 11),
  ]);
  checkLayerGradients(new layers.Conv1DTranspose(2, 3, { dtype, strides: 2 }), [
    randomTensor([2, 3, 2], 12),
  ]);
  // Pools have no weights: the input gradient only.
  for (const layer of [
    new layers.AveragePooling3D(2, { dtype, padding: "same" }),
    new layers.MaxPooling3D(2, { dtype }),
    new layers.GlobalMaxPooling3D({ dtype }),
  ]) {
    checkGradients((v) => layer.apply(v), [randomTensor([1, 3, 4, 2, 2], 13)]);
  }
});
