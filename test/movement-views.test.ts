/**
 * The gradients of concat and stack along an axis with only 1s before it are views of the
 * upstream gradient (src/ops/movement-views.ts): values against a copy, shared storage, higher
 * orders through the recorded SplitV / Unpack, tf.function tracing, and the copying fallbacks
 * (inner axes, complex data).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { backend } from "../src/backend/index.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";

const nums = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float64Array);

/** Whether two tensors' storage lies in one buffer. */
function sharesBuffer(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = backend().read(a);
  const y = backend().read(b);
  return !Array.isArray(x) && !Array.isArray(y) && x.buffer === y.buffer;
}

/** The gradients of sum(concat(xs, axis) * dy) with respect to xs, and dy's pieces by slicing. */
function concatGrads(xs: tf.Tensor[], axis: number, dy: tf.Tensor): (tf.Tensor | null)[] {
  const tape = new tf.GradientTape();
  tape.watch(xs);
  const y = tape.record(() => tf.concat(xs, axis));
  return tape.gradient(y, xs, { outputGradients: dy });
}

test("concat's first-axis gradient: dy's pieces as views of dy, both float dtypes, odd sizes", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const xs = [
      tf.cast(randomTensor([3, 5], 1), dtype),
      tf.cast(randomTensor([1, 5], 2), dtype),
      tf.cast(randomTensor([7, 5], 3), dtype),
    ];
    const dy = tf.cast(randomTensor([11, 5], 4), dtype);
    const gs = concatGrads(xs, 0, dy);
    const want = [
      tf.slice(dy, [0, 0], [3, 5]),
      tf.slice(dy, [3, 0], [1, 5]),
      tf.slice(dy, [4, 0], [7, 5]),
    ];
    gs.forEach((g, k) => {
      assert.ok(g !== null);
      assert.equal(g.dtype, dtype);
      assert.deepEqual(g.shape, xs[k].shape);
      assert.deepEqual(nums(g), nums(want[k]));
      assert.ok(sharesBuffer(g, dy), `piece ${k} is a view of dy`);
    });
  }
});

test("concat's gradient along a later axis after leading 1s is a view too; inner axes copy", () => {
  const a = randomTensor([1, 2, 3], 5);
  const b = randomTensor([1, 4, 3], 6);
  const dy = randomTensor([1, 6, 3], 7);
  const [ga, gb] = concatGrads([a, b], 1, dy);
  assert.ok(ga !== null && gb !== null);
  assert.deepEqual(nums(ga), nums(dy).slice(0, 6));
  assert.deepEqual(nums(gb), nums(dy).slice(6));
  assert.ok(sharesBuffer(ga, dy) && sharesBuffer(gb, dy));
  // Axis 1 of [2, ...]: the pieces interleave, so they are copies.
  const c = randomTensor([2, 3], 8);
  const d = randomTensor([2, 1], 9);
  const dy2 = randomTensor([2, 4], 10);
  const [gc, gd] = concatGrads([c, d], 1, dy2);
  assert.ok(gc !== null && gd !== null);
  const v = nums(dy2);
  assert.deepEqual(nums(gc), [v[0], v[1], v[2], v[4], v[5], v[6]]);
  assert.deepEqual(nums(gd), [v[3], v[7]]);
  assert.ok(!sharesBuffer(gc, dy2) && !sharesBuffer(gd, dy2));
});

test("the viewed gradients leave dy unchanged and stay valid after later ops", () => {
  const xs = [randomTensor([2, 3], 11), randomTensor([2, 3], 12)];
  const dy = randomTensor([4, 3], 13);
  const before = nums(dy);
  const [g0, g1] = concatGrads(xs, 0, dy);
  assert.ok(g0 !== null && g1 !== null);
  const s = tf.add(g0, g1);
  assert.deepEqual(nums(dy), before);
  const want = before.slice(0, 6).map((v, i) => v + before[6 + i]);
  assert.deepEqual(nums(s), want);
  // A reshape and a second op on a view read the piece, not the whole buffer.
  assert.deepEqual(nums(tf.reshape(g1, [6])), before.slice(6));
  assert.deepEqual(nums(tf.reduceSum(g1)), [before.slice(6).reduce((p, q) => p + q, 0)]);
});

