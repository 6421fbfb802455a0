/**
 * What every convolution shares (Conv2D, DepthwiseConv2dNative, Conv3D): the forward op and its
 * two adjoints, BackpropInput (in the input) and BackpropFilter (in the filters). The three are
 * bilinear in their two tensor inputs, so each one's gradient is made of the other two and every
 * order of derivative stays among them:
 *   y = C(x, w):           dx = I(w, dy),          dw = F(x, dy)
 *   dx = I(w, dy), cot g:  d/dw = F(g, dy),        d/d(dy) = C(g, w)
 *   dw = F(x, dy), cot g:  d/dx = I(g, dy),        d/d(dy) = C(x, g)
 * A family gives its names, its geometry (params from the input and filter shapes), its output
 * shape and its three kernels; defineConvFamily makes the three registry entries.
 */
import type { Backend } from "../backend/index.js";
import { defineOp, type OpCheck, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, describe, saved } from "./checks.js";

export type WithInputShape<A> = A & {
  /** The shape of the convolution's input, which this op produces. */
  readonly inputShape: Shape;
};
export type WithFilterShape<A> = A & {
  /** The shape of the filters, which this op produces. */
  readonly filterShape: Shape;
};

/** One of a family's kernels: two input arrays, the output array, the geometry. */
export type ConvKernel<P> = (b: Backend, a: NumArray, c: NumArray, out: NumArray, p: P) => void;

export interface ConvFamily<A, P> {
  /** TensorFlow's raw-op names of the forward op and its two adjoints. */
  readonly names: { readonly forward: string; readonly input: string; readonly filter: string };
  /** The kernel's geometry for input shape x and filter shape w; checks that they fit. */
  readonly params: (op: string, x: Shape, w: Shape, a: A) => P;
  /** The forward op's output shape. */
  readonly outShape: (p: P) => number[];
  /** forward(x, w, y), input(w, dy, dx), filter(x, dy, dw). */
  readonly kernels: {
    readonly forward: ConvKernel<P>;
    readonly input: ConvKernel<P>;
    readonly filter: ConvKernel<P>;
  };
  readonly checks: {
    readonly forward: OpCheck<A>;
    readonly input: OpCheck<WithInputShape<A>>;
    readonly filter: OpCheck<WithFilterShape<A>>;
  };
  /**
   * The ops whose kernels (on every backend) write every element of their output, which is then
   * allocated uninitialized (no zero fill of a big activation first). Default: none.
   */
  readonly overwritesOutputs?: { readonly forward?: boolean; readonly input?: boolean };
}

/** Both float, of one dtype. */
export function checkFloatPair(
  op: string,
  a: Tensor,
  aName: string,
  b: Tensor,
  bName: string,
): void {
  checkDType(op, a, "float", aName);
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `${op}: ${aName} and ${bName} must have the same dtype, got ${aName} ${describe(a)} and ${bName} ${describe(b)}`,
    );
  }
}

/** Drops the adjoints' extra shape attr, giving the forward op's attrs. */
function forwardAttrs<A>(a: WithInputShape<A> | WithFilterShape<A>): A {
  const { inputShape: _i, filterShape: _f, ...rest } = a as WithInputShape<A> & WithFilterShape<A>;
  return rest as A;
}

export function defineConvFamily<A extends object, P>(
  f: ConvFamily<A, P>,
): { forward: OpDef<A>; input: OpDef<WithInputShape<A>>; filter: OpDef<WithFilterShape<A>> } {
  const { names, params, outShape, kernels } = f;
  const checkCotangent = (op: string, dy: Tensor, p: P): void => {
    const expected = outShape(p);
    if (!shapesEqual(dy.shape, expected)) {
      throw new InvalidArgumentError(
        `${op}: out_backprop must have the convolution's output shape ${shapeMsg(expected)}, got ${shapeMsg(dy.shape)}`,
      );
    }
  };
  const read = (b: Backend, t: Tensor): NumArray => b.read(t) as NumArray;

  const forward: OpDef<A> = defineOp<A>({
    name: names.forward,
    kind: "contraction",
    check: f.checks.forward,
    infer: ([x, w], a) => {
      checkFloatPair(names.forward, x, "input", w, "filter");
      return [{ shape: outShape(params(names.forward, x.shape, w.shape, a)), dtype: x.dtype }];
    },
    kernel: (b, [x, w], [y], a) =>
      kernels.forward(
        b,
        read(b, x),
        read(b, w),
        read(b, y),
        params(names.forward, x.shape, w.shape, a),
      ),
    saveInputs: [0, 1],
    overwritesOutputs: f.overwritesOutputs?.forward === true,
    // y is linear in x and in w: each cotangent is the adjoint map applied to dy. The first
    // layer's input gradient is rarely wanted: skip what the caller does not need.
    grad: ([dy], c) => {
      const x = saved(c.inputs[0]);
      const w = saved(c.inputs[1]);
      const need = c.needsInputGrad ?? [true, true];
      return [
        need[0] ? runOp1(input, [w, dy], { ...c.attrs, inputShape: x.shape }) : null,
        need[1] ? runOp1(filter, [x, dy], { ...c.attrs, filterShape: w.shape }) : null,
      ];
    },
  });

  const input: OpDef<WithInputShape<A>> = defineOp<WithInputShape<A>>({
    name: names.input,
    kind: "contraction",
    check: f.checks.input,
    infer: ([w, dy], a) => {
      checkFloatPair(names.input, dy, "out_backprop", w, "filter");
      checkCotangent(names.input, dy, params(names.input, a.inputShape, w.shape, a));
      return [{ shape: a.inputShape, dtype: dy.dtype }];
    },
    kernel: (b, [w, dy], [dx], a) =>
      kernels.input(
        b,
        read(b, w),
        read(b, dy),
        read(b, dx),
        params(names.input, a.inputShape, w.shape, a),
      ),
    saveInputs: [0, 1],
    overwritesOutputs: f.overwritesOutputs?.input === true,
    grad: ([g], c) => {
      const w = saved(c.inputs[0]);
      const dy = saved(c.inputs[1]);
      const a = forwardAttrs<A>(c.attrs);
      return [runOp1(filter, [g, dy], { ...a, filterShape: w.shape }), runOp1(forward, [g, w], a)];
    },
  });

  const filter: OpDef<WithFilterShape<A>> = defineOp<WithFilterShape<A>>({
    name: names.filter,
    kind: "contraction",
    check: f.checks.filter,
    infer: ([x, dy], a) => {
      checkFloatPair(names.filter, x, "input", dy, "out_backprop");
      checkCotangent(names.filter, dy, params(names.filter, x.shape, a.filterShape, a));
      return [{ shape: a.filterShape, dtype: x.dtype }];
    },
    kernel: (b, [x, dy], [dw], a) =>
      kernels.filter(
        b,
        read(b, x),
        read(b, dy),
        read(b, dw),
        params(names.filter, x.shape, a.filterShape, a),
      ),
    saveInputs: [0, 1],
    grad: ([g], c) => {
      const x = saved(c.inputs[0]);
      const dy = saved(c.inputs[1]);
      const a = forwardAttrs<A>(c.attrs);
      return [runOp1(input, [g, dy], { ...a, inputShape: x.shape }), runOp1(forward, [x, g], a)];
    },
  });

  return { forward, input, filter };
}
