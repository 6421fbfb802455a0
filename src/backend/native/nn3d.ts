/**
 * Native 3-D convolution kernels (native/conv3d.cc): each wrapper calls the addon for float
 * data of one dtype once the multiply-adds reach the 2-D convolutions' crossover, and the JS
 * kernel otherwise (or when the addon predates the kernels). The 3-D pools stay in JS.
 */
import type { DataArray } from "../../tensor/dtype.js";
import type { Conv3DParams } from "../nn3d.js";
import type { Backend } from "../types.js";
import type { FloatArray, NativeAddon } from "./addon.js";

/** The crossover in multiply-adds (the 2-D convolutions' THRESHOLDS.convMacs); tests lower it. */
export const NN3D_THRESHOLDS = { convMacs: 16 * 16 * 16 };

/** Every output value sums filterD * filterH * filterW * inC products. */
function conv3dMacs(p: Conv3DParams): number {
  return p.batch * p.outD * p.outH * p.outW * p.outC * p.filterD * p.filterH * p.filterW * p.inC;
}

function sameFloat(a: DataArray, b: DataArray, c: DataArray): boolean {
  return (
    (a instanceof Float32Array || a instanceof Float64Array) &&
    a.constructor === b.constructor &&
    a.constructor === c.constructor
  );
}

type Conv3DMethod = "conv3d" | "conv3dBackpropInput" | "conv3dBackpropFilter";

export function nativeNn3d(addon: NativeAddon, js: Backend): Pick<Backend, Conv3DMethod> {
  const wrap =
    (m: Conv3DMethod) =>
    (a: DataArray, b: DataArray, c: DataArray, p: Conv3DParams): void => {
      const k = addon[m];
      if (k !== undefined && conv3dMacs(p) >= NN3D_THRESHOLDS.convMacs && sameFloat(a, b, c)) {
        k.call(addon, a as FloatArray, b as FloatArray, c as FloatArray, p);
      } else {
        js[m](a as FloatArray, b as FloatArray, c as FloatArray, p);
      }
    };
  return {
    conv3d: wrap("conv3d"),
    conv3dBackpropInput: wrap("conv3dBackpropInput"),
    conv3dBackpropFilter: wrap("conv3dBackpropFilter"),
  };
}
