/**
 * Indexing by tensors: GatherV2, GatherNd, ScatterNd, UnsortedSegmentSum and OneHot. Indices are
 * int32 and are checked before any kernel runs: an index out of range throws an
 * InvalidArgumentError naming it and the range, as TensorFlow's CPU kernels do.
 */
import { backend } from "../backend/index.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { type DType, isDType, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import {
  checkShape,
  normalizeAxis,
  shapeMsg,
  sizeOf,
  stridesOf,
  type Shape,
} from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { convertToTensor } from "../tensor/convert.js";
import { reshape } from "./broadcast.js";
import { checkDType, describe, checkInteger, toTensor, type TensorLike, saved } from "./checks.js";
import { range, zeros } from "./creation.js";
import { greaterEqual, maximum, mul, add, where } from "./elementwise.js";
import { intArg, intList, transpose } from "./movement-core.js";
import { api } from "./api.js";

/** `[1,2]` for the multi-index of flat position i in shape, as TensorFlow writes indices[1,2]. */
function multiIndex(i: number, shape: Shape): string {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx.join(",");
}

function checkIndices(op: string, indices: Tensor, what = "indices"): Int32Array {
  if (indices.dtype !== "int32") {
    throw new TypeError(`${op}: ${what} must be int32, got ${describe(indices)}`);
  }
  return backend().read(indices) as Int32Array;
}

/**
 * Checks that each row of indices (viewed as [n, depth]) indexes into the first `depth` axes of
 * `shape`.
 */
function checkNdIndices(op: string, indices: Tensor, shape: Shape, what: string): void {
  const idx = backend().read(indices) as Int32Array;
  const depth = indices.shape[indices.rank - 1];
  const n = depth === 0 ? 0 : idx.length / depth;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < depth; k++) {
      const v = idx[i * depth + k];
      if (v < 0 || v >= shape[k]) {
        const row = Array.from(idx.subarray(i * depth, (i + 1) * depth));
        throw new InvalidArgumentError(
          `${op}: indices[${multiIndex(i, indices.shape.slice(0, -1))}] = [${row.join(", ")}] does not index into ${what} ${shapeMsg(shape)}`,
        );
      }
    }
  }
}

// --- GatherV2 ---------------------------------------------------------------------------------

export interface GatherAttrs {
  /** Normalized; batchDims <= axis < params rank. */
  readonly axis: number;
  readonly batchDims: number;
}

