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
  /**
   * Layer normalization over the last axis of x [rows, n] (the statistics in double):
   *   mean[r] = sum(x)/n, rstd[r] = 1/sqrt(sum((x - mean)^2)/n + epsilon),
   *   y = (x - mean) rstd gamma + beta
   * with gamma and beta [n]; mean and rstd [rows] are stored for the gradient. One float dtype;
   * outputs never alias inputs.
   */
  layerNorm(
    x: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    y: FloatArray,
    mean: FloatArray,
    rstd: FloatArray,
    rows: number,
    n: number,
    epsilon: number,
  ): void;
  /**
   * Its gradient given the stored mean and rstd: with xh = (x - mean) rstd and g = dy gamma,
   *   dx = rstd (g - sum(g)/n - xh sum(g xh)/n),  dgamma = sum_rows dy xh,  dbeta = sum_rows dy.
   */
  layerNormGrad(
    x: FloatArray,
    gamma: FloatArray,
    mean: FloatArray,
    rstd: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    dgamma: FloatArray,
    dbeta: FloatArray,
    rows: number,
    n: number,
  ): void;
}
