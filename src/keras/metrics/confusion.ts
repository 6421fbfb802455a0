/**
 * Metrics from confusion counts at thresholds: Precision, Recall and AUC. A prediction is
 * positive when it is above the threshold (`yPred > t`); a label is positive when nonzero. Each
 * sample's weight scales its counts (a [N] weight spread over a row of yPred).
 */
import { optionsArg } from "../../tensor/args.js";
import type { TensorLike } from "../../tensor/convert.js";
import { asTensor, Metric, type MetricOptions, sameSize, sampleWeights } from "./base.js";

/** The weight of each value: a per-sample weight repeated over its row. */
function valueWeights(
  metric: string,
  sampleWeight: TensorLike | null | undefined,
  size: number,
  rank: number,
  lastDim: number,
): Float64Array {
  if (sampleWeight === undefined || sampleWeight === null) return new Float64Array(size).fill(1);
  const w = asTensor(sampleWeight, metric);
  if (w.size === size || w.size === 1) return sampleWeights(w, size, metric);
  const width = rank <= 1 ? 1 : lastDim;
  const rows = sampleWeights(w, size / width, metric);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = rows[Math.floor(i / width)];
  return out;
}

function checkThreshold(metric: string, t: number): number {
  if (typeof t !== "number" || !(t >= 0 && t <= 1)) {
    throw new RangeError(`${metric}: thresholds must be in [0, 1], got ${String(t)}`);
  }
  return t;
}

/** Counts tp, fp, tn, fn at each threshold. */
class Confusion {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly tn: Float64Array;
  readonly fn: Float64Array;
  constructor(readonly thresholds: readonly number[]) {
    const n = thresholds.length;
    this.tp = new Float64Array(n);
    this.fp = new Float64Array(n);
    this.tn = new Float64Array(n);
    this.fn = new Float64Array(n);
  }
  update(
    metric: string,
    yTrue: TensorLike,
    yPred: TensorLike,
    sampleWeight: TensorLike | null | undefined,
  ): void {
    const pt = asTensor(yPred, metric);
    const [t, p] = sameSize(metric, asTensor(yTrue, metric), pt);
    const w = valueWeights(metric, sampleWeight, p.length, pt.rank, pt.shape[pt.rank - 1] ?? 1);
    for (let k = 0; k < this.thresholds.length; k++) {
      const th = this.thresholds[k];
      for (let i = 0; i < p.length; i++) {
        const predPos = p[i] > th;
        const labelPos = t[i] !== 0;
        if (predPos && labelPos) this.tp[k] += w[i];
        else if (predPos) this.fp[k] += w[i];
        else if (labelPos) this.fn[k] += w[i];
        else this.tn[k] += w[i];
      }
    }
  }
  reset(): void {
    for (const a of [this.tp, this.fp, this.tn, this.fn]) a.fill(0);
  }
}

const divNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export interface PrecisionRecallOptions extends MetricOptions {
  /** Threshold(s) in [0, 1] (default 0.5); with several, result() gives the first's value. */
  thresholds?: number | readonly number[];
}

function thresholdList(metric: string, t: number | readonly number[] | undefined): number[] {
  const list = t === undefined ? [0.5] : typeof t === "number" ? [t] : [...t];
  if (list.length === 0) throw new RangeError(`${metric}: thresholds must not be empty`);
  return list.map((x) => checkThreshold(metric, x));
}

