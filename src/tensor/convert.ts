/** Turning JS values (numbers, booleans, strings, nested arrays, typed arrays) into tensors. */
import {
  allocate,
  type ComplexValue,
  type DataArray,
  type DType,
  dtypeOfArray,
  isComplex,
  isDType,
  type NumArray,
} from "./dtype.js";
import { InvalidArgumentError } from "./errors.js";
import { shapeMsg, sizeOf, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type ScalarLike = number | boolean | string;
/** Anything an op accepts where TensorFlow takes a tensor-like. */
export type TensorLike = Tensor | ScalarLike | ComplexValue | TypedArray | NestedArray;

function isComplexValue(x: unknown): x is ComplexValue {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as ComplexValue).re === "number" &&
    typeof (x as ComplexValue).im === "number"
  );
}
export type NestedArray = ReadonlyArray<TensorLike>;

function isTypedArray(x: unknown): x is TypedArray {
  return (
    x instanceof Float32Array ||
    x instanceof Float64Array ||
    x instanceof Int32Array ||
    x instanceof Uint8Array
  );
}

function kindOf(x: ScalarLike): DType {
  return typeof x === "number" ? "float32" : typeof x === "boolean" ? "bool" : "string";
}

/** Walks a nested array: its shape, the dtype its leaves suggest, and the leaves in order. */
function flatten(
  op: string,
  value: TensorLike,
): { shape: number[]; dtype: DType; leaves: unknown[] } {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || isTypedArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  if (probe instanceof Tensor) shape.push(...probe.shape);
  const leaves: unknown[] = [];
  let dtype: DType | null = null;
  const walk = (x: unknown, depth: number): void => {
    if (x instanceof Tensor) {
      const expect = shape.slice(depth);
      if (x.shape.length !== expect.length || x.shape.some((d, i) => d !== expect[i])) {
        throw new InvalidArgumentError(
          `${op}: nested tensors must all have shape ${shapeMsg(expect)}, got ${shapeMsg(x.shape)}`,
        );
      }
      if (dtype !== null && dtype !== x.dtype && !(dtype === "float32" && x.dtype === "float64")) {
        throw new InvalidArgumentError(`${op}: cannot mix ${dtype} and ${x.dtype} in one tensor`);
      }
      dtype = x.dtype;
      if (isComplex(x.dtype)) {
        const v = x.values as NumArray;
        for (let i = 0; i < v.length; i += 2) leaves.push({ re: v[i], im: v[i + 1] });
        return;
      }
      for (let i = 0; i < x.values.length; i++)
        leaves.push(x.dtype === "bool" ? x.values[i] !== 0 : x.values[i]);
      return;
    }
    if (Array.isArray(x) || isTypedArray(x)) {
      if (depth >= shape.length || x.length !== shape[depth]) {
        throw new InvalidArgumentError(
          `${op}: nested arrays must be rectangular: expected length ${shape[depth] ?? "scalar"} at depth ${depth}, got ${x.length}`,
        );
      }
      if (isTypedArray(x)) {
        if (depth !== shape.length - 1)
          throw new InvalidArgumentError(`${op}: nested arrays must be rectangular`);
        const kind = dtypeOfArray(x);
        dtype = dtype === null || dtype === kind ? kind : dtype;
        for (let i = 0; i < x.length; i++) leaves.push(kind === "bool" ? x[i] !== 0 : x[i]);
        return;
      }
      for (const item of x) walk(item, depth + 1);
      return;
    }
    if (depth !== shape.length) {
      throw new InvalidArgumentError(
        `${op}: nested arrays must be rectangular, found a scalar at depth ${depth} of ${shape.length}`,
      );
    }
    if (isComplexValue(x)) {
      // {re, im}: complex64 unless told otherwise; plain numbers beside it are (n, 0).
      if (dtype !== null && !isComplex(dtype) && dtype !== "float32" && dtype !== "float64") {
        throw new InvalidArgumentError(
          `${op}: cannot mix ${dtype} and complex values in one tensor`,
        );
      }
      if (dtype === null || !isComplex(dtype))
        dtype = dtype === "float64" ? "complex128" : "complex64";
      leaves.push(x);
      return;
    }
    if (typeof x !== "number" && typeof x !== "boolean" && typeof x !== "string") {
      throw new TypeError(`${op}: cannot convert ${x === null ? "null" : typeof x} to a tensor`);
    }
    const kind = kindOf(x);
    if (dtype !== null && isComplex(dtype) && kind === "float32") {
      leaves.push(x);
      return;
    }
    if (
      dtype !== null &&
      dtype !== kind &&
      !(dtype !== "string" && dtype !== "bool" && kind === "float32")
    ) {
      throw new InvalidArgumentError(`${op}: cannot mix ${dtype} and ${kind} values in one tensor`);
    }
    if (dtype === null || (dtype === "bool" && kind !== "bool")) dtype = kind;
    leaves.push(x);
  };
  walk(value, 0);
  return { shape, dtype: dtype ?? "float32", leaves };
}

