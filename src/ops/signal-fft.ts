/**
 * Fast Fourier transforms on complex tensors, as TensorFlow's tf.signal: the primitives FFT and
 * IFFT (over the innermost axis, O(n log n) at every length: backend/fft.ts, natively in
 * native/fft.cc), and built from them fft2d, ifft2d, fft3d, ifft3d, rfft, irfft, rfft2d,
 * irfft2d, stft, inverseStft and overlapAndAdd, whose gradients then come from FFT's and
 * IFFT's and those of the ops around them.
 *
 * Gradients (TensorFlow's conjugate convention): y = F x with F_jk = e^(-2 pi i jk/n), so
 * dx = F^H dy = n ifft(dy); for IFFT, dx = fft(dy) / n.
 */
import { fftRows } from "../backend/fft.js";
import { supportsComplex } from "../engine/complex.js";
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import {
  complexDType,
  type FloatDType,
  isComplex,
  isFloating,
  type NumArray,
} from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { describeValue } from "../tensor/describe-value.js";
import { api } from "./api.js";
import { reshape } from "./broadcast.js";
import {
  checkInteger,
  describe,
  NO_ATTRS,
  type NoAttrs,
  toTensor,
  type TensorLike,
} from "./checks.js";
import { conj, real } from "./complex.js";
import { constant } from "./creation.js";
import { cast, multiply } from "./elementwise/basic.js";
import { concat, reverse, transpose } from "./movement-core.js";
import { unsortedSegmentSum } from "./movement-gather.js";
import { pad, slice } from "./movement-slice.js";

function fftOp(name: "FFT" | "IFFT", inverse: boolean): OpDef<NoAttrs> {
  const op: OpDef<NoAttrs> = defineOp<NoAttrs>({
    name,
    kind: "other",
    overwritesOutputs: true,
    infer: ([x]) => {
      if (!isComplex(x.dtype) || x.rank < 1) {
        throw new InvalidArgumentError(
          `${name}: input must be a complex64 or complex128 tensor of rank >= 1, got ${describe(x)}`,
        );
      }
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    kernel: (b, [x], [y]) => {
      const n = x.shape[x.rank - 1];
      if (n === 0) return;
      fftRows(b, b.read(x) as NumArray, b.read(y) as NumArray, sizeOf(x.shape) / n, n, inverse);
    },
    // FFT: dx = n ifft(dy); IFFT: dx = fft(dy) / n
    grad: ([dy], c): Grads => {
      const n = c.inputShapes[0][c.inputShapes[0].length - 1];
      return inverse
        ? [multiply(runOp1(FFT, [dy], NO_ATTRS), 1 / n)]
        : [multiply(runOp1(IFFT, [dy], NO_ATTRS), n)];
    },
    check: { skip: "complex input: checked by finite differences in test/signal-fft.test.ts" },
  });
  supportsComplex(op);
  return op;
}

export const FFT: OpDef<NoAttrs> = fftOp("FFT", false);
export const IFFT: OpDef<NoAttrs> = fftOp("IFFT", true);

/** A complex tensor for a transform: complex as it is; a float tensor gets zero imaginary parts. */
export function asComplex(fn: string, input: TensorLike): Tensor {
  const x = toTensor(input, fn);
  if (isComplex(x.dtype)) return x;
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `${fn}: input must be complex64, complex128 or a float tensor, got ${describe(x)}`,
    );
  }
  return cast(x, complexDType(x.dtype));
}

function checkRank(fn: string, x: Tensor, k: number): void {
  if (x.rank < k)
    throw new InvalidArgumentError(`${fn}: input must have rank >= ${k}, got ${describe(x)}`);
}

/** The permutation that swaps axis a with the last one. */
function swapLast(rank: number, a: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[a], p[rank - 1]] = [p[rank - 1], p[a]];
  return p;
}

/** The (inverse) transform over the last k axes, one axis at a time. */
function fftLast(x: Tensor, k: number, inverse: boolean): Tensor {
  const op = inverse ? IFFT : FFT;
  let y = runOp1(op, [x], NO_ATTRS);
  for (let j = 2; j <= k; j++) {
    const perm = swapLast(x.rank, x.rank - j);
    y = transpose(runOp1(op, [transpose(y, perm)], NO_ATTRS), perm);
  }
  return y;
}

/** `tf.signal.fft(input)` on a complex tensor: the DFT over the innermost axis. */
export function fftComplex(fn: string, input: TensorLike, inverse: boolean): Tensor {
  const x = asComplex(fn, input);
  checkRank(fn, x, 1);
  return fftLast(x, 1, inverse);
}

