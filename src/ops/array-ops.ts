/**
 * The `tf.*` array functions TensorFlow builds from other ops: sort, argsort, unique,
 * searchsorted, roll, repeat, meshgrid, booleanMask, sequenceMask, histogramFixedWidth,
 * clipByNorm, clipByGlobalNorm, tensorScatterNdUpdate / Add / Sub, and rank / size / shape as
 * tensors. Differentiable ones are composites of registry ops (gather, slice, concat, topK,
 * scatterNd), so their gradients are those ops'. Functions whose output shape depends on
 * values (unique, booleanMask, repeat) read those values eagerly.
 */
import type { DType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { broadcastTo, reduceSum, reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { describeValue } from "../tensor/describe-value.js";
import { constant, onesLike, range } from "./creation.js";
import {
  add,
  cast,
  divide as div,
  greater,
  less,
  multiply as mul,
  negative as neg,
  square,
  subtract as sub,
  where,
} from "./elementwise/basic.js";
import { floor, maximum, minimum, sqrt } from "./elementwise/math.js";
import { concat, transpose } from "./movement-core.js";
import { gather, scatterNd, unsortedSegmentSum } from "./movement-gather.js";
import { slice } from "./movement-slice.js";
import { topK } from "./reduce-scan.js";

export type SortDirection = "ASCENDING" | "DESCENDING";

/** x with `axis` swapped with the last axis (its own inverse), and the swap. */
function toLast(fn: string, x: Tensor, axis: number): [Tensor, number[] | null] {
  const ax = normalizeAxis(fn, axis, x.rank, x);
  if (ax === x.rank - 1) return [x, null];
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[ax] = x.rank - 1;
  perm[x.rank - 1] = ax;
  return [transpose(x, perm), perm];
}

function sortImpl(fn: string, values: TensorLike, axis: number, direction: SortDirection) {
  const t = toTensor(values, fn);
  checkDType(fn, t, "numeric", "values");
  if (direction !== "ASCENDING" && direction !== "DESCENDING") {
    throw new InvalidArgumentError(
      `${fn}: direction must be "ASCENDING" or "DESCENDING", got ${String(direction)}`,
    );
  }
  if (t.rank === 0)
    throw new InvalidArgumentError(`${fn}: values must have rank >= 1, got ${describe(t)}`);
  const [x, perm] = toLast(fn, t, axis);
  const n = x.shape[x.rank - 1];
  // TopKV2 orders descending and keeps equal values in index order (stable); ascending sorts -x.
  const asc = direction === "ASCENDING";
  const r = topK(asc ? neg(x) : x, n);
  const v = asc ? neg(r.values) : r.values;
  return perm === null
    ? { values: v, indices: r.indices }
    : { values: transpose(v, perm), indices: transpose(r.indices, perm) };
}

/**
 * `tf.sort(values, axis = -1, direction = "ASCENDING")`: sorted along the axis; differentiable
 * (the cotangent goes back to each value's place, through TopKV2's gradient).
 */
export const sort = api(function sort(
  values: TensorLike,
  axis = -1,
  direction: SortDirection = "ASCENDING",
): Tensor {
  return sortImpl("sort", values, axis, direction).values;
}, {});

/**
 * `tf.argsort(values, axis = -1, direction = "ASCENDING", stable = false)`: the int32 indices
 * that sort the axis. The sort is always stable (equal values keep their order), which also
 * satisfies stable = false.
 */
export const argsort = api(function argsort(
  values: TensorLike,
  axis = -1,
  direction: SortDirection = "ASCENDING",
  stable = false,
): Tensor {
  void stable;
  return sortImpl("argsort", values, axis, direction).indices;
}, {});

export interface UniqueResult {
  /** The distinct values in order of first occurrence. */
  y: Tensor;
  /** For each input element, the index of its value in y. */
  idx: Tensor;
}
export interface UniqueWithCountsResult extends UniqueResult {
  /** How many times each value of y occurs. */
  count: Tensor;
}

function uniqueImpl(fn: string, x: TensorLike, outIdx: DType): UniqueWithCountsResult {
  const t = toTensor(x, fn);
  if (t.rank !== 1) throw new InvalidArgumentError(`${fn}: x must be 1-D, got ${describe(t)}`);
  if (outIdx !== "int32") throw new TypeError(`${fn}: out_idx must be int32, got ${outIdx}`);
  const v = Array.from(t.dataSync() as ArrayLike<unknown>);
  const first = new Map<unknown, number>();
  const ys: number[] = [];
  const idx = new Int32Array(v.length);
  const counts: number[] = [];
  v.forEach((e, i) => {
    // NaN !== NaN: each NaN is its own value, as in TensorFlow
    const key = typeof e === "number" && Number.isNaN(e) ? Symbol("nan") : e;
    let k = first.get(key);
    if (k === undefined) {
      k = ys.length;
      first.set(key, k);
      ys.push(i);
      counts.push(0);
    }
    idx[i] = k;
    counts[k]++;
  });
  return {
    y: gather(t, constant(ys, "int32")),
    idx: constant(Array.from(idx), "int32"),
    count: constant(counts, "int32"),
  };
}

/** `tf.unique(x, outIdx = "int32")`: `{y, idx}` for a 1-D x; not differentiable. */
export const unique = api(function unique(x: TensorLike, outIdx: DType = "int32"): UniqueResult {
  const { y, idx } = uniqueImpl("unique", x, outIdx);
  return { y, idx };
}, {});
/** `tf.uniqueWithCounts(x, outIdx = "int32")`: `{y, idx, count}` for a 1-D x. */
export const uniqueWithCounts = api(function uniqueWithCounts(
  x: TensorLike,
  outIdx: DType = "int32",
): UniqueWithCountsResult {
  return uniqueImpl("uniqueWithCounts", x, outIdx);
}, {});

/**
 * `tf.searchsorted(sortedSequence, values, side = "left", outType = "int32")`: for each value,
 * the insertion index into its row of sortedSequence (the last axis; leading axes must match)
 * that keeps the row sorted: before equal entries for "left", after them for "right".
 */
export const searchsorted = api(function searchsorted(
  sortedSequence: TensorLike,
  values: TensorLike,
  side: "left" | "right" = "left",
  outType: DType = "int32",
): Tensor {
  const s = toTensor(sortedSequence, "searchsorted");
  const v = toTensor(values, "searchsorted", s.dtype);
  checkDType("searchsorted", s, "numeric", "sorted_sequence");
  if (side !== "left" && side !== "right") {
    throw new InvalidArgumentError(
      `searchsorted: side must be "left" or "right", got ${String(side)}`,
    );
  }
  if (
    s.rank === 0 ||
    v.rank !== s.rank ||
    s.dtype !== v.dtype ||
    !shapesEqual(s.shape.slice(0, -1), v.shape.slice(0, -1))
  ) {
    throw new InvalidArgumentError(
      `searchsorted: sorted_sequence ${describe(s)} and values ${describe(v)} must have the same dtype, rank >= 1 and the same leading dimensions`,
    );
  }
  const n = s.shape[s.rank - 1];
  const m = v.shape[v.rank - 1];
  const sv = s.dataSync() as ArrayLike<number>;
  const vv = v.dataSync() as ArrayLike<number>;
  const rows = n === 0 ? vv.length / Math.max(m, 1) : sv.length / n;
  const out = new Array<number>(vv.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const x = vv[r * m + j];
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = sv[r * n + mid];
        if (side === "left" ? e < x : e <= x) lo = mid + 1;
        else hi = mid;
      }
      out[r * m + j] = lo;
    }
  }
  return cast(constant(out, "int32", v.shape), outType);
}, {});

