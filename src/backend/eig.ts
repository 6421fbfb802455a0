/**
 * Eigenvalues and eigenvectors of a general complex square matrix, in float64 whatever the
 * storage: Householder reduction to upper Hessenberg form, then the single-shift complex QR
 * algorithm (Wilkinson shifts, Givens rotations chasing the bulge, deflation on negligible
 * subdiagonals) to the Schur form A = Q T Q^H, then eigenvectors of the triangular T by back
 * substitution, mapped back by Q. Eigenvalues are sorted by increasing modulus (as Eigen's
 * ComplexEigenSolver, which TensorFlow's Eig kernel uses, sorts them); each eigenvector has
 * unit 2-norm and its largest component real and positive (LAPACK's zgeev convention). Ties of
 * modulus are ordered by real part, then imaginary part (a conjugate pair: the negative first).
 */
import type { NumArray } from "../tensor/dtype.js";

/** An n x n complex matrix, row-major, as separate real and imaginary parts. */
interface CMat {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

const EPS = 2.220446049250313e-16;

/** The principal square root of a + ib. */
function csqrt(a: number, b: number): [number, number] {
  if (a === 0 && b === 0) return [0, 0];
  const t = Math.sqrt((Math.abs(a) + Math.hypot(a, b)) / 2);
  return a >= 0 ? [t, b / (2 * t)] : [Math.abs(b) / (2 * t), b < 0 ? -t : t];
}

function cdiv(ar: number, ai: number, br: number, bi: number): [number, number] {
  if (Math.abs(br) >= Math.abs(bi)) {
    const r = bi / br;
    const d = br + bi * r;
    return [(ar + ai * r) / d, (ai - ar * r) / d];
  }
  const r = br / bi;
  const d = br * r + bi;
  return [(ar * r + ai) / d, (ai * r - ar) / d];
}

/** Reduces H to Hessenberg form in place, accumulating Q (H_in = Q H_out Q^H). */
function hessenberg(H: CMat, Q: CMat): void {
  const { n, re, im } = H;
  const vr = new Float64Array(n);
  const vi = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // x = H[k+1.., k]; alpha = -e^(i arg x0) |x|; v = x - alpha e1, normalized
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += re[i * n + k] ** 2 + im[i * n + k] ** 2;
    const norm = Math.sqrt(norm2);
    if (norm === 0) continue;
    const x0r = re[(k + 1) * n + k];
    const x0i = im[(k + 1) * n + k];
    const x0 = Math.hypot(x0r, x0i);
    const [pr, pi] = x0 === 0 ? [1, 0] : [x0r / x0, x0i / x0];
    const ar = -pr * norm;
    const ai = -pi * norm;
    for (let i = k + 1; i < n; i++) {
      vr[i] = re[i * n + k];
      vi[i] = im[i * n + k];
    }
    vr[k + 1] -= ar;
    vi[k + 1] -= ai;
    let vn = 0;
    for (let i = k + 1; i < n; i++) vn += vr[i] ** 2 + vi[i] ** 2;
    vn = Math.sqrt(vn);
    if (vn === 0) continue;
    for (let i = k + 1; i < n; i++) {
      vr[i] /= vn;
      vi[i] /= vn;
    }
    // H <- (I - 2 v v^H) H
    for (let j = 0; j < n; j++) {
      let sr = 0;
      let si = 0;
      for (let i = k + 1; i < n; i++) {
        // conj(v_i) H_ij
        sr += vr[i] * re[i * n + j] + vi[i] * im[i * n + j];
        si += vr[i] * im[i * n + j] - vi[i] * re[i * n + j];
      }
      for (let i = k + 1; i < n; i++) {
        re[i * n + j] -= 2 * (vr[i] * sr - vi[i] * si);
        im[i * n + j] -= 2 * (vr[i] * si + vi[i] * sr);
      }
    }
    // H <- H (I - 2 v v^H), Q <- Q (I - 2 v v^H)
    for (const M of [H, Q]) {
      for (let i = 0; i < n; i++) {
        let sr = 0;
        let si = 0;
        for (let j = k + 1; j < n; j++) {
          sr += M.re[i * n + j] * vr[j] - M.im[i * n + j] * vi[j];
          si += M.re[i * n + j] * vi[j] + M.im[i * n + j] * vr[j];
        }
        for (let j = k + 1; j < n; j++) {
          // -= 2 s conj(v_j)
          M.re[i * n + j] -= 2 * (sr * vr[j] + si * vi[j]);
          M.im[i * n + j] -= 2 * (si * vr[j] - sr * vi[j]);
        }
      }
    }
    for (let i = k + 2; i < n; i++) re[i * n + k] = im[i * n + k] = 0;
  }
}

