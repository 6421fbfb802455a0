/**
 * Keras's saving methods on tf.keras.Model, added to its prototype here (as the ops add Tensor
 * methods) so the Model file needs no import of the HDF5 and zip code:
 * `await model.saveWeights("m.weights.h5")`, `await model.loadWeights(...)`,
 * `await model.save("m.keras")`, and their synchronous forms for use after
 * `await tf.keras.saving.ready()` (in callbacks, for instance).
 */
import type { LayerInputs, LayerOutputs } from "../layer.js";
import { Model } from "../model.js";
import { saveModel, saveModelSync } from "./keras-file.js";
import { loadWeights, loadWeightsSync, saveWeights, saveWeightsSync } from "./weights.js";

declare module "../model.js" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the type parameters must match the class to merge
  interface Model<I extends LayerInputs = LayerInputs, O extends LayerOutputs = LayerOutputs> {
    /** Keras's `model.save_weights`: the weights (and optimizer state) in Keras 3's HDF5 layout. */
    saveWeights(filepath: string): Promise<void>;
    /** Keras's `model.load_weights`: checks every weight against the file, then assigns them all. */
    loadWeights(filepath: string): Promise<void>;
    /** Keras's `model.save("m.keras")`: config, metadata and weights in one zip. */
    save(filepath: string): Promise<void>;
    /** saveWeights, synchronous: after `await tf.keras.saving.ready()`. */
    saveWeightsSync(filepath: string): void;
    /** loadWeights, synchronous: after `await tf.keras.saving.ready()`. */
    loadWeightsSync(filepath: string): void;
    /** save, synchronous: after `await tf.keras.saving.ready()`. */
    saveSync(filepath: string): void;
  }
}

const proto = Model.prototype as Model;
proto.saveWeights = function (this: Model, filepath: string) {
  return saveWeights(this, filepath);
};
proto.loadWeights = function (this: Model, filepath: string) {
  return loadWeights(this, filepath);
};
proto.save = function (this: Model, filepath: string) {
  return saveModel(this, filepath);
};
proto.saveWeightsSync = function (this: Model, filepath: string) {
  saveWeightsSync(this, filepath);
};
proto.loadWeightsSync = function (this: Model, filepath: string) {
  loadWeightsSync(this, filepath);
};
proto.saveSync = function (this: Model, filepath: string) {
  saveModelSync(this, filepath);
};
