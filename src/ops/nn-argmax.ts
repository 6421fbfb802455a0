/**
 * MaxPoolWithArgmax: 2-D max pooling, NHWC, that also gives where each max came from, in
 * TensorFlow's flattening: ((b * height + y) * width + x) * channels + c, the batch term only
 * with includeBatchInIndex (argmax is int32 here: tapeflow has no int64). Its gradient routes
 * the cotangent through the argmax (MaxPoolGradWithArgmax), whose adjoint gathers it back
 * (MaxPoolGradGradWithArgmax): both linear in the cotangent, zero in the input, as in TensorFlow.
 */
import type { Conv2DParams } from "../backend/nn.js";
import type { IndexMapParams } from "../backend/nn-image.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkDType, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { zerosLike } from "./creation.js";
import { checkNHWC, checkRank4, parseHW, windowDims } from "./nn-common.js";
import { parsePadding3D, type Padding3D } from "./nn-conv3d.js";

export interface ArgmaxPoolAttrs {
  readonly ksize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding3D;
  readonly includeBatchInIndex: boolean;
}

/** The pool's geometry as Conv2DParams (window = filter, outC = inC = channels). */
function argmaxParams(op: string, x: Shape, a: ArgmaxPoolAttrs): Conv2DParams {
  checkRank4(op, "input", x, "[batch, height, width, channels]");
  const [h, w] = windowDims(op, x, a.ksize, a.strides, a.padding);
  if ((x[1] === 0 || x[2] === 0) && h.out * w.out > 0) {
    throw new InvalidArgumentError(
      `${op}: every pooling window would be empty: input ${shapeMsg(x)} has no pixels`,
    );
  }
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    inC: x[3],
    outH: h.out,
    outW: w.out,
    outC: x[3],
    filterH: a.ksize[0],
    filterW: a.ksize[1],
    strideH: a.strides[0],
    strideW: a.strides[1],
    dilationH: 1,
    dilationW: 1,
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

const outShapeOf = (p: Conv2DParams): number[] => [p.batch, p.outH, p.outW, p.inC];

/** Argmax indices in blocks of one image each, or flat over the batch. */
function routing(p: Conv2DParams, includeBatch: boolean): IndexMapParams {
  return {
    blockOut: Math.max(1, p.outH * p.outW * p.inC),
    blockIn: includeBatch ? 0 : p.inH * p.inW * p.inC,
  };
}

const CASE: ArgmaxPoolAttrs = {
  ksize: [2, 2],
  strides: [2, 1],
  padding: "SAME",
  includeBatchInIndex: false,
};

export const MaxPoolWithArgmax: OpDef<ArgmaxPoolAttrs> = defineOp<ArgmaxPoolAttrs>({
  name: "MaxPoolWithArgmax",
  kind: "nn",
  check: { cases: [{ inputs: [{ shape: [2, 3, 3, 2] }], attrs: CASE }] },
  infer: ([x], a) => {
    checkDType("MaxPoolWithArgmax", x, "float");
    const out = outShapeOf(argmaxParams("MaxPoolWithArgmax", x.shape, a));
    return [
      { shape: out, dtype: x.dtype },
      { shape: out, dtype: "int32" },
    ];
  },
  kernel: (b, [x], [y, arg], a) =>
    b.maxPoolWithArgmax(
      b.read(x) as NumArray,
      b.read(y) as NumArray,
      b.read(arg) as Int32Array,
      argmaxParams("MaxPoolWithArgmax", x.shape, a),
      a.includeBatchInIndex,
    ),
  overwritesOutputs: true,
  saveInputs: [0],
  saveOutputs: [1],
  grad: ([dy], c) => [
    runOp1(MaxPoolGradWithArgmax, [saved(c.inputs[0]), dy, saved(c.outputs[1])], c.attrs),
  ],
});

/**
 * Checks (input, grad, argmax) of the two routing ops and that every argmax lies in its image
 * (or the batch, with includeBatchInIndex): the kernels index with it.
 */
function checkRouting(
  op: string,
  x: Tensor,
  g: Tensor,
  arg: Tensor,
  a: ArgmaxPoolAttrs,
  gShape: Shape,
): Conv2DParams {
  checkDType(op, x, "float", "input");
  const p = argmaxParams(op, x.shape, a);
  const out = outShapeOf(p);
  if (g.dtype !== x.dtype || !shapesEqual(g.shape, gShape)) {
    throw new InvalidArgumentError(
      `${op}: grad must have shape ${shapeMsg(gShape)} and dtype ${x.dtype}, got ${describe(g)}`,
    );
  }
  if (arg.dtype !== "int32" || !shapesEqual(arg.shape, out)) {
    throw new InvalidArgumentError(
      `${op}: argmax must be int32 of the pooled shape ${shapeMsg(out)}, got ${describe(arg)}`,
    );
  }
  return p;
}

function checkArgmaxValues(op: string, arg: Int32Array, p: Conv2DParams, includeBatch: boolean) {
  const limit = includeBatch ? p.batch * p.inH * p.inW * p.inC : p.inH * p.inW * p.inC;
  for (const v of arg) {
    if (v < 0 || v >= limit) {
      throw new InvalidArgumentError(
        `${op}: argmax value ${v} is out of range [0, ${limit}) for input [${p.batch}, ${p.inH}, ${p.inW}, ${p.inC}] (includeBatchInIndex ${includeBatch})`,
      );
    }
  }
}

// Argmax of a [2, 2, 4, 1] input pooled by 2x2 windows (batch in the index), for the routing ops' checks.
const ROUTE_CASE: ArgmaxPoolAttrs = {
  ksize: [2, 2],
  strides: [2, 2],
  padding: "VALID",
  includeBatchInIndex: true,
};
const ROUTE_ARGMAX = { value: [[[[5], [2]]], [[[13], [11]]]], dtype: "int32" } as const;

/** (input, grad [pooled], argmax) -> dx: grad added at each argmax. */
export const MaxPoolGradWithArgmax: OpDef<ArgmaxPoolAttrs> = defineOp<ArgmaxPoolAttrs>({
  name: "MaxPoolGradWithArgmax",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 2, 4, 1] }, { shape: [2, 1, 2, 1] }, ROUTE_ARGMAX],
        attrs: ROUTE_CASE,
      },
    ],
  },
  infer: ([x, g, arg], a) => {
    const op = "MaxPoolGradWithArgmax";
    const pooled = outShapeOf(argmaxParams(op, x.shape, a));
    checkRouting(op, x, g, arg, a, pooled);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  kernel: (b, [x, g, arg], [dx], a) => {
    const op = "MaxPoolGradWithArgmax";
    const p = argmaxParams(op, x.shape, a);
    const idx = b.read(arg) as Int32Array;
    checkArgmaxValues(op, idx, p, a.includeBatchInIndex);
    b.indexScatterAdd(
      b.read(g) as NumArray,
      idx,
      b.read(dx) as NumArray,
      routing(p, a.includeBatchInIndex),
    );
  },
  saveInputs: [0, 2],
  grad: ([h], c) => {
    const x = saved(c.inputs[0]);
    const arg = saved(c.inputs[2]);
    return [zerosLike(x), runOp1(MaxPoolGradGradWithArgmax, [x, h, arg], c.attrs), null];
  },
});

