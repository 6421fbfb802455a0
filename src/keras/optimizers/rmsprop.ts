/** `tf.keras.optimizers.RMSprop` and `Adagrad`: per-element rates from squared-gradient sums. */
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { add, divide, multiply, sqrt, square, subtract } from "../../ops/index.js";
import {
  checkRate,
  type LearningRate,
  Optimizer,
  type OptimizerOptions,
  resolveOptions,
} from "./base.js";

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: LearningRate;
  /** Decay of the mean square (default 0.9). */
  rho?: number;
  /** Default 0: no momentum slot. */
  momentum?: number;
  /** Default 1e-7. */
  epsilon?: number;
  /** Divide by an estimate of the variance instead of the mean square (default false). */
  centered?: boolean;
}

/**
 * RMSprop, Keras's rule: s <- rho s + (1 - rho) g^2; centered, also a <- rho a + (1 - rho) g
 * and d = s - a^2 + epsilon, else d = s + epsilon; inc = lr g / sqrt(d); with momentum mu,
 * p <- mu p + inc and w <- w - p, else w <- w - inc. Slots: velocity for every variable, then
 * momentum for every variable (momentum > 0), then average_gradient (centered).
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(learningRate?: LearningRate | RMSpropOptions, moreOptions?: RMSpropOptions) {
    const options = resolveOptions("RMSprop", learningRate, moreOptions, [
      "rho",
      "momentum",
      "epsilon",
      "centered",
    ]);
    super("rmsprop", options, 0.001);
    this.rho = checkRate("RMSprop", "rho", options.rho ?? 0.9, 0, 1);
    this.momentum = checkRate("RMSprop", "momentum", options.momentum ?? 0, 0, 1);
    this.epsilon = checkRate("RMSprop", "epsilon", options.epsilon ?? 1e-7, 0);
    this.centered = options.centered ?? false;
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    this.addSlots(vars, ["velocity"]);
    if (this.momentum > 0) this.addSlots(vars, ["momentum"]);
    if (this.centered) this.addSlots(vars, ["average_gradient"]);
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const rho = this.rho;
    const s = this.getSlot(v, "velocity");
    s.assign(add(multiply(s, rho), multiply(square(g), 1 - rho)));
    let denominator: Tensor;
    if (this.centered) {
      const a = this.getSlot(v, "average_gradient");
      a.assign(add(multiply(a, rho), multiply(g, 1 - rho)));
      denominator = add(subtract(s, square(a)), this.epsilon);
    } else {
      denominator = add(s, this.epsilon);
    }
    const increment = divide(multiply(g, lr), sqrt(denominator));
    if (this.momentum > 0) {
      const p = this.getSlot(v, "momentum");
      p.assign(add(multiply(p, this.momentum), increment));
      v.assignSub(p);
    } else {
      v.assignSub(increment);
    }
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }
}

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: LearningRate;
  /** The accumulators' starting value (default 0.1). */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad, Keras's rule: acc <- acc + g^2, w <- w - lr g / sqrt(acc + epsilon), the
 * accumulator starting at initialAccumulatorValue. Slot: accumulator per variable.
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(learningRate?: LearningRate | AdagradOptions, moreOptions?: AdagradOptions) {
    const options = resolveOptions("Adagrad", learningRate, moreOptions, [
      "initialAccumulatorValue",
      "epsilon",
    ]);
    super("adagrad", options, 0.001);
    this.initialAccumulatorValue = checkRate(
      "Adagrad",
      "initialAccumulatorValue",
      options.initialAccumulatorValue ?? 0.1,
      0,
    );
    this.epsilon = checkRate("Adagrad", "epsilon", options.epsilon ?? 1e-7, 0);
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    this.addSlots(vars, ["accumulator"], this.initialAccumulatorValue);
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const acc = this.getSlot(v, "accumulator");
    acc.assignAdd(square(g));
    v.assignSub(divide(multiply(g, lr), sqrt(add(acc, this.epsilon))));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      initial_accumulator_value: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }
}
