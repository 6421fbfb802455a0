/**
 * 2-D convolution, NHWC, and its two adjoints. Conv2D's gradient is Conv2DBackpropInput (in
 * the input) and Conv2DBackpropFilter (in the filters); those two are linear in both their
 * tensor inputs, so their own gradients are again convolutions and backprops, and every order
 * of derivative stays within these three primitives (defineConvFamily, nn-conv-family.ts, makes
 * the three entries, as for the depthwise and 3-D convolutions).
 */
import { backend } from "../backend/index.js";
import type { Conv2DParams } from "../backend/nn.js";
import type { OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { checkShape, shapeMsg, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { reshape } from "./broadcast.js";
import { toTensor, type TensorLike } from "./checks.js";
import { defineConvFamily } from "./nn-conv-family.js";
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

export interface ConvAttrs {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: Padding2D;
}
export interface Conv2DBackpropInputAttrs extends ConvAttrs {
  /** The shape of the convolution's input, which this op produces. */
  readonly inputShape: Shape;
}
export interface Conv2DBackpropFilterAttrs extends ConvAttrs {
  /** The shape of the convolution's filters, which this op produces. */
  readonly filterShape: Shape;
}

export interface Conv2DOptions {
  /** Only "NHWC" (TensorFlow's CPU supports no other). */
  readonly dataFormat?: "NHWC";
  /** Dilation rate: a number, [h, w] or [1, h, w, 1]; default 1. */
  readonly dilations?: number | readonly number[];
}

/**
 * Everything a conv kernel needs, from an input of shape `x` and filters of shape `w`;
 * checks that they fit. The output is [batch, outH, outW, outC].
 */
export function convParams(op: string, x: Shape, w: Shape, a: ConvAttrs): Conv2DParams {
  checkRank4(op, "input", x, "[batch, height, width, channels]");
  checkRank4(op, "filter", w, "[height, width, in_channels, out_channels]");
  if (x[3] !== w[2]) {
    throw new InvalidArgumentError(
      `${op}: input depth must equal filter in_channels: input ${shapeMsg(x)} has ${x[3]} channels, filter ${shapeMsg(w)} expects ${w[2]}`,
    );
  }
  const [strideH, strideW] = a.strides;
  const [dilationH, dilationW] = a.dilations;
  // The effective window of a dilated filter: (size - 1) * dilation + 1.
  const eff: [number, number] = [(w[0] - 1) * dilationH + 1, (w[1] - 1) * dilationW + 1];
  const [h, v] = windowDims(op, x, eff, a.strides, a.padding);
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    inC: x[3],
    outH: h.out,
    outW: v.out,
    outC: w[3],
    filterH: w[0],
    filterW: w[1],
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop: h.padBefore,
    padLeft: v.padBefore,
  };
}

const outShapeOf = (p: Conv2DParams): number[] => [p.batch, p.outH, p.outW, p.outC];

const family = defineConvFamily<ConvAttrs, Conv2DParams>({
  names: {
    forward: "Conv2D",
    input: "Conv2DBackpropInput",
    filter: "Conv2DBackpropFilter",
  },
  params: convParams,
  outShape: outShapeOf,
  // The JS and native conv2d and conv2dBackpropInput kernels write (or zero) every element.
  overwritesOutputs: { forward: true, input: true },
  kernels: {
    forward: (b, x, w, y, p) => b.conv2d(x, w, y, p),
    input: (b, w, dy, dx, p) => b.conv2dBackpropInput(w, dy, dx, p),
    filter: (b, x, dy, dw, p) => b.conv2dBackpropFilter(x, dy, dw, p),
  },
  checks: {
    forward: {
      cases: [
        {
          inputs: [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 2] }],
          attrs: { strides: [1, 1], dilations: [1, 1], padding: "SAME" },
        },
        {
          inputs: [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 3] }],
          attrs: { strides: [2, 2], dilations: [1, 1], padding: "VALID" },
        },
      ],
    },
    input: {
      cases: [
        {
          inputs: [{ shape: [3, 3, 2, 2] }, { shape: [1, 5, 5, 2] }],
          attrs: { strides: [1, 1], dilations: [1, 1], padding: "SAME", inputShape: [1, 5, 5, 2] },
        },
      ],
    },
    filter: {
      cases: [
        {
          inputs: [{ shape: [1, 5, 5, 2] }, { shape: [1, 5, 5, 2] }],
          attrs: { strides: [1, 1], dilations: [1, 1], padding: "SAME", filterShape: [3, 3, 2, 2] },
        },
      ],
    },
  },
});

export const Conv2D: OpDef<ConvAttrs> = family.forward;
export const Conv2DBackpropInput: OpDef<Conv2DBackpropInputAttrs> = family.input;
export const Conv2DBackpropFilter: OpDef<Conv2DBackpropFilterAttrs> = family.filter;

function convAttrs(
  op: string,
  strides: number | readonly number[],
  padding: PaddingArg,
  options: Conv2DOptions,
): ConvAttrs {
  checkNHWC(op, options.dataFormat);
  return {
    strides: parseHW(op, "strides", strides),
    dilations: parseHW(op, "dilations", options.dilations ?? 1),
    padding: parsePadding(op, padding),
  };
}

/**
 * `tf.nn.conv2d(input, filters, strides, padding, {dataFormat, dilations})`: input
 * [batch..., height, width, inChannels] (rank 4 or more: leading dimensions are batch),
 * filters [height, width, inChannels, outChannels]; strides and dilations a number, [h, w] or
 * [1, h, w, 1]; padding "SAME", "VALID" or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
 */
export const conv2d = api(
  function conv2d(
    input: TensorLike,
    filters: TensorLike,
    strides: number | readonly number[],
    padding: PaddingArg,
    options: Conv2DOptions = {},
  ): Tensor {
    const x = toTensor(input, "conv2d");
    const w = toTensor(filters, "conv2d", x.dtype);
    const a = convAttrs("Conv2D", strides, padding, options);
    if (x.rank <= 4) return runOp1(Conv2D, [x, w], a);
    // Extra leading dimensions are batch: fold them into one and unfold the result.
    const lead = x.shape.slice(0, -3);
    const y = runOp1(Conv2D, [reshape(x, [-1, ...x.shape.slice(-3)]), w], a);
    return reshape(y, [...lead, ...y.shape.slice(1)]);
  },
  { methods: [], namespaces: ["nn"] },
);

/**
 * `tf.nn.conv2dTranspose(input, filters, outputShape, strides, padding, {dataFormat, dilations})`:
 * the adjoint of conv2d (Conv2DBackpropInput). filters are [height, width, outChannels,
 * inChannels], as conv2d's filters for the forward direction; outputShape is the 4-D shape
 * conv2d would take as input.
 */
export const conv2dTranspose = api(
  function conv2dTranspose(
    input: TensorLike,
    filters: TensorLike,
    outputShape: readonly number[] | Tensor,
    strides: number | readonly number[],
    padding: PaddingArg,
    options: Conv2DOptions = {},
  ): Tensor {
    const dy = toTensor(input, "conv2dTranspose");
    const w = toTensor(filters, "conv2dTranspose", dy.dtype);
    const shape =
      outputShape instanceof Tensor
        ? Array.from(backend().read(outputShape) as ArrayLike<number>, Number)
        : outputShape;
    const inputShape = checkShape("Conv2DBackpropInput", shape);
    const a = convAttrs("Conv2DBackpropInput", strides, padding, options);
    return runOp1(Conv2DBackpropInput, [w, dy], { ...a, inputShape });
  },
  { methods: [], namespaces: ["nn"] },
);
