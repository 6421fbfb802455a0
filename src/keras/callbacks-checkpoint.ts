/**
 * `tf.keras.callbacks.ModelCheckpoint(filepath, {monitor, verbose, saveBestOnly,
 * saveWeightsOnly, mode, saveFreq, initialValueThreshold})`, as Keras 3's: saves the model
 * (`.keras`) or its weights (`.weights.h5`) at the end of each epoch (or every `saveFreq`
 * batches), or only when `monitor` improves. The path may hold Python format fields filled from
 * the epoch (1-based), the batch and the logs: `ckpt-{epoch:02d}-{val_loss:.2f}.keras`.
 *
 * fit is synchronous and the HDF5 library loads asynchronously, so `await
 * tf.keras.saving.ready()` once before a fit that uses this callback; it says so at the start
 * of training otherwise, before any epoch runs. Every write is atomic (saving.ts).
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidArgumentError } from "../tensor/errors.js";
import { warn } from "../engine/logging.js";
import { Callback, type Logs } from "./callbacks.js";
import type { Layer, LayerInputs, LayerOutputs } from "./layer.js";
import { h5Loaded } from "./saving/h5.js";
import { saveModelSync } from "./saving/keras-file.js";
import { saveWeightsSync } from "./saving/weights.js";

export interface ModelCheckpointOptions {
  /** The logged value that decides "best" (default "val_loss"). */
  monitor?: string;
  /** 1 prints a line at each save (and each decision with saveBestOnly); default 0. */
  verbose?: number;
  /** Save only when `monitor` improves on the best value so far (default false). */
  saveBestOnly?: boolean;
  /** Save the weights (`.weights.h5`) instead of the whole model (`.keras`); default false. */
  saveWeightsOnly?: boolean;
  /** Whether lower ("min") or higher ("max") is better; "auto" infers it from the name. */
  mode?: "auto" | "min" | "max";
  /** "epoch" (default), or save every this many batches. */
  saveFreq?: "epoch" | number;
  /** The best value to beat at the start (default none: the first value is an improvement). */
  initialValueThreshold?: number | null;
}

/** Python's str.format for the fields ModelCheckpoint paths use: `{name}`, `{name:02d}`, `{name:.4f}`. */
export function formatPath(template: string, values: Record<string, number>): string {
  return template.replace(
    /\{([A-Za-z_][\w]*)(?::([^}]*))?\}/g,
    (field, name: string, spec?: string) => {
      if (!(name in values)) {
        throw new InvalidArgumentError(
          `ModelCheckpoint: failed to format this callback filepath: "${template}". Reason: no value for '${name}' (known: ${Object.keys(values).join(", ")})`,
        );
      }
      const v = values[name];
      if (spec === undefined || spec === "") return Number.isInteger(v) ? String(v) : String(v);
      const m = /^(0?)(\d*)(?:\.(\d+))?([dfeEgs]?)$/.exec(spec);
      if (m === null) {
        throw new InvalidArgumentError(
          `ModelCheckpoint: unsupported format spec '${spec}' in ${field}`,
        );
      }
      const [, zero, width, precision, type] = m;
      let s: string;
      if (type === "d") s = String(Math.trunc(v));
      else if (type === "f" || (type === "" && precision !== undefined))
        s = v.toFixed(Number(precision ?? 6));
      else if (type === "e" || type === "E") {
        s = v.toExponential(Number(precision ?? 6)).replace(/e([+-])(\d)$/, "e$10$2");
        if (type === "E") s = s.toUpperCase();
      } else s = String(v);
      const w = Number(width || 0);
      if (s.length < w) {
        s =
          zero === "0"
            ? s.startsWith("-")
              ? "-" + s.slice(1).padStart(w - 1, "0")
              : s.padStart(w, "0")
            : s.padStart(w, " ");
      }
      return s;
    },
  );
}

