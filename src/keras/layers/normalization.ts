/**
 * Normalization layers: BatchNormalization (batch statistics while training, with moving
 * averages kept in non-trainable variables for inference) and LayerNormalization (statistics of
 * each example over the normalized axes). Weights in Keras 3's order and names: gamma, beta,
 * then BatchNormalization's moving_mean and moving_variance.
 */
import { optionsArg } from "../../tensor/args.js";
import { normalizeAxis } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { add, multiply, nn, ones, reshape, rsqrt, subtract, zeros } from "../../ops/index.js";
import { layerNorm } from "../../ops/nn-layernorm.js";
import * as initializers from "../initializers.js";
import { type BuildShape, type CallOptions, Layer, type LayerOptions } from "../layer.js";
import { baseConfig, incompatible, initializerConfig, type LayerConfig } from "./common.js";

interface NormOptions extends LayerOptions {
  /** Default 1e-3, added to the variance. */
  epsilon?: number;
  /** Add the learned offset beta (default true). */
  center?: boolean;
  /** Multiply by the learned scale gamma (default true). */
  scale?: boolean;
  /** Default "zeros". */
  betaInitializer?: initializers.InitializerIdentifier;
  /** Default "ones". */
  gammaInitializer?: initializers.InitializerIdentifier;
}

/** The axes of a rank-`rank` input, as non-negative numbers, checked against it. */
function resolveAxes(layer: Layer, axes: readonly number[], shape: BuildShape): number[] {
  const rank = shape.length;
  const out = axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw incompatible(
        layer,
        `axis ${a} is out of bounds for an input of rank ${rank}`,
        shape.map((d) => d ?? -1),
      );
    }
    return normalizeAxis(layer.name, a, rank);
  });
  for (const a of out) {
    const d = shape[a];
    if (d === null || d <= 0) {
      throw incompatible(
        layer,
        `axis ${a} of the input must have a known, positive dimension`,
        shape.map((v) => v ?? -1),
      );
    }
  }
  return out;
}

/**
 * The shape a [d_axes...] parameter takes to broadcast against the input: the input's
 * dimensions at `axes`, 1 elsewhere (or the parameter itself when `axes` is just the last one).
 */
function broadcastParam(p: Tensor, axes: readonly number[], shape: readonly number[]): Tensor {
  if (axes.length === 1 && axes[0] === shape.length - 1) return p;
  return reshape(
    p,
    shape.map((d, i) => (axes.includes(i) ? d : 1)),
  );
}

