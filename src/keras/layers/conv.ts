/**
 * Convolution layers, channels last: Conv1D, Conv2D (with groups) and Conv2DTranspose, with
 * Keras 3's options, defaults, weight names and shapes (kernel [...kernelSize, in / groups,
 * filters], bias [filters]; the transpose's kernel is [...kernelSize, filters, in]).
 * Depthwise and separable convolutions are in conv-depthwise.ts; Conv3D, Conv1DTranspose and
 * Conv3DTranspose in conv-nd.ts.
 */
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { add, cast, concat, expandDims, nn, pad, split, squeeze } from "../../ops/index.js";
import { fusedConv2d } from "../../ops/nn-conv-fused.js";
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

export interface ConvOptions extends LayerOptions {
  /** Default 1. */
  strides?: number | readonly number[];
  /** "valid" (default) or "same"; Conv1D also takes "causal". */
  padding?: string;
  /** Only "channels_last". */
  dataFormat?: string;
  /** Default 1; strides and dilation cannot both exceed 1. */
  dilationRate?: number | readonly number[];
  /** Input channels split in this many groups, each convolved with its own filters (default 1). */
  groups?: number;
  /** Default none (linear). */
  activation?: activations.ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default "glorotUniform". */
  kernelInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
}

/**
 * What the convolution layers (here and in conv-nd.ts) share: options, weights, bias and
 * activation.
 */
export abstract class BaseConv extends Layer {
  readonly filters: number;
  readonly kernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: PaddingMode | "causal";
  readonly dataFormat: "channels_last";
  readonly dilationRate: readonly number[];
  readonly groups: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  readonly #activationId: activations.ActivationIdentifier;
  #kernel: Variable | null = null;
  #bias: Variable | null = null;

  constructor(
    readonly spatialRank: 1 | 2 | 3,
    filters: number,
    kernelSize: number | readonly number[],
    options: ConvOptions,
    allowCausal: boolean,
  ) {
    super(options);
    const cls = this.constructor.name;
    this.filters = positiveInt(cls, "filters", filters);
    this.kernelSize = intTuple(cls, "kernel_size", kernelSize, spatialRank);
    this.strides = intTuple(cls, "strides", options.strides ?? 1, spatialRank);
    this.padding = paddingArg(cls, options.padding, allowCausal ? ["causal" as const] : []);
    this.dataFormat = dataFormatArg(cls, options.dataFormat);
    this.dilationRate = intTuple(cls, "dilation_rate", options.dilationRate ?? 1, spatialRank);
    this.groups = positiveInt(cls, "groups", options.groups ?? 1);
    if (this.filters % this.groups !== 0) {
      throw new RangeError(
        `${cls}: the number of filters must be evenly divisible by the number of groups. Received: groups=${this.groups}, filters=${this.filters}`,
      );
    }
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new RangeError(
        `${cls}: strides > 1 not supported in conjunction with dilation_rate > 1. Received: strides=${JSON.stringify(this.strides)} and dilation_rate=${JSON.stringify(this.dilationRate)}`,
      );
    }
    this.#activationId = options.activation;
    this.activation = activations.get(options.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = options.kernelInitializer ?? "glorotUniform";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    initializers.get(this.kernelInitializer);
    initializers.get(this.biasInitializer);
  }

