/** Closeness of tensors to expected values, and the float dtypes the op tests sweep. */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import { randomTensor } from "./gradcheck.js";

export type DT = "float32" | "float64";
export const DTYPES: readonly DT[] = ["float32", "float64"];

/**
 * Asserts |t[i] - expected[i]| <= tol * max(1, |expected[i]|) elementwise (a relative tolerance
 * above 1, absolute below), NaN matching NaN and infinities matching exactly.
 */
export function assertClose(
  t: tf.Tensor,
  expected: ArrayLike<number>,
  tol: number,
  what = "",
): void {
  const v = t.dataSync() as ArrayLike<number>;
  assert.equal(v.length, expected.length, `${what}: size ${v.length} vs ${expected.length}`);
  for (let i = 0; i < v.length; i++) {
    const e = expected[i];
    const a = v[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}[${i}]`);
      continue;
    }
    assert.ok(
      Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)),
      `${what}[${i}]: got ${a}, expected ${e}`,
    );
  }
}

/** A seeded random tensor of `dtype` with values uniform in [lo, hi). */
export function randFloat(shape: number[], seed: number, dtype: DT, lo: number, hi: number) {
  const t = randomTensor(shape, seed, lo, hi);
  return dtype === "float64" ? t : tf.cast(t, "float32");
}

/** A scalar tensor's number; fails when there is none (a null gradient). */
export function num(t: tf.Tensor | null): number {
  assert.ok(t !== null, "expected a tensor, got null");
  return t.numpy() as number;
}
