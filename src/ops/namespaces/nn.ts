/** `tf.nn`: TensorFlow's neural-network namespace. */
export { topK } from "../reduce-scan.js";
export { softmax, logSoftmax } from "../nn-softmax.js";
export { gelu, leakyRelu } from "../nn-activations.js";
export {
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  sigmoidCrossEntropyWithLogits,
  l2Loss,
} from "../nn-losses.js";
export { conv2d, conv2dTranspose, type Conv2DOptions } from "../nn-conv.js";
export { maxPool2d, avgPool2d, type Pool2DOptions } from "../nn-pool.js";
export type { PaddingArg } from "../nn-common.js";
export { biasAdd, moments, type BiasAddOptions, type MomentsOptions } from "../nn.js";
export { dropout, type DropoutOptions } from "../nn-dropout.js";
export { depthwiseConv2d, separableConv2d, type DepthwiseConv2DOptions } from "../nn-depthwise.js";
