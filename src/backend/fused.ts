/** Fused gradient kernels: one pass where the gradient formula would take several ops. */
import type { FloatArray } from "./optim.js";
import type { AxisParams } from "./nn.js";

export interface FusedKernels {
  /**
   * The gradient of softmax (log false) or log-softmax (log true) along the middle axis of
   * [outer, n, inner], given its output y and the upstream gradient dy:
   *   softmax:     dx = y (dy - sum(dy y))
   *   log-softmax: dx = dy - exp(y) sum(dy)
   * with the sums over the axis. y, dy and out share one float dtype and p's size; out never
   * aliases an input.
   */
  softmaxGrad(y: FloatArray, dy: FloatArray, out: FloatArray, p: AxisParams, log: boolean): void;
}
