/** `tf.keras.saving`: Keras 3's weights files (.weights.h5) and model files (.keras). */
import "./model-methods.js";
export { ready } from "./h5.js";
export { saveWeights, loadWeights, saveWeightsSync, loadWeightsSync } from "./weights.js";
export { saveModel, loadModel, saveModelSync, loadModelSync } from "./keras-file.js";
export {
  registerKerasSerializable,
  serializeLayer as serializeKerasObject,
  deserializeLayer as deserializeKerasObject,
  type LayerFactory,
  type Serialized,
} from "./serialize.js";
export { serializeModel, deserializeModel } from "./keras-file.js";
