/**
 * What convolution and pooling share: the parsing of their strides, windows and padding, and the
 * window geometry (TensorFlow's rules for SAME, VALID and explicit padding).
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, type Shape } from "../tensor/shape.js";

/** Padding before and after one spatial dimension. */
export type PadPair = readonly [number, number];

/** Padding as the ops keep it: TensorFlow's names, or explicit [[top, bottom], [left, right]]. */
export type Padding2D = "SAME" | "VALID" | readonly [PadPair, PadPair];

/**
 * What a user may pass as padding: "SAME", "VALID" (any case), or explicit amounts as
 * TensorFlow takes them for NHWC, `[[0, 0], [top, bottom], [left, right], [0, 0]]`, or just the
 * two spatial pairs `[[top, bottom], [left, right]]`.
 */
export type PaddingArg = "SAME" | "VALID" | "same" | "valid" | readonly (readonly number[])[];

function isPadPair(p: unknown): p is readonly number[] {
  return (
    Array.isArray(p) &&
    p.length === 2 &&
    p.every((v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0)
  );
}

export function parsePadding(op: string, padding: PaddingArg): Padding2D {
  if (typeof padding === "string") {
    const up = padding.toUpperCase();
    if (up === "SAME" || up === "VALID") return up;
  } else if (Array.isArray(padding) && padding.every(isPadPair)) {
    const pairs = padding as readonly (readonly number[])[];
    if (pairs.length === 2) {
      return [
        [pairs[0][0], pairs[0][1]],
        [pairs[1][0], pairs[1][1]],
      ];
    }
    if (pairs.length === 4) {
      if (pairs[0].some((v) => v !== 0) || pairs[3].some((v) => v !== 0)) {
        throw new InvalidArgumentError(
          `${op}: explicit padding of the batch and channel dimensions must be 0, got ${JSON.stringify(padding)}`,
        );
      }
      return [
        [pairs[1][0], pairs[1][1]],
        [pairs[2][0], pairs[2][1]],
      ];
    }
  }
  throw new InvalidArgumentError(
    `${op}: padding must be "SAME", "VALID" or explicit [[0, 0], [top, bottom], [left, right], [0, 0]] of non-negative integers, got ${JSON.stringify(padding)}`,
  );
}

/**
 * Strides, dilations and window sizes as TensorFlow takes them for NHWC: one number for both
 * spatial dimensions, `[h, w]`, `[n]`, or the 4-list `[1, h, w, 1]`. Gives `[h, w]`, each an
 * integer >= 1.
 */
export function parseHW(op: string, what: string, v: number | readonly number[]): [number, number] {
  let hw: [number, number] | null = null;
  if (typeof v === "number") hw = [v, v];
  else if (Array.isArray(v)) {
    if (v.length === 1) hw = [v[0], v[0]];
    else if (v.length === 2) hw = [v[0], v[1]];
    else if (v.length === 4) {
      if (v[0] !== 1 || v[3] !== 1) {
        throw new InvalidArgumentError(
          `${op}: ${what} in the batch and channel dimensions must be 1 (NHWC), got [${v.join(", ")}]`,
        );
      }
      hw = [v[1], v[2]];
    }
  }
  if (hw === null || !hw.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a positive integer or a list of 1, 2 or 4 positive integers, got ${JSON.stringify(v)}`,
    );
  }
  return hw;
}

/** The output size of one spatial dimension and the padding before it. */
export interface Dim {
  readonly out: number;
  readonly padBefore: number;
}

/**
 * TensorFlow's window arithmetic for one dimension (`window` is the effective size, dilation
 * included): VALID: out = ceil((in - window + 1) / stride); SAME: out = ceil(in / stride), padded
 * by max((out - 1) * stride + window - in, 0) split with the smaller half before; explicit:
 * out = floor((in + before + after - window) / stride) + 1.
 */
export function windowDim(
  op: string,
  inSize: number,
  window: number,
  stride: number,
  pad: "SAME" | "VALID" | PadPair,
): Dim {
  if (pad === "SAME") {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + window - inSize, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  const [before, after] = pad === "VALID" ? [0, 0] : pad;
  const span = inSize + before + after - window;
  if (span < 0) {
    throw new InvalidArgumentError(
      `${op}: computed output size would be negative: ${Math.floor(span / stride) + 1} [input_size: ${inSize}, effective_filter_size: ${window}, stride: ${stride}, padding: ${before}+${after}]`,
    );
  }
  return { out: Math.floor(span / stride) + 1, padBefore: before };
}

/** windowDim for the height and width of an NHWC input: `window` and `stride` as [h, w]. */
export function windowDims(
  op: string,
  x: Shape,
  window: readonly [number, number],
  stride: readonly [number, number],
  padding: Padding2D,
): [Dim, Dim] {
  const [padH, padW] = typeof padding === "string" ? [padding, padding] : padding;
  return [
    windowDim(op, x[1], window[0], stride[0], padH),
    windowDim(op, x[2], window[1], stride[1], padW),
  ];
}

/** Throws unless `shape` has rank 4 (NHWC), naming the op and the role of the tensor. */
export function checkRank4(op: string, what: string, shape: Shape, layout: string): void {
  if (shape.length !== 4) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be 4-dimensional ${layout}, got shape ${shapeMsg(shape)}`,
    );
  }
}

/** Only NHWC is supported, as on TensorFlow's CPU. */
export function checkNHWC(op: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new InvalidArgumentError(
      `${op}: only the NHWC data format is supported (as on TensorFlow's CPU), got ${dataFormat}`,
    );
  }
}
