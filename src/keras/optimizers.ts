/**
 * `tf.keras.optimizers`: SGD (with momentum and Nesterov) and Adam, with Keras's update rules.
 * Updates are stateful: the arithmetic runs with every tape paused and lands in the variables
 * with assign(), so a training step inside `tape.record` leaves nothing on the tape.
 *
 * The step count lives in a variable (`iterationsVariable`, Keras's `optimizer.iterations`),
 * advanced with assignAdd, and Adam's bias correction and learning-rate schedules are tensors
 * computed from it: so a training step traced by tf.function reads the count when the graph
 * runs and advances it, and trains exactly as the eager step does.
 */
import { GradientTape } from "../autodiff/tape.js";
import { warn } from "../engine/logging.js";
import { withoutRecording } from "../engine/recorder.js";
import { type DType, isFloating } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable, withNameScope } from "../tensor/variable.js";
import { describe } from "../ops/checks.js";
import { zerosLike } from "../ops/creation.js";
import { add, cast, div, maximum, mul, pow, sqrt, square, sub } from "../ops/elementwise.js";
import "../ops/variable-ops.js";
import { adamUpdate } from "../ops/optim-update.js";

/**
 * A learning-rate schedule, as Keras's LearningRateSchedule is called: the rate for a step,
 * given the step (the updates applied before this one: 0 on the first) as a float32 scalar
 * tensor, as a number or a floating scalar tensor. Written with tensor ops, it follows the
 * step inside a traced tf.function too: `(step) => tf.multiply(0.1, tf.pow(0.5, step.div(100)))`.
 */
export type LearningRateSchedule = (step: Tensor) => Tensor | number;

/** A learning rate: a number, or a schedule of the step. */
export type LearningRate = number | LearningRateSchedule;

/**
 * A gradient and the variable it updates; null gradients are skipped (with a warning). The
 * loose array form lets `grads.map((g, i) => [g, vars[i]])` type-check without `as const`
 * (a Variable is a Tensor); the second element is checked to be a Variable when applied.
 */
export type GradientPair =
  readonly [Tensor | null | undefined, Variable] | readonly (Tensor | null | undefined)[];

export interface OptimizerOptions {
  learningRate?: LearningRate;
  name?: string;
}

/**
 * An optimizer's arguments: Keras's first positional parameter is the learning rate
 * (`SGD(0.1)`, `Adam(1e-3, beta_1=0.8)`), so a number or a schedule may come first and the
 * other options after it; or a single options object.
 */
function resolveOptions<O extends OptimizerOptions>(
  op: string,
  first: LearningRate | O | undefined,
  rest: O | undefined,
): O {
  if (typeof first === "number" || typeof first === "function") {
    if (rest?.learningRate !== undefined) {
      throw new TypeError(`${op}: the learning rate is given twice, as an argument and in options`);
    }
    return { ...(rest ?? ({} as O)), learningRate: first };
  }
  if (first !== undefined && (first === null || typeof first !== "object")) {
    throw new TypeError(
      `${op}: expected a learning rate or an options object, got ${first === null ? "null" : typeof first}`,
    );
  }
  if (first !== undefined && rest !== undefined) {
    throw new TypeError(`${op}: options come either first or after the learning rate, not both`);
  }
  return first ?? rest ?? ({} as O);
}

