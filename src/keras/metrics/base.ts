/**
 * Keras's stateful metrics: `updateState(yTrue, yPred, sampleWeight?)` accumulates over batches,
 * `result()` gives the value so far (a float32 scalar tensor), `resetState()` starts over.
 *
 * The state is a few float64 numbers held here, not variables: a metric is bookkeeping outside
 * the gradient, and reading batch values once per update keeps it exact and cheap.
 */
import { optionsArg } from "../../tensor/args.js";
import type { TensorLike } from "../../tensor/convert.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeMsg } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { toTensor } from "../../ops/checks.js";
import { constant } from "../../ops/creation.js";

export interface MetricOptions {
  /** The key in the logs (`accuracy`, `val_accuracy`); default the metric's snake_case name. */
  name?: string;
}

/** A tensor-like as a tensor (JS values float32, as Keras's floatx). */
export function asTensor(x: TensorLike, name: string): Tensor {
  return x instanceof Tensor ? x : toTensor(x, name, "float32");
}

/** The values of a tensor as float64 numbers (bools as 0/1). */
export function numbers(t: Tensor): Float64Array {
  const d = t.dataSync() as ArrayLike<number | boolean>;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/**
 * Per-sample weights for `count` samples: none gives ones; a scalar, [N] or [N, 1] tensor is
 * spread over the samples.
 */
export function sampleWeights(
  sampleWeight: TensorLike | null | undefined,
  count: number,
  metric: string,
): Float64Array {
  const out = new Float64Array(count).fill(1);
  if (sampleWeight === undefined || sampleWeight === null) return out;
  const w = asTensor(sampleWeight, metric);
  const v = numbers(w);
  if (v.length === 1) return out.fill(v[0]);
  if (v.length !== count) {
    throw new InvalidArgumentError(
      `${metric}: sampleWeight ${shapeMsg(w.shape)} does not match ${count} samples`,
    );
  }
  out.set(v);
  return out;
}

export abstract class Metric {
  readonly name: string;

  constructor(defaultName: string, options: MetricOptions = {}) {
    options = optionsArg(this.constructor.name, options);
    this.name = options.name ?? defaultName;
    if (typeof this.name !== "string" || this.name === "") {
      throw new TypeError(`Metric: the name must be a non-empty string, got ${String(this.name)}`);
    }
  }

  /** Accumulates a batch. */
  abstract updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void;

  /** The value so far, as a number. */
  abstract resultValue(): number;

  /** The value so far: a float32 scalar. */
  result(): Tensor {
    return constant(this.resultValue(), "float32");
  }

  /** Forgets every batch seen. */
  abstract resetState(): void;

  toString(): string {
    return `<${this.constructor.name} name=${this.name}>`;
  }
}

/**
 * `tf.keras.metrics.Mean()`: the weighted mean of every value given,
 * sum(values * w) / sum(w), the weights broadcast over the values.
 */
export class Mean extends Metric {
  protected total = 0;
  protected count = 0;

  constructor(options: MetricOptions = {}) {
    super("mean", options);
  }

  /** Mean takes its values as the first argument: `m.updateState(values, sampleWeight?)`. */
  override updateState(values: TensorLike, sampleWeight?: TensorLike | null): void {
    const v = asTensor(values, this.name);
    this.accumulate(numbers(v), v.shape, sampleWeight ?? null);
  }

  /** Adds values of a shape, each row of the leading axis weighted by sampleWeight. */
  protected accumulate(
    v: Float64Array,
    shape: readonly number[],
    sampleWeight: TensorLike | null,
  ): void {
    if (sampleWeight === null) {
      for (const x of v) this.total += x;
      this.count += v.length;
      return;
    }
    const w = numbers(asTensor(sampleWeight, this.name));
    if (w.length === 1) {
      for (const x of v) this.total += x * w[0];
      this.count += v.length * w[0];
      return;
    }
    if (w.length === v.length) {
      for (let i = 0; i < v.length; i++) {
        this.total += v[i] * w[i];
        this.count += w[i];
      }
      return;
    }
    const rows = shape.length > 0 ? shape[0] : 1;
    if (w.length !== rows || v.length % rows !== 0) {
      throw new InvalidArgumentError(
        `${this.name}: sampleWeight of ${w.length} values does not broadcast to values ${shapeMsg(shape)}`,
      );
    }
    const per = v.length / rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < per; j++) this.total += v[r * per + j] * w[r];
      this.count += w[r] * per;
    }
  }

  resultValue(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  resetState(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** `tf.keras.metrics.Sum()`: the weighted sum of every value given. */
export class Sum extends Metric {
  #total = 0;

  constructor(options: MetricOptions = {}) {
    super("sum", options);
  }

  override updateState(values: TensorLike, sampleWeight?: TensorLike | null): void {
    const v = asTensor(values, this.name);
    const x = numbers(v);
    const w =
      sampleWeight === undefined || sampleWeight === null
        ? null
        : numbers(asTensor(sampleWeight, this.name));
    if (w === null) {
      for (const a of x) this.#total += a;
      return;
    }
    const rows = v.rank > 0 ? v.shape[0] : 1;
    if (w.length !== 1 && w.length !== x.length && w.length !== rows) {
      throw new InvalidArgumentError(
        `${this.name}: sampleWeight of ${w.length} values does not broadcast to values ${shapeMsg(v.shape)}`,
      );
    }
    const per = x.length / Math.max(rows, 1);
    for (let i = 0; i < x.length; i++) {
      const wi = w.length === 1 ? w[0] : w.length === x.length ? w[i] : w[Math.floor(i / per)];
      this.#total += x[i] * wi;
    }
  }

  resultValue(): number {
    return this.#total;
  }

  resetState(): void {
    this.#total = 0;
  }
}

/** The per-sample values of a batch: one number per sample (the leading axis). */
export type SampleFn = (yTrue: Tensor, yPred: Tensor) => Float64Array;

/**
 * Keras's MeanMetricWrapper: a per-sample function of (yTrue, yPred), averaged over every
 * sample seen, weighted by sampleWeight.
 */
export abstract class MeanMetricWrapper extends Metric {
  #total = 0;
  #count = 0;

  protected abstract perSample(yTrue: Tensor, yPred: Tensor): Float64Array;

  override updateState(
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight?: TensorLike | null,
  ): void {
    const p = asTensor(yPred, this.name);
    const t = asTensor(yTrue, this.name);
    const v = this.perSample(t, p);
    const w = sampleWeights(sampleWeight, v.length, this.name);
    for (let i = 0; i < v.length; i++) {
      this.#total += v[i] * w[i];
      this.#count += w[i];
    }
  }

  resultValue(): number {
    return this.#count === 0 ? 0 : this.#total / this.#count;
  }

  resetState(): void {
    this.#total = 0;
    this.#count = 0;
  }
}

/** Checks that yTrue and yPred have the same number of values and returns both as numbers. */
export function sameSize(
  metric: string,
  yTrue: Tensor,
  yPred: Tensor,
): [Float64Array, Float64Array] {
  if (yTrue.size !== yPred.size) {
    throw new InvalidArgumentError(
      `${metric}: yTrue ${shapeMsg(yTrue.shape)} and yPred ${shapeMsg(yPred.shape)} must have the same number of values`,
    );
  }
  return [numbers(yTrue), numbers(yPred)];
}

/** Rows of the last axis: [N, ..., C] -> N*... rows of C (rank 1 is N rows of 1). */
export function rowsOf(t: Tensor): { rows: number; width: number } {
  const width = t.rank <= 1 ? 1 : t.shape[t.rank - 1];
  return { rows: width === 0 ? 0 : t.size / width, width };
}
