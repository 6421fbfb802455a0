/** The Adam family of `tf.keras.optimizers`: Adam (with amsgrad), AdamW, Adamax, Nadam. */
import { adamUpdate } from "../../ops/optim-update.js";
import { toTensor } from "../../ops/checks.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import {
  abs,
  add,
  cast,
  divide,
  maximum,
  multiply,
  pow,
  sqrt,
  square,
  subtract,
} from "../../ops/index.js";
import {
  checkRate,
  type LearningRate,
  Optimizer,
  type OptimizerOptions,
  resolveOptions,
} from "./base.js";

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: LearningRate;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Keras's epsilon-hat, added to sqrt(v) after bias correction (default 1e-7). */
  epsilon?: number;
  /** Use the running maximum of v (default false). */
  amsgrad?: boolean;
}

const ADAM_KEYS = ["beta1", "beta2", "epsilon", "amsgrad"];

/**
 * Adam, Keras's rule at step t = iterations + 1:
 *   m <- m + (g - m)(1 - beta1),  v <- v + (g^2 - v)(1 - beta2),
 *   alpha = lr sqrt(1 - beta2^t) / (1 - beta1^t),  w <- w - alpha m / (sqrt(v) + epsilon);
 * with amsgrad, vHat <- max(vHat, v) takes v's place in the last step. t and alpha are tensors
 * of the variable's dtype computed from iterationsVariable, as in Keras (so a traced step's
 * bias correction advances on every call). Slots: momentum and velocity per variable
 * (interleaved), then velocity_hat per variable with amsgrad.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(learningRate?: LearningRate | AdamOptions, moreOptions?: AdamOptions) {
    const op = new.target.name || "Adam";
    const options = resolveOptions(op, learningRate, moreOptions, ADAM_KEYS);
    super(new.target === Adam ? "adam" : op.toLowerCase(), options, 0.001);
    this.beta1 = checkRate(op, "beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRate(op, "beta2", options.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkRate(op, "epsilon", options.epsilon ?? 1e-7, 0);
    this.amsgrad = options.amsgrad ?? false;
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    this.addSlots(vars, ["momentum", "velocity"]);
    if (this.amsgrad) this.addSlots(vars, ["velocity_hat"]);
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const alpha = this.sharedValue(`alpha:${v.dtype}`, () => {
      const t = this.localStep(v.dtype);
      const beta1Power = pow(this.beta1, t);
      const beta2Power = pow(this.beta2, t);
      return divide(multiply(lr, sqrt(subtract(1, beta2Power))), subtract(1, beta1Power));
    });
    const m = this.getSlot(v, "momentum");
    const s = this.getSlot(v, "velocity");
    if (!this.amsgrad) {
      // The same rule as below, fused into one op: one pass over memory instead of eight.
      const [nv, nm, ns] = adamUpdate(v.value(), m.value(), s.value(), g, toTensor(alpha, "Adam"), {
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
      });
      m.assign(nm);
      s.assign(ns);
      v.assign(nv);
      return;
    }
    m.assignAdd(multiply(subtract(g, m), 1 - this.beta1));
    s.assignAdd(multiply(subtract(square(g), s), 1 - this.beta2));
    let second: Tensor = s;
    if (this.amsgrad) {
      const vHat = this.getSlot(v, "velocity_hat");
      vHat.assign(maximum(vHat, s));
      second = vHat;
    }
    v.assignSub(divide(multiply(m, alpha), add(sqrt(second), this.epsilon)));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      beta_1: this.beta1,
      beta_2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: this.amsgrad,
    };
  }
}

/**
 * AdamW: Adam with decoupled weight decay, as Keras 3 applies it before each update (after
 * clipping): w <- w - w * weightDecay * lr, then Adam's step. weightDecay defaults to 0.004.
 */
export class AdamW extends Adam {
  constructor(learningRate?: LearningRate | AdamOptions, moreOptions?: AdamOptions) {
    const options = resolveOptions("AdamW", learningRate, moreOptions, ADAM_KEYS);
    if (options.weightDecay === null) {
      throw new TypeError(
        "AdamW: Argument `weightDecay` must be a number. Received: weightDecay=null",
      );
    }
    super(options.weightDecay === undefined ? { ...options, weightDecay: 0.004 } : options);
  }
}

