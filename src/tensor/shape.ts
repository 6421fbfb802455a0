/** Shapes, strides, axes and NumPy broadcasting: the one place these rules live. */
import { InvalidArgumentError } from "./errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** `(2, 3)`, `(2,)`, `()` as TensorFlow prints a shape. */
export function shapeStr(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** `[2,3]` as TensorFlow's error messages write a shape. */
export function shapeMsg(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * NumPy broadcasting: shapes align at the right, each dimension pair must be equal or one
 * of them 1. Returns null when they do not broadcast.
 */
export function tryBroadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

/** `what` (the operands' dtypes, say) is added to the message when given. */
export function broadcastShapes(op: string, a: Shape, b: Shape, what?: string): number[] {
  const out = tryBroadcastShapes(a, b);
  if (out === null) {
    throw new InvalidArgumentError(
      `${op}: Incompatible shapes: ${shapeMsg(a)} vs. ${shapeMsg(b)}${what === undefined ? "" : ` (${what})`}`,
    );
  }
  return out;
}

/**
 * The axes of `outShape` along which an input of shape `inShape` was broadcast: the gradient
 * of a broadcast sums over exactly these (the leading ones, and those where the input had 1).
 */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** The tensor an axis belongs to, named in axis errors (any Tensor is one). */
export interface AxisOwner {
  readonly shape: Shape;
  readonly dtype: string;
}

/** ` (input [2,3] float32)`, or nothing when the tensor is not known. */
function inputMsg(input: AxisOwner | undefined): string {
  return input === undefined ? "" : ` (input ${shapeMsg(input.shape)} ${input.dtype})`;
}

/**
 * A negative axis counts from the end; out-of-range axes throw naming the op (and `input`, the
 * tensor whose axis it is, when given).
 */
export function normalizeAxis(op: string, axis: number, rank: number, input?: AxisOwner): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    if (!(rank === 0 && (axis === 0 || axis === -1))) {
      throw new InvalidArgumentError(
        `${op}: axis ${axis} is out of range for a tensor of rank ${rank} (expected in [${-rank}, ${rank}))${inputMsg(input)}`,
      );
    }
  }
  return axis < 0 ? axis + rank : axis;
}

function isIterable(x: unknown): boolean {
  return (
    x !== null &&
    typeof x === "object" &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

/** Axes for a reduction: null/undefined means all; duplicates throw; result sorted. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | null | undefined,
  rank: number,
  input?: AxisOwner,
): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== "number" && !Array.isArray(axis) && !isIterable(axis)) {
    throw new TypeError(
      `${op}: axis must be an integer, an array of integers or null, got ${typeof axis === "function" ? "a function" : typeof axis}${inputMsg(input)}`,
    );
  }
  const list = typeof axis === "number" ? [axis] : [...(axis as Iterable<number>)];
  const out: number[] = [];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new InvalidArgumentError(
        `${op}: Invalid reduction dimension (${a} for input with ${rank} dimension(s))${inputMsg(input)}`,
      );
    }
    const n = a < 0 ? a + rank : a;
    if (out.includes(n))
      throw new InvalidArgumentError(
        `${op}: axis ${a} is repeated in [${list.join(", ")}]${inputMsg(input)}`,
      );
    out.push(n);
  }
  return out.sort((x, y) => x - y);
}

/** Checks a user-given shape: non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `${op}: dimensions must be non-negative integers, got shape [${shape.join(", ")}]`,
      );
    }
  }
  return shape.slice();
}
