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

/** A whole LSTM sequence of `steps` steps, time-major. */
export interface LstmSequenceParams extends LstmCellParams {
  readonly steps: number;
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
  /**
   * A whole LSTM sequence, time-major: xp [steps, batch, 4 units] (projected inputs), wh
   * [units, 4 units], bias [4 units], h0 and c0 [batch, units]. For each step t,
   * zs[t] = xp[t] + bias + h wh, then lstmCell(zs[t], c) gives cs[t] and hs[t] (h, c: the previous
   * step's, h0 and c0 first).
   */
  lstmSequence(
    xp: FloatArray,
    wh: FloatArray,
    bias: FloatArray,
    h0: FloatArray,
    c0: FloatArray,
    hs: FloatArray,
    cs: FloatArray,
    zs: FloatArray,
    p: LstmSequenceParams,
  ): void;
  /**
   * lstmSequence's gradient for upstream dhs, dcs and dzs (steps >= 1), backward through the
   * steps: dz_t = lstmCellGrad(zs[t], c_{t-1}, dc, dh) + dzs[t] with dh = dhs[t] + dz_{t+1} wh^T
   * and dc = dcs[t] + dcPrev_{t+1}; dxp[t] = dz_t, dwh = sum_t h_{t-1}^T dz_t, dh0 and dc0 those
   * reaching the first step, db = sum_t sum_rows dz_t (the bias's).
   */
  lstmSequenceGrad(
    zs: FloatArray,
    cs: FloatArray,
    hs: FloatArray,
    wh: FloatArray,
    h0: FloatArray,
    c0: FloatArray,
    dhs: FloatArray,
    dcs: FloatArray,
    dzs: FloatArray,
    dxp: FloatArray,
    dwh: FloatArray,
    dh0: FloatArray,
    dc0: FloatArray,
    db: FloatArray,
    p: LstmSequenceParams,
  ): void;
}
