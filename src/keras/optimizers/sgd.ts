/** `tf.keras.optimizers.SGD`: gradient descent with optional momentum and Nesterov momentum. */
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { cast, multiply, subtract } from "../../ops/index.js";
import { sgdMomentumUpdate } from "../../ops/optim-update.js";
import { toTensor } from "../../ops/checks.js";
import { isFloating } from "../../tensor/dtype.js";
import {
  checkRate,
  type LearningRate,
  Optimizer,
  type OptimizerOptions,
  resolveOptions,
} from "./base.js";

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01. */
  learningRate?: LearningRate;
  /** Default 0: plain gradient descent. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

/**
 * Gradient descent, Keras's rule: without momentum w <- w - lr g; with momentum m,
 * v <- m v - lr g, then w <- w + v, or with Nesterov w <- w + m v - lr g. One slot per
 * variable with momentum: `SGD/<var>_momentum`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(learningRate?: LearningRate | SGDOptions, moreOptions?: SGDOptions) {
    const options = resolveOptions("SGD", learningRate, moreOptions, ["momentum", "nesterov"]);
    super("SGD", options, 0.01);
    this.momentum = checkRate("SGD", "momentum", options.momentum ?? 0, 0, 1);
    this.nesterov = options.nesterov ?? false;
  }

  protected override buildSlots(vars: readonly Variable[]): void {
    if (this.momentum !== 0) this.addSlots(vars, ["momentum"]);
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    if (this.momentum === 0) {
      v.assignSub(multiply(g, lr));
      return;
    }
    const velocity = this.getSlot(v, "momentum");
    if (isFloating(v.dtype) && g.dtype === v.dtype) {
      // The rule below as one fused op: one pass over memory instead of five.
      // A number rate rounds once, to the variable's dtype (as multiply(g, lr) would round it).
      const rate = typeof lr === "number" ? toTensor(lr, "SGD", v.dtype) : lr;
      const [nv, nvel] = sgdMomentumUpdate(
        v.value(),
        velocity.value(),
        g,
        rate.dtype === v.dtype ? rate : cast(rate, v.dtype),
        { momentum: this.momentum, nesterov: this.nesterov },
      );
      velocity.assign(nvel);
      v.assign(nv);
      return;
    }
    const next = subtract(multiply(velocity, this.momentum), multiply(g, lr));
    velocity.assign(next);
    v.assignAdd(this.nesterov ? subtract(multiply(next, this.momentum), multiply(g, lr)) : next);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
