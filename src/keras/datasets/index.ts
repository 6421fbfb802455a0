/** `tf.keras.datasets`: small datasets to learn and test with. */
export * as mnist from "./mnist.js";
