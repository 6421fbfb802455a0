/**
 * JS kernels of src/backend/nn-image.ts, following TensorFlow's CPU kernels loop for loop
 * (CropAndResize's sampling, Dilation2D's first-maximum tie rule), sums in float64.
 */
import type { NumArray } from "../../tensor/dtype.js";
import type { Conv2DParams } from "../nn.js";
import type { CropParams, NnImageKernels } from "../nn-image.js";

/** The most negative finite value of the output's dtype (numeric_limits<T>::lowest()). */
const lowest = (out: NumArray): number =>
  out instanceof Float32Array ? -3.4028234663852886e38 : -Number.MAX_VALUE;

const scratch = (out: NumArray): Float64Array =>
  out instanceof Float64Array ? out : new Float64Array(out.length);

/**
 * For each output element (b, oh, ow, c) of a Dilation2D, the input index and the filter index
 * of its maximizing tap (the first strictly larger sum wins), or -1 when no tap is in bounds.
 */
function forEachDilationMax(
  x: NumArray,
  w: NumArray,
  p: Conv2DParams,
  visit: (yi: number, xi: number, wi: number, value: number) => void,
): void {
  const C = p.inC;
  for (let b = 0; b < p.batch; b++)
    for (let oh = 0; oh < p.outH; oh++)
      for (let ow = 0; ow < p.outW; ow++) {
        const h0 = oh * p.strideH - p.padTop;
        const w0 = ow * p.strideW - p.padLeft;
        const yo = ((b * p.outH + oh) * p.outW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let xi = -1;
          let wi = -1;
          for (let fh = 0; fh < p.filterH; fh++) {
            const ih = h0 + fh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let fw = 0; fw < p.filterW; fw++) {
              const iw = w0 + fw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              const xk = ((b * p.inH + ih) * p.inW + iw) * C + c;
              const wk = (fh * p.filterW + fw) * C + c;
              const v = x[xk] + w[wk];
              if (xi < 0 || v > best) {
                best = v;
                xi = xk;
                wi = wk;
              }
            }
          }
          visit(yo + c, xi, wi, best);
        }
      }
}

/** One crop sample's source: rows/cols and weights, or null outside the image. */
interface Sample {
  readonly top: number;
  readonly bottom: number;
  readonly yLerp: number;
  readonly left: number;
  readonly right: number;
  readonly xLerp: number;
  /** The crop row and column, for the boxes' gradient. */
  readonly y: number;
  readonly x: number;
  readonly inY: number;
  readonly inX: number;
}

/**
 * TensorFlow's CropAndResize sampling: box (y1, x1, y2, x2) maps crop row y to
 * in_y = y1 (H - 1) + y (y2 - y1)(H - 1)/(cropH - 1) (the box's center row when cropH = 1);
 * rows or columns outside [0, H - 1] take the extrapolation value. Calls visit for every crop
 * pixel (sample null outside the image); base is the box's image offset.
 */
function forEachSample(
  boxes: NumArray,
  boxInd: Int32Array,
  p: CropParams,
  visit: (n: number, base: number, s: Sample | null, co: number) => void,
): void {
  const { imageH: H, imageW: W, cropH, cropW } = p;
  for (let n = 0; n < p.boxes; n++) {
    const y1 = boxes[n * 4];
    const x1 = boxes[n * 4 + 1];
    const y2 = boxes[n * 4 + 2];
    const x2 = boxes[n * 4 + 3];
    const base = boxInd[n] * H * W * p.depth;
    const hs = cropH > 1 ? ((y2 - y1) * (H - 1)) / (cropH - 1) : 0;
    const ws = cropW > 1 ? ((x2 - x1) * (W - 1)) / (cropW - 1) : 0;
    for (let y = 0; y < cropH; y++) {
      const inY = cropH > 1 ? y1 * (H - 1) + y * hs : 0.5 * (y1 + y2) * (H - 1);
      for (let x = 0; x < cropW; x++) {
        const co = ((n * cropH + y) * cropW + x) * p.depth;
        const inX = cropW > 1 ? x1 * (W - 1) + x * ws : 0.5 * (x1 + x2) * (W - 1);
        if (inY < 0 || inY > H - 1 || inX < 0 || inX > W - 1) {
          visit(n, base, null, co);
          continue;
        }
        let top: number, bottom: number, left: number, right: number;
        if (p.nearest) {
          top = bottom = Math.round(inY);
          left = right = Math.round(inX);
        } else {
          top = Math.floor(inY);
          bottom = Math.ceil(inY);
          left = Math.floor(inX);
          right = Math.ceil(inX);
        }
        visit(
          n,
          base,
          { top, bottom, yLerp: inY - top, left, right, xLerp: inX - left, y, x, inY, inX },
          co,
        );
      }
    }
  }
}

