/**
 * The arguments every optimizer takes (learning rate, clipping, weight decay), their checks,
 * and Keras 3's gradient clipping.
 */
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import {
  add,
  cast,
  clipByValue,
  divide,
  maximum,
  minimum,
  multiply,
  reduceSum,
  sqrt,
  square,
  subtract,
} from "../../ops/index.js";
import { LearningRateSchedule as ScheduleObject } from "./schedules.js";

/**
 * A learning-rate function: the rate for a step, given the step (the updates applied before
 * this one: 0 on the first) as a float32 scalar tensor, as a number or a floating scalar
 * tensor. Written with tensor ops, it follows the step inside a traced tf.function too:
 * `(step) => tf.multiply(0.1, tf.pow(0.5, step.div(100)))`. The schedule objects of
 * `tf.keras.optimizers.schedules` are the other kind of schedule.
 */
export type LearningRateSchedule = (step: Tensor) => Tensor | number;

/** A learning rate: a number, a function of the step, or a schedule object. */
export type LearningRate = number | LearningRateSchedule | ScheduleObject;

/**
 * A gradient and the variable it updates; null gradients are skipped (with a warning). The
 * loose array form lets `grads.map((g, i) => [g, vars[i]])` type-check without `as const`
 * (a Variable is a Tensor); the second element is checked to be a Variable when applied.
 */
export type GradientPair =
  readonly [Tensor | null | undefined, Variable] | readonly (Tensor | null | undefined)[];

/** What every optimizer takes (Keras 3's base_optimizer arguments). */
export interface OptimizerOptions {
  learningRate?: LearningRate;
  name?: string;
  /**
   * Decoupled weight decay, as Keras 3 applies it on every optimizer: before each update,
   * w <- w - w * weightDecay * lr (after clipping). Default none (AdamW: 0.004).
   */
  weightDecay?: number | null;
  /** Clip each gradient to this L2 norm: g * clipnorm / max(||g||, clipnorm). */
  clipnorm?: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /**
   * Clip all the gradients of one update together: each times
   * globalClipnorm * min(1 / globalNorm, 1 / globalClipnorm), where globalNorm is the L2 norm
   * of all of them (NaN everywhere if that norm is not finite, as Keras).
   */
  globalClipnorm?: number | null;
}

const BASE_KEYS = [
  "learningRate",
  "name",
  "weightDecay",
  "clipnorm",
  "clipvalue",
  "globalClipnorm",
];

/**
 * An optimizer's arguments: Keras's first positional parameter is the learning rate
 * (`SGD(0.1)`, `Adam(1e-3, {beta1: 0.8})`), so a number or a schedule may come first and the
 * other options after it; or a single options object. Unknown option names throw, as Keras's
 * "Argument(s) not recognized".
 */
export function resolveOptions<O extends OptimizerOptions>(
  op: string,
  first: LearningRate | O | undefined,
  rest: O | undefined,
  keys: readonly string[] = [],
): O {
  let options: O;
  if (typeof first === "number" || typeof first === "function" || first instanceof ScheduleObject) {
    if (rest?.learningRate !== undefined) {
      throw new TypeError(`${op}: the learning rate is given twice, as an argument and in options`);
    }
    options = { ...(rest ?? ({} as O)), learningRate: first };
  } else {
    if (first !== undefined && (first === null || typeof first !== "object")) {
      throw new TypeError(
        `${op}: expected a learning rate or an options object, got ${first === null ? "null" : typeof first}`,
      );
    }
    if (first !== undefined && rest !== undefined) {
      throw new TypeError(`${op}: options come either first or after the learning rate, not both`);
    }
    options = first ?? rest ?? ({} as O);
  }
  if (rest !== undefined && (rest === null || typeof rest !== "object")) {
    throw new TypeError(`${op}: options must be an object, got ${String(rest)}`);
  }
  const known = [...BASE_KEYS, ...keys];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new TypeError(`${op}: Argument(s) not recognized: '${k}' (known: ${known.join(", ")})`);
    }
  }
  return options;
}

/** A number in [min, max], or a RangeError naming the optimizer and the argument. */
export function checkRate(
  op: string,
  name: string,
  v: unknown,
  min: number,
  max = Infinity,
): number {
  if (typeof v !== "number" || !(v >= min && v <= max)) {
    throw new RangeError(`${op}: ${name} must be a number in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** null/undefined, or a positive finite number. */
export function optionalPositive(op: string, name: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`${op}: ${name} must be a positive number (or null), got ${String(v)}`);
  }
  return v;
}

export function isRate(x: unknown): x is LearningRate {
  return typeof x === "number" || typeof x === "function" || x instanceof ScheduleObject;
}

/** The clipping settings of an optimizer. */
export interface ClipSettings {
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
}

/** Keras's _clip_gradients: clipnorm per gradient, else globalClipnorm, else clipvalue. */
export function clipGradients(c: ClipSettings, grads: Tensor[]): Tensor[] {
  const clipnorm = c.clipnorm;
  if (clipnorm !== null) {
    return grads.map((g) => {
      // g * c / max(||g||, c): unchanged when ||g|| <= c.
      return divide(multiply(g, clipnorm), maximum(sqrt(reduceSum(square(g))), clipnorm));
    });
  }
  const globalClipnorm = c.globalClipnorm;
  if (globalClipnorm !== null) {
    const wide: DType = grads.some((g) => g.dtype === "float64") ? "float64" : "float32";
    let sq: Tensor | null = null;
    for (const g of grads) {
      const s = cast(reduceSum(square(g)), wide);
      sq = sq === null ? s : add(sq, s);
    }
    const norm = sqrt(sq as Tensor);
    // c * min(1 / norm, 1 / c), plus (norm - norm): NaN when the norm is inf or NaN.
    const scale = add(
      multiply(globalClipnorm, minimum(divide(1, norm), 1 / globalClipnorm)),
      subtract(norm, norm),
    );
    return grads.map((g) => multiply(g, cast(scale, g.dtype)));
  }
  const clipvalue = c.clipvalue;
  if (clipvalue !== null) return grads.map((g) => clipByValue(g, -clipvalue, clipvalue));
  return grads;
}