/**
 * `tf.roll(input, shift, axis)`: elements shifted along each axis, wrapping around
 * (shift and axis are numbers or equal-length lists; shifts on a repeated axis add up).
 */
export const roll = api(function roll(
  input: TensorLike,
  shift: number | readonly number[],
  axis: number | readonly number[],
): Tensor {
  let t = toTensor(input, "roll");
  const intList = (v: unknown, what: string): unknown[] => {
    if (typeof v === "number") return [v];
    if (!Array.isArray(v)) {
      throw new TypeError(
        `roll: ${what} must be an integer or a list of integers, got ${describeValue(v)}`,
      );
    }
    return v as unknown[];
  };
  const shifts = intList(shift, "shift");
  const axes = intList(axis, "axis");
  if (shifts.length !== axes.length) {
    throw new InvalidArgumentError(
      `roll: shift and axis must have the same length, got ${shifts.length} and ${axes.length}`,
    );
  }
  const total = new Map<number, number>();
  axes.forEach((a, k) => {
    const ax = normalizeAxis("Roll", checkInteger("roll", "axis", a), t.rank, t);
    total.set(ax, (total.get(ax) ?? 0) + checkInteger("roll", "shift", shifts[k]));
  });
  for (const [ax, s] of total) {
    const n = t.shape[ax];
    if (n === 0) continue;
    const k = ((s % n) + n) % n;
    if (k === 0) continue;
    const begin = new Array<number>(t.rank).fill(0);
    const size = [...t.shape];
    // the last k entries come first
    const tail = slice(
      t,
      begin.map((b, i) => (i === ax ? n - k : b)),
      size.map((d, i) => (i === ax ? k : d)),
    );
    const head = slice(
      t,
      begin,
      size.map((d, i) => (i === ax ? n - k : d)),
    );
    t = concat([tail, head], ax);
  }
  return t;
}, {});

