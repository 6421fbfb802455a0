/**
 * Movement ops that rearrange whole axes: Transpose, ExpandDims, Squeeze, Identity, StopGradient,
 * ConcatV2, Pack, Unpack, Split, SplitV, Tile and ReverseV2. They copy values without looking at
 * them, so every dtype (bool and string too) goes through; gradients, written with these same
 * public ops, are taken only for floating dtypes (the engine records nothing else).
 */
import { backend } from "../backend/index.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import type { DType, NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxes, normalizeAxis, shapeMsg, sizeOf, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { reduceSum, reshape } from "./broadcast.js";
import {
  checkInteger,
  describe,
  NO_ATTRS,
  type NoAttrs,
  toTensor,
  type TensorLike,
} from "./checks.js";
import { zeros } from "./creation.js";
import { api } from "./api.js";
import { runAsViews } from "./movement-views.js";

// --- helpers shared by the movement files ------------------------------------------------------

/**
 * A list of integers given as a number, an array, or an int32 (or integral float) tensor of
 * rank 0 or 1, as TensorFlow takes `perm`, `multiples`, `begin`...
 */
export function intList(
  op: string,
  name: string,
  v: number | readonly number[] | Tensor,
): number[] {
  let list: number[];
  if (v instanceof Tensor) {
    if (v.dtype === "string" || v.dtype === "bool" || v.rank > 1) {
      throw new TypeError(
        `${op}: ${name} must be a list of integers or a 1-D int32 tensor, got ${describe(v)}`,
      );
    }
    list = Array.from(backend().read(v) as NumArray);
  } else if (typeof v === "number") list = [v];
  else if (Array.isArray(v)) list = v.slice();
  else throw new TypeError(`${op}: ${name} must be a list of integers, got ${String(v)}`);
  for (const n of list) {
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new TypeError(`${op}: ${name} must be integers, got [${list.join(", ")}]`);
    }
  }
  return list;
}

/** An integer attribute (an axis, a count): RangeError naming the op if it is not one. */
export function intArg(op: string, name: string, v: unknown): number {
  const scalar = v instanceof Tensor && v.size === 1 && v.dtype !== "string" && v.dtype !== "bool";
  return checkInteger(op, name, scalar ? Number(backend().read(v)[0]) : v);
}

/**
 * Several tensor-likes of one dtype (concat, stack): JS values take the dtype of the first
 * tensor among them, as TensorFlow's convert_n_to_tensor does with Python scalars.
 */
function toTensorList(op: string, values: readonly TensorLike[]): Tensor[] {
  if (!Array.isArray(values))
    throw new TypeError(`${op}: values must be an array of tensors, got ${String(values)}`);
  const like = values.find((v): v is Tensor => v instanceof Tensor);
  let dtype: DType | undefined = like?.dtype;
  return values.map((v) => {
    const t = toTensor(v, op, dtype);
    dtype ??= t.dtype;
    return t;
  });
}

/** The inverse permutation: inv[perm[i]] = i. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/** The product of dims[from .. to). */
function product(dims: Shape, from: number, to = dims.length): number {
  return sizeOf(dims.slice(from, to));
}

function checkSameDType(op: string, xs: readonly Tensor[]): void {
  for (let i = 1; i < xs.length; i++) {
    if (xs[i].dtype !== xs[0].dtype) {
      throw new InvalidArgumentError(
        `${op}: all inputs must have the same dtype, got ${describe(xs[0])} (input 0) and ${describe(xs[i])} (input ${i})`,
      );
    }
  }
}

/** Cotangents the tape left out (outputs that were not used) are zeros of the output's shape. */
function orZeros(dy: Tensor | null | undefined, shape: Shape, dtype: DType): Tensor {
  return dy ?? zeros(shape, dtype);
}

// --- Transpose --------------------------------------------------------------------------------

export interface TransposeAttrs {
  /** A permutation of 0..rank-1. */
  readonly perm: readonly number[];
}

