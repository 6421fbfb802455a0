/**
 * `tf.debugging.assert*` and `tf.debugging.Assert`. A value assertion is an op (TensorFlow's
 * Assert): its inputs are the condition and the tensors to show, it has no outputs, and it is
 * stateful, so a tf.function's graph keeps it and checks again on every run. Its check is in
 * `infer`, which runs each time the op does. Static facts (rank, dtype, shapes) are checked when
 * the assertion is called, as TensorFlow checks them at trace time.
 */
import { defineOp } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { allocate, type DType, DTYPES, isFloating } from "../tensor/dtype.js";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { formatValues } from "../tensor/format.js";
import { type Shape, shapeStr, stridesOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { storageOf } from "./debugging.js";
import { describe, toOperands, toTensor, type TensorLike } from "./checks.js";
import {
  abs,
  add,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  multiply,
  notEqual,
  subtract,
} from "./elementwise.js";

/** The trailing argument of an assertion: a message, or TensorFlow's keywords. */
export interface AssertOptions {
  /** Prefixed to the error message. */
  message?: string;
  /** How many entries of each tensor the message shows (default 3, as TensorFlow). */
  summarize?: number;
}

interface AssertAttrs {
  readonly message: string;
  /** `x == y`, `x > 0`; empty for tf.debugging.Assert. */
  readonly condition: string;
  /** The names of the data inputs (`x`, `y`); empty for tf.debugging.Assert. */
  readonly names: readonly string[];
  readonly summarize: number;
}

/** The first `n` elements of a tensor, as NumPy prints them. */
function firstElements(t: Tensor, n: number): string {
  const v = storageOf(t);
  const k = Math.min(n, v.length);
  return formatValues({ values: v.slice(0, k), shape: [k], dtype: t.dtype });
}

/** The flat index in `shape` of the element that broadcasting reads at `index` of `outShape`. */
function broadcastIndex(index: number, outShape: Shape, shape: Shape): number {
  const outStrides = stridesOf(outShape);
  const strides = stridesOf(shape);
  const lead = outShape.length - shape.length;
  let flat = 0;
  for (let d = 0; d < outShape.length; d++) {
    const i = Math.floor(index / outStrides[d]) % outShape[d];
    const sd = d - lead;
    if (sd >= 0 && shape[sd] !== 1) flat += i * strides[sd];
  }
  return flat;
}

function unravel(index: number, shape: Shape): number[] {
  const strides = stridesOf(shape);
  return shape.map((n, d) => Math.floor(index / strides[d]) % n);
}

/**
 * TensorFlow's Assert: throws InvalidArgumentError when an element of the condition is false.
 * For the assert* family the message says which condition failed, where, and the values there.
 */
export const AssertOp = defineOp<AssertAttrs>({
  name: "Assert",
  kind: "other",
  check: { skip: "an assertion: no outputs, nothing to differentiate" },
  stateful: true,
  infer: ([cond, ...data], attrs) => {
    if (cond.dtype !== "bool") {
      throw new TypeError(`Assert: the condition must be bool, got ${describe(cond)}`);
    }
    const c = storageOf(cond) as Uint8Array;
    const failed: number[] = [];
    for (let i = 0; i < c.length && failed.length < attrs.summarize; i++)
      if (c[i] === 0) failed.push(i);
    if (failed.length === 0) return [];
    const lines: string[] = [];
    if (attrs.message !== "") lines.push(attrs.message);
    if (attrs.condition === "") {
      // tf.debugging.Assert's eager message.
      const shown = data.map((t) =>
        t.dtype === "string" && t.rank === 0
          ? String(storageOf(t)[0])
          : firstElements(t, attrs.summarize),
      );
      lines.push(
        `Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: ${shown.join("\n")}`,
      );
    } else {
      let bad = 0;
      for (let i = 0; i < c.length; i++) if (c[i] === 0) bad++;
      lines.push(
        `Condition ${attrs.condition} did not hold element-wise (${bad} of ${c.length} elements).`,
      );
      lines.push(`Indices of first ${failed.length} different values:`);
      lines.push(`[${failed.map((i) => `[${unravel(i, cond.shape).join(", ")}]`).join(", ")}]`);
      data.forEach((t, k) => {
        const v = storageOf(t);
        const picked = allocate(t.dtype, failed.length);
        failed.forEach((i, j) => (picked[j] = v[broadcastIndex(i, cond.shape, t.shape)]));
        lines.push(`Corresponding ${attrs.names[k]} values:`);
        lines.push(formatValues({ values: picked, shape: [failed.length], dtype: t.dtype }));
      });
      data.forEach((t, k) => {
        lines.push(`First ${Math.min(attrs.summarize, t.size)} elements of ${attrs.names[k]}:`);
        lines.push(firstElements(t, attrs.summarize));
      });
    }
    throw new InvalidArgumentError(lines.join("\n"));
  },
  kernel: () => undefined,
  grad: "none",
});

function readOptions(fn: string, opts: unknown): { message: string; summarize: number } {
  if (opts === undefined || opts === null) return { message: "", summarize: 3 };
  if (typeof opts === "string") return { message: opts, summarize: 3 };
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw new TypeError(
      `${fn}: the last argument must be a message string or {message, summarize}, got ${describeValue(opts)}`,
    );
  }
  const { message = "", summarize = 3 } = opts as AssertOptions;
  if (typeof message !== "string") {
    throw new TypeError(`${fn}: message must be a string, got ${describeValue(message)}`);
  }
  if (typeof summarize !== "number" || !Number.isInteger(summarize) || summarize < 1) {
    throw new RangeError(
      `${fn}: summarize must be an integer >= 1, got ${describeValue(summarize)}`,
    );
  }
  return { message, summarize };
}

