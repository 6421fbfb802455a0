/**
 * 2-D max and average pooling, NHWC, with TensorFlow's gradient primitives:
 * MaxPool -> MaxPoolGrad(input, output, dy) -> MaxPoolGradGrad(input, output, g) -> MaxPoolGrad ...
 * (routing a cotangent to the window's argmax and gathering it back are adjoint linear maps
 * in the cotangent, and piecewise constant in the input), and AvgPool -> AvgPoolGrad -> AvgPool
 * (spreading over the window and averaging it are adjoint).
 */
import type { Pool2DParams } from "../backend/nn.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, describe, toTensor, type TensorLike, saved } from "./checks.js";
import { zerosLike } from "./creation.js";
import {
  checkNHWC,
  checkRank4,
  type Padding2D,
  type PaddingArg,
  parseHW,
  parsePadding,
  windowDims,
} from "./nn-common.js";
import { api } from "./api.js";

export interface PoolAttrs {
  readonly ksize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding2D;
}
export interface AvgPoolGradAttrs extends PoolAttrs {
  /** The shape of the pooled input, which this op produces. */
  readonly inputShape: Shape;
}

/** Everything a pool kernel needs for an input of shape `x`; checks the window fits. */
function poolParams(op: string, x: Shape, a: PoolAttrs): Pool2DParams {
  checkRank4(op, "input", x, "[batch, height, width, channels]");
  const [windowH, windowW] = a.ksize;
  const [strideH, strideW] = a.strides;
  const pad = a.padding;
  if (typeof pad !== "string") {
    // Explicit padding no wider than the window, so no window lies wholly in the padding.
    const [[t, b], [l, r]] = pad;
    if (t >= windowH || b >= windowH || l >= windowW || r >= windowW) {
      throw new InvalidArgumentError(
        `${op}: explicit padding must be smaller than the window: padding ${JSON.stringify(pad)}, ksize [${windowH}, ${windowW}]`,
      );
    }
  }
  const [h, w] = windowDims(op, x, a.ksize, a.strides, pad);
  if ((x[1] === 0 || x[2] === 0) && h.out * w.out > 0) {
    throw new InvalidArgumentError(
      `${op}: every pooling window would be empty: input ${shapeMsg(x)} has no pixels`,
    );
  }
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    channels: x[3],
    outH: h.out,
    outW: w.out,
    windowH,
    windowW,
    strideH,
    strideW,
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

const outShapeOf = (p: Pool2DParams): number[] => [p.batch, p.outH, p.outW, p.channels];

/** Checks that a tensor has the shape and dtype expected of it in a pool gradient op. */
function expectLike(op: string, what: string, t: Tensor, shape: Shape, ref: Tensor): void {
  if (t.dtype !== ref.dtype || !shapesEqual(t.shape, shape)) {
    throw new InvalidArgumentError(
      `${op}: ${what} must have shape ${shapeMsg(shape)} and dtype ${ref.dtype}, got ${describe(t)}`,
    );
  }
}

export const MaxPool: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "MaxPool",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [1, 4, 4, 2] }],
        attrs: { ksize: [2, 2], strides: [2, 2], padding: "VALID" },
      },
    ],
  },
  infer: ([x], a) => {
    checkDType("MaxPool", x, "numeric");
    return [{ shape: outShapeOf(poolParams("MaxPool", x.shape, a)), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.maxPool(b.read(x) as NumArray, b.read(y) as NumArray, poolParams("MaxPool", x.shape, a)),
  saveInputs: [0],
  saveOutputs: [0],
  // Both backends write every window's max (no zero fill of a big output first).
  overwritesOutputs: true,
  // The cotangent of each window goes to its max.
  grad: ([dy], c) => [runOp1(MaxPoolGrad, [saved(c.inputs[0]), saved(c.outputs[0]), dy], c.attrs)],
});

/**
 * MaxPoolGrad, (orig_input, orig_output, dy) -> dx, routes each window's cotangent to its argmax
 * in orig_input; MaxPoolGradGrad, (orig_input, orig_output, g) -> g at each window's argmax,
 * gathers it back. Both are linear in their third input and adjoint to each other, so each one's
 * gradient there is the other; the argmax is piecewise constant in the input, so the input and
 * output get zeros, as in TensorFlow. The kernels find the argmax in orig_input itself;
 * orig_output is kept as an input for TensorFlow's signature.
 */
function argmaxRoutingOp(
  name: "MaxPoolGrad" | "MaxPoolGradGrad",
  kernel: "maxPoolGrad" | "maxPoolGradGrad",
  adjoint: () => OpDef<PoolAttrs>,
): OpDef<PoolAttrs> {
  // MaxPoolGrad maps the pooled shape to the input's, MaxPoolGradGrad the input's to the pooled.
  const toInput = name === "MaxPoolGrad";
  return defineOp<PoolAttrs>({
    name,
    kind: "nn",
    // orig_output only routes (its values are not read), so it is a fixed input here.
    check: {
      cases: [
        {
          inputs: [
            { shape: [1, 4, 4, 2] },
            {
              value: [
                [
                  [
                    [0, 0],
                    [0, 0],
                  ],
                  [
                    [0, 0],
                    [0, 0],
                  ],
                ],
              ],
              dtype: "float64",
            },
            { shape: toInput ? [1, 2, 2, 2] : [1, 4, 4, 2] },
          ],
          attrs: { ksize: [2, 2], strides: [2, 2], padding: "VALID" },
        },
      ],
    },
    infer: ([x, y, g], a) => {
      checkDType(name, x, "numeric", "orig_input");
      const out = outShapeOf(poolParams(name, x.shape, a));
      expectLike(name, "orig_output", y, out, x);
      expectLike(name, "grad", g, toInput ? out : x.shape, x);
      return [{ shape: toInput ? x.shape : out, dtype: x.dtype }];
    },
    kernel: (b, [x, , g], [out], a) =>
      b[kernel](
        b.read(x) as NumArray,
        b.read(g) as NumArray,
        b.read(out) as NumArray,
        poolParams(name, x.shape, a),
      ),
    saveInputs: [0, 1],
    // Both backends write every element (zeros where no window's max lies).
    overwritesOutputs: true,
    grad: ([h], c) => {
      const x = saved(c.inputs[0]);
      const y = saved(c.inputs[1]);
      return [zerosLike(x), zerosLike(y), runOp1(adjoint(), [x, y, h], c.attrs)];
    },
  });
}

export const MaxPoolGrad: OpDef<PoolAttrs> = argmaxRoutingOp(
  "MaxPoolGrad",
  "maxPoolGrad",
  () => MaxPoolGradGrad,
);
export const MaxPoolGradGrad: OpDef<PoolAttrs> = argmaxRoutingOp(
  "MaxPoolGradGrad",
  "maxPoolGradGrad",
  () => MaxPoolGrad,
);

export const AvgPool: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "AvgPool",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [1, 4, 4, 2] }],
        attrs: { ksize: [2, 2], strides: [1, 1], padding: "SAME" },
      },
    ],
  },
  infer: ([x], a) => {
    checkDType("AvgPool", x, "float");
    return [{ shape: outShapeOf(poolParams("AvgPool", x.shape, a)), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.avgPool(b.read(x) as NumArray, b.read(y) as NumArray, poolParams("AvgPool", x.shape, a)),
  // Linear: the gradient needs only the input's shape.
  grad: ([dy], c) => [runOp1(AvgPoolGrad, [dy], { ...c.attrs, inputShape: c.inputShapes[0] })],
});

/** dy -> dx: each window's cotangent spread evenly over its valid (non-padded) positions. */
export const AvgPoolGrad: OpDef<AvgPoolGradAttrs> = defineOp<AvgPoolGradAttrs>({
  name: "AvgPoolGrad",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [1, 4, 4, 2] }],
        attrs: { ksize: [2, 2], strides: [1, 1], padding: "SAME", inputShape: [1, 4, 4, 2] },
      },
    ],
  },
  infer: ([dy], a) => {
    checkDType("AvgPoolGrad", dy, "float", "grad");
    const out = outShapeOf(poolParams("AvgPoolGrad", a.inputShape, a));
    if (!shapesEqual(dy.shape, out)) {
      throw new InvalidArgumentError(
        `AvgPoolGrad: grad must have the pooled shape ${shapeMsg(out)} of orig_input ${shapeMsg(a.inputShape)}, got ${describe(dy)}`,
      );
    }
    return [{ shape: a.inputShape, dtype: dy.dtype }];
  },
  kernel: (b, [dy], [dx], a) =>
    b.avgPoolGrad(
      b.read(dy) as NumArray,
      b.read(dx) as NumArray,
      poolParams("AvgPoolGrad", a.inputShape, a),
    ),
  // Spreading and averaging are adjoint: the cotangent of dx is average-pooled.
  grad: ([g], c) => {
    const { inputShape: _, ...a } = c.attrs;
    return [runOp1(AvgPool, [g], a)];
  },
});

