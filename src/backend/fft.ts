/**
 * The discrete Fourier transform of each row of a batch of complex rows (interleaved (re, im)
 * storage), in O(n log n) at every length: an iterative radix-2 transform for powers of two,
 * and Bluestein's chirp-z algorithm for the others (the DFT as a convolution with a chirp,
 * computed with radix-2 transforms of a power of two m >= 2n - 1). The arithmetic is in
 * float64 whatever the storage. The native addon's `fft` (native/fft.cc) runs the same
 * algorithm; this is the reference and the fallback.
 *
 *   forward:  y_k = sum_t x_t e^(-2 pi i k t / n)
 *   inverse:  y_k = (1/n) sum_t x_t e^(+2 pi i k t / n)
 */
import type { NumArray } from "../tensor/dtype.js";
import { nativeAddon } from "./native/index.js";
import type { Backend } from "./types.js";

interface Radix2Plan {
  readonly n: number;
  readonly rev: Uint32Array;
  /** cos and -sin of 2 pi k / n, k < n/2 (the forward twiddles). */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

interface BluesteinPlan {
  readonly n: number;
  readonly inner: Radix2Plan;
  /** e^(-i pi k^2 / n), k < n. */
  readonly chirpRe: Float64Array;
  readonly chirpIm: Float64Array;
  /** The forward transform of the conjugate chirp, wrapped to length m. */
  readonly bRe: Float64Array;
  readonly bIm: Float64Array;
}

const radix2Plans = new Map<number, Radix2Plan>();
const bluesteinPlans = new Map<number, BluesteinPlan>();

const isPow2 = (n: number): boolean => (n & (n - 1)) === 0;

function radix2Plan(n: number): Radix2Plan {
  let p = radix2Plans.get(n);
  if (p !== undefined) return p;
  const bits = Math.round(Math.log2(n));
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    const a = (2 * Math.PI * k) / n;
    cos[k] = Math.cos(a);
    sin[k] = -Math.sin(a);
  }
  p = { n, rev, cos, sin };
  radix2Plans.set(n, p);
  return p;
}

/** In place, forward (e^-), on separate re and im arrays of the plan's length. */
function radix2(p: Radix2Plan, re: Float64Array, im: Float64Array): void {
  const { n, rev, cos, sin } = p;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0, w = 0; k < half; k++, w += step) {
        const a = start + k;
        const b = a + half;
        const wr = cos[w];
        const wi = sin[w];
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

function bluesteinPlan(n: number): BluesteinPlan {
  let p = bluesteinPlans.get(n);
  if (p !== undefined) return p;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const inner = radix2Plan(m);
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // k^2 mod 2n keeps the angle's digits for large k (e^(-i pi k^2/n) has period 2n in k^2)
    const k2 = Number((BigInt(k) * BigInt(k)) % BigInt(2 * n));
    const a = (Math.PI * k2) / n;
    chirpRe[k] = Math.cos(a);
    chirpIm[k] = -Math.sin(a);
  }
  const bRe = new Float64Array(m);
  const bIm = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    bRe[k] = chirpRe[k];
    bIm[k] = -chirpIm[k];
    if (k > 0) {
      bRe[m - k] = chirpRe[k];
      bIm[m - k] = -chirpIm[k];
    }
  }
  radix2(inner, bRe, bIm);
  p = { n, inner, chirpRe, chirpIm, bRe, bIm };
  bluesteinPlans.set(n, p);
  return p;
}

/** The forward DFT of one row (re, im of length n) in place, through Bluestein's algorithm. */
function bluestein(
  p: BluesteinPlan,
  re: Float64Array,
  im: Float64Array,
  ar: Float64Array,
  ai: Float64Array,
): void {
  const { n, inner, chirpRe, chirpIm, bRe, bIm } = p;
  const m = inner.n;
  ar.fill(0);
  ai.fill(0);
  for (let k = 0; k < n; k++) {
    ar[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k];
    ai[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k];
  }
  radix2(inner, ar, ai);
  // pointwise product with B, then the inverse transform as conj(forward(conj)) / m
  for (let k = 0; k < m; k++) {
    const r = ar[k] * bRe[k] - ai[k] * bIm[k];
    const i = ar[k] * bIm[k] + ai[k] * bRe[k];
    ar[k] = r;
    ai[k] = -i;
  }
  radix2(inner, ar, ai);
  for (let k = 0; k < n; k++) {
    const cr = ar[k] / m;
    const ci = -ai[k] / m;
    re[k] = cr * chirpRe[k] - ci * chirpIm[k];
    im[k] = cr * chirpIm[k] + ci * chirpRe[k];
  }
}

/** The JS reference: `rows` rows of n complex numbers from x into y (interleaved storage). */
export function fftRowsJs(
  x: NumArray,
  y: NumArray,
  rows: number,
  n: number,
  inverse: boolean,
): void {
  if (n === 0 || rows === 0) return;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const pow2 = isPow2(n);
  const r2 = pow2 ? radix2Plan(n) : null;
  const bl = pow2 ? null : bluesteinPlan(n);
  const ar = bl === null ? null : new Float64Array(bl.inner.n);
  const ai = bl === null ? null : new Float64Array(bl.inner.n);
  // the inverse is conj(forward(conj x)) / n
  const sign = inverse ? -1 : 1;
  const scale = inverse ? 1 / n : 1;
  for (let r = 0; r < rows; r++) {
    const o = 2 * r * n;
    for (let k = 0; k < n; k++) {
      re[k] = x[o + 2 * k];
      im[k] = sign * x[o + 2 * k + 1];
    }
    if (r2 !== null) radix2(r2, re, im);
    else bluestein(bl as BluesteinPlan, re, im, ar as Float64Array, ai as Float64Array);
    for (let k = 0; k < n; k++) {
      y[o + 2 * k] = re[k] * scale;
      y[o + 2 * k + 1] = sign * im[k] * scale;
    }
  }
}

/** Below this many complex elements the call into the addon costs more than the transform. */
const NATIVE_MIN = 256;

/** The DFT of each row, natively on the native backend when the addon has the kernel. */
export function fftRows(
  b: Backend,
  x: NumArray,
  y: NumArray,
  rows: number,
  n: number,
  inverse: boolean,
): void {
  if (b.name === "native" && rows * n >= NATIVE_MIN) {
    const addon = nativeAddon();
    if (addon?.fft !== undefined) {
      addon.fft(
        x as Float32Array | Float64Array,
        y as Float32Array | Float64Array,
        rows,
        n,
        inverse,
      );
      return;
    }
  }
  fftRowsJs(x, y, rows, n, inverse);
}
