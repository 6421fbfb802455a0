/**
 * `tf.keras.optimizers.schedules`: Keras 3's learning-rate schedules. Each is an object whose
 * `call(step)` gives the rate for a step (a number or a scalar tensor; the updates applied
 * before this one) as a float32 scalar tensor, computed with tensor ops so that a training step
 * traced by tf.function follows the optimizer's step count when the graph runs. Pass one as an
 * optimizer's `learningRate`; the optimizer calls it with its `iterations` variable.
 */
import { describeValue } from "../../tensor/describe-value.js";
import { Tensor } from "../../tensor/tensor.js";
import { describe } from "../../ops/checks.js";
import {
  add,
  cast,
  ceil,
  constant,
  cos,
  divide,
  equal,
  floor,
  greater,
  less,
  lessEqual,
  logicalAnd,
  minimum,
  multiply,
  pow,
  subtract,
  where,
} from "../../ops/index.js";

/** Keras's `serialize_keras_object` form of a schedule, as an optimizer config holds it. */
export interface SerializedSchedule {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: null;
}

/** The base class: subclasses give `call(step)` and `getConfig()`. */
export abstract class LearningRateSchedule {
  /** The learning rate at `step` (0 on the first update), a float32 scalar tensor. */
  abstract call(step: Tensor | number): Tensor;

  /** The constructor arguments, with Keras's snake_case names (what Keras's get_config gives). */
  abstract getConfig(): Record<string, unknown>;

  /** The step as a float32 scalar; a number or any real scalar tensor is accepted. */
  protected stepTensor(step: Tensor | number): Tensor {
    const op = `${this.constructor.name}.call`;
    if (typeof step === "number") {
      if (!Number.isFinite(step)) throw new RangeError(`${op}: step must be finite, got ${step}`);
      return constant(step, "float32");
    }
    if (
      !(step instanceof Tensor) ||
      step.size !== 1 ||
      step.dtype === "bool" ||
      step.dtype === "string"
    ) {
      throw new TypeError(
        `${op}: step must be a number or a numeric scalar tensor, got ${step instanceof Tensor ? describe(step) : String(step)}`,
      );
    }
    return cast(step, "float32");
  }
}

/** A serialized schedule, as Keras writes it in an optimizer's config. */
export function serialize(schedule: LearningRateSchedule): SerializedSchedule {
  if (!(schedule instanceof LearningRateSchedule)) {
    throw new TypeError(
      `keras.optimizers.schedules.serialize: expected a LearningRateSchedule, got ${describeValue(schedule)}`,
    );
  }
  return {
    module: "keras.optimizers.schedules",
    class_name: schedule.constructor.name,
    config: schedule.getConfig(),
    registered_name: null,
  };
}

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`${op}: Argument \`${name}\` must be > 0. Received: ${name}=${String(v)}`);
  }
  return v;
}

function checkOptions(op: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${op}: options must be an object, got ${String(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new TypeError(`${op}: unknown option '${k}' (known: ${known.join(", ")})`);
    }
  }
}

export interface ExponentialDecayOptions {
  /** Decay in whole periods: floor(step / decaySteps) (default false). */
  staircase?: boolean;
  name?: string;
}

/**
 * The schedules of the form lr = f(initialLearningRate, decayRate, p) with p = step / decaySteps,
 * floored with staircase: they share their arguments, checks and config.
 */
