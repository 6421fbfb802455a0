/**
 * Segment reductions: UnsortedSegmentMax / Min / Prod (registry entries with TensorFlow's
 * gradients), the unsorted mean and sqrt-n (TensorFlow's composites: the segment sum over the
 * segment's row count, or its square root), and the sorted `tf.math.segment*` family, which
 * checks that the ids are sorted and gives empty segments 0 (as TensorFlow's Segment* kernels
 * do) where the unsorted ops give the reduction's identity.
 */
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, saved, toTensor, type TensorLike } from "./checks.js";
import {
  cast,
  divide as div,
  equal,
  greater,
  greaterEqual,
  logicalAnd,
  multiply as mul,
  where,
} from "./elementwise/basic.js";
import { maximum, sqrt } from "./elementwise/math.js";
import { onesLike } from "./creation.js";
import { gather, type SegmentAttrs, unsortedSegmentSum } from "./movement-gather.js";

type Reduction = "max" | "min" | "prod";

/** ids reshaped to broadcast against rows of data: ids.shape + [1] * (data.rank - ids.rank). */
function idsAsRows(ids: Tensor, rank: number): number[] {
  return [...ids.shape, ...new Array<number>(rank - ids.rank).fill(1)];
}

/** t[ids] per data row, 0 for the rows whose id is negative (dropped by the op). */
function gatherRows(t: Tensor, ids: Tensor): Tensor {
  const g = gather(t, maximum(ids, 0));
  return where(reshape(greaterEqual(ids, 0), idsAsRows(ids, g.rank)), g, 0);
}

function checkSegmentInputs(op: string, data: Tensor, ids: Tensor, numSegments: number): void {
  checkDType(op, data, "numeric", "data");
  if (ids.dtype !== "int32") {
    throw new TypeError(`${op}: segment_ids must be int32, got ${describe(ids)}`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new RangeError(`${op}: num_segments must be a non-negative integer, got ${numSegments}`);
  }
  if (ids.rank > data.rank || ids.shape.some((d, i) => d !== data.shape[i])) {
    throw new InvalidArgumentError(
      `${op}: segment_ids.shape = ${shapeMsg(ids.shape)} must be a prefix of data.shape = ${shapeMsg(data.shape)} (${data.dtype})`,
    );
  }
  const idx = ids.dataSync() as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= numSegments) {
      throw new InvalidArgumentError(
        `${op}: segment_ids[${i}] = ${idx[i]} is out of range [0, ${numSegments}) (segment_ids ${shapeMsg(ids.shape)})`,
      );
    }
  }
}

/**
 * Max / min: the cotangent of a segment is split evenly among the rows that attain its extreme
 * (TensorFlow's _UnsortedSegmentMinOrMaxGrad).
 */
const extremeGrad =
  () =>
  (
    [dy]: readonly Tensor[],
    c: {
      inputs: readonly (Tensor | null)[];
      outputs: readonly (Tensor | null)[];
      attrs: SegmentAttrs;
    },
  ): Grads => {
    const [data, ids, y] = [saved(c.inputs[0]), saved(c.inputs[1]), saved(c.outputs[0])];
    const kept = reshape(greaterEqual(ids, 0), idsAsRows(ids, data.rank));
    const selected = logicalAnd(equal(data, gather(y, maximum(ids, 0))), kept);
    const count = unsortedSegmentSum(cast(selected, dy.dtype), ids, c.attrs.numSegments);
    const share = gather(div(dy, maximum(count, 1)), maximum(ids, 0));
    return [where(selected, share, 0), null];
  };

/**
 * Prod: d prod / d x_i = prod / x_i where x_i != 0; at the one zero of a segment, the product of
 * the others; 0 where a segment has two zeros or more (TensorFlow's _UnsortedSegmentProdGrad).
 */
const prodGrad = (
  [dy]: readonly Tensor[],
  c: {
    inputs: readonly (Tensor | null)[];
    outputs: readonly (Tensor | null)[];
    attrs: SegmentAttrs;
  },
): Grads => {
  const [data, ids, y] = [saved(c.inputs[0]), saved(c.inputs[1]), saved(c.outputs[0])];
  const n = c.attrs.numSegments;
  const isZero = equal(data, 0);
  const zeros = unsortedSegmentSum(cast(isZero, "int32"), ids, n);
  const g = where(greater(zeros, 1), 0, dy);
  const nonZero = where(isZero, 1, data);
  const nonZeroProd = unsortedSegmentProd(nonZero, ids, n);
  const partial = where(isZero, gatherRows(nonZeroProd, ids), div(gatherRows(y, ids), nonZero));
  return [mul(gatherRows(g, ids), partial), null];
};

