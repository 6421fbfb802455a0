/**
 * Reshaping layers, the batch axis untouched: Reshape, Permute, RepeatVector, and the 1-D/2-D
 * ZeroPadding, Cropping and (nearest-neighbour) UpSampling of channels-last inputs.
 */
import { describeValue } from "../../tensor/describe-value.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { broadcastTo, expandDims, pad, reshape, slice, transpose } from "../../ops/index.js";
import { Layer, type LayerOptions } from "../layer.js";
import {
  baseConfig,
  checkRank,
  dataFormatArg,
  incompatible,
  intTuple,
  type LayerConfig,
  positiveInt,
} from "./common.js";

/**
 * `tf.keras.layers.Reshape(targetShape)`: [batch, ...] -> [batch, ...targetShape]; one entry
 * may be -1, inferred from the size.
 */
export class Reshape extends Layer {
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[], options: LayerOptions = {}) {
    super(options);
    const ok =
      Array.isArray(targetShape) &&
      targetShape.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) &&
      targetShape.filter((d) => d === -1).length <= 1;
    if (!ok) {
      throw new RangeError(
        `Reshape: targetShape must be a list of positive integers with at most one -1, got ${JSON.stringify(targetShape)}`,
      );
    }
    this.targetShape = [...targetShape];
  }

  call(inputs: Tensor): Tensor {
    if (inputs.rank < 1)
      throw incompatible(this, "expected min_ndim=1, found ndim=0", inputs.shape);
    const [batch, ...rest] = inputs.shape;
    const size = rest.reduce((a, d) => a * d, 1);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const fits = this.targetShape.includes(-1) ? size % known === 0 : size === known;
    if (!fits) {
      throw new InvalidArgumentError(
        `Reshape layer "${this.name}": total size of the new array must be unchanged, input_shape = ${shapeStr(rest)}, output_shape = ${shapeStr(this.targetShape)}`,
      );
    }
    return reshape(inputs, [batch, ...this.targetShape]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), target_shape: [...this.targetShape] };
  }
}

/**
 * `tf.keras.layers.Permute(dims)`: permutes the non-batch axes; dims are 1-based, a
 * permutation of 1..rank-1 (`Permute([2, 1])` swaps the two axes after the batch).
 */
export class Permute extends Layer {
  readonly dims: readonly number[];

  constructor(dims: readonly number[], options: LayerOptions = {}) {
    super(options);
    if (!Array.isArray(dims)) {
      throw new TypeError(`Permute: dims must be a list of integers, got ${describeValue(dims)}`);
    }
    const sorted = [...dims].sort((a, b) => a - b);
    if (!Array.isArray(dims) || !sorted.every((d, i) => d === i + 1)) {
      throw new RangeError(
        `Permute: invalid permutation argument \`dims\`: must be a permutation of 1..${dims.length} (the batch axis 0 is not permuted). Received: dims=${JSON.stringify(dims)}`,
      );
    }
    this.dims = [...dims];
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, this.dims.length + 1);
    return transpose(inputs, [0, ...this.dims]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), dims: [...this.dims] };
  }
}

/** `tf.keras.layers.RepeatVector(n)`: [batch, features] -> [batch, n, features]. */
export class RepeatVector extends Layer {
  readonly n: number;

  constructor(n: number, options: LayerOptions = {}) {
    super(options);
    this.n = positiveInt("RepeatVector", "n", n);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 2);
    const [b, f] = inputs.shape;
    return broadcastTo(expandDims(inputs, 1), [b, this.n, f]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), n: this.n };
  }
}

type Pairs = [[number, number], [number, number]];

/**
 * Keras's 2-D padding/cropping argument: n (all four sides), [h, w] (symmetric), or
 * [[top, bottom], [left, right]].
 */
function pairs2d(
  layer: string,
  arg: string,
  v: number | readonly (number | readonly number[])[],
): Pairs {
  if (typeof v === "number") {
    const [n] = intTuple(layer, arg, v, 1, true);
    return [
      [n, n],
      [n, n],
    ];
  }
  if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === "number")) {
    const [h, w] = intTuple(layer, arg, v as number[], 2, true);
    return [
      [h, h],
      [w, w],
    ];
  }
  if (Array.isArray(v) && v.length === 2 && v.every((e) => Array.isArray(e))) {
    const [a, b] = v as readonly (readonly number[])[];
    const [t, bo] = intTuple(layer, arg, a, 2, true);
    const [l, r] = intTuple(layer, arg, b, 2, true);
    return [
      [t, bo],
      [l, r],
    ];
  }
  throw new RangeError(
    `${layer}: \`${arg}\` should be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints. Received: ${arg}=${JSON.stringify(v)}`,
  );
}

/** 1-D amounts: n (both ends) or [before, after]. */
function pair1d(layer: string, arg: string, v: number | readonly number[]): [number, number] {
  const [a, b] =
    typeof v === "number"
      ? intTuple(layer, arg, [v, v], 2, true)
      : intTuple(layer, arg, v, 2, true);
  return [a, b];
}

export interface SpatialOptions extends LayerOptions {
  /** Only "channels_last". */
  dataFormat?: string;
}

/** `tf.keras.layers.ZeroPadding2D(padding = 1)`: zeros around the rows and columns of [b, h, w, c]. */
export class ZeroPadding2D extends Layer {
  readonly padding: Pairs;
  readonly dataFormat: "channels_last";

