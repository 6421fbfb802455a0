/**
 * `tf.keras.constraints`: projections of a weight applied by the optimizer after each update
 * (Keras 3: `variable.assign(variable.constraint(variable))` in the optimizer), as a layer's
 * `kernelConstraint: new MaxNorm(2)` sets them. The norms are L2 norms along `axis` (default
 * 0: for a Dense kernel [in, units], each unit's incoming weights), with Keras's epsilon 1e-7
 * in the denominators.
 */
import { describeValue } from "../tensor/describe-value.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { describe } from "../ops/checks.js";
import {
  add,
  cast,
  clipByValue,
  divide,
  greaterEqual,
  multiply,
  reduceSum,
  sqrt,
  square,
} from "../ops/index.js";

/** Keras's backend.epsilon(). */
const EPSILON = 1e-7;

/** The base class: `call(w)` gives the projected value. */
export abstract class Constraint {
  abstract call(w: Tensor): Tensor;
  /** The arguments, with Keras's snake_case names. */
  abstract getConfig(): Record<string, unknown>;
}

function checkWeight(op: string, w: unknown): Tensor {
  if (!(w instanceof Tensor) || !isFloating(w.dtype)) {
    throw new TypeError(
      `${op}: expected a floating weight, got ${w instanceof Tensor ? describe(w) : String(w)}`,
    );
  }
  return w;
}

function checkAxis(op: string, axis: unknown): number | number[] {
  const ok = (a: unknown) => typeof a === "number" && Number.isInteger(a);
  if (ok(axis)) return axis as number;
  if (Array.isArray(axis) && axis.every(ok)) return axis.slice() as number[];
  throw new TypeError(
    `${op}: axis must be an integer or an array of integers, got ${String(axis)}`,
  );
}

/** The L2 norms of `w` along `axis`, kept as size-1 dimensions; the axis is checked first. */
function norms(op: string, w: Tensor, axis: number | number[]): Tensor {
  const axes = typeof axis === "number" ? [axis] : axis;
  for (const a of axes) {
    if (a < -Math.max(w.rank, 1) || a >= Math.max(w.rank, 1)) {
      throw new RangeError(
        `${op}: axis ${a} is out of range for a weight of rank ${w.rank} (shape [${w.shape.join(", ")}])`,
      );
    }
  }
  if (w.rank === 0) return sqrt(square(w));
  return sqrt(reduceSum(square(w), axes, true));
}

function nonNegative(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}

function checkKeys(op: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${op}: options must be an object, got ${String(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k))
      throw new TypeError(`${op}: unknown option '${k}' (known: ${known.join(", ")})`);
  }
}

export interface MaxNormOptions {
  /** The largest norm allowed (default 2). */
  maxValue?: number;
  /** The axis (or axes) the norms run along (default 0). */
  axis?: number | number[];
}