export const Transpose: OpDef<TransposeAttrs> = defineOp<TransposeAttrs>({
  name: "Transpose",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3, 4] }], attrs: { perm: [2, 0, 1] } }] },
  infer: ([x], { perm }) => {
    const ok =
      perm.length === x.rank &&
      new Set(perm).size === perm.length &&
      perm.every((p) => Number.isInteger(p) && p >= 0 && p < x.rank);
    if (!ok) {
      throw new InvalidArgumentError(
        `Transpose: perm [${perm.join(", ")}] is not a permutation of the axes of a tensor of shape ${describe(x)}`,
      );
    }
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], { perm }) => b.transpose(b.read(x), x.shape, perm, b.read(y)),
  // A permutation's adjoint is its inverse.
  grad: ([dy], { attrs }) => [transpose(dy, invertPerm(attrs.perm))],
});

// --- views: ExpandDims, Squeeze, Identity, StopGradient -----------------------------------------

export interface ExpandDimsAttrs {
  /** Normalized to [0, rank]. */
  readonly axis: number;
}

export const ExpandDims: OpDef<ExpandDimsAttrs> = defineOp<ExpandDimsAttrs>({
  name: "ExpandDims",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { axis: 1 } }] },
  infer: ([x], { axis }) => {
    const shape = x.shape.slice();
    shape.splice(axis, 0, 1);
    return [{ shape, dtype: x.dtype }];
  },
  kernel: () => undefined,
  viewOf: 0,
  grad: ([dy], { inputShapes }) => [reshape(dy, inputShapes[0])],
});

export interface SqueezeAttrs {
  /** Sorted, distinct, non-negative; each a dimension of size 1. */
  readonly axes: readonly number[];
}

export const Squeeze: OpDef<SqueezeAttrs> = defineOp<SqueezeAttrs>({
  name: "Squeeze",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [2, 1, 3] }], attrs: { axes: [1] } }] },
  infer: ([x], { axes }) => {
    for (const a of axes) {
      if (x.shape[a] !== 1) {
        throw new InvalidArgumentError(
          `Squeeze: can not squeeze dim[${a}], expected a dimension of 1, got ${x.shape[a]} (input shape ${describe(x)})`,
        );
      }
    }
    return [{ shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype }];
  },
  kernel: () => undefined,
  viewOf: 0,
  grad: ([dy], { inputShapes }) => [reshape(dy, inputShapes[0])],
});

export const Identity: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "Identity",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: {} }] },
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  kernel: () => undefined,
  viewOf: 0,
  grad: ([dy]) => [dy],
});

export const StopGradient: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "StopGradient",
  kind: "movement",
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  kernel: () => undefined,
  viewOf: 0,
  grad: "none",
});

// --- ConcatV2, Pack, Unpack, Split, SplitV -----------------------------------------------------

export interface AxisAttrs {
  /** Normalized (non-negative). */
  readonly axis: number;
}

/**
 * Concatenation along axis: for each index of the dimensions before it, every input's block
 * (its sizes from axis on, multiplied) in turn.
 */
const concatKernel: OpDef<AxisAttrs>["kernel"] = (b, xs, [y], { axis }) =>
  b.concat(
    xs.map((x) => b.read(x)),
    product(y.shape, 0, axis),
    xs.map((x) => product(x.shape, axis)),
    b.read(y),
  );

export const ConcatV2: OpDef<AxisAttrs> = defineOp<AxisAttrs>({
  name: "ConcatV2",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3] }, { shape: [2, 2] }], attrs: { axis: 1 } }] },
  infer: (xs, { axis }) => {
    if (xs.length === 0) throw new InvalidArgumentError("ConcatV2: needs at least one input");
    checkSameDType("ConcatV2", xs);
    const first = xs[0];
    const shape = first.shape.slice();
    for (let k = 1; k < xs.length; k++) {
      const s = xs[k].shape;
      if (s.length !== shape.length || s.some((d, i) => i !== axis && d !== shape[i])) {
        throw new InvalidArgumentError(
          `ConcatV2: dimensions of inputs should match except along axis ${axis}: shape[0] = ${shapeMsg(first.shape)} vs. shape[${k}] = ${shapeMsg(s)} (${first.dtype})`,
        );
      }
      shape[axis] += s[axis];
    }
    return [{ shape, dtype: first.dtype }];
  },
  kernel: concatKernel,
  // Each input gets its own stretch of dy along the axis.
  grad: ([dy], { attrs, inputShapes }) =>
    splitSizes(
      dy,
      inputShapes.map((s) => s[attrs.axis]),
      attrs.axis,
    ),
});

