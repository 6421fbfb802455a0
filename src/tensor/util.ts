/** `tf.util`: helpers for showing values the way Python and NumPy show them. */
import { formatNumpyRepr, formatValues } from "./format.js";
import { shapeStr, type Shape } from "./shape.js";
import { shapeArg } from "./args.js";
import { describeValue } from "./describe-value.js";
import { Tensor } from "./tensor.js";

function tensorArg(fn: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`util.${fn}: expected a Tensor, got ${describeValue(t)}`);
  }
  return t;
}

/** What Python's `print(t.numpy())` shows: `6.0`, `[  4. 108.]`. */
export function formatNumpy(t: Tensor): string {
  return formatValues(tensorArg("formatNumpy", t));
}

/** What Python's `repr(t.numpy())` shows: `array([1., 2.], dtype=float32)`. */
export function formatNumpyReprOf(t: Tensor): string {
  return formatNumpyRepr(tensorArg("formatNumpyReprOf", t));
}

/** A shape as TensorFlow prints it: `(3, 2)`, `(2,)`, `()`. */
export function formatShape(shape: Shape): string {
  return shapeStr(shapeArg("util.formatShape", shape));
}