  get kernel(): Variable {
    if (this.#kernel === null) throw this.unbuilt("kernel");
    return this.#kernel;
  }

  get bias(): Variable | null {
    if (!this.built && this.useBias) throw this.unbuilt("bias");
    return this.#bias;
  }

  protected unbuilt(what: string): Error {
    return new Error(
      `${this.constructor.name} '${this.name}' has no ${what} yet: it is made on the first call (or by build(inputShape))`,
    );
  }

  /** The kernel's shape for inputs of `inChannels` channels. */
  protected abstract kernelShape(inChannels: number): number[];

  override build(inputShape: BuildShape): void {
    const inC = lastDim(this, inputShape, this.spatialRank + 2);
    if (inC % this.groups !== 0) {
      throw new RangeError(
        `${this.constructor.name} '${this.name}': the number of input channels must be evenly divisible by the number of groups. Received groups=${this.groups}, but the input has ${inC} channels (full input shape is [${inputShape.map((d) => d ?? "None").join(", ")}])`,
      );
    }
    this.#kernel = this.addWeight("kernel", this.kernelShape(inC), {
      initializer: this.kernelInitializer,
    });
    if (this.useBias) {
      this.#bias = this.addWeight("bias", [this.filters], { initializer: this.biasInitializer });
    }
    super.build(inputShape);
  }

  /** Checks the input's rank and channels against the built kernel; casts it to the kernel's dtype. */
  protected checkInput(x: Tensor, channelAxisOfKernel: number, perGroup: boolean): Tensor {
    checkRank(this, x, this.spatialRank + 2);
    const k = this.kernel;
    const expected = k.shape[channelAxisOfKernel] * (perGroup ? this.groups : 1);
    if (x.shape[x.rank - 1] !== expected) {
      throw incompatible(
        this,
        `expected axis -1 of input shape to have value ${expected}, but received input with shape ${shapeStr(x.shape)}`,
        x.shape,
      );
    }
    return x.dtype === k.dtype ? x : cast(x, k.dtype);
  }

  /**
   * "relu" or "linear" when the activation is one of those (by name, null, or the function
   * itself), else null: the activations the fused convolution op applies.
   */
  protected fusableActivation(): "relu" | "linear" | null {
    const id = this.#activationId;
    if (id === null || id === undefined || id === activations.linear) return "linear";
    if (id === activations.relu) return "relu";
    if (typeof id !== "string") return null;
    const name = id.toLowerCase();
    return name === "relu" ? "relu" : name === "linear" ? "linear" : null;
  }

  /** y + bias, then the activation. */
  protected finish(y: Tensor): Tensor {
    const out = this.#bias === null ? y : add(y, this.#bias);
    return this.activation(out);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      groups: this.groups,
      activation: activationConfig(this.#activationId),
      use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}

/**
 * conv2d of NHWC `x` with HWIO `kernel` split in `groups`: group g convolves input channels
 * [g C/G, (g+1) C/G) with filters [g F/G, (g+1) F/G) (the kernel's in-dimension is C/G).
 */
function groupedConv2d(
  x: Tensor,
  kernel: Tensor,
  strides: readonly number[],
  padding: "SAME" | "VALID",
  dilations: readonly number[],
  groups: number,
): Tensor {
  if (groups === 1) return nn.conv2d(x, kernel, strides, padding, { dilations });
  const xs = split(x, groups, 3);
  const ks = split(kernel, groups, 3);
  const ys = xs.map((xg, g) => nn.conv2d(xg, ks[g], strides, padding, { dilations }));
  return concat(ys, 3);
}

/**
 * `tf.keras.layers.Conv2D(filters, kernelSize, {strides, padding, dilationRate, groups,
 * activation, useBias, kernelInitializer, biasInitializer})`: inputs [batch, height, width,
 * channels], kernel [kh, kw, channels / groups, filters], bias [filters];
 * y = activation(conv2d(x, kernel) + bias).
 */
export class Conv2D extends BaseConv {
  constructor(filters: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super(2, filters, kernelSize, options, false);
  }

  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels / this.groups, this.filters];
  }

  call(inputs: Tensor): Tensor {
    const x = this.checkInput(inputs, 2, true);
    const padding = this.padding === "same" ? "SAME" : "VALID";
    // Conv, bias and relu (or no activation) as one op, as TensorFlow's grappler fuses them
    // (_FusedConv2D): one pass and one output instead of three.
    const act = this.fusableActivation();
    const bias = this.bias;
    if (this.groups === 1 && bias !== null && act !== null) {
      return fusedConv2d(x, this.kernel, bias, {
        strides: [this.strides[0], this.strides[1]],
        dilations: [this.dilationRate[0], this.dilationRate[1]],
        padding,
        activation: act,
      });
    }
    return this.finish(
      groupedConv2d(x, this.kernel, this.strides, padding, this.dilationRate, this.groups),
    );
  }
}

/**
 * `tf.keras.layers.Conv1D(filters, kernelSize, {...})`: inputs [batch, steps, channels], kernel
 * [k, channels / groups, filters]. Computed as Conv2D over a height-1 image. padding "causal"
 * pads dilation (k - 1) zeros at the start only, so output t sees inputs <= t.
 */
