/**
 * Fused optimizer updates: one op (one pass over memory) per variable instead of the eight
 * elementwise ops of Keras's Adam rule. Used by tf.keras.optimizers.Adam; not public API.
 *
 * AdamUpdate(variable, m, v, grad, alpha) -> (variable', m', v') with c1 = 1 - beta1,
 * c2 = 1 - beta2:  m' = m + (g - m) c1,  v' = v + (g^2 - v) c2,
 *                  variable' = variable - m' alpha / (sqrt(v') + epsilon).
 * SGDMomentumUpdate(variable, velocity, grad, lr) -> (variable', velocity') (Keras's SGD with
 * momentum m; attrs momentum, nesterov):  velocity' = velocity m - grad lr,
 *   variable' = variable + velocity', or with Nesterov variable + (velocity' m - grad lr).
 * The ops are pure (the caller assigns the results), so they trace into a tf.function like any
 * other; they are updates, not differentiated. Both check their operands the same way
 * (checkSlots).
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { type Shape, shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import { checkDType } from "./checks.js";

/** The slots and gradient must match the variable's shape and float dtype. */
function checkSlots(
  name: string,
  variable: Tensor,
  slots: readonly (readonly [Tensor, string])[],
): { shape: Shape; dtype: DType } {
  checkDType(name, variable, "float", "variable");
  for (const [t, what] of slots) {
    if (t.dtype !== variable.dtype || !shapesEqual(t.shape, variable.shape)) {
      throw new InvalidArgumentError(
        `${name}: ${what} has shape ${shapeMsg(t.shape)} and dtype ${t.dtype}, the variable ${shapeMsg(variable.shape)} and ${variable.dtype}`,
      );
    }
  }
  return { shape: variable.shape, dtype: variable.dtype };
}

/** A rate operand: a scalar of the variable's dtype. */
function checkScalar(name: string, variable: Tensor, t: Tensor, what: string): void {
  if (t.dtype !== variable.dtype || t.size !== 1) {
    throw new InvalidArgumentError(
      `${name}: ${what} must be a ${variable.dtype} scalar, got shape ${shapeMsg(t.shape)} and dtype ${t.dtype}`,
    );
  }
}

export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const AdamUpdate: OpDef<AdamUpdateAttrs> = defineOp<AdamUpdateAttrs>({
  name: "AdamUpdate",
  kind: "other",
  check: { skip: "an optimizer update: not differentiated (state stops gradients)" },
  infer: (inputs) => {
    const [variable, m, v, g, alpha] = inputs;
    const spec = checkSlots("AdamUpdate", variable, [
      [m, "m"],
      [v, "v"],
      [g, "grad"],
    ]);
    checkScalar("AdamUpdate", variable, alpha, "alpha");
    return [spec, spec, spec];
  },
  overwritesOutputs: true,
  kernel: (b, [variable, m, v, g, alpha], [outVar, outM, outV], a) =>
    b.adamUpdate(
      b.read(variable) as FloatArray,
      b.read(m) as FloatArray,
      b.read(v) as FloatArray,
      b.read(g) as FloatArray,
      (b.read(alpha) as FloatArray)[0],
      a.beta1,
      a.beta2,
      a.epsilon,
      b.read(outVar) as FloatArray,
      b.read(outM) as FloatArray,
      b.read(outV) as FloatArray,
    ),
  grad: "none",
});

/** The new [variable, m, v] of one Adam step; alpha is a scalar of the variable's dtype. */
export function adamUpdate(
  variable: Tensor,
  m: Tensor,
  v: Tensor,
  grad: Tensor,
  alpha: Tensor,
  attrs: AdamUpdateAttrs,
): [Tensor, Tensor, Tensor] {
  const [nv, nm, ns] = runOp(AdamUpdate, [variable, m, v, grad, alpha], attrs);
  return [nv, nm, ns];
}

export interface SGDMomentumUpdateAttrs {
  momentum: number;
  nesterov: boolean;
}

export const SGDMomentumUpdate: OpDef<SGDMomentumUpdateAttrs> = defineOp<SGDMomentumUpdateAttrs>({
  name: "SGDMomentumUpdate",
  kind: "other",
  check: { skip: "an optimizer update: not differentiated (state stops gradients)" },
  infer: ([variable, velocity, g, lr]) => {
    const spec = checkSlots("SGDMomentumUpdate", variable, [
      [velocity, "velocity"],
      [g, "grad"],
    ]);
    checkScalar("SGDMomentumUpdate", variable, lr, "lr");
    return [spec, spec];
  },
  overwritesOutputs: true,
  kernel: (b, [variable, velocity, g, lr], [outVar, outVel], a) =>
    b.sgdMomentumUpdate(
      b.read(variable) as FloatArray,
      b.read(velocity) as FloatArray,
      b.read(g) as FloatArray,
      (b.read(lr) as FloatArray)[0],
      a.momentum,
      a.nesterov,
      b.read(outVar) as FloatArray,
      b.read(outVel) as FloatArray,
    ),
  grad: "none",
});

/** The new [variable, velocity] of one SGD-with-momentum step; lr a scalar of the variable's dtype. */
export function sgdMomentumUpdate(
  variable: Tensor,
  velocity: Tensor,
  grad: Tensor,
  lr: Tensor,
  attrs: SGDMomentumUpdateAttrs,
): [Tensor, Tensor] {
  const [nv, nvel] = runOp(SGDMomentumUpdate, [variable, velocity, grad, lr], attrs);
  return [nv, nvel];
}
