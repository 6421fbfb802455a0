/** tf.function and tf.savedModel: tracing to graphs, running them, saving and loading them. */
export {
  tfFunction,
  type FunctionOptions,
  type PolymorphicFunction,
  type SpecArgs,
} from "./function.js";
export type { AnyFunction, ConcreteFunction } from "./concrete.js";
export type { LoadedFunction } from "./saved-model.js";
export { TensorSpec } from "./structure.js";
export { Graph } from "./graph.js";
export * as savedModel from "./saved-model.js";
export { cond, switchCase, whileLoop, type WhileLoopOptions } from "./control-flow.js";
export { mapFn, foldl, foldr, scan, type ScanOptions, type TensorOrTensors } from "./functional.js";
