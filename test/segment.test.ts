/**
 * Segment reductions (sorted and unsorted sum, mean, max, min, prod, sqrt-n) against
 * hand-computed values, TensorFlow's empty-segment values, the gradients (ties split, zeros in
 * products), and the tf.math composites (countNonzero, reduceEuclideanNorm, cumulativeLogsumexp,
 * bincount, confusionMatrix, inTopK, zeroFraction, addN, accumulateN, invertPermutation,
 * l2Normalize, polyval), with bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const i32 = (v: tf.TensorLike) => tf.constant(v, "int32");
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function near(got: tf.Tensor, want: number[], tol = 1e-12, what = "value"): void {
  const g = vals(got);
  assert.equal(g.length, want.length, `${what}: length`);
  g.forEach((x, i) => {
    const w = want[i];
    const ok = Object.is(x, w) || Math.abs(x - w) <= tol * Math.max(1, Math.abs(w));
    assert.ok(ok, `${what}[${i}]: ${x}, want ${w}`);
  });
}

function gradOf(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.reduceSum(f(x)));
  const [g] = tape.gradient(y, [x]);
  assert.ok(g !== null);
  return g;
}

const data = f64([
  [1, 2],
  [3, -4],
  [5, 6],
  [-7, 8],
  [9, 0],
]);

test("sorted segment ops: hand-computed sums, means, extremes, products; empty segment 2", () => {
  const ids = i32([0, 0, 1, 3, 3]);
  near(tf.math.segmentSum(data, ids), [4, -2, 5, 6, 0, 0, 2, 8]);
  near(tf.math.segmentMean(data, ids), [2, -1, 5, 6, 0, 0, 1, 4]);
  near(tf.math.segmentMax(data, ids), [3, 2, 5, 6, 0, 0, 9, 8]);
  near(tf.math.segmentMin(data, ids), [1, -4, 5, 6, 0, 0, -7, 0]);
  near(tf.math.segmentProd(data, ids), [3, -8, 5, 6, 1, 1, -63, 0]);
  assert.deepEqual(tf.math.segmentSum(data, ids).shape, [4, 2]);
  assert.deepEqual(vals(tf.math.segmentSum(i32([1, 2, 3]), i32([0, 1, 1]))), [1, 5]);
});

test("unsorted segment ops: any order, negative ids dropped, TensorFlow's empty values", () => {
  const ids = i32([2, 0, 2, -1, 0]);
  near(tf.math.unsortedSegmentMax(data, ids, 4), [
    9,
    0,
    -Number.MAX_VALUE,
    -Number.MAX_VALUE,
    5,
    6,
    -Number.MAX_VALUE,
    -Number.MAX_VALUE,
  ]);
  near(tf.math.unsortedSegmentMin(data, ids, 3), [3, -4, Number.MAX_VALUE, Number.MAX_VALUE, 1, 2]);
  near(tf.math.unsortedSegmentProd(data, ids, 3), [27, 0, 1, 1, 5, 12]);
  near(tf.math.unsortedSegmentMean(data, ids, 3), [6, -2, 0, 0, 3, 4]);
  near(tf.math.unsortedSegmentSqrtN(data, ids, 3), [
    12 / Math.SQRT2,
    -4 / Math.SQRT2,
    0,
    0,
    6 / Math.SQRT2,
    8 / Math.SQRT2,
  ]);
  // float32 and int32 lowest values for empty max segments
  assert.equal(
    vals(tf.math.unsortedSegmentMax(tf.constant([1]), i32([0]), 2))[1],
    -3.4028234663852886e38,
  );
  assert.equal(vals(tf.math.unsortedSegmentMax(i32([1]), i32([0]), 2))[1], -2147483648);
  // ids of rank 2, a prefix of data's shape
  near(
    tf.math.unsortedSegmentMax(
      f64([
        [1, 5],
        [3, 2],
      ]),
      i32([
        [0, 1],
        [1, 0],
      ]),
      2,
    ),
    [2, 5],
  );
});

test("segment gradients: ties split evenly, products with zeros, empty and dropped rows", () => {
  const x = f64([1, 3, 3, 2, 0, 4]);
  const ids = i32([0, 0, 0, 1, 2, 2]);
  near(
    gradOf((t) => tf.math.segmentMax(t, ids), x),
    [0, 0.5, 0.5, 1, 0, 1],
    1e-15,
    "max ties",
  );
  near(
    gradOf((t) => tf.math.segmentMin(t, ids), x),
    [1, 0, 0, 1, 1, 0],
    1e-15,
    "min",
  );
  // prod: d/dx_i prod = product of the others; one zero gets the product of the rest
  near(
    gradOf((t) => tf.math.segmentProd(t, ids), x),
    [9, 3, 3, 1, 4, 0],
    1e-15,
    "prod zero",
  );
  near(
    gradOf((t) => tf.math.unsortedSegmentProd(t, i32([0, 0, 1]), 2), f64([0, 0, 5])),
    [0, 0, 1],
    1e-15,
    "two zeros",
  );
  for (const f of [
    tf.math.segmentSum,
    tf.math.segmentMean,
    tf.math.segmentMax,
    tf.math.segmentProd,
  ]) {
    checkGradients((t) => f(t, i32([0, 0, 2, 2, 3])), [randomTensor([5, 2], 7, 0.5, 1.5)]);
  }
  const uid = i32([1, -1, 1, 0]); // no empty segment: an empty min is MAX_VALUE, which would overflow the check's sums
  for (const f of [
    tf.math.unsortedSegmentMean,
    tf.math.unsortedSegmentSqrtN,
    tf.math.unsortedSegmentMin,
  ]) {
    checkGradients((t) => f(t, uid, 2), [randomTensor([4, 3], 8)]);
  }
});

test("segment bad inputs: unsorted or negative ids for the sorted ops, range, dtype, shapes", () => {
  assert.throws(
    () => tf.math.segmentSum(data, i32([0, 1, 0, 2, 2])),
    /segmentSum: segment ids are not increasing: segment_ids\[1\] = 1 > segment_ids\[2\] = 0/,
  );
  assert.throws(
    () => tf.math.segmentMax(data, i32([-1, 0, 0, 1, 1])),
    /segmentMax: segment_ids\[0\] = -1 is negative/,
  );
  assert.throws(
    () => tf.math.segmentSum(data, i32([0, 0])),
    /segmentSum: segment_ids must be a vector with one id per row.*\[2\].*\[5,2\]/,
  );
  assert.throws(
    () => tf.math.unsortedSegmentMax(data, i32([0, 1, 5, 0, 0]), 3),
    /UnsortedSegmentMax: segment_ids\[2\] = 5 is out of range \[0, 3\)/,
  );
  assert.throws(
    () => tf.math.unsortedSegmentProd(data, f64([0, 1, 1, 0, 0]), 3),
    /segment_ids must be int32/,
  );
  assert.throws(() => tf.math.unsortedSegmentMin(data, i32([0, 1]), 3), /prefix of data.shape/);
  assert.throws(
    () => tf.math.unsortedSegmentMax(data, i32([0, 0, 0, 0, 0]), -1),
    /num_segments must be an integer >= 0/,
  );
});

test("countNonzero, reduceEuclideanNorm, zeroFraction", () => {
  const x = f64([
    [0, 1, 2],
    [0, 0, -3],
  ]);
  assert.deepEqual(vals(tf.math.countNonzero(x)), [3]);
  assert.deepEqual(vals(tf.math.countNonzero(x, 1)), [2, 1]);
  assert.deepEqual(tf.math.countNonzero(x, 0, true).shape, [1, 3]);
  assert.deepEqual(vals(tf.math.countNonzero(tf.constant([true, false, true]))), [2]);
  near(
    tf.math.reduceEuclideanNorm(
      f64([
        [3, 4],
        [5, 12],
      ]),
      1,
    ),
    [5, 13],
  );
  near(
    tf.math.reduceEuclideanNorm(
      f64([
        [3, 4],
        [5, 12],
      ]),
    ),
    [Math.sqrt(194)],
  );
  checkGradients((t) => tf.math.reduceEuclideanNorm(t, -1), [randomTensor([2, 3], 3)]);
  const z = tf.math.zeroFraction(x);
  assert.equal(z.dtype, "float32");
  near(z, [0.5]);
});

test("cumulativeLogsumexp: log(cumsum(exp x)), exclusive / reverse, no overflow or underflow", () => {
  const x = f64([0, 1, 2, 3]);
  const want = [0, 1, 2, 3].map((j) =>
    Math.log([0, 1, 2, 3].slice(0, j + 1).reduce((s, v) => s + Math.exp(v), 0)),
  );
  near(tf.math.cumulativeLogsumexp(x), want, 1e-14);
  near(tf.math.cumulativeLogsumexp(x, 0, true), [-Infinity, ...want.slice(0, 3)], 1e-14);
  const rev = [0, 1, 2, 3].map((j) =>
    Math.log([0, 1, 2, 3].slice(j).reduce((s, v) => s + Math.exp(v), 0)),
  );
  near(tf.math.cumulativeLogsumexp(x, 0, false, true), rev, 1e-14);
  near(tf.math.cumulativeLogsumexp(x, 0, true, true), [...rev.slice(1), -Infinity], 1e-14);
  // -1000 then 1000: a global shift would lose the first entry to underflow
  near(
    tf.math.cumulativeLogsumexp(f64([-1000, -1000, 1000])),
    [-1000, -1000 + Math.LN2, 1000],
    1e-14,
  );
  const y = tf.math.cumulativeLogsumexp(
    f64([
      [1, 2],
      [3, 4],
    ]),
    1,
  );
  near(y, [1, Math.log(Math.E + Math.E ** 2), 3, Math.log(Math.E ** 3 + Math.E ** 4)], 1e-14);
  checkGradients((t) => tf.math.cumulativeLogsumexp(t, 1), [randomTensor([2, 4], 4, -2, 2)]);
  // the -Infinity an exclusive scan starts with is left out of the finite-difference sums
  checkGradients(
    (t) => tf.slice(tf.math.cumulativeLogsumexp(t, 0, true, true), [0], [3]),
    [randomTensor([4], 5)],
  );
});

test("bincount and confusionMatrix", () => {
  assert.deepEqual(vals(tf.math.bincount(i32([1, 1, 3, 0]))), [1, 2, 0, 1]);
  assert.deepEqual(vals(tf.math.bincount(i32([1, 1, 3]), null, 6)), [0, 2, 0, 1, 0, 0]);
  assert.deepEqual(vals(tf.math.bincount(i32([1, 1, 3]), null, null, 2)), [0, 2]);
  assert.deepEqual(
    vals(tf.math.bincount(i32([1, 1, 3]), null, null, null, "int32", { binaryOutput: true })),
    [0, 1, 0, 1],
  );
  near(
    tf.math.bincount(
      i32([
        [1, 0],
        [1, 2],
      ]),
      f64([
        [0.5, 1],
        [2, 4],
      ]),
    ),
    [1, 2.5, 4],
  );
  checkGradients((w) => tf.math.bincount(i32([2, 0, 2]), w), [randomTensor([3], 6)]);
  assert.throws(
    () => tf.math.bincount(i32([1, -2])),
    /bincount: arr must be non-negative, got arr\[1\] = -2/,
  );
  const cm = tf.math.confusionMatrix(i32([1, 2, 4]), i32([2, 2, 4]));
  assert.deepEqual(cm.shape, [5, 5]);
  const expected = new Array<number>(25).fill(0);
  expected[1 * 5 + 2] = 1;
  expected[2 * 5 + 2] = 1;
  expected[4 * 5 + 4] = 1;
  assert.deepEqual(vals(cm), expected);
  near(
    tf.math.confusionMatrix(i32([0, 1, 1]), i32([0, 0, 1]), 2, f64([1, 2, 3]), "float64"),
    [1, 0, 2, 3],
  );
  assert.throws(
    () => tf.math.confusionMatrix(i32([0, 3]), i32([0, 1]), 3),
    /confusionMatrix: labels\[1\] = 3 is out of range \[0, 3\)/,
  );
});

test("inTopK: ties at the boundary count, non-finite predictions never do", () => {
  const p = f64([
    [0.1, 0.8, 0.1],
    [0.3, 0.3, 0.4],
    [NaN, 0.5, 0.2],
    [0.2, 0.5, 0.3],
  ]);
  const r = tf.math.inTopK(i32([1, 0, 0, 0]), p, 1);
  assert.equal(r.dtype, "bool");
  assert.deepEqual(vals(r), [1, 0, 0, 0]);
  assert.deepEqual(vals(tf.math.inTopK(i32([0, 0, 1, 2]), p, 2)), [1, 1, 1, 1]);
  assert.throws(
    () => tf.math.inTopK(i32([3, 0, 0, 0]), p, 1),
    /inTopK: targets\[0\] = 3 is out of range \[0, 3\)/,
  );
});

test("addN, accumulateN, invertPermutation, l2Normalize, polyval", () => {
  near(tf.math.addN([f64([1, 2]), f64([3, 4]), f64([5, 6])]), [9, 12]);
  near(tf.math.accumulateN([f64([1, 2]), f64([3, 4])], [2], "float64"), [4, 6]);
  assert.throws(
    () => tf.math.addN([f64([1, 2]), f64([1])]),
    /addN: inputs must all have the same shape and dtype/,
  );
  assert.throws(() => tf.math.addN([]), /addN: inputs must be a non-empty list/);
  checkGradients((a, b) => tf.math.addN([a, b, a]), [randomTensor([3], 1), randomTensor([3], 2)]);
  assert.deepEqual(vals(tf.math.invertPermutation(i32([3, 4, 0, 2, 1]))), [2, 4, 3, 0, 1]);
  assert.throws(
    () => tf.math.invertPermutation(i32([0, 0, 1])),
    /invertPermutation: x is not a permutation of 0..2: x\[1\] = 0/,
  );
  near(
    tf.math.l2Normalize(
      f64([
        [3, 4],
        [0, 0],
      ]),
      1,
    ),
    [0.6, 0.8, 0, 0],
  );
  near(tf.nn.l2Normalize(f64([3, 4])), [0.6, 0.8]);
  checkGradients((t) => tf.math.l2Normalize(t, -1), [randomTensor([2, 3], 9)]);
  // 2x^2 - 3x + 1 at 0, 1, 2
  near(tf.math.polyval([2, -3, 1], f64([0, 1, 2])), [1, 0, 3]);
  near(tf.math.polyval([], f64([5, 6])), [0, 0]);
  checkGradients((t) => tf.math.polyval([f64(0.5), f64(-1), f64(2)], t), [randomTensor([3], 10)]);
});
