/**
 * JS kernels of the spectral part of the factorization family: cyclic Jacobi for the symmetric
 * eigenproblem, one-sided (Hestenes) Jacobi for the SVD, and Denman-Beavers for the matrix
 * square root. Jacobi methods are accurate to a few ulps of the largest value, which is what
 * the gradients' finite-difference checks need.
 */
import type { FloatArray } from "../lapack.js";
import { determinantOf, inverseOf, load, store } from "./lapack-lu.js";

const EPS = 2.220446049250313e-16;

/** Cyclic Jacobi on the symmetric w [n, n] (overwritten); returns V with A = V diag(w_ii) V^T. */
function jacobiEigen(w: Float64Array, n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += w[i] * w[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += w[i * n + j] ** 2;
    if (off <= EPS * EPS * total * 1e-4 || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = w[p * n + q];
        if (apq === 0) continue;
        // NR's rule: an entry below an ulp of both diagonal entries is set to zero.
        const g = 100 * Math.abs(apq);
        if (
          sweep > 3 &&
          Math.abs(w[p * n + p]) + g === Math.abs(w[p * n + p]) &&
          Math.abs(w[q * n + q]) + g === Math.abs(w[q * n + q])
        ) {
          w[p * n + q] = 0;
          w[q * n + p] = 0;
          continue;
        }
        // NR's rotation: theta = (a_qq - a_pp) / (2 a_pq), t = tan of the angle that zeros a_pq.
        const theta = (w[q * n + q] - w[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = w[k * n + p];
          const akq = w[k * n + q];
          w[k * n + p] = c * akp - s * akq;
          w[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = w[p * n + k];
          const aqk = w[q * n + k];
          w[p * n + k] = c * apk - s * aqk;
          w[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  return v;
}

export function eigh(
  a: FloatArray,
  e: FloatArray,
  v: FloatArray | null,
  batch: number,
  n: number,
): void {
  const nn = n * n;
  for (let b = 0; b < batch; b++) {
    // The symmetric matrix of the lower triangle, as TensorFlow's SelfAdjointEigV2 reads it.
    const w = new Float64Array(nn);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const x = a[b * nn + i * n + j];
        w[i * n + j] = x;
        w[j * n + i] = x;
      }
    const vec = jacobiEigen(w, n);
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (i, j) => w[i * n + i] - w[j * n + j],
    );
    for (let k = 0; k < n; k++) {
      e[b * n + k] = w[order[k] * n + order[k]];
      if (v !== null) for (let i = 0; i < n; i++) v[b * nn + i * n + k] = vec[i * n + order[k]];
    }
  }
}

/**
 * Extends the orthonormal columns `have` of u [rows, cols] (column-major in spirit, stored
 * row-major) to the columns `want`, by Gram-Schmidt (twice) on the unit vector that keeps most.
 */
function completeBasis(
  u: Float64Array,
  rows: number,
  cols: number,
  have: number[],
  want: number[],
): void {
  const basis = [...have];
  for (const col of want) {
    let best: Float64Array | null = null;
    let bestNorm = -1;
    for (let e = 0; e < rows; e++) {
      const x = new Float64Array(rows);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++)
        for (const c of basis) {
          let dot = 0;
          for (let i = 0; i < rows; i++) dot += u[i * cols + c] * x[i];
          for (let i = 0; i < rows; i++) x[i] -= dot * u[i * cols + c];
        }
      let nrm = 0;
      for (let i = 0; i < rows; i++) nrm += x[i] * x[i];
      if (nrm > bestNorm) {
        bestNorm = nrm;
        best = x;
      }
    }
    const s = 1 / Math.sqrt(bestNorm);
    for (let i = 0; i < rows; i++) u[i * cols + col] = (best as Float64Array)[i] * s;
    basis.push(col);
  }
}

/**
 * One-sided Jacobi SVD of w [m, n], m >= n: orthogonalizes the columns of W = A V by plane
 * rotations; then s_j = |W e_j| and U e_j = W e_j / s_j. Returns s (descending), U [m, uCols],
 * V [n, n].
 */
function jacobiSvd(
  w: Float64Array,
  m: number,
  n: number,
  uCols: number,
): { s: Float64Array; u: Float64Array; v: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const wp = w[i * n + p];
          const wq = w[i * n + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const wp = w[i * n + p];
          const wq = w[i * n + q];
          w[i * n + p] = c * wp - s * wq;
          w[i * n + q] = s * wp + c * wq;
        }
        for (let i = 0; i < n; i++) {
          const vp = v[i * n + p];
          const vq = v[i * n + q];
          v[i * n + p] = c * vp - s * vq;
          v[i * n + q] = s * vp + c * vq;
        }
      }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += w[i * n + j] ** 2;
    norms[j] = Math.sqrt(t);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j] - norms[i]);
  const s = new Float64Array(n);
  const u = new Float64Array(m * uCols);
  const vOut = new Float64Array(n * n);
  const tiny = (n > 0 ? norms[order[0]] : 0) * EPS * Math.max(m, n);
  const have: number[] = [];
  const want: number[] = [];
  for (let k = 0; k < n; k++) {
    const j = order[k];
    s[k] = norms[j];
    for (let i = 0; i < n; i++) vOut[i * n + k] = v[i * n + j];
    if (norms[j] > tiny && norms[j] > 0) {
      for (let i = 0; i < m; i++) u[i * uCols + k] = w[i * n + j] / norms[j];
      have.push(k);
    } else want.push(k);
  }
  for (let k = n; k < uCols; k++) want.push(k);
  if (want.length > 0) completeBasis(u, m, uCols, have, want);
  return { s, u, v: vOut };
}

