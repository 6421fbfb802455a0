/**
 * Composites of tf.nn over the other families: biasAdd and moments. The primitives of the nn
 * family live beside this file: nn-softmax.ts, nn-losses.ts, nn-conv.ts, nn-pool.ts,
 * nn-activations.ts and nn-dropout.ts.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxes, shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { reshape } from "./broadcast.js";
import { checkDType, describe, toOperands, toTensor, type TensorLike } from "./checks.js";
import { add, squaredDifference } from "./elementwise.js";
import { squeeze, stopGradient } from "./movement-core.js";
import { type Axis, reduceMean } from "./reduce.js";
import { optionsArg } from "../tensor/args.js";
import { api } from "./api.js";

export interface BiasAddOptions {
  /**
   * Where the channels are: last ("NHWC", "NWC", "NDHWC" or unset, the default) or second
   * ("NCHW", "NCW", "NCDHW").
   */
  readonly dataFormat?: string;
}

/**
 * `tf.nn.biasAdd(value, bias, {dataFormat})`: adds the 1-D bias along the channel dimension.
 * Unlike add, the bias must be 1-D and match the channels exactly (no other broadcasting).
 */
export const biasAdd = api(
  function biasAdd(value: TensorLike, bias: TensorLike, options: BiasAddOptions = {}): Tensor {
    options = optionsArg("biasAdd", options);
    const op = "BiasAdd";
    const [x, b] = toOperands("biasAdd", value, bias);
    checkDType(op, x, "numeric", "value");
    const format = options.dataFormat ?? "NHWC";
    if (!/^N[A-Z]*C$|^NC[A-Z]*$/.test(format)) {
      throw new InvalidArgumentError(
        `${op}: unknown data format ${format} (expected NHWC or NCHW)`,
      );
    }
    const channelsFirst = format.length > 2 && format[1] === "C";
    if (x.rank < 2) {
      throw new InvalidArgumentError(
        `${op}: value must be at least 2-D, got ${describe(x)} (bias ${describe(b)})`,
      );
    }
    const axis = channelsFirst ? 1 : x.rank - 1;
    if (b.rank !== 1 || b.shape[0] !== x.shape[axis]) {
      throw new InvalidArgumentError(
        `${op}: Must provide as many biases as the channel dimension of the input tensor: bias ${shapeMsg(b.shape)} vs. value ${shapeMsg(x.shape)} (${format})`,
      );
    }
    if (!channelsFirst) return add(x, b);
    // Channels second: the bias as [C, 1, ..., 1] broadcasts over the spatial dimensions.
    return add(x, reshape(b, [b.shape[0], ...Array<number>(x.rank - 2).fill(1)]));
  },
  { namespaces: ["nn"] },
);

export interface MomentsOptions {
  /** Keep the reduced axes as 1 (default false). */
  readonly keepdims?: boolean;
}

/**
 * `tf.nn.moments(x, axes, {keepdims})`: `[mean, variance]` over the axes, with
 * variance = mean((x - mean)^2) (the population variance). As in TensorFlow the mean inside the
 * variance is held constant for the tape: d variance / d mean = -2 mean(x - mean) = 0, so the
 * gradient is the same and the tape does less.
 */
export const moments = api(
  function moments(x: TensorLike, axes: Axis, options: MomentsOptions = {}): [Tensor, Tensor] {
    options = optionsArg("moments", options);
    const t = toTensor(x, "moments");
    checkDType("moments", t, "float", "x");
    const keepdims = options.keepdims ?? false;
    const ax = normalizeAxes("moments", axes, t.rank, t);
    const mean = reduceMean(t, ax, true);
    const variance = reduceMean(squaredDifference(t, stopGradient(mean)), ax, true);
    if (keepdims) return [mean, variance];
    return [squeeze(mean, ax), squeeze(variance, ax)];
  },
  { namespaces: ["nn"] },
);
