/**
 * _FusedConv2D (TensorFlow's grappler fusion of Conv2D, BiasAdd and Relu, which Keras's Conv2D
 * layer gets under tf.function): y = act(conv2d(x, w) + bias), act relu or the identity, in one
 * kernel pass with one output instead of three. Its gradient is the unfused one: z' =
 * ReluGrad(dy, y) (y > 0 exactly where the pre-activation is), the bias gets the sum of z' over
 * batch and pixels (BiasAddGrad), x and w get Conv2D's adjoints of z'. With relu, that is one op,
 * _FusedConv2DReluBackprop (nn-conv-fused-grad.ts), which never makes z' a tensor; without, the
 * public ops. Every order of derivative stays within ops that have their own gradients.
 */
import type { OpDef } from "../engine/op.js";
import { defineOp } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { NumArray } from "../tensor/dtype.js";
import { reduceSum } from "./broadcast.js";
import { describe, saved } from "./checks.js";
import { reluGrad } from "./elementwise/grad.js";
import { checkFloatPair } from "./nn-conv-family.js";
import { fusedConv2dReluBackprop } from "./nn-conv-fused-grad.js";
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  type ConvAttrs,
  convParams,
} from "./nn-conv.js";

export interface FusedConv2DAttrs extends ConvAttrs {
  /** The activation after the bias: "relu", or "linear" (none). */
  readonly activation: "relu" | "linear";
}

const NAME = "_FusedConv2D";

export const FusedConv2D: OpDef<FusedConv2DAttrs> = defineOp<FusedConv2DAttrs>({
  name: NAME,
  kind: "contraction",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 5, 4, 2] }, { shape: [3, 2, 2, 3] }, { shape: [3] }],
        attrs: { strides: [1, 1], dilations: [1, 1], padding: "VALID", activation: "relu" },
      },
      {
        inputs: [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 2] }, { shape: [2] }],
        attrs: { strides: [2, 2], dilations: [1, 1], padding: "SAME", activation: "linear" },
      },
    ],
  },
  infer: ([x, w, b], a) => {
    checkFloatPair(NAME, x, "input", w, "filter");
    const p = convParams(NAME, x.shape, w.shape, a);
    if (b.dtype !== x.dtype || b.rank !== 1 || b.shape[0] !== p.outC) {
      throw new InvalidArgumentError(
        `${NAME}: bias must be 1-D with the filter's ${p.outC} output channels and dtype ${x.dtype}, got ${describe(b)} (filter ${shapeMsg(w.shape)})`,
      );
    }
    return [{ shape: [p.batch, p.outH, p.outW, p.outC], dtype: x.dtype }];
  },
  kernel: (b, [x, w, bias], [y], a) =>
    b.conv2dBiasAct(
      b.read(x) as NumArray,
      b.read(w) as NumArray,
      b.read(bias) as NumArray,
      b.read(y) as NumArray,
      convParams(NAME, x.shape, w.shape, a),
      a.activation === "relu",
    ),
  // Both backends write every element of y.
  overwritesOutputs: true,
  saveInputs: [0, 1],
  saveOutputs: [0],
  grad: ([dy], c) => {
    const x = saved(c.inputs[0]);
    const w = saved(c.inputs[1]);
    const { activation, ...conv } = c.attrs;
    const need = c.needsInputGrad ?? [true, true, true];
    if (activation === "relu" && (need[1] || need[2])) {
      // One op for the relu mask, the bias's sum and both adjoints (nn-conv-fused-grad.ts).
      const [dx, dw, db] = fusedConv2dReluBackprop(x, w, dy, saved(c.outputs[0]), conv, need[0]);
      return [dx, need[1] ? dw : null, need[2] ? db : null];
    }
    const dz = activation === "relu" ? reluGrad(dy, saved(c.outputs[0])) : dy;
    return [
      need[0] ? runOp1(Conv2DBackpropInput, [w, dz], { ...conv, inputShape: x.shape }) : null,
      need[1] ? runOp1(Conv2DBackpropFilter, [x, dz], { ...conv, filterShape: w.shape }) : null,
      need[2] ? reduceSum(dz, [0, 1, 2]) : null,
    ];
  },
});

/**
 * act(conv2d(x, w, strides, padding, {dilations}) + bias) as one op, NHWC; x, w and bias
 * tensors of one float dtype (the callers, Keras's Conv2D, check and cast). tapeflow-internal,
 * as TensorFlow's _FusedConv2D.
 */
export function fusedConv2d(x: Tensor, w: Tensor, bias: Tensor, attrs: FusedConv2DAttrs): Tensor {
  return runOp1(FusedConv2D, [x, w, bias], attrs);
}
