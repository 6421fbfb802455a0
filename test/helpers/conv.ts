/** Convolution geometry and data for the kernel tests. */
import type { FloatArray } from "../../src/backend/native/addon.js";
import type { Conv2DParams } from "../../src/backend/nn.js";

/**
 * The Conv2DParams of a convolution of [batch, inH, inW, inC] by [filterH, filterW, inC, outC],
 * padded by [top, bottom, left, right]: out = floor((in + pads - dilation (filter - 1) - 1) /
 * stride) + 1 along each axis.
 */
export function conv2dParams(
  batch: number,
  [inH, inW]: readonly number[],
  inC: number,
  outC: number,
  [filterH, filterW]: readonly number[],
  [strideH, strideW]: readonly number[],
  [dilationH, dilationW]: readonly number[],
  [padTop, padBottom, padLeft, padRight]: readonly number[],
): Conv2DParams {
  const outH = Math.floor((inH + padTop + padBottom - dilationH * (filterH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((inW + padLeft + padRight - dilationW * (filterW - 1) - 1) / strideW) + 1;
  return {
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    filterH,
    filterW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop,
    padLeft,
  };
}

/** conv2dParams with no dilation. */
export function undilatedConv2dParams(
  batch: number,
  size: readonly number[],
  inC: number,
  outC: number,
  filter: readonly number[],
  stride: readonly number[],
  pads: readonly number[],
): Conv2DParams {
  return conv2dParams(batch, size, inC, outC, filter, stride, [1, 1], pads);
}

/** n values of r scaled to [-1, 1), or n copies of `fill`. */
export function filledArray(
  dtype: "float32" | "float64",
  n: number,
  r: () => number,
  fill?: number,
): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = fill ?? 2 * r() - 1;
  return out;
}
