/**
 * Kernels on complex storage: interleaved (re, im) pairs in a Float32Array (complex64) or
 * Float64Array (complex128) of twice the element count (src/tensor/dtype.ts). Plain loops over
 * typed arrays, shared by the JS and native backends: the ops that only move elements or are
 * linear with real coefficients (transpose, concat, add, sum, ...) run the real kernels on the
 * pairs instead (engine/complex.ts), so only genuinely complex arithmetic lives here.
 */
import type { NumArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";

export type ComplexUnaryFn = "exp" | "log" | "sqrt" | "square" | "reciprocal" | "conj";
export type ComplexBinaryFn = "mul" | "div" | "pow";
export type ComplexToRealFn = "real" | "imag" | "abs" | "angle";

/** a / b by Smith's algorithm (no overflow in |b|^2), into out[o], out[o + 1]. */
function cdiv(ar: number, ai: number, br: number, bi: number, out: NumArray, o: number): void {
  if (Math.abs(br) >= Math.abs(bi)) {
    if (br === 0 && bi === 0) {
      // x / 0: IEEE's infinities (or NaN for 0/0) on each part, as NumPy gives.
      out[o] = ar / 0;
      out[o + 1] = ai / 0;
      return;
    }
    const r = bi / br;
    const d = br + bi * r;
    out[o] = (ar + ai * r) / d;
    out[o + 1] = (ai - ar * r) / d;
  } else {
    const r = br / bi;
    const d = br * r + bi;
    out[o] = (ar * r + ai) / d;
    out[o + 1] = (ai * r - ar) / d;
  }
}

/** The principal square root, without cancellation: into out[o], out[o + 1]. */
function csqrt(a: number, b: number, out: NumArray, o: number): void {
  if (a === 0 && b === 0) {
    out[o] = 0;
    out[o + 1] = b;
    return;
  }
  const t = Math.sqrt((Math.abs(a) + Math.hypot(a, b)) / 2);
  if (a >= 0) {
    out[o] = t;
    out[o + 1] = b / (2 * t);
  } else {
    out[o] = Math.abs(b) / (2 * t);
    out[o + 1] = b < 0 || Object.is(b, -0) ? -t : t;
  }
}

/** y = f(x) elementwise; x and y hold n pairs. */
export function complexUnary(fn: ComplexUnaryFn, x: NumArray, y: NumArray): void {
  const n = x.length;
  for (let i = 0; i < n; i += 2) {
    const a = x[i];
    const b = x[i + 1];
    switch (fn) {
      case "conj":
        y[i] = a;
        y[i + 1] = -b;
        break;
      case "exp": {
        // e^(a + ib) = e^a (cos b + i sin b)
        const e = Math.exp(a);
        y[i] = b === 0 ? e : e * Math.cos(b);
        y[i + 1] = b === 0 ? b : e * Math.sin(b);
        break;
      }
      case "log":
        // log z = log|z| + i arg z
        y[i] = Math.log(Math.hypot(a, b));
        y[i + 1] = Math.atan2(b, a);
        break;
      case "sqrt":
        csqrt(a, b, y, i);
        break;
      case "square":
        y[i] = a * a - b * b;
        y[i + 1] = 2 * a * b;
        break;
      case "reciprocal":
        cdiv(1, 0, a, b, y, i);
        break;
    }
  }
}

/** A real function of a complex number: y has one slot per pair of x. */
export function complexToReal(fn: ComplexToRealFn, x: NumArray, y: NumArray): void {
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const a = x[2 * i];
    const b = x[2 * i + 1];
    y[i] =
      fn === "real" ? a : fn === "imag" ? b : fn === "abs" ? Math.hypot(a, b) : Math.atan2(b, a);
  }
}

/**
 * For each element of the broadcast output shape, the element offsets (not slot offsets) into
 * a and b, NumPy's broadcasting: calls f(i, ia, ib) for i in order.
 */
