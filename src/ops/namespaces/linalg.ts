/**
 * The option types of `tf.linalg`'s functions (the functions themselves are tagged "linalg"
 * where they are defined; src/ops/index.ts builds the namespace from the tags).
 */
export type { TridiagonalFormat } from "../linalg-solve.js";
export type { NormOrd } from "../linalg-misc.js";
