/**
 * 3-D convolution, NDHWC, as TensorFlow's Conv3D and its two adjoints Conv3DBackpropInputV2 (in
 * the input) and Conv3DBackpropFilterV2 (in the filters), made by defineConvFamily
 * (nn-conv-family.ts) as Conv2D's. Also tf.nn.conv3dTranspose, and the
 * 3-D helpers the pooling ops share (nn-pool3d.ts).
 */
import { backend } from "../backend/index.js";
import type { Conv3DParams } from "../backend/nn3d.js";
import type { OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { checkShape, shapeMsg, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { toTensor, type TensorLike } from "./checks.js";
import { defineConvFamily } from "./nn-conv-family.js";
import { type Dim, windowDim } from "./nn-common.js";

export type Triple = readonly [number, number, number];
/** 3-D ops take TensorFlow's two padding names (Conv3D and the 3-D pools have no explicit form). */
export type Padding3D = "SAME" | "VALID";

export interface Conv3DAttrs {
  readonly strides: Triple;
  readonly dilations: Triple;
  readonly padding: Padding3D;
}
export interface Conv3DBackpropInputAttrs extends Conv3DAttrs {
  /** The shape of the convolution's input, which this op produces. */
  readonly inputShape: Shape;
}
export interface Conv3DBackpropFilterAttrs extends Conv3DAttrs {
  /** The shape of the filters, which this op produces. */
  readonly filterShape: Shape;
}

/** "SAME" or "VALID", any case. */
export function parsePadding3D(op: string, padding: unknown): Padding3D {
  if (typeof padding === "string") {
    const up = padding.toUpperCase();
    if (up === "SAME" || up === "VALID") return up;
  }
  throw new InvalidArgumentError(
    `${op}: padding must be "SAME" or "VALID", got ${JSON.stringify(padding)}`,
  );
}

/**
 * Strides, dilations or window sizes for NDHWC: a number, `[n]`, `[d, h, w]` or
 * `[1, d, h, w, 1]`; gives `[d, h, w]`, each an integer >= 1.
 */
export function parseDHW(op: string, what: string, v: number | readonly number[]): Triple {
  let t: [number, number, number] | null = null;
  if (typeof v === "number") t = [v, v, v];
  else if (Array.isArray(v)) {
    if (v.length === 1) t = [v[0], v[0], v[0]];
    else if (v.length === 3) t = [v[0], v[1], v[2]];
    else if (v.length === 5) {
      if (v[0] !== 1 || v[4] !== 1) {
        throw new InvalidArgumentError(
          `${op}: ${what} in the batch and channel dimensions must be 1 (NDHWC), got [${v.join(", ")}]`,
        );
      }
      t = [v[1], v[2], v[3]];
    }
  }
  if (t === null || !t.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a positive integer or a list of 1, 3 or 5 positive integers, got ${JSON.stringify(v)}`,
    );
  }
  return t;
}

/** TensorFlow's window arithmetic for the depth, height and width of an NDHWC shape. */
export function windowDims3(
  op: string,
  x: Shape,
  window: Triple,
  strides: Triple,
  padding: Padding3D,
): [Dim, Dim, Dim] {
  return [
    windowDim(op, x[1], window[0], strides[0], padding),
    windowDim(op, x[2], window[1], strides[1], padding),
    windowDim(op, x[3], window[2], strides[2], padding),
  ];
}

export function checkRank5(op: string, what: string, shape: Shape, layout: string): void {
  if (shape.length !== 5) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be 5-dimensional ${layout}, got shape ${shapeMsg(shape)}`,
    );
  }
}

/** Only NDHWC is supported, as on TensorFlow's CPU. */
export function checkNDHWC(op: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== "NDHWC") {
    throw new InvalidArgumentError(
      `${op}: only the NDHWC data format is supported (as on TensorFlow's CPU), got ${dataFormat}`,
    );
  }
}

/** The kernel's geometry for input shape `x` and filter shape `w`; checks that they fit. */
function conv3dParams(op: string, x: Shape, w: Shape, a: Conv3DAttrs): Conv3DParams {
  checkRank5(op, "input", x, "[batch, depth, height, width, channels]");
  checkRank5(op, "filter", w, "[depth, height, width, in_channels, out_channels]");
  if (x[4] !== w[3]) {
    throw new InvalidArgumentError(
      `${op}: input depth must equal filter in_channels: input ${shapeMsg(x)} has ${x[4]} channels, filter ${shapeMsg(w)} expects ${w[3]}`,
    );
  }
  const [sd, sh, sw] = a.strides;
  const [dd, dh, dw] = a.dilations;
  // A dilated filter spans (size - 1) * dilation + 1.
  const eff: Triple = [(w[0] - 1) * dd + 1, (w[1] - 1) * dh + 1, (w[2] - 1) * dw + 1];
  const [d, h, v] = windowDims3(op, x, eff, a.strides, a.padding);
  return {
    batch: x[0],
    inD: x[1],
    inH: x[2],
    inW: x[3],
    inC: x[4],
    outD: d.out,
    outH: h.out,
    outW: v.out,
    outC: w[4],
    filterD: w[0],
    filterH: w[1],
    filterW: w[2],
    strideD: sd,
    strideH: sh,
    strideW: sw,
    dilationD: dd,
    dilationH: dh,
    dilationW: dw,
    padFront: d.padBefore,
    padTop: h.padBefore,
    padLeft: v.padBefore,
  };
}

