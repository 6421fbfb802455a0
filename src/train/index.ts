/** `tf.train`: object-based checkpoints and their manager. */
export { Checkpoint, CheckpointLoadStatus } from "./checkpoint.js";
export { CheckpointManager, latestCheckpoint, type CheckpointManagerOptions } from "./manager.js";
export type { Trackable } from "./object-graph.js";
