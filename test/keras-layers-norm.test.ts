/**
 * BatchNormalization (training vs inference, moving statistics), LayerNormalization and
 * Embedding: forward values against plain loops, weights, configs, bad inputs and float64
 * gradients against finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names, T } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { checkLayerGradients, setWeights, values } from "./helpers/layer-gradcheck.js";

const { layers } = tf.keras;
/** Mean and population variance of x [n, c] per column. */
function columnStats(x: number[], n: number, c: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(c).fill(0);
  const variance = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mean[j] += x[i * c + j] / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < c; j++) variance[j] += (x[i * c + j] - mean[j]) ** 2 / n;
  return { mean, variance };
}

test("BatchNormalization: weights gamma, beta, moving_mean, moving_variance in Keras's order", () => {
  const bn = new layers.BatchNormalization({ name: "bn" });
  bn.build([null, 3]);
  assert.deepEqual(names(bn.weights), [
    "bn/gamma:0",
    "bn/beta:0",
    "bn/moving_mean:0",
    "bn/moving_variance:0",
  ]);
  assert.deepEqual(names(bn.trainableWeights), ["bn/gamma:0", "bn/beta:0"]);
  assert.deepEqual(names(bn.nonTrainableWeights), ["bn/moving_mean:0", "bn/moving_variance:0"]);
  assert.deepEqual(flat(bn.gamma!), [1, 1, 1]);
  assert.deepEqual(flat(bn.movingVariance), [1, 1, 1]);
  assert.deepEqual(flat(bn.movingMean), [0, 0, 0]);
  const config = bn.getConfig();
  assert.equal(config.axis, -1);
  assert.equal(config.momentum, 0.99);
  assert.equal(config.epsilon, 1e-3);
  assert.equal(config.center, true);
  assert.equal(config.scale, true);
  assert.equal((config.moving_variance_initializer as { class_name: string }).class_name, "Ones");
  const bare = new layers.BatchNormalization({ center: false, scale: false, name: "bare" });
  bare.build([null, 2]);
  assert.deepEqual(names(bare.weights), ["bare/moving_mean:0", "bare/moving_variance:0"]);
  close(bare.apply(tf.ones([2, 2]), { training: true }), [0, 0, 0, 0]);
  assert.throws(() => bare.apply(tf.ones([2, 3])), /bare.*axis 1 of input shape to have value 2/);
});

test("BatchNormalization: training uses the batch statistics and moves the moving ones by 1 - momentum", () => {
  const [n, c] = [5, 3];
  const xv = values(n * c, 1).map((v, i) => v * 3 + i);
  const x = T(xv, [n, c]);
  const bn = new layers.BatchNormalization();
  bn.build([null, c]);
  const gamma = [0.5, 2, -1];
  const beta = [0.1, 0, 3];
  setWeights(bn, [gamma, beta, [0, 0, 0], [1, 1, 1]]);
  const { mean, variance } = columnStats(xv, n, c);
  const y = bn.apply(x, { training: true });
  const ref = xv.map(
    (v, k) => ((v - mean[k % c]) / Math.sqrt(variance[k % c] + 1e-3)) * gamma[k % c] + beta[k % c],
  );
  close(y, ref, 1e-4);
  close(
    bn.movingMean,
    mean.map((m) => 0.01 * m),
    1e-5,
  );
  close(
    bn.movingVariance,
    variance.map((v) => 0.99 + 0.01 * v),
    1e-5,
  );
  // A second step moves them again from where they are.
  bn.apply(x, { training: true });
  close(
    bn.movingMean,
    mean.map((m) => 0.99 * 0.01 * m + 0.01 * m),
    1e-5,
  );
});

