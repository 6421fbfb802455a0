/**
 * The fused convolution kernel (TensorFlow's _FusedConv2D with BiasAdd and, optionally, Relu):
 * one pass writes the activation, with no separate bias and relu outputs.
 */
import type { NumArray } from "../tensor/dtype.js";
import type { Conv2DParams } from "./nn.js";

export interface ConvFusedKernels {
  /**
   * y[b, oh, ow, oc] = act(conv2d(x, w)[b, oh, ow, oc] + bias[oc]); act is relu (x where x > 0
   * or NaN, else +0) when `relu`, else the identity. Writes every element of y.
   */
  conv2dBiasAct(
    x: NumArray,
    w: NumArray,
    bias: NumArray,
    y: NumArray,
    p: Conv2DParams,
    relu: boolean,
  ): void;
}
