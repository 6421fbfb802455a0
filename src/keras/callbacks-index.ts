/** `tf.keras.callbacks`: the callbacks and ProgbarLogger. */
export * from "./callbacks.js";
export { ProgbarLogger, type ProgbarLoggerOptions } from "./progress.js";
