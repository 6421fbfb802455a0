/**
 * JS kernels of the nn family. Loops run with the channel (or class) index innermost, where
 * NHWC keeps it contiguous, and accumulate in float64 (scratch arrays where the output is float32).
 */
import type { AxisParams, Conv2DParams, NnKernels, Pool2DParams } from "../nn.js";
import type { NumArray } from "../../tensor/dtype.js";

/** A float64 array to sum into: the output itself when it is float64 (it arrives zeroed). */
function accumulator(out: NumArray): Float64Array {
  return out instanceof Float64Array ? out : new Float64Array(out.length);
}

/** Writes an accumulator back into the output, if it was a separate scratch array. */
function flush(acc: Float64Array, out: NumArray): void {
  if (acc !== out) out.set(acc);
}

/** Whether v should replace the running max m: larger, or the first NaN (NaN propagates). */
function beats(v: number, m: number): boolean {
  return v > m || (v !== v && m === m);
}

/**
 * For the [n, inner] slab of x that starts at `base`, column by column: max = the max over the
 * n rows (NaN wins), e = exp(x - max) and sum = the sum of e over the rows. Subtracting the max
 * keeps exp from overflowing: softmax(x) = softmax(x - c) for any c.
 */
function expAlong(
  x: NumArray,
  base: number,
  n: number,
  inner: number,
  max: Float64Array,
  sum: Float64Array,
  e: Float64Array,
): void {
  max.fill(-Infinity);
  sum.fill(0);
  for (let r = 0; r < n; r++) {
    const row = base + r * inner;
    for (let i = 0; i < inner; i++) {
      const v = x[row + i];
      if (beats(v, max[i])) max[i] = v;
    }
  }
  for (let r = 0; r < n; r++) {
    const row = base + r * inner;
    const er = r * inner;
    for (let i = 0; i < inner; i++) {
      const ex = Math.exp(x[row + i] - max[i]);
      e[er + i] = ex;
      sum[i] += ex;
    }
  }
}

/** Softmax or log-softmax along the middle axis of [outer, n, inner]. */
function softmaxAlong(x: NumArray, out: NumArray, p: AxisParams, log: boolean): void {
  const { outer, n, inner } = p;
  if (n === 0 || inner === 0) return;
  const max = new Float64Array(inner);
  const sum = new Float64Array(inner);
  const e = new Float64Array(n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    expAlong(x, base, n, inner, max, sum, e);
    if (log) {
      // log softmax = (x - max) - log(sum exp(x - max))
      for (let i = 0; i < inner; i++) sum[i] = Math.log(sum[i]);
      for (let r = 0; r < n; r++) {
        const row = base + r * inner;
        for (let i = 0; i < inner; i++) out[row + i] = x[row + i] - max[i] - sum[i];
      }
    } else {
      for (let i = 0; i < inner; i++) sum[i] = 1 / sum[i];
      for (let r = 0; r < n; r++) {
        const row = base + r * inner;
        const er = r * inner;
        for (let i = 0; i < inner; i++) out[row + i] = e[er + i] * sum[i];
      }
    }
  }
}

