/**
 * Keras 3's progress bar and the ProgbarLogger callback that fit, evaluate and predict use:
 *
 * ```
 * Epoch 1/5
 * 469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9012 - loss: 0.3120 - val_accuracy: ...
 * ```
 *
 * On a TTY the line is redrawn in place (carriage return, Keras's bold count and green/white
 * bar); elsewhere (a file, a pipe, a test's fake stream) only each epoch's final line is
 * written, without escape codes. verbose 2 writes one line per epoch,
 * `469/469 - 2s - 4ms/step - loss: ...`; verbose 0 nothing.
 */
import { optionsArg } from "../tensor/args.js";
import { Callback, type Logs, type Writable } from "./callbacks.js";

/** Python's `%.4f` / `%.4e` as Keras prints a metric: `0.3120`, `1.2340e-04`. */
export function formatValue(v: number): string {
  if (Math.abs(v) > 1e-3 || !Number.isFinite(v)) {
    return Number.isFinite(v) ? v.toFixed(4) : Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  }
  const [m, e] = v.toExponential(4).split("e");
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

/** Keras's _format_time: ` 4ms/step`, ` 2s/step`, ` 120us/step`. */
export function formatStepTime(seconds: number, unit = "step"): string {
  if (seconds >= 1 || seconds === 0) return ` ${seconds.toFixed(0)}s/${unit}`;
  if (seconds >= 1e-3) return ` ${(seconds * 1e3).toFixed(0)}ms/${unit}`;
  return ` ${(seconds * 1e6).toFixed(0)}us/${unit}`;
}

/** Python's `%d` of a float: truncation toward zero. */
const int = (x: number) => Math.trunc(x);

function formatEta(eta: number): string {
  if (eta > 3600) {
    return `${int(eta / 3600)}:${String(int((eta % 3600) / 60)).padStart(2, "0")}:${String(int(eta % 60)).padStart(2, "0")}`;
  }
  if (eta > 60) return `${int(eta / 60)}:${String(int(eta % 60)).padStart(2, "0")}`;
  return `${int(eta)}s`;
}

export interface ProgbarOptions {
  /** Default 20. */
  width?: number;
  /** 1 (a bar) or 2 (one line at the end); 0 prints nothing. */
  verbose?: number;
  /** Least seconds between redraws (default 0.05). */
  interval?: number;
  /** Default process.stdout. */
  stream?: Writable;
  /** Redraw in place; default: whether the stream is a TTY. */
  dynamic?: boolean;
  /** A clock in seconds (for tests); default performance.now() / 1000. */
  now?: () => number;
  unitName?: string;
}

/** `tf.keras.utils.Progbar`: Keras 3's progress bar. */
export class Progbar {
  /** Steps in all; null while unknown (set it once known). */
  target: number | null;
  readonly width: number;
  readonly verbose: number;
  readonly interval: number;
  readonly stream: Writable;
  readonly dynamic: boolean;
  readonly unitName: string;
  readonly #now: () => number;
  #values = new Map<string, [number, number]>();
  #seen = 0;
  #start: number;
  #lastUpdate = 0;
  #afterFirstStep: number | null = null;
  #prevWidth = 0;

  constructor(target: number | null, options: ProgbarOptions = {}) {
    options = optionsArg("Progbar", options);
    this.target = target;
    this.width = options.width ?? 20;
    this.verbose = options.verbose ?? 1;
    this.interval = options.interval ?? 0.05;
    this.stream = options.stream ?? process.stdout;
    this.dynamic = options.dynamic ?? this.stream.isTTY === true;
    this.unitName = options.unitName ?? "step";
    this.#now = options.now ?? (() => performance.now() / 1000);
    this.#start = this.#now();
  }

  /**
   * Moves to step `current` with the latest values (averaged over steps while running, as
   * Keras's stateless metrics; the final update shows them as given).
   */
  update(current: number, values: readonly [string, number][] = [], finalize?: boolean): void {
    const fin = finalize ?? (this.target !== null && current >= this.target);
    for (const [k, v] of values) {
      if (fin) this.#values.set(k, [v, 1]);
      else {
        const base = Math.max(current - this.#seen, 1);
        const prev = this.#values.get(k);
        if (prev === undefined) this.#values.set(k, [v * base, base]);
        else this.#values.set(k, [prev[0] + v * base, prev[1] + base]);
      }
    }
    this.#seen = current;
    const now = this.#now();
    const perUnit = this.#stepDuration(current, now);
    if (this.verbose === 1) {
      if (now - this.#lastUpdate < this.interval && !fin) return;
      // Without a terminal, only the final line of each bar is written.
      if (!this.dynamic && !fin) {
        this.#lastUpdate = now;
        return;
      }
      const color = this.dynamic;
      let bar: string;
      let plainBar: string;
      if (this.target !== null && this.target > 0) {
        const digits = String(Math.trunc(this.target)).length;
        const count = `${String(current).padStart(digits)}/${this.target}`;
        const done = Math.trunc((this.width * current) / this.target);
        const full = "━".repeat(Math.min(Math.max(done, 0), this.width));
        const rest = "━".repeat(this.width - full.length);
        plainBar = `${count} ${full}${rest}`;
        bar = color
          ? `\x1b[1m${count}\x1b[0m ${full.length > 0 ? `\x1b[32m${full}\x1b[0m` : ""}\x1b[37m${rest}\x1b[0m`
          : plainBar;
      } else {
        plainBar = bar = `${String(current).padStart(7)}/Unknown`;
      }
      const timeText =
        this.target !== null && this.target > 0 && !fin
          ? formatEta(perUnit * (this.target - current))
          : `${(now - this.#start).toFixed(0)}s`;
      let info = ` ${color ? `\x1b[1m${timeText}\x1b[0m` : timeText}`;
      let plainInfo = ` ${timeText}`;
      const tail = formatStepTime(perUnit, this.unitName) + this.#metricsText();
      info += tail;
      plainInfo += tail;
      const width = plainBar.length + plainInfo.length;
      let message = color ? `\r${bar}${info}` : `${bar}${info}`;
      if (color && this.#prevWidth > width) message += " ".repeat(this.#prevWidth - width);
      if (fin) message += "\n";
      this.stream.write(message);
      this.#prevWidth = width;
    } else if (this.verbose === 2) {
      if (fin && this.target !== null && this.target > 0) {
        const digits = String(Math.trunc(this.target)).length;
        const count = `${String(current).padStart(digits)}/${this.target}`;
        const text = `${count} - ${(now - this.#start).toFixed(0)}s -${formatStepTime(perUnit, this.unitName)}${this.#metricsText()}\n`;
        this.stream.write(text);
      }
    }
    this.#lastUpdate = now;
  }

  #metricsText(): string {
    let s = "";
    for (const [k, [total, count]] of this.#values) {
      s += ` - ${k}: ${formatValue(total / Math.max(1, count))}`;
    }
    return s;
  }

  /** Seconds per step, leaving out the first step (compilation, warm-up) once there are more. */
  #stepDuration(current: number, now: number): number {
    if (!current) return 0;
    const perUnit =
      this.#afterFirstStep !== null && current > 1
        ? (now - this.#afterFirstStep) / (current - 1)
        : (now - this.#start) / current;
    if (current === 1) this.#afterFirstStep = now;
    return perUnit;
  }
}

export interface ProgbarLoggerOptions {
  stream?: Writable;
  /** Redraw in place; default: whether the stream is a TTY. */
  dynamic?: boolean;
  now?: () => number;
}

/** Orders logs as Keras prints them: the metrics by name, then the validation ones by name. */
export function orderLogs(logs: Logs): [string, number][] {
  const keys = Object.keys(logs);
  const train = keys.filter((k) => !k.startsWith("val_")).sort();
  const val = keys.filter((k) => k.startsWith("val_")).sort();
  return [...train, ...val].map((k) => [k, logs[k]]);
}

/** `tf.keras.callbacks.ProgbarLogger`: the progress output of fit, evaluate and predict. */
export class ProgbarLogger extends Callback {
  readonly options: ProgbarLoggerOptions;
  verbose = 1;
  epochs = 1;
  #target: number | null = null;
  #bar: Progbar | null = null;
  #seen = 0;
  #inFit = false;

  constructor(options: ProgbarLoggerOptions = {}) {
    super();
    this.options = options;
  }

  override setParams(params: { epochs?: number; steps?: number | null; verbose?: number }): void {
    super.setParams(params);
    this.verbose = params.verbose ?? 1;
    this.epochs = params.epochs ?? 1;
    this.#target = params.steps ?? null;
  }

  /** Steps per epoch once known (an iterable's length is learned in the first epoch). */
  setTarget(target: number | null): void {
    this.#target = target;
  }

  #reset(): void {
    this.#seen = 0;
    this.#bar = null;
  }

  #ensureBar(): Progbar {
    this.#bar ??= new Progbar(this.#target, {
      verbose: this.verbose,
      stream: this.options.stream,
      dynamic: this.options.dynamic,
      now: this.options.now,
    });
    return this.#bar;
  }

  #write(text: string): void {
    (this.options.stream ?? process.stdout).write(text + "\n");
  }

  override onTrainBegin(): void {
    this.#inFit = true;
  }
  override onTrainEnd(): void {
    this.#inFit = false;
  }
  override onEpochBegin(epoch: number): void {
    this.#reset();
    this.#ensureBar();
    if (this.verbose && this.epochs > 1) this.#write(`Epoch ${epoch + 1}/${this.epochs}`);
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.#update(batch, logs);
  }
  override onTestBegin(): void {
    if (!this.#inFit) {
      this.#reset();
      this.#ensureBar();
    }
  }
  override onTestBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.#inFit) this.#update(batch, logs);
  }
  override onPredictBegin(): void {
    this.#reset();
    this.#ensureBar();
  }
  override onPredictBatchEnd(batch: number): void {
    this.#update(batch, {});
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.#finalize(logs);
  }
  override onTestEnd(logs: Logs = {}): void {
    if (!this.#inFit) this.#finalize(logs);
  }
  override onPredictEnd(): void {
    this.#finalize({});
  }

  #update(batch: number, logs: Logs): void {
    this.#seen = batch + 1;
    if (this.verbose === 1) this.#ensureBar().update(this.#seen, orderLogs(logs), false);
  }

  #finalize(logs: Logs): void {
    const bar = this.#ensureBar();
    if (this.#target === null) this.#target = this.#seen;
    bar.target = this.#target;
    bar.update(this.#target, orderLogs(logs), true);
  }
}