test("BatchNormalization: inference (the default) uses the moving statistics and changes nothing", () => {
  const bn = new layers.BatchNormalization({ epsilon: 0.01, momentum: 0.9 });
  bn.build([null, 2]);
  setWeights(bn, [
    [2, 3],
    [1, -1],
    [0.5, -2],
    [4, 0.25],
  ]);
  const x = T([1, 2, 3, 4], [2, 2]);
  const ref = [
    ((1 - 0.5) / Math.sqrt(4.01)) * 2 + 1,
    ((2 + 2) / Math.sqrt(0.26)) * 3 - 1,
    ((3 - 0.5) / Math.sqrt(4.01)) * 2 + 1,
    ((4 + 2) / Math.sqrt(0.26)) * 3 - 1,
  ];
  close(bn.apply(x), ref, 1e-5);
  close(bn.apply(x, { training: false }), ref, 1e-5);
  close(bn.movingMean, [0.5, -2]);
  // A frozen layer runs in inference mode even when training (Keras 3).
  bn.trainable = false;
  close(bn.apply(x, { training: true }), ref, 1e-5);
  close(bn.movingMean, [0.5, -2]);
  // Inside a Sequential, training reaches it.
  bn.trainable = true;
  const model = new tf.keras.Sequential([bn]);
  model.apply(x, { training: true });
  close(bn.movingMean, [0.9 * 0.5 + 0.1 * 2, 0.9 * -2 + 0.1 * 3]);
});

test("BatchNormalization: axis 1 of an NCHW-like input normalizes each channel over batch, h, w", () => {
  const shape = [2, 3, 2, 2];
  const xv = values(24, 5);
  const bn = new layers.BatchNormalization({ axis: 1 });
  const y = bn.apply(T(xv, shape), { training: true });
  assert.deepEqual(bn.gamma?.shape, [3]);
  // Gather channel c's 8 values, normalize them by hand.
  const ref = new Array<number>(24);
  for (let ch = 0; ch < 3; ch++) {
    const idx: number[] = [];
    for (let b = 0; b < 2; b++) for (let p = 0; p < 4; p++) idx.push(b * 12 + ch * 4 + p);
    const m = idx.reduce((a, i) => a + xv[i], 0) / 8;
    const v = idx.reduce((a, i) => a + (xv[i] - m) ** 2, 0) / 8;
    for (const i of idx) ref[i] = (xv[i] - m) / Math.sqrt(v + 1e-3);
  }
  close(y, ref, 1e-4);
  assert.throws(() => bn.apply(tf.ones([2, 3])), /batch_normalization.*ndim=4, found ndim=2/);
  assert.throws(() => bn.apply(tf.ones([2, 4, 2, 2])), /axis 1 of input shape to have value 3/);
  assert.throws(
    () => new layers.BatchNormalization({ axis: 3 }).apply(tf.ones([2, 3])),
    /axis 3 is out of bounds/,
  );
});

test("BatchNormalization: float64 gradients in training and inference mode", () => {
  const x = randomTensor([4, 3], 7);
  const bn = new layers.BatchNormalization({ dtype: "float64" });
  bn.build([null, 3]);
  setWeights(bn, [values(3, 8), values(3, 9), values(3, 10), [0.5, 1, 2]]);
  checkLayerGradients(bn, [x], {}, (v) => bn.apply(v, { training: true }));
  checkLayerGradients(bn, [x], {}, (v) => bn.apply(v, { training: false }));
});

test("LayerNormalization: each example by its own statistics; axis list; gradients", () => {
  const [n, c] = [3, 4];
  const xv = values(n * c, 11);
  const ln = new layers.LayerNormalization({ name: "ln" });
  const y = ln.apply(T(xv, [n, c]));
  assert.deepEqual(names(ln.weights), ["ln/gamma:0", "ln/beta:0"]);
  const ref: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = xv.slice(i * c, (i + 1) * c);
    const m = row.reduce((a, v) => a + v, 0) / c;
    const v = row.reduce((a, u) => a + (u - m) ** 2, 0) / c;
    for (const u of row) ref.push((u - m) / Math.sqrt(v + 1e-3));
  }
  close(y, ref, 1e-4);
  // Same in training.
  close(ln.apply(T(xv, [n, c]), { training: true }), ref, 1e-4);
  const both = new layers.LayerNormalization({ axis: [1, 2], epsilon: 1e-5 });
  const z = both.apply(T(xv, [2, 3, 2]));
  assert.deepEqual(both.gamma?.shape, [3, 2]);
  const ref2: number[] = [];
  for (let i = 0; i < 2; i++) {
    const row = xv.slice(i * 6, (i + 1) * 6);
    const m = row.reduce((a, v) => a + v, 0) / 6;
    const v = row.reduce((a, u) => a + (u - m) ** 2, 0) / 6;
    for (const u of row) ref2.push((u - m) / Math.sqrt(v + 1e-5));
  }
  close(z, ref2, 1e-4);
  const config = ln.getConfig();
  assert.equal(config.axis, -1);
  assert.equal(config.epsilon, 1e-3);
  assert.throws(() => ln.apply(tf.ones([3, 5])), /"ln".*axis 1 of input shape to have value 4/);

  const l64 = new layers.LayerNormalization({ dtype: "float64", axis: [1, 2] });
  l64.build([null, 2, 3]);
  setWeights(l64, [values(6, 12), values(6, 13)]);
  checkLayerGradients(l64, [randomTensor([2, 2, 3], 14)]);
});

