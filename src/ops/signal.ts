/**
 * `tf.signal`: fft, ifft, rfft, irfft, frame and hannWindow.
 *
 * tapeflow has no complex dtype, so a complex tensor is a pair of real tensors of one shape and
 * float dtype, `{real, imag}`: fft and ifft take the two parts (imag may be null for a real
 * signal) and return both; rfft takes a real signal and returns the pair of its n/2 + 1
 * non-negative frequency bins; irfft takes that pair and returns a real signal. Transforms run
 * over the innermost axis as products with the DFT's cosine and sine matrices (O(n^2) per
 * signal, exact at every length, odd ones included); their gradients are the matmuls'.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant, zerosLike } from "./creation.js";
import { add, multiply as mul, subtract as sub } from "./elementwise/basic.js";
import { gather } from "./movement-gather.js";
import { pad, slice } from "./movement-slice.js";
import { matmul } from "./linalg.js";
import { normalizeAxis } from "../tensor/shape.js";

/** A complex tensor as its real and imaginary parts. */
export interface ComplexPair {
  real: Tensor;
  imag: Tensor;
}

/**
 * cos and sin of 2 pi j k / n for j < rows, k < cols, as [rows, cols] tensors; j k is reduced
 * mod n first so the angle keeps its digits for large n.
 */
function dftMatrices(n: number, rows: number, cols: number, dtype: DType): [Tensor, Tensor] {
  const c = new Array<number>(rows * cols);
  const s = new Array<number>(rows * cols);
  for (let j = 0; j < rows; j++) {
    for (let k = 0; k < cols; k++) {
      const a = (2 * Math.PI * ((j * k) % n)) / n;
      c[j * cols + k] = Math.cos(a);
      s[j * cols + k] = Math.sin(a);
    }
  }
  return [constant(c, dtype, [rows, cols]), constant(s, dtype, [rows, cols])];
}

/** x [..., r] times m [r, c] -> [..., c]. */
function lastMatmul(x: Tensor, m: Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  const y = matmul(reshape(x, [-1, x.shape[x.rank - 1]]), m);
  return reshape(y, [...lead, m.shape[1]]);
}

/** x cropped or zero-padded along its last axis to n. */
function fitLast(x: Tensor, n: number): Tensor {
  const m = x.shape[x.rank - 1];
  if (m === n) return x;
  if (m > n) return slice(x, new Array<number>(x.rank).fill(0), [...x.shape.slice(0, -1), n]);
  const p = x.shape.map(() => [0, 0]);
  p[x.rank - 1] = [0, n - m];
  return pad(x, p);
}

function complexArgs(fn: string, real: TensorLike, imag: TensorLike | null): [Tensor, Tensor] {
  const re = toTensor(real, fn);
  checkDType(fn, re, "float", "real");
  const im = imag === null ? zerosLike(re) : toTensor(imag, fn, re.dtype);
  if (im.dtype !== re.dtype || !shapesEqual(im.shape, re.shape)) {
    throw new InvalidArgumentError(
      `${fn}: real ${describe(re)} and imag ${describe(im)} must have the same shape and dtype`,
    );
  }
  if (re.rank === 0)
    throw new InvalidArgumentError(`${fn}: input must have rank >= 1, got ${describe(re)}`);
  return [re, im];
}

function dft(fn: string, real: TensorLike, imag: TensorLike | null, inverse: boolean): ComplexPair {
  const [re, im] = complexArgs(fn, real, imag);
  const n = re.shape[re.rank - 1];
  if (n === 0) return { real: re, imag: im };
  const [c, s] = dftMatrices(n, n, n, re.dtype);
  // forward: X = x (C - iS); inverse: x = X (C + iS) / n
  const rc = lastMatmul(re, c);
  const rs = lastMatmul(re, s);
  const ic = lastMatmul(im, c);
  const is = lastMatmul(im, s);
  if (!inverse) return { real: add(rc, is), imag: sub(ic, rs) };
  return { real: mul(sub(rc, is), 1 / n), imag: mul(add(ic, rs), 1 / n) };
}

