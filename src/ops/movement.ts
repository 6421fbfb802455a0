/**
 * The movement family (data rearrangement): the one module the families above it import.
 * The entries live by sub-family in movement-core.ts (axes: transpose, concat, stack, split,
 * tile, reverse, views), movement-slice.ts (slice, stridedSlice, pad) and movement-gather.ts
 * (gather, gatherNd, scatterNd, unsortedSegmentSum, oneHot).
 */
export * from "./movement-core.js";
export * from "./movement-slice.js";
export * from "./movement-gather.js";