export const jsNn: NnKernels = {
  softmax(x, out, p) {
    softmaxAlong(x, out, p, false);
  },

  logSoftmax(x, out, p) {
    softmaxAlong(x, out, p, true);
  },

  softmaxCrossEntropy(labels, logits, loss, backprop, p) {
    const { outer, n, inner } = p;
    if (inner === 0) return;
    const max = new Float64Array(inner);
    const sum = new Float64Array(inner);
    const logSum = new Float64Array(inner);
    const acc = new Float64Array(inner);
    const e = new Float64Array(n * inner);
    for (let o = 0; o < outer; o++) {
      const base = o * n * inner;
      expAlong(logits, base, n, inner, max, sum, e);
      acc.fill(0);
      for (let i = 0; i < inner; i++) logSum[i] = Math.log(sum[i]);
      // loss = sum_r labels * (log sum exp(x - max) - (x - max)) = -sum_r labels * logSoftmax(x)
      // backprop = softmax(x) - labels = exp(x - max) / sum - labels
      for (let r = 0; r < n; r++) {
        const row = base + r * inner;
        const er = r * inner;
        for (let i = 0; i < inner; i++) {
          const z = labels[row + i];
          acc[i] -= z * (logits[row + i] - max[i] - logSum[i]);
          backprop[row + i] = e[er + i] / sum[i] - z;
        }
      }
      const lo = o * inner;
      for (let i = 0; i < inner; i++) loss[lo + i] = acc[i];
    }
  },

  sparseSoftmaxCrossEntropy(labels, logits, loss, backprop, rows, classes) {
    // Rows of classes: the [rows, classes, 1] view, one column per slab.
    if (classes === 0) return;
    const max = new Float64Array(1);
    const sum = new Float64Array(1);
    const e = new Float64Array(classes);
    for (let r = 0; r < rows; r++) {
      const base = r * classes;
      expAlong(logits, base, classes, 1, max, sum, e);
      const inv = 1 / sum[0];
      const label = labels[r];
      for (let k = 0; k < classes; k++) backprop[base + k] = e[k] * inv - (k === label ? 1 : 0);
      loss[r] = Math.log(sum[0]) - (logits[base + label] - max[0]);
    }
  },

  conv2d(x, w, y, p) {
    // im2col + a register-blocked product: for each block of 4 output pixels, their patches
    // (K = filterH * filterW * inC values each) times the filter viewed as [K, outC].
    const { batch, outH, outW, outC } = p;
    const K = p.filterH * p.filterW * p.inC;
    const P = batch * outH * outW;
    if (P === 0 || outC === 0) return;
    const outCp = roundUp4(outC);
    const wp = new Float64Array(K * outCp); // the filter, its columns padded to a multiple of 4
    for (let k = 0; k < K; k++)
      for (let oc = 0; oc < outC; oc++) wp[k * outCp + oc] = w[k * outC + oc];
    const patches = new Float64Array(K * 4); // [K][4]: the patches of 4 pixels, interleaved
    const acc = new Float64Array(16);
    for (let p0 = 0; p0 < P; p0 += 4) {
      const rows = Math.min(4, P - p0);
      for (let r = 0; r < rows; r++) im2colPixel(x, p0 + r, p, patches, r, 4);
      for (let o0 = 0; o0 < outC; o0 += 4) {
        block4x4(patches, 0, 4, wp, o0, outCp, K, acc);
        const cols = Math.min(4, outC - o0);
        for (let r = 0; r < rows; r++) {
          const yo = (p0 + r) * outC + o0;
          for (let c = 0; c < cols; c++) y[yo + c] = acc[r * 4 + c];
        }
      }
    }
  },

  conv2dBackpropInput(w, dy, dx, p) {
    // The patches' cotangents, dy [P, outC] times the filter transposed [outC, K], scattered
    // back (col2im) onto the input pixels each patch was read from. dx may arrive
    // uninitialized (Conv2DBackpropInput overwrites its output): zero it first.
    dx.fill(0);
    const { batch, outH, outW, outC } = p;
    const K = p.filterH * p.filterW * p.inC;
    const P = batch * outH * outW;
    if (P === 0 || K === 0) return;
    const Kp = roundUp4(K);
    const wt = new Float64Array(outC * Kp); // [outC][Kp]: the filter transposed
    for (let k = 0; k < K; k++)
      for (let oc = 0; oc < outC; oc++) wt[oc * Kp + k] = w[k * outC + oc];
    const dyBlock = new Float64Array(outC * 4); // [outC][4]: dy of 4 pixels, interleaved
    const dPatches = new Float64Array(4 * Kp); // [4][Kp]
    const blockAcc = new Float64Array(16);
    const acc = accumulator(dx);
    for (let p0 = 0; p0 < P; p0 += 4) {
      const rows = Math.min(4, P - p0);
      for (let r = 0; r < rows; r++) {
        const yo = (p0 + r) * outC;
        for (let oc = 0; oc < outC; oc++) dyBlock[oc * 4 + r] = dy[yo + oc];
      }
      for (let k0 = 0; k0 < K; k0 += 4) {
        block4x4(dyBlock, 0, 4, wt, k0, Kp, outC, blockAcc);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < 4; c++) dPatches[r * Kp + k0 + c] = blockAcc[r * 4 + c];
        }
      }
      for (let r = 0; r < rows; r++) col2imPixel(dPatches, r * Kp, acc, p0 + r, p);
    }
    flush(acc, dx);
  },

  conv2dBackpropFilter(x, dy, dw, p) {
    // dw [K, outC] = patches^T [K, P] times dy [P, outC], summed over chunks of pixels.
    const { batch, outH, outW, outC } = p;
    const K = p.filterH * p.filterW * p.inC;
    const P = batch * outH * outW;
    if (K === 0 || outC === 0) return;
    const Kp = roundUp4(K);
    const outCp = roundUp4(outC);
    const chunk = Math.max(1, Math.min(P, 64));
    const patches = new Float64Array(chunk * Kp); // [chunk][Kp], padding columns stay 0
    const dyChunk = new Float64Array(chunk * outCp); // [chunk][outCp], padding columns stay 0
    const sum = new Float64Array(Kp * outCp);
    const blockAcc = new Float64Array(16);
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const n = Math.min(chunk, P - p0);
      for (let t = 0; t < n; t++) {
        im2colPixel(x, p0 + t, p, patches, t * Kp, 1);
        const yo = (p0 + t) * outC;
        for (let oc = 0; oc < outC; oc++) dyChunk[t * outCp + oc] = dy[yo + oc];
      }
      for (let k0 = 0; k0 < K; k0 += 4) {
        for (let o0 = 0; o0 < outC; o0 += 4) {
          block4x4(patches, k0, Kp, dyChunk, o0, outCp, n, blockAcc);
          for (let r = 0; r < 4; r++) {
            const so = (k0 + r) * outCp + o0;
            for (let c = 0; c < 4; c++) sum[so + c] += blockAcc[r * 4 + c];
          }
        }
      }
    }
    for (let k = 0; k < K; k++)
      for (let oc = 0; oc < outC; oc++) dw[k * outC + oc] = sum[k * outCp + oc];
  },

  maxPool(x, y, p) {
    const arg = new Int32Array(p.channels);
    forEachWindow(p, (xBase, hs, he, ws, we, yo) => {
      argmaxWindow(x, p, xBase, hs, he, ws, we, arg);
      for (let c = 0; c < p.channels; c++) y[yo + c] = x[arg[c]];
    });
  },

  maxPoolGrad(x, dy, dx, p) {
    const acc = accumulator(dx);
    // dx may arrive uninitialized (MaxPoolGrad overwrites its output).
    if (acc === dx) dx.fill(0);
    const arg = new Int32Array(p.channels);
    forEachWindow(p, (xBase, hs, he, ws, we, yo) => {
      argmaxWindow(x, p, xBase, hs, he, ws, we, arg);
      for (let c = 0; c < p.channels; c++) acc[arg[c]] += dy[yo + c];
    });
    flush(acc, dx);
  },

  maxPoolGradGrad(x, g, out, p) {
    const arg = new Int32Array(p.channels);
    forEachWindow(p, (xBase, hs, he, ws, we, yo) => {
      argmaxWindow(x, p, xBase, hs, he, ws, we, arg);
      for (let c = 0; c < p.channels; c++) out[yo + c] = g[arg[c]];
    });
  },

  avgPool(x, y, p) {
    const sum = new Float64Array(p.channels);
    forEachWindow(p, (xBase, hs, he, ws, we, yo) => {
      const { inW, channels: C } = p;
      sum.fill(0);
      for (let ih = hs; ih < he; ih++) {
        for (let iw = ws; iw < we; iw++) {
          const xo = xBase + (ih * inW + iw) * C;
          for (let c = 0; c < C; c++) sum[c] += x[xo + c];
        }
      }
      const inv = 1 / ((he - hs) * (we - ws));
      for (let c = 0; c < C; c++) y[yo + c] = sum[c] * inv;
    });
  },

  avgPoolGrad(dy, dx, p) {
    const acc = accumulator(dx);
    forEachWindow(p, (xBase, hs, he, ws, we, yo) => {
      const { inW, channels: C } = p;
      const inv = 1 / ((he - hs) * (we - ws));
      for (let ih = hs; ih < he; ih++) {
        for (let iw = ws; iw < we; iw++) {
          const xo = xBase + (ih * inW + iw) * C;
          for (let c = 0; c < C; c++) acc[xo + c] += dy[yo + c] * inv;
        }
      }
    });
    flush(acc, dx);
  },

  adjustContrast(x, out, factor, p) {
    const { images, pixels, channels: C } = p;
    const mean = new Float64Array(C);
    for (let m = 0; m < images; m++) {
      const base = m * pixels * C;
      mean.fill(0);
      for (let q = 0; q < pixels; q++) {
        const o = base + q * C;
        for (let c = 0; c < C; c++) mean[c] += x[o + c];
      }
      for (let c = 0; c < C; c++) mean[c] /= pixels;
      for (let q = 0; q < pixels; q++) {
        const o = base + q * C;
        for (let c = 0; c < C; c++) out[o + c] = (x[o + c] - mean[c]) * factor + mean[c];
      }
    }
  },
};

