/**
 * Native movement kernels (native/movement2.h): slices and strided slices with their
 * gradients, broadcasts (and so tiles), constant and mirror padding, concat / split, gather,
 * the scatter-add of gather's gradient (UnsortedSegmentSum) and one-hot. Most are one strided
 * copy in C++: rows that stay contiguous become memcpy runs, broadcast rows fills, and long
 * copies are split over the thread pool. Each wrapper falls back to the JS kernel below its
 * crossover size, for string data or mixed dtypes, and when the addon predates the kernel.
 */
import type { Backend } from "../types.js";
import type { MovementKernels } from "../movement.js";
import type { DataArray, NumArray } from "../../tensor/dtype.js";
import { stridesOf } from "../../tensor/shape.js";
import { broadcastStrides } from "../js/elementwise.js";
import type { NativeAddon } from "./addon.js";

/**
 * Crossovers in elements copied. A native call with its argument checks costs about 0.5 us;
 * JS copies a contiguous run with TypedArray.set at memcpy speed but pays per row and per
 * element for strided or short rows.
 */
export const MOVEMENT_THRESHOLDS = {
  copy: 512,
  /** A broadcast of one value longer than this is filled by the threads. */
  parallelFill: 65536,
  concat: 1024,
  gather: 512,
  segmentSum: 1024,
  oneHot: 1024,
};

function isNum(x: DataArray): x is NumArray {
  return !Array.isArray(x);
}

/** Numeric arrays of one dtype. */
function sameNum(a: DataArray, b: DataArray): boolean {
  return isNum(a) && isNum(b) && a.constructor === b.constructor;
}

function allSameNum(first: DataArray, xs: readonly DataArray[]): boolean {
  return isNum(first) && xs.every((x) => isNum(x) && x.constructor === first.constructor);
}

/** Float32, Float64 or Int32 (the dtypes the native sums take). */
function isAddable(x: DataArray): x is Float32Array | Float64Array | Int32Array {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array;
}

/** v is stored as is in out's element type (the native one-hot refuses anything else). */
function storesExactly(out: NumArray, v: number): boolean {
  if (out instanceof Int32Array) return (v | 0) === v;
  if (out instanceof Uint8Array) return v === 0 || v === 1;
  return true;
}

type Moves = Pick<
  MovementKernels,
  | "broadcastTo"
  | "stridedSlice"
  | "stridedSliceGrad"
  | "concat"
  | "split"
  | "pad"
  | "mirrorPad"
  | "mirrorPadGrad"
  | "gather"
  | "unsortedSegmentSum"
  | "oneHot"
>;

