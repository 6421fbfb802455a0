/**
 * JS kernels of the dense factorization family (see ../lapack.ts): textbook O(n^3) algorithms in
 * float64, each matrix copied out of the batch into a Float64Array, factored, and rounded once
 * into the output: Cholesky, LU with partial pivoting (lapack-lu.ts), triangular solves,
 * Householder QR (LAPACK's dlarfg convention) and the pivoting tridiagonal solve (dgtsv). The
 * spectral kernels (eigh, svd, sqrtm) are in lapack-spectral.ts.
 */
import type { FloatArray, LapackKernels } from "../lapack.js";
import { load, luInPlace, luSingular, luSolveInPlace, store } from "./lapack-lu.js";
import { eigh, sqrtm, svd } from "./lapack-spectral.js";

function cholesky(a: FloatArray, out: FloatArray, batch: number, n: number): number {
  const nn = n * n;
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    const l = new Float64Array(nn);
    for (let j = 0; j < n; j++) {
      let s = w[j * n + j];
      for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
      if (!(s > 0)) return b; // not positive definite (or NaN)
      const d = Math.sqrt(s);
      l[j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let t = w[i * n + j];
        for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
        l[i * n + j] = t / d;
      }
    }
    store(out, b * nn, l);
  }
  return -1;
}

function lu(a: FloatArray, out: FloatArray, perm: Int32Array, batch: number, n: number): void {
  const nn = n * n;
  const p = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    luInPlace(w, p, n);
    store(out, b * nn, w);
    perm.set(p, b * n);
  }
}

function triangularSolve(
  a: FloatArray,
  rhs: FloatArray,
  out: FloatArray,
  batch: number,
  n: number,
  k: number,
  lower: boolean,
  adjoint: boolean,
): void {
  const nn = n * n;
  // op(A)[i][j] = A[j][i] under adjoint; op(A) is lower when exactly one of lower/adjoint holds.
  const forward = lower !== adjoint;
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    const x = load(rhs, b * n * k, n * k);
    const el = adjoint
      ? (i: number, j: number) => w[j * n + i]
      : (i: number, j: number) => w[i * n + j];
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      const lo = forward ? 0 : i + 1;
      const hi = forward ? i : n;
      for (let j = lo; j < hi; j++) {
        const e = el(i, j);
        if (e !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= e * x[j * k + c];
      }
      const d = el(i, i);
      for (let c = 0; c < k; c++) x[i * k + c] /= d;
    }
    store(out, b * n * k, x);
  }
}

function matrixSolve(
  a: FloatArray,
  rhs: FloatArray,
  out: FloatArray,
  batch: number,
  n: number,
  k: number,
  adjoint: boolean,
): number {
  const nn = n * n;
  const p = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    luInPlace(w, p, n);
    if (luSingular(w, n)) return b;
    const x = load(rhs, b * n * k, n * k);
    luSolveInPlace(w, p, x, n, k, adjoint);
    store(out, b * n * k, x);
  }
  return -1;
}

function matrixInverse(
  a: FloatArray,
  out: FloatArray,
  batch: number,
  n: number,
  adjoint: boolean,
): number {
  const nn = n * n;
  const p = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    luInPlace(w, p, n);
    if (luSingular(w, n)) return b;
    const x = new Float64Array(nn);
    for (let i = 0; i < n; i++) x[i * n + i] = 1;
    luSolveInPlace(w, p, x, n, n, adjoint);
    store(out, b * nn, x);
  }
  return -1;
}

function determinant(a: FloatArray, out: FloatArray, batch: number, n: number): void {
  const nn = n * n;
  const p = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    let d = luInPlace(w, p, n);
    for (let i = 0; i < n; i++) d *= w[i * n + i];
    out[b] = d;
  }
}

function logDeterminant(
  a: FloatArray,
  sign: FloatArray,
  logAbs: FloatArray,
  batch: number,
  n: number,
): void {
  const nn = n * n;
  const p = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * nn, nn);
    let sg = luInPlace(w, p, n);
    let la = 0;
    for (let i = 0; i < n; i++) {
      const d = w[i * n + i];
      if (d < 0) sg = -sg;
      la += Math.log(Math.abs(d));
    }
    if (la === -Infinity) sg = 0;
    sign[b] = sg;
    logAbs[b] = la;
  }
}

