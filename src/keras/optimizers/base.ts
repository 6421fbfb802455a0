/**
 * Keras 3's optimizer base: the step count, the learning rate (a variable, or a schedule of the
 * step), slot variables built for the variables it updates, gradient clipping, decoupled weight
 * decay and variable constraints. Updates are stateful: the arithmetic runs with every tape
 * paused and lands in the variables with assign(), so a training step inside `tape.record`
 * leaves nothing on the tape.
 *
 * The step count lives in a variable (`iterationsVariable`, Keras's `optimizer.iterations`),
 * advanced with assignAdd, and a constant learning rate in another (`learning_rate`), so a
 * training step traced by tf.function reads both when the graph runs: it advances the bias
 * corrections and schedules, and follows `optimizer.learningRate = x` (ReduceLROnPlateau)
 * without a retrace.
 *
 * `optimizer.variables`, in Keras 3's order (the order of `optimizer/vars/N` in a
 * .weights.h5 file): `iteration`, then `learning_rate` (only when the rate is a number, not a
 * schedule), then the slots made when the optimizer is built on its first applyGradients, for
 * the variables of that call in order: per variable, each slot of the optimizer's interleaved
 * group (Adam: momentum then velocity; Adamax: momentum then norm), then any group made
 * variable by variable after it (Adam's amsgrad velocity_hat, RMSprop's momentum and
 * average_gradient after all its velocities), then extra state (Nadam's u_product). A slot of
 * variable `dense/kernel:0` in optimizer `adam` is `adam/dense_kernel_momentum:0`.
 */
import { optionsArg } from "../../tensor/args.js";
import { GradientTape } from "../../autodiff/tape.js";
import { backend } from "../../backend/index.js";
import { warn } from "../../engine/logging.js";
import { withoutRecording } from "../../engine/recorder.js";
import { type DType, isFloating } from "../../tensor/dtype.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { Variable, withNameScope } from "../../tensor/variable.js";
import { describe } from "../../ops/checks.js";
import { add, cast, fill, multiply } from "../../ops/index.js";
import "../../ops/variable-ops.js";
import {
  checkRate,
  clipGradients,
  type GradientPair,
  isRate,
  type LearningRate,
  type LearningRateSchedule,
  type OptimizerOptions,
  optionalPositive,
} from "./options.js";
import {
  LearningRateSchedule as ScheduleObject,
  serialize,
  type SerializedSchedule,
} from "./schedules.js";

export {
  checkRate,
  resolveOptions,
  type GradientPair,
  type LearningRate,
  type LearningRateSchedule,
  type OptimizerOptions,
} from "./options.js";

/** Keras's optimizer base: iterations, slots per variable, applyGradients and minimize. */
export abstract class Optimizer {
  readonly name: string;
  /** Decoupled weight decay (see OptimizerOptions), or null. */
  readonly weightDecay: number | null;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  /**
   * The number of updates applied so far, as Keras keeps it: a non-trainable int32 variable
   * (`adam/iteration:0`) that applyGradients advances with assignAdd. Inside a tf.function,
   * read this (not `iterations`, a number fixed at trace time).
   */
  readonly iterationsVariable: Variable;
  /** Whether build() has made the slots (on the first applyGradients). */
  built = false;
  /** Every variable of the optimizer, in Keras's order (see the file comment). */
  #tracked: Variable[] = [];
  /** The float32 `learning_rate` variable while the rate is a number. */
  #lrVariable: Variable | null = null;
  /** The number last set, returned while the variable still holds it (it is float32). */
  #lrNumber = 0;
  /** The schedule while the rate is one. */
  #schedule: LearningRateSchedule | ScheduleObject | null = null;
  /** The variables built for, by id, with their slots by slot name. */
  readonly #slots = new Map<number, Map<string, Variable>>();
  /** Variables excluded from weight decay, and name patterns. */
  #decayExcluded = new Set<number>();
  #decayExcludedNames: RegExp | null = null;
  /** What the updates of one applyGradients call share (the step, Adam's alpha), by key. */
  readonly #shared = new Map<string, Tensor | number>();

