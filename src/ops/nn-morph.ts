/**
 * Grayscale morphology, NHWC: Dilation2D (y = the max over the window of x + filter, per
 * channel) with TensorFlow's gradients Dilation2DBackpropInput and Dilation2DBackpropFilter
 * (each cotangent goes to the input pixel and filter tap of the window's maximizing sum, the
 * first on ties), and tf.nn.erosion2d, which TensorFlow defines as -dilation2d(-x, reversed
 * filter). TensorFlow registers no gradient for the two backprop ops, and neither does tapeflow.
 */
import type { Conv2DParams } from "../backend/nn.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkDType, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { negative } from "./elementwise/basic.js";
import { reverse } from "./movement-core.js";
import { checkNHWC, checkRank4, parseHW, windowDims } from "./nn-common.js";
import { checkFloatPair } from "./nn-conv-family.js";
import { parsePadding3D, type Padding3D } from "./nn-conv3d.js";

export interface Dilation2DAttrs {
  readonly strides: readonly [number, number];
  readonly rates: readonly [number, number];
  readonly padding: Padding3D;
}

function dilationParams(op: string, x: Shape, w: Shape, a: Dilation2DAttrs): Conv2DParams {
  checkRank4(op, "input", x, "[batch, height, width, depth]");
  if (w.length !== 3 || w[2] !== x[3]) {
    throw new InvalidArgumentError(
      `${op}: filter must be [filter_height, filter_width, depth] with the input's depth ${x[3]}, got ${shapeMsg(w)} for input ${shapeMsg(x)}`,
    );
  }
  const eff: [number, number] = [(w[0] - 1) * a.rates[0] + 1, (w[1] - 1) * a.rates[1] + 1];
  const [h, v] = windowDims(op, x, eff, a.strides, a.padding);
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    inC: x[3],
    outH: h.out,
    outW: v.out,
    outC: x[3],
    filterH: w[0],
    filterW: w[1],
    strideH: a.strides[0],
    strideW: a.strides[1],
    dilationH: a.rates[0],
    dilationW: a.rates[1],
    padTop: h.padBefore,
    padLeft: v.padBefore,
  };
}

const outShapeOf = (p: Conv2DParams): number[] => [p.batch, p.outH, p.outW, p.outC];

const CASE: Dilation2DAttrs = { strides: [1, 2], rates: [1, 1], padding: "SAME" };
const RATED: Dilation2DAttrs = { strides: [1, 1], rates: [2, 1], padding: "VALID" };

export const Dilation2D: OpDef<Dilation2DAttrs> = defineOp<Dilation2DAttrs>({
  name: "Dilation2D",
  kind: "nn",
  check: {
    cases: [
      { inputs: [{ shape: [2, 4, 5, 2] }, { shape: [2, 3, 2] }], attrs: CASE },
      { inputs: [{ shape: [1, 5, 3, 1] }, { shape: [2, 2, 1] }], attrs: RATED },
    ],
    // The backprop ops have no gradient (as in TensorFlow).
    secondOrder: false,
  },
  infer: ([x, w], a) => {
    checkFloatPair("Dilation2D", x, "input", w, "filter");
    return [
      { shape: outShapeOf(dilationParams("Dilation2D", x.shape, w.shape, a)), dtype: x.dtype },
    ];
  },
  kernel: (b, [x, w], [y], a) =>
    b.dilation2d(
      b.read(x) as NumArray,
      b.read(w) as NumArray,
      b.read(y) as NumArray,
      dilationParams("Dilation2D", x.shape, w.shape, a),
    ),
  overwritesOutputs: true,
  saveInputs: [0, 1],
  grad: ([dy], c) => {
    const x = saved(c.inputs[0]);
    const w = saved(c.inputs[1]);
    const need = c.needsInputGrad ?? [true, true];
    return [
      need[0] ? runOp1(Dilation2DBackpropInput, [x, w, dy], c.attrs) : null,
      need[1] ? runOp1(Dilation2DBackpropFilter, [x, w, dy], c.attrs) : null,
    ];
  },
});

