/**
 * Broadcasting and its adjoint: BroadcastTo, Sum and Reshape, the three primitives every other
 * gradient rule leans on (a broadcast input's gradient is the cotangent summed back to its shape).
 * They depend on nothing else in ops/, so the families above them can use them without cycles.
 */
import { runOp1 } from "../engine/run-op.js";
import { defineOp, type OpDef } from "../engine/op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import {
  broadcastedAxes,
  normalizeAxes,
  shapeMsg,
  shapesEqual,
  sizeOf,
  tryBroadcastShapes,
  type Shape,
} from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, toTensor, type TensorLike } from "./checks.js";
import { api } from "./api.js";
import { shapeArg } from "../tensor/args.js";

export interface ReshapeAttrs {
  readonly shape: Shape;
}
export interface BroadcastToAttrs {
  readonly shape: Shape;
}
export interface ReduceAttrs {
  /** Sorted, distinct, non-negative. */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** The output shape of a reduction. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!axes.includes(i)) out.push(shape[i]);
    else if (keepdims) out.push(1);
  }
  return out;
}

export const Reshape: OpDef<ReshapeAttrs> = defineOp<ReshapeAttrs>({
  name: "Reshape",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { shape: [3, 2] } }] },
  infer: ([x], { shape }) => {
    if (sizeOf(shape) !== x.size) {
      throw new InvalidArgumentError(
        `Reshape: cannot reshape a tensor with ${x.size} elements (shape ${shapeMsg(x.shape)}, ${x.dtype}) to shape ${shapeMsg(shape)} (${sizeOf(shape)} elements)`,
      );
    }
    return [{ shape, dtype: x.dtype }];
  },
  kernel: () => undefined,
  viewOf: 0,
  // d reshape(x) = reshape(dy) back to x's shape
  grad: ([dy], { inputShapes }) => [reshape(dy, inputShapes[0])],
});

export const BroadcastTo: OpDef<BroadcastToAttrs> = defineOp<BroadcastToAttrs>({
  name: "BroadcastTo",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [1, 3] }], attrs: { shape: [2, 3] } }] },
  infer: ([x], { shape }) => {
    const b = tryBroadcastShapes(x.shape, shape);
    if (b === null || !shapesEqual(b, shape)) {
      throw new InvalidArgumentError(
        `BroadcastTo: cannot broadcast a tensor of shape ${shapeMsg(x.shape)} (${x.dtype}) to shape ${shapeMsg(shape)}`,
      );
    }
    return [{ shape, dtype: x.dtype }];
  },
  kernel: (b, [x], [y]) => b.broadcastTo(b.read(x), x.shape, b.read(y), y.shape),
  // The adjoint of a broadcast is a sum over the broadcast axes.
  grad: ([dy], { inputShapes }) => [sumToShape(dy, inputShapes[0])],
});

export const Sum: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: "Sum",
  kind: "reduction",
  check: {
    cases: [
      { inputs: [{ shape: [2, 3] }], attrs: { axes: [1], keepdims: false } },
      { inputs: [{ shape: [2, 3] }], attrs: { axes: [0, 1], keepdims: true } },
    ],
  },
  infer: ([x], { axes, keepdims }) => {
    checkDType("Sum", x, "numeric");
    return [{ shape: reducedShape(x.shape, axes, keepdims), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], { axes }) =>
    b.reduce("Sum", b.read(x) as NumArray, x.shape, axes, b.read(y) as NumArray),
  // Every input element contributes once: broadcast dy back over the reduced axes.
  grad: ([dy], { inputShapes, attrs }) => {
    const kept = reducedShape(inputShapes[0], attrs.axes, true);
    return [broadcastTo(reshape(dy, kept), inputShapes[0])];
  },
});

/** `tf.reshape(x, shape)`; one dimension may be -1 and is inferred. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, "reshape");
  if (!Array.isArray(shape))
    throw new TypeError(`reshape: shape must be an array of integers, got ${String(shape)}`);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (infer >= 0)
        throw new InvalidArgumentError(
          `Reshape: only one dimension may be -1, got shape [${shape.join(", ")}]`,
        );
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `Reshape: dimensions must be non-negative integers or -1, got shape [${shape.join(", ")}]`,
      );
    } else known *= d;
  }
  const full = shape.slice();
  if (infer >= 0) {
    if (known === 0 || t.size % known !== 0) {
      throw new InvalidArgumentError(
        `Reshape: cannot infer the -1 dimension: ${t.size} elements (shape ${shapeMsg(t.shape)}) do not divide into shape [${shape.join(", ")}]`,
      );
    }
    full[infer] = t.size / known;
  }
  if (shapesEqual(full, t.shape)) return t;
  return runOp1(Reshape, [t], { shape: full });
}

/** `tf.broadcastTo(x, shape)`. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, "broadcastTo");
  const s = shapeArg("broadcastTo", shape);
  if (shapesEqual(t.shape, s)) return t;
  return runOp1(BroadcastTo, [t], { shape: s.slice() });
}

/** `tf.reduceSum(x, axis?, keepdims?)`. */
export const reduceSum = api(
  function reduceSum(
    x: TensorLike,
    axis?: number | readonly number[] | null,
    keepdims = false,
  ): Tensor {
    const t = toTensor(x, "reduceSum");
    return runOp1(Sum, [t], { axes: normalizeAxes("Sum", axis, t.rank, t), keepdims });
  },
  { methods: ["reduceSum", "sum"], namespaces: ["math"] },
);

/**
 * Sums a broadcast cotangent back to `shape`: the gradient of every op that broadcasts its
 * inputs ends here.
 */
export function sumToShape(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastedAxes(shape, dy.shape);
  const summed = axes.length === 0 ? dy : runOp1(Sum, [dy], { axes, keepdims: false });
  return reshape(summed, shape);
}

/** sumToShape for a gradient rule: input i's cotangent back to the shape it had. */
export const unbroadcast = (
  g: Tensor,
  c: { inputShapes: readonly (readonly number[])[] },
  i: number,
): Tensor => sumToShape(g, c.inputShapes[i]);