/**
 * The rotation G = [[c, s], [-conj(s), c]] (c real) with G [a; b] = [r; 0]: applied to rows
 * p, q of H from column j0, and as G^H to columns p, q of H (rows < rowEnd) and of Q.
 */
function rotate(
  H: CMat,
  Q: CMat,
  p: number,
  a: [number, number],
  b: [number, number],
  j0: number,
  rowEnd: number,
): void {
  const { n, re, im } = H;
  const q = p + 1;
  const na = Math.hypot(a[0], a[1]);
  const nb = Math.hypot(b[0], b[1]);
  const norm = Math.hypot(na, nb);
  if (norm === 0) return;
  let c: number;
  let sr: number;
  let si: number;
  if (na === 0) {
    c = 0;
    sr = 1;
    si = 0;
  } else {
    c = na / norm;
    // s = (a/|a|) conj(b) / norm
    const ur = a[0] / na;
    const ui = a[1] / na;
    sr = (ur * b[0] + ui * b[1]) / norm;
    si = (ui * b[0] - ur * b[1]) / norm;
  }
  for (let j = j0; j < n; j++) {
    const xr = re[p * n + j];
    const xi = im[p * n + j];
    const yr = re[q * n + j];
    const yi = im[q * n + j];
    re[p * n + j] = c * xr + sr * yr - si * yi;
    im[p * n + j] = c * xi + sr * yi + si * yr;
    // -conj(s) x + c y
    re[q * n + j] = -(sr * xr + si * xi) + c * yr;
    im[q * n + j] = -(sr * xi - si * xr) + c * yi;
  }
  const cols = (M: CMat, end: number) => {
    for (let i = 0; i < end; i++) {
      const xr = M.re[i * n + p];
      const xi = M.im[i * n + p];
      const yr = M.re[i * n + q];
      const yi = M.im[i * n + q];
      // x c + y conj(s)
      M.re[i * n + p] = xr * c + yr * sr + yi * si;
      M.im[i * n + p] = xi * c + yi * sr - yr * si;
      // -x s + y c
      M.re[i * n + q] = -(xr * sr - xi * si) + yr * c;
      M.im[i * n + q] = -(xr * si + xi * sr) + yi * c;
    }
  };
  cols(H, rowEnd);
  cols(Q, n);
}

/** Schur form in place: H (Hessenberg) becomes upper triangular T, Q accumulates. */
function schur(H: CMat, Q: CMat): boolean {
  const { n, re, im } = H;
  const at = (i: number, j: number): [number, number] => [re[i * n + j], im[i * n + j]];
  const abs = (i: number, j: number) => Math.hypot(re[i * n + j], im[i * n + j]);
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm = Math.max(norm, Math.hypot(re[i], im[i]));
  let iu = n - 1;
  let iter = 0;
  let total = 0;
  while (iu > 0) {
    let il = iu;
    while (il > 0) {
      const s = abs(il - 1, il - 1) + abs(il, il);
      if (abs(il, il - 1) <= EPS * (s === 0 ? norm : s)) {
        re[il * n + il - 1] = im[il * n + il - 1] = 0;
        break;
      }
      il--;
    }
    if (il === iu) {
      iu--;
      iter = 0;
      continue;
    }
    iter++;
    total++;
    if (total > 60 * n) return false;
    // Wilkinson's shift: the eigenvalue of the trailing 2x2 nearer its last entry; an
    // exceptional one now and then breaks cycles.
    let mu: [number, number];
    const [dr, di] = at(iu, iu);
    if (iter % 10 === 0) {
      mu = [dr + abs(iu, iu - 1), di];
    } else {
      const [ar, ai] = at(iu - 1, iu - 1);
      const [br, bi] = at(iu - 1, iu);
      const [cr, ci] = at(iu, iu - 1);
      const hr = (ar - dr) / 2;
      const hi = (ai - di) / 2;
      // disc = sqrt(h^2 + b c)
      const [sr, si] = csqrt(
        hr * hr - hi * hi + br * cr - bi * ci,
        2 * hr * hi + br * ci + bi * cr,
      );
      // mu = d + h -/+ disc, the one nearer d: d - (bc) / (h +/- disc) is the stable form
      const p1 = [hr + sr, hi + si];
      const p2 = [hr - sr, hi - si];
      const den = Math.hypot(p1[0], p1[1]) >= Math.hypot(p2[0], p2[1]) ? p1 : p2;
      if (den[0] === 0 && den[1] === 0) mu = [dr, di];
      else {
        const [qr, qi] = cdiv(br * cr - bi * ci, br * ci + bi * cr, den[0], den[1]);
        mu = [dr - qr, di - qi];
      }
    }
    // the first rotation from the shifted first column, then chase the bulge down
    const [h0r, h0i] = at(il, il);
    rotate(H, Q, il, [h0r - mu[0], h0i - mu[1]], at(il + 1, il), il, Math.min(il + 2, iu) + 1);
    for (let k = il + 1; k < iu; k++) {
      rotate(H, Q, k, at(k, k - 1), at(k + 1, k - 1), k - 1, Math.min(k + 2, iu) + 1);
      re[(k + 1) * n + k - 1] = im[(k + 1) * n + k - 1] = 0;
    }
  }
  return true;
}