export interface Pool2DOptions {
  /** Only "NHWC". */
  readonly dataFormat?: "NHWC";
}

function poolAttrs(
  op: string,
  ksize: number | readonly number[],
  strides: number | readonly number[],
  padding: PaddingArg,
  options: Pool2DOptions,
): PoolAttrs {
  checkNHWC(op, options.dataFormat);
  return {
    ksize: parseHW(op, "ksize", ksize),
    strides: parseHW(op, "strides", strides),
    padding: parsePadding(op, padding),
  };
}

/**
 * `tf.nn.maxPool2d(input, ksize, strides, padding, {dataFormat})`: the max of each window of
 * an NHWC input; ksize and strides a number, [h, w] or [1, h, w, 1]; padding "SAME", "VALID" or
 * explicit (padded positions never win).
 */
export const maxPool2d = api(
  function maxPool2d(
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: PaddingArg,
    options: Pool2DOptions = {},
  ): Tensor {
    const x = toTensor(input, "maxPool2d");
    return runOp1(MaxPool, [x], poolAttrs("MaxPool", ksize, strides, padding, options));
  },
  { methods: [], namespaces: ["nn"] },
);

/**
 * `tf.nn.avgPool2d(input, ksize, strides, padding, {dataFormat})`: the mean of each window of
 * an NHWC input, over its valid positions only (with SAME padding, edge windows average fewer).
 */
export const avgPool2d = api(
  function avgPool2d(
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: PaddingArg,
    options: Pool2DOptions = {},
  ): Tensor {
    const x = toTensor(input, "avgPool2d");
    return runOp1(AvgPool, [x], poolAttrs("AvgPool", ksize, strides, padding, options));
  },
  { methods: [], namespaces: ["nn"] },
);