  constructor(
    padding: number | readonly (number | readonly number[])[] = 1,
    options: SpatialOptions = {},
  ) {
    super(options);
    this.padding = pairs2d("ZeroPadding2D", "padding", padding);
    this.dataFormat = dataFormatArg("ZeroPadding2D", options.dataFormat);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 4);
    const [h, w] = this.padding;
    return pad(inputs, [[0, 0], h, w, [0, 0]]);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      padding: this.padding.map((p) => [...p]),
      data_format: this.dataFormat,
    };
  }
}

/** `tf.keras.layers.ZeroPadding1D(padding = 1)`: zeros before and after the steps of [b, steps, c]. */
export class ZeroPadding1D extends Layer {
  readonly padding: [number, number];

  constructor(padding: number | readonly number[] = 1, options: LayerOptions = {}) {
    super(options);
    this.padding = pair1d("ZeroPadding1D", "padding", padding);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 3);
    return pad(inputs, [[0, 0], this.padding, [0, 0]]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), padding: [...this.padding] };
  }
}

/** `tf.keras.layers.Cropping2D(cropping = 0)`: removes rows and columns at the edges of [b, h, w, c]. */
export class Cropping2D extends Layer {
  readonly cropping: Pairs;
  readonly dataFormat: "channels_last";

  constructor(
    cropping: number | readonly (number | readonly number[])[] = 0,
    options: SpatialOptions = {},
  ) {
    super(options);
    this.cropping = pairs2d("Cropping2D", "cropping", cropping);
    this.dataFormat = dataFormatArg("Cropping2D", options.dataFormat);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 4);
    const [[t, b], [l, r]] = this.cropping;
    const [n, h, w, c] = inputs.shape;
    if (t + b >= h || l + r >= w) {
      throw incompatible(
        this,
        `cropping ${JSON.stringify(this.cropping)} leaves nothing of the ${h} x ${w} input`,
        inputs.shape,
      );
    }
    return slice(inputs, [0, t, l, 0], [n, h - t - b, w - l - r, c]);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      cropping: this.cropping.map((p) => [...p]),
      data_format: this.dataFormat,
    };
  }
}

/** `tf.keras.layers.Cropping1D(cropping = 1)`: removes steps at both ends of [b, steps, c]. */
export class Cropping1D extends Layer {
  readonly cropping: [number, number];

  constructor(cropping: number | readonly number[] = 1, options: LayerOptions = {}) {
    super(options);
    this.cropping = pair1d("Cropping1D", "cropping", cropping);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 3);
    const [a, b] = this.cropping;
    const [n, steps, c] = inputs.shape;
    if (a + b >= steps) {
      throw incompatible(
        this,
        `cropping [${a}, ${b}] leaves nothing of ${steps} steps`,
        inputs.shape,
      );
    }
    return slice(inputs, [0, a, 0], [n, steps - a - b, c]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), cropping: [...this.cropping] };
  }
}

export interface UpSampling2DOptions extends SpatialOptions {
  /** Only "nearest". */
  interpolation?: string;
}

/**
 * `tf.keras.layers.UpSampling2D(size = 2, {interpolation: "nearest"})`: each pixel repeated
 * size[0] times down and size[1] times across: [b, h, w, c] -> [b, h s0, w s1, c].
 */
export class UpSampling2D extends Layer {
  readonly size: readonly number[];
  readonly dataFormat: "channels_last";
  readonly interpolation: "nearest";

  constructor(size: number | readonly number[] = 2, options: UpSampling2DOptions = {}) {
    super(options);
    this.size = intTuple("UpSampling2D", "size", size, 2);
    this.dataFormat = dataFormatArg("UpSampling2D", options.dataFormat);
    const interp = options.interpolation ?? "nearest";
    if (interp !== "nearest") {
      throw new RangeError(
        `UpSampling2D: only interpolation "nearest" is supported, got ${JSON.stringify(interp)}`,
      );
    }
    this.interpolation = interp;
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 4);
    const [b, h, w, c] = inputs.shape;
    const [sh, sw] = this.size;
    // [b, h, 1, w, 1, c] broadcast to [b, h, sh, w, sw, c]: every pixel repeated in a block.
    const x = reshape(inputs, [b, h, 1, w, 1, c]);
    return reshape(broadcastTo(x, [b, h, sh, w, sw, c]), [b, h * sh, w * sw, c]);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      size: [...this.size],
      data_format: this.dataFormat,
      interpolation: this.interpolation,
    };
  }
}

/** `tf.keras.layers.UpSampling1D(size = 2)`: each step repeated size times. */
export class UpSampling1D extends Layer {
  readonly size: number;

  constructor(size = 2, options: LayerOptions = {}) {
    super(options);
    this.size = positiveInt("UpSampling1D", "size", size);
  }

  call(inputs: Tensor): Tensor {
    checkRank(this, inputs, 3);
    const [b, steps, c] = inputs.shape;
    const x = reshape(inputs, [b, steps, 1, c]);
    return reshape(broadcastTo(x, [b, steps, this.size, c]), [b, steps * this.size, c]);
  }

  getConfig(): LayerConfig {
    return { ...baseConfig(this), size: this.size };
  }
}
