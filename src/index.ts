/** tapeflow's public namespace: `import * as tf from "tapeflow"`. Re-exports only. */

export { Tensor } from "./tensor/tensor.js";
export type { NumpyValue, NumpyArray } from "./tensor/tensor.js";
export { Variable, type VariableOptions } from "./tensor/variable.js";
export type { DType, DataArray, NumArray } from "./tensor/dtype.js";
export type { TensorLike } from "./tensor/convert.js";
export type { ComplexValue } from "./tensor/dtype.js";
export type { Shape } from "./tensor/shape.js";
export * as errors from "./tensor/errors.js";
export * as util from "./tensor/util.js";
export { setBackend, getBackend, type BackendName } from "./backend/index.js";
import "./backend/native/index.js";
export { setNumThreads } from "./backend/native/index.js";
export { registerGradient, noGradient } from "./engine/op.js";

// Autodiff
export {
  GradientTape,
  UnconnectedGradients,
  type GradientTapeOptions,
  type GradientOptions,
  type GradientResult,
  type JacobianOptions,
} from "./autodiff/tape.js";
export type { Nested, GradientOf } from "./autodiff/nest.js";
export {
  customGradient,
  recomputeGrad,
  type CustomGradientResult,
  type CustomGradientPair,
  type GradFn,
  type GradFnOptions,
} from "./autodiff/custom-gradient.js";
export * as autodiff from "./autodiff/namespace.js";
export { vectorizedMap, type VectorizedMapOptions } from "./autodiff/vectorized-map.js";
export * as logging from "./engine/logging.js";

// Ops: creation, elementwise, reductions, movement, linear algebra, and the tf.math, tf.nn,
// tf.random, tf.image and tf.linalg namespaces
export * from "./ops/index.js";

// Modules and Keras
export { Module } from "./keras/module.js";
export * as keras from "./keras/index.js";
export * as train from "./train/index.js";
export * as data from "./data/index.js";
export {
  tfFunction as function,
  savedModel,
  TensorSpec,
  type ConcreteFunction,
  type PolymorphicFunction,
  type LoadedFunction,
  type FunctionOptions,
  cond,
  switchCase,
  whileLoop,
  type WhileLoopOptions,
  mapFn,
  foldl,
  foldr,
  scan,
  type ScanOptions,
  type TensorOrTensors,
} from "./function/index.js";

// dtypes as values, as TensorFlow has them: tf.float32 === "float32"
export const float32 = "float32";
export const float64 = "float64";
export const int32 = "int32";
export const bool = "bool";
export const string = "string";