function qr(
  a: FloatArray,
  q: FloatArray,
  r: FloatArray,
  batch: number,
  m: number,
  n: number,
  full: boolean,
): void {
  const p = Math.min(m, n);
  const qCols = full ? m : p;
  const rRows = full ? m : p;
  for (let b = 0; b < batch; b++) {
    const w = load(a, b * m * n, m * n);
    // Householder vectors v_k (v_k[k] = 1 implicit) below the diagonal of w, taus apart.
    const tau = new Float64Array(p);
    const vs: Float64Array[] = [];
    for (let k = 0; k < p; k++) {
      const v = new Float64Array(m - k);
      const alpha = w[k * n + k];
      let xnorm = 0;
      for (let i = k + 1; i < m; i++) xnorm = Math.hypot(xnorm, w[i * n + k]);
      v[0] = 1;
      if (xnorm === 0) {
        // dlarfg: nothing below the diagonal, H = I.
        vs.push(v);
        continue;
      }
      const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
      tau[k] = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = k + 1; i < m; i++) v[i - k] = w[i * n + k] * scale;
      // w[k:, k:] = (I - tau v v^T) w[k:, k:]
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k] * w[i * n + j];
        dot *= tau[k];
        for (let i = k; i < m; i++) w[i * n + j] -= dot * v[i - k];
      }
      vs.push(v);
    }
    const rOut = new Float64Array(rRows * n);
    for (let i = 0; i < Math.min(rRows, m); i++)
      for (let j = i; j < n; j++) rOut[i * n + j] = w[i * n + j];
    // Q = H_0 H_1 ... H_{p-1} I[:, :qCols], applied right to left.
    const qOut = new Float64Array(m * qCols);
    for (let i = 0; i < qCols; i++) qOut[i * qCols + i] = 1;
    for (let k = p - 1; k >= 0; k--) {
      if (tau[k] === 0) continue;
      const v = vs[k];
      for (let j = 0; j < qCols; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k] * qOut[i * qCols + j];
        dot *= tau[k];
        for (let i = k; i < m; i++) qOut[i * qCols + j] -= dot * v[i - k];
      }
    }
    store(q, b * m * qCols, qOut);
    store(r, b * rRows * n, rOut);
  }
}

function tridiagonalSolve(
  diags: FloatArray,
  rhs: FloatArray,
  out: FloatArray,
  batch: number,
  m: number,
  k: number,
  partialPivoting: boolean,
): number {
  for (let bt = 0; bt < batch; bt++) {
    const o = bt * 3 * m;
    // LAPACK dgtsv's arrays: du[i] = A[i][i+1], d[i] = A[i][i], dl[i] = A[i+1][i].
    const du = new Float64Array(m);
    const d = new Float64Array(m);
    const dl = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      du[i] = i < m - 1 ? diags[o + i] : 0;
      d[i] = diags[o + m + i];
      dl[i] = i < m - 1 ? diags[o + 2 * m + i + 1] : 0;
    }
    const x = load(rhs, bt * m * k, m * k);
    // Gaussian elimination with row interchanges; dl[i] becomes the fill-in A[i][i+2].
    for (let i = 0; i < m - 1; i++) {
      if (!partialPivoting || Math.abs(d[i]) >= Math.abs(dl[i])) {
        if (d[i] === 0) return bt;
        const f = dl[i] / d[i];
        d[i + 1] -= f * du[i];
        for (let c = 0; c < k; c++) x[(i + 1) * k + c] -= f * x[i * k + c];
        dl[i] = 0;
      } else {
        const f = d[i] / dl[i];
        d[i] = dl[i];
        const t = d[i + 1];
        d[i + 1] = du[i] - f * t;
        if (i < m - 2) {
          dl[i] = du[i + 1];
          du[i + 1] = -f * dl[i];
        } else dl[i] = 0;
        du[i] = t;
        for (let c = 0; c < k; c++) {
          const tb = x[i * k + c];
          x[i * k + c] = x[(i + 1) * k + c];
          x[(i + 1) * k + c] = tb - f * x[(i + 1) * k + c];
        }
      }
    }
    if (m > 0 && d[m - 1] === 0) return bt;
    for (let i = m - 1; i >= 0; i--)
      for (let c = 0; c < k; c++) {
        let t = x[i * k + c];
        if (i + 1 < m) t -= du[i] * x[(i + 1) * k + c];
        if (i + 2 < m) t -= dl[i] * x[(i + 2) * k + c];
        x[i * k + c] = t / d[i];
      }
    store(out, bt * m * k, x);
  }
  return -1;
}

export const jsLapack: LapackKernels = {
  cholesky,
  lu,
  triangularSolve,
  matrixSolve,
  matrixInverse,
  determinant,
  logDeterminant,
  qr,
  eigh,
  svd,
  tridiagonalSolve,
  sqrtm,
};
