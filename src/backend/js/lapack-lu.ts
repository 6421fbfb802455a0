/**
 * The LU helpers the JS factorization kernels share: copying a matrix out of a batch into
 * float64 and back, LU with partial pivoting in place, solves from the packed LU, inverse and
 * determinant of one matrix.
 */
import type { FloatArray } from "../lapack.js";

export function load(src: FloatArray, offset: number, size: number): Float64Array {
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) w[i] = src[offset + i];
  return w;
}

export function store(dst: FloatArray, offset: number, src: Float64Array): void {
  for (let i = 0; i < src.length; i++) dst[offset + i] = src[i];
}

/** In-place LU with partial pivoting of w [n, n]; perm gets the source rows. Returns det(P). */
export function luInPlace(w: Float64Array, perm: Int32Array, n: number): number {
  let parity = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(w[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(w[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = w[k * n + j];
        w[k * n + j] = w[p * n + j];
        w[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      parity = -parity;
    }
    const pivot = w[k * n + k];
    if (pivot === 0) continue; // U is singular; LAPACK's getrf goes on the same way
    for (let i = k + 1; i < n; i++) {
      const f = (w[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) w[i * n + j] -= f * w[k * n + j];
    }
  }
  return parity;
}

/** Whether U (the upper part of a packed LU) has a zero pivot. */
export function luSingular(w: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (w[i * n + i] === 0) return true;
  return false;
}

/**
 * Solves op(A) X = B in place in x [n, k] from the packed LU of A. With P A = L U:
 * A X = B is L U X = P B; A^T X = B is U^T L^T (P X) = B.
 */
export function luSolveInPlace(
  w: Float64Array,
  perm: Int32Array,
  x: Float64Array,
  n: number,
  k: number,
  adjoint: boolean,
): void {
  if (!adjoint) {
    const y = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) y[i * k + c] = x[perm[i] * k + c];
    // L y' = y (unit lower), then U x = y'.
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        const l = w[i * n + j];
        if (l !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= l * y[j * k + c];
      }
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 1; j < n; j++) {
        const u = w[i * n + j];
        if (u !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= u * y[j * k + c];
      }
      const d = w[i * n + i];
      for (let c = 0; c < k; c++) y[i * k + c] /= d;
    }
    x.set(y);
    return;
  }
  // U^T z = B (forward), L^T y = z (backward, unit), X[perm[i]] = y[i].
  const y = Float64Array.from(x);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const u = w[j * n + i];
      if (u !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= u * y[j * k + c];
    }
    const d = w[i * n + i];
    for (let c = 0; c < k; c++) y[i * k + c] /= d;
  }
  for (let i = n - 1; i >= 0; i--)
    for (let j = i + 1; j < n; j++) {
      const l = w[j * n + i];
      if (l !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= l * y[j * k + c];
    }
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[perm[i] * k + c] = y[i * k + c];
}

/** y = x^-1 of w [n, n] (not modified); null when a pivot is zero. */
export function inverseOf(w: Float64Array, n: number): Float64Array | null {
  const lu = Float64Array.from(w);
  const p = new Int32Array(n);
  luInPlace(lu, p, n);
  if (luSingular(lu, n)) return null;
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  luSolveInPlace(lu, p, x, n, n, false);
  return x;
}

export function determinantOf(w: Float64Array, n: number): number {
  const lu = Float64Array.from(w);
  let d = luInPlace(lu, new Int32Array(n), n);
  for (let i = 0; i < n; i++) d *= lu[i * n + i];
  return d;
}
