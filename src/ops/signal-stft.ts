/**
 * `tf.signal.stft`, `inverseStft` and `inverseStftWindowFn`: short-time Fourier transforms
 * built from frame, a window, rfft / irfft and overlapAndAdd, so their gradients are those ops'.
 */
import type { FloatDType } from "../tensor/dtype.js";
import { isFloating } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant } from "./creation.js";
import { multiply } from "./elementwise/basic.js";
import { frame, hannWindow } from "./signal.js";
import { fitAxis, irfftComplex, overlapAndAdd, rfftComplex } from "./signal-fft.js";

/** A window function as TensorFlow's window_fn: (frameLength, dtype) -> [frameLength]. */
export type WindowFn = (frameLength: number, dtype: FloatDType) => Tensor;

const hann: WindowFn = (n, dtype) => hannWindow(n, true, dtype);

function smallestPow2(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

/**
 * `tf.signal.stft(signals, frameLength, frameStep, fftLength?, windowFn = hannWindow,
 * padEnd = false)`: frames of the innermost axis, each windowed and rfft'd to fftLength (default
 * the smallest power of two >= frameLength): [..., frames, fftLength/2 + 1], complex.
 */
export const stft = api(
  function stft(
    signals: TensorLike,
    frameLength: number,
    frameStep: number,
    fftLength: number | null = null,
    windowFn: WindowFn | null = hann,
    padEnd = false,
  ): Tensor {
    const x = toTensor(signals, "stft");
    if (!isFloating(x.dtype))
      throw new TypeError(`stft: signals must be float32 or float64, got ${describe(x)}`);
    if (x.rank < 1)
      throw new InvalidArgumentError(`stft: signals must have rank >= 1, got ${describe(x)}`);
    const len = checkInteger("stft", "frame_length", frameLength, 1);
    const n =
      fftLength === null ? smallestPow2(len) : checkInteger("stft", "fft_length", fftLength, 1);
    let frames = frame(x, len, frameStep, padEnd);
    if (windowFn !== null) frames = multiply(frames, windowFn(len, x.dtype as FloatDType));
    return rfftComplex(frames, n);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.inverseStft(stfts, frameLength, frameStep, fftLength?, windowFn = hannWindow)`:
 * each frame irfft'd, cropped (or zero-padded) to frameLength, windowed and overlap-added. With
 * `inverseStftWindowFn(frameStep)` as windowFn it inverts stft exactly where frames overlap fully.
 */
export const inverseStft = api(
  function inverseStft(
    stfts: TensorLike,
    frameLength: number,
    frameStep: number,
    fftLength: number | null = null,
    windowFn: WindowFn | null = hann,
  ): Tensor {
    const s = toTensor(stfts, "inverseStft");
    if (s.dtype !== "complex64" && s.dtype !== "complex128")
      throw new TypeError(`inverseStft: stfts must be complex64 or complex128, got ${describe(s)}`);
    if (s.rank < 2)
      throw new InvalidArgumentError(`inverseStft: stfts must have rank >= 2, got ${describe(s)}`);
    const len = checkInteger("inverseStft", "frame_length", frameLength, 1);
    const step = checkInteger("inverseStft", "frame_step", frameStep, 1);
    const n =
      fftLength === null
        ? smallestPow2(len)
        : checkInteger("inverseStft", "fft_length", fftLength, 1);
    let frames = fitAxis(irfftComplex(s, n), -1, len);
    if (windowFn !== null) frames = multiply(frames, windowFn(len, frames.dtype as FloatDType));
    return overlapAndAdd(frames, step);
  },
  { namespaces: ["signal"] },
);

/**
 * `tf.signal.inverseStftWindowFn(frameStep, forwardWindowFn = hannWindow)`: the window that
 * makes inverseStft invert stft: the forward window divided by the sum of the squared forward
 * windows that overlap each position.
 */
export const inverseStftWindowFn = api(
  function inverseStftWindowFn(frameStep: number, forwardWindowFn: WindowFn = hann): WindowFn {
    const step = checkInteger("inverseStftWindowFn", "frame_step", frameStep, 1);
    return (frameLength: number, dtype: FloatDType): Tensor => {
      const w = Array.from(forwardWindowFn(frameLength, "float64").dataSync() as Float64Array);
      const denom = new Array<number>(step).fill(0);
      for (let i = 0; i < w.length; i++) denom[i % step] += w[i] * w[i];
      return constant(
        w.map((v, i) => v / denom[i % step]),
        dtype,
        [frameLength],
      );
    };
  },
  { namespaces: ["signal"] },
);
