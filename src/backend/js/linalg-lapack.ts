/**
 * JS kernels of the dense factorization family (see ../lapack.ts): textbook O(n^3) algorithms in
 * float64, each matrix copied out of the batch into a Float64Array, factored, and rounded once
 * into the output. Householder QR (LAPACK's dlarfg convention), cyclic Jacobi for the symmetric
 * eigenproblem and one-sided (Hestenes) Jacobi for the SVD: both are accurate to a few ulps of
 * the largest value, which is what the gradients' finite-difference checks need.
 */
import type { FloatArray, LapackKernels } from "../lapack.js";

const EPS = 2.220446049250313e-16;

function load(src: FloatArray, offset: number, size: number): Float64Array {
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) w[i] = src[offset + i];
  return w;
}

function store(dst: FloatArray, offset: number, src: Float64Array): void {
  for (let i = 0; i < src.length; i++) dst[offset + i] = src[i];
}

/** In-place LU with partial pivoting of w [n, n]; perm gets the source rows. Returns det(P). */
function luInPlace(w: Float64Array, perm: Int32Array, n: number): number {
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
function luSingular(w: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (w[i * n + i] === 0) return true;
  return false;
}

/**
 * Solves op(A) X = B in place in x [n, k] from the packed LU of A. With P A = L U:
 * A X = B is L U X = P B; A^T X = B is U^T L^T (P X) = B.
 */
function luSolveInPlace(
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

function eigh(a: FloatArray, e: FloatArray, v: FloatArray | null, batch: number, n: number): void {
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

function svd(
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
};
