/**
 * tf.image ops. AdjustContrastv2 is registered with no gradient on purpose, as in TensorFlow:
 * the guide uses it to show `LookupError: gradient registry has no entry for: AdjustContrastv2`.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { isFloating, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import {
  checkDType,
  describe,
  NO_ATTRS,
  type NoAttrs,
  toTensor,
  type TensorLike,
} from "./checks.js";

/** (images [..., height, width, channels], contrast_factor scalar) -> adjusted images. */
export const AdjustContrastv2: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "AdjustContrastv2",
  kind: "other",
  check: { skip: "TensorFlow registers no gradient for it" },
  infer: ([images, factor]) => {
    const op = "AdjustContrastv2";
    checkDType(op, images, "float", "images");
    if (images.rank < 3) {
      throw new InvalidArgumentError(
        `${op}: images must be at least 3-D [..., height, width, channels], got ${describe(images)}`,
      );
    }
    if (factor.rank !== 0 || !isFloating(factor.dtype)) {
      throw new InvalidArgumentError(
        `${op}: contrast_factor must be a floating scalar, got ${describe(factor)}`,
      );
    }
    return [{ shape: images.shape, dtype: images.dtype }];
  },
  kernel: (b, [images, factor], [out]) => {
    const s = images.shape;
    const r = s.length;
    const pixels = s[r - 3] * s[r - 2];
    const channels = s[r - 1];
    const images_ = pixels * channels === 0 ? 0 : images.size / (pixels * channels);
    b.adjustContrast(
      b.read(images) as NumArray,
      b.read(out) as NumArray,
      Number(b.read(factor)[0]),
      {
        images: images_,
        pixels,
        channels,
      },
    );
  },
  // No gradient registered (TensorFlow has none either): differentiating through it is a LookupError.
  grad: null,
});

/**
 * `tf.image.adjustContrast(images, contrastFactor)`: for each image and channel, with m the
 * mean over height and width, (x - m) * contrastFactor + m. images are float32 or float64,
 * [..., height, width, channels].
 */
export function adjustContrast(images: TensorLike, contrastFactor: TensorLike): Tensor {
  const x = toTensor(images, "adjustContrast");
  const f =
    contrastFactor instanceof Tensor
      ? contrastFactor
      : toTensor(contrastFactor, "adjustContrast", isFloating(x.dtype) ? x.dtype : "float32");
  return runOp1(AdjustContrastv2, [x, f], NO_ATTRS);
}
