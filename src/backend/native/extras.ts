/**
 * Native kernels for the model workloads (issue 10) that are not in the elementwise dispatch
 * lists: the blocked transpose and the fused Adam update. Each falls back to the JS kernel below
 * its crossover size, for data the addon does not take, or when the addon predates the kernel.
 */
import type { Backend } from "../types.js";
import type { DataArray } from "../../tensor/dtype.js";
import type { NativeAddon } from "./addon.js";

/** Crossovers in elements (a native call costs about half a microsecond with its checks). */
export const EXTRA_THRESHOLDS = {
  // The JS transpose pays about 10 ns per element (element access on every storage type): the
  // native one wins from a few hundred elements (1e3: 2 us against 10).
  transpose: 256,
  adam: 1024,
  /** Elements of y (an exp each for log-softmax). */
  softmaxGrad: 1024,
  /** Elements of x. */
  layerNorm: 2048,
};

function isNumeric(x: DataArray): x is Float32Array | Float64Array | Int32Array | Uint8Array {
  return !Array.isArray(x);
}

export function nativeExtras(
  addon: NativeAddon,
  js: Backend,
): Pick<
  Backend,
  "transpose" | "adamUpdate" | "softmaxGrad" | "layerNorm" | "layerNormGrad" | "sgdMomentumUpdate"
> {
  const transpose = addon.transpose?.bind(addon);
  const adamUpdate = addon.adamUpdate?.bind(addon);
  const sgdMomentumUpdate = addon.sgdMomentumUpdate?.bind(addon);
  const softmaxGrad = addon.softmaxGrad?.bind(addon);
  const layerNorm = addon.layerNorm?.bind(addon);
  const layerNormGrad = addon.layerNormGrad?.bind(addon);
  return {
    transpose(x, shape, perm, out) {
      if (
        transpose !== undefined &&
        x.length >= EXTRA_THRESHOLDS.transpose &&
        isNumeric(x) &&
        isNumeric(out) &&
        x.constructor === out.constructor
      ) {
        transpose(x, shape, perm, out);
      } else {
        js.transpose(x, shape, perm, out);
      }
    },
    adamUpdate(variable, m, v, g, alpha, beta1, beta2, epsilon, outVar, outM, outV) {
      if (adamUpdate !== undefined && variable.length >= EXTRA_THRESHOLDS.adam) {
        adamUpdate(variable, m, v, g, outVar, outM, outV, alpha, beta1, beta2, epsilon);
      } else {
        js.adamUpdate(variable, m, v, g, alpha, beta1, beta2, epsilon, outVar, outM, outV);
      }
    },
    sgdMomentumUpdate(variable, vel, g, lr, momentum, nesterov, outVar, outVel) {
      if (sgdMomentumUpdate !== undefined && variable.length >= EXTRA_THRESHOLDS.adam) {
        sgdMomentumUpdate(variable, vel, g, outVar, outVel, lr, momentum, nesterov);
      } else {
        js.sgdMomentumUpdate(variable, vel, g, lr, momentum, nesterov, outVar, outVel);
      }
    },
    softmaxGrad(y, dy, out, p, log) {
      if (softmaxGrad !== undefined && y.length >= EXTRA_THRESHOLDS.softmaxGrad) {
        softmaxGrad(y, dy, out, p, log);
      } else {
        js.softmaxGrad(y, dy, out, p, log);
      }
    },
    layerNorm(x, gamma, beta, y, mean, rstd, rows, n, epsilon) {
      if (layerNorm !== undefined && x.length >= EXTRA_THRESHOLDS.layerNorm) {
        layerNorm(x, gamma, beta, y, mean, rstd, rows, n, epsilon);
      } else {
        js.layerNorm(x, gamma, beta, y, mean, rstd, rows, n, epsilon);
      }
    },
    layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, n) {
      if (layerNormGrad !== undefined && x.length >= EXTRA_THRESHOLDS.layerNorm) {
        layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, n);
      } else {
        js.layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, n);
      }
    },
  };
}
