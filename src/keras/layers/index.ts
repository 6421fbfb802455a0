/** `tf.keras.layers`. */
export {
  Layer,
  type LayerOptions,
  type CallOptions,
  type AddWeightOptions,
  type BuildShape,
} from "../layer.js";
export {
  Dense,
  Activation,
  ReLU,
  Flatten,
  type DenseOptions,
  type ActivationOptions,
  type ReLUOptions,
} from "./core.js";
export { Dropout, type DropoutOptions } from "./regularization.js";
export { InputLayer, type InputOptions } from "../input-layer.js";
