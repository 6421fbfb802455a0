/**
 * tf.* array functions: sort / argsort (stable, both directions, any axis, gradient), unique,
 * searchsorted, roll, repeat, meshgrid, booleanMask, sequenceMask, histogramFixedWidth,
 * clipByNorm, clipByGlobalNorm, tensorScatterNd*, rank / size / shape; values by hand, bad
 * inputs with clear errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const i32 = (v: tf.TensorLike) => tf.constant(v, "int32");
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

test("sort and argsort: both directions, stable ties, any axis, gradient", () => {
  const x = f64([3, 1, 2, 1, 5]);
  near(tf.sort(x), [1, 1, 2, 3, 5]);
  near(tf.sort(x, -1, "DESCENDING"), [5, 3, 2, 1, 1]);
  assert.deepEqual(vals(tf.argsort(x)), [1, 3, 2, 0, 4]);
  assert.deepEqual(vals(tf.argsort(x, -1, "DESCENDING", true)), [4, 0, 2, 1, 3]);
  const m = f64([
    [3, 0],
    [1, 2],
    [2, 1],
  ]);
  near(tf.sort(m, 0), [1, 0, 2, 1, 3, 2]);
  assert.deepEqual(vals(tf.argsort(m, 0)), [1, 0, 2, 2, 0, 1]);
  assert.deepEqual(vals(tf.sort(i32([4, -2, 7]))), [-2, 4, 7]);
  checkGradients((t) => tf.sort(t, 0), [randomTensor([4, 3], 1)]);
  assert.throws(
    () => tf.sort(x, -1, "UP" as "ASCENDING"),
    /sort: direction must be "ASCENDING" or "DESCENDING"/,
  );
  assert.throws(() => tf.sort(x, 2), /axis/i);
});

test("unique and uniqueWithCounts: first-occurrence order", () => {
  const { y, idx } = tf.unique(i32([1, 1, 2, 4, 4, 4, 7, 8, 8]));
  assert.deepEqual(vals(y), [1, 2, 4, 7, 8]);
  assert.deepEqual(vals(idx), [0, 0, 1, 2, 2, 2, 3, 4, 4]);
  const r = tf.uniqueWithCounts(f64([3, 1, 3, 3, 2]));
  assert.deepEqual(vals(r.y), [3, 1, 2]);
  assert.deepEqual(vals(r.idx), [0, 1, 0, 0, 2]);
  assert.deepEqual(vals(r.count), [3, 1, 1]);
  assert.throws(() => tf.unique(f64([[1]])), /unique: x must be 1-D/);
});

test("searchsorted: left and right, batched rows", () => {
  const s = f64([
    [0, 3, 9, 9, 10],
    [1, 2, 3, 4, 5],
  ]);
  const v = f64([
    [2, 9, 11],
    [0, 3, 6],
  ]);
  assert.deepEqual(vals(tf.searchsorted(s, v)), [1, 2, 5, 0, 2, 5]);
  assert.deepEqual(vals(tf.searchsorted(s, v, "right")), [1, 4, 5, 0, 3, 5]);
  assert.throws(
    () => tf.searchsorted(s, f64([1, 2])),
    /searchsorted: sorted_sequence.*same leading/,
  );
});

test("roll, repeat, meshgrid", () => {
  near(tf.roll(f64([0, 1, 2, 3, 4]), 2, 0), [3, 4, 0, 1, 2]);
  near(tf.roll(f64([0, 1, 2, 3, 4]), -1, 0), [1, 2, 3, 4, 0]);
  const m = f64([
    [0, 1, 2],
    [3, 4, 5],
  ]);
  near(tf.roll(m, [1, 1], [0, 1]), [5, 3, 4, 2, 0, 1]);
  near(tf.roll(m, [1, 1], [1, 1]), [1, 2, 0, 4, 5, 3]);
  checkGradients((t) => tf.roll(t, [1, -2], [0, 1]), [randomTensor([2, 3], 2)]);
  near(tf.repeat(f64([1, 2]), 3), [1, 1, 1, 2, 2, 2]);
  near(tf.repeat(m, [2, 0, 1], 1), [0, 0, 2, 3, 3, 5]);
  near(tf.repeat(m, 2), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  checkGradients((t) => tf.repeat(t, [1, 2], 0), [randomTensor([2, 2], 3)]);
  assert.throws(() => tf.repeat(m, [1, 2], 1), /repeat: repeats has 2 entries for 3 slices/);
  const [X, Y] = tf.meshgrid(f64([1, 2, 3]), f64([4, 5]));
  assert.deepEqual(X.shape, [2, 3]);
  near(X, [1, 2, 3, 1, 2, 3]);
  near(Y, [4, 4, 4, 5, 5, 5]);
  const [I, J] = tf.meshgrid(f64([1, 2, 3]), f64([4, 5]), { indexing: "ij" });
  assert.deepEqual(I.shape, [3, 2]);
  near(I, [1, 1, 2, 2, 3, 3]);
  near(J, [4, 5, 4, 5, 4, 5]);
});

test("booleanMask, sequenceMask, histogramFixedWidth", () => {
  const t = f64([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const r = tf.booleanMask(t, tf.constant([true, false, true]));
  assert.deepEqual(r.shape, [2, 2]);
  near(r, [1, 2, 5, 6]);
  near(
    tf.booleanMask(
      t,
      tf.constant([
        [true, false],
        [false, true],
        [true, true],
      ]),
    ),
    [1, 4, 5, 6],
  );
  near(tf.booleanMask(t, tf.constant([false, true]), 1), [2, 4, 6]);
  checkGradients(
    (x) => tf.booleanMask(x, tf.constant([true, false, true])),
    [randomTensor([3, 2], 4)],
  );
  assert.throws(
    () => tf.booleanMask(t, tf.constant([true, false])),
    /booleanMask: mask \[2\] must match tensor/,
  );
  const sm = tf.sequenceMask(i32([1, 3, 2]), 5);
  assert.equal(sm.dtype, "bool");
  assert.deepEqual(vals(sm), [1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
  assert.deepEqual(tf.sequenceMask(i32([1, 3])).shape, [2, 3]);
  assert.deepEqual(vals(tf.sequenceMask(i32([2]), null, "float32")), [1, 1]);
  // TensorFlow's doc example: nbins 5 over [0, 5]
  const h = tf.histogramFixedWidth(f64([-1, 0, 1.5, 2, 5, 15]), f64([0, 5]), 5);
  assert.deepEqual(vals(h), [2, 1, 1, 0, 2]);
});

test("clipByNorm and clipByGlobalNorm", () => {
  near(tf.clipByNorm(f64([3, 4]), 1), [0.6, 0.8]);
  near(tf.clipByNorm(f64([3, 4]), 10), [3, 4]);
  near(
    tf.clipByNorm(
      f64([
        [3, 4],
        [0.3, 0.4],
      ]),
      1,
      1,
    ),
    [0.6, 0.8, 0.3, 0.4],
  );
  near(tf.clipByNorm(f64([0, 0]), 1), [0, 0]);
  checkGradients((x) => tf.clipByNorm(x, 0.5, 1), [randomTensor([2, 3], 5)]);
  const [clipped, g] = tf.clipByGlobalNorm([f64([3, 0]), null, f64([4])], 2.5);
  near(g, [5]);
  near(clipped[0] as tf.Tensor, [1.5, 0]);
  assert.equal(clipped[1], null);
  near(clipped[2] as tf.Tensor, [2]);
  const [same] = tf.clipByGlobalNorm([f64([3, 4])], 10);
  near(same[0] as tf.Tensor, [3, 4]);
});

test("tensorScatterNdUpdate / Add / Sub, rank, size, shape", () => {
  const t = f64([1, 2, 3, 4]);
  near(tf.tensorScatterNdUpdate(t, i32([[1], [3]]), f64([9, 10])), [1, 9, 3, 10]);
  near(tf.tensorScatterNdUpdate(t, i32([[1], [1]]), f64([9, 10])), [1, 10, 3, 4]);
  near(tf.tensorScatterNdAdd(t, i32([[1], [1]]), f64([9, 10])), [1, 21, 3, 4]);
  near(tf.tensorScatterNdSub(t, i32([[0]]), f64([1])), [0, 2, 3, 4]);
  const m = f64([
    [1, 2],
    [3, 4],
  ]);
  near(tf.tensorScatterNdUpdate(m, i32([[1]]), f64([[7, 8]])), [1, 2, 7, 8]);
  checkGradients(
    (a, u) => tf.tensorScatterNdUpdate(a, i32([[0], [2]]), u),
    [randomTensor([3, 2], 6), randomTensor([2, 2], 7)],
  );
  assert.throws(
    () => tf.tensorScatterNdAdd(t, i32([[1]]), tf.constant([1], "float32")),
    /tensorScatterNdAdd: updates.*float32.*float64/,
  );
  assert.deepEqual(vals(tf.rank(m)), [2]);
  assert.equal(tf.rank(m).dtype, "int32");
  assert.deepEqual(vals(tf.size(m)), [4]);
  assert.deepEqual(vals(tf.shape(tf.zeros([2, 0, 3]))), [2, 0, 3]);
});