export const GatherV2: OpDef<GatherAttrs> = defineOp<GatherAttrs>({
  name: "GatherV2",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: {
    cases: [
      {
        inputs: [{ shape: [4, 3] }, { value: [2, 0, 2], dtype: "int32" }],
        attrs: { axis: 0, batchDims: 0 },
      },
      {
        inputs: [
          { shape: [2, 4] },
          {
            value: [
              [1, 3],
              [0, 0],
            ],
            dtype: "int32",
          },
        ],
        attrs: { axis: 1, batchDims: 1 },
      },
    ],
  },
  infer: ([params, indices], { axis, batchDims }) => {
    const idx = checkIndices("GatherV2", indices);
    if (axis < 0 || axis >= params.rank) {
      throw new InvalidArgumentError(
        `GatherV2: axis ${axis} is out of range for params ${describe(params)}`,
      );
    }
    if (batchDims < 0 || batchDims > axis || batchDims > indices.rank) {
      throw new InvalidArgumentError(
        `GatherV2: batch_dims ${batchDims} must be in [0, min(axis ${axis}, rank of indices ${indices.rank})] (params ${describe(params)}, indices ${describe(indices)})`,
      );
    }
    for (let a = 0; a < batchDims; a++) {
      if (params.shape[a] !== indices.shape[a]) {
        throw new InvalidArgumentError(
          `GatherV2: params.shape[${a}] = ${params.shape[a]} must equal indices.shape[${a}] = ${indices.shape[a]} for batch_dims ${batchDims} (params ${describe(params)}, indices ${describe(indices)})`,
        );
      }
    }
    const limit = params.shape[axis];
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= limit) {
        throw new InvalidArgumentError(
          `GatherV2: indices[${multiIndex(i, indices.shape)}] = ${idx[i]} is not in [0, ${limit}) (params ${describe(params)}, axis ${axis})`,
        );
      }
    }
    const shape = [
      ...params.shape.slice(0, axis),
      ...indices.shape.slice(batchDims),
      ...params.shape.slice(axis + 1),
    ];
    return [{ shape, dtype: params.dtype }];
  },
  kernel: (b, [params, indices], [y], { axis, batchDims }) => {
    const s = params.shape;
    b.gather(
      b.read(params),
      b.read(indices) as Int32Array,
      sizeOf(s.slice(0, batchDims)),
      sizeOf(s.slice(batchDims, axis)),
      s[axis],
      sizeOf(s.slice(axis + 1)),
      b.read(y),
    );
  },
  saveInputs: [1],
  /**
   * With params = B + P + [A] + I (B the batch dims, A the gathered axis) and indices = B + N,
   * dy is B + P + N + I. Moving N before P and flattening gives rows [B*N, P*I], each of which
   * adds into row b*A + indices[b, n] of a [B*A, P*I] sum (UnsortedSegmentSum); that is then
   * laid back out as B + P + [A] + I.
   */
  grad: ([dy], { attrs, inputs, inputShapes }) => {
    const indices = saved(inputs[1]);
    const ps = inputShapes[0];
    const { axis, batchDims: bd } = attrs;
    const rB = bd;
    const rP = axis - bd;
    const rN = indices.rank - bd;
    const A = ps[axis];
    const nB = sizeOf(ps.slice(0, bd));
    const nPI = sizeOf(ps.slice(bd, axis)) * sizeOf(ps.slice(axis + 1));
    const nN = sizeOf(indices.shape.slice(bd));
    if (nB * nN === 0 || A === 0) return [zeros(ps, dy.dtype), null];
    const seq = (from: number, n: number): number[] =>
      Array.from({ length: n }, (_, i) => from + i);
    let g = dy;
    if (rP > 0 && rN > 0) {
      const rest = seq(rB + rP + rN, dy.rank - rB - rP - rN);
      g = transpose(dy, [...seq(0, rB), ...seq(rB + rP, rN), ...seq(rB, rP), ...rest]);
    }
    g = reshape(g, [nB * nN, nPI]);
    let ids = reshape(indices, [nB, nN]);
    if (bd > 0) ids = add(ids, reshape(mul(range(0, nB, 1, "int32"), A), [nB, 1]));
    const summed = unsortedSegmentSum(g, reshape(ids, [-1]), nB * A);
    let dx = reshape(summed, [...ps.slice(0, bd), A, ...ps.slice(bd, axis), ...ps.slice(axis + 1)]);
    if (rP > 0) {
      const rest = seq(rB + 1 + rP, ps.length - rB - 1 - rP);
      dx = transpose(dx, [...seq(0, rB), ...seq(rB + 1, rP), rB, ...rest]);
    }
    return [dx, null];
  },
});

// --- UnsortedSegmentSum -----------------------------------------------------------------------

export interface SegmentAttrs {
  readonly numSegments: number;
}