  constructor(defaultName: string, options: OptimizerOptions, defaultRate: number) {
    if (new.target === Optimizer) {
      throw new TypeError(
        "Optimizer: the base class cannot be constructed directly; use a subclass such as tf.keras.optimizers.SGD or Adam",
      );
    }
    const op = this.constructor.name || defaultName;
    options = optionsArg(op, options);
    this.name = options.name ?? defaultName;
    if (typeof this.name !== "string" || this.name === "") {
      throw new TypeError(`${op}: name must be a non-empty string, got ${String(this.name)}`);
    }
    this.weightDecay = options.weightDecay ?? null;
    if (this.weightDecay !== null) checkRate(op, "weightDecay", this.weightDecay, 0);
    this.clipnorm = optionalPositive(op, "clipnorm", options.clipnorm);
    this.clipvalue = optionalPositive(op, "clipvalue", options.clipvalue);
    this.globalClipnorm = optionalPositive(op, "globalClipnorm", options.globalClipnorm);
    const set = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((c) => c !== null);
    if (set.length > 1) {
      throw new TypeError(
        `${op}: Only one of \`clipnorm\`, \`clipvalue\` and \`globalClipnorm\` can be set. Received: clipnorm=${String(this.clipnorm)}, clipvalue=${String(this.clipvalue)}, globalClipnorm=${String(this.globalClipnorm)}`,
      );
    }
    this.iterationsVariable = withNameScope(
      this.name,
      () => new Variable(0, { name: "iteration", dtype: "int32", trainable: false }),
    );
    this.#tracked.push(this.iterationsVariable);
    const lr = options.learningRate ?? defaultRate;
    if (!isRate(lr)) {
      throw new TypeError(
        `${op}: learningRate must be a number, a function of the step or a LearningRateSchedule, got ${String(lr)}`,
      );
    }
    this.learningRate = lr;
  }

  /** The class name, for messages. */
  protected get op(): string {
    return this.constructor.name || this.name;
  }

  /**
   * How many times applyGradients has run, as a number: `iterationsVariable`'s value now (in
   * a function being traced, its value at trace time).
   */
  get iterations(): number {
    // Its storage, not value(): reading a number is no op of a traced graph.
    return backend().read(this.iterationsVariable)[0] as number;
  }

