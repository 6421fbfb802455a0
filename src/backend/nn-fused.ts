/**
 * Fused training kernels of the convolution and recurrent models: batch normalization in
 * training (forward and gradient, one kernel each instead of a dozen elementwise ops and
 * reductions) and the LSTM cell (gate activations and state update, forward and gradient).
 */
import type { FloatArray } from "./optim.js";

/** Batch normalization over the rows of `[rows, channels]` (the channel axis last). */
export interface BatchNormParams {
  readonly rows: number;
  readonly channels: number;
  readonly epsilon: number;
}

/** An LSTM cell step on `batch` rows of `units` units. */
export interface LstmCellParams {
  readonly batch: number;
  readonly units: number;
}

export interface NnFusedKernels {
  /**
   * Per channel over the rows (rows >= 1): mean, population variance v, and
   * y = (x - mean) / sqrt(v + epsilon) scale + offset; `variance` gets the sample variance
   * v rows / max(rows - 1, 1), as TensorFlow's FusedBatchNorm returns it. Outputs never alias
   * inputs; all arrays share one float dtype.
   */
  batchNormTrain(
    x: FloatArray,
    scale: FloatArray,
    offset: FloatArray,
    y: FloatArray,
    mean: FloatArray,
    variance: FloatArray,
    p: BatchNormParams,
  ): void;
  /**
   * The gradient of batchNormTrain for upstream dy (of y), gmean (of mean) and gvar (of
   * variance): with xh = (x - mean) r and r = 1 / sqrt(v + epsilon), dscale = sum(dy xh),
   * doffset = sum(dy), dx = scale r (dy - mean(dy) - xh mean(dy xh)) + gmean / rows
   * + 2 gvar (x - mean) / max(rows - 1, 1), sums and means over the rows.
   */
  batchNormGrad(
    dy: FloatArray,
    x: FloatArray,
    scale: FloatArray,
    gmean: FloatArray,
    gvar: FloatArray,
    dx: FloatArray,
    dscale: FloatArray,
    doffset: FloatArray,
    p: BatchNormParams,
  ): void;
  /**
   * z [batch, 4 units]: the pre-activations of the gates i, f, g, o (Keras's order);
   * c = sigmoid(f) cPrev + sigmoid(i) tanh(g), h = sigmoid(o) tanh(c).
   */
  lstmCell(z: FloatArray, cPrev: FloatArray, c: FloatArray, h: FloatArray, p: LstmCellParams): void;
  /**
   * lstmCell's gradient for upstream dc and dh: with t = tanh(c) and e = dc + dh o (1 - t^2),
   * dz = [e g i (1 - i), e cPrev f (1 - f), e i (1 - g^2), dh t o (1 - o)], dcPrev = e f.
   */
  lstmCellGrad(
    z: FloatArray,
    cPrev: FloatArray,
    dc: FloatArray,
    dh: FloatArray,
    dz: FloatArray,
    dcPrev: FloatArray,
    p: LstmCellParams,
  ): void;
}
