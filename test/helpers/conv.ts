/** Convolution geometry for the kernel tests. */
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
