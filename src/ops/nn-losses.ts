/**
 * Losses of tf.nn. The softmax cross-entropies are primitives with fused kernels, as in
 * TensorFlow: one pass gives the loss (stable: computed from the log-softmax with the row max
 * subtracted) and its backprop softmax - labels, which the gradient reuses. The sigmoid
 * cross-entropy and l2Loss are composites.
 */
import { backend } from "../backend/index.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { activeRecorders } from "../engine/recorder.js";
import { runOp } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { reducedShape, reduceSum, reshape } from "./broadcast.js";
import {
  checkDType,
  describe,
  NO_ATTRS,
  type NoAttrs,
  toOperands,
  toTensor,
  type TensorLike,
  saved,
} from "./checks.js";
import { splitAtAxis } from "./reduce-scan.js";
import { add, exp, greaterEqual, log1p, mul, neg, square, sub, where } from "./elementwise.js";
import { logSoftmax, softmax } from "./nn-softmax.js";
import { api } from "./api.js";

export interface XentAttrs {
  /** The class axis, normalized. */
  readonly axis: number;
}

/**
 * The part of the logits' cotangent that comes through the backprop output b = softmax(x) - labels:
 * its Jacobian in x is softmax's, so the term is s * (db - sum(db * s)) with s = softmax(x).
 * It matters for second derivatives, where an outer tape differentiates through b.
 */
function throughBackprop(dBackprop: Tensor, logits: Tensor, axis: number): Tensor | null {
  if (isUnusedZero(dBackprop)) return null;
  const s = softmax(logits, axis);
  return mul(s, sub(dBackprop, reduceSum(mul(dBackprop, s), axis, true)));
}

/**
 * Whether the backprop output's cotangent is zero and may be left out: the tape passes zeros
 * for an output nobody used (the usual case: only the loss is used). Only when no tape is
 * recording the gradient computation: a recording tape may differentiate with respect to
 * that cotangent (double-backward tricks do), and then the term matters even at zero.
 */
function isUnusedZero(t: Tensor): boolean {
  if (activeRecorders.length > 0) return false;
  const v = backend().read(t) as NumArray;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/** a + b, where b may have been left out (null). */
function plus(a: Tensor, b: Tensor | null): Tensor {
  return b === null ? a : add(a, b);
}

export const SoftmaxCrossEntropyWithLogits: OpDef<XentAttrs> = defineOp<XentAttrs>({
  name: "SoftmaxCrossEntropyWithLogits",
  kind: "nn",
  check: {
    cases: [
      {
        // The backprop output is softmax - labels, TensorFlow's gradient, exact when each row
        // of labels sums to 1: labels are a fixed distribution here.
        inputs: [
          {
            value: [
              [0.2, 0.3, 0.5],
              [0.1, 0.6, 0.3],
            ],
            dtype: "float64",
          },
          { shape: [2, 3] },
        ],
        attrs: { axis: 1 },
      },
    ],
  },
  infer: ([labels, logits], { axis }) => {
    const op = "SoftmaxCrossEntropyWithLogits";
    checkDType(op, logits, "float", "logits");
    if (labels.dtype !== logits.dtype || !shapesEqual(labels.shape, logits.shape)) {
      throw new InvalidArgumentError(
        `${op}: logits and labels must have the same shape and dtype, got logits ${describe(logits)} and labels ${describe(labels)}`,
      );
    }
    if (logits.rank < 1 || axis < 0 || axis >= logits.rank) {
      throw new InvalidArgumentError(
        `${op}: logits must have at least 1 dimension and axis ${axis} must be one of them, got ${describe(logits)}`,
      );
    }
    const lossShape = logits.shape.filter((_, i) => i !== axis);
    return [
      { shape: lossShape, dtype: logits.dtype },
      { shape: logits.shape, dtype: logits.dtype },
    ];
  },
  kernel: (b, [labels, logits], [loss, backprop], { axis }) =>
    b.softmaxCrossEntropy(
      b.read(labels) as NumArray,
      b.read(logits) as NumArray,
      b.read(loss) as NumArray,
      b.read(backprop) as NumArray,
      splitAtAxis(logits.shape, axis),
    ),
  saveInputs: [1],
  saveOutputs: [1],
  // loss = -sum(labels * logSoftmax(x)), b = softmax(x) - labels:
  // d/dx = dloss * b + (softmax Jacobian)^T db,  d/dlabels = -dloss * logSoftmax(x) - db.
  // Written with public ops (softmax, logSoftmax, and b itself, an output the outer tape
  // knows), so the rule is differentiable again.
  grad: ([dLoss, dBackprop], c) => {
    const logits = saved(c.inputs[1]);
    const backprop = saved(c.outputs[1]);
    const { axis } = c.attrs;
    const g = reshape(dLoss, reducedShape(logits.shape, [axis], true));
    const viaBackprop = throughBackprop(dBackprop, logits, axis);
    const dLogits = plus(mul(g, backprop), viaBackprop);
    const fromLoss = mul(g, neg(logSoftmax(logits, axis)));
    const dLabels = viaBackprop === null ? fromLoss : sub(fromLoss, dBackprop);
    return [dLabels, dLogits];
  },
});

export const SparseSoftmaxCrossEntropyWithLogits: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "SparseSoftmaxCrossEntropyWithLogits",
  kind: "nn",
  check: { cases: [{ inputs: [{ value: [0, 2], dtype: "int32" }, { shape: [2, 3] }], attrs: {} }] },
  infer: ([labels, logits]) => {
    const op = "SparseSoftmaxCrossEntropyWithLogits";
    checkDType(op, logits, "float", "logits");
    if (labels.dtype !== "int32") {
      throw new TypeError(
        `${op}: labels must be int32 class indices, got ${describe(labels)} (logits ${describe(logits)})`,
      );
    }
    if (logits.rank < 1 || !shapesEqual(labels.shape, logits.shape.slice(0, -1))) {
      throw new InvalidArgumentError(
        `${op}: labels must have the shape of logits without the last (class) dimension, got labels ${shapeMsg(labels.shape)} and logits ${shapeMsg(logits.shape)}`,
      );
    }
    const classes = logits.shape[logits.rank - 1];
    const values = backend().read(labels) as Int32Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < 0 || v >= classes) {
        throw new InvalidArgumentError(
          `${op}: Received a label value of ${v} which is outside the valid range of [0, ${classes}) (${classes} classes, logits ${describe(logits)}). Label values: ${Array.from(values.subarray(0, 20)).join(" ")}${values.length > 20 ? " ..." : ""}`,
        );
      }
    }
    return [
      { shape: labels.shape, dtype: logits.dtype },
      { shape: logits.shape, dtype: logits.dtype },
    ];
  },
  kernel: (b, [labels, logits], [loss, backprop]) => {
    const classes = logits.shape[logits.rank - 1];
    b.sparseSoftmaxCrossEntropy(
      b.read(labels) as Int32Array,
      b.read(logits) as NumArray,
      b.read(loss) as NumArray,
      b.read(backprop) as NumArray,
      labels.size,
      classes,
    );
  },
  saveInputs: [1],
  saveOutputs: [1],
  // As for the dense op, with oneHot(labels) in place of labels; integer labels get none.
  grad: ([dLoss, dBackprop], c) => {
    const logits = saved(c.inputs[1]);
    const backprop = saved(c.outputs[1]);
    const axis = logits.rank - 1;
    const g = reshape(dLoss, reducedShape(logits.shape, [axis], true));
    return [null, plus(mul(g, backprop), throughBackprop(dBackprop, logits, axis))];
  },
});

