/**
 * Fused optimizer updates: one op (one pass over memory) per variable instead of the eight
 * elementwise ops of Keras's Adam rule. Used by tf.keras.optimizers.Adam; not public API.
 *
 * AdamUpdate(variable, m, v, grad, alpha) -> (variable', m', v') with c1 = 1 - beta1,
 * c2 = 1 - beta2:  m' = m + (g - m) c1,  v' = v + (g^2 - v) c2,
 *                  variable' = variable - m' alpha / (sqrt(v') + epsilon).
 * The op is pure (the caller assigns the results), so it traces into a tf.function like any
 * other; it is an update, not differentiated.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import { checkDType } from "./checks.js";

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
    checkDType("AdamUpdate", variable, "float", "variable");
    for (const [t, what] of [
      [m, "m"],
      [v, "v"],
      [g, "grad"],
    ] as const) {
      if (t.dtype !== variable.dtype || !shapesEqual(t.shape, variable.shape)) {
        throw new InvalidArgumentError(
          `AdamUpdate: ${what} has shape ${shapeMsg(t.shape)} and dtype ${t.dtype}, the variable ${shapeMsg(variable.shape)} and ${variable.dtype}`,
        );
      }
    }
    if (alpha.dtype !== variable.dtype || alpha.size !== 1) {
      throw new InvalidArgumentError(
        `AdamUpdate: alpha must be a ${variable.dtype} scalar, got shape ${shapeMsg(alpha.shape)} and dtype ${alpha.dtype}`,
      );
    }
    const spec = { shape: variable.shape, dtype: variable.dtype };
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
