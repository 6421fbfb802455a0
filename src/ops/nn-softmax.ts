/**
 * Softmax and log-softmax: primitives with fused kernels rather than compositions of exp, sum
 * and div, because the fused kernel subtracts the row max first (softmax(x) = softmax(x - c)),
 * so large logits do not overflow, and makes one pass instead of five.
 *
 * The kernels normalize along any axis by viewing the tensor as [outer, n, inner], so no
 * transpose is needed for an axis other than the last.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, toTensor, type TensorLike, saved } from "./checks.js";
import { splitAtAxis } from "./reduce-scan.js";
import { api } from "./api.js";
import { logSoftmaxGrad, softmaxGrad } from "./nn-softmax-grad.js";

export interface SoftmaxAttrs {
  /** Normalized: 0 <= axis < rank. */
  readonly axis: number;
}

function softmaxInfer(name: string) {
  return ([x]: readonly Tensor[], { axis }: SoftmaxAttrs) => {
    checkDType(name, x, "float", "logits");
    if (x.rank < 1 || axis < 0 || axis >= x.rank) {
      throw new InvalidArgumentError(
        `${name}: logits must have at least 1 dimension and axis ${axis} must be one of them, got shape ${shapeMsg(x.shape)} (${x.dtype})`,
      );
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  };
}

export const Softmax: OpDef<SoftmaxAttrs> = defineOp<SoftmaxAttrs>({
  name: "Softmax",
  kind: "nn",
  check: {
    cases: [
      { inputs: [{ shape: [2, 3] }], attrs: { axis: 1 } },
      { inputs: [{ shape: [3, 2] }], attrs: { axis: 0 } },
    ],
  },
  overwritesOutputs: true,
  infer: softmaxInfer("Softmax"),
  kernel: (b, [x], [y], { axis }) =>
    b.softmax(b.read(x) as NumArray, b.read(y) as NumArray, splitAtAxis(x.shape, axis)),
  saveOutputs: [0],
  // dy_i/dx_j = y_i (delta_ij - y_j), so dx = y * (dy - sum(dy * y)) along the axis: one
  // fused op (nn-softmax-grad.ts).
  grad: ([dy], c) => [softmaxGrad(saved(c.outputs[0]), dy, c.attrs.axis)],
});

export const LogSoftmax: OpDef<SoftmaxAttrs> = defineOp<SoftmaxAttrs>({
  name: "LogSoftmax",
  kind: "nn",
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { axis: 1 } }] },
  overwritesOutputs: true,
  infer: softmaxInfer("LogSoftmax"),
  kernel: (b, [x], [y], { axis }) =>
    b.logSoftmax(b.read(x) as NumArray, b.read(y) as NumArray, splitAtAxis(x.shape, axis)),
  saveOutputs: [0],
  // dy_i/dx_j = delta_ij - softmax_j, and softmax = exp(y): dx = dy - exp(y) * sum(dy), one
  // fused op (nn-softmax-grad.ts).
  grad: ([dy], c) => [logSoftmaxGrad(saved(c.outputs[0]), dy, c.attrs.axis)],
});

function normalized(op: string, logits: Tensor, axis: number): number {
  if (logits.rank === 0) {
    throw new InvalidArgumentError(
      `${op}: logits must have at least 1 dimension, got a scalar (shape ${shapeMsg(logits.shape)}, ${logits.dtype})`,
    );
  }
  return normalizeAxis(op, axis, logits.rank, logits);
}

/** `tf.nn.softmax(logits, axis = -1)`: exp(x) / sum(exp(x)) along the axis. */
export const softmax = api(
  function softmax(logits: TensorLike, axis = -1): Tensor {
    const x = toTensor(logits, "softmax");
    return runOp1(Softmax, [x], { axis: normalized("Softmax", x, axis) });
  },
  { methods: ["softmax"], namespaces: ["nn", "math"] },
);

/** `tf.nn.logSoftmax(logits, axis = -1)`: x - log(sum(exp(x))) along the axis. */
export const logSoftmax = api(
  function logSoftmax(logits: TensorLike, axis = -1): Tensor {
    const x = toTensor(logits, "logSoftmax");
    return runOp1(LogSoftmax, [x], { axis: normalized("LogSoftmax", x, axis) });
  },
  { methods: ["logSoftmax"], namespaces: ["nn", "math"] },
);