function backpropInfer(
  op: string,
  [x, w, dy]: readonly Tensor[],
  a: Dilation2DAttrs,
): Conv2DParams {
  checkFloatPair(op, x, "input", w, "filter");
  checkDType(op, dy, "float", "out_backprop");
  const p = dilationParams(op, x.shape, w.shape, a);
  if (dy.dtype !== x.dtype || !shapesEqual(dy.shape, outShapeOf(p))) {
    throw new InvalidArgumentError(
      `${op}: out_backprop must be ${x.dtype} of the output shape ${shapeMsg(outShapeOf(p))}, got ${describe(dy)}`,
    );
  }
  return p;
}

export const Dilation2DBackpropInput: OpDef<Dilation2DAttrs> = defineOp<Dilation2DAttrs>({
  name: "Dilation2DBackpropInput",
  kind: "nn",
  check: { skip: "TensorFlow registers no gradient for it" },
  infer: (inputs, a) => {
    backpropInfer("Dilation2DBackpropInput", inputs, a);
    return [{ shape: inputs[0].shape, dtype: inputs[0].dtype }];
  },
  kernel: (b, [x, w, dy], [dx], a) =>
    b.dilation2dBackpropInput(
      b.read(x) as NumArray,
      b.read(w) as NumArray,
      b.read(dy) as NumArray,
      b.read(dx) as NumArray,
      dilationParams("Dilation2DBackpropInput", x.shape, w.shape, a),
    ),
  grad: null,
});

export const Dilation2DBackpropFilter: OpDef<Dilation2DAttrs> = defineOp<Dilation2DAttrs>({
  name: "Dilation2DBackpropFilter",
  kind: "nn",
  check: { skip: "TensorFlow registers no gradient for it" },
  infer: (inputs, a) => {
    backpropInfer("Dilation2DBackpropFilter", inputs, a);
    return [{ shape: inputs[1].shape, dtype: inputs[1].dtype }];
  },
  kernel: (b, [x, w, dy], [dw], a) =>
    b.dilation2dBackpropFilter(
      b.read(x) as NumArray,
      b.read(w) as NumArray,
      b.read(dy) as NumArray,
      b.read(dw) as NumArray,
      dilationParams("Dilation2DBackpropFilter", x.shape, w.shape, a),
    ),
  grad: null,
});

function morphAttrs(
  op: string,
  strides: number | readonly number[],
  padding: string,
  dataFormat: string | undefined,
  dilations: number | readonly number[],
): Dilation2DAttrs {
  checkNHWC(op, dataFormat);
  return {
    strides: parseHW(op, "strides", strides),
    rates: parseHW(op, "dilations", dilations),
    padding: parsePadding3D(op, padding),
  };
}

/**
 * `tf.nn.dilation2d(input, filters, strides, padding, dataFormat = "NHWC", dilations = 1)`:
 * grayscale dilation, y[b, i, j, c] = max over (di, dj) of x[b, i sr + di rr - top,
 * j sc + dj rc - left, c] + filters[di, dj, c] (padded positions never win); input
 * [batch, height, width, depth], filters [height, width, depth].
 */
export const dilation2d = api(
  function dilation2d(
    input: TensorLike,
    filters: TensorLike,
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    dataFormat?: "NHWC",
    dilations: number | readonly number[] = 1,
  ): Tensor {
    const x = toTensor(input, "dilation2d");
    const w = toTensor(filters, "dilation2d", x.dtype);
    const a = morphAttrs("Dilation2D", strides, padding, dataFormat, dilations);
    return runOp1(Dilation2D, [x, w], a);
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.erosion2d(value, filters, strides, padding, dataFormat = "NHWC", dilations = 1)`:
 * grayscale erosion, y[b, i, j, c] = min over (di, dj) of x[...] - filters[di, dj, c], as
 * TensorFlow computes it: -dilation2d(-value, filters reversed in height and width).
 */
export const erosion2d = api(
  function erosion2d(
    value: TensorLike,
    filters: TensorLike,
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    dataFormat?: "NHWC",
    dilations: number | readonly number[] = 1,
  ): Tensor {
    const x = toTensor(value, "erosion2d");
    const w = toTensor(filters, "erosion2d", x.dtype);
    if (w.rank !== 3) {
      throw new InvalidArgumentError(
        `Dilation2D: filter must be [filter_height, filter_width, depth], got ${describe(w)}`,
      );
    }
    const a = morphAttrs("Dilation2D", strides, padding, dataFormat, dilations);
    return negative(runOp1(Dilation2D, [negative(x), reverse(w, [0, 1])], a));
  },
  { namespaces: ["nn"] },
);