export const UnsortedSegmentSum: OpDef<SegmentAttrs> = defineOp<SegmentAttrs>({
  name: "UnsortedSegmentSum",
  kind: "movement",
  check: {
    cases: [
      {
        inputs: [{ shape: [4, 3] }, { value: [0, 2, 0, 1], dtype: "int32" }],
        attrs: { numSegments: 3 },
      },
    ],
  },
  infer: ([data, ids], { numSegments }) => {
    checkDType("UnsortedSegmentSum", data, "numeric", "data");
    const idx = checkIndices("UnsortedSegmentSum", ids, "segment_ids");
    if (!Number.isInteger(numSegments) || numSegments < 0) {
      throw new RangeError(
        `UnsortedSegmentSum: num_segments must be a non-negative integer, got ${numSegments}`,
      );
    }
    if (ids.rank > data.rank || ids.shape.some((d, i) => d !== data.shape[i])) {
      throw new InvalidArgumentError(
        `UnsortedSegmentSum: segment_ids.shape = ${shapeMsg(ids.shape)} must be a prefix of data.shape = ${shapeMsg(data.shape)} (${data.dtype})`,
      );
    }
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] >= numSegments) {
        throw new InvalidArgumentError(
          `UnsortedSegmentSum: segment_ids[${multiIndex(i, ids.shape)}] = ${idx[i]} is out of range [0, ${numSegments})`,
        );
      }
    }
    return [{ shape: [numSegments, ...data.shape.slice(ids.rank)], dtype: data.dtype }];
  },
  kernel: (b, [data, ids], [y]) =>
    b.unsortedSegmentSum(
      b.read(data) as NumArray,
      b.read(ids) as Int32Array,
      sizeOf(data.shape.slice(ids.rank)),
      b.read(y) as NumArray,
    ),
  saveInputs: [1],
  // Each data row received the cotangent of its segment; rows with a negative id were dropped.
  grad: ([dy], { inputs }) => {
    const ids = saved(inputs[1]);
    const g = gather(dy, maximum(ids, 0));
    const kept = reshape(greaterEqual(ids, 0), [
      ...ids.shape,
      ...new Array<number>(g.rank - ids.rank).fill(1),
    ]);
    return [where(kept, g, 0), null];
  },
});

// --- GatherNd, ScatterNd ----------------------------------------------------------------------

export const GatherNd: OpDef<Record<string, never>> = defineOp<Record<string, never>>({
  name: "GatherNd",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: {
    cases: [
      {
        inputs: [
          { shape: [3, 4] },
          {
            value: [
              [0, 1],
              [2, 3],
            ],
            dtype: "int32",
          },
        ],
        attrs: {},
      },
    ],
  },
  infer: ([params, indices]) => {
    checkIndices("GatherNd", indices);
    const depth = indices.shape[indices.rank - 1];
    if (indices.rank === 0 || depth > params.rank) {
      throw new InvalidArgumentError(
        `GatherNd: indices must be at least 1-D with a last dimension of at most the rank of params ${describe(params)}, got indices ${describe(indices)}`,
      );
    }
    checkNdIndices("GatherNd", indices, params.shape, "param shape");
    const shape = [...indices.shape.slice(0, -1), ...params.shape.slice(depth)];
    return [{ shape, dtype: params.dtype }];
  },
  kernel: (b, [params, indices], [y]) => {
    const depth = indices.shape[indices.rank - 1];
    b.gatherNd(
      b.read(params),
      b.read(indices) as Int32Array,
      sizeOf(indices.shape.slice(0, -1)),
      depth,
      stridesOf(params.shape).slice(0, depth),
      sizeOf(params.shape.slice(depth)),
      b.read(y),
    );
  },
  saveInputs: [1],
  // Gathered slices send their cotangents back to where they came from, adding up repeats.
  grad: ([dy], { inputs, inputShapes }) => [scatterNd(saved(inputs[1]), dy, inputShapes[0]), null],
});

export interface ScatterNdAttrs {
  readonly shape: Shape;
}

