/** `tf.keras.layers`. */
export {
  Layer,
  type LayerOptions,
  type CallOptions,
  type AddWeightOptions,
  type BuildShape,
} from "../layer.js";
export {
  Dense,
  Activation,
  ReLU,
  Flatten,
  type DenseOptions,
  type ActivationOptions,
  type ReLUOptions,
} from "./core.js";
export { Dropout, type DropoutOptions } from "./regularization.js";
export {
  Conv1D,
  Conv2D,
  Conv2DTranspose,
  Conv1D as Convolution1D,
  Conv2D as Convolution2D,
  Conv2DTranspose as Convolution2DTranspose,
  type ConvOptions,
  type Conv2DTransposeOptions,
} from "./conv.js";
export {
  Conv3D,
  Conv1DTranspose,
  Conv3DTranspose,
  Conv3D as Convolution3D,
  Conv1DTranspose as Convolution1DTranspose,
  Conv3DTranspose as Convolution3DTranspose,
} from "./conv-nd.js";
export {
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D as MaxPool1D,
  MaxPooling2D as MaxPool2D,
  AveragePooling1D as AvgPool1D,
  AveragePooling2D as AvgPool2D,
  GlobalAveragePooling1D as GlobalAvgPool1D,
  GlobalAveragePooling2D as GlobalAvgPool2D,
  GlobalMaxPooling1D as GlobalMaxPool1D,
  GlobalMaxPooling2D as GlobalMaxPool2D,
  MaxPooling3D,
  AveragePooling3D,
  GlobalAveragePooling3D,
  GlobalMaxPooling3D,
  MaxPooling3D as MaxPool3D,
  AveragePooling3D as AvgPool3D,
  GlobalAveragePooling3D as GlobalAvgPool3D,
  GlobalMaxPooling3D as GlobalMaxPool3D,
  type PoolingOptions,
  type GlobalPoolingOptions,
} from "./pooling.js";
export {
  BatchNormalization,
  LayerNormalization,
  type BatchNormalizationOptions,
  type LayerNormalizationOptions,
} from "./normalization.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { InputLayer, type InputOptions } from "../input-layer.js";
export {
  RNN,
  RNNCell,
  SimpleRNN,
  LSTM,
  GRU,
  SimpleRNNCell,
  LSTMCell,
  GRUCell,
  type RNNOptions,
  type RNNCellOptions,
  type RNNCallOptions,
} from "./recurrent.js";
export {
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  type ConcatenateOptions,
} from "./merging.js";
export {
  Reshape,
  Permute,
  RepeatVector,
  ZeroPadding1D,
  ZeroPadding2D,
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
  type SpatialOptions,
  type UpSampling2DOptions,
} from "./reshaping.js";
export {
  EinsumDense,
  MultiHeadAttention,
  type EinsumDenseOptions,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionCallOptions,
} from "./attention.js";
export {
  DepthwiseConv2D,
  SeparableConv2D,
  SeparableConv2D as SeparableConvolution2D,
  type DepthwiseConvOptions,
  type SeparableConvOptions,
} from "./conv-depthwise.js";