function nd(name: string, k: number, inverse: boolean) {
  return (input: TensorLike): Tensor => {
    const x = asComplex(name, input);
    checkRank(name, x, k);
    return fftLast(x, k, inverse);
  };
}

/** `tf.signal.fft2d(input)`: the 2-D DFT over the two innermost axes. */
export const fft2d = api(
  function fft2d(input: TensorLike): Tensor {
    return nd("fft2d", 2, false)(input);
  },
  { namespaces: ["signal"] },
);
/** `tf.signal.ifft2d(input)`: the inverse 2-D DFT (with 1/(n1 n2)). */
export const ifft2d = api(
  function ifft2d(input: TensorLike): Tensor {
    return nd("ifft2d", 2, true)(input);
  },
  { namespaces: ["signal"] },
);
/** `tf.signal.fft3d(input)`: the 3-D DFT over the three innermost axes. */
export const fft3d = api(
  function fft3d(input: TensorLike): Tensor {
    return nd("fft3d", 3, false)(input);
  },
  { namespaces: ["signal"] },
);
/** `tf.signal.ifft3d(input)`: the inverse 3-D DFT. */
export const ifft3d = api(
  function ifft3d(input: TensorLike): Tensor {
    return nd("ifft3d", 3, true)(input);
  },
  { namespaces: ["signal"] },
);

/** x cropped or zero-padded along `axis` (negative: from the end) to n. */
export function fitAxis(x: Tensor, axis: number, n: number): Tensor {
  const a = axis < 0 ? x.rank + axis : axis;
  const m = x.shape[a];
  if (m === n) return x;
  if (m > n) {
    const size = x.shape.slice();
    size[a] = n;
    return slice(x, new Array<number>(x.rank).fill(0), size);
  }
  const p = x.shape.map(() => [0, 0]);
  p[a] = [0, n - m];
  return pad(x, p);
}

/** TensorFlow's fft_length argument: k positive integers (a number for k = 1). */
export function fftLengths(
  fn: string,
  v: number | readonly number[] | Tensor | null | undefined,
  k: number,
  dflt: readonly number[],
): number[] {
  if (v === null || v === undefined) return dflt.slice();
  let list: readonly number[];
  if (typeof v === "number") list = [v];
  else if (Array.isArray(v)) list = v as readonly number[];
  else if (v instanceof Tensor && v.dtype === "int32")
    list = Array.from(v.dataSync() as Int32Array);
  else {
    throw new TypeError(
      `${fn}: fft_length must be a positive integer, an array of them or an int32 tensor, got ${describeValue(v)}`,
    );
  }
  if (list.length !== k) {
    throw new InvalidArgumentError(
      `${fn}: fft_length must have ${k} element(s), got [${list.join(", ")}]`,
    );
  }
  return list.map((n) => checkInteger(fn, "fft_length", n, 1));
}

function realInput(fn: string, input: TensorLike, k: number): Tensor {
  const x = toTensor(input, fn);
  if (!isFloating(x.dtype))
    throw new TypeError(`${fn}: input must be float32 or float64, got ${describe(x)}`);
  checkRank(fn, x, k);
  return x;
}

/** rfft over the last axis, then full transforms over the k - 1 axes before it. */
function rfftN(
  fn: string,
  input: TensorLike,
  fftLength: number | readonly number[] | Tensor | null | undefined,
  k: number,
): Tensor {
  const x = realInput(fn, input, k);
  const lengths = fftLengths(fn, fftLength, k, x.shape.slice(-k));
  let xf = x;
  for (let j = 0; j < k; j++) xf = fitAxis(xf, x.rank - k + j, lengths[j]);
  const n = lengths[k - 1];
  const full = runOp1(FFT, [cast(xf, complexDType(x.dtype as FloatDType))], NO_ATTRS);
  let y = fitAxis(full, -1, Math.floor(n / 2) + 1);
  for (let j = 2; j <= k; j++) {
    const perm = swapLast(y.rank, y.rank - j);
    y = transpose(runOp1(FFT, [transpose(y, perm)], NO_ATTRS), perm);
  }
  return y;
}

/**
 * The real signal of length n whose rfft is X [..., bins] (cropped or zero-padded to
 * n/2 + 1): the Hermitian spectrum X_k, conj(X_(n-k)) is completed and inverted; the imaginary
 * parts of the zero and Nyquist bins drop out with the real part, as TensorFlow ignores them.
 */
