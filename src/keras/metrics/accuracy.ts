/**
 * Accuracy metrics, each the weighted mean over samples of a per-sample match:
 * Accuracy (yTrue == yPred), BinaryAccuracy (yTrue == (yPred > threshold)), CategoricalAccuracy
 * (argmax yTrue == argmax yPred), SparseCategoricalAccuracy (label == argmax yPred), and the
 * top-k forms (the label's score is among the k largest: fewer than k scores beat it, so ties at
 * the boundary count as in, as tf.math.in_top_k does).
 */
import { optionsArg } from "../../tensor/args.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeMsg } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MeanMetricWrapper, type MetricOptions, numbers, rowsOf, sameSize } from "./base.js";

/** Means of `match` over each row of the last axis (rank <= 1: each value is a row). */
function rowMeans(match: Float64Array, width: number): Float64Array {
  const rows = width === 0 ? 0 : match.length / width;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += match[r * width + j];
    out[r] = s / width;
  }
  return out;
}

function argmaxRows(v: Float64Array, width: number): Int32Array {
  const rows = width === 0 ? 0 : v.length / width;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (v[r * width + j] > v[r * width + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** `tf.keras.metrics.Accuracy()`: how often yPred equals yTrue exactly. */
export class Accuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super("accuracy", options);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    const m = t.map((x, i) => (x === p[i] ? 1 : 0));
    return rowMeans(m, rowsOf(yPred).width);
  }
}

export interface BinaryAccuracyOptions extends MetricOptions {
  /** A prediction above it is 1 (default 0.5). */
  threshold?: number;
}

/** `tf.keras.metrics.BinaryAccuracy({threshold})`: yTrue == (yPred > threshold). */
export class BinaryAccuracy extends MeanMetricWrapper {
  readonly threshold: number;
  constructor(options: BinaryAccuracyOptions = {}) {
    super("binary_accuracy", options);
    options = optionsArg("BinaryAccuracy", options);
    this.threshold = options.threshold ?? 0.5;
    if (typeof this.threshold !== "number" || Number.isNaN(this.threshold)) {
      throw new TypeError(
        `BinaryAccuracy: threshold must be a number, got ${String(this.threshold)}`,
      );
    }
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    const m = t.map((x, i) => (x === (p[i] > this.threshold ? 1 : 0) ? 1 : 0));
    return rowMeans(m, rowsOf(yPred).width);
  }
}

/** `tf.keras.metrics.CategoricalAccuracy()`: argmax(yTrue) == argmax(yPred), one-hot labels. */
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super("categorical_accuracy", options);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    const { width } = rowsOf(yPred);
    const a = argmaxRows(t, width);
    const b = argmaxRows(p, width);
    return Float64Array.from(a, (x, i) => (x === b[i] ? 1 : 0));
  }
}

/** Integer labels, one per row of yPred: [N] or [N, 1] against [N, C]. */
function sparseLabels(metric: string, yTrue: Tensor, yPred: Tensor): Float64Array {
  const { rows } = rowsOf(yPred);
  if (yTrue.size !== rows || yPred.rank < 1) {
    throw new InvalidArgumentError(
      `${metric}: expected one integer label per row of yPred ${shapeMsg(yPred.shape)}, got yTrue ${shapeMsg(yTrue.shape)}`,
    );
  }
  return numbers(yTrue);
}

/** `tf.keras.metrics.SparseCategoricalAccuracy()`: integer label == argmax(yPred). */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super("sparse_categorical_accuracy", options);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const labels = sparseLabels(this.name, yTrue, yPred);
    const b = argmaxRows(numbers(yPred), rowsOf(yPred).width);
    return Float64Array.from(b, (x, i) => (x === labels[i] ? 1 : 0));
  }
}

export interface TopKOptions extends MetricOptions {
  /** Default 5. */
  k?: number;
}

/** Whether the score at `label` in each row is beaten by fewer than k others. */
function inTopK(
  p: Float64Array,
  width: number,
  labels: ArrayLike<number>,
  k: number,
): Float64Array {
  const rows = width === 0 ? 0 : p.length / width;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const label = labels[r];
    if (!(label >= 0 && label < width) || !Number.isInteger(label)) continue;
    const target = p[r * width + label];
    let above = 0;
    for (let j = 0; j < width; j++) if (p[r * width + j] > target) above++;
    out[r] = above < k && !Number.isNaN(target) ? 1 : 0;
  }
  return out;
}

function checkK(metric: string, k: number): number {
  if (!Number.isInteger(k) || k <= 0) {
    throw new RangeError(`${metric}: k must be a positive integer, got ${String(k)}`);
  }
  return k;
}

/** `tf.keras.metrics.TopKCategoricalAccuracy({k})`: argmax(yTrue) among the k best of yPred. */
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor(options: TopKOptions = {}) {
    super("top_k_categorical_accuracy", options);
    options = optionsArg("TopKCategoricalAccuracy", options);
    this.k = checkK("TopKCategoricalAccuracy", options.k ?? 5);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    const { width } = rowsOf(yPred);
    return inTopK(p, width, argmaxRows(t, width), this.k);
  }
}

/** `tf.keras.metrics.SparseTopKCategoricalAccuracy({k})`: the label among the k best. */
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor(options: TopKOptions = {}) {
    super("sparse_top_k_categorical_accuracy", options);
    options = optionsArg("SparseTopKCategoricalAccuracy", options);
    this.k = checkK("SparseTopKCategoricalAccuracy", options.k ?? 5);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const labels = sparseLabels(this.name, yTrue, yPred);
    return inTopK(numbers(yPred), rowsOf(yPred).width, labels, this.k);
  }
}
