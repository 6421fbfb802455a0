/** The JS reference of the fused batch-norm and LSTM-cell kernels (sums in float64). */
import type {
  BatchNormParams,
  LstmCellParams,
  LstmSequenceParams,
  NnFusedKernels,
} from "../nn-fused.js";
import type { FloatArray } from "../optim.js";

/** Per-channel mean over the rows of x [rows, C]. */
function channelMean(x: FloatArray, rows: number, C: number): Float64Array {
  const mean = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  return mean;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** out[m, n] (+)= op(a) [m, k] op(b) [k, n], row-major, sums in float64. */
function matmulInto(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
  acc: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = acc ? out[i * n + j] : 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
}

export const jsNnFused: NnFusedKernels = {
  batchNormTrain(
    x,
    scale,
    offset,
    y,
    mean,
    variance,
    { rows, channels: C, epsilon }: BatchNormParams,
  ) {
    const mu = channelMean(x, rows, C);
    const ss = new Float64Array(C);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < C; c++) {
        const d = x[r * C + c] - mu[c];
        ss[c] += d * d;
      }
    }
    const a = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const v = ss[c] / rows;
      a[c] = scale[c] / Math.sqrt(v + epsilon);
      mean[c] = mu[c];
      variance[c] = (v * rows) / Math.max(rows - 1, 1);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - mu[c]) * a[c] + offset[c];
    }
  },

  batchNormGrad(dy, x, scale, gmean, gvar, dx, dscale, doffset, p: BatchNormParams) {
    const { rows, channels: C, epsilon } = p;
    const n1 = Math.max(rows - 1, 1);
    const mu = channelMean(x, rows, C);
    const sv = new Float64Array(C);
    const sd = new Float64Array(C);
    const sdx = new Float64Array(C);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < C; c++) {
        const d = x[r * C + c] - mu[c];
        const g = dy[r * C + c];
        sv[c] += d * d;
        sd[c] += g;
        sdx[c] += g * d;
      }
    }
    const rs = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      rs[c] = 1 / Math.sqrt(sv[c] / rows + epsilon);
      dscale[c] = rs[c] * sdx[c];
      doffset[c] = sd[c];
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < C; c++) {
        const i = r * C + c;
        const xh = (x[i] - mu[c]) * rs[c];
        dx[i] =
          scale[c] * rs[c] * (dy[i] - sd[c] / rows - (xh * rs[c] * sdx[c]) / rows) +
          gmean[c] / rows +
          (2 * gvar[c] * (x[i] - mu[c])) / n1;
      }
    }
  },

  lstmCell(z, cPrev, c, h, { batch, units: U }: LstmCellParams) {
    for (let b = 0; b < batch; b++) {
      const zb = b * 4 * U;
      for (let u = 0; u < U; u++) {
        const i = sigmoid(z[zb + u]);
        const f = sigmoid(z[zb + U + u]);
        const g = Math.tanh(z[zb + 2 * U + u]);
        const o = sigmoid(z[zb + 3 * U + u]);
        const cn = f * cPrev[b * U + u] + i * g;
        c[b * U + u] = cn;
        h[b * U + u] = o * Math.tanh(cn);
      }
    }
  },

  lstmCellGrad(z, cPrev, dc, dh, dz, dcPrev, { batch, units: U }: LstmCellParams) {
    for (let b = 0; b < batch; b++) {
      const zb = b * 4 * U;
      for (let u = 0; u < U; u++) {
        const k = b * U + u;
        const i = sigmoid(z[zb + u]);
        const f = sigmoid(z[zb + U + u]);
        const g = Math.tanh(z[zb + 2 * U + u]);
        const o = sigmoid(z[zb + 3 * U + u]);
        const p = cPrev[k];
        const t = Math.tanh(f * p + i * g);
        const e = dc[k] + dh[k] * o * (1 - t * t);
        dz[zb + u] = e * g * i * (1 - i);
        dz[zb + U + u] = e * p * f * (1 - f);
        dz[zb + 2 * U + u] = e * i * (1 - g * g);
        dz[zb + 3 * U + u] = dh[k] * t * o * (1 - o);
        dcPrev[k] = e * f;
      }
    }
  },

  lstmSequence(xp, wh, bias, h0, c0, hs, cs, zs, p: LstmSequenceParams) {
    const { steps, batch: B, units: U } = p;
    const n = B * U;
    for (let t = 0; t < steps; t++) {
      const z = zs.subarray(t * 4 * n, (t + 1) * 4 * n);
      for (let i = 0; i < 4 * n; i++) z[i] = xp[t * 4 * n + i] + bias[i % (4 * U)];
      const hp = t === 0 ? h0 : hs.subarray((t - 1) * n, t * n);
      const cp = t === 0 ? c0 : cs.subarray((t - 1) * n, t * n);
      matmulInto(hp, wh, z, B, 4 * U, U, false, false, true);
      jsNnFused.lstmCell(
        z,
        cp,
        cs.subarray(t * n, (t + 1) * n),
        hs.subarray(t * n, (t + 1) * n),
        p,
      );
    }
  },

  lstmSequenceGrad(zs, cs, hs, wh, h0, c0, dhs, dcs, dzs, dxp, dwh, dh0, dc0, db, p) {
    const { steps, batch: B, units: U } = p;
    const n = B * U;
    const make = (len: number): FloatArray =>
      zs instanceof Float32Array ? new Float32Array(len) : new Float64Array(len);
    const dh = make(n);
    const dc = make(n);
    const dcp = make(n);
    dh.set(dhs.subarray((steps - 1) * n, steps * n));
    dc.set(dcs.subarray((steps - 1) * n, steps * n));
    dwh.fill(0);
    const sums = new Float64Array(4 * U);
    for (let t = steps - 1; t >= 0; t--) {
      const cp = t === 0 ? c0 : cs.subarray((t - 1) * n, t * n);
      const hp = t === 0 ? h0 : hs.subarray((t - 1) * n, t * n);
      const dz = dxp.subarray(t * 4 * n, (t + 1) * 4 * n);
      jsNnFused.lstmCellGrad(zs.subarray(t * 4 * n, (t + 1) * 4 * n), cp, dc, dh, dz, dcp, p);
      for (let i = 0; i < 4 * n; i++) {
        dz[i] += dzs[t * 4 * n + i];
        sums[i % (4 * U)] += dz[i];
      }
      matmulInto(hp, dz, dwh, U, 4 * U, B, true, false, true);
      if (t > 0) {
        dh.set(dhs.subarray((t - 1) * n, t * n));
        matmulInto(dz, wh, dh, B, U, 4 * U, false, true, true);
        for (let i = 0; i < n; i++) dc[i] = dcs[(t - 1) * n + i] + dcp[i];
      } else {
        matmulInto(dz, wh, dh0, B, U, 4 * U, false, true, false);
        dc0.set(dcp);
      }
    }
    db.set(sums);
  },
};
