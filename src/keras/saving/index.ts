/** `tf.keras.saving`: Keras 3's weights files (.weights.h5) and model files (.keras). */
export { ready } from "./h5.js";
export { saveWeights, loadWeights, saveWeightsSync, loadWeightsSync } from "./weights.js";
