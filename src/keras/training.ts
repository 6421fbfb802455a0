/** Training and inference for Model: compile's state and the fit/evaluate/predict loops. */
import type { Variable } from "../tensor/variable.js";
import type { Layer, LayerInputs, LayerOutputs } from "./layer.js";

export class Trainer<I extends LayerInputs, O extends LayerOutputs> {
  readonly model: Layer<I, O>;
  constructor(model: Layer<I, O>) {
    this.model = model;
  }
  optimizerVariables(): Variable[] | null {
    return null;
  }
}