const outShapeOf = (p: Conv3DParams): number[] => [p.batch, p.outD, p.outH, p.outW, p.outC];

const SAME: Conv3DAttrs = { strides: [1, 2, 1], dilations: [1, 1, 1], padding: "SAME" };
const DILATED: Conv3DAttrs = { strides: [1, 1, 2], dilations: [2, 1, 1], padding: "VALID" };

const family = defineConvFamily<Conv3DAttrs, Conv3DParams>({
  names: {
    forward: "Conv3D",
    input: "Conv3DBackpropInputV2",
    filter: "Conv3DBackpropFilterV2",
  },
  params: conv3dParams,
  outShape: outShapeOf,
  kernels: {
    forward: (b, x, w, y, p) => b.conv3d(x, w, y, p),
    input: (b, w, dy, dx, p) => b.conv3dBackpropInput(w, dy, dx, p),
    filter: (b, x, dy, dw, p) => b.conv3dBackpropFilter(x, dy, dw, p),
  },
  checks: {
    forward: {
      cases: [
        { inputs: [{ shape: [1, 3, 4, 3, 2] }, { shape: [2, 2, 2, 2, 2] }], attrs: SAME },
        { inputs: [{ shape: [2, 4, 2, 4, 1] }, { shape: [2, 1, 2, 1, 2] }], attrs: DILATED },
      ],
    },
    input: {
      cases: [
        {
          inputs: [{ shape: [2, 2, 2, 2, 2] }, { shape: [1, 3, 2, 3, 2] }],
          attrs: { ...SAME, inputShape: [1, 3, 4, 3, 2] },
        },
      ],
    },
    filter: {
      cases: [
        {
          inputs: [{ shape: [2, 4, 2, 4, 1] }, { shape: [2, 2, 2, 2, 2] }],
          attrs: { ...DILATED, filterShape: [2, 1, 2, 1, 2] },
        },
      ],
    },
  },
});

export const Conv3D: OpDef<Conv3DAttrs> = family.forward;
export const Conv3DBackpropInputV2: OpDef<Conv3DBackpropInputAttrs> = family.input;
export const Conv3DBackpropFilterV2: OpDef<Conv3DBackpropFilterAttrs> = family.filter;

export interface Conv3DOptions {
  /** Only "NDHWC" (TensorFlow's CPU supports no other). */
  readonly dataFormat?: "NDHWC";
  /** Dilation rate: a number, [d, h, w] or [1, d, h, w, 1]; default 1. */
  readonly dilations?: number | readonly number[];
}

function conv3dAttrs(
  op: string,
  strides: number | readonly number[],
  padding: Padding3D | "same" | "valid",
  options: Conv3DOptions,
): Conv3DAttrs {
  checkNDHWC(op, options.dataFormat);
  return {
    strides: parseDHW(op, "strides", strides),
    dilations: parseDHW(op, "dilations", options.dilations ?? 1),
    padding: parsePadding3D(op, padding),
  };
}

/**
 * `tf.nn.conv3d(input, filters, strides, padding, {dataFormat, dilations})`: input
 * [batch, depth, height, width, inChannels], filters [depth, height, width, inChannels,
 * outChannels]; strides and dilations a number, [d, h, w] or [1, d, h, w, 1]; padding "SAME"
 * or "VALID".
 */
export const conv3d = api(
  function conv3d(
    input: TensorLike,
    filters: TensorLike,
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    options: Conv3DOptions = {},
  ): Tensor {
    const x = toTensor(input, "conv3d");
    const w = toTensor(filters, "conv3d", x.dtype);
    return runOp1(Conv3D, [x, w], conv3dAttrs("Conv3D", strides, padding, options));
  },
  { namespaces: ["nn"] },
);

/** A shape given as an array or a 1-D integer tensor. */
export function shapeArg(op: string, shape: readonly number[] | Tensor): number[] {
  const s =
    shape instanceof Tensor
      ? Array.from(backend().read(shape) as ArrayLike<number>, Number)
      : shape;
  return checkShape(op, s);
}

/**
 * `tf.nn.conv3dTranspose(input, filters, outputShape, strides, padding = "SAME",
 * {dataFormat, dilations})`: the adjoint of conv3d (Conv3DBackpropInputV2). filters are
 * [depth, height, width, outChannels, inChannels], conv3d's filters for the forward direction;
 * outputShape is the 5-D shape conv3d would take as input.
 */
export const conv3dTranspose = api(
  function conv3dTranspose(
    input: TensorLike,
    filters: TensorLike,
    outputShape: readonly number[] | Tensor,
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid" = "SAME",
    options: Conv3DOptions = {},
  ): Tensor {
    const op = "Conv3DBackpropInputV2";
    const dy = toTensor(input, "conv3dTranspose");
    const w = toTensor(filters, "conv3dTranspose", dy.dtype);
    const inputShape = shapeArg(op, outputShape);
    return runOp1(Conv3DBackpropInputV2, [w, dy], {
      ...conv3dAttrs(op, strides, padding, options),
      inputShape,
    });
  },
  { namespaces: ["nn"] },
);
