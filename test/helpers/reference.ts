/**
 * What the float64 references of the tests share: random inputs of each
 * numeric dtype, row-major index arithmetic, and comparison of a result with expected numbers.
 * Written without the library, so expected values never come from the kernels under test.
 */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import { rng } from "./rng.js";

export type Num = "float32" | "float64" | "int32";

/** A tensor's values as JS numbers, in row-major order. */
export const flat = (t: tf.Tensor): number[] => Array.from(t.values as ArrayLike<number>);

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * Random values of a dtype: uniform in [lo, hi) for floats, integers in [lo, hi] for int32
 * (small, so products stay exact and ties are many).
 */
export function randomValues(
  shape: number[],
  dtype: Num,
  seed: number,
  lo = -3,
  hi = 3,
): tf.Tensor {
  const r = rng(seed);
  const n = sizeOf(shape);
  if (dtype === "int32") {
    const v = new Int32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.floor(lo + (hi - lo + 1) * r());
    return new tf.Tensor(v, shape, "int32");
  }
  const v = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return new tf.Tensor(v, shape, dtype);
}

/** The row-major multi-index of flat index i. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

/** The flat row-major index of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let a = 0; a < shape.length; a++) f = f * shape[a] + idx[a];
  return f;
}

/** actual within tol (relative, absolute below 1) of expected; NaN and infinities exactly. */
export function close(actual: number, expected: number, tol: number, what: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  if (!Number.isFinite(expected)) {
    assert.equal(actual, expected, what);
    return;
  }
  const err = Math.abs(actual - expected);
  assert.ok(
    err <= tol * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual} (error ${err})`,
  );
}

function tolOf(dtype: string): number {
  return dtype === "float32" ? 2e-6 : dtype === "float64" ? 1e-12 : 0;
}

/** A result's shape, dtype and values against the reference: exact for integers. */
export function checkAgainst(
  y: tf.Tensor,
  expectedShape: number[],
  expected: number[],
  dtype: string,
  what: string,
): void {
  assert.deepEqual(y.shape, expectedShape, `${what}: shape`);
  assert.equal(y.dtype, dtype, `${what}: dtype`);
  const v = y.values as ArrayLike<number>;
  assert.equal(v.length, expected.length, `${what}: size`);
  for (let i = 0; i < expected.length; i++) close(v[i], expected[i], tolOf(dtype), `${what}[${i}]`);
}