export const jsNnImage: NnImageKernels = {
  indexGather(x, idx, out, { blockOut, blockIn }) {
    for (let o = 0; o < idx.length; o++) {
      const i = idx[o];
      out[o] = i < 0 ? 0 : x[Math.floor(o / blockOut) * blockIn + i];
    }
  },

  indexScatterAdd(dy, idx, dx, { blockOut, blockIn }) {
    const acc = scratch(dx);
    for (let o = 0; o < idx.length; o++) {
      const i = idx[o];
      if (i >= 0) acc[Math.floor(o / blockOut) * blockIn + i] += dy[o];
    }
    if (acc !== dx) dx.set(acc);
  },

  maxPoolWithArgmax(x, y, argmax, p, includeBatch) {
    const C = p.inC;
    const perImage = p.inH * p.inW * C;
    for (let b = 0; b < p.batch; b++)
      for (let oh = 0; oh < p.outH; oh++)
        for (let ow = 0; ow < p.outW; ow++) {
          const h0 = oh * p.strideH - p.padTop;
          const w0 = ow * p.strideW - p.padLeft;
          const hs = Math.max(h0, 0);
          const he = Math.min(h0 + p.filterH, p.inH);
          const ws = Math.max(w0, 0);
          const we = Math.min(w0 + p.filterW, p.inW);
          const yo = ((b * p.outH + oh) * p.outW + ow) * C;
          for (let c = 0; c < C; c++) {
            let best = -1;
            let m = -Infinity;
            for (let h = hs; h < he; h++)
              for (let w = ws; w < we; w++) {
                const i = (h * p.inW + w) * C + c;
                const v = x[b * perImage + i];
                // Larger, or the first NaN: NaN propagates as in MaxPool.
                if (best < 0 || v > m || (v !== v && m === m)) {
                  best = i;
                  m = v;
                }
              }
            y[yo + c] = m;
            argmax[yo + c] = includeBatch ? b * perImage + best : best;
          }
        }
  },

  dilation2d(x, w, y, p) {
    const low = lowest(y);
    forEachDilationMax(x, w, p, (yi, xi, _wi, v) => {
      y[yi] = xi < 0 ? low : v;
    });
  },

  dilation2dBackpropInput(x, w, dy, dx, p) {
    const acc = scratch(dx);
    forEachDilationMax(x, w, p, (yi, xi) => {
      if (xi >= 0) acc[xi] += dy[yi];
    });
    if (acc !== dx) dx.set(acc);
  },

  dilation2dBackpropFilter(x, w, dy, dw, p) {
    const acc = scratch(dw);
    forEachDilationMax(x, w, p, (yi, xi, wi) => {
      if (xi >= 0) acc[wi] += dy[yi];
    });
    if (acc !== dw) dw.set(acc);
  },

  cropAndResize(image, boxes, boxInd, crops, p, extrapolation) {
    const D = p.depth;
    const W = p.imageW;
    forEachSample(boxes, boxInd, p, (_n, base, s, co) => {
      if (s === null) {
        for (let d = 0; d < D; d++) crops[co + d] = extrapolation;
        return;
      }
      const tl = base + (s.top * W + s.left) * D;
      if (p.nearest) {
        for (let d = 0; d < D; d++) crops[co + d] = image[tl + d];
        return;
      }
      const tr = base + (s.top * W + s.right) * D;
      const bl = base + (s.bottom * W + s.left) * D;
      const br = base + (s.bottom * W + s.right) * D;
      for (let d = 0; d < D; d++) {
        const top = image[tl + d] + (image[tr + d] - image[tl + d]) * s.xLerp;
        const bottom = image[bl + d] + (image[br + d] - image[bl + d]) * s.xLerp;
        crops[co + d] = top + (bottom - top) * s.yLerp;
      }
    });
  },

  cropAndResizeGradImage(grads, boxes, boxInd, dimage, p) {
    const acc = scratch(dimage);
    const D = p.depth;
    const W = p.imageW;
    forEachSample(boxes, boxInd, p, (_n, base, s, co) => {
      if (s === null) return;
      const tl = base + (s.top * W + s.left) * D;
      if (p.nearest) {
        for (let d = 0; d < D; d++) acc[tl + d] += grads[co + d];
        return;
      }
      const tr = base + (s.top * W + s.right) * D;
      const bl = base + (s.bottom * W + s.left) * D;
      const br = base + (s.bottom * W + s.right) * D;
      for (let d = 0; d < D; d++) {
        const g = grads[co + d];
        const dtop = (1 - s.yLerp) * g;
        const dbottom = s.yLerp * g;
        acc[tl + d] += dtop * (1 - s.xLerp);
        acc[tr + d] += dtop * s.xLerp;
        acc[bl + d] += dbottom * (1 - s.xLerp);
        acc[br + d] += dbottom * s.xLerp;
      }
    });
    if (acc !== dimage) dimage.set(acc);
  },

  cropAndResizeGradBoxes(grads, image, boxes, boxInd, dboxes, p) {
    // Always the bilinear derivative, as TensorFlow (for nearest too: an approximation there).
    const acc = scratch(dboxes);
    const D = p.depth;
    const { imageH: H, imageW: W, cropH, cropW } = p;
    const hr = cropH > 1 ? (H - 1) / (cropH - 1) : 0;
    const wr = cropW > 1 ? (W - 1) / (cropW - 1) : 0;
    forEachSample(boxes, boxInd, { ...p, nearest: false }, (n, base, s, co) => {
      if (s === null) return;
      const tl = base + (s.top * W + s.left) * D;
      const tr = base + (s.top * W + s.right) * D;
      const bl = base + (s.bottom * W + s.left) * D;
      const br = base + (s.bottom * W + s.right) * D;
      let gy = 0;
      let gx = 0;
      for (let d = 0; d < D; d++) {
        const g = grads[co + d];
        const a = image[tl + d];
        const b = image[tr + d];
        const c = image[bl + d];
        const e = image[br + d];
        gy += g * ((1 - s.xLerp) * (c - a) + s.xLerp * (e - b));
        gx += g * ((1 - s.yLerp) * (b - a) + s.yLerp * (e - c));
      }
      // d in_y / d y1 = (H - 1) - y hr and d in_y / d y2 = y hr (each (H - 1) / 2 when cropH = 1).
      if (cropH > 1) {
        acc[n * 4] += gy * (H - 1 - s.y * hr);
        acc[n * 4 + 2] += gy * (s.y * hr);
      } else {
        acc[n * 4] += gy * 0.5 * (H - 1);
        acc[n * 4 + 2] += gy * 0.5 * (H - 1);
      }
      if (cropW > 1) {
        acc[n * 4 + 1] += gx * (W - 1 - s.x * wr);
        acc[n * 4 + 3] += gx * (s.x * wr);
      } else {
        acc[n * 4 + 1] += gx * 0.5 * (W - 1);
        acc[n * 4 + 3] += gx * 0.5 * (W - 1);
      }
    });
    if (acc !== dboxes) dboxes.set(acc);
  },
};
