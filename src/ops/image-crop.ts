/**
 * CropAndResize (`tf.image.cropAndResize`): for each box, a crop of its image resampled to
 * cropSize, bilinear or nearest, with TensorFlow's sampling: box (y1, x1, y2, x2) in normalized
 * coordinates maps crop row y to image row y1 (H - 1) + y (y2 - y1)(H - 1) / (cropH - 1); rows
 * and columns outside the image take extrapolationValue. Its gradient is TensorFlow's:
 * CropAndResizeGradImage for the image (the adjoint of the sampling) and CropAndResizeGradBoxes
 * for the boxes (the bilinear derivative, also for nearest, where TensorFlow approximates it the
 * same way); TensorFlow registers no gradient for those two, and neither does tapeflow.
 */
import type { CropParams } from "../backend/nn-image.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { isFloating, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "./elementwise/basic.js";
import { checkDType, checkInteger, describe, saved, toTensor, type TensorLike } from "./checks.js";

export type CropMethod = "bilinear" | "nearest";

export interface CropAndResizeAttrs {
  readonly cropSize: readonly [number, number];
  readonly method: CropMethod;
  readonly extrapolationValue: number;
}
export interface CropGradImageAttrs {
  readonly imageShape: Shape;
  readonly method: CropMethod;
}

/** Checks boxes [n, 4] (image's float dtype) and box indices [n] int32; gives n. */
function checkBoxes(op: string, boxes: Tensor, boxInd: Tensor, dtype: string): number {
  if (boxes.rank !== 2 || boxes.shape[1] !== 4 || boxes.dtype !== dtype) {
    throw new InvalidArgumentError(
      `${op}: boxes must be [num_boxes, 4] of dtype ${dtype}, got ${describe(boxes)}`,
    );
  }
  if (boxInd.rank !== 1 || boxInd.shape[0] !== boxes.shape[0] || boxInd.dtype !== "int32") {
    throw new InvalidArgumentError(
      `${op}: box_indices must be int32 [${boxes.shape[0]}] (one per box), got ${describe(boxInd)}`,
    );
  }
  return boxes.shape[0];
}

function checkImage(op: string, image: Shape): void {
  if (image.length !== 4 || image[1] === 0 || image[2] === 0) {
    throw new InvalidArgumentError(
      `${op}: image must be 4-D [batch, height, width, depth] with height and width > 0, got ${shapeMsg(image)}`,
    );
  }
}

function cropParams(
  image: Shape,
  n: number,
  crop: readonly [number, number],
  method: CropMethod,
): CropParams {
  return {
    batch: image[0],
    imageH: image[1],
    imageW: image[2],
    depth: image[3],
    boxes: n,
    cropH: crop[0],
    cropW: crop[1],
    nearest: method === "nearest",
  };
}

/** Every box index must name an image of the batch (TensorFlow checks the same at run time). */
function checkBoxIndexValues(op: string, ind: Int32Array, batch: number): void {
  for (const v of ind) {
    if (v < 0 || v >= batch) {
      throw new InvalidArgumentError(
        `${op}: box_indices has values outside [0, batch_size = ${batch}): ${v}`,
      );
    }
  }
}

const BOXES_IN = { shape: [3, 4], range: [0.05, 0.95] } as const;
const BOXES_OUT = { shape: [2, 4], range: [-0.4, 1.4] } as const;

export const CropAndResize: OpDef<CropAndResizeAttrs> = defineOp<CropAndResizeAttrs>({
  name: "CropAndResize",
  kind: "other",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 4, 5, 2] }, BOXES_IN, { value: [1, 0, 1], dtype: "int32" }],
        attrs: { cropSize: [3, 4], method: "bilinear", extrapolationValue: 0 },
      },
      {
        inputs: [{ shape: [1, 3, 4, 1] }, BOXES_OUT, { value: [0, 0], dtype: "int32" }],
        attrs: { cropSize: [1, 3], method: "bilinear", extrapolationValue: 0.5 },
      },
      {
        // Nearest: only the image is differentiated (the boxes' gradient is the bilinear one).
        inputs: [
          { shape: [1, 4, 4, 2] },
          {
            value: [
              [0.1, 0.2, 0.8, 0.7],
              [0.3, -0.2, 0.6, 1.2],
            ],
            dtype: "float64",
          },
          { value: [0, 0], dtype: "int32" },
        ],
        attrs: { cropSize: [3, 3], method: "nearest", extrapolationValue: -1 },
      },
    ],
    // The two gradient ops have no gradient (as in TensorFlow).
    secondOrder: false,
  },
  infer: ([image, boxes, boxInd], a) => {
    const op = "CropAndResize";
    checkDType(op, image, "float", "image");
    checkImage(op, image.shape);
    const n = checkBoxes(op, boxes, boxInd, image.dtype);
    return [{ shape: [n, a.cropSize[0], a.cropSize[1], image.shape[3]], dtype: image.dtype }];
  },
  kernel: (b, [image, boxes, boxInd], [crops], a) => {
    const ind = b.read(boxInd) as Int32Array;
    checkBoxIndexValues("CropAndResize", ind, image.shape[0]);
    b.cropAndResize(
      b.read(image) as NumArray,
      b.read(boxes) as NumArray,
      ind,
      b.read(crops) as NumArray,
      cropParams(image.shape, boxes.shape[0], a.cropSize, a.method),
      a.extrapolationValue,
    );
  },
  overwritesOutputs: true,
  saveInputs: [0, 1, 2],
  grad: ([dy], c) => {
    const image = saved(c.inputs[0]);
    const boxes = saved(c.inputs[1]);
    const ind = saved(c.inputs[2]);
    const need = c.needsInputGrad ?? [true, true, false];
    return [
      need[0]
        ? runOp1(CropAndResizeGradImage, [dy, boxes, ind], {
            imageShape: image.shape,
            method: c.attrs.method,
          })
        : null,
      need[1] ? runOp1(CropAndResizeGradBoxes, [dy, image, boxes, ind], {}) : null,
      null,
    ];
  },
});

