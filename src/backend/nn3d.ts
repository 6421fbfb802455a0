/**
 * The 3-D convolution and pooling kernels, NDHWC: images are `[batch, depth, height, width,
 * channels]`, conv filters `[filterD, filterH, filterW, inChannels, outChannels]`, as in
 * TensorFlow. The op has checked every shape and computed every size and padding amount.
 */
import type { NumArray } from "../tensor/dtype.js";

/**
 * One 3-D convolution: output voxel (od, oh, ow) reads input voxel
 * `(od strideD + fd dilationD - padFront, oh strideH + fh dilationH - padTop,
 * ow strideW + fw dilationW - padLeft)` for each filter tap (fd, fh, fw); taps outside the input
 * read zero (the padding).
 */
export interface Conv3DParams {
  readonly batch: number;
  readonly inD: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outD: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly filterD: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly strideD: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationD: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padFront: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * One 3-D pooling, channels pooled independently: output voxel (od, oh, ow) covers input planes
 * `od strideD - padFront + [0, windowD)`, rows and columns likewise, clipped to the input
 * (padded positions neither win a max nor count in a mean).
 */
export interface Pool3DParams {
  readonly batch: number;
  readonly inD: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outD: number;
  readonly outH: number;
  readonly outW: number;
  readonly windowD: number;
  readonly windowH: number;
  readonly windowW: number;
  readonly strideD: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padFront: number;
  readonly padTop: number;
  readonly padLeft: number;
}

export interface Nn3dKernels {
  /** y[b, od, oh, ow, oc] = sum over taps and ic of x[b, id, ih, iw, ic] * w[fd, fh, fw, ic, oc]. */
  conv3d(x: NumArray, w: NumArray, y: NumArray, p: Conv3DParams): void;
  /** The adjoint of conv3d in x. */
  conv3dBackpropInput(w: NumArray, dy: NumArray, dx: NumArray, p: Conv3DParams): void;
  /** The adjoint of conv3d in w. */
  conv3dBackpropFilter(x: NumArray, dy: NumArray, dw: NumArray, p: Conv3DParams): void;
  /** y = the max over each window (never empty: the op checks). */
  maxPool3d(x: NumArray, y: NumArray, p: Pool3DParams): void;
  /** dx = each dy added at its window's max in x (the first in row-major order on ties). */
  maxPool3dGrad(x: NumArray, dy: NumArray, dx: NumArray, p: Pool3DParams): void;
  /** The adjoint of maxPool3dGrad in dy: out = g at each window's argmax in x. */
  maxPool3dGradGrad(x: NumArray, g: NumArray, out: NumArray, p: Pool3DParams): void;
  /** y = the mean over each window's valid (non-padded) positions. */
  avgPool3d(x: NumArray, y: NumArray, p: Pool3DParams): void;
  /** The adjoint of avgPool3d: each dy spread evenly over its window's valid positions. */
  avgPool3dGrad(dy: NumArray, dx: NumArray, p: Pool3DParams): void;
}
