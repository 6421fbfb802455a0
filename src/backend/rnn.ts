/**
 * Recurrent sequence kernels beyond the LSTM's (nn-fused.ts): the GRU over a whole time-major
 * sequence, forward and gradient, in Keras's gate order (z, r, h).
 */
import type { FloatArray } from "./optim.js";

/** A GRU sequence of `steps` steps of `batch` rows of `units` units. */
export interface GruSequenceParams {
  readonly steps: number;
  readonly batch: number;
  readonly units: number;
  /** Keras's reset_after: the reset gate scales the recurrent product (true) or the state. */
  readonly resetAfter: boolean;
}

export interface RnnKernels {
  /**
   * xp [steps, batch, 3 units] the projected inputs (input bias included), rk [units, 3 units]
   * the recurrent kernel, rb [3 units] the recurrent bias, h0 [batch, units]. Per step, with h
   * the previous state:
   *   resetAfter:  a = h rk + rb; pz = xz + a_z, pr = xr + a_r, q = a_h, ph = xh + sigmoid(pr) q
   *   !resetAfter: pz = xz + h rk_z + rb_z, pr = xr + h rk_r + rb_r, q = sigmoid(pr) h,
   *                ph = xh + q rk_h + rb_h
   *   z = sigmoid(pz), hh = tanh(ph), h' = z h + (1 - z) hh
   * hs [steps, batch, units] gets every h', gs [steps, batch, 4 units] every (pz, pr, ph, q).
   */
  gruSequence(
    xp: FloatArray,
    rk: FloatArray,
    rb: FloatArray,
    h0: FloatArray,
    hs: FloatArray,
    gs: FloatArray,
    p: GruSequenceParams,
  ): void;
  /**
   * gruSequence's gradient (steps >= 1) for upstream dhs and dgs (of hs and gs): dxp, drk,
   * drb and dh0, backward through the steps.
   */
  gruSequenceGrad(
    rk: FloatArray,
    h0: FloatArray,
    hs: FloatArray,
    gs: FloatArray,
    dhs: FloatArray,
    dgs: FloatArray,
    dxp: FloatArray,
    drk: FloatArray,
    drb: FloatArray,
    dh0: FloatArray,
    p: GruSequenceParams,
  ): void;
}
