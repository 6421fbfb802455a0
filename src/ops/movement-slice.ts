/**
 * Windows and borders: Slice, StridedSlice (with its adjoint StridedSliceGrad), PadV2, and
 * MirrorPad (with its adjoint MirrorPadGrad). The adjoints are primitives of their own so that
 * the gradient of a gradient is again a slice or a pad.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { convertLike } from "../tensor/convert.js";
import { reshape } from "./broadcast.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import { intArg, intList } from "./movement-core.js";
import { api } from "./api.js";

// --- Slice ------------------------------------------------------------------------------------

export interface SliceAttrs {
  readonly begin: readonly number[];
  /** Resolved: no -1. */
  readonly size: readonly number[];
}

export const Slice: OpDef<SliceAttrs> = defineOp<SliceAttrs>({
  name: "Slice",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: { cases: [{ inputs: [{ shape: [3, 4] }], attrs: { begin: [1, 0], size: [2, 3] } }] },
  infer: ([x], { begin, size }) => {
    if (begin.length !== x.rank || size.length !== x.rank) {
      throw new InvalidArgumentError(
        `Slice: begin [${begin.join(", ")}] and size [${size.join(", ")}] must both have one entry per dimension of the input ${describe(x)}`,
      );
    }
    for (let a = 0; a < x.rank; a++) {
      const n = x.shape[a];
      if (begin[a] < 0 || begin[a] > n) {
        throw new InvalidArgumentError(
          `Slice: expected begin[${a}] in [0, ${n}], but got ${begin[a]} (input ${describe(x)})`,
        );
      }
      if (size[a] < 0 || begin[a] + size[a] > n) {
        throw new InvalidArgumentError(
          `Slice: expected size[${a}] in [0, ${n - begin[a]}], but got ${size[a]} (input ${describe(x)}, begin [${begin.join(", ")}])`,
        );
      }
    }
    return [{ shape: size.slice(), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], { begin, size }) =>
    b.stridedSlice(b.read(x), x.shape, begin, new Array<number>(x.rank).fill(1), b.read(y), size),
  // The window's cotangent padded back with zeros to the input's shape.
  grad: ([dy], { attrs, inputShapes }) => [
    pad(
      dy,
      inputShapes[0].map((n, a) => [attrs.begin[a], n - attrs.begin[a] - attrs.size[a]]),
    ),
  ],
});

// --- StridedSlice -----------------------------------------------------------------------------

export interface StridedSliceAttrs {
  readonly begin: readonly number[];
  readonly end: readonly number[];
  readonly strides: readonly number[];
  readonly beginMask: number;
  readonly endMask: number;
  readonly ellipsisMask: number;
  readonly newAxisMask: number;
  readonly shrinkAxisMask: number;
}

/** A strided slice in the input's own axes: what the kernel runs, and the shape the user sees. */
interface DenseSlice {
  readonly begin: number[];
  readonly strides: number[];
  /** The window, one entry per input axis (a shrunk axis has size 1). */
  readonly procShape: number[];
  /** procShape with shrunk axes removed and new axes inserted. */
  readonly finalShape: number[];
}

const NEW_AXIS = -1;

/**
 * TensorFlow's ValidateStridedSliceOp: expands the sparse spec (with its ellipsis, new axes and
 * shrunk axes) to one (begin, stride, size) per input axis. An ellipsis is implied at the end
 * when none is given. Per axis with dimension n and stride s, a masked begin is 0 (s > 0) or
 * n-1 (s < 0), a masked end n or -1; given ones count from the end when negative and are
 * clamped to [0, n] (s > 0) or [-1, n-1] (s < 0); the size is ceil((end - begin) / s), or 0.
 */
function denseSlice(op: string, shape: Shape, spec: StridedSliceAttrs): DenseSlice {
  const { begin, end, strides, beginMask, endMask, newAxisMask, shrinkAxisMask } = spec;
  const sparse = begin.length;
  if (sparse > 30) {
    throw new InvalidArgumentError(`${op}: a slice spec has at most 30 entries, got ${sparse}`);
  }
  if (end.length !== sparse || strides.length !== sparse) {
    throw new InvalidArgumentError(
      `${op}: begin, end and strides must have the same length, got [${begin.join(", ")}], [${end.join(", ")}] and [${strides.join(", ")}]`,
    );
  }
  let ellipsisMask = spec.ellipsisMask;
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0) {
    throw new InvalidArgumentError(
      `${op}: multiple ellipses in slice spec not allowed (ellipsis_mask ${ellipsisMask})`,
    );
  }
  let dims = sparse;
  if (ellipsisMask === 0) {
    ellipsisMask = 2 ** sparse;
    dims++;
  }
  const rank = shape.length;
  let addAfterEllipsis = 0;
  for (let i = 0, seen = false; i < dims; i++) {
    const bit = 2 ** i;
    if (seen && bit & newAxisMask) addAfterEllipsis++;
    if (bit & ellipsisMask) seen = true;
  }
  const dBegin = new Array<number>(rank).fill(0);
  const dEnd = new Array<number>(rank).fill(0);
  const dStride = new Array<number>(rank).fill(1);
  const dBeginMasked = new Array<boolean>(rank).fill(false);
  const dEndMasked = new Array<boolean>(rank).fill(false);
  const dShrink = new Array<boolean>(rank).fill(false);
  // Which input axis (or NEW_AXIS) each output axis comes from, before shrinking.
  const gather: number[] = [];
  let full = 0;
  for (let i = 0; i < dims; i++) {
    const bit = 2 ** i;
    if (bit & ellipsisMask) {
      const next = Math.min(rank - (dims - i) + 1 + addAfterEllipsis, rank);
      for (; full < next; full++) {
        dBeginMasked[full] = dEndMasked[full] = true;
        gather.push(full);
      }
    } else if (bit & newAxisMask) {
      gather.push(NEW_AXIS);
    } else {
      if (full >= rank) {
        throw new InvalidArgumentError(
          `${op}: index ${i} of the slice spec is out of range: the input ${shapeMsg(shape)} has only ${rank} dimension(s)`,
        );
      }
      dBegin[full] = begin[i];
      dEnd[full] = end[i];
      dStride[full] = strides[i];
      dBeginMasked[full] = (bit & beginMask) !== 0;
      dEndMasked[full] = (bit & endMask) !== 0;
      dShrink[full] = (bit & shrinkAxisMask) !== 0;
      gather.push(full);
      full++;
    }
  }
  const outBegin = new Array<number>(rank);
  const procShape = new Array<number>(rank);
  for (let a = 0; a < rank; a++) {
    const n = shape[a];
    const s = dStride[a];
    if (s === 0) throw new InvalidArgumentError(`${op}: strides[${a}] must be non-zero`);
    if (dShrink[a]) {
      if (s < 0) {
        throw new InvalidArgumentError(
          `${op}: only stride 1 allowed on non-range indexing (axis ${a}, stride ${s})`,
        );
      }
      const b = dBegin[a] < 0 ? dBegin[a] + n : dBegin[a];
      if (b < 0 || b >= n) {
        throw new InvalidArgumentError(
          `${op}: slice index ${dBegin[a]} of dimension ${a} out of bounds (input ${shapeMsg(shape)})`,
        );
      }
      outBegin[a] = b;
      procShape[a] = 1;
      continue;
    }
    const lo = s > 0 ? 0 : -1;
    const hi = s > 0 ? n : n - 1;
    const canonical = (x: number, masked: boolean, isEnd: boolean): number => {
      if (masked) return s > 0 ? (isEnd ? n : 0) : isEnd ? -1 : n - 1;
      const fwd = x < 0 ? x + n : x;
      return fwd < lo ? lo : fwd > hi ? hi : fwd;
    };
    const b = canonical(dBegin[a], dBeginMasked[a], false);
    const e = canonical(dEnd[a], dEndMasked[a], true);
    const len = e - b;
    outBegin[a] = b;
    procShape[a] =
      len === 0 || len < 0 !== s < 0 ? 0 : Math.trunc(len / s) + (len % s !== 0 ? 1 : 0);
  }
  const finalShape: number[] = [];
  for (const g of gather) {
    if (g === NEW_AXIS) finalShape.push(1);
    else if (!dShrink[g]) finalShape.push(procShape[g]);
  }
  return { begin: outBegin, strides: dStride, procShape, finalShape };
}