export const Pack: OpDef<AxisAttrs> = defineOp<AxisAttrs>({
  name: "Pack",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], attrs: { axis: 1 } }] },
  infer: (xs, { axis }) => {
    if (xs.length === 0) throw new InvalidArgumentError("Pack: needs at least one input");
    checkSameDType("Pack", xs);
    const first = xs[0];
    for (let k = 1; k < xs.length; k++) {
      const s = xs[k].shape;
      if (s.length !== first.rank || s.some((d, i) => d !== first.shape[i])) {
        throw new InvalidArgumentError(
          `Pack: shapes of all inputs must match: values[0].shape = ${shapeMsg(first.shape)} != values[${k}].shape = ${shapeMsg(s)} (${first.dtype})`,
        );
      }
    }
    const shape = first.shape.slice();
    shape.splice(axis, 0, xs.length);
    return [{ shape, dtype: first.dtype }];
  },
  // Stacking along axis is concatenating inputs reshaped to [..., 1, ...] there.
  kernel: concatKernel,
  // Unstacking along an axis with only 1s before it gives consecutive stretches: views.
  grad: ([dy], { attrs, inputShapes }) => {
    const viewAttrs = { axis: attrs.axis, num: inputShapes.length };
    const views = product(dy.shape, 0, attrs.axis) === 1 ? runAsViews(Unpack, dy, viewAttrs) : null;
    return views ?? unstack(dy, inputShapes.length, attrs.axis);
  },
});

export interface UnpackAttrs {
  readonly axis: number;
  readonly num: number;
}

export const Unpack: OpDef<UnpackAttrs> = defineOp<UnpackAttrs>({
  name: "Unpack",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { axis: 1, num: 3 } }] },
  infer: ([x], { axis, num }) => {
    if (x.rank === 0 || axis >= x.rank) {
      throw new InvalidArgumentError(
        `Unpack: axis ${axis} is out of range for a tensor of shape ${describe(x)}`,
      );
    }
    if (x.shape[axis] !== num) {
      throw new InvalidArgumentError(
        `Unpack: num ${num} does not match dimension ${axis} of shape ${describe(x)}`,
      );
    }
    const shape = x.shape.filter((_, i) => i !== axis);
    return Array.from({ length: num }, () => ({ shape, dtype: x.dtype }));
  },
  kernel: (b, [x], ys, { axis, num }) => {
    const inner = product(x.shape, axis + 1);
    b.split(
      b.read(x),
      product(x.shape, 0, axis),
      new Array<number>(num).fill(inner),
      ys.map((y) => b.read(y)),
    );
  },
  // Unused outputs get zero cotangents, then the pieces are stacked back.
  grad: (dys, { attrs, inputShapes, inputDtypes }) => {
    const shape = inputShapes[0].filter((_, i) => i !== attrs.axis);
    const parts = Array.from({ length: attrs.num }, (_, k) =>
      orZeros(dys[k], shape, inputDtypes[0]),
    );
    return [stack(parts, attrs.axis)];
  },
});

export interface SplitAttrs {
  readonly axis: number;
  /** Sizes of the pieces along axis, summing to its dimension. */
  readonly sizes: readonly number[];
}