const roundUp4 = (n: number): number => (n + 3) & ~3;

/**
 * The 4x4 block out[r * 4 + c] = sum over t < T of a[aOff + t * aStride + r] * b[bOff + t * bStride + c]:
 * the inner kernel of every convolution product. Sixteen sums held in locals, eight loads per
 * sixteen multiply-adds.
 */
// prettier-ignore
function block4x4(
  a: Float64Array, aOff: number, aStride: number,
  b: Float64Array, bOff: number, bStride: number,
  T: number, out: Float64Array,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aOff;
  let bi = bOff;
  for (let t = 0; t < T; t++) {
    const a0 = a[ai], a1 = a[ai + 1], a2 = a[ai + 2], a3 = a[ai + 3];
    const b0 = b[bi], b1 = b[bi + 1], b2 = b[bi + 2], b3 = b[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += aStride;
    bi += bStride;
  }
  out[0] = c00; out[1] = c01; out[2] = c02; out[3] = c03;
  out[4] = c10; out[5] = c11; out[6] = c12; out[7] = c13;
  out[8] = c20; out[9] = c21; out[10] = c22; out[11] = c23;
  out[12] = c30; out[13] = c31; out[14] = c32; out[15] = c33;
}

/**
 * im2col for one output pixel p (flat over batch, outH, outW): writes the K input values its
 * filter taps read, in filter order (fh, fw, ic), to dst[off + k * kStride]; 0 for padding.
 */
function im2colPixel(
  x: NumArray,
  p: number,
  q: Conv2DParams,
  dst: Float64Array,
  off: number,
  kStride: number,
): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, dilationH, dilationW } = q;
  const ow = p % outW;
  const rest = (p - ow) / outW;
  const oh = rest % outH;
  const b = (rest - oh) / outH;
  const ih0 = oh * q.strideH - q.padTop;
  const iw0 = ow * q.strideW - q.padLeft;
  let d = off;
  for (let fh = 0; fh < filterH; fh++) {
    const ih = ih0 + fh * dilationH;
    const rowInside = ih >= 0 && ih < inH;
    for (let fw = 0; fw < filterW; fw++) {
      const iw = iw0 + fw * dilationW;
      if (rowInside && iw >= 0 && iw < inW) {
        const xo = ((b * inH + ih) * inW + iw) * inC;
        for (let ic = 0; ic < inC; ic++, d += kStride) dst[d] = x[xo + ic];
      } else {
        for (let ic = 0; ic < inC; ic++, d += kStride) dst[d] = 0;
      }
    }
  }
}

