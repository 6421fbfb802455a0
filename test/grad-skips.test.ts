/**
 * Binary gradients that skip the cotangents the tape does not use (GradContext.needsInputGrad)
 * and negate after the sum back to a broadcast input's shape: the ops the backward pass runs,
 * and the values, against the full rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { activeTracers } from "../src/engine/run-op.js";
import type { AnyOpDef } from "../src/engine/op.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";

const nums = (t: tf.Tensor | null): number[] =>
  t === null ? [] : Array.from(t.dataSync() as Float64Array);

/** The ops (name and output shape) that run inside `body`. */
function opsOf(body: () => void): string[] {
  const seen: string[] = [];
  const spy = {
    traceOp(op: AnyOpDef, _ins: readonly tf.Tensor[], outs: readonly tf.Tensor[]) {
      seen.push(`${op.name}[${outs[0]?.shape.join(",") ?? ""}]`);
    },
  };
  activeTracers.push(spy);
  try {
    body();
  } finally {
    activeTracers.pop();
  }
  return seen;
}

function gradOps(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): [string[], tf.Tensor] {
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => f(x));
  let g: tf.Tensor | null = null;
  const ops = opsOf(() => {
    g = tape.gradient(y, x, { outputGradients: tf.onesLike(y) });
  });
  assert.ok(g !== null);
  return [ops, g];
}

test("a product, sum or difference with a constant runs only the watched input's rule", () => {
  const x = randomTensor([4, 3], 1);
  const c = randomTensor([4, 3], 2);
  const [mulOps, gm] = gradOps((t) => tf.multiply(t, c), x);
  assert.deepEqual(mulOps, ["Mul[4,3]"]);
  assert.deepEqual(nums(gm), nums(c));
  const [mulOps2, gm2] = gradOps((t) => tf.multiply(c, t), x);
  assert.deepEqual(mulOps2, ["Mul[4,3]"]);
  assert.deepEqual(nums(gm2), nums(c));
  // The broadcast constant's sum is not taken.
  const [addOps] = gradOps((t) => tf.add(t, tf.constant([1, 2, 3], "float64")), x);
  assert.deepEqual(addOps, []);
  const [subOps, gs] = gradOps((t) => tf.subtract(tf.constant(1, "float64"), t), x);
  assert.deepEqual(subOps, ["Neg[4,3]"]);
  assert.deepEqual(
    nums(gs),
    nums(x).map(() => -1),
  );
});

test("a broadcast subtrahend is summed, then negated on its own shape", () => {
  const x = randomTensor([5, 3], 3);
  const b = randomTensor([5, 1], 4);
  const tape = new tf.GradientTape();
  tape.watch([x, b]);
  const y = tape.record(() => tf.subtract(x, b));
  const dy = randomTensor([5, 3], 5);
  let gs: (tf.Tensor | null)[] = [];
  const ops = opsOf(() => {
    gs = tape.gradient(y, [x, b], { outputGradients: dy });
  });
  assert.deepEqual(ops.sort(), ["Neg[5,1]", "Reshape[5,1]", "Sum[5]"]);
  const d = nums(dy);
  assert.deepEqual(nums(gs[0]), d);
  const want = [0, 1, 2, 3, 4].map((r) => -(d[3 * r] + d[3 * r + 1] + d[3 * r + 2]));
  nums(gs[1]).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15));
});

test("moments' variance: no cotangent for the stopped mean, 2 (x - m) dy in two ops", () => {
  const x = randomTensor([6, 4], 6);
  const [ops, g] = gradOps((t) => tf.nn.moments(t, [-1], { keepdims: true })[1], x);
  // Mean's broadcast back, then SquaredDifference's rule: a difference and SquareGrad.
  assert.equal(ops.filter((o) => o.startsWith("Neg")).length, 0);
  assert.equal(ops.filter((o) => o === "SquareGrad[6,4]").length, 1);
  // d var / dx_i = 2 (x_i - mean) / n.
  const v = nums(x);
  const want = v.map((xi, i) => {
    const row = v.slice(4 * Math.floor(i / 4), 4 * Math.floor(i / 4) + 4);
    const m = row.reduce((p, q) => p + q, 0) / 4;
    return (2 * (xi - m)) / 4;
  });
  nums(g).forEach((gi, i) => assert.ok(Math.abs(gi - want[i]) < 1e-15, `${gi} vs ${want[i]}`));
});

test("the skipping rules check against finite differences, every input, to second order", () => {
  const a = randomTensor([3, 4], 7);
  const b = randomTensor([3, 1], 8);
  checkGradients((p, q) => tf.subtract(p, q), [a, b]);
  checkGradients((p, q) => tf.multiply(p, q), [a, b]);
  checkGradients((p, q) => tf.add(p, q), [a, b]);
  checkGradients((p, q) => tf.squaredDifference(p, q), [a, b]);
  checkGradients((p, q) => tf.squaredDifference(q, p), [a, b]);
  checkSecondOrder((p) => tf.squaredDifference(p, tf.sin(p)), randomTensor([2, 3], 9));
  checkSecondOrder((p) => tf.subtract(tf.square(p), tf.reduceSum(p, -1, true)), a);
  // The layer-norm composite of the op suite (moments, a broadcast difference, rsqrt).
  const x = randomTensor([5, 6], 10);
  const composite = (t: tf.Tensor): tf.Tensor => {
    const [m, v] = tf.nn.moments(t, [-1], { keepdims: true });
    return tf.multiply(tf.subtract(t, m), tf.rsqrt(tf.add(v, 1e-3)));
  };
  checkGradients(composite, [x]);
  checkSecondOrder(composite, x, { rtol: 1e-4, atol: 1e-6 });
});
