/**
 * tf.nn.sampledSoftmaxLoss and nceLoss: equal to the full softmax / full logistic losses when the
 * sample is every class with expected count 1; seeded default sampling repeatable; the
 * log-uniform sampler's distribution and expected counts; gradients wrt weights, biases and
 * inputs against finite differences; bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);
const C = 6;
const D = 4;
const B = 3;
const w = randomTensor([C, D], 1);
const b = randomTensor([C], 2);
const x = randomTensor([B, D], 3);
const labels = tf.constant([[2], [0], [5]], "int32");
const all: tf.SampledValues = {
  sampledCandidates: tf.constant([0, 1, 2, 3, 4, 5], "int32"),
  trueExpectedCount: tf.ones([B, 1]),
  sampledExpectedCount: tf.ones([C]),
};
const fullLogits = () => tf.add(tf.matmul(x, w, { transposeB: true }), b);

test("sampledSoftmaxLoss over every class (count 1) is the full softmax cross-entropy", () => {
  const got = vals(tf.nn.sampledSoftmaxLoss(w, b, labels, x, C, C, { sampledValues: all }));
  const want = vals(
    tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([2, 0, 5], "int32"), fullLogits()),
  );
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12, `row ${i}: ${v} vs ${want[i]}`));
  // with the hits kept, the true class counts twice in the denominator
  const kept = vals(
    tf.nn.sampledSoftmaxLoss(w, b, labels, x, C, C, {
      sampledValues: all,
      removeAccidentalHits: false,
    }),
  );
  const z = vals(fullLogits());
  const lab = [2, 0, 5];
  kept.forEach((v, i) => {
    const row = z.slice(i * C, (i + 1) * C);
    const lse = Math.log(row.reduce((s, u) => s + Math.exp(u), 0) + Math.exp(row[lab[i]]));
    assert.ok(Math.abs(v - (lse - row[lab[i]])) < 1e-12);
  });
});

test("nceLoss over every class (count 1) is the logistic loss of true vs every class", () => {
  const got = vals(tf.nn.nceLoss(w, b, labels, x, C, C, { sampledValues: all }));
  const z = vals(fullLogits());
  const sp = (u: number) => Math.log1p(Math.exp(u)); // softplus
  const lab = [2, 0, 5];
  got.forEach((v, i) => {
    const row = z.slice(i * C, (i + 1) * C);
    const want = sp(-row[lab[i]]) + row.reduce((s, u) => s + sp(u), 0);
    assert.ok(Math.abs(v - want) < 1e-12, `row ${i}: ${v} vs ${want}`);
  });
});

test("the default log-uniform sampler: seeded, distinct, its distribution and expected counts", () => {
  const s1 = tf.nn.logUniformCandidateSampler(labels, 1, 4, true, C, 7);
  const s2 = tf.nn.logUniformCandidateSampler(labels, 1, 4, true, C, 7);
  // one seed, one stream: the second call continues it; a reset stream repeats the first
  tf.random.setSeed(3);
  const a = vals(tf.nn.sampledSoftmaxLoss(w, b, labels, x, 3, C, { seed: 5 }));
  tf.random.setSeed(3);
  const a2 = vals(tf.nn.sampledSoftmaxLoss(w, b, labels, x, 3, C, { seed: 5 }));
  assert.deepEqual(a, a2);
  tf.random.setSeed(null);
  const c1 = vals(s1.sampledCandidates);
  assert.equal(new Set(c1).size, 4);
  for (const c of [...c1, ...vals(s2.sampledCandidates)]) assert.ok(c >= 0 && c < C);
  // every class drawn (unique, numSampled = rangeMax): a permutation
  const every = tf.nn.logUniformCandidateSampler(labels, 1, C, true, C, 11);
  assert.deepEqual(vals(every.sampledCandidates).sort(), [0, 1, 2, 3, 4, 5]);
  for (const e of vals(every.sampledExpectedCount)) assert.ok(e > 0 && e <= 1);
  // without unique: the counts are p * numSampled, and class 0's frequency is log 2 / log 7
  const n = 20000;
  const many = tf.nn.logUniformCandidateSampler(labels, 1, n, false, C, 13);
  const drawn = vals(many.sampledCandidates);
  const p0 = Math.log(2) / Math.log(C + 1);
  const f0 = drawn.filter((k) => k === 0).length / n;
  assert.ok(Math.abs(f0 - p0) < 4 * Math.sqrt((p0 * (1 - p0)) / n), `freq ${f0} vs ${p0}`);
  const counts = vals(many.trueExpectedCount);
  const p = (k: number) => Math.log((k + 2) / (k + 1)) / Math.log(C + 1);
  [2, 0, 5].forEach((k, i) => assert.ok(Math.abs(counts[i] - p(k) * n) < 1e-3 * p(k) * n));
  // uniform, unique: every expected count is 1 - (1 - 1/C)^tries, one value for all classes
  const u = tf.nn.uniformCandidateSampler(labels, 1, 3, true, C, 1);
  const ue = vals(u.sampledExpectedCount);
  const tries = Math.log1p(-ue[0]) / Math.log1p(-1 / C);
  assert.ok(Math.abs(tries - Math.round(tries)) < 1e-3 && tries >= 3, `tries ${tries}`);
  for (const e of [...ue, ...vals(u.trueExpectedCount)]) assert.ok(Math.abs(e - ue[0]) < 1e-7);
});

test("sampled losses' gradients wrt weights, biases and inputs match finite differences", () => {
  const sv: tf.SampledValues = {
    sampledCandidates: tf.constant([1, 2, 4], "int32"),
    trueExpectedCount: tf.constant([[0.3], [0.6], [0.2]]),
    sampledExpectedCount: tf.constant([0.5, 0.3, 0.25]),
  };
  for (const loss of [tf.nn.sampledSoftmaxLoss, tf.nn.nceLoss]) {
    checkGradients(
      (ww, bb, xx) =>
        loss(ww, bb, labels, xx, 3, C, { sampledValues: sv, removeAccidentalHits: true }),
      [w, b, x],
      { rtol: 1e-6 },
    );
  }
  const two = tf.constant(
    [
      [2, 1],
      [0, 3],
      [5, 4],
    ],
    "int32",
  );
  // two true classes, a sample drawn once (each call of the default sampler draws anew)
  const drawn = tf.nn.logUniformCandidateSampler(two, 2, 3, true, C, 4);
  for (const loss of [tf.nn.sampledSoftmaxLoss, tf.nn.nceLoss]) {
    checkGradients(
      (ww, bb, xx) => loss(ww, bb, two, xx, 3, C, { numTrue: 2, sampledValues: drawn }),
      [w, b, x],
      { rtol: 1e-6 },
    );
  }
});

test("sampled losses: bad inputs name the function and shapes", () => {
  assert.throws(
    () => tf.nn.sampledSoftmaxLoss(w, b, labels, tf.zeros([3, 5], "float64"), 2, C),
    /sampledSoftmaxLoss: weights must be/,
  );
  assert.throws(
    () => tf.nn.nceLoss(w, b, tf.constant([[1], [2]], "int32"), x, 2, C),
    /nceLoss: labels must be/,
  );
  assert.throws(() => tf.nn.nceLoss(w, b, labels, x, 0, C), RangeError);
  assert.throws(() => tf.nn.logUniformCandidateSampler(labels, 1, 7, true, C), /at most rangeMax/);
  assert.throws(
    () => tf.nn.logUniformCandidateSampler(tf.constant([[9]], "int32"), 1, 2, true, C),
    /outside \[0, 6\)/,
  );
});
