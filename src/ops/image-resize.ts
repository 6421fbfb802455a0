/**
 * `tf.image` geometry and color: resize (bilinear, nearest), flipLeftRight, flipUpDown and
 * rgbToGrayscale, on [height, width, channels] or [batch, height, width, channels] images.
 * Resizing follows TensorFlow 2's `tf.image.resize` (half-pixel centers, no antialiasing): each
 * axis is interpolated separately with gathers and constant weights, so the gradient with
 * respect to the image is the gathers' (scatter-adds).
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { reshape } from "./broadcast.js";
import { checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant } from "./creation.js";
import { add, cast, multiply as mul, subtract as sub } from "./elementwise/basic.js";
import { reduceSum } from "./broadcast.js";
import { reverse } from "./movement-core.js";
import { gather } from "./movement-gather.js";

export type ResizeMethod = "bilinear" | "nearest";

export interface ResizeOptions {
  /** Keep the aspect ratio: the result fits inside size (default false). */
  preserveAspectRatio?: boolean;
  /** Only false (TensorFlow's antialiasing filter is not implemented). */
  antialias?: boolean;
}

function imageArg(fn: string, images: TensorLike): [Tensor, boolean] {
  let x = toTensor(images, fn);
  if (x.rank !== 3 && x.rank !== 4) {
    throw new InvalidArgumentError(
      `${fn}: images must be [height, width, channels] or [batch, height, width, channels], got ${describe(x)}`,
    );
  }
  const batched = x.rank === 4;
  if (!batched) x = reshape(x, [1, ...x.shape]);
  return [x, batched];
}

/** Linear interpolation along `axis` from size n to m with half-pixel centers. */
function lerpAxis(x: Tensor, axis: number, m: number): Tensor {
  const n = x.shape[axis];
  const scale = n / m;
  const lo: number[] = [];
  const hi: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < m; o++) {
    const at = (o + 0.5) * scale - 0.5;
    const f = Math.floor(at);
    lo.push(Math.max(f, 0));
    hi.push(Math.min(Math.ceil(at), n - 1));
    w.push(at - f);
  }
  const shape = x.shape.map((_, i) => (i === axis ? m : 1));
  const wt = constant(w, x.dtype, shape);
  const a = gather(x, constant(lo, "int32", [m]), axis);
  const b = gather(x, constant(hi, "int32", [m]), axis);
  return add(a, mul(sub(b, a), wt));
}

/** Nearest neighbour along `axis` (TensorFlow 2: floor((o + 0.5) n / m), clamped). */
function nearestAxis(x: Tensor, axis: number, m: number): Tensor {
  const n = x.shape[axis];
  const idx = Array.from({ length: m }, (_, o) => Math.min(Math.floor(((o + 0.5) * n) / m), n - 1));
  return gather(x, constant(idx, "int32", [m]), axis);
}

/**
 * `tf.image.resize(images, size, method = "bilinear", {preserveAspectRatio, antialias})`:
 * size is [newHeight, newWidth]. Bilinear output is float (integer images become float32);
 * nearest keeps the dtype.
 */
export function resize(
  images: TensorLike,
  size: readonly number[],
  method: ResizeMethod = "bilinear",
  options: ResizeOptions = {},
): Tensor {
  const [x0, batched] = imageArg("resize", images);
  if (!Array.isArray(size) || size.length !== 2) {
    throw new InvalidArgumentError(
      `resize: size must be [new_height, new_width], got ${String(size)}`,
    );
  }
  if (method !== "bilinear" && method !== "nearest") {
    throw new InvalidArgumentError(
      `resize: method must be "bilinear" or "nearest", got "${String(method)}"`,
    );
  }
  if (options.antialias === true) {
    throw new InvalidArgumentError("resize: antialias is not supported");
  }
  let h = checkInteger("resize", "new_height", size[0], 1);
  let w = checkInteger("resize", "new_width", size[1], 1);
  const [inH, inW] = [x0.shape[1], x0.shape[2]];
  if (options.preserveAspectRatio === true) {
    const s = Math.min(h / inH, w / inW);
    h = Math.max(1, Math.round(inH * s));
    w = Math.max(1, Math.round(inW * s));
  }
  let x = x0;
  let y: Tensor;
  if (method === "nearest") {
    y = nearestAxis(nearestAxis(x, 1, h), 2, w);
  } else {
    if (!isFloating(x.dtype)) x = cast(x, "float32");
    y = lerpAxis(lerpAxis(x, 1, h), 2, w);
  }
  return batched ? y : reshape(y, y.shape.slice(1));
}

/** `tf.image.flipLeftRight(image)`: the width axis reversed. */
export function flipLeftRight(image: TensorLike): Tensor {
  const [x, batched] = imageArg("flipLeftRight", image);
  const y = reverse(x, 2);
  return batched ? y : reshape(y, y.shape.slice(1));
}

/** `tf.image.flipUpDown(image)`: the height axis reversed. */
export function flipUpDown(image: TensorLike): Tensor {
  const [x, batched] = imageArg("flipUpDown", image);
  const y = reverse(x, 1);
  return batched ? y : reshape(y, y.shape.slice(1));
}

/**
 * `tf.image.rgbToGrayscale(images)`: 0.2989 R + 0.5870 G + 0.1140 B over the last axis (size
 * 3), kept as a size-1 axis; float images only.
 */
export function rgbToGrayscale(images: TensorLike): Tensor {
  const x = toTensor(images, "rgbToGrayscale");
  if (!isFloating(x.dtype) || x.rank < 1 || x.shape[x.rank - 1] !== 3) {
    throw new InvalidArgumentError(
      `rgbToGrayscale: images must be float with a last axis of 3 channels, got ${describe(x)}`,
    );
  }
  const wts = constant([0.2989, 0.587, 0.114], x.dtype, [3]);
  return reduceSum(mul(x, wts), -1, true);
}