test("concat and stack gradients check against finite differences to second order", () => {
  const a = randomTensor([2, 3], 21);
  const b = randomTensor([3, 3], 22);
  checkGradients((x, y) => tf.square(tf.concat([x, y], 0)), [a, b]);
  checkGradients((x, y) => tf.sin(tf.stack([x, y], 0)), [a, randomTensor([2, 3], 23)]);
  // Second order through the recorded SplitV: the gradient is a function of x through dy.
  checkSecondOrder((x) => tf.square(tf.concat([x, tf.sin(x)], 0)), randomTensor([3, 2], 24));
  checkSecondOrder((x) => tf.square(tf.stack([x, tf.exp(x)], 0)), randomTensor([2, 2], 25));
});

test("stack's first-axis gradient: views of dy, values of unstack", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const xs = [0, 1, 2].map((k) => tf.cast(randomTensor([2, 5], 30 + k), dtype));
    const dy = tf.cast(randomTensor([3, 2, 5], 40), dtype);
    const tape = new tf.GradientTape();
    tape.watch(xs);
    const y = tape.record(() => tf.stack(xs, 0));
    const gs = tape.gradient(y, xs, { outputGradients: dy });
    const want = tf.unstack(dy, 3, 0);
    gs.forEach((g, k) => {
      assert.ok(g !== null);
      assert.deepEqual(g.shape, [2, 5]);
      assert.deepEqual(nums(g), nums(want[k]));
      assert.ok(sharesBuffer(g, dy));
    });
  }
});

test("a traced function's concat gradient matches eager", () => {
  const a = randomTensor([3, 4], 51);
  const b = randomTensor([2, 4], 52);
  const step = (x: tf.Tensor, y: tf.Tensor): tf.Tensor[] => {
    const tape = new tf.GradientTape();
    tape.watch([x, y]);
    const z = tape.record(() => tf.reduceSum(tf.square(tf.concat([x, y], 0))));
    return tape.gradient(z, [x, y]) as tf.Tensor[];
  };
  const eager = step(a, b);
  const traced = tf.function(step);
  for (let run = 0; run < 3; run++) {
    const got = traced(a, b) as tf.Tensor[];
    got.forEach((g, k) => {
      assert.deepEqual(g.shape, eager[k].shape);
      assert.deepEqual(nums(g), nums(eager[k]));
    });
  }
  // 2 * x: the identity the gradient must meet.
  assert.deepEqual(
    nums(eager[0]),
    nums(a).map((v) => 2 * v),
  );
});

test("complex concat gradients are copied pieces with the right values", () => {
  const re = randomTensor([2, 2], 61);
  const im = randomTensor([2, 2], 62);
  const z = tf.complex(re, im);
  const w = tf.complex(randomTensor([1, 2], 63), randomTensor([1, 2], 64));
  const tape = new tf.GradientTape();
  tape.watch([z, w]);
  const y = tape.record(() => tf.concat([z, w], 0));
  const dy = tf.complex(randomTensor([3, 2], 65), randomTensor([3, 2], 66));
  const [gz, gw] = tape.gradient(y, [z, w], { outputGradients: dy });
  assert.ok(gz !== null && gw !== null);
  assert.deepEqual(gz.shape, [2, 2]);
  assert.deepEqual(gw.shape, [1, 2]);
  const v = nums(tf.real(dy));
  assert.deepEqual(nums(tf.real(gz)), v.slice(0, 4));
  assert.deepEqual(nums(tf.real(gw)), v.slice(4));
  assert.deepEqual(nums(tf.imag(gw)), nums(tf.imag(dy)).slice(4));
});
