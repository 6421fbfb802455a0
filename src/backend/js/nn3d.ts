/**
 * JS 3-D convolution and pooling kernels: direct loops over output voxels and filter taps (or
 * window positions), channels innermost (contiguous in NDHWC), sums in float64. The three
 * convolution kernels visit the same (voxel, tap) pairs.
 */
import type { NumArray } from "../../tensor/dtype.js";
import type { Conv3DParams, Nn3dKernels, Pool3DParams } from "../nn3d.js";

/**
 * Calls visit(xBase, yBase, wBase) for every output voxel and in-bounds tap: x[xBase + ic] is
 * the input voxel's channel ic, y[yBase + oc] the output's, w[wBase + ic outC + oc] the tap's.
 */
function forEachTap(
  p: Conv3DParams,
  visit: (xBase: number, yBase: number, wBase: number) => void,
): void {
  const { batch, inD, inH, inW, inC, outD, outH, outW, outC } = p;
  for (let b = 0; b < batch; b++)
    for (let od = 0; od < outD; od++)
      for (let oh = 0; oh < outH; oh++)
        for (let ow = 0; ow < outW; ow++) {
          const yBase = (((b * outD + od) * outH + oh) * outW + ow) * outC;
          for (let fd = 0; fd < p.filterD; fd++) {
            const id = od * p.strideD + fd * p.dilationD - p.padFront;
            if (id < 0 || id >= inD) continue;
            for (let fh = 0; fh < p.filterH; fh++) {
              const ih = oh * p.strideH + fh * p.dilationH - p.padTop;
              if (ih < 0 || ih >= inH) continue;
              for (let fw = 0; fw < p.filterW; fw++) {
                const iw = ow * p.strideW + fw * p.dilationW - p.padLeft;
                if (iw < 0 || iw >= inW) continue;
                visit(
                  (((b * inD + id) * inH + ih) * inW + iw) * inC,
                  yBase,
                  ((fd * p.filterH + fh) * p.filterW + fw) * inC * outC,
                );
              }
            }
          }
        }
}

const scratch = (out: NumArray): Float64Array =>
  out instanceof Float64Array ? out : new Float64Array(out.length);

/** The clipped window of each output voxel: visit(xBatchBase, ds, de, hs, he, ws, we, yo). */
function forEachWindow(
  p: Pool3DParams,
  visit: (
    xb: number,
    ds: number,
    de: number,
    hs: number,
    he: number,
    ws: number,
    we: number,
    yo: number,
  ) => void,
): void {
  for (let b = 0; b < p.batch; b++) {
    const xb = b * p.inD * p.inH * p.inW * p.channels;
    for (let od = 0; od < p.outD; od++) {
      const d0 = od * p.strideD - p.padFront;
      const ds = Math.max(d0, 0);
      const de = Math.min(d0 + p.windowD, p.inD);
      for (let oh = 0; oh < p.outH; oh++) {
        const h0 = oh * p.strideH - p.padTop;
        const hs = Math.max(h0, 0);
        const he = Math.min(h0 + p.windowH, p.inH);
        for (let ow = 0; ow < p.outW; ow++) {
          const w0 = ow * p.strideW - p.padLeft;
          const ws = Math.max(w0, 0);
          const we = Math.min(w0 + p.windowW, p.inW);
          const yo = (((b * p.outD + od) * p.outH + oh) * p.outW + ow) * p.channels;
          visit(xb, ds, de, hs, he, ws, we, yo);
        }
      }
    }
  }
}

/** Whether v replaces the running max m: larger, or the first NaN (NaN propagates). */
function beats(v: number, m: number): boolean {
  return v > m || (v !== v && m === m);
}

/** Calls route(yo + c, argmax index in x) for each output element. */
function forEachArgmax(
  x: NumArray,
  p: Pool3DParams,
  route: (yi: number, xi: number) => void,
): void {
  const C = p.channels;
  forEachWindow(p, (xb, ds, de, hs, he, ws, we, yo) => {
    for (let c = 0; c < C; c++) {
      let best = -1;
      let m = -Infinity;
      for (let d = ds; d < de; d++)
        for (let h = hs; h < he; h++)
          for (let w = ws; w < we; w++) {
            const i = xb + ((d * p.inH + h) * p.inW + w) * C + c;
            if (best < 0 || beats(x[i], m)) {
              best = i;
              m = x[i];
            }
          }
      route(yo + c, best);
    }
  });
}

export const jsNn3d: Nn3dKernels = {
  conv3d(x, w, y, p) {
    const acc = scratch(y);
    const { inC, outC } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let ic = 0; ic < inC; ic++) {
        const xv = x[xb + ic];
        const wr = wb + ic * outC;
        for (let oc = 0; oc < outC; oc++) acc[yb + oc] += xv * w[wr + oc];
      }
    });
    if (acc !== y) y.set(acc);
  },

  conv3dBackpropInput(w, dy, dx, p) {
    const acc = scratch(dx);
    const { inC, outC } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let ic = 0; ic < inC; ic++) {
        const wr = wb + ic * outC;
        let s = 0;
        for (let oc = 0; oc < outC; oc++) s += dy[yb + oc] * w[wr + oc];
        acc[xb + ic] += s;
      }
    });
    if (acc !== dx) dx.set(acc);
  },

  conv3dBackpropFilter(x, dy, dw, p) {
    const acc = scratch(dw);
    const { inC, outC } = p;
    forEachTap(p, (xb, yb, wb) => {
      for (let ic = 0; ic < inC; ic++) {
        const xv = x[xb + ic];
        const wr = wb + ic * outC;
        for (let oc = 0; oc < outC; oc++) acc[wr + oc] += xv * dy[yb + oc];
      }
    });
    if (acc !== dw) dw.set(acc);
  },

  maxPool3d(x, y, p) {
    forEachArgmax(x, p, (yi, xi) => {
      y[yi] = x[xi];
    });
  },

  maxPool3dGrad(x, dy, dx, p) {
    const acc = scratch(dx);
    forEachArgmax(x, p, (yi, xi) => {
      acc[xi] += dy[yi];
    });
    if (acc !== dx) dx.set(acc);
  },

  maxPool3dGradGrad(x, g, out, p) {
    forEachArgmax(x, p, (yi, xi) => {
      out[yi] = g[xi];
    });
  },

  avgPool3d(x, y, p) {
    const C = p.channels;
    forEachWindow(p, (xb, ds, de, hs, he, ws, we, yo) => {
      const n = (de - ds) * (he - hs) * (we - ws);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let d = ds; d < de; d++)
          for (let h = hs; h < he; h++)
            for (let w = ws; w < we; w++) s += x[xb + ((d * p.inH + h) * p.inW + w) * C + c];
        y[yo + c] = s / n;
      }
    });
  },

  avgPool3dGrad(dy, dx, p) {
    const acc = scratch(dx);
    const C = p.channels;
    forEachWindow(p, (xb, ds, de, hs, he, ws, we, yo) => {
      const n = (de - ds) * (he - hs) * (we - ws);
      for (let c = 0; c < C; c++) {
        const v = dy[yo + c] / n;
        for (let d = ds; d < de; d++)
          for (let h = hs; h < he; h++)
            for (let w = ws; w < we; w++) acc[xb + ((d * p.inH + h) * p.inW + w) * C + c] += v;
      }
    });
    if (acc !== dx) dx.set(acc);
  },
};