/**
 * `tf.nn.softmaxCrossEntropyWithLogits(labels, logits, axis = -1)`: -sum(labels *
 * logSoftmax(logits)) along the axis, one loss per row. Labels are a probability distribution
 * per row (not checked, as in TensorFlow) and are differentiated too.
 */
export const softmaxCrossEntropyWithLogits = api(
  function softmaxCrossEntropyWithLogits(
    labels: TensorLike,
    logits: TensorLike,
    axis = -1,
  ): Tensor {
    const op = "softmaxCrossEntropyWithLogits";
    const [z, x] = toOperands(op, labels, logits);
    if (x.rank === 0) {
      throw new InvalidArgumentError(
        `SoftmaxCrossEntropyWithLogits: logits must have at least 1 dimension, got ${describe(x)}`,
      );
    }
    const a = normalizeAxis("SoftmaxCrossEntropyWithLogits", axis, x.rank, x);
    return runOp(SoftmaxCrossEntropyWithLogits, [z, x], { axis: a })[0];
  },
  { methods: [], namespaces: ["nn"] },
);

/**
 * `tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits)`: labels are int32 class indices
 * with logits' shape less its last dimension; the loss is -logSoftmax(logits)[..., label].
 */
export const sparseSoftmaxCrossEntropyWithLogits = api(
  function sparseSoftmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
    const op = "sparseSoftmaxCrossEntropyWithLogits";
    const z = toTensor(labels, op, "int32");
    const x = toTensor(logits, op);
    return runOp(SparseSoftmaxCrossEntropyWithLogits, [z, x], NO_ATTRS)[0];
  },
  { methods: [], namespaces: ["nn"] },
);

/**
 * `tf.nn.sigmoidCrossEntropyWithLogits(labels, logits)`: with x the logits and z the labels,
 * z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x)), computed as TensorFlow does in the
 * stable form max(x, 0) - x * z + log(1 + exp(-|x|)), which neither overflows nor loses
 * precision. The max and |x| are written as selects on x >= 0 (as in TensorFlow) so that the
 * gradient at x = 0 is sigmoid(0) - z = 0.5 - z.
 */
export const sigmoidCrossEntropyWithLogits = api(
  function sigmoidCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
    const op = "sigmoidCrossEntropyWithLogits";
    const [z, x] = toOperands(op, labels, logits);
    checkDType(op, x, "float", "logits");
    if (!shapesEqual(z.shape, x.shape)) {
      throw new InvalidArgumentError(
        `${op}: logits and labels must have the same shape, got logits ${describe(x)} and labels ${describe(z)}`,
      );
    }
    const nonNegative = greaterEqual(x, 0);
    const reluLogits = where(nonNegative, x, 0);
    const negAbsLogits = where(nonNegative, neg(x), x);
    return add(sub(reluLogits, mul(x, z)), log1p(exp(negAbsLogits)));
  },
  { methods: [], namespaces: ["nn"] },
);

/** `tf.nn.l2Loss(t)`: sum(t^2) / 2, a scalar. */
export const l2Loss = api(
  function l2Loss(t: TensorLike): Tensor {
    const x = toTensor(t, "l2Loss");
    checkDType("l2Loss", x, "float");
    return mul(reduceSum(square(x)), 0.5);
  },
  { methods: [], namespaces: ["nn"] },
);
