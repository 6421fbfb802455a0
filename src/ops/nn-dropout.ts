/**
 * `tf.nn.dropout`, as in TensorFlow: where(uniform >= rate, x / (1 - rate), 0), the select and
 * the multiply one fused op (_FusedDropout) when the mask has x's shape, the composite with a
 * broadcast noiseShape. The gradient is dy / (1 - rate) where kept, 0 elsewhere. The uniform draw
 * is the RandomUniform op, so a traced tf.function draws a new mask per call.
 */
import { backend } from "../backend/index.js";
import { type FloatDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, tryBroadcastShapes } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import { greaterEqual, mul, where } from "./elementwise.js";
import { standardUniform } from "./random.js";
import { fusedDropout } from "./nn-dropout-fused.js";
import { api } from "./api.js";

export interface DropoutOptions {
  /**
   * The shape of the keep/drop mask, broadcast against x (a null entry takes x's dimension):
   * `[batch, 1, 1, channels]` drops whole channels of an image.
   */
  readonly noiseShape?: readonly (number | null)[] | null;
  /** An op seed, resolved against `tf.random.setSeed` exactly as `tf.random.uniform`'s is. */
  readonly seed?: number | null;
}

function rateArg(rate: number | Tensor): number {
  let r: number;
  if (rate instanceof Tensor) {
    if (rate.size !== 1 || rate.dtype === "string" || rate.dtype === "bool") {
      throw new InvalidArgumentError(
        `dropout: rate must be a numeric scalar, got ${describe(rate)}`,
      );
    }
    r = Number(backend().read(rate)[0]);
  } else {
    r = rate;
  }
  if (typeof r !== "number" || !(r >= 0 && r < 1)) {
    throw new RangeError(`dropout: rate must be a number in the range [0, 1), got ${String(r)}`);
  }
  return r;
}

function noiseShapeOf(x: Tensor, noiseShape: DropoutOptions["noiseShape"]): number[] {
  if (noiseShape === undefined || noiseShape === null) return x.shape.slice();
  if (!Array.isArray(noiseShape) || noiseShape.length !== x.rank) {
    throw new InvalidArgumentError(
      `dropout: noiseShape must have one entry per dimension of x ${describe(x)}, got ${JSON.stringify(noiseShape)}`,
    );
  }
  const dims = noiseShape.map((d, i) => (d === null ? x.shape[i] : d));
  const b = dims.every((d) => Number.isInteger(d) && d >= 0)
    ? tryBroadcastShapes(dims, x.shape)
    : null;
  if (b === null || !shapesEqual(b, x.shape)) {
    throw new InvalidArgumentError(
      `dropout: noiseShape ${shapeMsg(dims)} must broadcast to the shape of x ${describe(x)}`,
    );
  }
  return dims;
}

/**
 * `tf.nn.dropout(x, rate, {noiseShape, seed})`: each element (or each slice, with noiseShape)
 * is zeroed with probability `rate`, and kept ones are scaled by 1 / (1 - rate) so the
 * expectation is unchanged. The mask is TensorFlow's: `tf.random.uniform(noiseShape, {seed,
 * dtype: x.dtype}) >= rate`, so under the same `tf.random.setSeed` the same calls give the same
 * masks (and, as in TensorFlow, a second call with the same op seed continues its stream).
 * rate 0 gives x back.
 */
export const dropout = api(
  function dropout(x: TensorLike, rate: number | Tensor, options: DropoutOptions = {}): Tensor {
    const t = toTensor(x, "dropout");
    checkDType("dropout", t, "float", "x");
    const r = rateArg(rate);
    if (r === 0) return t;
    const dtype = t.dtype as FloatDType;
    const dims = noiseShapeOf(t, options.noiseShape);
    const u = standardUniform("dropout", dims, dtype, options.seed);
    // A mask of x's own shape: the one fused op (nn-dropout-fused.ts), the same values.
    if (shapesEqual(dims, t.shape)) return fusedDropout(t, u, r);
    // rate, like the uniform values, is a tensor of x's dtype in TensorFlow's comparison
    // (greaterEqual makes the number one).
    return where(greaterEqual(u, r), mul(t, 1 / (1 - r)), 0);
  },
  { methods: [], namespaces: ["nn"] },
);