export const StridedSlice: OpDef<StridedSliceAttrs> = defineOp<StridedSliceAttrs>({
  name: "StridedSlice",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: {
    cases: [
      {
        inputs: [{ shape: [4, 5] }],
        attrs: {
          begin: [0, 1],
          end: [4, 5],
          strides: [2, 2],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      },
    ],
  },
  infer: ([x], spec) => [
    { shape: denseSlice("StridedSlice", x.shape, spec).finalShape, dtype: x.dtype },
  ],
  // The output's row-major layout is that of the window procShape: new and shrunk axes have size 1.
  kernel: (b, [x], [y], spec) => {
    const d = denseSlice("StridedSlice", x.shape, spec);
    b.stridedSlice(b.read(x), x.shape, d.begin, d.strides, b.read(y), d.procShape);
  },
  // dy lands where the window read from; everything else gets zero.
  grad: ([dy], { attrs, inputShapes }) => [
    runOp1(StridedSliceGrad, [dy], { shape: inputShapes[0], spec: attrs }),
  ],
});

export interface StridedSliceGradAttrs {
  /** The shape of the sliced input (the output of this op). */
  readonly shape: Shape;
  readonly spec: StridedSliceAttrs;
}

export const StridedSliceGrad: OpDef<StridedSliceGradAttrs> = defineOp<StridedSliceGradAttrs>({
  name: "StridedSliceGrad",
  kind: "movement",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 2] }],
        attrs: {
          shape: [4, 5],
          spec: {
            begin: [0, 1],
            end: [4, 5],
            strides: [2, 2],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        },
      },
    ],
  },
  infer: ([dy], { shape, spec }) => {
    const d = denseSlice("StridedSliceGrad", shape, spec);
    if (dy.size !== d.procShape.reduce((p, n) => p * n, 1) || dy.rank !== d.finalShape.length) {
      throw new InvalidArgumentError(
        `StridedSliceGrad: dy has shape ${describe(dy)}, the slice of ${shapeMsg(shape)} has shape ${shapeMsg(d.finalShape)}`,
      );
    }
    return [{ shape, dtype: dy.dtype }];
  },
  kernel: (b, [dy], [y], { shape, spec }) => {
    const d = denseSlice("StridedSliceGrad", shape, spec);
    b.stridedSliceGrad(b.read(dy), d.procShape, d.begin, d.strides, b.read(y), shape);
  },
  // Linear in dy, and its adjoint is the slice itself.
  grad: ([ddy], { attrs }) => [runOp1(StridedSlice, [ddy], attrs.spec)],
});

