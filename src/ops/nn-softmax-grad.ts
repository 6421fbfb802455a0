/**
 * The gradients of Softmax and LogSoftmax as single fused ops (one pass per row instead of four
 * elementwise ops and a reduction, and one output allocation instead of four):
 *   SoftmaxGrad(y, dy):    dx = y (dy - sum(dy y))     y = softmax(x)
 *   LogSoftmaxGrad(y, dy): dx = dy - exp(y) sum(dy)    y = logSoftmax(x)
 * with the sums along `axis` (kept). Their own gradients (for higher orders) are written with
 * public ops:
 *   SoftmaxGrad, upstream g:    d/dy  = g (dy - s) - dy sum(g y),  d/d(dy) = y (g - sum(g y))
 *   LogSoftmaxGrad, upstream g: d/dy  = -exp(y) s g,               d/d(dy) = g - sum(g exp(y))
 * where s is the forward's sum.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import { reduceSum } from "./broadcast.js";
import { checkDType, saved } from "./checks.js";
import { splitAtAxis } from "./reduce-scan.js";
import { exp, mul, negative, sub } from "./elementwise.js";

export interface SoftmaxGradAttrs {
  /** Normalized: 0 <= axis < rank. */
  readonly axis: number;
}

function gradInfer(name: string) {
  return ([y, dy]: readonly Tensor[], { axis }: SoftmaxGradAttrs) => {
    checkDType(name, y, "float", "y");
    if (dy.dtype !== y.dtype || !shapesEqual(dy.shape, y.shape)) {
      throw new InvalidArgumentError(
        `${name}: dy has shape ${shapeMsg(dy.shape)} and dtype ${dy.dtype}, y ${shapeMsg(y.shape)} and ${y.dtype}`,
      );
    }
    if (y.rank < 1 || axis < 0 || axis >= y.rank) {
      throw new InvalidArgumentError(
        `${name}: axis ${axis} is not an axis of shape ${shapeMsg(y.shape)}`,
      );
    }
    return [{ shape: y.shape, dtype: y.dtype }];
  };
}

export const SoftmaxGrad: OpDef<SoftmaxGradAttrs> = defineOp<SoftmaxGradAttrs>({
  name: "SoftmaxGrad",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [2, 5], range: [0.05, 0.4] },
          { shape: [2, 5], range: [-1, 1] },
        ],
        attrs: { axis: 1 },
      },
      {
        inputs: [
          { shape: [3, 4, 2], range: [0.05, 0.4] },
          { shape: [3, 4, 2], range: [-1, 1] },
        ],
        attrs: { axis: 1 },
      },
    ],
  },
  overwritesOutputs: true,
  infer: gradInfer("SoftmaxGrad"),
  kernel: (b, [y, dy], [dx], { axis }) =>
    b.softmaxGrad(
      b.read(y) as FloatArray,
      b.read(dy) as FloatArray,
      b.read(dx) as FloatArray,
      splitAtAxis(y.shape, axis),
      false,
    ),
  saveInputs: [0, 1],
  grad: ([g], c) => {
    const y = saved(c.inputs[0]);
    const dy = saved(c.inputs[1]);
    const { axis } = c.attrs;
    const s = reduceSum(mul(dy, y), axis, true);
    const gy = reduceSum(mul(g, y), axis, true);
    return [sub(mul(g, sub(dy, s)), mul(dy, gy)), mul(y, sub(g, gy))];
  },
});

export const LogSoftmaxGrad: OpDef<SoftmaxGradAttrs> = defineOp<SoftmaxGradAttrs>({
  name: "LogSoftmaxGrad",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [2, 5], range: [-3, -0.5] },
          { shape: [2, 5], range: [-1, 1] },
        ],
        attrs: { axis: 1 },
      },
      {
        inputs: [
          { shape: [3, 4, 2], range: [-3, -0.5] },
          { shape: [3, 4, 2], range: [-1, 1] },
        ],
        attrs: { axis: 0 },
      },
    ],
  },
  overwritesOutputs: true,
  infer: gradInfer("LogSoftmaxGrad"),
  kernel: (b, [y, dy], [dx], { axis }) =>
    b.softmaxGrad(
      b.read(y) as FloatArray,
      b.read(dy) as FloatArray,
      b.read(dx) as FloatArray,
      splitAtAxis(y.shape, axis),
      true,
    ),
  saveInputs: [0, 1],
  grad: ([g], c) => {
    const y = saved(c.inputs[0]);
    const dy = saved(c.inputs[1]);
    const { axis } = c.attrs;
    const e = exp(y);
    const s = reduceSum(dy, axis, true);
    return [negative(mul(mul(e, s), g)), sub(g, reduceSum(mul(g, e), axis, true))];
  },
});

/** dx of softmax along axis (normalized), from its output y and upstream dy. */
export function softmaxGrad(y: Tensor, dy: Tensor, axis: number): Tensor {
  return runOp1(SoftmaxGrad, [y, dy], { axis });
}

/** dx of logSoftmax along axis (normalized), from its output y and upstream dy. */
export function logSoftmaxGrad(y: Tensor, dy: Tensor, axis: number): Tensor {
  return runOp1(LogSoftmaxGrad, [y, dy], { axis });
}
