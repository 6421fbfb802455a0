/**
 * _FusedDropout(x, u; rate): tf.nn.dropout's where(u >= rate, x * (1 / (1 - rate)), 0) as one
 * op, u the uniform draw of x's shape and dtype (RandomUniform, drawn as before, so the masks
 * under tf.random.setSeed are unchanged). rate and the scale are rounded to x's dtype, as the
 * composite's scalar tensors were, so the values are the composite's to the bit. One output
 * instead of the composite's three (the bool mask, the scaled x, the select), and the gradient is
 * the same op on dy: linear in x, d/dx = _FusedDropout(dy, u), and none for u (a comparison's
 * operand, as in TensorFlow).
 */
import type { Grads, OpDef } from "../engine/op.js";
import { defineOp } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { NumArray } from "../tensor/dtype.js";
import { checkDType, describe, saved } from "./checks.js";

export interface FusedDropoutAttrs {
  /** The drop probability, in (0, 1). */
  readonly rate: number;
}

const NAME = "_FusedDropout";

export const FusedDropout: OpDef<FusedDropoutAttrs> = defineOp<FusedDropoutAttrs>({
  name: NAME,
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [2, 5] },
          {
            value: [
              [0.1, 0.9, 0.5, 0.3, 0.7],
              [0.29, 0.31, 0.0, 0.99, 0.3],
            ],
            dtype: "float64",
          },
        ],
        attrs: { rate: 0.3 },
      },
    ],
  },
  infer: ([x, u], a) => {
    checkDType(NAME, x, "float", "x");
    if (u.dtype !== x.dtype || !shapesEqual(u.shape, x.shape)) {
      throw new InvalidArgumentError(
        `${NAME}: the uniform draw must have the shape and dtype of x ${describe(x)}, got ${describe(u)}`,
      );
    }
    if (typeof a.rate !== "number" || !(a.rate > 0 && a.rate < 1)) {
      throw new RangeError(`${NAME}: rate must be a number in (0, 1), got ${String(a.rate)}`);
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  kernel: (b, [x, u], [y], a) => {
    const f32 = x.dtype === "float32";
    const scale = 1 / (1 - a.rate);
    b.dropoutApply(
      b.read(x) as NumArray,
      b.read(u) as NumArray,
      b.read(y) as NumArray,
      f32 ? Math.fround(a.rate) : a.rate,
      f32 ? Math.fround(scale) : scale,
    );
  },
  // Both backends write every element.
  overwritesOutputs: true,
  saveInputs: [1],
  grad: ([dy], c): Grads => [runOp1(FusedDropout, [dy, saved(c.inputs[1])], c.attrs), null],
});

/** where(u >= rate, x / (1 - rate), 0) as one op; u of x's shape and dtype, rate in (0, 1). */
export function fusedDropout(x: Tensor, u: Tensor, rate: number): Tensor {
  return runOp1(FusedDropout, [x, u], { rate });
}