function checkRate(op: string, name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== "number" || !(v >= min && v <= max)) {
    throw new RangeError(`${op}: ${name} must be a number in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** Keras's optimizer base: iterations, slots per variable, applyGradients and minimize. */
export abstract class Optimizer {
  readonly name: string;
  learningRate: LearningRate;
  /**
   * The number of updates applied so far, as Keras keeps it: a non-trainable int32 variable
   * (`Adam/iteration:0`) that applyGradients advances with assignAdd. Inside a tf.function,
   * read this (not `iterations`, a number fixed at trace time).
   */
  readonly iterationsVariable: Variable;
  /** Slot variables by the id of the variable they belong to: Adam's m and v, SGD's momentum. */
  private readonly slots = new Map<number, Map<string, Variable>>();
  private readonly slotList: Variable[] = [];
  /** What the updates of one applyGradients call share (the step, Adam's alpha), by key. */
  private readonly shared = new Map<string, Tensor | number>();

  constructor(defaultName: string, options: OptimizerOptions, defaultRate: number) {
    this.name = options.name ?? defaultName;
    this.learningRate = options.learningRate ?? defaultRate;
    if (typeof this.learningRate !== "function") {
      checkRate(this.name, "learningRate", this.learningRate, 0);
    }
    this.iterationsVariable = withNameScope(
      this.name,
      () => new Variable(0, { name: "iteration", dtype: "int32", trainable: false }),
    );
  }

  /**
   * How many times applyGradients has run, as a number: `iterationsVariable`'s value now (in
   * a function being traced, its value at trace time).
   */
  get iterations(): number {
    // Its storage, not value(): reading a number is no op of a traced graph.
    return this.iterationsVariable.values[0] as number;
  }

  /** The slot variables made so far, in creation order (not `iterationsVariable`). */
  get variables(): Variable[] {
    return this.slotList.slice();
  }

  /**
   * A value the updates of the current applyGradients call share, made once per call: the
   * learning rate and the step in each dtype, Adam's bias-corrected rate.
   */
  protected sharedValue<T extends Tensor | number>(key: string, make: () => T): T {
    let v = this.shared.get(key);
    if (v === undefined) this.shared.set(key, (v = make()));
    return v as T;
  }

  /**
   * Keras's local_step, t = iterations + 1 (1 on the first update), as a `dtype` scalar
   * computed from iterationsVariable, so a traced graph reads the count when it runs.
   */
  protected localStep(dtype: DType): Tensor {
    return this.sharedValue(`step:${dtype}`, () => add(cast(this.iterationsVariable, dtype), 1));
  }

  /**
   * The learning rate of the current update in `dtype`: a number, or a schedule's value for
   * the step `iterations` (a float32 tensor, so it follows the variable in a traced graph).
   */
  protected learningRateIn(dtype: DType): Tensor | number {
    const lr = this.learningRate;
    if (typeof lr !== "function") return lr;
    const rate = this.sharedValue("lr", () => {
      const r = lr(cast(this.iterationsVariable, "float32"));
      if (typeof r === "number") return checkRate(this.name, "learningRate", r, 0);
      if (!(r instanceof Tensor) || r.size !== 1 || !isFloating(r.dtype)) {
        throw new TypeError(
          `${this.name}: a learning-rate schedule must give a number or a floating scalar tensor, got ${r instanceof Tensor ? describe(r) : String(r)}`,
        );
      }
      return r;
    });
    if (typeof rate === "number" || rate.dtype === dtype) return rate;
    return this.sharedValue(`lr:${dtype}`, () => cast(rate, dtype));
  }

  /** The slot `slot` of `v` (zeros of its shape and dtype on first use), named `Adam/m/dense/kernel:0`. */
  protected getSlot(v: Variable, slot: string): Variable {
    let byName = this.slots.get(v.id);
    if (byName === undefined) this.slots.set(v.id, (byName = new Map()));
    let s = byName.get(slot);
    if (s === undefined) {
      const base = v.name.replace(/:\d+$/, "");
      s = withNameScope(this.name, () =>
        withNameScope(
          slot,
          () => new Variable(zerosLike(v.value()), { name: base, trainable: false }),
        ),
      );
      byName.set(slot, s);
      this.slotList.push(s);
    }
    return s;
  }

  /**
   * One variable's update for gradient `g` (of v's dtype) at learning rate `lr` (a number, or a
   * scalar tensor of v's dtype); tapes are paused.
   */
  protected abstract updateStep(g: Tensor, v: Variable, lr: Tensor | number): void;

  /**
   * Applies one update per [gradient, variable] pair and counts one iteration. Null gradients
   * are skipped with Keras's warning; if all are null, nothing is updated and it throws.
   */
  applyGradients(pairs: Iterable<GradientPair>): number {
    const op = `${this.name}.applyGradients`;
    const list = [...pairs];
    const missing: Variable[] = [];
    const present: [Tensor, Variable][] = [];
    for (const pair of list) {
      if (!Array.isArray(pair) || pair.length !== 2 || !(pair[1] instanceof Variable)) {
        throw new TypeError(`${op}: expected [gradient, variable] pairs, got ${String(pair)}`);
      }
      const g = pair[0];
      const v = pair[1] as Variable;
      if (g === null || g === undefined) {
        missing.push(v);
        continue;
      }
      if (!(g instanceof Tensor)) {
        throw new TypeError(
          `${op}: the gradient of '${v.name}' must be a Tensor, got ${String(g)}`,
        );
      }
      if (!shapesEqual(g.shape, v.shape)) {
        throw new InvalidArgumentError(
          `${op}: the gradient of '${v.name}' has shape ${shapeMsg(g.shape)}, the variable ${shapeMsg(v.shape)}`,
        );
      }
      present.push([g, v]);
    }
    if (present.length === 0) {
      throw new InvalidArgumentError(
        `${op}: No gradients provided for any variable: (${list.map((p) => `'${(p[1] as Variable).name}'`).join(", ")})`,
      );
    }
    if (missing.length > 0) {
      warn(
        `Gradients do not exist for variables [${missing.map((v) => `'${v.name}'`).join(", ")}] when minimizing the loss. If you're using \`model.compile()\`, did you forget to provide a \`loss\` argument?`,
      );
    }
    try {
      withoutRecording(() => {
        for (const [g, v] of present) {
          const grad = g.dtype === v.dtype ? readGrad(g) : cast(readGrad(g), v.dtype);
          this.updateStep(grad, v, this.learningRateIn(v.dtype));
        }
        // After the updates, as Keras: they saw the step count before this one.
        this.iterationsVariable.assignAdd(1);
      });
    } finally {
      this.shared.clear();
    }
    return this.iterations;
  }

  /**
   * Records `lossFn` on a fresh tape, takes the gradients of its result with respect to
   * `varList` (the watched trainable variables in creation order when omitted) and applies
   * them. Returns the loss.
   */
  minimize(lossFn: () => Tensor, varList?: readonly Variable[]): Tensor {
    const tape = new GradientTape();
    const loss = tape.record(lossFn);
    const vars = varList ?? tape.watchedVariables();
    const grads = tape.gradient(loss, [...vars]);
    this.applyGradients(vars.map((v, i) => [grads[i], v]));
    return loss;
  }
}