/** (input, g [input's shape], argmax) -> g at each argmax [pooled]. */
export const MaxPoolGradGradWithArgmax: OpDef<ArgmaxPoolAttrs> = defineOp<ArgmaxPoolAttrs>({
  name: "MaxPoolGradGradWithArgmax",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 2, 4, 1] }, { shape: [2, 2, 4, 1] }, ROUTE_ARGMAX],
        attrs: ROUTE_CASE,
      },
    ],
  },
  infer: ([x, g, arg], a) => {
    const op = "MaxPoolGradGradWithArgmax";
    const pooled = outShapeOf(argmaxParams(op, x.shape, a));
    checkRouting(op, x, g, arg, a, x.shape);
    return [{ shape: pooled, dtype: x.dtype }];
  },
  kernel: (b, [x, g, arg], [out], a) => {
    const op = "MaxPoolGradGradWithArgmax";
    const p = argmaxParams(op, x.shape, a);
    const idx = b.read(arg) as Int32Array;
    checkArgmaxValues(op, idx, p, a.includeBatchInIndex);
    b.indexGather(
      b.read(g) as NumArray,
      idx,
      b.read(out) as NumArray,
      routing(p, a.includeBatchInIndex),
    );
  },
  overwritesOutputs: true,
  saveInputs: [0, 2],
  grad: ([h], c) => {
    const x = saved(c.inputs[0]);
    const arg = saved(c.inputs[2]);
    return [zerosLike(x), runOp1(MaxPoolGradWithArgmax, [x, h, arg], c.attrs), null];
  },
});

export interface MaxPoolWithArgmaxOptions {
  /** Only "NHWC". */
  readonly dataFormat?: "NHWC";
  /** Only "int32" (TensorFlow's default int64 does not exist here). */
  readonly outputDtype?: "int32";
  /** Whether the flattened index counts the batch (default false). */
  readonly includeBatchInIndex?: boolean;
}

/** The result of maxPoolWithArgmax. */
export interface MaxPoolWithArgmaxResult {
  readonly output: Tensor;
  readonly argmax: Tensor;
}

/**
 * `tf.nn.maxPoolWithArgmax(input, ksize, strides, padding, {dataFormat, outputDtype,
 * includeBatchInIndex})`: {output, argmax}, output as maxPool2d's and argmax the flattened
 * position of each max, ((b * height + y) * width + x) * channels + c (b only with
 * includeBatchInIndex); ties go to the first position in row-major order.
 */
export const maxPoolWithArgmax = api(
  function maxPoolWithArgmax(
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    options: MaxPoolWithArgmaxOptions = {},
  ): MaxPoolWithArgmaxResult {
    const op = "MaxPoolWithArgmax";
    const x = toTensor(input, "maxPoolWithArgmax");
    checkNHWC(op, options.dataFormat);
    if (options.outputDtype !== undefined && options.outputDtype !== "int32") {
      throw new InvalidArgumentError(
        `${op}: outputDtype must be "int32" (tapeflow has no int64), got ${String(options.outputDtype)}`,
      );
    }
    const [output, argmax] = runOp(MaxPoolWithArgmax, [x], {
      ksize: parseHW(op, "ksize", ksize),
      strides: parseHW(op, "strides", strides),
      padding: parsePadding3D(op, padding),
      includeBatchInIndex: options.includeBatchInIndex ?? false,
    });
    return { output, argmax };
  },
  { namespaces: ["nn"] },
);
