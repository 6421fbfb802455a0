/**
 * The Tensor: an immutable n-dimensional array. Its storage is written once, by the kernel
 * that makes it, and never again; ops (in ops/) add their methods to the prototype, so this
 * layer knows nothing of them.
 */
import { type ComplexValue, type DataArray, type DType, dtypeOfArray } from "./dtype.js";
import { sizeOf, type Shape } from "./shape.js";
import { formatTensor } from "./format.js";

let nextTensorId = 1;

/**
 * Node's `util.inspect.custom`, by its registered name: console.log(t) shows TensorFlow's form,
 * and the type declarations need no @types/node.
 */
const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** A fresh id: tapes and graphs know a tensor by it. */
export function newTensorId(): number {
  return nextTensorId++;
}

/** What numpy() gives: a number, boolean or string for a scalar, nested arrays otherwise. */
export type NumpyValue = number | boolean | string | ComplexValue | NumpyArray;
export type NumpyArray = NumpyValue[];

export class Tensor {
  /** Stable identity used by tapes. */
  readonly id: number;
  /**
   * @internal The storage slot the backend owns (for the JS and native backends, the flat
   * row-major typed array). Ops and kernels reach it through the backend (`backend().read(t)`,
   * `b.read(t)` in a kernel); users read a copy with dataSync(), data(), array() or numpy().
   */
  readonly values: DataArray;
  readonly shape: Shape;
  readonly dtype: DType;

  constructor(values: DataArray, shape: Shape, dtype: DType = dtypeOfArray(values)) {
    this.id = newTensorId();
    this.values = values;
    this.shape = shape;
    this.dtype = dtype;
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** A copy of the flat storage. */
  dataSync(): DataArray {
    return this.values.slice();
  }

  /** The value as JS data: a number, boolean or string for a scalar, nested arrays otherwise. */
  numpy(): NumpyValue {
    const values = this.values;
    const isBool = this.dtype === "bool";
    const isComplex = this.dtype === "complex64" || this.dtype === "complex128";
    const at = (i: number): NumpyValue =>
      isComplex
        ? { re: values[2 * i] as number, im: values[2 * i + 1] as number }
        : isBool
          ? values[i] !== 0
          : values[i];
    if (this.shape.length === 0) return at(0);
    const build = (dim: number, offset: number, stride: number): NumpyArray => {
      const n = this.shape[dim];
      const inner = stride / (n || 1);
      const out: NumpyArray = [];
      for (let i = 0; i < n; i++) {
        out.push(
          dim === this.shape.length - 1
            ? at(offset + i)
            : build(dim + 1, offset + i * inner, inner),
        );
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The flat values as JS numbers (bool as 0/1). */
  arraySync(): NumpyValue {
    return this.numpy();
  }

  toString(): string {
    return formatTensor(this);
  }

  [inspectCustom](): string {
    return this.toString();
  }
}
