/**
 * `tf.keras.regularizers`: penalties on a weight (or a layer's output) added to the loss.
 * A layer given `kernelRegularizer: new L2(0.01)` reports `l2 * sum(kernel^2)` in
 * `layer.losses`, computed from the current weights each time it is read, so under a tape it
 * is differentiable with respect to them.
 */
import { describeValue } from "../tensor/describe-value.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { describe } from "../ops/checks.js";
import { abs, add, fill, multiply, reduceSum, square, zeros } from "../ops/index.js";

/** Keras's `serialize_keras_object` form, as a layer config holds a regularizer. */
export interface SerializedRegularizer {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
}

/** The base class: `call(x)` gives the penalty of `x`, a scalar of x's dtype. */
export abstract class Regularizer {
  abstract call(x: Tensor): Tensor;
  /** The arguments, with Keras's snake_case names. */
  abstract getConfig(): Record<string, unknown>;
}

/** Keras's validate_float_arg: a finite number >= 0. */
function factor(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(
      `${op}: Invalid value for argument ${name}: expected a non-negative float. Received: ${name}=${String(v)}`,
    );
  }
  return v;
}

function checkInput(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor) || !isFloating(x.dtype)) {
    throw new TypeError(
      `${op}: expected a floating tensor, got ${x instanceof Tensor ? describe(x) : String(x)}`,
    );
  }
  return x;
}

/** `L1(l1 = 0.01)`: l1 * sum(|x|). */
export class L1 extends Regularizer {
  readonly l1: number;
  constructor(l1: number | null = 0.01) {
    super();
    this.l1 = factor("L1", "l1", l1 ?? 0.01);
  }
  call(x: Tensor): Tensor {
    return multiply(reduceSum(abs(checkInput("L1", x))), this.l1);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** `L2(l2 = 0.01)`: l2 * sum(x^2). */
export class L2 extends Regularizer {
  readonly l2: number;
  constructor(l2: number | null = 0.01) {
    super();
    this.l2 = factor("L2", "l2", l2 ?? 0.01);
  }
  call(x: Tensor): Tensor {
    return multiply(reduceSum(square(checkInput("L2", x))), this.l2);
  }
  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

export interface L1L2Options {
  /** Default 0 (the name "l1_l2" gives 0.01 for both, as Keras). */
  l1?: number | null;
  /** Default 0. */
  l2?: number | null;
}

/**
 * `L1L2({l1, l2})`: l1 * sum(|x|) + l2 * sum(x^2). Keras 3's class defaults are 0 for both (so
 * `L1L2({l2: 0.1})` is an L2 penalty only); `get("l1_l2")` gives 0.01 and 0.01.
 */
export class L1L2 extends Regularizer {
  readonly l1: number;
  readonly l2: number;
  constructor(options: L1L2Options = {}) {
    super();
    if (options === null || typeof options !== "object") {
      throw new TypeError(`L1L2: expected an options object {l1, l2}, got ${String(options)}`);
    }
    for (const k of Object.keys(options)) {
      if (k !== "l1" && k !== "l2")
        throw new TypeError(`L1L2: unknown option '${k}' (known: l1, l2)`);
    }
    this.l1 = factor("L1L2", "l1", options.l1 ?? 0);
    this.l2 = factor("L1L2", "l2", options.l2 ?? 0);
  }
  call(x: Tensor): Tensor {
    const t = checkInput("L1L2", x);
    let r = zeros([], t.dtype);
    if (this.l1 !== 0) r = add(r, multiply(reduceSum(abs(t)), this.l1));
    if (this.l2 !== 0) r = add(r, multiply(reduceSum(square(t)), this.l2));
    return r;
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** A function of the weight used as a regularizer (Keras accepts any callable). */
class FunctionRegularizer extends Regularizer {
  constructor(readonly fn: (x: Tensor) => Tensor | number) {
    super();
  }
  call(x: Tensor): Tensor {
    const r = this.fn(x);
    if (typeof r === "number") return fill([], r, x.dtype);
    if (!(r instanceof Tensor) || r.size !== 1) {
      throw new TypeError(
        `regularizer: a regularizer function must give a scalar, got ${r instanceof Tensor ? describe(r) : String(r)}`,
      );
    }
    return r;
  }
  getConfig(): Record<string, unknown> {
    throw new TypeError("regularizer: a function regularizer has no config");
  }
}

/** What a regularizer option takes: an object, a name ("l1", "l2", "l1_l2"), a function, or none. */
export type RegularizerIdentifier =
  Regularizer | string | ((x: Tensor) => Tensor | number) | null | undefined;

const NAMES: Record<string, () => Regularizer> = {
  l1: () => new L1(),
  l2: () => new L2(),
  l1_l2: () => new L1L2({ l1: 0.01, l2: 0.01 }),
  L1: () => new L1(),
  L2: () => new L2(),
  L1L2: () => new L1L2(),
};

/**
 * `tf.keras.regularizers.get`: null/undefined give null, a Regularizer itself, a name a new one
 * with Keras's defaults (l1 and l2 0.01; "l1_l2" both 0.01), a function is wrapped, and a
 * Keras config `{class_name, config}` is rebuilt.
 */
export function get(
  identifier: RegularizerIdentifier | { class_name: string; config?: Record<string, unknown> },
): Regularizer | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Regularizer) return identifier;
  if (typeof identifier === "function") return new FunctionRegularizer(identifier);
  if (typeof identifier === "string") {
    const make = NAMES[identifier];
    if (make === undefined) {
      throw new TypeError(
        `regularizers.get: Could not interpret regularizer identifier: ${JSON.stringify(identifier)} (known: l1, l2, l1_l2, L1, L2, L1L2)`,
      );
    }
    return make();
  }
  if (typeof identifier === "object" && typeof identifier.class_name === "string") {
    const c = identifier.config ?? {};
    switch (identifier.class_name) {
      case "L1":
        return new L1(c.l1 as number);
      case "L2":
        return new L2(c.l2 as number);
      case "L1L2":
        return new L1L2({ l1: c.l1 as number, l2: c.l2 as number });
    }
  }
  throw new TypeError(
    `regularizers.get: Could not interpret regularizer identifier: ${String(identifier)}`,
  );
}

/** Keras's serialized form of a built-in regularizer (for a layer's config). */
export function serialize(r: Regularizer): SerializedRegularizer {
  if (!(r instanceof Regularizer)) {
    throw new TypeError(
      `keras.regularizers.serialize: expected a Regularizer, got ${describeValue(r)}`,
    );
  }
  return {
    module: "keras.regularizers",
    class_name: r.constructor.name,
    config: r.getConfig(),
    registered_name: null,
  };
}