test("Embedding: rows of the table, output shape input + [outputDim], float ids cast", () => {
  const e = new layers.Embedding(5, 2, { name: "emb" });
  const ids = tf.constant(
    [
      [0, 4, 2],
      [2, 2, 1],
    ],
    "int32",
  );
  const y = e.apply(ids);
  assert.deepEqual(names(e.weights), ["emb/embeddings:0"]);
  assert.deepEqual(e.embeddings.shape, [5, 2]);
  // Keras's "uniform": RandomUniform(-0.05, 0.05).
  assert.ok(flat(e.embeddings).every((v) => Math.abs(v) <= 0.05));
  const table = [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
  ];
  setWeights(e, [table.flat()]);
  const z = e.apply(ids);
  assert.deepEqual(z.shape, [2, 3, 2]);
  assert.deepEqual(flat(z), [1, 2, 9, 10, 5, 6, 5, 6, 5, 6, 3, 4]);
  assert.deepEqual(flat(e.apply([[3.0]])), [7, 8]);
  assert.deepEqual(y.shape, [2, 3, 2]);
  assert.throws(
    () => e.apply(tf.constant([5], "int32")),
    (err: Error) =>
      err instanceof tf.errors.InvalidArgumentError && /emb.*\[0, 5\)/.test(err.message),
  );
  assert.equal(e.computeMask(ids), null);
  const masked = new layers.Embedding(5, 2, { maskZero: true });
  assert.deepEqual(flat(masked.computeMask(ids)!), [0, 1, 1, 1, 1, 1]);
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(e.getConfig()).filter(([k]) => k !== "embeddings_initializer"),
    ),
    {
      name: "emb",
      trainable: true,
      dtype: "float32",
      input_dim: 5,
      output_dim: 2,
      embeddings_regularizer: null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: false,
    },
  );
  assert.throws(() => new layers.Embedding(0, 2), /input_dim/);
});

test("Embedding: the table's gradient is a scatter-add (repeated ids sum), checked by finite differences", () => {
  const e = new layers.Embedding(4, 3, { dtype: "float64" });
  const ids = tf.constant([1, 3, 1, 1], "int32");
  e.build([4]);
  const tape = new tf.GradientTape();
  const w = T([1, 2, 3, 4], [4, 1]);
  const loss = tape.record(() => tf.reduceSum(tf.multiply(e.apply(ids), tf.cast(w, "float64"))));
  const [g] = tape.gradient(loss, [e.embeddings]);
  // Row 1 is looked up at positions 0, 2, 3 (weights 1 + 3 + 4), row 3 at position 1 (weight 2).
  assert.deepEqual(flat(g!), [0, 0, 0, 8, 8, 8, 0, 0, 0, 2, 2, 2]);
  checkLayerGradients(e, [ids], { skipInputs: true });
});

test("BatchNormalization in a tf.function: traced training steps update the moving statistics as eager ones do", () => {
  const x = T([1, 2, 3, 4, 5, 6], [3, 2]);
  const traced = new layers.BatchNormalization();
  traced.build([null, 2]);
  const f = tf.function((t: tf.Tensor) => traced.apply(t, { training: true }));
  const eager = new layers.BatchNormalization();
  for (let i = 0; i < 3; i++) {
    f(x);
    eager.apply(x, { training: true });
  }
  close(traced.movingMean, flat(eager.movingMean), 1e-6);
  close(traced.movingVariance, flat(eager.movingVariance), 1e-6);
  // After three steps: mean (3, 4) weighted 1 - 0.99^3.
  close(eager.movingMean, [3 * (1 - 0.99 ** 3), 4 * (1 - 0.99 ** 3)], 1e-5);
});