/** `MaxNorm(maxValue = 2, {axis = 0})`: w * clip(n, 0, maxValue) / (epsilon + n), n the norms. */
export class MaxNorm extends Constraint {
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(maxValue: number | MaxNormOptions = 2, options: MaxNormOptions = {}) {
    super();
    const o = typeof maxValue === "object" ? maxValue : { ...options, maxValue };
    checkKeys("MaxNorm", o, ["maxValue", "axis"]);
    this.maxValue = nonNegative("MaxNorm", "maxValue", o.maxValue ?? 2);
    this.axis = checkAxis("MaxNorm", o.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    const t = checkWeight("MaxNorm", w);
    const n = norms("MaxNorm", t, this.axis);
    const desired = clipByValue(n, 0, this.maxValue);
    return multiply(t, divide(desired, add(n, EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { max_value: this.maxValue, axis: this.axis };
  }
}

/** `NonNeg()`: negative entries set to 0, w * (w >= 0). */
export class NonNeg extends Constraint {
  call(w: Tensor): Tensor {
    const t = checkWeight("NonNeg", w);
    return multiply(t, cast(greaterEqual(t, 0), t.dtype));
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface UnitNormOptions {
  /** Default 0. */
  axis?: number | number[];
}

/** `UnitNorm({axis = 0})`: w / (epsilon + n), unit norms along the axis. */
export class UnitNorm extends Constraint {
  readonly axis: number | number[];
  constructor(options: UnitNormOptions = {}) {
    super();
    checkKeys("UnitNorm", options, ["axis"]);
    this.axis = checkAxis("UnitNorm", options.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    const t = checkWeight("UnitNorm", w);
    return divide(t, add(norms("UnitNorm", t, this.axis), EPSILON));
  }
  getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

export interface MinMaxNormOptions {
  /** Default 0. */
  minValue?: number;
  /** Default 1. */
  maxValue?: number;
  /** How far to move towards the clipped norm: 1 all the way (default), 0 not at all. */
  rate?: number;
  /** Default 0. */
  axis?: number | number[];
}

/**
 * `MinMaxNorm({minValue = 0, maxValue = 1, rate = 1, axis = 0})`: with n the norms,
 * d = rate * clip(n, minValue, maxValue) + (1 - rate) * n, and w * d / (epsilon + n).
 */
export class MinMaxNorm extends Constraint {
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(options: MinMaxNormOptions = {}) {
    super();
    checkKeys("MinMaxNorm", options, ["minValue", "maxValue", "rate", "axis"]);
    this.minValue = nonNegative("MinMaxNorm", "minValue", options.minValue ?? 0);
    this.maxValue = nonNegative("MinMaxNorm", "maxValue", options.maxValue ?? 1);
    if (this.minValue > this.maxValue) {
      throw new RangeError(
        `MinMaxNorm: minValue (${this.minValue}) must not exceed maxValue (${this.maxValue})`,
      );
    }
    this.rate = nonNegative("MinMaxNorm", "rate", options.rate ?? 1);
    this.axis = checkAxis("MinMaxNorm", options.axis ?? 0);
  }
  call(w: Tensor): Tensor {
    const t = checkWeight("MinMaxNorm", w);
    const n = norms("MinMaxNorm", t, this.axis);
    const desired = add(
      multiply(clipByValue(n, this.minValue, this.maxValue), this.rate),
      multiply(n, 1 - this.rate),
    );
    return multiply(t, divide(desired, add(n, EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { min_value: this.minValue, max_value: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

/** A function of the weight used as a constraint. */
class FunctionConstraint extends Constraint {
  constructor(readonly fn: (w: Tensor) => Tensor) {
    super();
  }
  call(w: Tensor): Tensor {
    return this.fn(w);
  }
  getConfig(): Record<string, unknown> {
    throw new TypeError("constraint: a function constraint has no config");
  }
}

/** What a constraint option takes: an object, a name ("max_norm", "non_neg", ...), a function or none. */
export type ConstraintIdentifier = Constraint | string | ((w: Tensor) => Tensor) | null | undefined;

const NAMES: Record<string, () => Constraint> = {
  max_norm: () => new MaxNorm(),
  non_neg: () => new NonNeg(),
  unit_norm: () => new UnitNorm(),
  min_max_norm: () => new MinMaxNorm(),
  MaxNorm: () => new MaxNorm(),
  NonNeg: () => new NonNeg(),
  UnitNorm: () => new UnitNorm(),
  MinMaxNorm: () => new MinMaxNorm(),
};

/**
 * `tf.keras.constraints.get`: null/undefined give null, a Constraint itself, a name a new one
 * with Keras's defaults, a function is wrapped, a Keras config `{class_name, config}` rebuilt.
 */
export function get(
  identifier: ConstraintIdentifier | { class_name: string; config?: Record<string, unknown> },
): Constraint | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Constraint) return identifier;
  if (typeof identifier === "function") return new FunctionConstraint(identifier);
  if (typeof identifier === "string") {
    const make = NAMES[identifier];
    if (make === undefined) {
      throw new TypeError(
        `constraints.get: Could not interpret constraint identifier: ${JSON.stringify(identifier)} (known: ${Object.keys(NAMES).join(", ")})`,
      );
    }
    return make();
  }
  if (typeof identifier === "object" && typeof identifier.class_name === "string") {
    const c = identifier.config ?? {};
    const axis = c.axis as number | number[] | undefined;
    switch (identifier.class_name) {
      case "MaxNorm":
        return new MaxNorm({ maxValue: c.max_value as number, axis });
      case "NonNeg":
        return new NonNeg();
      case "UnitNorm":
        return new UnitNorm({ axis });
      case "MinMaxNorm":
        return new MinMaxNorm({
          minValue: c.min_value as number,
          maxValue: c.max_value as number,
          rate: c.rate as number,
          axis,
        });
    }
  }
  throw new TypeError(
    `constraints.get: Could not interpret constraint identifier: ${String(identifier)}`,
  );
}

/** Keras's serialized form of a built-in constraint (for a layer's config). */
export function serialize(c: Constraint): {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: null;
} {
  if (!(c instanceof Constraint)) {
    throw new TypeError(
      `keras.constraints.serialize: expected a Constraint, got ${describeValue(c)}`,
    );
  }
  return {
    module: "keras.constraints",
    class_name: c.constructor.name,
    config: c.getConfig(),
    registered_name: null,
  };
}
