/** `tf.keras.models`: loading and saving whole models (.keras files). */
export { loadModel, loadModelSync, saveModel, saveModelSync } from "./keras-file.js";