/** `tf.signal.fft(real, imag = null)`: the DFT over the innermost axis, as `{real, imag}`. */
export const fft = api(
  function fft(real: TensorLike, imag: TensorLike | null = null): ComplexPair {
    return dft("fft", real, imag, false);
  },
  { namespaces: ["signal"] },
);
/** `tf.signal.ifft(real, imag = null)`: the inverse DFT (with the 1/n) over the innermost axis. */
export const ifft = api(
  function ifft(real: TensorLike, imag: TensorLike | null = null): ComplexPair {
    return dft("ifft", real, imag, true);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.rfft(input, fftLength?)`: the DFT of a real signal over the innermost axis
 * (cropped or zero-padded to fftLength), its fftLength/2 + 1 non-negative bins as `{real, imag}`.
 */
export const rfft = api(
  function rfft(
    input: TensorLike,
    fftLength: number | readonly number[] | null = null,
  ): ComplexPair {
    const x = toTensor(input, "rfft");
    checkDType("rfft", x, "float", "input");
    if (x.rank === 0)
      throw new InvalidArgumentError(`rfft: input must have rank >= 1, got ${describe(x)}`);
    const n = fftLengthOf("rfft", fftLength, x.shape[x.rank - 1]);
    const bins = Math.floor(n / 2) + 1;
    if (n === 0) throw new InvalidArgumentError("rfft: fft_length must be positive");
    const [c, s] = dftMatrices(n, n, bins, x.dtype);
    const xf = fitLast(x, n);
    return { real: lastMatmul(xf, c), imag: mul(lastMatmul(xf, s), -1) };
  },
  { namespaces: ["signal"] },
);

function fftLengthOf(fn: string, v: number | readonly number[] | null, dflt: number): number {
  if (v === null) return dflt;
  const n = typeof v === "number" ? v : v.length === 1 ? v[0] : NaN;
  return checkInteger(fn, "fft_length", n, 1);
}

/**
 * `tf.signal.irfft(real, imag, fftLength?)`: the real signal of length fftLength (default
 * 2 (bins - 1)) whose rfft is the given bins (cropped or zero-padded to fftLength/2 + 1); the
 * imaginary parts of the zero and Nyquist bins are ignored, as TensorFlow ignores them.
 */
export const irfft = api(
  function irfft(
    real: TensorLike,
    imag: TensorLike | null,
    fftLength: number | readonly number[] | null = null,
  ): Tensor {
    const [re, im] = complexArgs("irfft", real, imag);
    const m = re.shape[re.rank - 1];
    const n = fftLengthOf("irfft", fftLength, 2 * Math.max(m - 1, 0));
    if (n === 0)
      throw new InvalidArgumentError(
        `irfft: fft_length must be positive, got input ${shapeMsg(re.shape)}`,
      );
    const bins = Math.floor(n / 2) + 1;
    const [c, s] = dftMatrices(n, bins, n, re.dtype);
    // x[t] = (1/n) sum_k w_k (Re_k cos - Im_k sin), w = 1 at k = 0 and at n/2 (n even), else 2
    const w = Array.from({ length: bins }, (_, k) => (k === 0 || 2 * k === n ? 1 : 2) / n);
    const wt = constant(w, re.dtype, [bins, 1]);
    return sub(
      lastMatmul(fitLast(re, bins), mul(c, wt)),
      lastMatmul(fitLast(im, bins), mul(s, wt)),
    );
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.frame(signal, frameLength, frameStep, padEnd = false, padValue = 0, axis = -1)`:
 * overlapping frames along axis: [..., n, ...] -> [..., frames, frameLength, ...]. Without
 * padEnd, frames = 1 + floor((n - frameLength) / frameStep) (0 if n < frameLength); with it,
 * ceil(n / frameStep), the end padded with padValue.
 */
export const frame = api(
  function frame(
    signal: TensorLike,
    frameLength: number,
    frameStep: number,
    padEnd = false,
    padValue = 0,
    axis = -1,
  ): Tensor {
    let x = toTensor(signal, "frame");
    if (x.rank === 0)
      throw new InvalidArgumentError(`frame: signal must have rank >= 1, got ${describe(x)}`);
    const ax = normalizeAxis("frame", axis, x.rank, x);
    const len = checkInteger("frame", "frame_length", frameLength, 1);
    const step = checkInteger("frame", "frame_step", frameStep, 1);
    const n = x.shape[ax];
    let frames: number;
    if (padEnd) {
      frames = Math.ceil(n / step);
      const need = Math.max(0, (frames - 1) * step + len - n);
      if (need > 0) {
        const p = x.shape.map(() => [0, 0]);
        p[ax] = [0, need];
        x = pad(x, p, "CONSTANT", padValue);
      }
    } else {
      frames = n < len ? 0 : 1 + Math.floor((n - len) / step);
    }
    const idx: number[] = [];
    for (let f = 0; f < frames; f++) for (let k = 0; k < len; k++) idx.push(f * step + k);
    return gather(x, constant(idx, "int32", [frames, len]), ax);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.hannWindow(windowLength, periodic = true, dtype = "float32")`:
 * 0.5 - 0.5 cos(2 pi k / N), N = windowLength (periodic) or windowLength - 1; [1] at length 1.
 */
export const hannWindow = api(
  function hannWindow(windowLength: number, periodic = true, dtype: DType = "float32"): Tensor {
    const L = checkInteger("hannWindow", "window_length", windowLength, 0);
    if (dtype !== "float32" && dtype !== "float64") {
      throw new TypeError(`hannWindow: dtype must be float32 or float64, got ${dtype}`);
    }
    if (L === 1) return constant([1], dtype, [1]);
    const N = periodic ? L : L - 1;
    const w = Array.from({ length: L }, (_, k) => 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / N));
    return constant(w, dtype, [L]);
  },
  { namespaces: ["signal"] },
);
