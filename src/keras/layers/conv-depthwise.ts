/**
 * Depthwise and separable 2-D convolutions, channels last, over tf.nn.depthwiseConv2d
 * (DepthwiseConv2dNative). Keras 3's weights: DepthwiseConv2D has kernel [kh, kw, in,
 * depthMultiplier] and bias [in * depthMultiplier]; SeparableConv2D has depthwise_kernel
 * [kh, kw, in, depthMultiplier], pointwise_kernel [1, 1, in * depthMultiplier, filters], bias.
 */
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { add, cast, nn } from "../../ops/index.js";
import * as activations from "../activations.js";
import * as initializers from "../initializers.js";
import { type BuildShape, Layer, type LayerOptions } from "../layer.js";
import {
  activationConfig,
  baseConfig,
  checkRank,
  dataFormatArg,
  incompatible,
  initializerConfig,
  intTuple,
  lastDim,
  type LayerConfig,
  paddingArg,
  type PaddingMode,
  positiveInt,
} from "./common.js";

export interface DepthwiseConvOptions extends LayerOptions {
  /** Default 1. */
  strides?: number | readonly number[];
  /** "valid" (default) or "same". */
  padding?: string;
  /** Filters per input channel (default 1). */
  depthMultiplier?: number;
  /** Only "channels_last". */
  dataFormat?: string;
  /** Default 1; strides and dilation cannot both exceed 1. */
  dilationRate?: number | readonly number[];
  /** Default none (linear). */
  activation?: activations.ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default "glorotUniform". */
  depthwiseInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
}

abstract class DepthwiseBase extends Layer {
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: PaddingMode;
  readonly depthMultiplier: number;
  readonly dataFormat: "channels_last";
  readonly dilationRate: readonly number[];
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  protected readonly activationId: activations.ActivationIdentifier;
  protected depthwiseVar: Variable | null = null;
  protected biasVar: Variable | null = null;