export function broadcastPairs(
  aShape: Shape,
  bShape: Shape,
  outShape: Shape,
  f: (i: number, ia: number, ib: number) => void,
): void {
  const rank = outShape.length;
  const strides = (shape: Shape): number[] => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const od = d + rank - shape.length;
      s[od] = shape[d] === 1 ? 0 : acc;
      acc *= shape[d];
    }
    return s;
  };
  const sa = strides(aShape);
  const sb = strides(bShape);
  let size = 1;
  for (const d of outShape) size *= d;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < size; i++) {
    f(i, ia, ib);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * idx[d];
      ib -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/** y = f(a, b) with broadcasting. */
export function complexBinary(
  fn: ComplexBinaryFn,
  a: NumArray,
  aShape: Shape,
  b: NumArray,
  bShape: Shape,
  y: NumArray,
  yShape: Shape,
): void {
  const t = new Float64Array(2);
  broadcastPairs(aShape, bShape, yShape, (i, ia, ib) => {
    const ar = a[2 * ia];
    const ai = a[2 * ia + 1];
    const br = b[2 * ib];
    const bi = b[2 * ib + 1];
    const o = 2 * i;
    switch (fn) {
      case "mul":
        y[o] = ar * br - ai * bi;
        y[o + 1] = ar * bi + ai * br;
        break;
      case "div":
        cdiv(ar, ai, br, bi, y, o);
        break;
      case "pow": {
        // a^b = exp(b log a); 0^b is 1 for b = 0, 0 for Re b > 0 (NumPy's convention).
        if (ar === 0 && ai === 0) {
          const one = br === 0 && bi === 0;
          y[o] = one ? 1 : br > 0 ? 0 : NaN;
          y[o + 1] = one || br > 0 ? 0 : NaN;
          break;
        }
        const lr = Math.log(Math.hypot(ar, ai));
        const li = Math.atan2(ai, ar);
        const er = br * lr - bi * li;
        const ei = br * li + bi * lr;
        const m = Math.exp(er);
        t[0] = m * Math.cos(ei);
        t[1] = m * Math.sin(ei);
        y[o] = t[0];
        y[o + 1] = t[1];
        break;
      }
    }
  });
}

/** Equal / NotEqual: both parts compared; y holds one bool per element. */
export function complexCompare(
  notEqual: boolean,
  a: NumArray,
  aShape: Shape,
  b: NumArray,
  bShape: Shape,
  y: NumArray,
  yShape: Shape,
): void {
  broadcastPairs(aShape, bShape, yShape, (i, ia, ib) => {
    const eq = a[2 * ia] === b[2 * ib] && a[2 * ia + 1] === b[2 * ib + 1];
    y[i] = eq !== notEqual ? 1 : 0;
  });
}

/** z = complex(re, im) with broadcasting. */
export function makeComplex(
  re: NumArray,
  reShape: Shape,
  im: NumArray,
  imShape: Shape,
  z: NumArray,
  zShape: Shape,
): void {
  broadcastPairs(reShape, imShape, zShape, (i, ir, ii) => {
    z[2 * i] = re[ir];
    z[2 * i + 1] = im[ii];
  });
}

/** A real array into complex storage (imaginary parts zero), or complex to complex. */
export function castToComplex(x: NumArray, xComplex: boolean, y: NumArray): void {
  if (xComplex) {
    y.set(x);
    return;
  }
  const n = x.length;
  for (let i = 0; i < n; i++) {
    y[2 * i] = x[i];
    y[2 * i + 1] = 0;
  }
}

export interface ComplexMatmulGeometry {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** In elements (pairs): 0 (shared) or m*k, k*n. */
  readonly aBatchStride: number;
  readonly bBatchStride: number;
}

/** C = op(A) op(B) over a batch, op = transpose or identity (no conjugation here). */
export function complexMatmul(
  a: NumArray,
  b: NumArray,
  c: NumArray,
  g: ComplexMatmulGeometry,
): void {
  const { batch, m, n, k, transposeA, transposeB } = g;
  for (let p = 0; p < batch; p++) {
    const ao = p * g.aBatchStride;
    const bo = p * g.bBatchStride;
    const co = p * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sr = 0;
        let si = 0;
        for (let q = 0; q < k; q++) {
          const ia = 2 * (ao + (transposeA ? q * m + i : i * k + q));
          const ib = 2 * (bo + (transposeB ? j * k + q : q * n + j));
          const ar = a[ia];
          const ai = a[ia + 1];
          const br = b[ib];
          const bi = b[ib + 1];
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
        }
        c[2 * (co + i * n + j)] = sr;
        c[2 * (co + i * n + j) + 1] = si;
      }
    }
  }
}
