/** Tensors made from JS values or from a shape: constants, not ops on the tape. */
import { backend } from "../backend/index.js";
import { convertToTensor, type TensorLike } from "../tensor/convert.js";
import { allocate, type DType, isComplex, isDType, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { checkShape, sizeOf, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { describeValue } from "../tensor/describe-value.js";
import { api } from "./api.js";

function checkDTypeArg(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new TypeError(
      `${op}: unknown dtype '${String(dtype)}' (expected float32, float64, int32, bool, string, complex64 or complex128)`,
    );
  }
  return dtype;
}

/** `tf.constant(value, dtype?, shape?)`. A tensor given is copied into a new one of `dtype`'s kind. */
export function constant(value: TensorLike, dtype?: DType, shape?: Shape): Tensor {
  if (dtype !== undefined) checkDTypeArg("constant", dtype);
  if (value instanceof Tensor) {
    if (dtype !== undefined && dtype !== value.dtype) {
      throw new InvalidArgumentError(
        `constant: cannot make a ${dtype} constant from a ${value.dtype} tensor (use tf.cast)`,
      );
    }
    return new Tensor(backend().read(value), value.shape, value.dtype);
  }
  return convertToTensor(
    value,
    dtype,
    "constant",
    shape === undefined ? undefined : checkShape("constant", shape),
  );
}

/** `tf.fill(dims, value, dtype?)`: dtype follows the value (a JS number is float32). */
export function fill(shape: Shape, value: number | boolean | string, dtype?: DType): Tensor {
  const dims = checkShape("fill", shape);
  const d =
    dtype === undefined
      ? typeof value === "number"
        ? "float32"
        : typeof value === "boolean"
          ? "bool"
          : "string"
      : checkDTypeArg("fill", dtype);
  const scalar = convertToTensor(value, d, "fill");
  const out = allocate(d, sizeOf(dims));
  const v = backend().read(scalar);
  if (isComplex(d)) {
    // interleaved (re, im) pairs
    const o = out as NumArray;
    for (let i = 0; i < o.length; i += 2) [o[i], o[i + 1]] = [v[0] as number, v[1] as number];
  } else (out as unknown[]).fill(v[0]);
  return new Tensor(out, dims, d);
}

export function zeros(shape: Shape, dtype: DType = "float32"): Tensor {
  const d = checkDTypeArg("zeros", dtype);
  return new Tensor(allocate(d, sizeOf(checkShape("zeros", shape))), shape.slice(), d);
}

export function ones(shape: Shape, dtype: DType = "float32"): Tensor {
  const d = checkDTypeArg("ones", dtype);
  if (d === "string") throw new TypeError("ones: a string tensor has no one");
  return fill(shape, d === "bool" ? true : 1, d);
}

export function zerosLike(x: TensorLike, dtype?: DType): Tensor {
  const t = x instanceof Tensor ? x : convertToTensor(x, undefined, "zerosLike");
  return zeros(t.shape, dtype ?? t.dtype);
}

export function onesLike(x: TensorLike, dtype?: DType): Tensor {
  const t = x instanceof Tensor ? x : convertToTensor(x, undefined, "onesLike");
  const d = dtype ?? t.dtype;
  if (!isDType(d)) {
    throw new TypeError(
      `onesLike: dtype must be one of float32, float64, int32, bool, string, got ${describeValue(d)}`,
    );
  }
  if (d === "string") return ones(t.shape, d); // throws: a string tensor has no one
  // The hot path of every gradient's seed: no argument checks needed, t's shape is valid.
  const values = allocate(d, t.size) as NumArray;
  if (isComplex(d))
    for (let i = 0; i < values.length; i += 2) values[i] = 1; // 1 + 0j
  else values.fill(1);
  return new Tensor(values, t.shape, d);
}

function scalarNumber(op: string, name: string, x: number | Tensor): number {
  if (x instanceof Tensor) {
    if (x.size !== 1 || x.dtype === "string")
      throw new InvalidArgumentError(`${op}: ${name} must be a scalar number`);
    return Number(backend().read(x)[0]);
  }
  if (typeof x !== "number" || Number.isNaN(x))
    throw new TypeError(`${op}: ${name} must be a number, got ${String(x)}`);
  return x;
}

/** `tf.linspace(start, stop, num)`: num evenly spaced values, both ends included. */
export function linspace(
  start: number | Tensor,
  stop: number | Tensor,
  num: number,
  dtype?: DType,
): Tensor {
  const a = scalarNumber("linspace", "start", start);
  const b = scalarNumber("linspace", "stop", stop);
  if (!Number.isInteger(num) || num < 0)
    throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const d = dtype ?? (start instanceof Tensor ? start.dtype : "float32");
  if (d !== "float32" && d !== "float64")
    throw new TypeError(`linspace: dtype must be float32 or float64, got ${d}`);
  const out = allocate(d, num) as NumArray;
  const step = num > 1 ? (b - a) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = a + i * step;
  if (num > 1) out[num - 1] = b;
  return new Tensor(out, [num], d);
}

/**
 * `tf.range(start, limit?, delta?, dtype?)`: like Python's range; `range(5)` is 0..4. JS numbers
 * give float32 unless told otherwise (SPEC); all-integer arguments with dtype int32 give int32.
 */
export function range(
  start: number,
  limit?: number | null,
  delta = 1,
  dtype: DType = "float32",
): Tensor {
  let lo = start;
  let hi = limit;
  if (hi === undefined || hi === null) {
    hi = lo;
    lo = 0;
  }
  for (const [n, v] of [
    ["start", lo],
    ["limit", hi],
    ["delta", delta],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new TypeError(`range: ${n} must be a finite number, got ${String(v)}`);
  }
  // TensorFlow's Range kernel refuses a delta that points away from the limit (Python's range
  // would give an empty sequence).
  if (delta === 0) throw new InvalidArgumentError(`range: Requires delta != 0: ${delta}`);
  if (delta > 0 && lo > hi)
    throw new InvalidArgumentError(`range: Requires start <= limit when delta > 0: ${lo}/${hi}`);
  if (delta < 0 && lo < hi)
    throw new InvalidArgumentError(`range: Requires start >= limit when delta < 0: ${lo}/${hi}`);
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32") {
    throw new TypeError(`range: dtype must be float32, float64 or int32, got ${dtype}`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / delta));
  const out = allocate(dtype, n) as NumArray;
  for (let i = 0; i < n; i++) out[i] = lo + i * delta;
  return new Tensor(out, [n], dtype);
}

/** `tf.eye(numRows, numColumns?, dtype?)`. */
export const eye = api(
  function eye(numRows: number, numColumns?: number, dtype: DType = "float32"): Tensor {
    const cols = numColumns ?? numRows;
    checkShape("eye", [numRows, cols]);
    const out = allocate(dtype, numRows * cols) as NumArray;
    for (let i = 0; i < Math.min(numRows, cols); i++) out[i * cols + i] = 1;
    return new Tensor(out, [numRows, cols], dtype);
  },
  { methods: [], namespaces: ["linalg"] },
);