  constructor(kernelSize: number | readonly number[], options: DepthwiseConvOptions) {
    super(options);
    const cls = this.constructor.name;
    this.kernelSize = intTuple(cls, "kernel_size", kernelSize, 2);
    this.strides = intTuple(cls, "strides", options.strides ?? 1, 2);
    this.padding = paddingArg(cls, options.padding);
    this.depthMultiplier = positiveInt(cls, "depth_multiplier", options.depthMultiplier ?? 1);
    this.dataFormat = dataFormatArg(cls, options.dataFormat);
    this.dilationRate = intTuple(cls, "dilation_rate", options.dilationRate ?? 1, 2);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new RangeError(
        `${cls}: strides > 1 not supported in conjunction with dilation_rate > 1. Received: strides=${JSON.stringify(this.strides)} and dilation_rate=${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.activationId = options.activation;
    this.activation = activations.get(options.activation);
    this.useBias = options.useBias ?? true;
    this.depthwiseInitializer = options.depthwiseInitializer ?? "glorotUniform";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    initializers.get(this.depthwiseInitializer);
    initializers.get(this.biasInitializer);
  }

  get bias(): Variable | null {
    return this.biasVar;
  }

  protected need(v: Variable | null, what: string): Variable {
    if (v === null) {
      throw new Error(
        `${this.constructor.name} '${this.name}' has no ${what} yet: it is made on the first call (or by build(inputShape))`,
      );
    }
    return v;
  }

  /** The depthwise stage on a checked input. */
  protected depthwise(inputs: Tensor, kernel: Variable): Tensor {
    checkRank(this, inputs, 4);
    if (inputs.shape[3] !== kernel.shape[2]) {
      throw incompatible(
        this,
        `expected axis -1 of input shape to have value ${kernel.shape[2]}, but received input with shape ${shapeStr(inputs.shape)}`,
        inputs.shape,
      );
    }
    const x = inputs.dtype === kernel.dtype ? inputs : cast(inputs, kernel.dtype);
    return nn.depthwiseConv2d(x, kernel, this.strides, this.padding === "same" ? "SAME" : "VALID", {
      dilations: this.dilationRate,
    });
  }

  protected finish(y: Tensor): Tensor {
    return this.activation(this.biasVar === null ? y : add(y, this.biasVar));
  }

  protected commonConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      depth_multiplier: this.depthMultiplier,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      activation: activationConfig(this.activationId),
      use_bias: this.useBias,
      depthwise_initializer: initializerConfig(this.depthwiseInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      depthwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    };
  }
}

/**
 * `tf.keras.layers.DepthwiseConv2D(kernelSize, {strides, padding, depthMultiplier,
 * dilationRate, activation, useBias, ...})`: each input channel convolved with its own
 * depthMultiplier filters: [b, h, w, c] -> [b, h', w', c * depthMultiplier].
 */
export class DepthwiseConv2D extends DepthwiseBase {
  constructor(kernelSize: number | readonly number[], options: DepthwiseConvOptions = {}) {
    super(kernelSize, options);
  }

  /** [kh, kw, in, depthMultiplier]. */
  get kernel(): Variable {
    return this.need(this.depthwiseVar, "kernel");
  }

  override build(inputShape: BuildShape): void {
    const inC = lastDim(this, inputShape, 4);
    this.depthwiseVar = this.addWeight("kernel", [...this.kernelSize, inC, this.depthMultiplier], {
      initializer: this.depthwiseInitializer,
    });
    if (this.useBias) {
      this.biasVar = this.addWeight("bias", [inC * this.depthMultiplier], {
        initializer: this.biasInitializer,
      });
    }
    super.build(inputShape);
  }

  call(inputs: Tensor): Tensor {
    return this.finish(this.depthwise(inputs, this.kernel));
  }

  getConfig(): LayerConfig {
    return this.commonConfig();
  }
}

export interface SeparableConvOptions extends DepthwiseConvOptions {
  /** Default "glorotUniform". */
  pointwiseInitializer?: initializers.InitializerIdentifier;
}

/**
 * `tf.keras.layers.SeparableConv2D(filters, kernelSize, {strides, padding, depthMultiplier,
 * dilationRate, activation, useBias, ...})`: a depthwise convolution, then a 1x1 convolution
 * to `filters` channels, then bias and activation (tf.nn.separableConv2d).
 */
export class SeparableConv2D extends DepthwiseBase {
  readonly filters: number;
  readonly pointwiseInitializer: initializers.InitializerIdentifier;
  #pointwise: Variable | null = null;

  constructor(
    filters: number,
    kernelSize: number | readonly number[],
    options: SeparableConvOptions = {},
  ) {
    super(kernelSize, options);
    this.filters = positiveInt("SeparableConv2D", "filters", filters);
    this.pointwiseInitializer = options.pointwiseInitializer ?? "glorotUniform";
    initializers.get(this.pointwiseInitializer);
  }

  /** [kh, kw, in, depthMultiplier]. */
  get depthwiseKernel(): Variable {
    return this.need(this.depthwiseVar, "depthwise_kernel");
  }

  /** [1, 1, in * depthMultiplier, filters]. */
  get pointwiseKernel(): Variable {
    return this.need(this.#pointwise, "pointwise_kernel");
  }

  override build(inputShape: BuildShape): void {
    const inC = lastDim(this, inputShape, 4);
    this.depthwiseVar = this.addWeight(
      "depthwise_kernel",
      [...this.kernelSize, inC, this.depthMultiplier],
      { initializer: this.depthwiseInitializer },
    );
    this.#pointwise = this.addWeight(
      "pointwise_kernel",
      [1, 1, inC * this.depthMultiplier, this.filters],
      { initializer: this.pointwiseInitializer },
    );
    if (this.useBias) {
      this.biasVar = this.addWeight("bias", [this.filters], {
        initializer: this.biasInitializer,
      });
    }
    super.build(inputShape);
  }

  call(inputs: Tensor): Tensor {
    const y = this.depthwise(inputs, this.depthwiseKernel);
    return this.finish(nn.conv2d(y, this.pointwiseKernel, 1, "VALID"));
  }

  getConfig(): LayerConfig {
    const { depthwise_initializer, ...rest } = this.commonConfig();
    return {
      ...rest,
      filters: this.filters,
      depthwise_initializer,
      pointwise_initializer: initializerConfig(this.pointwiseInitializer),
      pointwise_regularizer: null,
      pointwise_constraint: null,
    };
  }
}