abstract class Normalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: initializers.InitializerIdentifier;
  readonly gammaInitializer: initializers.InitializerIdentifier;
  protected gammaVar: Variable | null = null;
  protected betaVar: Variable | null = null;
  /** The normalized (parameter) axes, non-negative; set by build. */
  protected axes: number[] = [];
  protected builtRank = -1;

  constructor(options: NormOptions) {
    super(options);
    options = optionsArg(this.constructor.name, options);
    this.epsilon = options.epsilon ?? 1e-3;
    if (typeof this.epsilon !== "number" || !(this.epsilon >= 0)) {
      throw new RangeError(
        `${this.constructor.name}: epsilon must be a non-negative number, got ${String(options.epsilon)}`,
      );
    }
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
    this.betaInitializer = options.betaInitializer ?? "zeros";
    this.gammaInitializer = options.gammaInitializer ?? "ones";
    initializers.get(this.betaInitializer);
    initializers.get(this.gammaInitializer);
  }

  /** The learned scale, or null with scale false. */
  get gamma(): Variable | null {
    return this.gammaVar;
  }

  /** The learned offset, or null with center false. */
  get beta(): Variable | null {
    return this.betaVar;
  }

  /** Makes gamma then beta, shaped as the input's dimensions at the axes. */
  protected buildParams(shape: BuildShape, axes: readonly number[]): void {
    this.axes = resolveAxes(this, axes, shape);
    this.builtRank = shape.length;
    const pshape = this.axes.map((a) => shape[a] as number);
    if (this.scale) {
      this.gammaVar = this.addWeight("gamma", pshape, { initializer: this.gammaInitializer });
    }
    if (this.center) {
      this.betaVar = this.addWeight("beta", pshape, { initializer: this.betaInitializer });
    }
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== this.builtRank) {
      throw incompatible(this, `expected ndim=${this.builtRank}, found ndim=${x.rank}`, x.shape);
    }
    const p = this.gammaVar ?? this.betaVar ?? this.paramReference();
    if (p === null) return;
    this.axes.forEach((a, i) => {
      if (x.shape[a] !== p.shape[i]) {
        throw incompatible(
          this,
          `expected axis ${a} of input shape to have value ${p.shape[i]}, but received input with shape [${x.shape.join(", ")}]`,
          x.shape,
        );
      }
    });
  }

  /** A weight shaped like gamma to check inputs against when there is no gamma or beta. */
  protected paramReference(): Variable | null {
    return null;
  }

  /** (x - mean) / sqrt(variance + epsilon) * gamma + beta, statistics broadcast against x. */
  protected normalize(x: Tensor, mean: Tensor, variance: Tensor): Tensor {
    let inv = rsqrt(add(variance, this.epsilon));
    if (this.gammaVar !== null) {
      inv = multiply(inv, broadcastParam(this.gammaVar, this.axes, x.shape));
    }
    let y = multiply(subtract(x, mean), inv);
    if (this.betaVar !== null) y = add(y, broadcastParam(this.betaVar, this.axes, x.shape));
    return y;
  }

  protected normConfig(): LayerConfig {
    return {
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: initializerConfig(this.betaInitializer),
      gamma_initializer: initializerConfig(this.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}

export interface BatchNormalizationOptions extends NormOptions {
  /** The feature axis (or axes) kept; statistics are over the others. Default -1. */
  axis?: number | readonly number[];
  /** Moving averages: moving = moving momentum + batch (1 - momentum). Default 0.99. */
  momentum?: number;
  /** Default "zeros". */
  movingMeanInitializer?: initializers.InitializerIdentifier;
  /** Default "ones". */
  movingVarianceInitializer?: initializers.InitializerIdentifier;
}

/**
 * `tf.keras.layers.BatchNormalization({axis, momentum, epsilon, center, scale, ...})`.
 * With `{training: true}` (and the layer trainable): y = (x - mean) / sqrt(var + epsilon)
 * gamma + beta with the mean and (population) variance of this batch over every axis but `axis`,
 * and moving_mean, moving_variance move toward them by (1 - momentum). Otherwise (inference, or
 * a frozen layer, as in Keras 3) the moving statistics are used and nothing changes.
 */
export class BatchNormalization extends Normalization {
  readonly axis: number | readonly number[];
  readonly momentum: number;
  readonly movingMeanInitializer: initializers.InitializerIdentifier;
  readonly movingVarianceInitializer: initializers.InitializerIdentifier;
  #movingMean: Variable | null = null;
  #movingVariance: Variable | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    options = optionsArg("BatchNormalization", options);
    this.axis = options.axis ?? -1;
    this.momentum = options.momentum ?? 0.99;
    if (typeof this.momentum !== "number" || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new RangeError(
        `BatchNormalization: momentum must be in [0, 1], got ${String(options.momentum)}`,
      );
    }
    this.movingMeanInitializer = options.movingMeanInitializer ?? "zeros";
    this.movingVarianceInitializer = options.movingVarianceInitializer ?? "ones";
    initializers.get(this.movingMeanInitializer);
    initializers.get(this.movingVarianceInitializer);
  }

  get movingMean(): Variable {
    if (this.#movingMean === null) throw this.unbuilt();
    return this.#movingMean;
  }

  get movingVariance(): Variable {
    if (this.#movingVariance === null) throw this.unbuilt();
    return this.#movingVariance;
  }

  protected override paramReference(): Variable | null {
    return this.#movingMean;
  }

  private unbuilt(): Error {
    return new Error(
      `BatchNormalization '${this.name}' has no moving statistics yet: they are made on the first call (or by build(inputShape))`,
    );
  }

  override build(inputShape: BuildShape): void {
    // gamma, beta, moving_mean, moving_variance: Keras 3's creation order.
    this.buildParams(inputShape, typeof this.axis === "number" ? [this.axis] : this.axis);
    const pshape = this.axes.map((a) => inputShape[a] as number);
    this.#movingMean = this.addWeight("moving_mean", pshape, {
      initializer: this.movingMeanInitializer,
      trainable: false,
    });
    this.#movingVariance = this.addWeight("moving_variance", pshape, {
      initializer: this.movingVarianceInitializer,
      trainable: false,
    });
    super.build(inputShape);
  }

  call(inputs: Tensor, options: CallOptions = {}): Tensor {
    this.checkInput(inputs);
    const axes = this.axes;
    const movingMean = this.movingMean;
    const movingVariance = this.movingVariance;
    if (options.training === true && this.trainable) {
      const last = inputs.rank - 1;
      if (axes.length === 1 && axes[0] === last && last >= 0 && inputs.size > 0) {
        // Channels last (the usual case): one fused kernel for the statistics and y, one for
        // the gradient. Its variance is the sample variance; Keras 3 moves the moving variance
        // toward the population one, v (N - 1) / N.
        const C = inputs.shape[last];
        const N = inputs.size / C;
        const scale = this.gammaVar ?? ones([C], inputs.dtype);
        const offset = this.betaVar ?? zeros([C], inputs.dtype);
        const [y, batchMean, sampleVar] = nn.fusedBatchNorm(inputs, scale, offset, null, null, {
          epsilon: this.epsilon,
        });
        const batchVar = N > 1 ? multiply(sampleVar, (N - 1) / N) : sampleVar;
        const m = this.momentum;
        movingMean.assign(add(multiply(movingMean, m), multiply(batchMean, 1 - m)));
        movingVariance.assign(add(multiply(movingVariance, m), multiply(batchVar, 1 - m)));
        return y;
      }
      const reduce = inputs.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const [mean, variance] = nn.moments(inputs, reduce, { keepdims: true });
      // The moving statistics are state: updated by assign, which the tape does not record.
      const m = this.momentum;
      const batchMean = reshape(mean, movingMean.shape);
      const batchVar = reshape(variance, movingVariance.shape);
      movingMean.assign(add(multiply(movingMean, m), multiply(batchMean, 1 - m)));
      movingVariance.assign(add(multiply(movingVariance, m), multiply(batchVar, 1 - m)));
      return this.normalize(inputs, mean, variance);
    }
    return this.normalize(
      inputs,
      broadcastParam(movingMean.value(), axes, inputs.shape),
      broadcastParam(movingVariance.value(), axes, inputs.shape),
    );
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      axis: typeof this.axis === "number" ? this.axis : [...this.axis],
      momentum: this.momentum,
      ...this.normConfig(),
      moving_mean_initializer: initializerConfig(this.movingMeanInitializer),
      moving_variance_initializer: initializerConfig(this.movingVarianceInitializer),
      synchronized: false,
    };
  }
}