function numericOperand(fn: string, t: Tensor, what: string): void {
  if (t.dtype === "string" || t.dtype === "bool") {
    throw new TypeError(`${fn}: ${what} must be numeric, got ${describe(t)}`);
  }
}

type Compare = (a: Tensor, b: Tensor) => Tensor;

function binaryAssert(
  fn: string,
  cmp: Compare,
  symbol: string,
  x: TensorLike,
  y: TensorLike,
  opts: string | AssertOptions | undefined,
  numeric: boolean,
): void {
  const o = readOptions(fn, opts);
  const [tx, ty] = toOperands(fn, x, y);
  if (numeric) {
    numericOperand(fn, tx, "x");
    numericOperand(fn, ty, "y");
  }
  const cond = cmp(tx, ty);
  runOp(AssertOp, [cond, tx, ty], {
    message: o.message,
    condition: `x ${symbol} y`,
    names: ["x", "y"],
    summarize: o.summarize,
  });
}

/** `tf.debugging.assertEqual(x, y, message?)`: x == y element-wise (broadcasting). */
export function assertEqual(x: TensorLike, y: TensorLike, opts?: string | AssertOptions): void {
  binaryAssert("assertEqual", equal, "==", x, y, opts, false);
}
/** `tf.debugging.assertNoneEqual(x, y, message?)`: x != y element-wise. */
export function assertNoneEqual(x: TensorLike, y: TensorLike, opts?: string | AssertOptions): void {
  binaryAssert("assertNoneEqual", notEqual, "!=", x, y, opts, false);
}
/** `tf.debugging.assertLess(x, y, message?)`: x < y element-wise. */
export function assertLess(x: TensorLike, y: TensorLike, opts?: string | AssertOptions): void {
  binaryAssert("assertLess", less, "<", x, y, opts, true);
}
/** `tf.debugging.assertLessEqual(x, y, message?)`: x <= y element-wise. */
export function assertLessEqual(x: TensorLike, y: TensorLike, opts?: string | AssertOptions): void {
  binaryAssert("assertLessEqual", lessEqual, "<=", x, y, opts, true);
}
/** `tf.debugging.assertGreater(x, y, message?)`: x > y element-wise. */
export function assertGreater(x: TensorLike, y: TensorLike, opts?: string | AssertOptions): void {
  binaryAssert("assertGreater", greater, ">", x, y, opts, true);
}
/** `tf.debugging.assertGreaterEqual(x, y, message?)`: x >= y element-wise. */
export function assertGreaterEqual(
  x: TensorLike,
  y: TensorLike,
  opts?: string | AssertOptions,
): void {
  binaryAssert("assertGreaterEqual", greaterEqual, ">=", x, y, opts, true);
}

function signAssert(
  fn: string,
  cmp: Compare,
  symbol: string,
  x: TensorLike,
  opts: string | AssertOptions | undefined,
): void {
  const o = readOptions(fn, opts);
  const tx = toTensor(x, fn);
  numericOperand(fn, tx, "x");
  const zero = new Tensor(allocate(tx.dtype, 1), [], tx.dtype);
  runOp(AssertOp, [cmp(tx, zero), tx], {
    message: o.message,
    condition: `x ${symbol} 0`,
    names: ["x"],
    summarize: o.summarize,
  });
}

