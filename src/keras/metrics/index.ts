/**
 * `tf.keras.metrics`: stateful metrics (updateState / result / resetState) and `get`, which
 * resolves the names compile() accepts. `"accuracy"` (or `"acc"`) becomes the accuracy that fits
 * the data, as Keras 3 picks it from the shapes of the first batch: yPred with a last dimension
 * of 1 (or a binary crossentropy loss) gives BinaryAccuracy, integer labels one rank below yPred
 * (or [N, 1]) give SparseCategoricalAccuracy, one-hot labels CategoricalAccuracy.
 */
import type { TensorLike } from "../../tensor/convert.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  TopKCategoricalAccuracy,
} from "./accuracy.js";
import { asTensor, MeanMetricWrapper, Metric, type MetricOptions, numbers } from "./base.js";
import { AUC, Precision, Recall } from "./confusion.js";
import { MeanAbsoluteError, MeanSquaredError } from "./regression.js";

export { Metric, Mean, Sum, MeanMetricWrapper, type MetricOptions } from "./base.js";
export {
  Accuracy,
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  type BinaryAccuracyOptions,
  type TopKOptions,
} from "./accuracy.js";
export {
  AUC,
  Precision,
  Recall,
  type AUCOptions,
  type PrecisionRecallOptions,
} from "./confusion.js";
export { MeanSquaredError, MeanAbsoluteError } from "./regression.js";

/** A per-sample metric function (yTrue, yPred) -> values per sample. */
export type MetricFunction = (yTrue: TensorLike, yPred: TensorLike) => Tensor;

/** A function of (yTrue, yPred) averaged like a Keras MeanMetricWrapper. */
class FunctionMetric extends MeanMetricWrapper {
  readonly #fn: MetricFunction;
  constructor(fn: MetricFunction, options: MetricOptions = {}) {
    super(fn.name || "metric", options);
    this.#fn = fn;
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const v = this.#fn(yTrue, yPred);
    const rows = yPred.rank === 0 ? 1 : yPred.shape[0];
    const x = numbers(asTensor(v, this.name));
    if (x.length === rows || rows === 0) return x;
    // A function giving more than one value per sample: average each sample's values.
    const per = x.length / rows;
    return Float64Array.from({ length: rows }, (_, r) => {
      let s = 0;
      for (let j = 0; j < per; j++) s += x[r * per + j];
      return s / per;
    });
  }
}

/**
 * Chooses an accuracy from the first batch, then behaves as it; its name is the one given
 * (`accuracy` or `acc`).
 */
class AutoAccuracy extends Metric {
  #inner: Metric | null = null;
  readonly #loss: string | null;
  constructor(name: string, loss: string | null) {
    super(name);
    this.#loss = loss;
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    if (this.#inner === null) {
      const t = asTensor(yTrue, this.name);
      const p = asTensor(yPred, this.name);
      this.#inner = pickAccuracy(t, p, this.#loss, this.name);
    }
    this.#inner.updateState(yTrue, yPred, sampleWeight);
  }
  resultValue(): number {
    return this.#inner === null ? 0 : this.#inner.resultValue();
  }
  resetState(): void {
    this.#inner?.resetState();
  }
  /** The accuracy chosen, once a batch was seen. */
  get resolved(): Metric | null {
    return this.#inner;
  }
}

const norm = (s: string) => s.replace(/[_\s]/g, "").toLowerCase();

function pickAccuracy(yTrue: Tensor, yPred: Tensor, loss: string | null, name: string): Metric {
  const l = loss === null ? "" : norm(loss);
  const last = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1];
  if (
    l === "binarycrossentropy" ||
    l === "binaryfocalcrossentropy" ||
    last === 1 ||
    yPred.rank <= 1
  ) {
    return new BinaryAccuracy({ name });
  }
  if (l === "sparsecategoricalcrossentropy") return new SparseCategoricalAccuracy({ name });
  if (l === "categoricalcrossentropy") return new CategoricalAccuracy({ name });
  const sparse =
    yTrue.rank === yPred.rank - 1 ||
    (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1);
  return sparse ? new SparseCategoricalAccuracy({ name }) : new CategoricalAccuracy({ name });
}

const CLASSES: Record<string, () => Metric> = {
  binaryaccuracy: () => new BinaryAccuracy(),
  categoricalaccuracy: () => new CategoricalAccuracy(),
  sparsecategoricalaccuracy: () => new SparseCategoricalAccuracy(),
  topkcategoricalaccuracy: () => new TopKCategoricalAccuracy(),
  sparsetopkcategoricalaccuracy: () => new SparseTopKCategoricalAccuracy(),
  auc: () => new AUC(),
  precision: () => new Precision(),
  recall: () => new Recall(),
  meansquarederror: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError({ name: "mse" }),
  meanabsoluteerror: () => new MeanAbsoluteError(),
  mae: () => new MeanAbsoluteError({ name: "mae" }),
};

export type MetricIdentifier = string | Metric | MetricFunction;

/**
 * The metric an identifier names: a Metric as it is, a function wrapped (its mean over
 * samples), a name (`"accuracy"`, `"mae"`, `"sparse_categorical_accuracy"`, `"AUC"`). `loss` is
 * the compiled loss's name, which helps resolve `"accuracy"`.
 */
export function get(identifier: MetricIdentifier, loss: string | null = null): Metric {
  if (identifier instanceof Metric) return identifier;
  if (typeof identifier === "function") return new FunctionMetric(identifier);
  if (typeof identifier === "string") {
    const key = norm(identifier);
    if (key === "accuracy" || key === "acc") return new AutoAccuracy(identifier, loss);
    const make = CLASSES[key];
    if (make !== undefined) {
      const m = make();
      // A snake_case name given is the log key as written (`mae`, `mean_absolute_error`).
      return identifier === m.name ? m : renamed(m, identifier);
    }
  }
  throw new RangeError(
    `Unknown metric: ${typeof identifier === "string" ? `'${identifier}'` : String(identifier)} (expected a Metric, a function or one of accuracy, ${Object.keys(CLASSES).join(", ")})`,
  );
}

/** The same metric class under another name. */
function renamed(m: Metric, name: string): Metric {
  const Ctor = m.constructor as new (options: MetricOptions) => Metric;
  return new Ctor({ name });
}
