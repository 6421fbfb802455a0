/** Regression metrics: the weighted mean over samples of each sample's mean error. */
import type { Tensor } from "../../tensor/tensor.js";
import { MeanMetricWrapper, type MetricOptions, rowsOf, sameSize } from "./base.js";

function perRow(yPred: Tensor, err: Float64Array): Float64Array {
  const { rows, width } = rowsOf(yPred);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += err[r * width + j];
    out[r] = s / width;
  }
  return out;
}

/** `tf.keras.metrics.MeanSquaredError()`: mean over samples of mean((yTrue - yPred)^2). */
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super("mean_squared_error", options);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    return perRow(
      yPred,
      t.map((x, i) => (x - p[i]) ** 2),
    );
  }
}

/** `tf.keras.metrics.MeanAbsoluteError()`: mean over samples of mean(|yTrue - yPred|). */
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super("mean_absolute_error", options);
  }
  protected perSample(yTrue: Tensor, yPred: Tensor): Float64Array {
    const [t, p] = sameSize(this.name, yTrue, yPred);
    return perRow(
      yPred,
      t.map((x, i) => Math.abs(x - p[i])),
    );
  }
}