/** `tf.debugging.assertPositive(x, message?)`: x > 0 element-wise. */
export function assertPositive(x: TensorLike, opts?: string | AssertOptions): void {
  signAssert("assertPositive", greater, ">", x, opts);
}
/** `tf.debugging.assertNegative(x, message?)`: x < 0 element-wise. */
export function assertNegative(x: TensorLike, opts?: string | AssertOptions): void {
  signAssert("assertNegative", less, "<", x, opts);
}
/** `tf.debugging.assertNonNegative(x, message?)`: x >= 0 element-wise. */
export function assertNonNegative(x: TensorLike, opts?: string | AssertOptions): void {
  signAssert("assertNonNegative", greaterEqual, ">=", x, opts);
}
/** `tf.debugging.assertNonPositive(x, message?)`: x <= 0 element-wise. */
export function assertNonPositive(x: TensorLike, opts?: string | AssertOptions): void {
  signAssert("assertNonPositive", lessEqual, "<=", x, opts);
}

export interface AssertNearOptions extends AssertOptions {
  rtol?: number | null;
  atol?: number | null;
}

/** 10 machine epsilons of the dtype: TensorFlow's default tolerances for assertNear. */
function defaultTolerance(dtype: DType): number {
  return dtype === "float64" ? 10 * 2.220446049250313e-16 : 10 * 1.1920928955078125e-7;
}

/**
 * `tf.debugging.assertNear(x, y, rtol?, atol?, message?)` (or `(x, y, {rtol, atol, message})`):
 * |x - y| <= atol + rtol * |y| element-wise, both tolerances 10 epsilons of the dtype by default.
 */
export function assertNear(
  x: TensorLike,
  y: TensorLike,
  rtol?: number | null | AssertNearOptions,
  atol?: number | null,
  message?: string | AssertOptions,
): void {
  const fn = "assertNear";
  let opts: AssertNearOptions;
  if (rtol !== null && typeof rtol === "object") {
    opts = rtol;
  } else {
    opts = { ...readOptions(fn, message), rtol, atol };
  }
  const o = readOptions(fn, { message: opts.message, summarize: opts.summarize });
  const [tx, ty] = toOperands(fn, x, y);
  for (const [t, what] of [
    [tx, "x"],
    [ty, "y"],
  ] as const) {
    if (!isFloating(t.dtype) && t.dtype !== "int32") {
      throw new TypeError(`${fn}: ${what} must be numeric, got ${describe(t)}`);
    }
  }
  const tol = (v: unknown, name: string): number => {
    if (v === undefined || v === null) return defaultTolerance(tx.dtype);
    if (typeof v !== "number" || !(v >= 0) || v === Infinity) {
      throw new RangeError(`${fn}: ${name} must be a finite number >= 0, got ${describeValue(v)}`);
    }
    return v;
  };
  const r = tol(opts.rtol, "rtol");
  const a = tol(opts.atol, "atol");
  const cond = lessEqual(abs(subtract(tx, ty)), add(multiply(abs(ty), r), a));
  runOp(AssertOp, [cond, tx, ty], {
    message: `${o.message === "" ? "" : `${o.message}\n`}x and y not equal to tolerance rtol = ${r}, atol = ${a}`,
    condition: "|x - y| <= atol + rtol * |y|",
    names: ["x", "y"],
    summarize: o.summarize,
  });
}

function prefix(message: string | undefined): string {
  return message === undefined || message === "" ? "" : `${message}. `;
}

function checkMessage(fn: string, message: unknown): string | undefined {
  if (message !== undefined && message !== null && typeof message !== "string") {
    throw new TypeError(`${fn}: message must be a string, got ${describeValue(message)}`);
  }
  return message ?? undefined;
}

/** `tf.debugging.assertRank(x, rank, message?)`: the rank, known when the call is made. */
export function assertRank(x: TensorLike, rank: number | Tensor, message?: string): void {
  const fn = "assertRank";
  const msg = checkMessage(fn, message);
  const t = toTensor(x, fn);
  let r: unknown = rank;
  if (rank instanceof Tensor) {
    if (rank.dtype !== "int32" || rank.rank !== 0) {
      throw new TypeError(`${fn}: rank must be an int32 scalar, got ${describe(rank)}`);
    }
    r = Number(storageOf(rank)[0]);
  }
  if (typeof r !== "number" || !Number.isInteger(r) || r < 0) {
    throw new RangeError(`${fn}: rank must be an integer >= 0, got ${describeValue(rank)}`);
  }
  if (t.rank !== r) {
    throw new InvalidArgumentError(
      `${prefix(msg)}Tensor x must have rank ${r}. Received rank ${t.rank}, shape ${shapeStr(t.shape)}`,
    );
  }
}