abstract class PeriodDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(
    op: string,
    initialLearningRate: number,
    decaySteps: number,
    decayRate: number,
    options: ExponentialDecayOptions,
  ) {
    super();
    checkOptions(op, options, ["staircase", "name"]);
    this.initialLearningRate = finite(op, "initialLearningRate", initialLearningRate);
    this.decaySteps = positive(op, "decaySteps", decaySteps);
    this.decayRate = finite(op, "decayRate", decayRate);
    this.staircase = options.staircase ?? false;
    this.name = options.name ?? op;
  }

  /** The rate at p = step / decaySteps (already floored with staircase). */
  protected abstract rate(p: Tensor): Tensor;

  call(step: Tensor | number): Tensor {
    const p = divide(this.stepTensor(step), this.decaySteps);
    return this.rate(this.staircase ? floor(p) : p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/**
 * `ExponentialDecay(initialLearningRate, decaySteps, decayRate, {staircase})`:
 * lr(step) = initialLearningRate * decayRate^(step / decaySteps), the exponent floored with
 * staircase.
 */
export class ExponentialDecay extends PeriodDecay {
  constructor(
    initialLearningRate: number,
    decaySteps: number,
    decayRate: number,
    options: ExponentialDecayOptions = {},
  ) {
    super("ExponentialDecay", initialLearningRate, decaySteps, decayRate, options);
  }

  protected rate(p: Tensor): Tensor {
    return multiply(constant(this.initialLearningRate, "float32"), pow(this.decayRate, p));
  }
}

export interface PiecewiseConstantDecayOptions {
  name?: string;
}

/**
 * `PiecewiseConstantDecay(boundaries, values)`: values[0] while step <= boundaries[0],
 * values[i] while boundaries[i-1] < step <= boundaries[i], values[n] after the last boundary.
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: readonly number[];
  readonly values: readonly number[];
  readonly name: string;

  constructor(
    boundaries: readonly number[],
    values: readonly number[],
    options: PiecewiseConstantDecayOptions = {},
  ) {
    super();
    const op = "PiecewiseConstantDecay";
    checkOptions(op, options, ["name"]);
    if (!Array.isArray(boundaries) || !Array.isArray(values)) {
      throw new TypeError(`${op}: boundaries and values must be arrays of numbers`);
    }
    if (boundaries.length !== values.length - 1) {
      throw new RangeError(
        `${op}: The length of boundaries should be 1 less than the length of values. Received: boundaries=[${boundaries.join(", ")}] of length ${boundaries.length}, and values=[${values.join(", ")}] of length ${values.length}.`,
      );
    }
    boundaries.forEach((b, i) => finite(op, `boundaries[${i}]`, b));
    values.forEach((v, i) => finite(op, `values[${i}]`, v));
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i] > boundaries[i - 1])) {
        throw new RangeError(
          `${op}: boundaries must be strictly increasing, got [${boundaries.join(", ")}]`,
        );
      }
    }
    this.boundaries = boundaries.slice();
    this.values = values.slice();
    this.name = options.name ?? "PiecewiseConstant";
  }

  call(step: Tensor | number): Tensor {
    const s = this.stepTensor(step);
    const b = this.boundaries;
    const v = this.values;
    if (b.length === 0) return constant(v[0], "float32");
    // The sum of value * [step in interval] over the intervals, as Keras computes it.
    const inRange = (c: Tensor, value: number) => multiply(cast(c, "float32"), value);
    let out = add(
      inRange(lessEqual(s, b[0]), v[0]),
      inRange(greater(s, b[b.length - 1]), v[v.length - 1]),
    );
    for (let i = 1; i < b.length; i++) {
      out = add(out, inRange(logicalAnd(greater(s, b[i - 1]), lessEqual(s, b[i])), v[i]));
    }
    return out;
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: this.boundaries.slice(), values: this.values.slice(), name: this.name };
  }
}

export interface PolynomialDecayOptions {
  /** The rate reached after decaySteps (default 1e-4). */
  endLearningRate?: number;
  /** Default 1: linear. */
  power?: number;
  /** Restart after decaySteps, with the period stretched to the first multiple past the step. */
  cycle?: boolean;
  name?: string;
}

/**
 * `PolynomialDecay(initialLearningRate, decaySteps, {endLearningRate, power, cycle})`:
 * lr = (initial - end) (1 - s / D)^power + end, with s = min(step, decaySteps) and
 * D = decaySteps; with cycle, s = step and D = decaySteps * ceil(step / decaySteps) (1 at 0).
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  readonly name: string;

  constructor(
    initialLearningRate: number,
    decaySteps: number,
    options: PolynomialDecayOptions = {},
  ) {
    super();
    const op = "PolynomialDecay";
    checkOptions(op, options, ["endLearningRate", "power", "cycle", "name"]);
    this.initialLearningRate = finite(op, "initialLearningRate", initialLearningRate);
    this.decaySteps = positive(op, "decaySteps", decaySteps);
    this.endLearningRate = finite(op, "endLearningRate", options.endLearningRate ?? 1e-4);
    this.power = finite(op, "power", options.power ?? 1);
    this.cycle = options.cycle ?? false;
    this.name = options.name ?? op;
  }

  call(step: Tensor | number): Tensor {
    let s = this.stepTensor(step);
    let d: Tensor | number = this.decaySteps;
    if (this.cycle) {
      const multiplier = where(equal(s, 0), constant(1, "float32"), ceil(divide(s, d)));
      d = multiply(d, multiplier);
    } else {
      s = minimum(s, d);
    }
    const p = divide(s, d);
    return add(
      multiply(this.initialLearningRate - this.endLearningRate, pow(subtract(1, p), this.power)),
      this.endLearningRate,
    );
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      end_learning_rate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

export type InverseTimeDecayOptions = ExponentialDecayOptions;

/**
 * `InverseTimeDecay(initialLearningRate, decaySteps, decayRate, {staircase})`:
 * lr = initialLearningRate / (1 + decayRate * step / decaySteps), the ratio floored with
 * staircase.
 */
export class InverseTimeDecay extends PeriodDecay {
  constructor(
    initialLearningRate: number,
    decaySteps: number,
    decayRate: number,
    options: InverseTimeDecayOptions = {},
  ) {
    super("InverseTimeDecay", initialLearningRate, decaySteps, decayRate, options);
  }

  protected rate(p: Tensor): Tensor {
    return divide(
      constant(this.initialLearningRate, "float32"),
      add(1, multiply(this.decayRate, p)),
    );
  }
}

export interface CosineDecayOptions {
  /** The final rate as a fraction of the rate the decay starts from (default 0). */
  alpha?: number;
  /** Warm up linearly from initialLearningRate to this rate first (default null: no warmup). */
  warmupTarget?: number | null;
  /** The length of the warmup (default 0). */
  warmupSteps?: number;
  name?: string;
}

/**
 * `CosineDecay(initialLearningRate, decaySteps, {alpha, warmupTarget, warmupSteps})`, Keras 3's:
 * without warmup, with s = min(step, decaySteps),
 *   lr = initial * ((1 - alpha) * 0.5 (1 + cos(pi s / decaySteps)) + alpha);
 * with a warmupTarget, s = min(step, decaySteps + warmupSteps); while s < warmupSteps,
 *   lr = initial + (warmupTarget - initial) s / warmupSteps,
 * and after it the decay above from warmupTarget at step s - warmupSteps.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  readonly name: string;

  constructor(initialLearningRate: number, decaySteps: number, options: CosineDecayOptions = {}) {
    super();
    const op = "CosineDecay";
    checkOptions(op, options, ["alpha", "warmupTarget", "warmupSteps", "name"]);
    this.initialLearningRate = finite(op, "initialLearningRate", initialLearningRate);
    this.decaySteps = positive(op, "decaySteps", decaySteps);
    this.alpha = finite(op, "alpha", options.alpha ?? 0);
    const target = options.warmupTarget ?? null;
    this.warmupTarget = target === null ? null : finite(op, "warmupTarget", target);
    const warmupSteps = options.warmupSteps ?? 0;
    if (typeof warmupSteps !== "number" || !(warmupSteps >= 0) || !Number.isFinite(warmupSteps)) {
      throw new RangeError(`${op}: warmupSteps must be a number >= 0, got ${String(warmupSteps)}`);
    }
    this.warmupSteps = warmupSteps;
    this.name = options.name ?? op;
  }

  /** from * ((1 - alpha) * 0.5 (1 + cos(pi s / decaySteps)) + alpha). */
  private decay(s: Tensor, from: number): Tensor {
    const cosine = multiply(0.5, add(1, cos(multiply(Math.PI, divide(s, this.decaySteps)))));
    return multiply(from, add(multiply(1 - this.alpha, cosine), this.alpha));
  }

  call(step: Tensor | number): Tensor {
    const s = this.stepTensor(step);
    const target = this.warmupTarget;
    if (target === null) return this.decay(minimum(s, this.decaySteps), this.initialLearningRate);
    const w = this.warmupSteps;
    const sc = minimum(s, this.decaySteps + w);
    const decayed = this.decay(subtract(sc, w), target);
    if (w === 0) return decayed;
    const warm = add(
      multiply(target - this.initialLearningRate, divide(sc, w)),
      this.initialLearningRate,
    );
    return where(less(sc, w), warm, decayed);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmup_target: this.warmupTarget,
      warmup_steps: this.warmupSteps,
    };
  }
}

