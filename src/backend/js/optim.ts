/** The JS optimizer kernels: the reference the native ones are checked against. */
import type { FloatArray, OptimKernels } from "../optim.js";

export const jsOptim: OptimKernels = {
  adamUpdate(variable, m, v, g, alpha, beta1, beta2, epsilon, outVar, outM, outV) {
    // Each intermediate rounded as the op would store it: to float32 for Float32Array data.
    const r: (x: number) => number = variable instanceof Float32Array ? Math.fround : (x) => x;
    const a = r(alpha);
    const c1 = r(1 - beta1);
    const c2 = r(1 - beta2);
    const e = r(epsilon);
    const n = variable.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = r(m[i] + r(r(gi - m[i]) * c1));
      const vi = r(v[i] + r(r(r(gi * gi) - v[i]) * c2));
      outM[i] = mi;
      outV[i] = vi;
      outVar[i] = r(variable[i] - r(r(mi * a) / r(r(Math.sqrt(vi)) + e)));
    }
  },
  sgdMomentumUpdate(variable, vel, g, lr, momentum, nesterov, outVar, outVel) {
    const r: (x: number) => number = variable instanceof Float32Array ? Math.fround : (x) => x;
    const a = r(lr);
    const m = r(momentum);
    const n = variable.length;
    for (let i = 0; i < n; i++) {
      const step = r(g[i] * a);
      const nv = r(r(vel[i] * m) - step);
      outVel[i] = nv;
      outVar[i] = r(variable[i] + (nesterov ? r(r(nv * m) - step) : nv));
    }
  },
};

export type { FloatArray };