function splitOp(name: "Split" | "SplitV"): OpDef<SplitAttrs> {
  return defineOp<SplitAttrs>({
    name,
    kind: "movement",
    overwritesOutputs: true,
    check: { cases: [{ inputs: [{ shape: [2, 4] }], attrs: { axis: 1, sizes: [1, 3] } }] },
    infer: ([x], { axis, sizes }) => {
      if (axis >= x.rank) {
        throw new InvalidArgumentError(
          `${name}: axis ${axis} is out of range for a tensor of shape ${describe(x)}`,
        );
      }
      const total = sizes.reduce((p, s) => p + s, 0);
      if (sizes.some((s) => s < 0) || total !== x.shape[axis]) {
        throw new InvalidArgumentError(
          `${name}: sizes [${sizes.join(", ")}] must be non-negative and sum to dimension ${axis} of shape ${describe(x)} (${x.shape[axis]}), they sum to ${total}`,
        );
      }
      return sizes.map((s) => {
        const shape = x.shape.slice();
        shape[axis] = s;
        return { shape, dtype: x.dtype };
      });
    },
    kernel: (b, [x], ys, { axis, sizes }) => {
      const inner = product(x.shape, axis + 1);
      b.split(
        b.read(x),
        product(x.shape, 0, axis),
        sizes.map((s) => s * inner),
        ys.map((y) => b.read(y)),
      );
    },
    // The pieces' cotangents (zeros for unused ones) concatenated back.
    grad: (dys, { attrs, inputShapes, inputDtypes }) => {
      const parts = attrs.sizes.map((s, k) => {
        const shape = inputShapes[0].slice();
        shape[attrs.axis] = s;
        return orZeros(dys[k], shape, inputDtypes[0]);
      });
      return [concat(parts, attrs.axis)];
    },
  });
}

export const Split = splitOp("Split");
export const SplitV = splitOp("SplitV");

/**
 * Splits along a normalized axis into the given sizes (no -1); one piece is the tensor itself.
 * With only 1s before the axis the pieces are consecutive stretches of x: views, no copy.
 */
function splitSizes(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  if (sizes.length === 1) return [x];
  const attrs = { axis, sizes: sizes.slice() };
  return (
    (product(x.shape, 0, axis) === 1 ? runAsViews(SplitV, x, attrs) : null) ??
    runOp(SplitV, [x], attrs)
  );
}

// --- Tile, ReverseV2 --------------------------------------------------------------------------

export interface TileAttrs {
  readonly multiples: readonly number[];
}

export const Tile: OpDef<TileAttrs> = defineOp<TileAttrs>({
  name: "Tile",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { multiples: [2, 1] } }] },
  infer: ([x], { multiples }) => {
    if (multiples.length !== x.rank || multiples.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new InvalidArgumentError(
        `Tile: multiples [${multiples.join(", ")}] must be ${x.rank} non-negative integers, one per dimension of the input ${describe(x)}`,
      );
    }
    return [{ shape: x.shape.map((d, i) => d * multiples[i]), dtype: x.dtype }];
  },
  // Tiling [d0, d1, ...] by [m0, m1, ...] is broadcasting [1, d0, 1, d1, ...] to
  // [m0, d0, m1, d1, ...]: the two outputs have the same row-major layout.
  kernel: (b, [x], [y], { multiples }) => {
    const inShape = x.shape.flatMap((d) => [1, d]);
    const outShape = x.shape.flatMap((d, i) => [multiples[i], d]);
    b.broadcastTo(b.read(x), inShape, b.read(y), outShape);
  },
  // The adjoint of that broadcast: sum dy viewed as [m0, d0, m1, d1, ...] over the m axes.
  grad: ([dy], { attrs, inputShapes }) => {
    const shape = inputShapes[0];
    if (shape.length === 0) return [dy];
    const split = shape.flatMap((d, i) => [attrs.multiples[i], d]);
    const axes = shape.map((_, i) => 2 * i);
    return [reshape(reduceSum(reshape(dy, split), axes), shape)];
  },
});

export interface ReverseAttrs {
  /** Sorted, distinct, non-negative. */
  readonly axes: readonly number[];
}