// --- PadV2, MirrorPad, MirrorPadGrad ------------------------------------------------------------

export interface PadAttrs {
  readonly before: readonly number[];
  readonly after: readonly number[];
}

function checkPaddings(op: string, x: Tensor, { before, after }: PadAttrs): number[] {
  if (before.length !== x.rank || after.length !== x.rank) {
    throw new InvalidArgumentError(
      `${op}: paddings must have one [before, after] pair per dimension of the input ${describe(x)}, got ${before.length}`,
    );
  }
  return x.shape.map((n, a) => {
    if (before[a] < 0 || after[a] < 0) {
      throw new InvalidArgumentError(
        `${op}: paddings must be non-negative, got [${before[a]}, ${after[a]}] for dimension ${a} of ${describe(x)}`,
      );
    }
    return n + before[a] + after[a];
  });
}

export const PadV2: OpDef<PadAttrs> = defineOp<PadAttrs>({
  name: "PadV2",
  kind: "movement",
  // The kernel writes every output element (the constant too): no zero fill first.
  overwritesOutputs: true,
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 3] }, { value: 0, dtype: "float64" }],
        attrs: { before: [1, 0], after: [0, 2] },
      },
    ],
  },
  infer: ([x, c], attrs) => {
    if (c.rank !== 0 || c.dtype !== x.dtype) {
      throw new InvalidArgumentError(
        `PadV2: constant_values must be a scalar of the input's dtype ${x.dtype}, got ${describe(c)}`,
      );
    }
    return [{ shape: checkPaddings("PadV2", x, attrs), dtype: x.dtype }];
  },
  kernel: (b, [x, c], [y], { before }) =>
    b.pad(b.read(x), x.shape, before, b.read(c)[0], b.read(y), y.shape),
  // The interior of dy; the constant's gradient is not taken (as in TensorFlow).
  grad: ([dy], { attrs, inputShapes }) => [slice(dy, attrs.before, inputShapes[0]), null],
});