function irfftLast(X: Tensor, n: number): Tensor {
  const bins = Math.floor(n / 2) + 1;
  const h = fitAxis(X, -1, bins);
  let full = h;
  if (n > bins) {
    // full[k] = conj(X[n - k]) for k = bins .. n-1, i.e. X[1 .. n-bins] reversed
    const begin = new Array<number>(h.rank).fill(0);
    begin[h.rank - 1] = 1;
    const size = h.shape.slice();
    size[h.rank - 1] = n - bins;
    const tail = conj(reverse(slice(h, begin, size), [h.rank - 1]));
    full = concat([h, tail], h.rank - 1);
  }
  return real(runOp1(IFFT, [full], NO_ATTRS));
}

function complexInput(fn: string, input: TensorLike, k: number): Tensor {
  const x = toTensor(input, fn);
  if (!isComplex(x.dtype))
    throw new TypeError(`${fn}: input must be complex64 or complex128, got ${describe(x)}`);
  checkRank(fn, x, k);
  return x;
}

function irfftN(
  fn: string,
  input: TensorLike,
  fftLength: number | readonly number[] | Tensor | null | undefined,
  k: number,
): Tensor {
  const x = complexInput(fn, input, k);
  const dflt = x.shape.slice(-k);
  dflt[k - 1] = 2 * Math.max(dflt[k - 1] - 1, 0);
  if (fftLength === null || fftLength === undefined) {
    if (dflt[k - 1] === 0)
      throw new InvalidArgumentError(
        `${fn}: the inferred fft_length is 0 for input ${describe(x)}`,
      );
  }
  const lengths = fftLengths(fn, fftLength, k, dflt);
  let y = x;
  // inverse full transforms over the leading k - 1 axes, then the real inverse over the last
  for (let j = 0; j < k - 1; j++) {
    const axis = x.rank - k + j;
    y = fitAxis(y, axis, lengths[j]);
    const perm = swapLast(y.rank, axis);
    y = transpose(runOp1(IFFT, [transpose(y, perm)], NO_ATTRS), perm);
  }
  return irfftLast(y, lengths[k - 1]);
}

/** rfft's complex form (signal.ts's rfft dispatches here). */
export function rfftComplex(
  input: TensorLike,
  fftLength?: number | readonly number[] | Tensor | null,
): Tensor {
  return rfftN("rfft", input, fftLength, 1);
}
/** irfft's complex form (signal.ts's irfft dispatches here). */
export function irfftComplex(
  input: TensorLike,
  fftLength?: number | readonly number[] | Tensor | null,
): Tensor {
  return irfftN("irfft", input, fftLength, 1);
}

/**
 * `tf.signal.rfft2d(input, fftLength?)`: the 2-D DFT of a real signal over its two innermost
 * axes (each cropped or zero-padded to fftLength), the innermost keeping n2/2 + 1 bins.
 */
export const rfft2d = api(
  function rfft2d(input: TensorLike, fftLength: readonly number[] | Tensor | null = null): Tensor {
    return rfftN("rfft2d", input, fftLength, 2);
  },
  { namespaces: ["signal"] },
);
/** `tf.signal.irfft2d(input, fftLength?)`: the real 2-D signal whose rfft2d is `input`. */
export const irfft2d = api(
  function irfft2d(input: TensorLike, fftLength: readonly number[] | Tensor | null = null): Tensor {
    return irfftN("irfft2d", input, fftLength, 2);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.overlapAndAdd(signal, frameStep)`: frames [..., frames, frameLength] added back
 * together frameStep apart: [..., (frames - 1) frameStep + frameLength].
 */
export const overlapAndAdd = api(
  function overlapAndAdd(signal: TensorLike, frameStep: number): Tensor {
    const x = toTensor(signal, "overlapAndAdd");
    checkRank("overlapAndAdd", x, 2);
    const step = checkInteger("overlapAndAdd", "frame_step", frameStep, 1);
    const [frames, len] = x.shape.slice(-2);
    const outer = x.shape.slice(0, -2);
    const outLen = frames === 0 ? 0 : (frames - 1) * step + len;
    const ids: number[] = [];
    for (let f = 0; f < frames; f++) for (let k = 0; k < len; k++) ids.push(f * step + k);
    // the frame elements first, summed into their output positions
    const b = sizeOf(outer);
    const flat = transpose(reshape(x, [b, frames * len]), [1, 0]);
    const summed = unsortedSegmentSum(flat, constant(ids, "int32", [frames * len]), outLen);
    return reshape(transpose(summed, [1, 0]), [...outer, outLen]);
  },
  { namespaces: ["signal"] },
);
