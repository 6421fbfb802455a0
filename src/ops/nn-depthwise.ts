/**
 * Depthwise 2-D convolution, NHWC, as TensorFlow's DepthwiseConv2dNative and its two adjoints
 * (DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter): each input channel
 * c is convolved with its own filters w[:, :, c, m], giving output channel c M + m. The three
 * entries are made by defineConvFamily (nn-conv-family.ts), as Conv2D's. Also the
 * composite tf.nn.separableConv2d (depthwise, then a 1x1 conv2d).
 */
import type { DepthwiseParams } from "../backend/depthwise.js";
import type { OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { checkShape, shapeMsg, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
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
import { conv2d } from "./nn-conv.js";
import { api } from "./api.js";

export interface DepthwiseAttrs {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: Padding2D;
}
export interface DepthwiseBackpropInputAttrs extends DepthwiseAttrs {
  /** The shape of the convolution's input, which this op produces. */
  readonly inputShape: Shape;
}
export interface DepthwiseBackpropFilterAttrs extends DepthwiseAttrs {
  /** The shape of the filter, which this op produces. */
  readonly filterShape: Shape;
}

/** The kernel's geometry for input shape `x` and filter shape `w`; checks that they fit. */
function depthwiseParams(op: string, x: Shape, w: Shape, a: DepthwiseAttrs): DepthwiseParams {
  checkRank4(op, "input", x, "[batch, height, width, channels]");
  checkRank4(op, "filter", w, "[height, width, in_channels, channel_multiplier]");
  if (x[3] !== w[2]) {
    throw new InvalidArgumentError(
      `${op}: input depth must equal filter in_channels: input ${shapeMsg(x)} has ${x[3]} channels, filter ${shapeMsg(w)} expects ${w[2]}`,
    );
  }
  const [strideH, strideW] = a.strides;
  const [dilationH, dilationW] = a.dilations;
  // A dilated filter spans (size - 1) * dilation + 1.
  const eff: [number, number] = [(w[0] - 1) * dilationH + 1, (w[1] - 1) * dilationW + 1];
  const [h, v] = windowDims(op, x, eff, a.strides, a.padding);
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    inC: x[3],
    outH: h.out,
    outW: v.out,
    outC: x[3] * w[3],
    multiplier: w[3],
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

const outShapeOf = (p: DepthwiseParams): number[] => [p.batch, p.outH, p.outW, p.outC];

const CASE_ATTRS: DepthwiseAttrs = { strides: [2, 1], dilations: [1, 1], padding: "SAME" };
const DILATED: DepthwiseAttrs = { strides: [1, 1], dilations: [2, 1], padding: "VALID" };

const family = defineConvFamily<DepthwiseAttrs, DepthwiseParams>({
  names: {
    forward: "DepthwiseConv2dNative",
    input: "DepthwiseConv2dNativeBackpropInput",
    filter: "DepthwiseConv2dNativeBackpropFilter",
  },
  params: depthwiseParams,
  outShape: outShapeOf,
  kernels: {
    forward: (b, x, w, y, p) => b.depthwiseConv2d(x, w, y, p),
    input: (b, w, dy, dx, p) => b.depthwiseConv2dBackpropInput(w, dy, dx, p),
    filter: (b, x, dy, dw, p) => b.depthwiseConv2dBackpropFilter(x, dy, dw, p),
  },
  checks: {
    forward: {
      cases: [
        { inputs: [{ shape: [2, 4, 3, 2] }, { shape: [2, 2, 2, 3] }], attrs: CASE_ATTRS },
        { inputs: [{ shape: [1, 5, 3, 2] }, { shape: [2, 2, 2, 1] }], attrs: DILATED },
      ],
    },
    input: {
      cases: [
        {
          inputs: [{ shape: [2, 2, 2, 3] }, { shape: [2, 2, 3, 6] }],
          attrs: { ...CASE_ATTRS, inputShape: [2, 4, 3, 2] },
        },
      ],
    },
    filter: {
      cases: [
        {
          inputs: [{ shape: [2, 4, 3, 2] }, { shape: [2, 2, 3, 6] }],
          attrs: { ...CASE_ATTRS, filterShape: [2, 2, 2, 3] },
        },
      ],
    },
  },
});

export const DepthwiseConv2dNative: OpDef<DepthwiseAttrs> = family.forward;
export const DepthwiseConv2dNativeBackpropInput: OpDef<DepthwiseBackpropInputAttrs> = family.input;
export const DepthwiseConv2dNativeBackpropFilter: OpDef<DepthwiseBackpropFilterAttrs> =
  family.filter;

export interface DepthwiseConv2DOptions {
  /** Only "NHWC". */
  readonly dataFormat?: "NHWC";
  /** Dilation rate: a number, [h, w] or [1, h, w, 1]; default 1. */
  readonly dilations?: number | readonly number[];
}

function depthwiseAttrs(
  op: string,
  strides: number | readonly number[],
  padding: PaddingArg,
  options: DepthwiseConv2DOptions,
): DepthwiseAttrs {
  checkNHWC(op, options.dataFormat);
  return {
    strides: parseHW(op, "strides", strides),
    dilations: parseHW(op, "dilations", options.dilations ?? 1),
    padding: parsePadding(op, padding),
  };
}

/**
 * `tf.nn.depthwiseConv2d(input, filter, strides, padding, {dataFormat, dilations})`: input
 * [batch, height, width, inChannels], filter [height, width, inChannels, channelMultiplier];
 * output channel c * channelMultiplier + m is input channel c convolved with filter[:, :, c, m].
 */
export const depthwiseConv2d = api(
  function depthwiseConv2d(
    input: TensorLike,
    filter: TensorLike,
    strides: number | readonly number[],
    padding: PaddingArg,
    options: DepthwiseConv2DOptions = {},
  ): Tensor {
    const x = toTensor(input, "depthwiseConv2d");
    const w = toTensor(filter, "depthwiseConv2d", x.dtype);
    const a = depthwiseAttrs("DepthwiseConv2dNative", strides, padding, options);
    return runOp1(DepthwiseConv2dNative, [x, w], a);
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.separableConv2d(input, depthwiseFilter, pointwiseFilter, strides, padding,
 * {dataFormat, dilations})`: depthwiseConv2d, then a 1x1 conv2d with pointwiseFilter
 * [1, 1, inChannels * channelMultiplier, outChannels].
 */
export const separableConv2d = api(
  function separableConv2d(
    input: TensorLike,
    depthwiseFilter: TensorLike,
    pointwiseFilter: TensorLike,
    strides: number | readonly number[],
    padding: PaddingArg,
    options: DepthwiseConv2DOptions = {},
  ): Tensor {
    const y = depthwiseConv2d(input, depthwiseFilter, strides, padding, options);
    const p = toTensor(pointwiseFilter, "separableConv2d", y.dtype);
    const ps = checkShape("separableConv2d", p.shape);
    if (ps.length !== 4 || ps[0] !== 1 || ps[1] !== 1 || ps[2] !== y.shape[3]) {
      throw new InvalidArgumentError(
        `separableConv2d: pointwiseFilter must be [1, 1, ${y.shape[3]}, outChannels] (in_channels * channel_multiplier = ${y.shape[3]}), got ${shapeMsg(ps)}`,
      );
    }
    return conv2d(y, p, 1, "VALID");
  },
  { namespaces: ["nn"] },
);