function checkGrads(op: string, grads: Tensor, n: number, depth: number): void {
  checkDType(op, grads, "float", "grads");
  if (grads.rank !== 4 || grads.shape[0] !== n || grads.shape[3] !== depth) {
    throw new InvalidArgumentError(
      `${op}: grads must be [${n}, crop_height, crop_width, ${depth}], got ${describe(grads)}`,
    );
  }
}

/** (grads [n, cropH, cropW, depth], boxes, box_indices) -> the image's gradient. */
export const CropAndResizeGradImage: OpDef<CropGradImageAttrs> = defineOp<CropGradImageAttrs>({
  name: "CropAndResizeGradImage",
  kind: "other",
  check: { skip: "TensorFlow registers no gradient for it" },
  infer: ([grads, boxes, boxInd], a) => {
    const op = "CropAndResizeGradImage";
    checkImage(op, a.imageShape);
    const n = checkBoxes(op, boxes, boxInd, grads.dtype);
    checkGrads(op, grads, n, a.imageShape[3]);
    return [{ shape: a.imageShape, dtype: grads.dtype }];
  },
  kernel: (b, [grads, boxes, boxInd], [dimage], a) => {
    const ind = b.read(boxInd) as Int32Array;
    checkBoxIndexValues("CropAndResizeGradImage", ind, a.imageShape[0]);
    b.cropAndResizeGradImage(
      b.read(grads) as NumArray,
      b.read(boxes) as NumArray,
      ind,
      b.read(dimage) as NumArray,
      cropParams(a.imageShape, boxes.shape[0], [grads.shape[1], grads.shape[2]], a.method),
    );
  },
  grad: null,
});

/** (grads, image, boxes, box_indices) -> the boxes' gradient [n, 4] (bilinear). */
export const CropAndResizeGradBoxes: OpDef<Record<string, never>> = defineOp<Record<string, never>>(
  {
    name: "CropAndResizeGradBoxes",
    kind: "other",
    check: { skip: "TensorFlow registers no gradient for it" },
    infer: ([grads, image, boxes, boxInd]) => {
      const op = "CropAndResizeGradBoxes";
      checkDType(op, image, "float", "image");
      checkImage(op, image.shape);
      const n = checkBoxes(op, boxes, boxInd, image.dtype);
      checkGrads(op, grads, n, image.shape[3]);
      if (grads.dtype !== image.dtype) {
        throw new InvalidArgumentError(
          `${op}: grads and image must have one dtype, got ${describe(grads)} and ${describe(image)}`,
        );
      }
      return [{ shape: boxes.shape, dtype: boxes.dtype }];
    },
    kernel: (b, [grads, image, boxes, boxInd], [dboxes]) => {
      const ind = b.read(boxInd) as Int32Array;
      checkBoxIndexValues("CropAndResizeGradBoxes", ind, image.shape[0]);
      b.cropAndResizeGradBoxes(
        b.read(grads) as NumArray,
        b.read(image) as NumArray,
        b.read(boxes) as NumArray,
        ind,
        b.read(dboxes) as NumArray,
        cropParams(image.shape, boxes.shape[0], [grads.shape[1], grads.shape[2]], "bilinear"),
      );
    },
    grad: null,
  },
);

/**
 * `tf.image.cropAndResize(image, boxes, boxIndices, cropSize, method = "bilinear",
 * extrapolationValue = 0)`: image [batch, height, width, depth]; boxes [numBoxes, 4] as
 * (y1, x1, y2, x2) in [0, 1] image coordinates (y1 > y2 flips the crop; values outside [0, 1]
 * extrapolate); boxIndices int32 [numBoxes], the image of each box; cropSize [cropH, cropW].
 * Gives [numBoxes, cropH, cropW, depth] in the boxes' float dtype (float32 for plain arrays,
 * as TensorFlow), the image cast to it.
 */
export function cropAndResize(
  image: TensorLike,
  boxes: TensorLike,
  boxIndices: TensorLike,
  cropSize: readonly number[],
  method: CropMethod = "bilinear",
  extrapolationValue = 0,
): Tensor {
  const fn = "cropAndResize";
  const b = toTensor(boxes, fn, "float32");
  let x = toTensor(image, fn, isFloating(b.dtype) ? b.dtype : "float32");
  const ind = toTensor(boxIndices, fn, "int32");
  if (!isFloating(b.dtype)) {
    throw new TypeError(`CropAndResize: boxes must be float32 or float64, got ${describe(b)}`);
  }
  if (x.dtype !== b.dtype) x = cast(x, b.dtype);
  if (!Array.isArray(cropSize) || cropSize.length !== 2) {
    throw new InvalidArgumentError(
      `CropAndResize: crop_size must be [crop_height, crop_width], got ${JSON.stringify(cropSize)}`,
    );
  }
  if (method !== "bilinear" && method !== "nearest") {
    throw new InvalidArgumentError(
      `CropAndResize: method must be "bilinear" or "nearest", got ${JSON.stringify(method)}`,
    );
  }
  if (typeof extrapolationValue !== "number") {
    throw new TypeError(
      `CropAndResize: extrapolation_value must be a number, got ${String(extrapolationValue)}`,
    );
  }
  const crop: [number, number] = [
    checkInteger("CropAndResize", "crop_height", cropSize[0], 1),
    checkInteger("CropAndResize", "crop_width", cropSize[1], 1),
  ];
  return runOp1(CropAndResize, [x, b, ind], { cropSize: crop, method, extrapolationValue });
}
