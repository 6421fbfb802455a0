/**
 * Every public op function and op namespace, in one place: the layers above ops (keras, function,
 * autodiff helpers) import ops from here, so the op files can be reorganized without touching them.
 */
import "./elementwise-methods.js";
import "./reduce-methods.js";
import "./nn-methods.js";
import "./nn-layernorm.js";
import "./movement-methods.js";
import "./math-methods.js";
import "./variable-ops.js";
import "./complex-methods.js";
import { namespaceOf } from "./api.js";
import { checkNativeKernelNames } from "./native-check.js";
import * as basic from "./elementwise/basic.js";
import * as elementwiseMath from "./elementwise/math.js";
import * as activation from "./elementwise/activation.js";
import * as special from "./elementwise/special.js";
import * as creationOps from "./creation.js";
import * as sumOps from "./broadcast.js";
import * as reduceOps from "./reduce.js";
import * as scanOps from "./reduce-scan.js";
import * as movementCore from "./movement-core.js";
import * as movementSlice from "./movement-slice.js";
import * as movementGather from "./movement-gather.js";
import * as softmaxOps from "./nn-softmax.js";
import * as nnActivations from "./nn-activations.js";
import * as lossOps from "./nn-losses.js";
import * as convOps from "./nn-conv.js";
import * as poolOps from "./nn-pool.js";
import * as nnOps from "./nn.js";
import * as dropoutOps from "./nn-dropout.js";
import * as depthwiseOps from "./nn-depthwise.js";
import * as linalgOps from "./linalg.js";
import * as einsumOps from "./einsum.js";
import * as linalgHelpers from "./linalg-helpers.js";
import * as linalgSolve from "./linalg-solve.js";
import * as linalgDecomp from "./linalg-decomp.js";
import * as linalgMisc from "./linalg-misc.js";
import * as linalgSqrtm from "./linalg-sqrtm.js";
import * as segmentOps from "./segment.js";
import * as mathMisc from "./math-misc.js";
import * as arrayOps from "./array-ops.js";
import * as nnExtra from "./nn-extra.js";
import * as signalOps from "./signal.js";
import * as batchNormOps from "./nn-batchnorm.js";
import "./nn-lstm.js";
import "./nn-gru.js";
import * as complexOps from "./complex.js";
import * as signalFft from "./signal-fft.js";
import * as signalStft from "./signal-stft.js";
import * as linalgEig from "./linalg-eig.js";
import "./complex-support.js";
import * as conv3dOps from "./nn-conv3d.js";
import * as pool3dOps from "./nn-pool3d.js";
import * as convExtraOps from "./nn-conv-extra.js";
import * as spaceOps from "./nn-space.js";
import * as argmaxOps from "./nn-argmax.js";
import * as morphOps from "./nn-morph.js";
import * as specialGamma from "./elementwise/special-gamma.js";
import * as ctcOps from "./nn-ctc.js";
import * as sampledOps from "./nn-sampled.js";

/** Every op module whose public functions carry namespace tags. */
const tagged = {
  ...basic,
  ...elementwiseMath,
  ...activation,
  ...special,
  ...creationOps,
  ...sumOps,
  ...reduceOps,
  ...scanOps,
  ...movementCore,
  ...movementSlice,
  ...movementGather,
  ...softmaxOps,
  ...nnActivations,
  ...lossOps,
  ...convOps,
  ...poolOps,
  ...nnOps,
  ...dropoutOps,
  ...depthwiseOps,
  ...linalgOps,
  ...linalgHelpers,
  ...linalgSolve,
  ...linalgDecomp,
  ...linalgMisc,
  ...linalgSqrtm,
  ...einsumOps,
  ...segmentOps,
  ...mathMisc,
  ...arrayOps,
  ...nnExtra,
  ...signalOps,
  ...batchNormOps,
  ...complexOps,
  ...signalFft,
  ...signalStft,
  ...linalgEig,
  ...conv3dOps,
  ...pool3dOps,
  ...convExtraOps,
  ...spaceOps,
  ...argmaxOps,
  ...morphOps,
  ...specialGamma,
  ...ctcOps,
  ...sampledOps,
};

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
export * from "./elementwise/special.js";
export * from "./elementwise/special-gamma.js";

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
export { norm } from "./linalg-misc.js";

// Segment reductions and the tf.math composites
// (the public functions only: the UnsortedSegment* registry entries stay internal)
export {
  unsortedSegmentMax,
  unsortedSegmentMin,
  unsortedSegmentProd,
  unsortedSegmentMean,
  unsortedSegmentSqrtN,
  segmentSum,
  segmentMean,
  segmentMax,
  segmentMin,
  segmentProd,
} from "./segment.js";
export * from "./math-misc.js";
export * from "./array-ops.js";
export * from "./nn-extra.js";
export { complex, real, imag, conj, angle } from "./complex.js";
export { spaceToBatchND, batchToSpaceND, spaceToBatch, batchToSpace } from "./nn-space.js";
export type { CtcLossOptions, CtcGreedyOptions, SparseResult } from "./nn-ctc.js";
export type { SampledLossOptions, SampledValues } from "./nn-sampled.js";

// Namespaces
// Namespaces, built from the tags each public function carries where it is defined
/** `tf.math`: TensorFlow's math namespace. */
export const math = namespaceOf(tagged, "math");
/** `tf.nn`: TensorFlow's neural-network namespace. */
export const nn = namespaceOf(tagged, "nn");
/** `tf.linalg`: TensorFlow's linear algebra namespace. */
export const linalg = namespaceOf(tagged, "linalg");
/**
 * `tf.signal`: fft, ifft, fft2d, ifft2d, fft3d, ifft3d, rfft, irfft, rfft2d, irfft2d, stft,
 * inverseStft, inverseStftWindowFn, overlapAndAdd, frame, hannWindow.
 */
export const signal = namespaceOf(tagged, "signal");
export type { ComplexPair } from "./signal.js";
export type { WindowFn } from "./signal-stft.js";
export type * from "./namespaces/linalg.js";
export type * from "./namespaces/nn.js";
export * as random from "./namespaces/random.js";
export * as image from "./namespaces/image.js";
export * as debugging from "./namespaces/debugging.js";

// Every op is registered by now: the addon's kernel lists must name registry ops.
checkNativeKernelNames();