function segmentOp(name: string, reduction: Reduction): OpDef<SegmentAttrs> {
  return defineOp<SegmentAttrs>({
    name,
    kind: "reduction",
    infer: ([data, ids], { numSegments }) => {
      checkSegmentInputs(name, data, ids, numSegments);
      return [{ shape: [numSegments, ...data.shape.slice(ids.rank)], dtype: data.dtype }];
    },
    kernel: (b, [data, ids], [y]) =>
      b.unsortedSegmentReduce(
        reduction,
        b.read(data) as NumArray,
        b.read(ids) as Int32Array,
        sizeOf(data.shape.slice(ids.rank)),
        b.read(y) as NumArray,
      ),
    saveInputs: [0, 1],
    saveOutputs: [0],
    grad: reduction === "prod" ? prodGrad : extremeGrad(),
    check: {
      cases: [
        {
          // row 4 (id -1) is dropped; no segment is empty (an empty max holds the dtype's lowest
          // value, which would overflow the finite-difference sums)
          inputs: [
            { shape: [6, 2], range: reduction === "prod" ? [0.5, 1.5] : [-1, 1] },
            { value: [0, 2, 0, 1, -1, 2], dtype: "int32" },
          ],
          attrs: { numSegments: 3 },
        },
      ],
    },
  });
}

export const UnsortedSegmentMax: OpDef<SegmentAttrs> = segmentOp("UnsortedSegmentMax", "max");
export const UnsortedSegmentMin: OpDef<SegmentAttrs> = segmentOp("UnsortedSegmentMin", "min");
export const UnsortedSegmentProd: OpDef<SegmentAttrs> = segmentOp("UnsortedSegmentProd", "prod");

