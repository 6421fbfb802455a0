/** `tf.data`: input pipelines (`tf.data.Dataset`). */
export {
  Dataset,
  AUTOTUNE,
  INFINITE_CARDINALITY,
  UNKNOWN_CARDINALITY,
  type ArgsOf,
  type BatchOptions,
  type ShuffleOptions,
} from "./dataset.js";
export type { Element, ElementLike, ElementOf, NumpyOf, Plain } from "./structure.js";