export const ScatterNd: OpDef<ScatterNdAttrs> = defineOp<ScatterNdAttrs>({
  name: "ScatterNd",
  kind: "movement",
  check: {
    cases: [
      {
        inputs: [{ value: [[0], [2]], dtype: "int32" }, { shape: [2, 3] }],
        attrs: { shape: [4, 3] },
      },
    ],
  },
  infer: ([indices, updates], { shape }) => {
    checkIndices("ScatterNd", indices);
    const depth = indices.shape[indices.rank - 1];
    if (indices.rank === 0 || depth > shape.length) {
      throw new InvalidArgumentError(
        `ScatterNd: indices must be at least 1-D with a last dimension of at most the rank of shape ${shapeMsg(shape)}, got indices ${describe(indices)}`,
      );
    }
    const expect = [...indices.shape.slice(0, -1), ...shape.slice(depth)];
    if (updates.rank !== expect.length || updates.shape.some((d, i) => d !== expect[i])) {
      throw new InvalidArgumentError(
        `ScatterNd: updates must have shape indices.shape[:-1] + shape[${depth}:] = ${shapeMsg(expect)}, got ${describe(updates)} (indices ${describe(indices)}, shape ${shapeMsg(shape)})`,
      );
    }
    checkNdIndices("ScatterNd", indices, shape, "shape");
    return [{ shape, dtype: updates.dtype }];
  },
  kernel: (b, [indices, updates], [y], { shape }) => {
    const depth = indices.shape[indices.rank - 1];
    b.scatterNd(
      b.read(indices) as Int32Array,
      b.read(updates),
      sizeOf(indices.shape.slice(0, -1)),
      depth,
      stridesOf(shape).slice(0, depth),
      sizeOf(shape.slice(depth)),
      b.read(y),
    );
  },
  saveInputs: [0],
  // Each update landed (added) at one place: its cotangent is read back from there.
  grad: ([dy], { inputs }) => [null, gatherNd(dy, saved(inputs[0]))],
});

// --- OneHot -----------------------------------------------------------------------------------

export interface OneHotAttrs {
  readonly depth: number;
  /** Normalized: in [0, rank of indices]. */
  readonly axis: number;
}

export const OneHot: OpDef<OneHotAttrs> = defineOp<OneHotAttrs>({
  name: "OneHot",
  kind: "movement",
  infer: ([indices, on, off], { depth, axis }) => {
    checkIndices("OneHot", indices);
    if (!Number.isInteger(depth) || depth < 0)
      throw new RangeError(`OneHot: depth must be a non-negative integer, got ${depth}`);
    if (on.rank !== 0 || off.rank !== 0 || on.dtype !== off.dtype) {
      throw new InvalidArgumentError(
        `OneHot: on_value and off_value must be scalars of one dtype, got ${describe(on)} and ${describe(off)}`,
      );
    }
    if (axis < 0 || axis > indices.rank) {
      throw new InvalidArgumentError(
        `OneHot: axis ${axis} is out of range for indices ${describe(indices)} (expected -1 or in [0, ${indices.rank}])`,
      );
    }
    const shape = indices.shape.slice();
    shape.splice(axis, 0, depth);
    return [{ shape, dtype: on.dtype }];
  },
  kernel: (b, [indices, on, off], [y], { depth, axis }) =>
    b.oneHot(
      b.read(indices) as Int32Array,
      sizeOf(indices.shape.slice(0, axis)),
      depth,
      sizeOf(indices.shape.slice(axis)),
      b.read(on)[0],
      b.read(off)[0],
      b.read(y),
    ),
  grad: "none",
});

// --- public functions -------------------------------------------------------------------------

/**
 * `tf.gather(params, indices, axis?, batchDims = 0)`: slices of params along axis at the given
 * int32 indices; axis defaults to batchDims. The first batchDims dimensions of params and
 * indices are matched batch dimensions. (TensorFlow's deprecated `validate_indices`, its third
 * positional parameter, is left out: indices are always validated.)
 */
