/** The JS fused dropout. */
import type { DropoutKernels } from "../dropout.js";

export const jsDropout: DropoutKernels = {
  dropoutApply(x, u, y, rate, scale) {
    const n = y.length;
    // Float32Array storage rounds x * scale to float32, as a float32 multiply would.
    for (let i = 0; i < n; i++) y[i] = u[i] >= rate ? x[i] * scale : 0;
  },
};