/** A gradient that is a variable (rare, but a Variable goes wherever a Tensor goes) is read. */
function readGrad(g: Tensor): Tensor {
  return g instanceof Variable ? g.value() : g;
}

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
 * v <- m v - lr g, then w <- w + v, or with Nesterov w <- w + m v - lr g.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(learningRate?: LearningRate | SGDOptions, moreOptions?: SGDOptions) {
    const options = resolveOptions("SGD", learningRate, moreOptions);
    super("SGD", options, 0.01);
    this.momentum = checkRate("SGD", "momentum", options.momentum ?? 0, 0, 1);
    this.nesterov = options.nesterov ?? false;
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    if (this.momentum === 0) {
      v.assignSub(mul(g, lr));
      return;
    }
    const velocity = this.getSlot(v, "momentum");
    const next = sub(mul(velocity, this.momentum), mul(g, lr));
    velocity.assign(next);
    v.assignAdd(this.nesterov ? sub(mul(next, this.momentum), mul(g, lr)) : next);
  }
}

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

/**
 * Adam, Keras's rule at step t = iterations + 1:
 *   m <- m + (g - m)(1 - beta1),  v <- v + (g^2 - v)(1 - beta2),
 *   alpha = lr sqrt(1 - beta2^t) / (1 - beta1^t),  w <- w - alpha m / (sqrt(v) + epsilon);
 * with amsgrad, vHat <- max(vHat, v) takes v's place in the last step. t and alpha are tensors
 * of the variable's dtype computed from iterationsVariable, as in Keras (so a traced step's
 * bias correction advances on every call).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(learningRate?: LearningRate | AdamOptions, moreOptions?: AdamOptions) {
    const options = resolveOptions("Adam", learningRate, moreOptions);
    super("Adam", options, 0.001);
    this.beta1 = checkRate("Adam", "beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRate("Adam", "beta2", options.beta2 ?? 0.999, 0, 1);
    this.epsilon = checkRate("Adam", "epsilon", options.epsilon ?? 1e-7, 0);
    this.amsgrad = options.amsgrad ?? false;
  }

  protected updateStep(g: Tensor, v: Variable, lr: Tensor | number): void {
    const alpha = this.sharedValue(`alpha:${v.dtype}`, () => {
      const t = this.localStep(v.dtype);
      const beta1Power = pow(this.beta1, t);
      const beta2Power = pow(this.beta2, t);
      return div(mul(lr, sqrt(sub(1, beta2Power))), sub(1, beta1Power));
    });
    const m = this.getSlot(v, "m");
    const s = this.getSlot(v, "v");
    if (!this.amsgrad) {
      // The same rule as below, fused into one op: one pass over memory instead of eight.
      const [nv, nm, ns] = adamUpdate(v.value(), m.value(), s.value(), g, alpha, {
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
      });
      m.assign(nm);
      s.assign(ns);
      v.assign(nv);
      return;
    }
    m.assignAdd(mul(sub(g, m), 1 - this.beta1));
    s.assignAdd(mul(sub(square(g), s), 1 - this.beta2));
    let second: Tensor = s;
    if (this.amsgrad) {
      const vHat = this.getSlot(v, "vhat");
      vHat.assign(maximum(vHat, s));
      second = vHat;
    }
    v.assignSub(div(mul(m, alpha), add(sqrt(second), this.epsilon)));
  }
}
