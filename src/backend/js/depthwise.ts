/**
 * JS depthwise convolution kernels: direct loops over output pixels and filter taps with the
 * channel innermost (contiguous in NHWC), summing in float64. The three kernels walk the same
 * (pixel, tap) pairs; each visits the input pixel `(oh strideH + fh dilationH - padTop,
 * ow strideW + fw dilationW - padLeft)` and skips taps that fall in the padding.
 */
import type { DepthwiseKernels, DepthwiseParams } from "../depthwise.js";
import type { NumArray } from "../../tensor/dtype.js";

/**
 * Calls visit(xBase, yBase, wBase) for every output pixel and in-bounds tap: x[xBase + c] is
 * the input pixel's channel c, y[yBase + c M + m] the output's, w[wBase + c M + m] the tap's.
 */
function forEachTap(
  p: DepthwiseParams,
  visit: (xBase: number, yBase: number, wBase: number) => void,
): void {
  const { batch, inH, inW, inC, outH, outW, outC, filterH, filterW } = p;
  for (let b = 0; b < batch; b++)
    for (let oh = 0; oh < outH; oh++)
      for (let ow = 0; ow < outW; ow++) {
        const yBase = ((b * outH + oh) * outW + ow) * outC;
        for (let fh = 0; fh < filterH; fh++) {
          const ih = oh * p.strideH + fh * p.dilationH - p.padTop;
          if (ih < 0 || ih >= inH) continue;
          for (let fw = 0; fw < filterW; fw++) {
            const iw = ow * p.strideW + fw * p.dilationW - p.padLeft;
            if (iw < 0 || iw >= inW) continue;
            visit(((b * inH + ih) * inW + iw) * inC, yBase, (fh * filterW + fw) * outC);
          }
        }
      }
}

const scratch = (out: NumArray): Float64Array =>
  out instanceof Float64Array ? out : new Float64Array(out.length);

export const jsDepthwise: DepthwiseKernels = {
  depthwiseConv2d(x, w, y, p) {
    const acc = scratch(y);
    const { inC, multiplier: M } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let c = 0; c < inC; c++) {
        const xv = x[xb + c];
        for (let m = 0; m < M; m++) acc[yb + c * M + m] += xv * w[wb + c * M + m];
      }
    });
    if (acc !== y) y.set(acc);
  },

  depthwiseConv2dBackpropInput(w, dy, dx, p) {
    const acc = scratch(dx);
    const { inC, multiplier: M } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let c = 0; c < inC; c++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += dy[yb + c * M + m] * w[wb + c * M + m];
        acc[xb + c] += s;
      }
    });
    if (acc !== dx) dx.set(acc);
  },

  depthwiseConv2dBackpropFilter(x, dy, dw, p) {
    const acc = scratch(dw);
    const { inC, multiplier: M } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let c = 0; c < inC; c++) {
        const xv = x[xb + c];
        for (let m = 0; m < M; m++) acc[wb + c * M + m] += xv * dy[yb + c * M + m];
      }
    });
    if (acc !== dw) dw.set(acc);
  },
};
