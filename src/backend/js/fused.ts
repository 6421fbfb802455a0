/** The JS fused gradient kernels: the reference the native ones are checked against. */
import type { FusedKernels } from "../fused.js";

export const jsFused: FusedKernels = {
  softmaxGrad(y, dy, out, { outer, n, inner }, log) {
    // Sums in double; each stored value rounded to the arrays' dtype by the typed array.
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let s = 0;
        if (log) {
          for (let k = 0; k < n; k++) s += dy[base + k * inner];
          for (let k = 0; k < n; k++) {
            const j = base + k * inner;
            out[j] = dy[j] - Math.exp(y[j]) * s;
          }
        } else {
          for (let k = 0; k < n; k++) s += dy[base + k * inner] * y[base + k * inner];
          for (let k = 0; k < n; k++) {
            const j = base + k * inner;
            out[j] = y[j] * (dy[j] - s);
          }
        }
      }
    }
  },
  layerNorm(x, gamma, beta, y, mean, rstd, rows, n, epsilon) {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += x[o + j];
      const mu = s / n;
      let q = 0;
      for (let j = 0; j < n; j++) {
        const d = x[o + j] - mu;
        q += d * d;
      }
      const rs = 1 / Math.sqrt(q / n + epsilon);
      mean[r] = mu;
      rstd[r] = rs;
      for (let j = 0; j < n; j++) y[o + j] = (x[o + j] - mu) * rs * gamma[j] + beta[j];
    }
  },
  layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, n) {
    const cg = new Float64Array(n);
    const cb = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      // The stored (rounded) statistics, as the forward left them.
      const mu = mean[r];
      const rs = rstd[r];
      let sa = 0;
      let sb = 0;
      for (let j = 0; j < n; j++) {
        const xh = (x[o + j] - mu) * rs;
        const g = dy[o + j] * gamma[j];
        sa += g;
        sb += g * xh;
        cg[j] += dy[o + j] * xh;
        cb[j] += dy[o + j];
      }
      const a = sa / n;
      const b = sb / n;
      for (let j = 0; j < n; j++) {
        const xh = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (dy[o + j] * gamma[j] - a - xh * b);
      }
    }
    dgamma.set(cg);
    dbeta.set(cb);
  },
};
