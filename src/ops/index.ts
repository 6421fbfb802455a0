/**
 * Every public op function and op namespace, in one place: the layers above ops (keras, function,
 * autodiff helpers) import ops from here, so the op files can be reorganized without touching them.
 */
import "./elementwise-methods.js";
import "./reduce-methods.js";
import "./nn-methods.js";
import "./linalg-methods.js";
import "./movement-methods.js";
import "./variable-ops.js";

// Creation
export {
  constant,
  fill,
  zeros,
  ones,
  zerosLike,
  onesLike,
  linspace,
  range,
  eye,
} from "./creation.js";

// Elementwise
export {
  abs,
  acos,
  add,
  asin,
  atan,
  atan2,
  cast,
  ceil,
  clipByValue,
  cos,
  cosh,
  divide,
  equal,
  erf,
  exp,
  expm1,
  floor,
  floorDiv,
  floorMod,
  greater,
  greaterEqual,
  isFinite,
  isNaN,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  mod,
  multiply,
  negative,
  notEqual,
  pow,
  reciprocal,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sinh,
  softplus,
  sqrt,
  square,
  squaredDifference,
  subtract,
  tan,
  tanh,
  where,
  relu,
  relu6,
  elu,
  selu,
} from "./elementwise.js";

// Shape and reduction core
export { reshape, broadcastTo, reduceSum } from "./broadcast.js";

// Reductions, scans, top-k
export {
  reduceMean,
  reduceMax,
  reduceMin,
  reduceProd,
  reduceAll,
  reduceAny,
  reduceLogSumExp,
  reduceLogsumexp,
  reduceVariance,
  reduceStd,
  argmax,
  argmin,
  type Axis,
  type ArgOptions,
} from "./reduce.js";
export { cumsum, cumprod, topK, type ScanOptions, type TopKResult } from "./reduce-scan.js";

// Movement (data rearrangement)
export {
  transpose,
  expandDims,
  squeeze,
  identity,
  stopGradient,
  concat,
  stack,
  unstack,
  split,
  slice,
  stridedSlice,
  gather,
  gatherNd,
  scatterNd,
  tile,
  pad,
  reverse,
  oneHot,
  unsortedSegmentSum,
  type StridedSliceOptions,
  type PadMode,
} from "./movement.js";

// Linear algebra
export { matmul, tensordot, type MatmulOptions, type TensordotAxes } from "./linalg.js";
export { einsum } from "./einsum.js";

// Namespaces
export * as math from "./namespaces/math.js";
export * as nn from "./namespaces/nn.js";
export * as random from "./namespaces/random.js";
export * as image from "./namespaces/image.js";
export * as linalg from "./namespaces/linalg.js";
export * as debugging from "./namespaces/debugging.js";
