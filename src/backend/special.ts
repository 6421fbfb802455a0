/**
 * The special-function and sequence-loss kernel family: the ternary Betainc (its broadcast is
 * done by the op) and the CTC loss's forward-backward pass.
 */
export type FloatArray = Float32Array | Float64Array;

/** The shapes of one CTC loss call (logits time-major [maxTime, batch, classes]). */
export interface CtcParams {
  readonly maxTime: number;
  readonly batch: number;
  readonly classes: number;
  /** Labels per example at most (the dense labels are [batch, maxLabel]). */
  readonly maxLabel: number;
  readonly blank: number;
}

export interface SpecialKernels {
  /**
   * out[i] = I_{x[i]}(a[i], b[i]), the regularized incomplete beta function; the four arrays
   * have one length (the op broadcasts a, b and x first).
   */
  betainc(a: FloatArray, b: FloatArray, x: FloatArray, out: FloatArray): void;
  /**
   * The CTC loss of each example and its gradient wrt the logits (TensorFlow's CTCLoss, on
   * unnormalized logits: the softmax is taken over the classes here): loss[b] =
   * -log p(labels[b] | logits[:, b, :]), grad[t, b, k] = softmax(logits)[t, b, k] -
   * posterior of class k at time t. Time steps at or beyond logitLength[b] get a zero gradient.
   * Labels are dense [batch, maxLabel] int32 with labelLength[b] of them valid; none is blank.
   * An example no alignment can produce (too many labels for its time steps) gets an infinite
   * loss and a zero gradient.
   */
  ctcLoss(
    logits: FloatArray,
    labels: Int32Array,
    labelLength: Int32Array,
    logitLength: Int32Array,
    loss: FloatArray,
    grad: FloatArray,
    p: CtcParams,
  ): void;
}