function unsorted(op: OpDef<SegmentAttrs>, fn: string) {
  return (data: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor => {
    const d = toTensor(data, fn);
    const ids = toTensor(segmentIds, fn, "int32");
    const n = checkInteger(op.name, "num_segments", numSegments, 0);
    return runOp1(op, [d, ids], { numSegments: n });
  };
}

/**
 * `tf.math.unsortedSegmentMax(data, segmentIds, numSegments)`: per segment, the largest row;
 * an empty segment holds the dtype's lowest value (as TensorFlow). Negative ids are dropped.
 */
export const unsortedSegmentMax = api(unsorted(UnsortedSegmentMax, "unsortedSegmentMax"), {
  namespaces: ["math"],
});
/** `tf.math.unsortedSegmentMin(...)`: an empty segment holds the dtype's largest value. */
export const unsortedSegmentMin = api(unsorted(UnsortedSegmentMin, "unsortedSegmentMin"), {
  namespaces: ["math"],
});
/** `tf.math.unsortedSegmentProd(...)`: an empty segment holds 1. */
export const unsortedSegmentProd = api(unsorted(UnsortedSegmentProd, "unsortedSegmentProd"), {
  namespaces: ["math"],
});

/** The number of rows in each segment, shaped [numSegments, 1, ...] to divide a segment sum. */
function segmentCounts(d: Tensor, ids: Tensor, n: number): Tensor {
  const counts = unsortedSegmentSum(onesLike(ids, d.dtype), ids, n);
  return reshape(maximum(counts, 1), [n, ...new Array<number>(d.rank - ids.rank).fill(1)]);
}

/**
 * `tf.math.unsortedSegmentMean(data, segmentIds, numSegments)`: the segment sum over the number
 * of rows in the segment (empty segments give 0). Float data.
 */
export const unsortedSegmentMean = api(
  function unsortedSegmentMean(
    data: TensorLike,
    segmentIds: TensorLike,
    numSegments: number,
  ): Tensor {
    const d = toTensor(data, "unsortedSegmentMean");
    checkDType("unsortedSegmentMean", d, "float", "data");
    const ids = toTensor(segmentIds, "unsortedSegmentMean", "int32");
    const sum = unsortedSegmentSum(d, ids, numSegments);
    return div(sum, segmentCounts(d, ids, numSegments));
  },
  { namespaces: ["math"] },
);

/**
 * `tf.math.unsortedSegmentSqrtN(data, segmentIds, numSegments)`: the segment sum over the square
 * root of the segment's row count (empty segments give 0). Float data.
 */
export const unsortedSegmentSqrtN = api(
  function unsortedSegmentSqrtN(
    data: TensorLike,
    segmentIds: TensorLike,
    numSegments: number,
  ): Tensor {
    const d = toTensor(data, "unsortedSegmentSqrtN");
    checkDType("unsortedSegmentSqrtN", d, "float", "data");
    const ids = toTensor(segmentIds, "unsortedSegmentSqrtN", "int32");
    const sum = unsortedSegmentSum(d, ids, numSegments);
    return div(sum, sqrt(segmentCounts(d, ids, numSegments)));
  },
  { namespaces: ["math"] },
);

/**
 * The sorted ops' checks: ids 1-D int32, one per row of data, non-negative and non-decreasing
 * (TensorFlow's "segment ids are not increasing"). Returns the number of segments, last id + 1.
 */
function sortedSegments(fn: string, data: Tensor, ids: Tensor): number {
  if (ids.dtype !== "int32") {
    throw new TypeError(`${fn}: segment_ids must be int32, got ${describe(ids)}`);
  }
  if (ids.rank !== 1 || data.rank < 1 || ids.shape[0] !== data.shape[0]) {
    throw new InvalidArgumentError(
      `${fn}: segment_ids must be a vector with one id per row of data, got segment_ids ${shapeMsg(ids.shape)} and data ${describe(data)}`,
    );
  }
  const v = ids.dataSync() as Int32Array;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0) {
      throw new InvalidArgumentError(`${fn}: segment_ids[${i}] = ${v[i]} is negative`);
    }
    if (i > 0 && v[i] < v[i - 1]) {
      throw new InvalidArgumentError(
        `${fn}: segment ids are not increasing: segment_ids[${i - 1}] = ${v[i - 1]} > segment_ids[${i}] = ${v[i]}`,
      );
    }
  }
  return v.length === 0 ? 0 : v[v.length - 1] + 1;
}

function sorted(
  fn: string,
  reduce: (d: Tensor, ids: Tensor, n: number) => Tensor,
  emptyIsZero: boolean,
) {
  return (data: TensorLike, segmentIds: TensorLike): Tensor => {
    const d = toTensor(data, fn);
    const ids = toTensor(segmentIds, fn, "int32");
    const n = sortedSegments(fn, d, ids);
    const y = reduce(d, ids, n);
    if (!emptyIsZero) return y;
    // TensorFlow's Segment* kernels write 0 into the segments no id names.
    const present = unsortedSegmentSum(onesLike(ids), ids, n);
    return where(reshape(greater(present, 0), [n, ...new Array<number>(d.rank - 1).fill(1)]), y, 0);
  };
}

/** `tf.math.segmentSum(data, segmentIds)`: sums over runs of sorted ids; out has last id + 1 rows. */
export const segmentSum = api(sorted("segmentSum", unsortedSegmentSum, false), {
  namespaces: ["math"],
});
/** `tf.math.segmentMean(data, segmentIds)`: means over sorted segments (empty ones give 0). */
export const segmentMean = api(sorted("segmentMean", unsortedSegmentMean, false), {
  namespaces: ["math"],
});
/** `tf.math.segmentMax(data, segmentIds)`: maxima over sorted segments (empty ones give 0). */
export const segmentMax = api(sorted("segmentMax", unsortedSegmentMax, true), {
  namespaces: ["math"],
});
/** `tf.math.segmentMin(data, segmentIds)`: minima over sorted segments (empty ones give 0). */
export const segmentMin = api(sorted("segmentMin", unsortedSegmentMin, true), {
  namespaces: ["math"],
});
/** `tf.math.segmentProd(data, segmentIds)`: products over sorted segments (empty ones give 1). */
export const segmentProd = api(sorted("segmentProd", unsortedSegmentProd, false), {
  namespaces: ["math"],
});
