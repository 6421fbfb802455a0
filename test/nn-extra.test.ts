/**
 * tf.nn composites: conv1d and the 1-D pools against direct loops, N-d maxPool / avgPool,
 * batchNormalization, weightedMoments, normalizeMoments, localResponseNormalization against
 * its definition, embeddingLookup, spaceToDepth / depthToSpace (TensorFlow's doc example and
 * the round trip), crelu, weightedCrossEntropyWithLogits, logPoissonLoss and
 * computeAverageLoss against hand values; gradients by finite differences; bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function near(got: tf.Tensor, want: number[], tol = 1e-12): void {
  const g = vals(got);
  assert.equal(g.length, want.length, `length ${g.length} vs ${want.length}`);
  g.forEach((x, i) =>
    assert.ok(
      Math.abs(x - want[i]) <= tol * Math.max(1, Math.abs(want[i])),
      `[${i}]: ${x}, want ${want[i]}`,
    ),
  );
}

test("conv1d against a direct loop (VALID, stride 2, dilation 2), and its gradient", () => {
  const x = randomTensor([2, 7, 3], 1);
  const w = randomTensor([3, 3, 2], 2);
  const xv = vals(x);
  const wv = vals(w);
  for (const [stride, dil] of [
    [1, 1],
    [2, 1],
    [1, 2],
  ]) {
    const y = tf.nn.conv1d(x, w, stride, "VALID", { dilations: dil });
    const outW = Math.floor((7 - (3 - 1) * dil - 1) / stride) + 1;
    assert.deepEqual(y.shape, [2, outW, 2]);
    const want: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let o = 0; o < outW; o++)
        for (let co = 0; co < 2; co++) {
          let s = 0;
          for (let k = 0; k < 3; k++)
            for (let ci = 0; ci < 3; ci++)
              s += xv[(b * 7 + o * stride + k * dil) * 3 + ci] * wv[(k * 3 + ci) * 2 + co];
          want.push(s);
        }
    near(y, want);
  }
  assert.deepEqual(tf.nn.conv1d(x, w, 1, "SAME").shape, [2, 7, 2]);
  checkGradients(
    (a, b) => tf.nn.conv1d(a, b, 2, "SAME"),
    [randomTensor([1, 5, 2], 3), randomTensor([3, 2, 2], 4)],
  );
  assert.throws(
    () => tf.nn.conv1d(randomTensor([7, 3], 1), w, 1, "VALID"),
    /conv1d: input must be \[batch, width, channels\]/,
  );
});

test("maxPool1d / avgPool1d and the N-d maxPool / avgPool", () => {
  const x = f64([[[1], [5], [2], [4], [3]]]);
  near(tf.nn.maxPool1d(x, 2, 2, "VALID"), [5, 4]);
  near(tf.nn.avgPool1d(x, 2, 2, "SAME"), [3, 3, 3]);
  near(tf.nn.maxPool(x, 3, 1, "VALID"), [5, 5, 4]);
  const img = randomTensor([1, 4, 4, 2], 5);
  near(tf.nn.avgPool(img, 2, 2, "VALID"), vals(tf.nn.avgPool2d(img, 2, 2, "VALID")));
  checkGradients((t) => tf.nn.avgPool1d(t, 2, 1, "VALID"), [randomTensor([1, 4, 2], 6)]);
  // Rank 5 is 3-D pooling (test/nn-conv3d.test.ts); rank 6 has no pooling.
  const vol = randomTensor([1, 2, 2, 2, 1], 1);
  near(tf.nn.maxPool(vol, 2, 2, "VALID"), [Math.max(...vals(vol))]);
  assert.throws(
    () => tf.nn.maxPool(randomTensor([1, 2, 2, 2, 1, 1], 1), 1, 1, "VALID"),
    /maxPool: input must be NWC \(rank 3\), NHWC \(rank 4\) or NDHWC \(rank 5\)/,
  );
});

test("batchNormalization, weightedMoments, normalizeMoments", () => {
  const x = f64([
    [1, 2],
    [3, 6],
  ]);
  near(
    tf.nn.batchNormalization(x, f64([2, 4]), f64([1, 4]), f64([10, 0]), f64([1, 2]), 0),
    [9, -2, 11, 2],
  );
  near(tf.nn.batchNormalization(x, 2, 1, null, null, 3), [-0.5, 0, 0.5, 2]);
  checkGradients(
    (a, m, v, o, s) => tf.nn.batchNormalization(a, m, v, o, s, 1e-3),
    [
      randomTensor([3, 2], 1),
      randomTensor([2], 2),
      randomTensor([2], 3, 0.5, 1.5),
      randomTensor([2], 4),
      randomTensor([2], 5),
    ],
  );
  // weights 1, 3 on rows: mean (1 + 9)/4 = 2.5 and (2 + 18)/4 = 5
  const [m, v] = tf.nn.weightedMoments(x, 0, f64([[1], [3]]));
  near(m, [2.5, 5]);
  near(v, [(1 * 1.5 ** 2 + 3 * 0.5 ** 2) / 4, (1 * 9 + 3 * 1) / 4]);
  const [mk] = tf.nn.weightedMoments(x, [0, 1], 1, { keepdims: true });
  assert.deepEqual(mk.shape, [1, 1]);
  near(mk, [3]);
  const [nm, nv] = tf.nn.normalizeMoments(f64(4), f64(2), f64(10), f64(1));
  near(nm, [1.5]);
  near(nv, [2.5 - 0.25]);
});

test("localResponseNormalization against its definition, and its gradient", () => {
  const x = randomTensor([1, 2, 1, 6], 7);
  const y = tf.nn.localResponseNormalization(x, 2, 1.5, 0.3, 0.75);
  const xv = vals(x);
  const want = xv.map((v, i) => {
    const row = Math.floor(i / 6) * 6;
    const d = i % 6;
    let s = 0;
    for (let k = Math.max(0, d - 2); k <= Math.min(5, d + 2); k++) s += xv[row + k] ** 2;
    return v / (1.5 + 0.3 * s) ** 0.75;
  });
  near(y, want);
  checkGradients(
    (t) => tf.nn.localResponseNormalization(t, 1, 1, 0.5, 0.5),
    [randomTensor([1, 1, 2, 3], 8)],
  );
});

test("embeddingLookup, spaceToDepth / depthToSpace, crelu", () => {
  const p = f64([
    [3, 4],
    [1, 0],
    [0, 0.5],
  ]);
  near(tf.nn.embeddingLookup(p, tf.constant([2, 0], "int32")), [0, 0.5, 3, 4]);
  near(tf.nn.embeddingLookup([p], tf.constant([[0]], "int32"), 1), [0.6, 0.8]);
  assert.throws(
    () => tf.nn.embeddingLookup([p, p], tf.constant([0], "int32")),
    /embeddingLookup: sharded params/,
  );
  // TensorFlow's example: [1, 2, 2, 1] -> [1, 1, 1, 4]
  const s = tf.nn.spaceToDepth(
    f64([
      [
        [[1], [2]],
        [[3], [4]],
      ],
    ]),
    2,
  );
  assert.deepEqual(s.shape, [1, 1, 1, 4]);
  near(s, [1, 2, 3, 4]);
  const x = randomTensor([2, 4, 6, 3], 9);
  near(tf.nn.depthToSpace(tf.nn.spaceToDepth(x, 2), 2), vals(x));
  const d = tf.nn.depthToSpace(f64([[[[1, 2, 3, 4]]]]), 2);
  assert.deepEqual(d.shape, [1, 2, 2, 1]);
  near(d, [1, 2, 3, 4]);
  assert.throws(
    () => tf.nn.spaceToDepth(randomTensor([1, 3, 4, 1], 1), 2),
    /spaceToDepth: height and width of input \[1,3,4,1\] must be divisible by block_size 2/,
  );
  near(tf.nn.crelu(f64([1, -2])), [1, 0, 0, 2]);
});

test("weightedCrossEntropyWithLogits, logPoissonLoss, computeAverageLoss", () => {
  const z = f64([1, 0, 1]);
  const x = f64([0.5, -1, 30]);
  const q = 3;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const want = [1, 0, 1].map((zz, i) => {
    const xx = [0.5, -1, 30][i];
    return -(q * zz * Math.log(sig(xx)) + (1 - zz) * Math.log(1 - sig(xx)));
  });
  near(tf.nn.weightedCrossEntropyWithLogits(z, x, q), want, 1e-12);
  checkGradients(
    (l) => tf.nn.weightedCrossEntropyWithLogits(f64([0.2, 0.9]), l, 2),
    [randomTensor([2], 1, -3, 3)],
  );
  const c = f64([0.5, 1]);
  const t = f64([0.5, 3]);
  near(tf.nn.logPoissonLoss(t, c), [Math.exp(0.5) - 0.25, Math.E - 3]);
  near(tf.nn.logPoissonLoss(t, c, true), [
    Math.exp(0.5) - 0.25,
    Math.E - 3 + 3 * Math.log(3) - 3 + 0.5 * Math.log(6 * Math.PI),
  ]);
  near(tf.nn.computeAverageLoss(f64([1, 2, 3, 4])), [2.5]);
  near(tf.nn.computeAverageLoss(f64([1, 2, 3, 4]), f64([1, 0, 1, 0]), 8), [0.5]);
});
