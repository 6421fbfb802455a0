/** The optimizer kernel family: one fused pass per variable update. */
/** Float storage. */
export type FloatArray = Float32Array | Float64Array;

export interface OptimKernels {
  /**
   * Keras's Adam step (amsgrad off), out of place: with c1 = 1 - beta1, c2 = 1 - beta2,
   *   outM = m + (g - m) c1,  outV = v + (g^2 - v) c2,
   *   outVar = variable - outM alpha / (sqrt(outV) + epsilon),
   * each step rounded to the arrays' dtype in that order (as the same ops would round), and the
   * constants rounded to that dtype first. All seven arrays have one float dtype and one
   * length; outputs never alias inputs.
   */
  adamUpdate(
    variable: FloatArray,
    m: FloatArray,
    v: FloatArray,
    g: FloatArray,
    alpha: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    outVar: FloatArray,
    outM: FloatArray,
    outV: FloatArray,
  ): void;
  /**
   * Keras's SGD step with momentum, out of place: outVel = vel momentum - g lr, and
   * outVar = variable + outVel, or with nesterov variable + (outVel momentum - g lr); each
   * product and sum rounded to the arrays' dtype (lr and momentum rounded to it first). One
   * float dtype and length; outputs never alias inputs.
   */
  sgdMomentumUpdate(
    variable: FloatArray,
    vel: FloatArray,
    g: FloatArray,
    lr: number,
    momentum: number,
    nesterov: boolean,
    outVar: FloatArray,
    outVel: FloatArray,
  ): void;
}