export const ReverseV2: OpDef<ReverseAttrs> = defineOp<ReverseAttrs>({
  name: "ReverseV2",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { axes: [1] } }] },
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  // A reversal is the strided window starting at the far end with stride -1.
  kernel: (b, [x], [y], { axes }) => {
    const rev = x.shape.map((_, a) => axes.includes(a));
    b.stridedSlice(
      b.read(x),
      x.shape,
      x.shape.map((d, a) => (rev[a] ? d - 1 : 0)),
      rev.map((r) => (r ? -1 : 1)),
      b.read(y),
      y.shape,
    );
  },
  grad: ([dy], { attrs }) => [reverse(dy, attrs.axes)],
});

// --- public functions -------------------------------------------------------------------------

/** `tf.transpose(a, perm?)`: permutes the axes; the default perm reverses them. */
export const transpose = api(
  function transpose(a: TensorLike, perm?: readonly number[] | Tensor | null): Tensor {
    const x = toTensor(a, "transpose");
    const p =
      perm === undefined || perm === null
        ? Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i)
        : intList("Transpose", "perm", perm).map((q) => normalizeAxis("Transpose", q, x.rank, x));
    if (p.length === x.rank && p.every((q, i) => q === i)) return x;
    return runOp1(Transpose, [x], { perm: p });
  },
  { methods: ["transpose"], namespaces: [] },
);

/** `tf.expandDims(input, axis)`: inserts a dimension of size 1 at axis (in [-rank-1, rank]). */
export const expandDims = api(
  function expandDims(input: TensorLike, axis: number): Tensor {
    const x = toTensor(input, "expandDims");
    const a = intArg("ExpandDims", "axis", axis);
    return runOp1(ExpandDims, [x], { axis: normalizeAxis("ExpandDims", a, x.rank + 1, x) });
  },
  { methods: ["expandDims"], namespaces: [] },
);

/** `tf.squeeze(input, axis?)`: removes the given size-1 dimensions, or all of them. */
export const squeeze = api(
  function squeeze(input: TensorLike, axis?: number | readonly number[] | null): Tensor {
    const x = toTensor(input, "squeeze");
    const axes =
      axis === undefined || axis === null
        ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
        : normalizeAxes("Squeeze", intList("Squeeze", "axis", axis), x.rank, x);
    return runOp1(Squeeze, [x], { axes });
  },
  { methods: ["squeeze"], namespaces: [] },
);

/** `tf.identity(input)`: the same value as a new tensor (a view, no copy). */
export function identity(input: TensorLike): Tensor {
  return runOp1(Identity, [toTensor(input, "identity")], NO_ATTRS);
}

/** `tf.stopGradient(input)`: the same value, through which no gradient flows. */
export function stopGradient(input: TensorLike): Tensor {
  return runOp1(StopGradient, [toTensor(input, "stopGradient")], NO_ATTRS);
}

/** `tf.concat(values, axis)`: joins tensors along an existing axis. */
export function concat(values: readonly TensorLike[], axis: number): Tensor {
  const xs = toTensorList("concat", values);
  if (xs.length === 0) throw new InvalidArgumentError("ConcatV2: values must not be empty");
  const a = intArg("ConcatV2", "axis", axis);
  if (xs[0].rank === 0) {
    throw new InvalidArgumentError(
      `ConcatV2: can't concatenate scalars (use tf.stack instead), got ${describe(xs[0])}`,
    );
  }
  const norm = normalizeAxis("ConcatV2", a, xs[0].rank, xs[0]);
  if (xs.length === 1) return identity(xs[0]);
  return runOp1(ConcatV2, xs, { axis: norm });
}

/** `tf.stack(values, axis = 0)`: joins same-shaped tensors along a new axis. */
export function stack(values: readonly TensorLike[], axis = 0): Tensor {
  const xs = toTensorList("stack", values);
  if (xs.length === 0) throw new InvalidArgumentError("Pack: values must not be empty");
  const a = intArg("Pack", "axis", axis);
  return runOp1(Pack, xs, { axis: normalizeAxis("Pack", a, xs[0].rank + 1, xs[0]) });
}

