/**
 * `tf.keras.losses`. The function forms (`meanSquaredError(yTrue, yPred)`, ...) give one loss
 * per sample, reduced over the last axis, as Keras's do; the classes (`new MeanSquaredError()`)
 * reduce those with `call(yTrue, yPred, sampleWeight?)`, by default to their mean
 * (Keras's SUM_OVER_BATCH_SIZE: sum(losses * sampleWeight) / number of losses).
 */
import type { TensorLike } from "../tensor/convert.js";
import { isFloating } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapeMsg, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { reduceSum, reshape } from "../ops/broadcast.js";
import { describe, toTensor } from "../ops/checks.js";
import {
  abs,
  add,
  cast,
  clipByValue,
  div,
  log,
  mul,
  squaredDifference,
  sub,
} from "../ops/elementwise.js";
import { squeeze, transpose } from "../ops/movement.js";
import {
  sigmoidCrossEntropyWithLogits,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
} from "../ops/nn-losses.js";
import { reduceMean } from "../ops/reduce.js";
import { normalizeName } from "./activations.js";
import { optionsArg } from "../tensor/args.js";

/** Keras's fuzz factor: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log. */
export const EPSILON = 1e-7;

/** Predictions as a floating tensor, and targets converted and cast to the predictions' dtype. */
function operands(op: string, yTrue: TensorLike, yPred: TensorLike): [Tensor, Tensor] {
  const p = toTensor(yPred, op);
  if (!isFloating(p.dtype)) {
    throw new TypeError(`${op}: yPred must be float32 or float64, got ${describe(p)}`);
  }
  let t = yTrue instanceof Tensor ? yTrue : toTensor(yTrue, op, p.dtype);
  // Keras casts the targets (often integer labels) to the predictions' dtype.
  if (t.dtype !== p.dtype) t = cast(t, p.dtype);
  return [t, p];
}

export interface CrossentropyOptions {
  /** Whether yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Moves the targets towards the uniform distribution by this much (default 0). */
  labelSmoothing?: number;
  /** The class axis (default -1). */
  axis?: number;
}

