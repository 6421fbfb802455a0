/** dtypes, their storage and the rules for mixing them. */
import { ResourceExhaustedError } from "./errors.js";

export type DType = "float32" | "float64" | "int32" | "bool" | "string" | ComplexDType;
export type NumericDType = "float32" | "float64" | "int32" | "bool";
export type FloatDType = "float32" | "float64";
/**
 * Complex numbers, as TensorFlow's complex64 (two float32) and complex128 (two float64). A
 * complex tensor of n elements is stored interleaved, (re, im) pairs, in a Float32Array
 * (complex64) or Float64Array (complex128) of length 2n: element i is (values[2i], values[2i+1]).
 * Only the ops that know this accept complex inputs (runOp rejects them elsewhere).
 */
export type ComplexDType = "complex64" | "complex128";

/** A complex number as a JS value (Python's `1+2j`): what numpy() gives for a complex element. */
export interface ComplexValue {
  readonly re: number;
  readonly im: number;
}

/** The flat, row-major storage of a tensor. bool is stored as 0/1 bytes. */
export type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type DataArray = NumArray | string[];

export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "int32",
  "bool",
  "string",
  "complex64",
  "complex128",
];

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function isFloating(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

export function isNumeric(dtype: DType): dtype is NumericDType {
  return dtype !== "string" && !isComplex(dtype);
}

export function isComplex(dtype: DType): dtype is ComplexDType {
  return dtype === "complex64" || dtype === "complex128";
}

/** What a tape differentiates: floating and complex tensors (TensorFlow's `dtype.is_floating or is_complex`). */
export function isDifferentiable(dtype: DType): dtype is FloatDType | ComplexDType {
  return isFloating(dtype) || isComplex(dtype);
}

/** The dtype of a complex dtype's parts (complex64 -> float32); a real dtype is its own. */
export function realDType(dtype: ComplexDType): FloatDType {
  return dtype === "complex64" ? "float32" : "float64";
}

/** The complex dtype whose parts are `dtype` (float32 -> complex64). */
export function complexDType(dtype: FloatDType): ComplexDType {
  return dtype === "float32" ? "complex64" : "complex128";
}

/** Allocates zeroed storage for `size` elements of `dtype`. */
export function allocate(dtype: DType, size: number): DataArray {
  try {
    return allocateUnchecked(dtype, size);
  } catch (e) {
    // V8 throws a bare RangeError ("Array buffer allocation failed", "Invalid typed array
    // length"); say what was asked for, as TensorFlow's OOM error does.
    throw new ResourceExhaustedError(
      `OOM when allocating a tensor of ${size} ${dtype} elements (${(e as Error).message})`,
    );
  }
}

function allocateUnchecked(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
    case "string":
      return new Array<string>(size).fill("");
    case "complex64":
      return new Float32Array(2 * size); // interleaved (re, im)
    case "complex128":
      return new Float64Array(2 * size);
  }
}

/** Below this many elements zeroed storage costs next to nothing, and small buffers stay pooled. */
const UNINITIALIZED_MIN = 16384;

/**
 * Storage whose contents are garbage, for kernels that write every element: zeroing 4 MB costs
 * about as much as a sigmoid over it. Only big numeric buffers skip the zeroing; each gets its
 * own ArrayBuffer (allocUnsafeSlow), so alignment and ownership are as with `new Float32Array`.
 */
export function allocateUninitialized(dtype: DType, size: number): DataArray {
  if (dtype === "string" || isComplex(dtype) || size < UNINITIALIZED_MIN)
    return allocate(dtype, size);
  const ctor = {
    float32: Float32Array,
    float64: Float64Array,
    int32: Int32Array,
    bool: Uint8Array,
  }[dtype];
  let bytes: ReturnType<typeof Buffer.allocUnsafeSlow>;
  try {
    bytes = Buffer.allocUnsafeSlow(size * ctor.BYTES_PER_ELEMENT);
  } catch (e) {
    throw new ResourceExhaustedError(
      `OOM when allocating a tensor of ${size} ${dtype} elements (${(e as Error).message})`,
    );
  }
  return new ctor(bytes.buffer, bytes.byteOffset, size);
}

export function allocateNumeric(dtype: NumericDType, size: number): NumArray {
  return allocate(dtype, size) as NumArray;
}

/** The dtype a typed array stands for (Uint8Array is bool). */
export function dtypeOfArray(values: DataArray): DType {
  if (values instanceof Float32Array) return "float32";
  if (values instanceof Float64Array) return "float64";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Uint8Array) return "bool";
  return "string";
}

/** `tf.float32` in messages, as TensorFlow writes it. */
export function tfName(dtype: DType): string {
  return `tf.${dtype}`;
}
