/**
 * Convolutions TensorFlow builds from the 2-D ones: conv1dTranspose (conv2dTranspose on a
 * height-1 image, as TensorFlow does), atrousConv2d (conv2d with equal dilations, stride 1) and
 * atrousConv2dTranspose (its adjoint). Their gradients are those of the ops they are made of.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { expandDims, squeeze } from "./movement-core.js";
import { conv2d, conv2dTranspose } from "./nn-conv.js";
import { shapeArg } from "./nn-conv3d.js";

/** A 1-D stride or dilation: n, [n] or [1, n, 1]. */
function one(fn: string, what: string, v: number | readonly number[]): number {
  if (typeof v === "number") return checkInteger(fn, what, v, 1);
  if (v.length === 1) return checkInteger(fn, what, v[0], 1);
  if (v.length === 3 && v[0] === 1 && v[2] === 1) return checkInteger(fn, what, v[1], 1);
  throw new InvalidArgumentError(
    `${fn}: ${what} must be n, [n] or [1, n, 1], got [${v.join(", ")}]`,
  );
}

export interface Conv1DTransposeOptions {
  /** Only "NWC". */
  readonly dataFormat?: "NWC";
  /** Dilation rate: n, [n] or [1, n, 1]; default 1. */
  readonly dilations?: number | readonly number[];
}

/**
 * `tf.nn.conv1dTranspose(input, filters, outputShape, strides, padding = "SAME",
 * {dataFormat, dilations})`: the adjoint of conv1d. input [batch, width, inChannels], filters
 * [width, outChannels, inChannels], outputShape [batch, outWidth, outChannels].
 */
export const conv1dTranspose = api(
  function conv1dTranspose(
    input: TensorLike,
    filters: TensorLike,
    outputShape: readonly number[] | Tensor,
    strides: number | readonly number[],
    padding: "SAME" | "VALID" | "same" | "valid" = "SAME",
    options: Conv1DTransposeOptions = {},
  ): Tensor {
    const fn = "conv1dTranspose";
    const x = toTensor(input, fn);
    const w = toTensor(filters, fn, x.dtype);
    if (options.dataFormat !== undefined && options.dataFormat !== "NWC") {
      throw new InvalidArgumentError(
        `${fn}: only data_format "NWC" is supported, got "${String(options.dataFormat)}"`,
      );
    }
    if (x.rank !== 3) {
      throw new InvalidArgumentError(
        `${fn}: input must be [batch, width, in_channels], got ${describe(x)}`,
      );
    }
    if (w.rank !== 3) {
      throw new InvalidArgumentError(
        `${fn}: filters must be [width, out_channels, in_channels], got ${describe(w)}`,
      );
    }
    const out = shapeArg(fn, outputShape);
    if (out.length !== 3) {
      throw new InvalidArgumentError(
        `${fn}: outputShape must be [batch, width, out_channels], got [${out.join(", ")}]`,
      );
    }
    const s = one(fn, "strides", strides);
    const d = one(fn, "dilations", options.dilations ?? 1);
    const y = conv2dTranspose(
      expandDims(x, 1),
      expandDims(w, 0),
      [out[0], 1, out[1], out[2]],
      [1, s],
      padding,
      { dilations: [1, d] },
    );
    return squeeze(y, 1);
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.atrousConv2d(value, filters, rate, padding)`: conv2d with stride 1 and dilation rate
 * in both spatial dimensions (filters [height, width, inChannels, outChannels]).
 */
export const atrousConv2d = api(
  function atrousConv2d(
    value: TensorLike,
    filters: TensorLike,
    rate: number,
    padding: "SAME" | "VALID" | "same" | "valid",
  ): Tensor {
    const r = checkInteger("atrousConv2d", "rate", rate, 1);
    return conv2d(value, filters, 1, padding, { dilations: r });
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.atrousConv2dTranspose(value, filters, outputShape, rate, padding)`: the adjoint of
 * atrousConv2d; filters [height, width, outChannels, inChannels], outputShape the 4-D shape
 * atrousConv2d would take as input.
 */
export const atrousConv2dTranspose = api(
  function atrousConv2dTranspose(
    value: TensorLike,
    filters: TensorLike,
    outputShape: readonly number[] | Tensor,
    rate: number,
    padding: "SAME" | "VALID" | "same" | "valid",
  ): Tensor {
    const r = checkInteger("atrousConv2dTranspose", "rate", rate, 1);
    return conv2dTranspose(value, filters, outputShape, 1, padding, { dilations: r });
  },
  { namespaces: ["nn"] },
);