export function svd(
  a: FloatArray,
  s: FloatArray,
  u: FloatArray | null,
  v: FloatArray | null,
  batch: number,
  m: number,
  n: number,
  full: boolean,
): void {
  const p = Math.min(m, n);
  const uCols = full ? m : p;
  const vCols = full ? n : p;
  const tall = m >= n;
  // For m < n, A^T = U' S V'^T is tall, and A = V' S U'^T.
  const [rows, cols] = tall ? [m, n] : [n, m];
  for (let b = 0; b < batch; b++) {
    const w = new Float64Array(m * n);
    const off = b * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const x = a[off + i * n + j];
        if (tall) w[i * n + j] = x;
        else w[j * m + i] = x;
      }
    const r = jacobiSvd(w, rows, cols, tall ? uCols : vCols);
    for (let k = 0; k < p; k++) s[b * p + k] = r.s[k];
    // Left vectors of the tall problem [rows, ...], right vectors [cols, cols].
    const left = r.u;
    const right = r.v;
    const [uMat, uStride, vMat, vStride] = tall
      ? [left, uCols, right, cols]
      : [right, cols, left, vCols];
    if (u !== null)
      for (let i = 0; i < m; i++)
        for (let k = 0; k < uCols; k++) u[b * m * uCols + i * uCols + k] = uMat[i * uStride + k];
    if (v !== null)
      for (let i = 0; i < n; i++)
        for (let k = 0; k < vCols; k++) v[b * n * vCols + i * vCols + k] = vMat[i * vStride + k];
  }
}

/**
 * Principal square roots by the scaled Denman-Beavers iteration: Y_0 = A, Z_0 = I,
 * Y <- (mu Y + (mu Z)^-1) / 2, Z <- (mu Z + (mu Y)^-1) / 2 with the determinant scaling
 * mu = |det Y det Z|^(-1/(2n)); Y -> A^(1/2), Z -> A^(-1/2). Fails (returns the batch index)
 * when an iterate is singular or the iteration does not settle (a real negative eigenvalue).
 */
export function sqrtm(a: FloatArray, out: FloatArray, batch: number, n: number): number {
  const nn = n * n;
  for (let b = 0; b < batch; b++) {
    let y = load(a, b * nn, nn);
    let z = new Float64Array(nn);
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
    let done = n === 0;
    let finishing = false;
    for (let it = 0; it < 100 && !done; it++) {
      const yi = inverseOf(y, n);
      const zi = inverseOf(z, n);
      if (yi === null || zi === null) return b;
      const dy = determinantOf(y, n);
      const dz = determinantOf(z, n);
      const mu = finishing ? 1 : Math.abs(dy * dz) ** (-1 / (2 * n));
      if (!Number.isFinite(mu) || mu === 0) return b;
      const y2 = new Float64Array(nn);
      const z2 = new Float64Array(nn);
      let diff = 0;
      let size = 0;
      for (let i = 0; i < nn; i++) {
        y2[i] = 0.5 * (mu * y[i] + zi[i] / mu);
        z2[i] = 0.5 * (mu * z[i] + yi[i] / mu);
        diff += (y2[i] - y[i]) ** 2;
        size += y2[i] ** 2;
      }
      y = y2;
      z = z2;
      if (!Number.isFinite(diff)) return b;
      // Quadratic convergence: once a step changes Y by under 1e-10 relative, one more
      // (unscaled) step leaves an error at rounding level.
      if (finishing) done = true;
      else if (diff <= 1e-20 * size) finishing = true;
    }
    if (!done) return b;
    store(out, b * nn, y);
  }
  return -1;
}
