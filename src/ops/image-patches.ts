/**
 * ExtractImagePatches (`tf.image.extractPatches`): each output pixel holds the patch of the
 * input it covers, flattened in (row, column, channel) order, zeros where the patch reaches
 * into SAME padding. An index map, run by the backend's indexGather; its gradient is the
 * adjoint scatter-add, ExtractImagePatchesGrad (TensorFlow forms the same map in Python as a
 * sparse matrix), whose gradient is ExtractImagePatches again.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import { checkRank4, windowDims } from "./nn-common.js";
import { parsePadding3D, type Padding3D } from "./nn-conv3d.js";

export interface PatchesAttrs {
  readonly sizes: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly rates: readonly [number, number];
  readonly padding: Padding3D;
}
export interface PatchesGradAttrs extends PatchesAttrs {
  /** The images' shape, which the gradient produces. */
  readonly inputShape: Shape;
}

function patchesShape(op: string, x: Shape, a: PatchesAttrs): [number[], number, number] {
  checkRank4(op, "images", x, "[batch, rows, cols, depth]");
  const eff: [number, number] = [
    (a.sizes[0] - 1) * a.rates[0] + 1,
    (a.sizes[1] - 1) * a.rates[1] + 1,
  ];
  const [h, w] = windowDims(op, x, eff, a.strides, a.padding);
  return [[x[0], h.out, w.out, a.sizes[0] * a.sizes[1] * x[3]], h.padBefore, w.padBefore];
}

/** Output element (b, i, j, (r * sizeC + c) * depth + d) reads x[b, i sr + r rr - top, j sc + c rc - left, d]. */
function patchesMap(x: Shape, a: PatchesAttrs, op: string): Int32Array {
  const [y, top, left] = patchesShape(op, x, a);
  const [B, H, W, D] = x;
  const [, oh, ow] = y;
  const [kr, kc] = a.sizes;
  const map = new Int32Array(y[0] * oh * ow * y[3]);
  let at = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let r = 0; r < kr; r++) {
          const ih = i * a.strides[0] + r * a.rates[0] - top;
          for (let c = 0; c < kc; c++) {
            const iw = j * a.strides[1] + c * a.rates[1] - left;
            const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
            const base = ((b * H + ih) * W + iw) * D;
            for (let d = 0; d < D; d++) map[at++] = inside ? base + d : -1;
          }
        }
  return map;
}

const FLAT = { blockOut: 1, blockIn: 0 };
const CASE: PatchesAttrs = { sizes: [2, 3], strides: [2, 1], rates: [1, 2], padding: "SAME" };

export const ExtractImagePatches: OpDef<PatchesAttrs> = defineOp<PatchesAttrs>({
  name: "ExtractImagePatches",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [1, 4, 5, 2] }], attrs: CASE }] },
  infer: ([x], a) => {
    checkDType("ExtractImagePatches", x, "numeric", "images");
    return [{ shape: patchesShape("ExtractImagePatches", x.shape, a)[0], dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.indexGather(
      b.read(x) as NumArray,
      patchesMap(x.shape, a, "ExtractImagePatches"),
      b.read(y) as NumArray,
      FLAT,
    ),
  overwritesOutputs: true,
  grad: ([dy], c) => [
    runOp1(ExtractImagePatchesGrad, [dy], { ...c.attrs, inputShape: c.inputShapes[0] }),
  ],
});

export const ExtractImagePatchesGrad: OpDef<PatchesGradAttrs> = defineOp<PatchesGradAttrs>({
  name: "ExtractImagePatchesGrad",
  kind: "movement",
  check: {
    cases: [{ inputs: [{ shape: [1, 2, 5, 12] }], attrs: { ...CASE, inputShape: [1, 4, 5, 2] } }],
  },
  infer: ([dy], a) => {
    const op = "ExtractImagePatchesGrad";
    checkDType(op, dy, "float", "grad");
    const [y] = patchesShape(op, a.inputShape, a);
    if (!shapesEqual(dy.shape, y)) {
      throw new InvalidArgumentError(
        `${op}: grad must have the patches' shape ${shapeMsg(y)} of images ${shapeMsg(a.inputShape)}, got ${describe(dy)}`,
      );
    }
    return [{ shape: a.inputShape, dtype: dy.dtype }];
  },
  kernel: (b, [dy], [dx], a) =>
    b.indexScatterAdd(
      b.read(dy) as NumArray,
      patchesMap(a.inputShape, a, "ExtractImagePatchesGrad"),
      b.read(dx) as NumArray,
      FLAT,
    ),
  grad: ([g], c) => {
    const { inputShape: _, ...a } = c.attrs;
    return [runOp1(ExtractImagePatches, [g], a)];
  },
});

/** [1, r, c, 1] (TensorFlow's form), [r, c] or one number. */
function pair(op: string, what: string, v: number | readonly number[]): [number, number] {
  let p: [number, number] | null = null;
  if (typeof v === "number") p = [v, v];
  else if (Array.isArray(v)) {
    if (v.length === 2) p = [v[0], v[1]];
    else if (v.length === 4 && v[0] === 1 && v[3] === 1) p = [v[1], v[2]];
  }
  if (p === null || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be [1, rows, cols, 1] (or [rows, cols]) of integers >= 1, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

/**
 * `tf.image.extractPatches(images, sizes, strides, rates, padding)`: images [batch, rows, cols,
 * depth]; sizes, strides and rates [1, r, c, 1]; padding "SAME" or "VALID". The output is
 * [batch, outRows, outCols, sizeRows * sizeCols * depth], each patch flattened row by row
 * (rates sample every rate-th pixel, as atrous convolution does).
 */
export function extractPatches(
  images: TensorLike,
  sizes: number | readonly number[],
  strides: number | readonly number[],
  rates: number | readonly number[],
  padding: Padding3D | "same" | "valid",
): Tensor {
  const op = "ExtractImagePatches";
  const x = toTensor(images, "extractPatches");
  return runOp1(ExtractImagePatches, [x], {
    sizes: pair(op, "sizes", sizes),
    strides: pair(op, "strides", strides),
    rates: pair(op, "rates", rates),
    padding: parsePadding3D(op, padding),
  });
}