export interface LayerNormalizationOptions extends NormOptions {
  /** The axis (or axes) normalized over, each example on its own. Default -1. */
  axis?: number | readonly number[];
}

/**
 * `tf.keras.layers.LayerNormalization({axis, epsilon, center, scale, ...})`: each example is
 * normalized by its own mean and variance over `axis`, then scaled by gamma and offset by beta
 * (both shaped as the input's dimensions at `axis`). The same in training and inference.
 */
export class LayerNormalization extends Normalization {
  readonly axis: number | readonly number[];

  constructor(options: LayerNormalizationOptions = {}) {
    super(options);
    options = optionsArg("LayerNormalization", options);
    this.axis = options.axis ?? -1;
  }

  override build(inputShape: BuildShape): void {
    this.buildParams(inputShape, typeof this.axis === "number" ? [this.axis] : this.axis);
    super.build(inputShape);
  }

  call(inputs: Tensor): Tensor {
    this.checkInput(inputs);
    const axes = this.axes;
    const rank = inputs.rank;
    const sorted = [...axes].sort((a, b) => a - b);
    const trailing = sorted.every((a, i) => a === rank - sorted.length + i);
    const inOrder = axes.every((a, i) => a === sorted[i]);
    if (trailing && inOrder && (inputs.dtype === "float32" || inputs.dtype === "float64")) {
      // The normalized axes are the last ones, in order: one fused op over [..., n] with
      // n their product (ops/nn-layernorm.ts), gamma and beta flattened to [n].
      const n = axes.reduce((p, a) => p * inputs.shape[a], 1);
      const flat = (v: Variable | null, fill: number): Tensor =>
        v === null
          ? fill === 1
            ? ones([n], inputs.dtype)
            : zeros([n], inputs.dtype)
          : v.rank === 1
            ? v
            : reshape(v, [n]);
      const x =
        sorted.length === 1
          ? inputs
          : reshape(inputs, [...inputs.shape.slice(0, rank - sorted.length), n]);
      const y = layerNorm(x, flat(this.gammaVar, 1), flat(this.betaVar, 0), this.epsilon);
      return sorted.length === 1 ? y : reshape(y, inputs.shape);
    }
    const [mean, variance] = nn.moments(inputs, this.axes, { keepdims: true });
    return this.normalize(inputs, mean, variance);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      axis: typeof this.axis === "number" ? this.axis : [...this.axis],
      ...this.normConfig(),
      rms_scaling: false,
    };
  }
}
