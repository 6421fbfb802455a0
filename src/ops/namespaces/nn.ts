/**
 * The option types of `tf.nn`'s functions (the functions themselves are tagged "nn" where they
 * are defined; src/ops/index.ts builds the namespace from the tags).
 */
export type { Conv2DOptions } from "../nn-conv.js";
export type { Pool2DOptions } from "../nn-pool.js";
export type { PaddingArg } from "../nn-common.js";
export type { BiasAddOptions, MomentsOptions } from "../nn.js";
export type { DropoutOptions } from "../nn-dropout.js";
export type { DepthwiseConv2DOptions } from "../nn-depthwise.js";
export type { FusedBatchNormOptions } from "../nn-batchnorm.js";
export type { Conv3DOptions } from "../nn-conv3d.js";
export type { Conv1DTransposeOptions } from "../nn-conv-extra.js";
export type { MaxPoolWithArgmaxOptions, MaxPoolWithArgmaxResult } from "../nn-argmax.js";
