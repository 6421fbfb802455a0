/**
 * Storage: how ops reach a tensor's data. Every op and kernel gets a tensor's data through its
 * backend (`b.read(t)` inside a kernel, `backend().read(t)` elsewhere), never through the tensor,
 * so that another backend can keep other storage behind a tensor (a GPU buffer, a lazily fused
 * value) and hand out its data only here. `dataSync()`, `data()`, `array()` and `numpy()` are the
 * public way out.
 */
import { allocate, type DataArray, type DType } from "../tensor/dtype.js";
import { allocateRecyclable } from "./recycle.js";
import type { Tensor } from "../tensor/tensor.js";

export interface StorageKernels {
  /**
   * The data of `t` as the flat row-major array this backend holds: not a copy. An input's data
   * is read only; a kernel writes its outputs' data (storage is written once, by the kernel that
   * makes the tensor, and never again).
   */
  read(t: Tensor): DataArray;
  /**
   * Storage for a new tensor of `size` elements of `dtype`: zeros, or (when `uninitialized`,
   * for a kernel that writes every element) whatever memory held. Throws
   * ResourceExhaustedError when it cannot be had.
   */
  allocate(dtype: DType, size: number, uninitialized?: boolean): DataArray;
}

/**
 * The JS and native backends hold a tensor's data as the typed array in its storage slot.
 * Uninitialized storage may be a recycled buffer (recycle.ts).
 */
export const typedArrayStorage: StorageKernels = {
  read: (t) => t.values,
  allocate: (dtype, size, uninitialized = false) =>
    uninitialized ? allocateRecyclable(dtype, size) : allocate(dtype, size),
};