/** `tf.debugging.assertType(tensor, dtype, message?)`: TypeError unless the dtype is `dtype`. */
export function assertType(tensor: Tensor, dtype: DType, message?: string): void {
  const fn = "assertType";
  const msg = checkMessage(fn, message);
  if (!(tensor instanceof Tensor)) {
    throw new TypeError(`${fn}: tensor must be a Tensor or Variable, got ${describeValue(tensor)}`);
  }
  if (!DTYPES.includes(dtype)) {
    throw new TypeError(
      `${fn}: dtype must be one of ${DTYPES.join(", ")}, got ${describeValue(dtype)}`,
    );
  }
  if (tensor.dtype !== dtype) {
    throw new TypeError(`${prefix(msg)}tensor must be of type tf.${dtype}; got tf.${tensor.dtype}`);
  }
}

/** One entry of assertShapes: a tensor and its dimensions (numbers, or names that must agree). */
export type ShapeAssertion = readonly [TensorLike, readonly (number | string | null)[]];

/**
 * `tf.debugging.assertShapes([[x, ["N", "Q"]], [y, ["N", 3]], [s, []]], message?)`: each
 * dimension is a size, a name (equal sizes wherever the name appears), or `null`/`"."` for any
 * size; a first entry `"*"` stands for any number of leading dimensions.
 */
export function assertShapes(shapes: readonly ShapeAssertion[], message?: string): void {
  const fn = "assertShapes";
  const msg = checkMessage(fn, message);
  if (!Array.isArray(shapes)) {
    throw new TypeError(
      `${fn}: shapes must be an array of [tensor, dims] pairs, got ${describeValue(shapes)}`,
    );
  }
  const seen = new Map<string, { size: number; where: string }>();
  shapes.forEach((entry, k) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[1])) {
      throw new TypeError(
        `${fn}: entry ${k} must be a [tensor, dims] pair, got ${describeValue(entry)}`,
      );
    }
    const t = toTensor(entry[0] as TensorLike, fn);
    let dims = entry[1] as readonly unknown[];
    let anyLeading = false;
    if (dims[0] === "*") {
      anyLeading = true;
      dims = dims.slice(1);
    }
    const fail = (detail: string): never => {
      throw new InvalidArgumentError(
        `${prefix(msg)}${fn}: tensor ${k} (shape ${shapeStr(t.shape)}) ${detail}`,
      );
    };
    if (anyLeading ? t.rank < dims.length : t.rank !== dims.length) {
      fail(`must have rank ${anyLeading ? `>= ${dims.length}` : dims.length}, got rank ${t.rank}`);
    }
    const lead = t.rank - dims.length;
    dims.forEach((d, i) => {
      const size = t.shape[lead + i];
      if (d === null || d === ".") return;
      if (typeof d === "number") {
        if (!Number.isInteger(d) || d < 0) {
          throw new RangeError(
            `${fn}: entry ${k} dimension ${i} must be a size >= 0, a name or null, got ${describeValue(d)}`,
          );
        }
        if (size !== d) fail(`dimension ${lead + i} must have size ${d}, got ${size}`);
      } else if (typeof d === "string") {
        const prev = seen.get(d);
        if (prev === undefined) seen.set(d, { size, where: `tensor ${k} dimension ${lead + i}` });
        else if (prev.size !== size) {
          fail(
            `dimension ${lead + i} ('${d}') must have size ${prev.size} as specified by ${prev.where}, got ${size}`,
          );
        }
      } else {
        throw new TypeError(
          `${fn}: entry ${k} dimension ${i} must be a size, a name or null, got ${describeValue(d)}`,
        );
      }
    });
  });
}

/**
 * `tf.debugging.Assert(condition, data, summarize?)`: throws InvalidArgumentError, showing the
 * data, when the scalar bool `condition` is false. An op, so a tf.function graph checks it again.
 */
export function Assert(condition: TensorLike, data: readonly TensorLike[], summarize = 3): void {
  const fn = "Assert";
  const cond = toTensor(condition, fn, typeof condition === "boolean" ? "bool" : undefined);
  if (cond.dtype !== "bool" || cond.rank !== 0) {
    throw new TypeError(`${fn}: condition must be a bool scalar, got ${describe(cond)}`);
  }
  if (!Array.isArray(data)) {
    throw new TypeError(
      `${fn}: data must be an array of tensors or strings, got ${describeValue(data)}`,
    );
  }
  if (typeof summarize !== "number" || !Number.isInteger(summarize) || summarize < 1) {
    throw new RangeError(
      `${fn}: summarize must be an integer >= 1, got ${describeValue(summarize)}`,
    );
  }
  const tensors = data.map((d) =>
    toTensor(d as TensorLike, fn, typeof d === "string" ? "string" : undefined),
  );
  runOp(AssertOp, [cond, ...tensors], { message: "", condition: "", names: [], summarize });
}
