/** `tf.math`: TensorFlow's math namespace. */
export { reduceSum } from "../broadcast.js";
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
} from "../reduce.js";
export { cumsum, cumprod, topK } from "../reduce-scan.js";
export { unsortedSegmentSum } from "../movement.js";
export { softmax, logSoftmax } from "../nn-softmax.js";
