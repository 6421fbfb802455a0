/**
 * `tf.keras.optimizers`: the optimizers, `get` and `schedules`, one file per family under
 * optimizers/ (base.ts: the shared machinery and the order of `optimizer.variables`).
 */
export * from "./optimizers/index.js";