/** Fills storage of `dtype` from JS leaves, checking that each fits. */
function fill(op: string, leaves: readonly unknown[], dtype: DType): DataArray {
  const out = allocate(dtype, leaves.length);
  if (dtype === "string") {
    for (let i = 0; i < leaves.length; i++) {
      if (typeof leaves[i] !== "string")
        throw new TypeError(`${op}: cannot convert ${typeof leaves[i]} to a string tensor`);
      (out as string[])[i] = leaves[i] as string;
    }
    return out;
  }
  const nums = out as NumArray;
  if (isComplex(dtype)) {
    // interleaved (re, im); a real number is (n, 0)
    for (let i = 0; i < leaves.length; i++) {
      const x = leaves[i];
      if (isComplexValue(x)) {
        nums[2 * i] = x.re;
        nums[2 * i + 1] = x.im;
      } else if (typeof x === "number" || typeof x === "boolean") {
        nums[2 * i] = Number(x);
      } else {
        throw new TypeError(`${op}: cannot convert ${typeof x} '${String(x)}' to ${dtype}`);
      }
    }
    return out;
  }
  for (let i = 0; i < leaves.length; i++) {
    const x = leaves[i];
    if (typeof x === "string")
      throw new TypeError(`${op}: cannot convert the string '${x}' to ${dtype}`);
    const n = typeof x === "boolean" ? (x ? 1 : 0) : (x as number);
    if (dtype === "int32" && !Number.isInteger(n) && Number.isFinite(n)) {
      throw new TypeError(
        `${op}: cannot convert ${n} to int32 without losing its fraction (cast it explicitly)`,
      );
    }
    nums[i] = dtype === "bool" ? (n !== 0 ? 1 : 0) : n;
  }
  return out;
}

/**
 * `tf.convert_to_tensor`: a Tensor is returned as it is; JS values become float32 (numbers),
 * bool or string unless `dtype` says otherwise; typed arrays keep their own dtype.
 */
export function convertToTensor(
  value: TensorLike,
  dtype?: DType | null,
  op = "convertToTensor",
  shape?: Shape,
): Tensor {
  if (value instanceof Tensor) {
    if (dtype && value.dtype !== dtype) {
      throw new InvalidArgumentError(
        `${op}: expected a tensor of dtype ${dtype}, got ${value.dtype} with shape ${shapeMsg(value.shape)}`,
      );
    }
    return value;
  }
  if (dtype !== undefined && dtype !== null && !isDType(dtype)) {
    throw new TypeError(
      `${op}: unknown dtype '${String(dtype)}' (expected float32, float64, int32, bool or string)`,
    );
  }
  if (typeof value === "number" && (dtype === undefined || dtype === null || dtype === "float32")) {
    const v = new Float32Array(1);
    v[0] = value;
    const scalar = new Tensor(v, [], "float32");
    // With a shape, TensorFlow's constant(3, shape=[2, 2]) fills it.
    return shape === undefined ? scalar : reshapeTo(op, scalar, shape);
  }
  if (
    isTypedArray(value) &&
    (dtype === undefined || dtype === null || dtype === dtypeOfArray(value))
  ) {
    const copy = value.slice();
    return reshapeTo(op, new Tensor(copy, [copy.length]), shape);
  }
  const flat = flatten(op, value);
  const target = dtype ?? flat.dtype;
  return reshapeTo(op, new Tensor(fill(op, flat.leaves, target), flat.shape, target), shape);
}

function reshapeTo(op: string, t: Tensor, shape: Shape | undefined): Tensor {
  if (shape === undefined) return t;
  if (t.size === 1 && sizeOf(shape) !== 1) {
    // TensorFlow's constant(3, shape=[2, 2]) fills.
    const out = allocate(t.dtype, sizeOf(shape));
    if (isComplex(t.dtype)) {
      const o = out as NumArray;
      for (let i = 0; i < o.length; i += 2)
        [o[i], o[i + 1]] = [t.values[0], t.values[1]] as number[];
    } else (out as unknown[]).fill(t.values[0]);
    return new Tensor(out, shape.slice(), t.dtype);
  }
  if (sizeOf(shape) !== t.size) {
    throw new InvalidArgumentError(
      `${op}: cannot reshape ${t.size} values into shape ${shapeMsg(shape)}`,
    );
  }
  return new Tensor(t.values, shape.slice(), t.dtype);
}

/** A JS scalar or array mixed with a tensor takes the tensor's dtype, as a Python scalar does. */
export function convertLike(value: TensorLike, like: DType, op: string): Tensor {
  if (value instanceof Tensor) return value;
  return convertToTensor(value, like, op);
}
