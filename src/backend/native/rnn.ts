/** The native GRU sequence kernels (native/rnn.cc), with the JS kernel when the addon lacks them. */
import type { Backend } from "../types.js";
import type { RnnKernels } from "../rnn.js";
import type { NativeAddon } from "./addon.js";

export function nativeRnn(addon: NativeAddon, js: Backend): RnnKernels {
  const seq = addon.gruSequence?.bind(addon);
  const grad = addon.gruSequenceGrad?.bind(addon);
  return {
    gruSequence(xp, rk, rb, h0, hs, gs, p) {
      if (seq !== undefined) seq(xp, rk, rb, h0, hs, gs, p.steps, p.batch, p.units, p.resetAfter);
      else js.gruSequence(xp, rk, rb, h0, hs, gs, p);
    },
    gruSequenceGrad(rk, h0, hs, gs, dhs, dgs, dxp, drk, drb, dh0, p) {
      if (grad !== undefined)
        grad(rk, h0, hs, gs, dhs, dgs, dxp, drk, drb, dh0, p.steps, p.batch, p.units, p.resetAfter);
      else js.gruSequenceGrad(rk, h0, hs, gs, dhs, dgs, dxp, drk, drb, dh0, p);
    },
  };
}
