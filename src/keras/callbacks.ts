/**
 * `tf.keras.callbacks`: hooks that fit, evaluate and predict call around epochs and batches.
 * `logs` maps metric names to numbers (`loss`, `accuracy`, `val_loss`, ...). A callback may set
 * `model.stopTraining = true` to end fit after the current batch, or change the optimizer's
 * learning rate between epochs.
 */
import { optionsArg } from "../tensor/args.js";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Variable } from "../tensor/variable.js";
import type { Optimizer } from "./optimizers.js";

export type Logs = Record<string, number>;

/** What a callback sees of the model (a tf.keras.Model). */
export interface CallbackModel {
  readonly name: string;
  stopTraining: boolean;
  readonly weights: Variable[];
  /** The compiled optimizer (null before compile). */
  readonly optimizer: Optimizer | null;
}

/** fit's parameters as Keras passes them to callbacks. */
export interface CallbackParams {
  epochs?: number;
  /** Steps per epoch (null when unknown, e.g. an iterable of unknown length). */
  steps?: number | null;
  verbose?: number;
}

/** How to print: a stream with write (process.stdout by default). */
export interface Writable {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Callback {
  model: CallbackModel | null = null;
  params: CallbackParams = {};

  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: CallbackParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void {}
  onTrainEnd(_logs?: Logs): void {}
  onEpochBegin(_epoch: number, _logs?: Logs): void {}
  onEpochEnd(_epoch: number, _logs?: Logs): void {}
  onTrainBatchBegin(_batch: number, _logs?: Logs): void {}
  onTrainBatchEnd(_batch: number, _logs?: Logs): void {}
  onTestBegin(_logs?: Logs): void {}
  onTestEnd(_logs?: Logs): void {}
  onTestBatchBegin(_batch: number, _logs?: Logs): void {}
  onTestBatchEnd(_batch: number, _logs?: Logs): void {}
  onPredictBegin(_logs?: Logs): void {}
  onPredictEnd(_logs?: Logs): void {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): void {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): void {}