export type MirrorPadMode = "REFLECT" | "SYMMETRIC";

export interface MirrorPadAttrs extends PadAttrs {
  readonly mode: MirrorPadMode;
}

export const MirrorPad: OpDef<MirrorPadAttrs> = defineOp<MirrorPadAttrs>({
  name: "MirrorPad",
  kind: "movement",
  // The kernel writes every output element: no zero fill first.
  overwritesOutputs: true,
  check: {
    cases: [
      { inputs: [{ shape: [3, 4] }], attrs: { before: [1, 2], after: [2, 1], mode: "REFLECT" } },
      { inputs: [{ shape: [3, 4] }], attrs: { before: [1, 2], after: [2, 1], mode: "SYMMETRIC" } },
    ],
  },
  infer: ([x], attrs) => {
    const shape = checkPaddings("MirrorPad", x, attrs);
    // One reflection must cover the padding: REFLECT repeats no edge, so it has n - 1 to give.
    const extra = attrs.mode === "SYMMETRIC" ? 0 : 1;
    for (let a = 0; a < x.rank; a++) {
      const limit = x.shape[a] - extra;
      if (attrs.before[a] > limit || attrs.after[a] > limit) {
        throw new InvalidArgumentError(
          `MirrorPad: paddings [${attrs.before[a]}, ${attrs.after[a]}] of dimension ${a} must be at most ${limit} in ${attrs.mode} mode (input ${describe(x)})`,
        );
      }
    }
    return [{ shape, dtype: x.dtype }];
  },
  kernel: (b, [x], [y], { before, mode }) =>
    b.mirrorPad(b.read(x), x.shape, before, mode === "SYMMETRIC", b.read(y), y.shape),
  grad: ([dy], { attrs }) => [runOp1(MirrorPadGrad, [dy], attrs)],
});

export const MirrorPadGrad: OpDef<MirrorPadAttrs> = defineOp<MirrorPadAttrs>({
  name: "MirrorPadGrad",
  kind: "movement",
  check: {
    cases: [
      { inputs: [{ shape: [6, 7] }], attrs: { before: [1, 2], after: [2, 1], mode: "REFLECT" } },
    ],
  },
  infer: ([dy], { before, after }) => {
    checkDType("MirrorPadGrad", dy, "numeric", "dy");
    const shape = dy.shape.map((n, a) => n - (before[a] ?? 0) - (after[a] ?? 0));
    if (before.length !== dy.rank || shape.some((n) => n < 0)) {
      throw new InvalidArgumentError(
        `MirrorPadGrad: paddings do not fit dy ${describe(dy)}: before [${before.join(", ")}], after [${after.join(", ")}]`,
      );
    }
    return [{ shape, dtype: dy.dtype }];
  },
  // Each input element collects the cotangents of all its mirror images.
  kernel: (b, [dy], [y], { before, mode }) =>
    b.mirrorPadGrad(
      b.read(dy) as NumArray,
      dy.shape,
      before,
      mode === "SYMMETRIC",
      b.read(y) as NumArray,
      y.shape,
    ),
  grad: ([ddy], { attrs }) => [runOp1(MirrorPad, [ddy], attrs)],
});

// --- public functions -------------------------------------------------------------------------

/** `tf.slice(input, begin, size)`: the window at begin of the given size (-1: to the end). */
export const slice = api(
  function slice(
    input: TensorLike,
    begin: number | readonly number[] | Tensor,
    size: number | readonly number[] | Tensor,
  ): Tensor {
    const x = toTensor(input, "slice");
    const b = intList("Slice", "begin", begin);
    const s = intList("Slice", "size", size).map((n, a) =>
      n === -1 && a < x.rank ? x.shape[a] - (b[a] ?? 0) : n,
    );
    if (b.length === x.rank && b.every((v) => v === 0) && s.every((n, a) => n === x.shape[a]))
      return x;
    return runOp1(Slice, [x], { begin: b, size: s });
  },
  { methods: ["slice"], namespaces: [] },
);

export interface StridedSliceOptions {
  beginMask?: number;
  endMask?: number;
  ellipsisMask?: number;
  newAxisMask?: number;
  shrinkAxisMask?: number;
}