/**
 * Eigen-decomposition of each n x n matrix of a batch. `a` holds the matrices (complex:
 * interleaved pairs; real: plain), `e` gets n complex eigenvalues per matrix and `v` (if not
 * null) the n x n eigenvectors as columns, interleaved. Returns false if QR did not converge.
 */
export function eigBatch(
  a: NumArray,
  complexInput: boolean,
  batch: number,
  n: number,
  e: NumArray,
  v: NumArray | null,
): boolean {
  for (let b = 0; b < batch; b++) {
    const H: CMat = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
    const Q: CMat = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
    const off = b * n * n;
    for (let i = 0; i < n * n; i++) {
      H.re[i] = complexInput ? a[2 * (off + i)] : a[off + i];
      H.im[i] = complexInput ? a[2 * (off + i) + 1] : 0;
    }
    for (let i = 0; i < n; i++) Q.re[i * n + i] = 1;
    hessenberg(H, Q);
    if (!schur(H, Q)) return false;
    // order by increasing modulus, then real part, then imaginary part, ties taken within a
    // relative 1e-9 so that conjugate pairs of a real matrix keep one order under rounding
    const d = (x: number): [number, number] => [H.re[x * n + x], H.im[x * n + x]];
    const differ = (p: number, q: number): number =>
      Math.abs(p - q) <= 1e-9 * Math.max(1, Math.abs(p), Math.abs(q)) ? 0 : p - q;
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => {
      const [xr, xi] = d(x);
      const [yr, yi] = d(y);
      return differ(Math.hypot(xr, xi), Math.hypot(yr, yi)) || differ(xr, yr) || xi - yi;
    });
    for (let j = 0; j < n; j++) {
      e[2 * (b * n + j)] = H.re[order[j] * n + order[j]];
      e[2 * (b * n + j) + 1] = H.im[order[j] * n + order[j]];
    }
    if (v === null) continue;
    let tnorm = 0;
    for (let i = 0; i < n * n; i++) tnorm = Math.max(tnorm, Math.hypot(H.re[i], H.im[i]));
    const small = Math.max(EPS * tnorm, Number.MIN_VALUE);
    const yr = new Float64Array(n);
    const yi = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const k = order[j];
      // (T - t_kk I) y = 0 with y_k = 1 and y_i = 0 below k: back substitution upwards
      yr.fill(0);
      yi.fill(0);
      yr[k] = 1;
      const lr = H.re[k * n + k];
      const li = H.im[k * n + k];
      for (let i = k - 1; i >= 0; i--) {
        let sr = 0;
        let si = 0;
        for (let l = i + 1; l <= k; l++) {
          sr += H.re[i * n + l] * yr[l] - H.im[i * n + l] * yi[l];
          si += H.re[i * n + l] * yi[l] + H.im[i * n + l] * yr[l];
        }
        let dr = H.re[i * n + i] - lr;
        let di = H.im[i * n + i] - li;
        if (Math.hypot(dr, di) < small) [dr, di] = [small, 0]; // a repeated eigenvalue
        const [qr, qi] = cdiv(-sr, -si, dr, di);
        yr[i] = qr;
        yi[i] = qi;
      }
      // x = Q y, then unit norm with its largest component real and positive
      const xr = new Float64Array(n);
      const xi = new Float64Array(n);
      let big = -1;
      let bigAt = 0;
      let nrm = 0;
      for (let r = 0; r < n; r++) {
        let sr = 0;
        let si = 0;
        for (let l = 0; l <= k; l++) {
          sr += Q.re[r * n + l] * yr[l] - Q.im[r * n + l] * yi[l];
          si += Q.re[r * n + l] * yi[l] + Q.im[r * n + l] * yr[l];
        }
        xr[r] = sr;
        xi[r] = si;
        const m = Math.hypot(sr, si);
        nrm += m * m;
        if (m > big * (1 + 1e-12)) {
          big = m;
          bigAt = r;
        }
      }
      nrm = Math.sqrt(nrm);
      // multiply by conj(x_big) / (|x_big| nrm)
      const pr = xr[bigAt] / (big * nrm);
      const pi = -xi[bigAt] / (big * nrm);
      for (let r = 0; r < n; r++) {
        const o = 2 * (b * n * n + r * n + j);
        v[o] = xr[r] * pr - xi[r] * pi;
        v[o + 1] = r === bigAt ? 0 : xr[r] * pi + xi[r] * pr;
      }
    }
  }
  return true;
}
