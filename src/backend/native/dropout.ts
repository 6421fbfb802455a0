/**
 * The native fused dropout (native/bind_dropout.cc): the addon for float data of one dtype from
 * 16384 elements on (below, the JS loop costs less than the call), the JS kernel otherwise (or
 * when the addon predates the kernel).
 */
import type { NumArray } from "../../tensor/dtype.js";
import type { DropoutKernels } from "../dropout.js";
import type { Backend } from "../types.js";
import type { FloatArray, NativeAddon } from "./addon.js";

const MIN_NATIVE = 16384;

export function nativeDropout(addon: NativeAddon, js: Backend): DropoutKernels {
  return {
    dropoutApply(x: NumArray, u: NumArray, y: NumArray, rate: number, scale: number) {
      const k = addon.dropoutApply;
      const float = x instanceof Float32Array || x instanceof Float64Array;
      if (
        k !== undefined &&
        y.length >= MIN_NATIVE &&
        float &&
        u.constructor === x.constructor &&
        y.constructor === x.constructor
      ) {
        k.call(addon, x as FloatArray, u as FloatArray, y as FloatArray, rate, scale);
      } else {
        js.dropoutApply(x, u, y, rate, scale);
      }
    },
  };
}