/** A schedule from Keras's serialized form `{class_name, config}` (snake_case arguments). */
export function deserialize(serialized: {
  class_name: string;
  config: Record<string, unknown>;
}): LearningRateSchedule {
  if (
    serialized === null ||
    typeof serialized !== "object" ||
    typeof serialized.class_name !== "string" ||
    serialized.config === null ||
    typeof serialized.config !== "object"
  ) {
    throw new TypeError(
      `schedules.deserialize: expected {class_name, config}, got ${JSON.stringify(serialized)}`,
    );
  }
  const c = serialized.config;
  const num = (k: string) => c[k] as number;
  const name = c.name === undefined ? {} : { name: c.name as string };
  switch (serialized.class_name) {
    case "ExponentialDecay":
      return new ExponentialDecay(
        num("initial_learning_rate"),
        num("decay_steps"),
        num("decay_rate"),
        {
          staircase: c.staircase as boolean | undefined,
          ...name,
        },
      );
    case "PiecewiseConstantDecay":
      return new PiecewiseConstantDecay(c.boundaries as number[], c.values as number[], name);
    case "PolynomialDecay":
      return new PolynomialDecay(num("initial_learning_rate"), num("decay_steps"), {
        endLearningRate: c.end_learning_rate as number | undefined,
        power: c.power as number | undefined,
        cycle: c.cycle as boolean | undefined,
        ...name,
      });
    case "InverseTimeDecay":
      return new InverseTimeDecay(
        num("initial_learning_rate"),
        num("decay_steps"),
        num("decay_rate"),
        {
          staircase: c.staircase as boolean | undefined,
          ...name,
        },
      );
    case "CosineDecay":
      return new CosineDecay(num("initial_learning_rate"), num("decay_steps"), {
        alpha: c.alpha as number | undefined,
        warmupTarget: c.warmup_target as number | null | undefined,
        warmupSteps: c.warmup_steps as number | undefined,
        ...name,
      });
  }
  throw new TypeError(
    `schedules.deserialize: unknown schedule class '${serialized.class_name}' (known: ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay)`,
  );
}
