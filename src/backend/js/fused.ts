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
};