export class Conv1D extends BaseConv {
  constructor(filters: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super(1, filters, kernelSize, options, true);
  }

  protected kernelShape(inChannels: number): number[] {
    return [this.kernelSize[0], inChannels / this.groups, this.filters];
  }

  call(inputs: Tensor): Tensor {
    let x = this.checkInput(inputs, 1, true);
    if (this.padding === "causal") {
      const left = this.dilationRate[0] * (this.kernelSize[0] - 1);
      x = pad(x, [
        [0, 0],
        [left, 0],
        [0, 0],
      ]);
    }
    const padding = this.padding === "same" ? "SAME" : "VALID";
    // [b, steps, c] -> [b, 1, steps, c]; kernel [k, c, f] -> [1, k, c, f].
    const y = groupedConv2d(
      expandDims(x, 1),
      expandDims(this.kernel, 0),
      [1, this.strides[0]],
      padding,
      [1, this.dilationRate[0]],
      this.groups,
    );
    return this.finish(squeeze(y, [1]));
  }
}

export interface Conv2DTransposeOptions extends Omit<ConvOptions, "groups"> {
  /** Extra rows/columns on the output's bottom/right, each < its stride; default null. */
  outputPadding?: number | readonly number[] | null;
}

/**
 * Keras's deconv_output_length: the length a transposed convolution produces from `length`
 * (kernel dilated to k + (k - 1)(d - 1)): without outputPadding, valid gives
 * length s + max(k - s, 0) and same length s; with it, (length - 1) s + k - 2 pad + outputPadding
 * where pad is k // 2 for same and 0 for valid.
 */
export function deconvLength(
  length: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: PaddingMode,
  outputPadding: number | null,
): number {
  const k = kernel + (kernel - 1) * (dilation - 1);
  if (outputPadding === null) {
    return padding === "valid" ? length * stride + Math.max(k - stride, 0) : length * stride;
  }
  const p = padding === "same" ? Math.floor(k / 2) : 0;
  return (length - 1) * stride + k - 2 * p + outputPadding;
}

/**
 * `tf.keras.layers.Conv2DTranspose(filters, kernelSize, {strides, padding, outputPadding,
 * dilationRate, activation, useBias, ...})`: the adjoint of Conv2D (tf.nn.conv2dTranspose);
 * inputs [batch, h, w, channels], kernel [kh, kw, filters, channels], output
 * [batch, h', w', filters] with h' from Keras's deconv_output_length.
 */
export class Conv2DTranspose extends BaseConv {
  readonly outputPadding: readonly number[] | null;

  constructor(
    filters: number,
    kernelSize: number | readonly number[],
    options: Conv2DTransposeOptions = {},
  ) {
    super(2, filters, kernelSize, { ...options, groups: 1 }, false);
    const op = options.outputPadding ?? null;
    this.outputPadding =
      op === null ? null : intTuple("Conv2DTranspose", "output_padding", op, 2, true);
    if (this.outputPadding?.some((p, i) => p >= this.strides[i])) {
      throw new RangeError(
        `Conv2DTranspose: outputPadding must be smaller than the strides. Received: output_padding=${JSON.stringify(this.outputPadding)}, strides=${JSON.stringify(this.strides)}`,
      );
    }
  }

  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }

  call(inputs: Tensor): Tensor {
    const x = this.checkInput(inputs, 3, false);
    const padding = this.padding === "same" ? "same" : "valid";
    const [b, h, w] = x.shape;
    const outShape = [
      b,
      deconvLength(
        h,
        this.kernelSize[0],
        this.strides[0],
        this.dilationRate[0],
        padding,
        this.outputPadding?.[0] ?? null,
      ),
      deconvLength(
        w,
        this.kernelSize[1],
        this.strides[1],
        this.dilationRate[1],
        padding,
        this.outputPadding?.[1] ?? null,
      ),
      this.filters,
    ];
    const y = nn.conv2dTranspose(
      x,
      this.kernel,
      outShape,
      this.strides,
      padding === "same" ? "SAME" : "VALID",
      {
        dilations: this.dilationRate,
      },
    );
    return this.finish(y);
  }

  override getConfig(): LayerConfig {
    const { groups: _, ...config } = super.getConfig();
    return {
      ...config,
      output_padding: this.outputPadding === null ? null : [...this.outputPadding],
    };
  }
}