export interface AdamaxOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: LearningRate;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the infinity norm (default 0.999). */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adamax, Keras's rule at step t: m <- m + (g - m)(1 - beta1), u <- max(beta2 u, |g|),
 * w <- w - lr m / ((1 - beta1^t)(u + epsilon)). Slots: momentum and norm per variable.
 */
export class Adamax extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(learningRate?: LearningRate | AdamaxOptions, moreOptions?: AdamaxOptions) {
    const options = resolveOptions("Adamax", learningRate, moreOptions, [
      "beta1",
      "beta2",
      "epsilon",
    ]);
    super("adamax", options, 0.001);
    this.beta1 = checkRate("Adamax", "beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRate("Adamax", "beta2", options.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkRate("Adamax", "epsilon", options.epsilon ?? 1e-7, 0);
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    this.addSlots(vars, ["momentum", "norm"]);
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const t = this.localStep(v.dtype);
    const m = this.getSlot(v, "momentum");
    const u = this.getSlot(v, "norm");
    m.assignAdd(multiply(subtract(g, m), 1 - this.beta1));
    u.assign(maximum(multiply(u, this.beta2), abs(g)));
    const denom = multiply(subtract(1, pow(this.beta1, t)), add(u, this.epsilon));
    v.assignSub(divide(multiply(m, lr), denom));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

export type NadamOptions = AdamaxOptions;

/**
 * Nadam, Keras's rule at step t with momentum schedule u_t = beta1 (1 - 0.5 * 0.96^t):
 *   P_t = u_1 ... u_t (the `u_product` variable, updated once per step),
 *   m <- m + (g - m)(1 - beta1),  v <- v + (g^2 - v)(1 - beta2),
 *   mHat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t),
 *   vHat = v / (1 - beta2^t),  w <- w - lr mHat / (sqrt(vHat) + epsilon).
 * Slots: momentum and velocity per variable, then u_product (of the first variable's dtype).
 */
export class Nadam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  #uProduct: Variable | null = null;

  constructor(learningRate?: LearningRate | NadamOptions, moreOptions?: NadamOptions) {
    const options = resolveOptions("Nadam", learningRate, moreOptions, [
      "beta1",
      "beta2",
      "epsilon",
    ]);
    super("nadam", options, 0.001);
    this.beta1 = checkRate("Nadam", "beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRate("Nadam", "beta2", options.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkRate("Nadam", "epsilon", options.epsilon ?? 1e-7, 0);
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    this.addSlots(vars, ["momentum", "velocity"]);
    if (this.#uProduct === null) {
      this.#uProduct = this.addStateVariable("u_product", 1, vars[0].dtype);
    }
  }

  /** u_t = beta1 (1 - 0.5 * 0.96^t) in `dtype`, for t = iterations + offset. */
  private u(dtype: DType, offset: number): Tensor {
    return this.sharedValue(`u${offset}:${dtype}`, () =>
      multiply(this.beta1, subtract(1, multiply(0.5, pow(0.96, this.localStep(dtype, offset))))),
    );
  }

  protected override beforeUpdates(): void {
    const p = this.#uProduct as Variable;
    p.assign(multiply(p, this.u(p.dtype, 1)));
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const dt = v.dtype;
    const uT = this.u(dt, 1);
    const uNext = this.u(dt, 2);
    const pT = this.sharedValue(`p:${dt}`, () => cast(this.#uProduct as Variable, dt));
    const pNext = multiply(pT, uNext);
    const beta2Power = pow(this.beta2, this.localStep(dt));
    const m = this.getSlot(v, "momentum");
    const s = this.getSlot(v, "velocity");
    m.assignAdd(multiply(subtract(g, m), 1 - this.beta1));
    s.assignAdd(multiply(subtract(square(g), s), 1 - this.beta2));
    const mHat = add(
      divide(multiply(uNext, m), subtract(1, pNext)),
      divide(multiply(subtract(1, uT), g), subtract(1, pT)),
    );
    const vHat = divide(s, subtract(1, beta2Power));
    v.assignSub(divide(multiply(mHat, lr), add(sqrt(vHat), this.epsilon)));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