/**
 * `tf.repeat(input, repeats, axis = null)`: each element (each slice along axis) repeated
 * repeats times (a number, or one count per slice); axis null flattens first.
 */
export const repeat = api(function repeat(
  input: TensorLike,
  repeats: number | readonly number[] | Tensor,
  axis: number | null = null,
): Tensor {
  let t = toTensor(input, "repeat");
  if (axis === null) t = reshape(t, [-1]);
  if (t.rank === 0) t = reshape(t, [1]);
  const ax = normalizeAxis("Repeat", axis ?? 0, t.rank, t);
  const n = t.shape[ax];
  const r =
    typeof repeats === "number"
      ? new Array<number>(n).fill(repeats)
      : Array.from(toTensor(repeats, "repeat", "int32").dataSync() as ArrayLike<number>);
  const counts = r.length === 1 ? new Array<number>(n).fill(r[0]) : r;
  if (counts.length !== n) {
    throw new InvalidArgumentError(
      `repeat: repeats has ${counts.length} entries for ${n} slices along axis ${ax} of ${describe(t)}`,
    );
  }
  const idx: number[] = [];
  counts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) {
      throw new InvalidArgumentError(`repeat: repeats must be non-negative integers, got ${c}`);
    }
    for (let k = 0; k < c; k++) idx.push(i);
  });
  return gather(t, constant(idx, "int32", [idx.length]), ax);
}, {});

/**
 * `tf.meshgrid(...args, {indexing})`: N-D coordinate grids from N 1-D tensors; "xy" (default)
 * swaps the first two output axes, as NumPy's and TensorFlow's cartesian indexing does.
 */
export const meshgrid = api(function meshgrid(
  ...args: (TensorLike | { indexing?: "xy" | "ij" })[]
): Tensor[] {
  let indexing: "xy" | "ij" = "xy";
  const last = args[args.length - 1];
  if (typeof last === "object" && last !== null && !Array.isArray(last) && "indexing" in last) {
    indexing = last.indexing ?? "xy";
    args = args.slice(0, -1);
  }
  if (indexing !== "xy" && indexing !== "ij") {
    throw new InvalidArgumentError(
      `meshgrid: indexing must be "xy" or "ij", got ${String(indexing)}`,
    );
  }
  const ts = args.map((a) => reshape(toTensor(a as TensorLike, "meshgrid"), [-1]));
  const n = ts.length;
  const sizes = ts.map((t) => t.shape[0]);
  if (indexing === "xy" && n >= 2) [sizes[0], sizes[1]] = [sizes[1], sizes[0]];
  return ts.map((t, i) => {
    const pos = indexing === "xy" && n >= 2 && i < 2 ? 1 - i : i;
    const shape = new Array<number>(n).fill(1);
    shape[pos] = t.shape[0];
    return broadcastTo(reshape(t, shape), sizes);
  });
}, {});

/**
 * `tf.booleanMask(tensor, mask, axis = 0)`: the slices of tensor (from axis on, over mask's
 * dimensions) where mask is true, flattened into one axis. Differentiable in tensor.
 */
export const booleanMask = api(function booleanMask(
  tensor: TensorLike,
  mask: TensorLike,
  axis = 0,
): Tensor {
  const t = toTensor(tensor, "booleanMask");
  const m = toTensor(mask, "booleanMask", "bool");
  if (m.dtype !== "bool") throw new TypeError(`booleanMask: mask must be bool, got ${describe(m)}`);
  const ax = normalizeAxis("booleanMask", axis, t.rank, t);
  const k = m.rank;
  if (k === 0 || !shapesEqual(t.shape.slice(ax, ax + k), m.shape)) {
    throw new InvalidArgumentError(
      `booleanMask: mask ${shapeMsg(m.shape)} must match tensor ${describe(t)} at axes ${ax}..${ax + k - 1}`,
    );
  }
  const flat = reshape(t, [...t.shape.slice(0, ax), -1, ...t.shape.slice(ax + k)]);
  const mv = m.dataSync() as ArrayLike<number>;
  const idx: number[] = [];
  for (let i = 0; i < mv.length; i++) if (mv[i]) idx.push(i);
  return gather(flat, constant(idx, "int32", [idx.length]), ax);
}, {});

