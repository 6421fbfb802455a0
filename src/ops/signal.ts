/**
 * `tf.signal`: fft, ifft, rfft, irfft, frame and hannWindow (fft2d, ifft2d, fft3d, ifft3d,
 * rfft2d, irfft2d, overlapAndAdd: signal-fft.ts; stft, inverseStft: signal-stft.ts).
 *
 * The transforms take and return complex64 / complex128 tensors, as TensorFlow's do, and run in
 * O(n log n) at every length (signal-fft.ts). The older form, a complex value as a pair of real
 * tensors `{real, imag}`, still works where a pair goes in: `fft(real, imag)`, `fft({real, imag})`,
 * `ifft` alike, return a pair, and `irfft(real, imag, fftLength?)` a real signal.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapesEqual } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import { isComplex } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { complex, imag as imagPart, real as realPart } from "./complex.js";
import { constant, zerosLike } from "./creation.js";
import { gather } from "./movement-gather.js";
import { pad } from "./movement-slice.js";
import { normalizeAxis } from "../tensor/shape.js";
import { fftComplex, irfftComplex, rfftComplex } from "./signal-fft.js";

/** A complex tensor as its real and imaginary parts. */
export interface ComplexPair {
  real: Tensor;
  imag: Tensor;
}

function isPair(x: unknown): x is ComplexPair {
  return (
    typeof x === "object" &&
    x !== null &&
    !(x instanceof Tensor) &&
    !Array.isArray(x) &&
    "real" in x &&
    "imag" in x
  );
}

/** The complex tensor of a pair's parts (imag null: zeros), checked as the pair form was. */
function fromPair(fn: string, real: TensorLike, imag: TensorLike | null): Tensor {
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
  return complex(re, im);
}

const toPair = (z: Tensor): ComplexPair => ({ real: realPart(z), imag: imagPart(z) });

function transform(
  fn: string,
  input: TensorLike | ComplexPair,
  imag: TensorLike | null | undefined,
  inverse: boolean,
): Tensor | ComplexPair {
  if (isPair(input)) return toPair(fftComplex(fn, fromPair(fn, input.real, input.imag), inverse));
  if (imag !== undefined) return toPair(fftComplex(fn, fromPair(fn, input, imag), inverse));
  return fftComplex(fn, input, inverse);
}

/**
 * `tf.signal.fft(input)`: the DFT over the innermost axis of a complex tensor (a float tensor
 * is taken as complex with zero imaginary parts), complex. The pair form `fft(real, imag)` or
 * `fft({real, imag})` returns `{real, imag}`.
 */
function fftImpl(input: TensorLike): Tensor;
function fftImpl(input: ComplexPair): ComplexPair;
function fftImpl(real: TensorLike, imag: TensorLike | null): ComplexPair;
function fftImpl(input: TensorLike | ComplexPair, imag?: TensorLike | null): Tensor | ComplexPair {
  return transform("fft", input, imag, false);
}
export const fft = api(Object.defineProperty(fftImpl, "name", { value: "fft" }), {
  namespaces: ["signal"],
});

/** `tf.signal.ifft(input)`: the inverse DFT (with the 1/n) over the innermost axis; pair form as fft. */
function ifftImpl(input: TensorLike): Tensor;
function ifftImpl(input: ComplexPair): ComplexPair;
function ifftImpl(real: TensorLike, imag: TensorLike | null): ComplexPair;
function ifftImpl(input: TensorLike | ComplexPair, imag?: TensorLike | null): Tensor | ComplexPair {
  return transform("ifft", input, imag, true);
}
export const ifft = api(Object.defineProperty(ifftImpl, "name", { value: "ifft" }), {
  namespaces: ["signal"],
});

/**
 * `tf.signal.rfft(input, fftLength?)`: the DFT of a real signal over the innermost axis
 * (cropped or zero-padded to fftLength), its fftLength/2 + 1 non-negative bins, complex
 * (`tf.real` / `tf.imag` give the parts the pair form gave).
 */
export const rfft = api(
  function rfft(input: TensorLike, fftLength: number | readonly number[] | null = null): Tensor {
    return rfftComplex(input, fftLength);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.irfft(input, fftLength?)`: the real signal of length fftLength (default
 * 2 (bins - 1)) whose rfft is the complex `input` (cropped or zero-padded to fftLength/2 + 1);
 * the imaginary parts of the zero and Nyquist bins are ignored, as TensorFlow ignores them.
 * The pair form `irfft(real, imag, fftLength?)` or `irfft({real, imag}, fftLength?)` also works.
 */
function irfftImpl(input: TensorLike, fftLength?: number | readonly number[] | null): Tensor;
function irfftImpl(input: ComplexPair, fftLength?: number | readonly number[] | null): Tensor;
function irfftImpl(
  real: TensorLike,
  imag: TensorLike | null,
  fftLength?: number | readonly number[] | null,
): Tensor;
function irfftImpl(
  input: TensorLike | ComplexPair,
  second?: TensorLike | number | readonly number[] | null,
  third?: number | readonly number[] | null,
): Tensor {
  if (isPair(input))
    return irfftComplex(
      fromPair("irfft", input.real, input.imag),
      second as number | readonly number[] | null,
    );
  if (input instanceof Tensor && isComplex(input.dtype))
    return irfftComplex(input, second as number | readonly number[] | null);
  return irfftComplex(fromPair("irfft", input, (second ?? null) as TensorLike | null), third);
}
export const irfft = api(Object.defineProperty(irfftImpl, "name", { value: "irfft" }), {
  namespaces: ["signal"],
});

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