export const gather = api(
  function gather(
    params: TensorLike,
    indices: TensorLike,
    axis?: number | null,
    batchDims = 0,
  ): Tensor {
    const p = toTensor(params, "gather");
    const i = toTensor(indices, "gather", "int32");
    let bd = intArg("GatherV2", "batch_dims", batchDims);
    if (bd < 0) bd += i.rank;
    const a = axis === undefined || axis === null ? bd : intArg("GatherV2", "axis", axis);
    if (p.rank === 0)
      throw new InvalidArgumentError(`GatherV2: params must be at least 1-D, got ${describe(p)}`);
    return runOp1(GatherV2, [p, i], {
      axis: normalizeAxis("GatherV2", a, p.rank, p),
      batchDims: bd,
    });
  },
  { methods: ["gather"], namespaces: [] },
);

/** `tf.gatherNd(params, indices)`: indices[..., :] index the leading dimensions of params. */
export const gatherNd = api(
  function gatherNd(params: TensorLike, indices: TensorLike): Tensor {
    const p = toTensor(params, "gatherNd");
    return runOp1(GatherNd, [p, toTensor(indices, "gatherNd", "int32")], {});
  },
  { methods: ["gatherNd"], namespaces: [] },
);

/**
 * `tf.scatterNd(indices, updates, shape)`: zeros of `shape` with the updates added at indices
 * (duplicates add up).
 */
export function scatterNd(
  indices: TensorLike,
  updates: TensorLike,
  shape: readonly number[] | Tensor,
): Tensor {
  const i = toTensor(indices, "scatterNd", "int32");
  const u = toTensor(updates, "scatterNd");
  const s = checkShape("ScatterNd", intList("ScatterNd", "shape", shape));
  return runOp1(ScatterNd, [i, u], { shape: s });
}

/**
 * `tf.math.unsortedSegmentSum(data, segmentIds, numSegments)`: out[k] = sum of the data rows
 * whose segment id is k; rows with a negative id are dropped.
 */
export const unsortedSegmentSum = api(
  function unsortedSegmentSum(
    data: TensorLike,
    segmentIds: TensorLike,
    numSegments: number,
  ): Tensor {
    const d = toTensor(data, "unsortedSegmentSum");
    const ids = toTensor(segmentIds, "unsortedSegmentSum", "int32");
    const n = checkInteger("UnsortedSegmentSum", "num_segments", numSegments, 0);
    return runOp1(UnsortedSegmentSum, [d, ids], { numSegments: n });
  },
  { methods: [], namespaces: ["math"] },
);

/**
 * `tf.oneHot(indices, depth, onValue = 1, offValue = 0, axis = -1, dtype?)`: a new axis of size
 * depth holding onValue at each index and offValue elsewhere (indices outside [0, depth) give
 * offValue only). The dtype defaults to that of onValue or offValue when they are tensors, else
 * float32. Not differentiable.
 */
export function oneHot(
  indices: TensorLike,
  depth: number,
  onValue?: TensorLike | null,
  offValue?: TensorLike | null,
  axis: number | null = -1,
  dtype?: DType | null,
): Tensor {
  const i = toTensor(indices, "oneHot", "int32");
  const n = checkInteger("OneHot", "depth", depth, 0);
  const d: DType =
    dtype ??
    (onValue instanceof Tensor
      ? onValue.dtype
      : offValue instanceof Tensor
        ? offValue.dtype
        : "float32");
  if (!isDType(d)) throw new TypeError(`OneHot: unknown dtype '${String(d)}'`);
  const on = convertToTensor(onValue ?? (d === "bool" ? true : 1), d, "OneHot");
  const off = convertToTensor(offValue ?? (d === "bool" ? false : 0), d, "OneHot");
  const a = axis === null ? -1 : intArg("OneHot", "axis", axis);
  if (a < -1 || a > i.rank) {
    throw new InvalidArgumentError(
      `OneHot: axis ${a} is out of range for indices ${describe(i)} (expected -1 or in [0, ${i.rank}])`,
    );
  }
  return runOp1(OneHot, [i, on, off], { depth: n, axis: a === -1 ? i.rank : a });
}