type SaveableModel = Layer<LayerInputs, LayerOutputs>;

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: "auto" | "min" | "max";
  readonly saveFreq: "epoch" | number;
  /** The best monitored value so far (null before the first). */
  best: number | null;
  #higher: boolean | null = null;
  #epoch = 0;
  #batchesSinceSave = 0;

  constructor(filepath: string, options: ModelCheckpointOptions = {}) {
    super();
    const where = "ModelCheckpoint";
    if (typeof filepath !== "string" || filepath === "") {
      throw new TypeError(`${where}: filepath must be a non-empty string, got ${String(filepath)}`);
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${where}: options must be an object, got ${String(options)}`);
    }
    this.filepath = filepath;
    this.monitor = options.monitor ?? "val_loss";
    this.verbose = options.verbose ?? 0;
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.saveWeightsOnly = options.saveWeightsOnly ?? false;
    this.mode = options.mode ?? "auto";
    this.saveFreq = options.saveFreq ?? "epoch";
    this.best = options.initialValueThreshold ?? null;
    if (!["auto", "min", "max"].includes(this.mode)) {
      throw new InvalidArgumentError(
        `${where}: mode must be "auto", "min" or "max", got ${String(this.mode)}`,
      );
    }
    if (this.saveFreq !== "epoch" && !(Number.isInteger(this.saveFreq) && this.saveFreq > 0)) {
      throw new InvalidArgumentError(
        `${where}: unrecognized saveFreq: ${String(this.saveFreq)}. Expected saveFreq are "epoch" or positive integer values`,
      );
    }
    if (this.saveWeightsOnly && !filepath.endsWith(".weights.h5")) {
      throw new InvalidArgumentError(
        `${where}: when using saveWeightsOnly, the filepath provided must end in \`.weights.h5\` (Keras weights format). Received: filepath=${filepath}`,
      );
    }
    if (!this.saveWeightsOnly && !filepath.endsWith(".keras")) {
      throw new InvalidArgumentError(
        `${where}: the filepath provided must end in \`.keras\` (Keras model format). Received: filepath=${filepath}`,
      );
    }
  }

  /** Fails before the first epoch if the HDF5 library is not loaded (see the file comment). */
  override onTrainBegin(): void {
    if (!h5Loaded()) {
      throw new Error(
        "ModelCheckpoint: the HDF5 library is not loaded yet, and fit is synchronous: `await tf.keras.saving.ready()` once before calling fit with a ModelCheckpoint",
      );
    }
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    if (this.saveFreq === "epoch") return;
    this.#batchesSinceSave++;
    if (this.#batchesSinceSave >= this.saveFreq) {
      this.#batchesSinceSave = 0;
      this.#save(this.#epoch, batch, logs);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.saveFreq === "epoch") this.#save(epoch, null, logs);
  }

  /** Keras's monitor_op: lower is better for losses, higher for accuracies, else the mode. */
  #higherIsBetter(): boolean {
    if (this.#higher !== null) return this.#higher;
    if (this.mode !== "auto") return (this.#higher = this.mode === "max");
    const name = this.monitor.replace(/^val_/, "");
    if (/acc|auc|precision|recall/.test(name)) return (this.#higher = true);
    if (/loss|error|crossentropy|^mse$|^mae$|^mape$|^msle$|hinge/.test(name))
      return (this.#higher = false);
    throw new InvalidArgumentError(
      `ModelCheckpoint callback received monitor=${this.monitor}, but tapeflow isn't able to automatically determine whether that metric should be maximized or minimized. Pass mode: "max" in order to monitor based on the highest metric value, or mode: "min" in order to use the lowest value`,
    );
  }

  #shouldSave(epoch: number, logs: Logs, filepath: string): boolean {
    const say = (text: string) => {
      if (this.verbose > 0) process.stdout.write(`\nEpoch ${epoch + 1}: ${text}\n`);
    };
    if (!this.saveBestOnly) {
      say(`saving model to ${filepath}`);
      return true;
    }
    const current = logs[this.monitor];
    if (current === undefined) {
      warn(`ModelCheckpoint: can save best model only with ${this.monitor} available`);
      return true;
    }
    const higher = this.#higherIsBetter();
    const bestStr = this.best === null ? "None" : this.best.toFixed(5);
    const improved = this.best === null || (higher ? current > this.best : current < this.best);
    if (improved) {
      say(
        `${this.monitor} improved from ${bestStr} to ${current.toFixed(5)}, saving model to ${filepath}`,
      );
      this.best = current;
      return true;
    }
    say(`${this.monitor} did not improve from ${bestStr}`);
    return false;
  }

  #save(epoch: number, batch: number | null, logs: Logs): void {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !("batch" in logs)) values.batch = batch + 1;
    const filepath = formatPath(this.filepath, values);
    if (!this.#shouldSave(epoch, logs, filepath)) return;
    const dir = dirname(filepath);
    if (dir !== "" && !existsSync(dir)) mkdirSync(dir, { recursive: true });
    const model = this.requireModel() as unknown as SaveableModel;
    if (this.saveWeightsOnly) saveWeightsSync(model, filepath);
    else saveModelSync(model, filepath);
    if (this.verbose > 0)
      process.stdout.write(`\nEpoch ${epoch + 1}: finished saving model to ${filepath}\n`);
  }
}
