/**
 * The native fused convolution (native/bind_conv_fused.cc): the addon for float data of one
 * dtype once the multiply-adds reach the convolutions' crossover (THRESHOLDS.convMacs), the JS
 * kernel otherwise (or when the addon predates the kernel).
 */
import type { DataArray, NumArray } from "../../tensor/dtype.js";
import type { ConvFusedKernels } from "../conv-fused.js";
import type { Conv2DParams } from "../nn.js";
import type { Backend } from "../types.js";
import type { FloatArray, NativeAddon } from "./addon.js";

function floatOf(first: DataArray, ...rest: DataArray[]): boolean {
  return (
    (first instanceof Float32Array || first instanceof Float64Array) &&
    rest.every((a) => a.constructor === first.constructor)
  );
}

/** `thresholds` is backend.ts's THRESHOLDS (read at each call: tests change it). */
export function nativeConvFused(
  addon: NativeAddon,
  js: Backend,
  thresholds: { readonly convMacs: number },
): ConvFusedKernels {
  return {
    conv2dBiasAct(x: NumArray, w: NumArray, bias: NumArray, y: NumArray, p: Conv2DParams, relu) {
      const k = addon.conv2dBiasAct;
      const macs = p.batch * p.outH * p.outW * p.outC * p.filterH * p.filterW * p.inC;
      if (k !== undefined && macs >= thresholds.convMacs && floatOf(x, w, bias, y)) {
        k.call(
          addon,
          x as FloatArray,
          w as FloatArray,
          bias as FloatArray,
          y as FloatArray,
          p,
          relu,
        );
      } else {
        js.conv2dBiasAct(x, w, bias, y, p, relu);
      }
    },
    conv2dReluBackprop(
      x: NumArray,
      w: NumArray,
      dy: NumArray,
      y: NumArray,
      dx: NumArray | null,
      dw: NumArray,
      db: NumArray,
      p: Conv2DParams,
    ) {
      const k = addon.conv2dReluBackprop;
      const macs = p.batch * p.outH * p.outW * p.outC * p.filterH * p.filterW * p.inC;
      const arrays = dx === null ? [w, dy, y, dw, db] : [w, dy, y, dx, dw, db];
      if (k !== undefined && macs >= thresholds.convMacs && floatOf(x, ...arrays)) {
        k.call(
          addon,
          x as FloatArray,
          w as FloatArray,
          dy as FloatArray,
          y as FloatArray,
          dx as FloatArray | null,
          dw as FloatArray,
          db as FloatArray,
          p,
        );
      } else {
        js.conv2dReluBackprop(x, w, dy, y, dx, dw, db, p);
      }
    },
  };
}
