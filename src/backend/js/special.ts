/** The JS special-function and CTC kernels (the reference for any native ones). */
import type { SpecialKernels } from "../special.js";
import { betainc } from "./scalar-gamma.js";
import { ctcLoss } from "./ctc.js";

export const jsSpecial: SpecialKernels = {
  betainc(a, b, x, out) {
    for (let i = 0; i < out.length; i++) out[i] = betainc(a[i], b[i], x[i]);
  },
  ctcLoss,
};
