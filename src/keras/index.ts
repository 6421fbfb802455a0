/**
 * `tf.keras`: layers, activations, initializers, losses and optimizers over the ops and the
 * tape. Export it as a namespace: `tf.keras.layers.Dense`, `tf.keras.optimizers.Adam`.
 */
export * as layers from "./layers/index.js";
export * as activations from "./activations.js";
export * as initializers from "./initializers.js";
export * as losses from "./losses.js";
export * as optimizers from "./optimizers.js";
export * as regularizers from "./regularizers.js";
export * as constraints from "./constraints.js";
export * as backend from "./backend.js";
export * as metrics from "./metrics/index.js";
export * as callbacks from "./callbacks-index.js";
export * as utils from "./utils.js";
export { Sequential, type SequentialOptions } from "./sequential.js";
export { Layer } from "./layer.js";
export { Model, type ModelArgs, type FunctionalArgs } from "./model.js";
export type {
  CompileOptions,
  FitOptions,
  EvaluateOptions,
  PredictOptions,
  Batch,
  DataX,
} from "./training.js";
export { KerasTensor } from "./keras-tensor.js";
export { Input, type InputOptions } from "./input-layer.js";