/** `tf.keras.metrics.Precision({thresholds})`: tp / (tp + fp), 0 when nothing is predicted. */
export class Precision extends Metric {
  readonly #c: Confusion;
  constructor(options: PrecisionRecallOptions = {}) {
    super("precision", options);
    options = optionsArg("Precision", options);
    this.#c = new Confusion(thresholdList("Precision", options.thresholds));
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    this.#c.update(this.name, yTrue, yPred, sampleWeight);
  }
  resultValue(): number {
    return divNoNan(this.#c.tp[0], this.#c.tp[0] + this.#c.fp[0]);
  }
  resetState(): void {
    this.#c.reset();
  }
}

/** `tf.keras.metrics.Recall({thresholds})`: tp / (tp + fn), 0 with no positive label. */
export class Recall extends Metric {
  readonly #c: Confusion;
  constructor(options: PrecisionRecallOptions = {}) {
    super("recall", options);
    options = optionsArg("Recall", options);
    this.#c = new Confusion(thresholdList("Recall", options.thresholds));
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    this.#c.update(this.name, yTrue, yPred, sampleWeight);
  }
  resultValue(): number {
    return divNoNan(this.#c.tp[0], this.#c.tp[0] + this.#c.fn[0]);
  }
  resetState(): void {
    this.#c.reset();
  }
}

export interface AUCOptions extends MetricOptions {
  /** Default 200. */
  numThresholds?: number;
  /** "ROC" (default) or "PR". */
  curve?: "ROC" | "PR";
  /** "interpolation" (default), "minoring" or "majoring". */
  summationMethod?: "interpolation" | "minoring" | "majoring";
  /** Explicit thresholds in [0, 1] (then numThresholds is their count + 2). */
  thresholds?: readonly number[];
}

/**
 * `tf.keras.metrics.AUC({numThresholds, curve, summationMethod})`: the area under the ROC (or
 * PR) curve, a Riemann sum over Keras's thresholds [-1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7].
 * ROC: x the false positive rate fp/(fp+tn), y the recall tp/(tp+fn), summed as
 * sum((x[i] - x[i+1]) * (y[i] + y[i+1]) / 2) ("interpolation"; min or max of the pair for
 * "minoring"/"majoring"). PR with "interpolation" uses Davis & Goadrich's interpolation, as Keras.
 */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: "ROC" | "PR";
  readonly summationMethod: "interpolation" | "minoring" | "majoring";
  readonly thresholds: readonly number[];
  readonly #c: Confusion;

  constructor(options: AUCOptions = {}) {
    super("auc", options);
    options = optionsArg("AUC", options);
    const curve = options.curve ?? "ROC";
    if (curve !== "ROC" && curve !== "PR") {
      throw new RangeError(`AUC: curve must be "ROC" or "PR", got ${String(curve)}`);
    }
    const sm = options.summationMethod ?? "interpolation";
    if (!["interpolation", "minoring", "majoring"].includes(sm)) {
      throw new RangeError(
        `AUC: summationMethod must be "interpolation", "minoring" or "majoring", got ${String(sm)}`,
      );
    }
    this.curve = curve;
    this.summationMethod = sm;
    const eps = 1e-7;
    let inner: number[];
    if (options.thresholds !== undefined) {
      inner = [...options.thresholds].map((t) => checkThreshold("AUC", t)).sort((a, b) => a - b);
    } else {
      const n = options.numThresholds ?? 200;
      if (!Number.isInteger(n) || n <= 1) {
        throw new RangeError(`AUC: numThresholds must be an integer > 1, got ${String(n)}`);
      }
      inner = Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1));
    }
    this.thresholds = [-eps, ...inner, 1 + eps];
    this.numThresholds = this.thresholds.length;
    this.#c = new Confusion(this.thresholds);
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    this.#c.update(this.name, yTrue, yPred, sampleWeight);
  }

  resultValue(): number {
    const { tp, fp, tn, fn } = this.#c;
    const n = this.numThresholds;
    if (this.curve === "PR" && this.summationMethod === "interpolation") {
      // Davis & Goadrich (2006): precision interpolated along the recall axis between thresholds.
      let auc = 0;
      for (let i = 0; i < n - 1; i++) {
        const dtp = tp[i] - tp[i + 1];
        const p0 = tp[i] + fp[i];
        const p1 = tp[i + 1] + fp[i + 1];
        const slope = divNoNan(dtp, Math.max(p0 - p1, 0));
        const intercept = tp[i + 1] - slope * p1;
        const ratio = p0 > 0 && p1 > 0 ? divNoNan(p0, Math.max(p1, 0)) : 1;
        auc += divNoNan(
          slope * (dtp + intercept * Math.log(ratio)),
          Math.max(tp[i + 1] + fn[i + 1], 0),
        );
      }
      return auc;
    }
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const recall = divNoNan(tp[i], tp[i] + fn[i]);
      if (this.curve === "ROC") {
        x[i] = divNoNan(fp[i], fp[i] + tn[i]);
        y[i] = recall;
      } else {
        x[i] = recall;
        y[i] = divNoNan(tp[i], tp[i] + fp[i]);
      }
    }
    let auc = 0;
    for (let i = 0; i < n - 1; i++) {
      const h =
        this.summationMethod === "interpolation"
          ? (y[i] + y[i + 1]) / 2
          : this.summationMethod === "minoring"
            ? Math.min(y[i], y[i + 1])
            : Math.max(y[i], y[i + 1]);
      auc += (x[i] - x[i + 1]) * h;
    }
    return auc;
  }

  resetState(): void {
    this.#c.reset();
  }
}
