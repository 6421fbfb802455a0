/**
 * Kernels of the window and sampling ops that are not convolutions: index gathers and
 * scatters (the linear rearrangements such as SpaceToBatchND, ExtractImagePatches and the
 * argmax routing of MaxPoolWithArgmax), grayscale morphology (Dilation2D) and CropAndResize.
 * NHWC throughout; the op has checked every shape and index.
 */
import type { NumArray } from "../tensor/dtype.js";
import type { Conv2DParams } from "./nn.js";

/**
 * Index maps in blocks: output element o reads (or writes) input element
 * `floor(o / blockOut) * blockIn + idx[o]`, or nothing when idx[o] < 0. With blockIn = 0 the
 * indices are flat into the whole input (blockOut is then irrelevant but must be >= 1).
 */
export interface IndexMapParams {
  readonly blockOut: number;
  readonly blockIn: number;
}

/** CropAndResize's geometry: image [batch, imageH, imageW, depth], crops [boxes, cropH, cropW, depth]. */
export interface CropParams {
  readonly batch: number;
  readonly imageH: number;
  readonly imageW: number;
  readonly depth: number;
  readonly boxes: number;
  readonly cropH: number;
  readonly cropW: number;
  /** "bilinear" or "nearest". */
  readonly nearest: boolean;
}

export interface NnImageKernels {
  /** out[o] = x at the mapped index, or 0 where idx[o] < 0. */
  indexGather(x: NumArray, idx: Int32Array, out: NumArray, p: IndexMapParams): void;
  /** dx at the mapped index += dy[o] (skipping idx[o] < 0): the adjoint of indexGather. */
  indexScatterAdd(dy: NumArray, idx: Int32Array, dx: NumArray, p: IndexMapParams): void;
  /**
   * MaxPool with the argmax of each window: argmax[o] = (h inW + w) channels + c, plus
   * b inH inW channels when includeBatch (TensorFlow's flattening); ties to the first in
   * row-major order. p is a Conv2DParams with outC = inC = channels, filter = window.
   */
  maxPoolWithArgmax(
    x: NumArray,
    y: NumArray,
    argmax: Int32Array,
    p: Conv2DParams,
    includeBatch: boolean,
  ): void;
  /**
   * Dilation2D (grayscale dilation): y[b, oh, ow, c] = max over in-bounds taps of
   * x[b, ih, iw, c] + w[fh, fw, c], p's dilations as the rates, outC = inC.
   */
  dilation2d(x: NumArray, w: NumArray, y: NumArray, p: Conv2DParams): void;
  /** dx: each dy added at the input position of its maximizing tap (the first on ties). */
  dilation2dBackpropInput(
    x: NumArray,
    w: NumArray,
    dy: NumArray,
    dx: NumArray,
    p: Conv2DParams,
  ): void;
  /** dw: each dy added at its maximizing tap. */
  dilation2dBackpropFilter(
    x: NumArray,
    w: NumArray,
    dy: NumArray,
    dw: NumArray,
    p: Conv2DParams,
  ): void;
  /**
   * CropAndResize: boxes [n, 4] as (y1, x1, y2, x2) normalized, boxInd [n] in [0, batch)
   * (checked by the op); samples outside the image take `extrapolation`.
   */
  cropAndResize(
    image: NumArray,
    boxes: NumArray,
    boxInd: Int32Array,
    crops: NumArray,
    p: CropParams,
    extrapolation: number,
  ): void;
  /** The adjoint of cropAndResize in the image (samples outside it contribute nothing). */
  cropAndResizeGradImage(
    grads: NumArray,
    boxes: NumArray,
    boxInd: Int32Array,
    dimage: NumArray,
    p: CropParams,
  ): void;
  /** The gradient of the bilinear cropAndResize in the boxes, [n, 4]. */
  cropAndResizeGradBoxes(
    grads: NumArray,
    image: NumArray,
    boxes: NumArray,
    boxInd: Int32Array,
    dboxes: NumArray,
    p: CropParams,
  ): void;
}
