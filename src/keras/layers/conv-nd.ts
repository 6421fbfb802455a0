/**
 * The other convolution layers of Keras 3, channels last: Conv3D (with groups),
 * Conv1DTranspose and Conv3DTranspose, with Keras's weight names and shapes (Conv3D's kernel
 * [kd, kh, kw, in / groups, filters], the transposes' [...kernelSize, filters, in], bias
 * [filters]) and output lengths (deconv_output_length, as Conv2DTranspose).
 */
import type { Tensor } from "../../tensor/tensor.js";
import { concat, nn, split } from "../../ops/index.js";
import { BaseConv, type ConvOptions, type Conv2DTransposeOptions, deconvLength } from "./conv.js";
import { intTuple, type LayerConfig } from "./common.js";

/**
 * `tf.keras.layers.Conv3D(filters, kernelSize, {strides, padding, dilationRate, groups,
 * activation, useBias, kernelInitializer, biasInitializer})`: inputs [batch, depth, height,
 * width, channels], kernel [kd, kh, kw, channels / groups, filters], bias [filters];
 * y = activation(conv3d(x, kernel) + bias).
 */
export class Conv3D extends BaseConv {
  constructor(filters: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super(3, filters, kernelSize, options, false);
  }

  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels / this.groups, this.filters];
  }

  call(inputs: Tensor): Tensor {
    const x = this.checkInput(inputs, 3, true);
    const padding = this.padding === "same" ? "SAME" : "VALID";
    const opts = { dilations: this.dilationRate };
    if (this.groups === 1) {
      return this.finish(nn.conv3d(x, this.kernel, this.strides, padding, opts));
    }
    // Group g convolves input channels [g C/G, (g+1) C/G) with filters [g F/G, (g+1) F/G).
    const xs = split(x, this.groups, 4);
    const ks = split(this.kernel, this.groups, 4);
    const ys = xs.map((xg, g) => nn.conv3d(xg, ks[g], this.strides, padding, opts));
    return this.finish(concat(ys, 4));
  }
}

/** What the two transposes share: outputPadding and the output shape. */
abstract class BaseConvTranspose extends BaseConv {
  readonly outputPadding: readonly number[] | null;

  constructor(
    rank: 1 | 3,
    filters: number,
    kernelSize: number | readonly number[],
    options: Conv2DTransposeOptions,
  ) {
    super(rank, filters, kernelSize, { ...options, groups: 1 }, false);
    const cls = this.constructor.name;
    const op = options.outputPadding ?? null;
    this.outputPadding = op === null ? null : intTuple(cls, "output_padding", op, rank, true);
    if (this.outputPadding?.some((p, i) => p >= this.strides[i])) {
      throw new RangeError(
        `${cls}: outputPadding must be smaller than the strides. Received: output_padding=${JSON.stringify(this.outputPadding)}, strides=${JSON.stringify(this.strides)}`,
      );
    }
  }

  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }

  /** [batch, ...spatial lengths from deconv_output_length, filters]. */
  protected outputShape(x: Tensor): number[] {
    const padding = this.padding === "same" ? "same" : "valid";
    const spatial = this.kernelSize.map((k, i) =>
      deconvLength(
        x.shape[i + 1],
        k,
        this.strides[i],
        this.dilationRate[i],
        padding,
        this.outputPadding?.[i] ?? null,
      ),
    );
    return [x.shape[0], ...spatial, this.filters];
  }

  override getConfig(): LayerConfig {
    const { groups: _, ...config } = super.getConfig();
    return {
      ...config,
      output_padding: this.outputPadding === null ? null : [...this.outputPadding],
    };
  }
}

/**
 * `tf.keras.layers.Conv1DTranspose(filters, kernelSize, {strides, padding, outputPadding,
 * dilationRate, ...})`: the adjoint of Conv1D (tf.nn.conv1dTranspose); inputs
 * [batch, steps, channels], kernel [k, filters, channels].
 */
export class Conv1DTranspose extends BaseConvTranspose {
  constructor(
    filters: number,
    kernelSize: number | readonly number[],
    options: Conv2DTransposeOptions = {},
  ) {
    super(1, filters, kernelSize, options);
  }

  call(inputs: Tensor): Tensor {
    const x = this.checkInput(inputs, 2, false);
    const padding = this.padding === "same" ? "SAME" : "VALID";
    const y = nn.conv1dTranspose(x, this.kernel, this.outputShape(x), this.strides, padding, {
      dilations: this.dilationRate,
    });
    return this.finish(y);
  }
}

/**
 * `tf.keras.layers.Conv3DTranspose(filters, kernelSize, {strides, padding, outputPadding,
 * dilationRate, ...})`: the adjoint of Conv3D (tf.nn.conv3dTranspose); inputs
 * [batch, d, h, w, channels], kernel [kd, kh, kw, filters, channels].
 */
export class Conv3DTranspose extends BaseConvTranspose {
  constructor(
    filters: number,
    kernelSize: number | readonly number[],
    options: Conv2DTransposeOptions = {},
  ) {
    super(3, filters, kernelSize, options);
  }

  call(inputs: Tensor): Tensor {
    const x = this.checkInput(inputs, 4, false);
    const padding = this.padding === "same" ? "SAME" : "VALID";
    const y = nn.conv3dTranspose(x, this.kernel, this.outputShape(x), this.strides, padding, {
      dilations: this.dilationRate,
    });
    return this.finish(y);
  }
}
