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
  /**
   * The gradient of conv2dBiasAct with relu, with dz = dy where y > 0, else 0 (ReluGrad; y the
   * fused op's output): db[oc] = the sum of dz over batch and pixels, dw = conv2dBackpropFilter(x,
   * dz), and dx = conv2dBackpropInput(w, dz) unless dx is null. Writes every element of dx, dw
   * and db; dz is never a tensor.
   */
  conv2dReluBackprop(
    x: NumArray,
    w: NumArray,
    dy: NumArray,
    y: NumArray,
    dx: NumArray | null,
    dw: NumArray,
    db: NumArray,
    p: Conv2DParams,
  ): void;
}
