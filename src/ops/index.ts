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
import { namespaceOf } from "./api.js";
import { checkNativeKernelNames } from "./native-check.js";
import * as basic from "./elementwise/basic.js";
import * as elementwiseMath from "./elementwise/math.js";
import * as activation from "./elementwise/activation.js";
import * as mathRest from "./namespaces/math.js";
import * as nnRest from "./namespaces/nn.js";

const elementwise = { ...basic, ...elementwiseMath, ...activation };

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

// Elementwise: each op's definition in elementwise/ is its public function
export * from "./elementwise/basic.js";
export * from "./elementwise/math.js";
export * from "./elementwise/activation.js";

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
/** `tf.math`: the ops tagged "math" where they are defined, and the rest of namespaces/math.ts. */
export const math = { ...namespaceOf(elementwise, "math"), ...mathRest };
/** `tf.nn`: the ops tagged "nn" where they are defined, and the rest of namespaces/nn.ts. */
export const nn = { ...namespaceOf(elementwise, "nn"), ...nnRest };
export type * from "./namespaces/nn.js";
export * as random from "./namespaces/random.js";
export * as image from "./namespaces/image.js";
export * as linalg from "./namespaces/linalg.js";

// Every op is registered by now: the addon's kernel lists must name registry ops.
checkNativeKernelNames();