export function nativeMovement(addon: NativeAddon, js: Backend): Moves {
  const T = MOVEMENT_THRESHOLDS;
  const copy = addon.stridedCopy?.bind(addon);
  const concat = addon.concat?.bind(addon);
  const split = addon.split?.bind(addon);
  const gather = addon.gather?.bind(addon);
  const segmentSum = addon.unsortedSegmentSum?.bind(addon);
  const oneHot = addon.oneHot?.bind(addon);
  const pad = addon.pad?.bind(addon);
  const mirrorPad = addon.mirrorPad?.bind(addon);
  const mirrorPadGrad = addon.mirrorPadGrad?.bind(addon);
  return {
    broadcastTo(x, inShape, out, outShape) {
      if (copy === undefined || out.length < T.copy || !sameNum(x, out)) {
        return js.broadcastTo(x, inShape, out, outShape);
      }
      // One value: a fill; TypedArray.fill runs at memset speed on one thread, the native copy
      // with a zero stride shares a long fill out over the thread pool.
      if (x.length === 1 && out.length < T.parallelFill) (out as NumArray).fill((x as NumArray)[0]);
      else
        copy(
          x as NumArray,
          0,
          broadcastStrides(inShape, outShape),
          out as NumArray,
          0,
          stridesOf(outShape),
          outShape,
        );
    },

    stridedSlice(x, shape, begin, strides, out, outShape) {
      if (copy === undefined || out.length < T.copy || !sameNum(x, out)) {
        return js.stridedSlice(x, shape, begin, strides, out, outShape);
      }
      const st = stridesOf(shape);
      let base = 0;
      for (let a = 0; a < shape.length; a++) base += begin[a] * st[a];
      copy(
        x as NumArray,
        base,
        st.map((s, a) => s * strides[a]),
        out as NumArray,
        0,
        stridesOf(outShape),
        outShape,
      );
    },

    stridedSliceGrad(dy, dyShape, begin, strides, out, shape) {
      if (copy === undefined || dy.length < T.copy || !sameNum(dy, out)) {
        return js.stridedSliceGrad(dy, dyShape, begin, strides, out, shape);
      }
      const st = stridesOf(shape);
      let base = 0;
      for (let a = 0; a < shape.length; a++) base += begin[a] * st[a];
      copy(
        dy as NumArray,
        0,
        stridesOf(dyShape),
        out as NumArray,
        base,
        st.map((s, a) => s * strides[a]),
        dyShape,
      );
    },

    concat(xs, outer, inners, out) {
      if (concat === undefined || out.length < T.concat || !allSameNum(out, xs)) {
        return js.concat(xs, outer, inners, out);
      }
      concat(xs as readonly NumArray[], outer, inners, out as NumArray);
    },

    split(x, outer, inners, outs) {
      if (split === undefined || x.length < T.concat || !allSameNum(x, outs)) {
        return js.split(x, outer, inners, outs);
      }
      split(x as NumArray, outer, inners, outs as readonly NumArray[]);
    },

    pad(x, shape, before, value, out, outShape) {
      if (
        pad === undefined ||
        out.length < T.copy ||
        typeof value !== "number" ||
        !sameNum(x, out) ||
        !storesExactly(out as NumArray, value)
      ) {
        return js.pad(x, shape, before, value, out, outShape);
      }
      // Every element written once: the rows of x with their borders, and whole border rows.
      pad(x as NumArray, shape, before, value, out as NumArray, outShape);
    },

    mirrorPad(x, shape, before, symmetric, out, outShape) {
      if (mirrorPad === undefined || out.length < T.copy || !sameNum(x, out)) {
        return js.mirrorPad(x, shape, before, symmetric, out, outShape);
      }
      mirrorPad(x as NumArray, shape, before, symmetric, out as NumArray, outShape);
    },

    mirrorPadGrad(dy, dyShape, before, symmetric, out, shape) {
      if (
        mirrorPadGrad === undefined ||
        dy.length < T.copy ||
        !isAddable(dy) ||
        dy.constructor !== out.constructor
      ) {
        return js.mirrorPadGrad(dy, dyShape, before, symmetric, out, shape);
      }
      mirrorPadGrad(dy, dyShape, before, symmetric, out, shape);
    },

    gather(params, indices, batch, outer, axisSize, inner, out) {
      if (gather === undefined || out.length < T.gather || !sameNum(params, out)) {
        return js.gather(params, indices, batch, outer, axisSize, inner, out);
      }
      gather(params as NumArray, indices, batch, outer, axisSize, inner, out as NumArray);
    },

    unsortedSegmentSum(data, ids, inner, out) {
      if (
        segmentSum === undefined ||
        data.length < T.segmentSum ||
        !isAddable(data) ||
        data.constructor !== out.constructor
      ) {
        return js.unsortedSegmentSum(data, ids, inner, out);
      }
      segmentSum(data, ids, inner, out);
    },

    oneHot(indices, outer, depth, inner, on, off, out) {
      if (
        oneHot === undefined ||
        out.length < T.oneHot ||
        typeof on !== "number" ||
        typeof off !== "number" ||
        !isNum(out) ||
        !storesExactly(out, on) ||
        !storesExactly(out, off)
      ) {
        return js.oneHot(indices, outer, depth, inner, on, off, out);
      }
      oneHot(indices, outer, depth, inner, on, off, out);
    },
  };
}
