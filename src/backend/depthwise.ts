/**
 * The depthwise convolution kernels: each input channel convolved with its own `multiplier`
 * filters, NHWC. Filters are `[filterH, filterW, inC, multiplier]`; output channel
 * `c * multiplier + m` is input channel c through filter (c, m). The geometry (strides,
 * dilations, padding) is Conv2DParams', with `outC = inC * multiplier`.
 */
import type { NumArray } from "../tensor/dtype.js";
import type { Conv2DParams } from "./nn.js";

export interface DepthwiseParams extends Conv2DParams {
  /** Filters per input channel: outC = inC * multiplier. */
  readonly multiplier: number;
}

export interface DepthwiseKernels {
  /** y[b, oh, ow, c M + m] = sum over taps of x[b, ih, iw, c] * w[fh, fw, c, m]. */
  depthwiseConv2d(x: NumArray, w: NumArray, y: NumArray, p: DepthwiseParams): void;
  /** The adjoint in x: dx[b, ih, iw, c] = sum over taps and m of dy[b, oh, ow, c M + m] * w[fh, fw, c, m]. */
  depthwiseConv2dBackpropInput(w: NumArray, dy: NumArray, dx: NumArray, p: DepthwiseParams): void;
  /** The adjoint in w: dw[fh, fw, c, m] = sum over b, oh, ow of x[b, ih, iw, c] * dy[b, oh, ow, c M + m]. */
  depthwiseConv2dBackpropFilter(x: NumArray, dy: NumArray, dw: NumArray, p: DepthwiseParams): void;
}
