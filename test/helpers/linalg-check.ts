/**
 * Helpers of the tf.linalg decomposition tests: closeness of two tensors, well-conditioned
 * random inputs, and a runner for an op entry's own `check` cases (until the every-op registry
 * test walks them), differentiating fixed float64 values too.
 */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import type { AnyOpDef, CheckInput } from "../../src/engine/op.js";
import { runOp } from "../../src/engine/run-op.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./gradcheck.js";

/** Asserts |actual - expected| <= tol * max(1, |expected|) elementwise, with equal shapes. */
export function near(
  actual: tf.Tensor,
  expected: tf.Tensor | number | readonly unknown[],
  tol: number,
  what = "",
): void {
  const e =
    expected instanceof tf.Tensor ? expected : tf.constant(expected as tf.TensorLike, "float64");
  assert.deepEqual([...actual.shape], [...e.shape], `${what} shape`);
  const a = actual.dataSync();
  const b = e.dataSync();
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(Number(a[i]) - Number(b[i]));
    assert.ok(
      err <= tol * Math.max(1, Math.abs(Number(b[i]))),
      `${what}[${i}]: got ${a[i]}, expected ${b[i]} (error ${err}, tol ${tol})`,
    );
  }
}

/** The identity batch like a [..., n, n] tensor. */
export function eyeLike(t: tf.Tensor): tf.Tensor {
  const n = t.shape[t.rank - 1];
  return tf.broadcastTo(tf.eye(n, n, t.dtype), t.shape);
}

/** A random symmetric positive definite [..., n, n] float64 matrix: X X^T + n I. */
export function randomSpd(shape: number[], seed: number): tf.Tensor {
  const x = randomTensor(shape, seed);
  return tf.add(tf.matmul(x, x, { transposeB: true }), eyeLike(x));
}

/** A random float64 matrix with a dominant diagonal (well conditioned): X + 3 I. */
export function randomWell(shape: number[], seed: number): tf.Tensor {
  const x = randomTensor(shape, seed);
  return tf.add(x, tf.multiply(eyeLike(x), 3));
}

function makeInput(spec: CheckInput, seed: number): tf.Tensor {
  if ("shape" in spec) {
    const [lo, hi] = spec.range ?? [-1, 1];
    return randomTensor([...spec.shape], seed, lo, hi);
  }
  return tf.constant(spec.value as number[], spec.dtype);
}

/**
 * Runs an entry's `check` cases: the tape against finite differences of all its float outputs
 * (flattened and concatenated), and the second order for one-input cases unless turned off.
 */
export function runEntryCheck(op: AnyOpDef): void {
  const check = op.check;
  assert.ok(check !== undefined && "cases" in check, `${op.name} has check cases`);
  for (const [ci, c] of check.cases.entries()) {
    const inputs = c.inputs.map((s: CheckInput, i: number) => makeInput(s, 1000 + 17 * ci + i));
    const skip = inputs.map((t, i) => (t.dtype === "float64" ? -1 : i)).filter((i) => i >= 0);
    const f = (...xs: tf.Tensor[]) => {
      const outs = runOp(op, xs, c.attrs).filter((o) => o.dtype === "float64");
      return tf.concat(
        outs.map((o) => tf.reshape(o, [o.size])),
        0,
      );
    };
    const opts = { rtol: check.rtol ?? 1e-5, atol: check.atol ?? 1e-7, skip };
    checkGradients(f, inputs, opts);
    if (check.secondOrder !== false && inputs.length === 1) {
      checkSecondOrder((x) => f(x), inputs[0], { rtol: 10 * opts.rtol, atol: 10 * opts.atol });
    }
  }
}

/** A float tensor's values as JS numbers. */
export function nums(t: tf.Tensor): number[] {
  return Array.from(t.dataSync() as Float32Array | Float64Array | Int32Array);
}