/**
 * `tf.sequenceMask(lengths, maxlen = null, dtype = "bool")`: out[..., j] = j < lengths[...];
 * maxlen defaults to max(lengths).
 */
export const sequenceMask = api(function sequenceMask(
  lengths: TensorLike,
  maxlen: number | null = null,
  dtype: DType = "bool",
): Tensor {
  const l = toTensor(lengths, "sequenceMask", "int32");
  checkDType("sequenceMask", l, "numeric", "lengths");
  let n = maxlen;
  if (n === null) {
    const v = l.dataSync() as ArrayLike<number>;
    n = 0;
    for (let i = 0; i < v.length; i++) n = Math.max(n, v[i]);
  }
  n = checkInteger("sequenceMask", "maxlen", n, 0);
  const j = range(0, n, 1, l.dtype);
  const m = less(j, reshape(l, [...l.shape, 1]));
  return dtype === "bool" ? m : cast(m, dtype);
}, {});

/**
 * `tf.histogramFixedWidth(values, valueRange, nbins = 100, dtype = "int32")`: counts in nbins
 * equal bins over [lo, hi]; values below lo go to the first bin, at or above hi to the last.
 */
export const histogramFixedWidth = api(function histogramFixedWidth(
  values: TensorLike,
  valueRange: TensorLike,
  nbins = 100,
  dtype: DType = "int32",
): Tensor {
  const v = toTensor(values, "histogramFixedWidth");
  checkDType("histogramFixedWidth", v, "numeric", "values");
  const r = toTensor(valueRange, "histogramFixedWidth", v.dtype);
  const n = checkInteger("histogramFixedWidth", "nbins", nbins, 1);
  const rv = r.dataSync() as ArrayLike<number>;
  if (r.size !== 2 || !(rv[0] < rv[1])) {
    throw new InvalidArgumentError(
      `histogramFixedWidth: value_range must be [lo, hi] with lo < hi, got ${describe(r)}`,
    );
  }
  const [lo, hi] = [rv[0], rv[1]];
  const x = cast(reshape(v, [-1]), "float64");
  const bin = floor(mul(div(sub(x, lo), hi - lo), n));
  const ids = cast(minimum(maximum(bin, 0), n - 1), "int32");
  return cast(unsortedSegmentSum(onesLike(ids), ids, n), dtype);
}, {});

/**
 * `tf.clipByNorm(t, clipNorm, axes = null)`: t scaled so its L2 norm over the axes is at most
 * clipNorm: t * clipNorm / max(norm, clipNorm); a zero t stays zero with a finite gradient.
 */
export const clipByNorm = api(function clipByNorm(
  t: TensorLike,
  clipNorm: TensorLike,
  axes: number | readonly number[] | null = null,
): Tensor {
  const x = toTensor(t, "clipByNorm");
  checkDType("clipByNorm", x, "float", "t");
  const c = toTensor(clipNorm, "clipByNorm", x.dtype);
  const l2sum = reduceSum(square(x), axes, true);
  const pos = greater(l2sum, 0);
  const norm = where(pos, sqrt(where(pos, l2sum, 1)), l2sum);
  return div(mul(x, c), maximum(norm, c));
}, {});

/**
 * `tf.clipByGlobalNorm(tList, clipNorm, useNorm = null)`: `[clipped, globalNorm]`, each tensor
 * scaled by clipNorm / max(globalNorm, clipNorm), where globalNorm = sqrt(sum of all squares);
 * null entries stay null.
 */