/** col2im for one output pixel: adds src[off + k] back onto the input values im2colPixel read. */
function col2imPixel(
  src: Float64Array,
  off: number,
  acc: Float64Array,
  p: number,
  q: Conv2DParams,
): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, dilationH, dilationW } = q;
  const ow = p % outW;
  const rest = (p - ow) / outW;
  const oh = rest % outH;
  const b = (rest - oh) / outH;
  const ih0 = oh * q.strideH - q.padTop;
  const iw0 = ow * q.strideW - q.padLeft;
  let s = off;
  for (let fh = 0; fh < filterH; fh++) {
    const ih = ih0 + fh * dilationH;
    const rowInside = ih >= 0 && ih < inH;
    for (let fw = 0; fw < filterW; fw++, s += inC) {
      const iw = iw0 + fw * dilationW;
      if (!rowInside || iw < 0 || iw >= inW) continue;
      const xo = ((b * inH + ih) * inW + iw) * inC;
      for (let ic = 0; ic < inC; ic++) acc[xo + ic] += src[s + ic];
    }
  }
}

/**
 * Calls `body` once per output pixel with the clipped window `[hs, he) x [ws, we)` (never empty),
 * the offset of the image in x and the offset of the output pixel. One call per pixel, not per
 * element: the channel loops live inside `body`.
 */
function forEachWindow(
  p: Pool2DParams,
  body: (xBase: number, hs: number, he: number, ws: number, we: number, yo: number) => void,
): void {
  const { batch, inH, inW, channels, outH, outW, windowH, windowW, strideH, strideW } = p;
  for (let b = 0; b < batch; b++) {
    const xBase = b * inH * inW * channels;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - p.padTop;
      const hs = Math.max(h0, 0);
      const he = Math.min(h0 + windowH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * strideW - p.padLeft;
        const ws = Math.max(w0, 0);
        const we = Math.min(w0 + windowW, inW);
        body(xBase, hs, he, ws, we, ((b * outH + oh) * outW + ow) * channels);
      }
    }
  }
}

/** Flat index in x of each channel's max in the window: the first one scanning rows, then columns. */
function argmaxWindow(
  x: NumArray,
  p: Pool2DParams,
  xBase: number,
  hs: number,
  he: number,
  ws: number,
  we: number,
  arg: Int32Array,
): void {
  const { inW, channels: C } = p;
  const first = xBase + (hs * inW + ws) * C;
  for (let c = 0; c < C; c++) arg[c] = first + c;
  for (let ih = hs; ih < he; ih++) {
    for (let iw = ws; iw < we; iw++) {
      const xo = xBase + (ih * inW + iw) * C;
      for (let c = 0; c < C; c++) if (beats(x[xo + c], x[arg[c]])) arg[c] = xo + c;
    }
  }
}