/**
 * `tf.unstack(value, num?, axis = 0)`: the slices along axis. `num`, when given, must equal
 * that dimension (TensorFlow's positional order: value, num, axis).
 */
export const unstack = api(
  function unstack(value: TensorLike, num?: number | null, axis = 0): Tensor[] {
    const x = toTensor(value, "unstack");
    const a = intArg("Unpack", "axis", axis);
    if (x.rank === 0)
      throw new InvalidArgumentError(`Unpack: cannot unstack a scalar, got ${describe(x)}`);
    const norm = normalizeAxis("Unpack", a, x.rank, x);
    const n = num === undefined || num === null ? x.shape[norm] : intArg("Unpack", "num", num);
    return runOp(Unpack, [x], { axis: norm, num: n });
  },
  { methods: ["unstack"], namespaces: [] },
);

/**
 * `tf.split(value, numOrSizeSplits, axis = 0)`: a number n splits into n equal pieces; an array
 * gives the sizes, one of which may be -1 (the rest of the dimension).
 */
export const split = api(
  function split(
    value: TensorLike,
    numOrSizeSplits: number | readonly number[] | Tensor,
    axis = 0,
  ): Tensor[] {
    const x = toTensor(value, "split");
    const a = intArg("Split", "axis", axis);
    if (x.rank === 0)
      throw new InvalidArgumentError(`Split: cannot split a scalar, got ${describe(x)}`);
    const norm = normalizeAxis("Split", a, x.rank, x);
    const dim = x.shape[norm];
    if (typeof numOrSizeSplits === "number") {
      const n = intArg("Split", "num_split", numOrSizeSplits);
      if (n <= 0 || dim % n !== 0) {
        throw new InvalidArgumentError(
          `Split: number of ways to split should evenly divide the split dimension, but got split_dim ${norm} (size = ${dim}) and num_split ${n} (input ${describe(x)})`,
        );
      }
      return runOp(Split, [x], { axis: norm, sizes: new Array<number>(n).fill(dim / n) });
    }
    if (numOrSizeSplits instanceof Tensor && numOrSizeSplits.rank === 0)
      return split(x, intArg("Split", "num_split", numOrSizeSplits), norm);
    const sizes = intList("SplitV", "size_splits", numOrSizeSplits);
    const free = sizes.indexOf(-1);
    if (free >= 0) {
      if (sizes.indexOf(-1, free + 1) >= 0 || sizes.some((s) => s < -1))
        throw new InvalidArgumentError(
          `SplitV: only one size may be -1 and the others non-negative, got [${sizes.join(", ")}]`,
        );
      const known = sizes.reduce((p, s) => (s === -1 ? p : p + s), 0);
      if (known > dim) {
        throw new InvalidArgumentError(
          `SplitV: sizes [${sizes.join(", ")}] add up to more than dimension ${norm} of ${describe(x)}`,
        );
      }
      sizes[free] = dim - known;
    }
    return runOp(SplitV, [x], { axis: norm, sizes });
  },
  { methods: ["split"], namespaces: [] },
);

/** `tf.tile(input, multiples)`: repeats the tensor multiples[i] times along axis i. */
export const tile = api(
  function tile(input: TensorLike, multiples: readonly number[] | Tensor): Tensor {
    const x = toTensor(input, "tile");
    return runOp1(Tile, [x], { multiples: intList("Tile", "multiples", multiples) });
  },
  { methods: ["tile"], namespaces: [] },
);

/** `tf.reverse(tensor, axis)`: reverses the order along the given axes. */
export const reverse = api(
  function reverse(tensor: TensorLike, axis: number | readonly number[] | Tensor): Tensor {
    const x = toTensor(tensor, "reverse");
    const axes = normalizeAxes("ReverseV2", intList("ReverseV2", "axis", axis), x.rank, x);
    if (axes.length === 0) return x;
    return runOp1(ReverseV2, [x], { axes });
  },
  { methods: ["reverse"], namespaces: [] },
);