export const clipByGlobalNorm = api(function clipByGlobalNorm(
  tList: readonly (TensorLike | null)[],
  clipNorm: number,
  useNorm: TensorLike | null = null,
): [(Tensor | null)[], Tensor] {
  if (!Array.isArray(tList))
    throw new TypeError("clipByGlobalNorm: tList must be a list of tensors");
  const ts = tList.map((x) => (x === null ? null : toTensor(x, "clipByGlobalNorm")));
  const present = ts.filter((x): x is Tensor => x !== null);
  for (const x of present) checkDType("clipByGlobalNorm", x, "float", "tList");
  const dtype = present.length > 0 ? present[0].dtype : "float32";
  const g =
    useNorm !== null
      ? toTensor(useNorm, "clipByGlobalNorm", dtype)
      : sqrt(
          present.reduce((s, x) => add(s, reduceSum(square(cast(x, dtype)))), constant(0, dtype)),
        );
  // scale = clipNorm * min(1 / g, 1 / clipNorm): 1 when g <= clipNorm, and 0 for an infinite g
  const scale = mul(clipNorm, minimum(div(1, g), 1 / clipNorm));
  return [ts.map((x) => (x === null ? null : mul(x, cast(scale, x.dtype)))), g];
}, {});

/** Indices of the updates that write last to each distinct index row (TensorFlow leaves repeats unordered; the last one wins here). */
function lastWrites(indices: Tensor): number[] | null {
  const depth = indices.shape[indices.rank - 1];
  const v = indices.dataSync() as ArrayLike<number>;
  const n = depth === 0 ? 0 : v.length / depth;
  const last = new Map<string, number>();
  for (let i = 0; i < n; i++)
    last.set(Array.from({ length: depth }, (_, d) => v[i * depth + d]).join(","), i);
  if (last.size === n) return null;
  return [...last.values()].sort((a, b) => a - b);
}

function scatterArgs(fn: string, tensor: TensorLike, indices: TensorLike, updates: TensorLike) {
  const t = toTensor(tensor, fn);
  const i = toTensor(indices, fn, "int32");
  const u = toTensor(updates, fn, t.dtype);
  if (u.dtype !== t.dtype) {
    throw new TypeError(
      `${fn}: updates ${describe(u)} must have the dtype of tensor ${describe(t)}`,
    );
  }
  return [t, i, u] as const;
}

/**
 * `tf.tensorScatterNdUpdate(tensor, indices, updates)`: tensor with the slices at indices
 * replaced by updates (for a repeated index the last update wins). Differentiable in both:
 * tensor's cotangent is zero at the replaced slices, the updates get theirs.
 */
export const tensorScatterNdUpdate = api(function tensorScatterNdUpdate(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
): Tensor {
  const [t, i0, u0] = scatterArgs("tensorScatterNdUpdate", tensor, indices, updates);
  let [i, u] = [i0, u0];
  const keep = lastWrites(i);
  if (keep !== null) {
    const k = constant(keep, "int32", [keep.length]);
    const outer = i.rank - 1;
    u = gather(reshape(u, [-1, ...u.shape.slice(outer)]), k);
    i = gather(reshape(i, [-1, i.shape[outer]]), k);
  }
  const hit = scatterNd(i, onesLike(u, "int32"), t.shape);
  return where(greater(hit, 0), scatterNd(i, u, t.shape), t);
}, {});
/** `tf.tensorScatterNdAdd(tensor, indices, updates)`: tensor plus the updates at indices (repeats add up). */
export const tensorScatterNdAdd = api(function tensorScatterNdAdd(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
): Tensor {
  const [t, i, u] = scatterArgs("tensorScatterNdAdd", tensor, indices, updates);
  return add(t, scatterNd(i, u, t.shape));
}, {});
/** `tf.tensorScatterNdSub(tensor, indices, updates)`: tensor minus the updates at indices. */
export const tensorScatterNdSub = api(function tensorScatterNdSub(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
): Tensor {
  const [t, i, u] = scatterArgs("tensorScatterNdSub", tensor, indices, updates);
  return sub(t, scatterNd(i, u, t.shape));
}, {});

/** `tf.rank(input)`: the rank as an int32 scalar tensor. */
export const rank = api(function rank(input: TensorLike): Tensor {
  return constant(toTensor(input, "rank").rank, "int32");
}, {});
/** `tf.size(input, outType = "int32")`: the number of elements as a scalar tensor. */
export const size = api(function size(input: TensorLike, outType: DType = "int32"): Tensor {
  return constant(toTensor(input, "size").size, outType);
}, {});
/** `tf.shape(input, outType = "int32")`: the shape as a 1-D tensor. */
export const shape = api(function shape(input: TensorLike, outType: DType = "int32"): Tensor {
  const t = toTensor(input, "shape");
  return constant([...t.shape], outType, [t.rank]);
}, {});