function smoothing(op: string, options: CrossentropyOptions): number {
  const ls = options.labelSmoothing ?? 0;
  if (typeof ls !== "number" || !(ls >= 0 && ls <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be a number in [0, 1], got ${String(ls)}`);
  }
  return ls;
}

/** mean((yPred - yTrue)^2) over the last axis. */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = operands("meanSquaredError", yTrue, yPred);
  return reduceMean(squaredDifference(p, t), -1);
}

/** mean(|yPred - yTrue|) over the last axis. */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = operands("meanAbsoluteError", yTrue, yPred);
  return reduceMean(abs(sub(p, t)), -1);
}

/**
 * mean over `axis` of -(y log p + (1 - y) log(1 - p)), with p clipped to [eps, 1 - eps] (and
 * eps added inside the logs, as Keras does); from logits, the stable
 * sigmoidCrossEntropyWithLogits. Label smoothing: y -> y (1 - s) + s / 2.
 */
export function binaryCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CrossentropyOptions = {},
): Tensor {
  options = optionsArg("binaryCrossentropy", options);
  const op = "binaryCrossentropy";
  const [y, p] = operands(op, yTrue, yPred);
  const ls = smoothing(op, options);
  const t = ls > 0 ? add(mul(y, 1 - ls), 0.5 * ls) : y;
  const axis = options.axis ?? -1;
  if (options.fromLogits) return reduceMean(sigmoidCrossEntropyWithLogits(t, p), axis);
  const q = clipByValue(p, EPSILON, 1 - EPSILON);
  const ll = add(mul(t, log(add(q, EPSILON))), mul(sub(1, t), log(add(sub(1, q), EPSILON))));
  return mul(reduceMean(ll, axis), -1);
}

/**
 * -sum(y log p) over `axis`, with p normalized to sum to 1 and clipped to [eps, 1 - eps]; from
 * logits, softmaxCrossEntropyWithLogits. Label smoothing: y -> y (1 - s) + s / classes.
 */
export function categoricalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: CrossentropyOptions = {},
): Tensor {
  options = optionsArg("categoricalCrossentropy", options);
  const op = "categoricalCrossentropy";
  const [y, p] = operands(op, yTrue, yPred);
  if (p.rank === 0) {
    throw new InvalidArgumentError(`${op}: yPred must have a class axis, got ${describe(p)}`);
  }
  const axis = normalizeAxis(op, options.axis ?? -1, p.rank, p);
  const ls = smoothing(op, options);
  const t = ls > 0 ? add(mul(y, 1 - ls), ls / p.shape[axis]) : y;
  if (options.fromLogits) return softmaxCrossEntropyWithLogits(t, p, axis);
  const q = clipByValue(div(p, reduceSum(p, axis, true)), EPSILON, 1 - EPSILON);
  return mul(reduceSum(mul(t, log(q)), axis), -1);
}

/**
 * categoricalCrossentropy with integer class indices for targets: yTrue has yPred's shape less
 * the class axis (a trailing 1 is allowed). Probabilities are clipped to [eps, 1 - eps] and
 * their logs used as logits, as Keras does.
 */
export function sparseCategoricalCrossentropy(
  yTrue: TensorLike,
  yPred: TensorLike,
  options: Omit<CrossentropyOptions, "labelSmoothing"> = {},
): Tensor {
  options = optionsArg("sparseCategoricalCrossentropy", options);
  const op = "sparseCategoricalCrossentropy";
  let p = toTensor(yPred, op);
  if (!isFloating(p.dtype)) {
    throw new TypeError(`${op}: yPred must be float32 or float64, got ${describe(p)}`);
  }
  if (p.rank === 0) {
    throw new InvalidArgumentError(`${op}: yPred must have a class axis, got ${describe(p)}`);
  }
  const axis = normalizeAxis(op, options.axis ?? -1, p.rank, p);
  if (axis !== p.rank - 1) {
    // Move the class axis last.
    const perm = [...Array(p.rank).keys()].filter((i) => i !== axis).concat(axis);
    p = transpose(p, perm);
  }
  let labels = yTrue instanceof Tensor ? yTrue : toTensor(yTrue, op, "int32");
  if (labels.dtype !== "int32") labels = cast(labels, "int32");
  const outer = p.shape.slice(0, -1);
  if (labels.size !== sizeOf(outer)) {
    throw new InvalidArgumentError(
      `${op}: yTrue ${shapeMsg(labels.shape)} must hold one class index per row of yPred ${shapeMsg(p.shape)} (shape ${shapeMsg(outer)})`,
    );
  }
  const classes = p.shape[p.rank - 1];
  const logits = options.fromLogits ? p : log(clipByValue(p, EPSILON, 1 - EPSILON));
  const flat = sparseSoftmaxCrossEntropyWithLogits(
    reshape(labels, [-1]),
    reshape(logits, [-1, classes]),
  );
  return reshape(flat, outer);
}

/** Keras's short names. */
export const mse = meanSquaredError;
export const mae = meanAbsoluteError;

// ---------------------------------------------------------------------------------------------
// Classes

/** How a Loss reduces the per-sample losses. */
export type Reduction = "sum_over_batch_size" | "sumOverBatchSize" | "sum" | "none" | "auto";

export interface LossOptions {
  /** Default "sum_over_batch_size": the mean of the (weighted) per-sample losses. */
  reduction?: Reduction;
  name?: string;
}

const REDUCTIONS = new Set(["sumoverbatchsize", "sum", "none", "auto"]);

/**
 * Keras's remove_squeezable_dimensions: where yTrue and yPred differ in rank by one and the
 * longer ends in 1, that 1 goes ([N, 1] against [N] compares element by element).
 */
function matchRanks(t: Tensor, p: Tensor): [Tensor, Tensor] {
  if (t.rank === p.rank + 1 && t.shape[t.rank - 1] === 1) return [squeeze(t, -1), p];
  if (p.rank === t.rank + 1 && p.shape[p.rank - 1] === 1) return [t, squeeze(p, -1)];
  return [t, p];
}

export abstract class Loss {
  readonly name: string;
  readonly reduction: "sum_over_batch_size" | "sum" | "none";

  constructor(defaultName: string, options: LossOptions = {}) {
    options = optionsArg("Loss", options);
    const r = normalizeName(options.reduction ?? "auto");
    if (!REDUCTIONS.has(r)) {
      throw new RangeError(
        `${defaultName}: invalid reduction '${String(options.reduction)}' (expected "sum_over_batch_size", "sum" or "none")`,
      );
    }
    this.reduction = r === "sum" || r === "none" ? r : "sum_over_batch_size";
    this.name = options.name ?? defaultName;
  }

  /** The per-sample losses (what Keras's Loss.call gives). */
  abstract perSample(yTrue: TensorLike, yPred: TensorLike): Tensor;

  /**
   * The reduced loss (what calling a Keras loss object gives): by default
   * sum(losses * sampleWeight) / number of losses, a scalar.
   */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): Tensor {
    let losses = this.perSample(yTrue, yPred);
    if (sampleWeight !== undefined && sampleWeight !== null) {
      let w =
        sampleWeight instanceof Tensor
          ? sampleWeight
          : toTensor(sampleWeight, this.name, losses.dtype);
      if (w.dtype !== losses.dtype) w = cast(w, losses.dtype);
      // Weights [N, 1] against losses [N]: drop the 1; weights [N] against losses [N, T]: add 1s.
      if (w.rank === losses.rank + 1 && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
      while (w.rank < losses.rank && w.rank > 0) w = reshape(w, [...w.shape, 1]);
      try {
        losses = mul(losses, w);
      } catch (e) {
        throw new InvalidArgumentError(
          `${this.name}: sampleWeight ${shapeMsg(w.shape)} does not broadcast to the losses ${shapeMsg(losses.shape)} (${(e as Error).message})`,
        );
      }
    }
    if (this.reduction === "none") return losses;
    const total = reduceSum(losses);
    return this.reduction === "sum" ? total : div(total, Math.max(losses.size, 1));
  }
}

export class MeanSquaredError extends Loss {
  constructor(options: LossOptions = {}) {
    super("mean_squared_error", (options = optionsArg("MeanSquaredError", options)));
  }
  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const [t, p] = matchRanks(...operands(this.name, yTrue, yPred));
    return meanSquaredError(t, p);
  }
}

export class MeanAbsoluteError extends Loss {
  constructor(options: LossOptions = {}) {
    super("mean_absolute_error", (options = optionsArg("MeanAbsoluteError", options)));
  }
  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const [t, p] = matchRanks(...operands(this.name, yTrue, yPred));
    return meanAbsoluteError(t, p);
  }
}

export type CrossentropyLossOptions = LossOptions & CrossentropyOptions;

export class BinaryCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(options: CrossentropyLossOptions = {}) {
    super("binary_crossentropy", (options = optionsArg("BinaryCrossentropy", options)));
    this.fromLogits = options.fromLogits ?? false;
    this.labelSmoothing = smoothing("BinaryCrossentropy", options);
    this.axis = options.axis ?? -1;
  }
  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const [t, p] = matchRanks(...operands(this.name, yTrue, yPred));
    return binaryCrossentropy(t, p, this);
  }
}

export class CategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(options: CrossentropyLossOptions = {}) {
    super("categorical_crossentropy", (options = optionsArg("CategoricalCrossentropy", options)));
    this.fromLogits = options.fromLogits ?? false;
    this.labelSmoothing = smoothing("CategoricalCrossentropy", options);
    this.axis = options.axis ?? -1;
  }
  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    const [t, p] = matchRanks(...operands(this.name, yTrue, yPred));
    return categoricalCrossentropy(t, p, this);
  }
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly axis: number;
  constructor(options: LossOptions & Omit<CrossentropyOptions, "labelSmoothing"> = {}) {
    super(
      "sparse_categorical_crossentropy",
      (options = optionsArg("SparseCategoricalCrossentropy", options)),
    );
    this.fromLogits = options.fromLogits ?? false;
    this.axis = options.axis ?? -1;
  }
  perSample(yTrue: TensorLike, yPred: TensorLike): Tensor {
    return sparseCategoricalCrossentropy(yTrue, yPred, this);
  }
}

/** A loss function of (yTrue, yPred), per sample. */
export type LossFunction = (yTrue: TensorLike, yPred: TensorLike) => Tensor;

const NAMED: Record<string, LossFunction> = {
  mean_squared_error: meanSquaredError,
  mse: meanSquaredError,
  mean_absolute_error: meanAbsoluteError,
  mae: meanAbsoluteError,
  binary_crossentropy: (t, p) => binaryCrossentropy(t, p),
  categorical_crossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparse_categorical_crossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
};
const TABLE = new Map(Object.entries(NAMED).map(([k, fn]) => [normalizeName(k), fn]));

/** The loss function a name gives (`"mse"`, `"categoricalCrossentropy"`); a function as it is. */
export function get(identifier: string | LossFunction): LossFunction {
  if (typeof identifier === "function") return identifier;
  const fn = typeof identifier === "string" ? TABLE.get(normalizeName(identifier)) : undefined;
  if (fn === undefined) {
    throw new RangeError(
      `Unknown loss function: '${String(identifier)}' (expected a function or one of ${Object.keys(NAMED).join(", ")})`,
    );
  }
  return fn;
}
