/** Pooling geometry and a JS-vs-native runner for the pooling kernel tests. */
import { jsBackend } from "../../src/backend/js/index.js";
import type { FloatArray, NativeAddon } from "../../src/backend/native/addon.js";
import type { Pool2DParams } from "../../src/backend/nn.js";

/**
 * Pool params with TensorFlow's output size for explicit padding [top, bottom, left, right]:
 * out = floor((in + pads - window) / stride) + 1 along each axis.
 */
export function pool2dParams(
  batch: number,
  [inH, inW]: readonly number[],
  channels: number,
  [windowH, windowW]: readonly number[],
  [strideH, strideW]: readonly number[],
  [padTop, padBottom, padLeft, padRight]: readonly number[] = [0, 0, 0, 0],
): Pool2DParams {
  return {
    batch,
    inH,
    inW,
    channels,
    outH: Math.floor((inH + padTop + padBottom - windowH) / strideH) + 1,
    outW: Math.floor((inW + padLeft + padRight - windowW) / strideW) + 1,
    windowH,
    windowW,
    strideH,
    strideW,
    padTop,
    padLeft,
  };
}

export type PoolKernel = "maxPool" | "avgPool" | "maxPoolGrad" | "maxPoolGradGrad" | "avgPoolGrad";

/** A pooling kernel's inputs: x [in], dy [out] (the gradients) and g [in] (MaxPoolGradGrad). */
export interface PoolInputs {
  x: FloatArray;
  dy: FloatArray;
  g: FloatArray;
}

/** The pooling kernels, as the addon and the JS backend both have them. */
export type PoolKernels = Pick<NativeAddon, PoolKernel>;

function run(
  impl: PoolKernels,
  kernel: PoolKernel,
  { x, dy, g }: PoolInputs,
  out: FloatArray,
  p: Pool2DParams,
): void {
  switch (kernel) {
    case "maxPool":
      return impl.maxPool(x, out, p);
    case "avgPool":
      return impl.avgPool(x, out, p);
    case "maxPoolGrad":
      return impl.maxPoolGrad(x, dy, out, p);
    case "maxPoolGradGrad":
      return impl.maxPoolGradGrad(x, g, out, p);
    case "avgPoolGrad":
      return impl.avgPoolGrad(dy, out, p);
  }
}

/**
 * Runs each kernel on the JS backend into zeros (the reference) and on `impl` (the addon, or the
 * JS backend itself) into an output that starts filled with `fill` (garbage, for kernels that
 * must write every element), and hands both results to `check`.
 */
export function comparePoolKernels(
  impl: PoolKernels,
  kernels: readonly PoolKernel[],
  inputs: PoolInputs,
  p: Pool2DParams,
  fill: number,
  check: (got: FloatArray, want: FloatArray, kernel: PoolKernel) => void,
): void {
  const inSize = p.batch * p.inH * p.inW * p.channels;
  const outSize = p.batch * p.outH * p.outW * p.channels;
  const output = (n: number): FloatArray =>
    inputs.x instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (const kernel of kernels) {
    const want = output(kernel === "maxPoolGrad" || kernel === "avgPoolGrad" ? inSize : outSize);
    run(jsBackend, kernel, inputs, want, p);
    const got = output(want.length).fill(fill);
    run(impl, kernel, inputs, got, p);
    check(got, want, kernel);
  }
}
