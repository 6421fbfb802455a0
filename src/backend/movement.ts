/**
 * The data movement kernel family: copies that rearrange elements. Every kernel copies values
 * without looking at them, so it works on every dtype (string[] storage included) unless it says
 * otherwise. All arrays are flat and row-major; shapes are in elements; every index and size has
 * been checked by the op before the kernel runs, and outputs arrive allocated and zero-filled
 * ("" for strings).
 */
import type { DataArray, NumArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";

export interface MovementKernels {
  /** Repeats x (of inShape) along the broadcast axes of outShape (NumPy rules, already checked). */
  broadcastTo(x: DataArray, inShape: Shape, out: DataArray, outShape: Shape): void;

  /**
   * Transpose: out[i_0, ..., i_{r-1}] = x[j] where j has j[perm[a]] = i_a, so outShape[a] =
   * shape[perm[a]]. `perm` is a permutation of 0..r-1.
   */
  transpose(x: DataArray, shape: Shape, perm: readonly number[], out: DataArray): void;

  /**
   * A strided window of x (Slice, StridedSlice, ReverseV2): out has the rank of x and shape
   * outShape, and out[i_0, ..., i_{r-1}] = x[begin[0] + i_0 strides[0], ..., begin[r-1] +
   * i_{r-1} strides[r-1]]. Strides are non-zero and may be negative; every index read is inside
   * x (an axis with outShape[a] = 0 may have any begin).
   */
  stridedSlice(
    x: DataArray,
    shape: Shape,
    begin: readonly number[],
    strides: readonly number[],
    out: DataArray,
    outShape: Shape,
  ): void;

  /**
   * The adjoint of stridedSlice (StridedSliceGrad): out (of `shape`, zero-filled) receives
   * out[begin + i * strides] = dy[i] for every index i of dyShape (same rank as shape). The
   * positions written are distinct, so this is a plain write, not a sum.
   */
  stridedSliceGrad(
    dy: DataArray,
    dyShape: Shape,
    begin: readonly number[],
    strides: readonly number[],
    out: DataArray,
    shape: Shape,
  ): void;

  /**
   * Concatenation of row blocks (ConcatV2, Pack): input k is viewed as [outer, inners[k]] and
   * out as [outer, sum(inners)]; row o of out is row o of xs[0], then of xs[1], and so on. For a
   * concat along axis a, outer is the product of the dims before a and inners[k] the product of
   * input k's dims from a on.
   */
  concat(xs: readonly DataArray[], outer: number, inners: readonly number[], out: DataArray): void;

  /** The inverse of concat (Split, SplitV, Unpack): x is [outer, sum(inners)], outs[k] is [outer, inners[k]]. */
  split(x: DataArray, outer: number, inners: readonly number[], outs: readonly DataArray[]): void;

  /**
   * Constant padding (PadV2): out (outShape[a] = shape[a] + before[a] + after) is `value`
   * everywhere except out[i + before] = x[i]. Paddings are non-negative. out may arrive
   * uninitialized (the op sets overwritesOutputs): the kernel writes every element. `value` is a number for
   * numeric storage (0/1 for bool) and a string for string storage.
   */
  pad(
    x: DataArray,
    shape: Shape,
    before: readonly number[],
    value: number | string,
    out: DataArray,
    outShape: Shape,
  ): void;

  /**
   * Mirror padding (MirrorPad): along each axis of size n padded by `before`, output index j
   * reads input k = j - before reflected into [0, n): REFLECT (symmetric false) maps -1 to 1 and
   * n to n-2 (the edge is not repeated), SYMMETRIC maps -1 to 0 and n to n-1. The op has checked
   * that one reflection suffices (paddings < n for REFLECT, <= n for SYMMETRIC).
   */
  mirrorPad(
    x: DataArray,
    shape: Shape,
    before: readonly number[],
    symmetric: boolean,
    out: DataArray,
    outShape: Shape,
  ): void;

  /** The adjoint of mirrorPad (MirrorPadGrad): out (of shape, zero-filled) += dy at each index read. */
  mirrorPadGrad(
    dy: NumArray,
    dyShape: Shape,
    before: readonly number[],
    symmetric: boolean,
    out: NumArray,
    shape: Shape,
  ): void;

  /**
   * GatherV2: params viewed as [batch, outer, axisSize, inner], indices as [batch, n] with every
   * index in [0, axisSize); out is [batch, outer, n, inner] with
   * out[b, o, j, :] = params[b, o, indices[b, j], :].
   */
  gather(
    params: DataArray,
    indices: Int32Array,
    batch: number,
    outer: number,
    axisSize: number,
    inner: number,
    out: DataArray,
  ): void;

  /**
   * GatherNd: indices viewed as [n, depth], each row a valid index into the first `depth` axes
   * of params, whose strides (in elements) are `strides` (length depth); out is [n, sliceSize]
   * with out[i, :] = params[sum_k indices[i, k] strides[k] + (0 .. sliceSize-1)].
   */
  gatherNd(
    params: DataArray,
    indices: Int32Array,
    n: number,
    depth: number,
    strides: readonly number[],
    sliceSize: number,
    out: DataArray,
  ): void;

  /**
   * ScatterNd, the adjoint of gatherNd: out (zero-filled) accumulates
   * out[sum_k indices[i, k] strides[k] + s] += updates[i, s]. Duplicate indices add; for bool
   * storage "add" is logical or, for strings it is concatenation (TensorFlow's string add).
   */
  scatterNd(
    indices: Int32Array,
    updates: DataArray,
    n: number,
    depth: number,
    strides: readonly number[],
    sliceSize: number,
    out: DataArray,
  ): void;

  /**
   * UnsortedSegmentSum: data viewed as [ids.length, inner], out as [numSegments, inner]
   * (zero-filled): out[ids[i], :] += data[i, :]. Negative ids are dropped (as in TensorFlow);
   * the op has checked that ids < numSegments.
   */
  unsortedSegmentSum(data: NumArray, ids: Int32Array, inner: number, out: NumArray): void;

  /**
   * UnsortedSegmentMax / Min / Prod, laid out as unsortedSegmentSum: out (any contents) is
   * first filled with the reduction's identity (the dtype's lowest value for max, its highest
   * for min, as TensorFlow gives empty segments; 1 for prod); a NaN in a segment wins its max
   * or min. Negative ids are dropped.
   */
  unsortedSegmentReduce(
    reduction: "max" | "min" | "prod",
    data: NumArray,
    ids: Int32Array,
    inner: number,
    out: NumArray,
  ): void;

  /**
   * OneHot: indices viewed as [outer, inner], out as [outer, depth, inner]:
   * out[o, d, i] = indices[o, i] === d ? on : off. Indices outside [0, depth) give a column of
   * `off`. on and off are numbers for numeric storage (0/1 for bool), strings for strings.
   */
  oneHot(
    indices: Int32Array,
    outer: number,
    depth: number,
    inner: number,
    on: number | string,
    off: number | string,
    out: DataArray,
  ): void;
}
