/** The fused dropout kernel (the _FusedDropout op, src/ops/nn-dropout-fused.ts). */
import type { NumArray } from "../tensor/dtype.js";

export interface DropoutKernels {
  /**
   * y[i] = u[i] >= rate ? x[i] * scale : 0, x, u and y of one float dtype and length; rate and
   * scale already rounded to that dtype. Writes every element of y.
   */
  dropoutApply(x: NumArray, u: NumArray, y: NumArray, rate: number, scale: number): void;
}