  /** The model, or a clear error when the callback is used outside fit/evaluate/predict. */
  protected requireModel(): CallbackModel {
    if (this.model === null) {
      throw new TypeError(`${this.constructor.name}: no model set (use it in fit's callbacks)`);
    }
    return this.model;
  }
}

type Hook = Exclude<keyof Callback, "model" | "params" | "setModel" | "setParams">;

/** Calls every callback in order. */
export class CallbackList {
  readonly callbacks: Callback[];
  constructor(callbacks: readonly Callback[], model: CallbackModel, params: CallbackParams) {
    if (!Array.isArray(callbacks)) {
      throw new TypeError(
        `CallbackList: callbacks must be a list, got ${describeValue(callbacks)}`,
      );
    }
    callbacks.forEach((c: unknown, i) => {
      if (!(c instanceof Callback)) {
        throw new TypeError(
          `CallbackList: callbacks[${i}] must be a tf.keras.callbacks.Callback, got ${describeValue(c)}`,
        );
      }
    });
    this.callbacks = callbacks.slice();
    for (const c of this.callbacks) {
      c.setModel(model);
      c.setParams(params);
    }
  }
  call(hook: Hook, ...args: [number, Logs?] | [Logs?]): void {
    for (const c of this.callbacks) {
      const fn = c[hook] as (...a: unknown[]) => void;
      fn.apply(c, args);
    }
  }
}

/** Checks a callbacks argument: an array of Callback instances. */
export function checkCallbacks(where: string, callbacks: unknown): Callback[] {
  if (callbacks === undefined || callbacks === null) return [];
  if (!Array.isArray(callbacks)) {
    throw new TypeError(`${where}: callbacks must be an array of tf.keras.callbacks.Callback`);
  }
  for (const c of callbacks) {
    if (!(c instanceof Callback)) {
      throw new TypeError(
        `${where}: every callback must be an instance of tf.keras.callbacks.Callback, got ${String(c)}`,
      );
    }
  }
  return callbacks as Callback[];
}

/** `tf.keras.callbacks.History`: what fit returns; `history.history.loss` is one value per epoch. */
export class History extends Callback {
  /** The epochs run (0-based). */
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

type Mode = "auto" | "min" | "max";

function checkMode(where: string, mode: unknown): Mode {
  if (mode !== "auto" && mode !== "min" && mode !== "max") {
    throw new RangeError(`${where}: mode must be "auto", "min" or "max", got ${String(mode)}`);
  }
  return mode;
}

/** "auto": higher is better for accuracies, AUC, precision and recall; lower for the rest. */
function higherIsBetter(monitor: string, mode: Mode): boolean {
  if (mode !== "auto") return mode === "max";
  const name = monitor.replace(/^val_/, "");
  return /acc|auc|precision|recall/.test(name);
}

function print(text: string): void {
  process.stdout.write(text + "\n");
}

export interface EarlyStoppingOptions {
  /** Default "val_loss". */
  monitor?: string;
  /** A change smaller than this is no improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  verbose?: number;
  mode?: Mode;
  /** Stop unless the monitored value beats this. */
  baseline?: number | null;
  /** At the end, put back the weights of the best epoch. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching (default 0). */
  startFromEpoch?: number;
}

/**
 * `tf.keras.callbacks.EarlyStopping`: stops when `monitor` has not improved by more than
 * minDelta for `patience` epochs, as Keras 3: each epoch the wait grows by one and resets on an
 * improvement (when it also beats the baseline); training stops when the wait reaches patience.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: number;
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly higher: boolean;
  wait = 0;
  stoppedEpoch = 0;
  best: number | null = null;
  bestEpoch = 0;
  #bestWeights: Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    options = optionsArg("EarlyStopping", options);
    this.monitor = options.monitor ?? "val_loss";
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new RangeError(
        `EarlyStopping: patience must be a non-negative integer, got ${String(options.patience)}`,
      );
    }
    this.verbose = options.verbose ?? 0;
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    this.higher = higherIsBetter(this.monitor, checkMode("EarlyStopping", options.mode ?? "auto"));
  }

  #improves(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.higher ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    this.#bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      process.emitWarning(
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(",")}`,
      );
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    if (this.restoreBestWeights && this.#bestWeights === null) {
      this.#bestWeights = model.weights.map((w) => w.value());
    }
    this.wait += 1;
    if (this.#improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = model.weights.map((w) => w.value());
      if (this.baseline === null || this.#improves(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) {
      print(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    }
    if (this.restoreBestWeights && this.#bestWeights !== null) {
      if (this.verbose > 0) {
        print(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      }
      const weights = this.requireModel().weights;
      this.#bestWeights.forEach((w, i) => weights[i].assign(w));
    }
  }
}

/** The optimizer's learning rate as a number; a schedule cannot be set. */
function numericRate(where: string, model: CallbackModel): number {
  const opt = model.optimizer;
  if (opt === null) throw new TypeError(`${where}: the model has no optimizer (compile it first)`);
  const lr = opt.learningRate;
  if (typeof lr !== "number") {
    throw new TypeError(
      `${where}: the optimizer was created with a learning rate schedule, hence its learning rate is not settable`,
    );
  }
  return lr;
}

function setRate(model: CallbackModel, lr: number): void {
  (model.optimizer as Optimizer).learningRate = lr;
}

/** Python's float formatting of a learning rate (shortest repr). */
const pyFloat = (x: number): string => (Number.isInteger(x) ? x.toFixed(1) : String(x));

export interface ReduceLROnPlateauOptions {
  /** Default "val_loss". */
  monitor?: string;
  /** new_lr = lr * factor (default 0.1, must be < 1). */
  factor?: number;
  /** Default 10. */
  patience?: number;
  verbose?: number;
  mode?: Mode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Default 0. */
  minLr?: number;
}

/** `tf.keras.callbacks.ReduceLROnPlateau`: multiplies the learning rate by factor on a plateau. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly higher: boolean;
  wait = 0;
  cooldownCounter = 0;
  best: number;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    options = optionsArg("ReduceLROnPlateau", options);
    this.monitor = options.monitor ?? "val_loss";
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1)) {
      throw new RangeError(
        `ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${String(this.factor)}`,
      );
    }
    this.patience = options.patience ?? 10;
    this.verbose = options.verbose ?? 0;
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.higher = higherIsBetter(
      this.monitor,
      checkMode("ReduceLROnPlateau", options.mode ?? "auto"),
    );
    this.best = this.higher ? -Infinity : Infinity;
  }

  override onTrainBegin(): void {
    this.best = this.higher ? -Infinity : Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const model = this.requireModel();
    const lr = numericRate("ReduceLROnPlateau", model);
    logs.learning_rate = lr;
    const current = logs[this.monitor];
    if (current === undefined) {
      process.emitWarning(
        `Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(",")}.`,
      );
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    const better = this.higher
      ? current > this.best + this.minDelta
      : current < this.best - this.minDelta;
    if (better) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience && lr > this.minLr) {
        const next = Math.max(lr * this.factor, this.minLr);
        setRate(model, next);
        if (this.verbose > 0) {
          print(
            `\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pyFloat(next)}.`,
          );
        }
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

/**
 * `tf.keras.callbacks.LearningRateScheduler(schedule, {verbose})`: at each epoch's start, sets
 * the learning rate to schedule(epoch, currentRate).
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: (epoch: number, lr: number) => number;
  readonly verbose: number;
  constructor(schedule: (epoch: number, lr: number) => number, options: { verbose?: number } = {}) {
    super();
    if (typeof schedule !== "function") {
      throw new TypeError("LearningRateScheduler: schedule must be a function (epoch, lr) => lr");
    }
    this.schedule = schedule;
    this.verbose = options.verbose ?? 0;
  }
  override onEpochBegin(epoch: number): void {
    const model = this.requireModel();
    const lr = this.schedule(epoch, numericRate("LearningRateScheduler", model));
    if (typeof lr !== "number" || !Number.isFinite(lr)) {
      throw new InvalidArgumentError(
        `LearningRateScheduler: the output of the "schedule" function should be a finite number, got ${String(lr)}`,
      );
    }
    setRate(model, lr);
    if (this.verbose > 0) {
      print(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pyFloat(lr)}.`);
    }
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs.learning_rate = numericRate("LearningRateScheduler", this.requireModel());
  }
}

export interface CSVLoggerOptions {
  /** Default ",". */
  separator?: string;
  /** Append to an existing file (no second header). */
  append?: boolean;
}

/**
 * `tf.keras.callbacks.CSVLogger(filename, {separator, append})`: one row per epoch, `epoch`
 * then the logs' keys in sorted order.
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  #keys: string[] | null = null;
  #header = true;

  constructor(filename: string, options: CSVLoggerOptions = {}) {
    super();
    if (typeof filename !== "string" || filename === "") {
      throw new TypeError("CSVLogger: filename must be a non-empty string");
    }
    this.filename = filename;
    this.separator = options.separator ?? ",";
    this.append = options.append ?? false;
  }

  override onTrainBegin(): void {
    this.#keys = null;
    if (this.append && existsSync(this.filename)) {
      this.#header = readFileSync(this.filename, "utf8").length === 0;
    } else {
      writeFileSync(this.filename, "");
      this.#header = true;
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.#keys ??= Object.keys(logs).sort();
    let text = "";
    if (this.#header) {
      text += ["epoch", ...this.#keys].join(this.separator) + "\n";
      this.#header = false;
    }
    const cells = this.#keys.map((k) => (k in logs ? String(logs[k]) : "NA"));
    text += [String(epoch), ...cells].join(this.separator) + "\n";
    appendFileSync(this.filename, text);
  }
}

/** `tf.keras.callbacks.TerminateOnNaN()`: stops training when the loss becomes NaN or infinite. */
export class TerminateOnNaN extends Callback {
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      print(`Batch ${batch}: Invalid loss, terminating training`);
      this.requireModel().stopTraining = true;
    }
  }
}

