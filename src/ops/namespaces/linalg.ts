/**
 * `tf.linalg` functions not tagged where they are defined (most are: src/ops/index.ts builds
 * the namespace from the tags of every op module and adds what this file exports).
 */
export {};