  /**
   * The learning rate now, as a number: the constant rate, or the schedule's value at the
   * current step (Keras's `optimizer.learning_rate`).
   */
  get learningRate(): number {
    if (this.#schedule !== null) {
      const r = withoutRecording(() =>
        this.callSchedule(this.#schedule as LearningRateSchedule | ScheduleObject, this.iterations),
      );
      return typeof r === "number" ? r : (r.dataSync()[0] as number);
    }
    const v = backend().read(this.#lrVariable as Variable)[0] as number;
    return Math.fround(this.#lrNumber) === v ? this.#lrNumber : v;
  }

  /**
   * Sets the rate: a number is assigned to the `learning_rate` variable (a traced step sees it
   * when it next runs); a function or schedule replaces the rate (and the variable leaves
   * `variables`). A number cannot replace a schedule object, as in Keras.
   */
  set learningRate(lr: LearningRate) {
    const op = this.op;
    if (typeof lr === "function" || lr instanceof ScheduleObject) {
      this.#schedule = lr;
      if (this.#lrVariable !== null) {
        this.#tracked = this.#tracked.filter((v) => v !== this.#lrVariable);
        this.#lrVariable = null;
      }
      return;
    }
    checkRate(op, "learningRate", lr, 0);
    if (!Number.isFinite(lr)) throw new RangeError(`${op}: learningRate must be finite, got ${lr}`);
    if (this.#schedule instanceof ScheduleObject) {
      throw new TypeError(
        `${op}: This optimizer was created with a \`LearningRateSchedule\` object as its \`learningRate\` constructor argument, hence its learning rate is not settable. If you need the learning rate to be settable, you should instantiate the optimizer with a number \`learningRate\` argument.`,
      );
    }
    this.#schedule = null;
    this.#lrNumber = lr;
    if (this.#lrVariable === null) {
      this.#lrVariable = withNameScope(
        this.name,
        () => new Variable(lr, { name: "learning_rate", dtype: "float32", trainable: false }),
      );
      // Keras's place for it: right after the step count.
      this.#tracked.splice(1, 0, this.#lrVariable);
    } else {
      withoutRecording(() => (this.#lrVariable as Variable).assign(lr));
    }
  }

  /** The schedule (a function or a schedule object) when the rate is one, else null. */
  get learningRateSchedule(): LearningRateSchedule | ScheduleObject | null {
    return this.#schedule;
  }

  /**
   * Every variable of the optimizer, in Keras 3's order, which is the order of
   * `optimizer/vars/N` in a .weights.h5 file: `iteration`, `learning_rate` (absent with a
   * schedule), then the slots (see the file comment).
   */
  get variables(): Variable[] {
    return this.#tracked.slice();
  }

  /**
   * Keras's `exclude_from_weight_decay(var_list, var_names)`: these variables, and those whose
   * name contains one of the strings, get no weight decay. Only before build().
   */
  excludeFromWeightDecay(
    varList: readonly Variable[] = [],
    varNames: readonly string[] = [],
  ): void {
    if (this.built) {
      throw new Error(
        `${this.op}: \`excludeFromWeightDecay()\` can only be configured before the optimizer is built.`,
      );
    }
    this.#decayExcluded = new Set(varList.map((v) => v.id));
    const escaped = varNames.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.#decayExcludedNames = escaped.length > 0 ? new RegExp(escaped.join("|")) : null;
  }

  /**
   * Makes the slots of `varList` (Keras's `optimizer.build(variables)`); applyGradients does it
   * on its first call with the variables given. Variables met later get their slots then, after
   * the others (Keras refuses them; building on every trainable variable first keeps Keras's
   * order).
   */
  build(varList: readonly Variable[]): void {
    const fresh: Variable[] = [];
    const seen = new Set<number>();
    for (const v of varList) {
      if (!(v instanceof Variable)) {
        throw new TypeError(`${this.op}.build: expected Variables, got ${String(v)}`);
      }
      if (this.#slots.has(v.id) || seen.has(v.id)) continue;
      seen.add(v.id);
      fresh.push(v);
    }
    for (const v of fresh) this.#slots.set(v.id, new Map());
    if (fresh.length > 0) {
      withoutRecording(() => this.buildSlots(fresh));
    }
    this.built = true;
  }

  /** Subclasses make their slots for `vars` here, with addSlots (in Keras's order). */
  protected buildSlots(_vars: readonly Variable[]): void {}

  /**
   * Keras's add_optimizer_variables: for each variable in turn, one slot per name (interleaved:
   * m0, v0, m1, v1 for ["momentum", "velocity"]), of its shape and dtype, filled with
   * `initial` (default 0), named `<optimizer>/<variable path with _>_<name>:0`.
   */
  protected addSlots(vars: readonly Variable[], names: readonly string[], initial = 0): void {
    for (const v of vars) {
      for (const slot of names) {
        const base = v.name.replace(/:\d+$/, "").replace(/\//g, "_");
        const s = withNameScope(
          this.name,
          () =>
            new Variable(fill(v.shape, initial, v.dtype), {
              name: `${base}_${slot}`,
              trainable: false,
            }),
        );
        (this.#slots.get(v.id) as Map<string, Variable>).set(slot, s);
        this.#tracked.push(s);
      }
    }
  }

  /** A variable of the optimizer's own (Nadam's u_product), tracked after the slots. */
  protected addStateVariable(name: string, initial: number, dtype: DType): Variable {
    const s = withNameScope(
      this.name,
      () => new Variable(fill([], initial, dtype), { name, trainable: false }),
    );
    this.#tracked.push(s);
    return s;
  }

  /** The slots of `v` by slot name (empty before the optimizer is built for it): checkpoints. */
  slotsOf(v: Variable): ReadonlyMap<string, Variable> {
    return this.#slots.get(v.id) ?? new Map<string, Variable>();
  }

  /**
   * The slot `slot` of `v`, building the optimizer for `v` first if needed: a checkpoint
   * restores into it before the first update, as TensorFlow creates slots on restore.
   */
  slot(v: Variable, slot: string): Variable {
    if (!this.#slots.has(v.id)) this.build([v]);
    return this.getSlot(v, slot);
  }

  /** The slot `slot` of `v`, made by buildSlots. */
  protected getSlot(v: Variable, slot: string): Variable {
    const s = this.#slots.get(v.id)?.get(slot);
    if (s === undefined) {
      throw new Error(`${this.op}: no slot '${slot}' for variable '${v.name}' (not built for it)`);
    }
    return s;
  }

  /**
   * A value the updates of the current applyGradients call share, made once per call: the
   * learning rate and the step in each dtype, Adam's bias-corrected rate.
   */
  protected sharedValue<T extends Tensor | number>(key: string, make: () => T): T {
    let v = this.#shared.get(key);
    if (v === undefined) this.#shared.set(key, (v = make()));
    return v as T;
  }

  /**
   * Keras's local_step, t = iterations + 1 (1 on the first update), as a `dtype` scalar
   * computed from iterationsVariable, so a traced graph reads the count when it runs.
   */
  protected localStep(dtype: DType, offset = 1): Tensor {
    return this.sharedValue(`step${offset}:${dtype}`, () =>
      add(cast(this.iterationsVariable, dtype), offset),
    );
  }

  private callSchedule(
    s: LearningRateSchedule | ScheduleObject,
    step: Tensor | number,
  ): Tensor | number {
    const t = typeof step === "number" ? fill([], step, "float32") : step;
    return s instanceof ScheduleObject ? s.call(t) : s(t);
  }

  /**
   * The learning rate of the current update in `dtype`: the `learning_rate` variable, or a
   * schedule's value for the step `iterations` (a float32 tensor, so it follows the variable
   * in a traced graph).
   */
  protected learningRateIn(dtype: DType): Tensor | number {
    const schedule = this.#schedule;
    if (schedule === null) {
      return this.sharedValue(`lr:${dtype}`, () => cast(this.#lrVariable as Variable, dtype));
    }
    const rate = this.sharedValue("lr", () => {
      const r = this.callSchedule(schedule, cast(this.iterationsVariable, "float32"));
      if (typeof r === "number") return checkRate(this.op, "learningRate", r, 0);
      if (!(r instanceof Tensor) || r.size !== 1 || !isFloating(r.dtype)) {
        throw new TypeError(
          `${this.op}: a learning-rate schedule must give a number or a floating scalar tensor, got ${r instanceof Tensor ? describe(r) : String(r)}`,
        );
      }
      return r;
    });
    if (typeof rate === "number" || rate.dtype === dtype) return rate;
    return this.sharedValue(`lr:${dtype}`, () => cast(rate, dtype));
  }

  /**
   * One variable's update for gradient `g` (of v's dtype, clipped) at learning rate `lr` (a
   * number, or a scalar tensor of v's dtype); tapes are paused.
   */
  protected abstract updateStep(g: Tensor, v: Variable, lr: Tensor | number): void;

  /** Runs once per applyGradients before the updates (after clipping and weight decay). */
  protected beforeUpdates(_vars: readonly Variable[]): void {}

  private usesWeightDecay(v: Variable): boolean {
    if (this.#decayExcluded.has(v.id)) return false;
    return this.#decayExcludedNames === null || !this.#decayExcludedNames.test(v.name);
  }

  /**
   * Applies one update per [gradient, variable] pair and counts one iteration. Null gradients
   * are skipped with Keras's warning; if all are null, nothing is updated and it throws.
   * Order, as Keras 3: clip the gradients, decay the weights, update, apply each variable's
   * constraint, advance the step count.
   */
  applyGradients(pairs: Iterable<GradientPair>): number {
    const op = `${this.op}.applyGradients`;
    if (pairs === null || typeof pairs !== "object" || !(Symbol.iterator in pairs)) {
      throw new TypeError(
        `${op}: expected an iterable of [gradient, variable] pairs, got ${String(pairs)}`,
      );
    }
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
      if (!isFloating(v.dtype)) {
        throw new InvalidArgumentError(
          `${op}: variable '${v.name}' has dtype ${v.dtype}; only floating variables can be trained`,
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
    // Built on every variable of the call, those without a gradient too, as Keras.
    this.build(list.map((p) => p[1] as Variable));
    try {
      withoutRecording(() => {
        const vars = present.map(([, v]) => v);
        const grads = clipGradients(
          this,
          present.map(([g, v]) => {
            const r = g instanceof Variable ? g.value() : g;
            return r.dtype === v.dtype ? r : cast(r, v.dtype);
          }),
        );
        const wd = this.weightDecay;
        if (wd !== null && wd !== 0) {
          for (const v of vars) {
            if (this.usesWeightDecay(v)) {
              v.assignSub(multiply(multiply(v, wd), this.learningRateIn(v.dtype)));
            }
          }
        }
        this.beforeUpdates(vars);
        vars.forEach((v, i) => this.updateStep(grads[i], v, this.learningRateIn(v.dtype)));
        for (const v of vars) if (v.constraint !== null) v.assign(v.constraint(v.value()));
        // After the updates, as Keras: they saw the step count before this one.
        this.iterationsVariable.assignAdd(1);
      });
    } finally {
      this.#shared.clear();
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

  /** The options, as Keras's get_config names them (an optimizer's entry in a .keras config). */
  getConfig(): Record<string, unknown> {
    const schedule = this.#schedule;
    let learningRate: number | SerializedSchedule;
    if (schedule === null) learningRate = this.learningRate;
    else if (schedule instanceof ScheduleObject) learningRate = serialize(schedule);
    else {
      throw new TypeError(
        `${this.op}.getConfig: a learning rate given as a function cannot be serialized; use a tf.keras.optimizers.schedules object`,
      );
    }
    return {
      name: this.name,
      learning_rate: learningRate,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
    };
  }
}