export interface LambdaCallbackOptions {
  onEpochBegin?: (epoch: number, logs?: Logs) => void;
  onEpochEnd?: (epoch: number, logs?: Logs) => void;
  onTrainBatchBegin?: (batch: number, logs?: Logs) => void;
  onTrainBatchEnd?: (batch: number, logs?: Logs) => void;
  /** Keras's on_batch_begin / on_batch_end: the training batches. */
  onBatchBegin?: (batch: number, logs?: Logs) => void;
  onBatchEnd?: (batch: number, logs?: Logs) => void;
  onTrainBegin?: (logs?: Logs) => void;
  onTrainEnd?: (logs?: Logs) => void;
}

/** `tf.keras.callbacks.LambdaCallback({onEpochEnd, ...})`: a callback from functions. */
export class LambdaCallback extends Callback {
  readonly #fns: LambdaCallbackOptions;
  constructor(fns: LambdaCallbackOptions = {}) {
    super();
    fns = optionsArg("LambdaCallback", fns);
    for (const [k, v] of Object.entries(fns)) {
      if (typeof v !== "function") throw new TypeError(`LambdaCallback: ${k} must be a function`);
    }
    this.#fns = fns;
  }
  override onEpochBegin(epoch: number, logs?: Logs): void {
    this.#fns.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    this.#fns.onEpochEnd?.(epoch, logs);
  }
  override onTrainBatchBegin(batch: number, logs?: Logs): void {
    (this.#fns.onTrainBatchBegin ?? this.#fns.onBatchBegin)?.(batch, logs);
  }
  override onTrainBatchEnd(batch: number, logs?: Logs): void {
    (this.#fns.onTrainBatchEnd ?? this.#fns.onBatchEnd)?.(batch, logs);
  }
  override onTrainBegin(logs?: Logs): void {
    this.#fns.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs?: Logs): void {
    this.#fns.onTrainEnd?.(logs);
  }
}
