/**
 * Pooling layers, channels last: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (windows of poolSize,
 * strides defaulting to poolSize, padding "valid" or "same"; the 1-D ones are the 2-D ops over
 * a height-1 image), and the global poolings, a mean or max over every spatial position.
 */
import { optionsArg } from "../../tensor/args.js";
import type { Tensor } from "../../tensor/tensor.js";
import { expandDims, nn, reduceMax, reduceMean, squeeze } from "../../ops/index.js";
import { Layer, type LayerOptions } from "../layer.js";
import {
  baseConfig,
  checkRank,
  dataFormatArg,
  intTuple,
  type LayerConfig,
  paddingArg,
  type PaddingMode,
} from "./common.js";

export interface PoolingOptions extends LayerOptions {
  /** Default poolSize. */
  strides?: number | readonly number[] | null;
  /** "valid" (default) or "same". */
  padding?: string;
  /** Only "channels_last". */
  dataFormat?: string;
}

abstract class BasePooling extends Layer {
  readonly poolSize: readonly number[];
  readonly strides: readonly number[];
  readonly padding: PaddingMode;
  readonly dataFormat: "channels_last";

  constructor(
    readonly spatialRank: 1 | 2 | 3,
    readonly mode: "max" | "avg",
    poolSize: number | readonly number[],
    options: PoolingOptions,
  ) {
    super(options);
    const cls = this.constructor.name;
    options = optionsArg(cls, options);
    this.poolSize = intTuple(cls, "pool_size", poolSize, spatialRank);
    this.strides = intTuple(cls, "strides", options.strides ?? this.poolSize, spatialRank);
    this.padding = paddingArg(cls, options.padding);
    this.dataFormat = dataFormatArg(cls, options.dataFormat);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, this.spatialRank + 2);
    const padding = this.padding === "same" ? "SAME" : "VALID";
    if (this.spatialRank === 3) {
      const pool3 = this.mode === "max" ? nn.maxPool3d : nn.avgPool3d;
      return pool3(inputs, this.poolSize, this.strides, padding);
    }
    const pool = this.mode === "max" ? nn.maxPool2d : nn.avgPool2d;
    if (this.spatialRank === 2) return pool(inputs, this.poolSize, this.strides, padding);
    // [b, steps, c] -> [b, 1, steps, c], pooled along the width.
    const y = pool(expandDims(inputs, 1), [1, this.poolSize[0]], [1, this.strides[0]], padding);
    return squeeze(y, [1]);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: this.dataFormat,
    };
  }
}

/** `tf.keras.layers.MaxPooling2D(poolSize = [2, 2], {strides, padding})` on [batch, h, w, c]. */
export class MaxPooling2D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(2, "max", poolSize, options);
  }
}

/** `tf.keras.layers.AveragePooling2D(poolSize = [2, 2], {strides, padding})`; same-padded edges average fewer. */
export class AveragePooling2D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(2, "avg", poolSize, options);
  }
}

/** `tf.keras.layers.MaxPooling1D(poolSize = 2, {strides, padding})` on [batch, steps, c]. */
export class MaxPooling1D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(1, "max", poolSize, options);
  }
}

/** `tf.keras.layers.AveragePooling1D(poolSize = 2, {strides, padding})` on [batch, steps, c]. */
export class AveragePooling1D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(1, "avg", poolSize, options);
  }
}

export interface GlobalPoolingOptions extends LayerOptions {
  /** Only "channels_last". */
  dataFormat?: string;
  /** Keep the pooled axes as 1 (default false). */
  keepdims?: boolean;
}

abstract class GlobalPooling extends Layer {
  readonly dataFormat: "channels_last";
  readonly keepdims: boolean;

  constructor(
    readonly spatialRank: 1 | 2 | 3,
    readonly mode: "max" | "avg",
    options: GlobalPoolingOptions,
  ) {
    super(options);
    options = optionsArg(this.constructor.name, options);
    this.dataFormat = dataFormatArg(this.constructor.name, options.dataFormat);
    this.keepdims = options.keepdims ?? false;
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, this.spatialRank + 2);
    const axes = Array.from({ length: this.spatialRank }, (_, i) => i + 1);
    return this.mode === "max"
      ? reduceMax(inputs, axes, this.keepdims)
      : reduceMean(inputs, axes, this.keepdims);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), data_format: this.dataFormat, keepdims: this.keepdims };
  }
}

/** `tf.keras.layers.GlobalAveragePooling2D({keepdims})`: [b, h, w, c] -> [b, c], the mean over h, w. */
export class GlobalAveragePooling2D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(2, "avg", options);
  }
}

/** `tf.keras.layers.GlobalMaxPooling2D({keepdims})`: [b, h, w, c] -> [b, c], the max over h, w. */
export class GlobalMaxPooling2D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(2, "max", options);
  }
}

/** `tf.keras.layers.GlobalAveragePooling1D({keepdims})`: [b, steps, c] -> [b, c]. */
export class GlobalAveragePooling1D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(1, "avg", options);
  }
}

/** `tf.keras.layers.GlobalMaxPooling1D({keepdims})`: [b, steps, c] -> [b, c]. */
export class GlobalMaxPooling1D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(1, "max", options);
  }
}

/** `tf.keras.layers.MaxPooling3D(poolSize = [2, 2, 2], {strides, padding})` on [batch, d, h, w, c]. */
export class MaxPooling3D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(3, "max", poolSize, options);
  }
}

/** `tf.keras.layers.AveragePooling3D(poolSize = [2, 2, 2], {strides, padding})`; same-padded edges average fewer. */
export class AveragePooling3D extends BasePooling {
  constructor(poolSize: number | readonly number[] = 2, options: PoolingOptions = {}) {
    super(3, "avg", poolSize, options);
  }
}

/** `tf.keras.layers.GlobalAveragePooling3D({keepdims})`: [b, d, h, w, c] -> [b, c]. */
export class GlobalAveragePooling3D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(3, "avg", options);
  }
}

/** `tf.keras.layers.GlobalMaxPooling3D({keepdims})`: [b, d, h, w, c] -> [b, c]. */
export class GlobalMaxPooling3D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(3, "max", options);
  }
}