/**
 * `tf.stridedSlice(input, begin, end, strides?, {beginMask, endMask, ellipsisMask, newAxisMask,
 * shrinkAxisMask})`: NumPy-style basic indexing. Bit i of a mask applies to entry i of the spec:
 * begin/end masked means "from the start/to the end" (in the stride's direction), an ellipsis
 * stands for all the axes not named, a new axis inserts a dimension of 1, and a shrunk axis is
 * indexed by begin[i] and removed. Strides may be negative; they default to 1.
 */
export const stridedSlice = api(
  function stridedSlice(
    input: TensorLike,
    begin: readonly number[] | Tensor,
    end: readonly number[] | Tensor,
    strides?: readonly number[] | Tensor | null,
    options: StridedSliceOptions = {},
  ): Tensor {
    const x = toTensor(input, "stridedSlice");
    const b = intList("StridedSlice", "begin", begin);
    const mask = (name: keyof StridedSliceOptions): number => {
      const v = intArg("StridedSlice", name, options[name] ?? 0);
      if (v < 0) throw new RangeError(`StridedSlice: ${name} must be non-negative, got ${v}`);
      return v;
    };
    const attrs: StridedSliceAttrs = {
      begin: b,
      end: intList("StridedSlice", "end", end),
      strides:
        strides === undefined || strides === null
          ? new Array<number>(b.length).fill(1)
          : intList("StridedSlice", "strides", strides),
      beginMask: mask("beginMask"),
      endMask: mask("endMask"),
      ellipsisMask: mask("ellipsisMask"),
      newAxisMask: mask("newAxisMask"),
      shrinkAxisMask: mask("shrinkAxisMask"),
    };
    return runOp1(StridedSlice, [x], attrs);
  },
  { methods: ["stridedSlice"], namespaces: [] },
);

export type PadMode = "CONSTANT" | "REFLECT" | "SYMMETRIC";

function paddingPairs(x: Tensor, paddings: readonly (readonly number[])[] | Tensor): PadAttrs {
  let flat: number[];
  if (paddings instanceof Tensor) {
    if (paddings.rank !== 2 || paddings.shape[1] !== 2) {
      throw new InvalidArgumentError(
        `Pad: paddings must have shape [${x.rank},2] for the input ${describe(x)}, got ${describe(paddings)}`,
      );
    }
    flat = intList("Pad", "paddings", reshape(paddings, [-1]));
  } else {
    if (!Array.isArray(paddings) || paddings.some((p) => !Array.isArray(p) || p.length !== 2)) {
      throw new InvalidArgumentError(
        `Pad: paddings must be a list of [before, after] pairs, one per dimension of ${describe(x)}`,
      );
    }
    flat = intList("Pad", "paddings", paddings.flat());
  }
  const n = flat.length / 2;
  return {
    before: Array.from({ length: n }, (_, a) => flat[2 * a]),
    after: Array.from({ length: n }, (_, a) => flat[2 * a + 1]),
  };
}

/**
 * `tf.pad(tensor, paddings, mode = "CONSTANT", constantValues = 0)`: paddings[i] = [before,
 * after] for axis i. CONSTANT fills with constantValues (an empty string for string tensors by
 * default); REFLECT mirrors without repeating the edge, SYMMETRIC repeating it.
 */
export const pad = api(
  function pad(
    tensor: TensorLike,
    paddings: readonly (readonly number[])[] | Tensor,
    mode: PadMode | Lowercase<PadMode> = "CONSTANT",
    constantValues: TensorLike = 0,
  ): Tensor {
    const x = toTensor(tensor, "pad");
    const attrs = paddingPairs(x, paddings);
    const m = typeof mode === "string" ? mode.toUpperCase() : mode;
    if (m === "CONSTANT") {
      const value = x.dtype === "string" && constantValues === 0 ? "" : constantValues;
      return runOp1(PadV2, [x, convertLike(value, x.dtype, "PadV2")], attrs);
    }
    if (m === "REFLECT" || m === "SYMMETRIC") return runOp1(MirrorPad, [x], { ...attrs, mode: m });
    throw new InvalidArgumentError(
      `Pad: mode must be one of CONSTANT, REFLECT or SYMMETRIC, got ${String(mode)}`,
    );
  },
  { methods: ["pad"], namespaces: [] },
);
