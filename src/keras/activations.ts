/**
 * `tf.keras.activations`: elementwise functions a layer applies to its output, and `get()`,
 * which accepts a function, a name (`"relu"`, `"leakyRelu"` or `"leaky_relu"`) or null
 * (linear).
 */
import type { TensorLike } from "../tensor/convert.js";
import type { Tensor } from "../tensor/tensor.js";
import { toTensor } from "../ops/checks.js";
import {
  abs,
  add,
  cast,
  clipByValue,
  div,
  elu as eluOp,
  exp,
  greater,
  mul,
  relu as reluOp,
  relu6 as relu6Op,
  selu as seluOp,
  sigmoid as sigmoidOp,
  softplus as softplusOp,
  sub,
  tanh as tanhOp,
  where,
} from "../ops/elementwise.js";
import { gelu as geluOp, leakyRelu } from "../ops/nn-activations.js";
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from "../ops/nn-softmax.js";
import { optionsArg, stringArg } from "../tensor/args.js";

/** An activation: one tensor in, one of the same shape out. */
export type Activation = (x: Tensor) => Tensor;

/** What `activation` options accept: a function, a name, or null/undefined for linear. */
export type ActivationIdentifier = Activation | string | null | undefined;

export interface ReluOptions {
  /** Slope below the threshold (default 0). */
  alpha?: number;
  /** Saturation value, or null for none (default). */
  maxValue?: number | null;
  /** Values below it are cut (default 0). */
  threshold?: number;
}

/**
 * Keras's relu: with the defaults max(x, 0). Generally f(x) = maxValue for x >= maxValue,
 * x for threshold <= x < maxValue, alpha (x - threshold) otherwise.
 */
export function relu(x: TensorLike, options: ReluOptions = {}): Tensor {
  options = optionsArg("relu", options);
  const t = toTensor(x, "relu");
  const alpha = options.alpha ?? 0;
  const maxValue = options.maxValue ?? null;
  const threshold = options.threshold ?? 0;
  if (alpha !== 0 && maxValue === null && threshold === 0) return leakyRelu(t, alpha);
  // The negative part, relu(threshold - x), is scaled by alpha and subtracted at the end.
  const negativePart = alpha !== 0 ? reluOp(sub(threshold, t)) : null;
  let y: Tensor;
  let clipMax = maxValue !== null;
  if (threshold !== 0) {
    y = mul(t, cast(greater(t, threshold), t.dtype));
  } else if (maxValue === 6) {
    y = relu6Op(t);
    clipMax = false;
  } else {
    y = reluOp(t);
  }
  if (clipMax && maxValue !== null) y = clipByValue(y, 0, maxValue);
  if (negativePart !== null) y = sub(y, mul(negativePart, alpha));
  return y;
}

/** min(max(x, 0), 6). */
export const relu6 = (x: TensorLike): Tensor => relu6Op(toTensor(x, "relu6"));
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: TensorLike): Tensor => sigmoidOp(toTensor(x, "sigmoid"));
/** (exp(x) - exp(-x)) / (exp(x) + exp(-x)). */
export const tanh = (x: TensorLike): Tensor => tanhOp(toTensor(x, "tanh"));
/** exp(x) / sum(exp(x)) along `axis` (the last by default). */
export const softmax = (x: TensorLike, axis = -1): Tensor => softmaxOp(x, axis);
/** x - log(sum(exp(x))) along `axis`. */
export const logSoftmax = (x: TensorLike, axis = -1): Tensor => logSoftmaxOp(x, axis);
/** The identity: Keras's activation when none is given. */
export const linear = (x: TensorLike): Tensor => toTensor(x, "linear");
/** x for x > 0, alpha (exp(x) - 1) otherwise. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = toTensor(x, "elu");
  const res = eluOp(t);
  return alpha === 1 ? res : where(greater(t, 0), res, mul(res, alpha));
}
/** scale * elu(x, alpha) with TensorFlow's self-normalizing constants. */
export const selu = (x: TensorLike): Tensor => seluOp(toTensor(x, "selu"));
/** x Phi(x), exact (erf) or with the tanh approximation. */
export const gelu = (x: TensorLike, approximate = false): Tensor => geluOp(x, approximate);
/** log(1 + exp(x)). */
export const softplus = (x: TensorLike): Tensor => softplusOp(toTensor(x, "softplus"));
/** x / (|x| + 1). */
export function softsign(x: TensorLike): Tensor {
  const t = toTensor(x, "softsign");
  return div(t, add(abs(t), 1));
}
/** x sigmoid(x) (also called silu). */
export function swish(x: TensorLike): Tensor {
  const t = toTensor(x, "swish");
  return mul(t, sigmoidOp(t));
}
export const silu = swish;
/** x tanh(softplus(x)). */
export function mish(x: TensorLike): Tensor {
  const t = toTensor(x, "mish");
  return mul(t, tanhOp(softplusOp(t)));
}
/** exp(x). */
export const exponential = (x: TensorLike): Tensor => exp(toTensor(x, "exponential"));
/** Keras 2's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1). */
export function hardSigmoid(x: TensorLike): Tensor {
  const t = toTensor(x, "hardSigmoid");
  return clipByValue(add(mul(t, 0.2), 0.5), 0, 1);
}

/** By Keras's names; get() matches them ignoring case and underscores. */
const NAMED: Record<string, Activation> = {
  relu: (x) => relu(x),
  relu6,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x),
  linear,
  elu: (x) => elu(x),
  selu,
  gelu: (x) => gelu(x),
  softplus,
  softsign,
  swish,
  silu,
  mish,
  exponential,
  hard_sigmoid: hardSigmoid,
  leaky_relu: (x) => leakyRelu(x),
  log_softmax: (x) => logSoftmax(x),
};

/** Keras's names and ours are the same once case and underscores are ignored. */
export function normalizeName(name: string): string {
  stringArg("activations.normalizeName", name, "name");
  return name.replace(/_/g, "").toLowerCase();
}

const TABLE = new Map(Object.entries(NAMED).map(([k, fn]) => [normalizeName(k), fn]));

/** The activation a layer option names: a function as it is, a name looked up, null linear. */
export function get(identifier: ActivationIdentifier): Activation {
  if (identifier === null || identifier === undefined) return linear;
  if (typeof identifier === "function") return identifier;
  if (typeof identifier === "string") {
    const fn = TABLE.get(normalizeName(identifier));
    if (fn !== undefined) return fn;
    throw new RangeError(
      `Unknown activation function: '${identifier}' (expected a function or one of ${Object.keys(NAMED).join(", ")})`,
    );
  }
  throw new TypeError(
    `Could not interpret activation function identifier: ${String(identifier)} (expected a function, a name or null)`,
  );
}
