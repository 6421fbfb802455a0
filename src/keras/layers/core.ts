/** The core Keras layers: Dense, Activation, ReLU, Flatten (Dropout is in regularization.ts). */
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { reshape } from "../../ops/index.js";
import { add, cast } from "../../ops/index.js";
import { matmul } from "../../ops/index.js";
import * as activations from "../activations.js";
import * as constraints from "../constraints.js";
import * as initializers from "../initializers.js";
import * as regularizers from "../regularizers.js";
import {
  type BuildShape,
  buildShapeStr,
  type CallOptions,
  Layer,
  type LayerOptions,
} from "../layer.js";
import { optionsArg } from "../../tensor/args.js";

export interface DenseOptions extends LayerOptions {
  /** Applied to the output; default none (linear). */
  activation?: activations.ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default "glorotUniform". */
  kernelInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
  /** A penalty on the kernel, in `losses` (default none). */
  kernelRegularizer?: regularizers.RegularizerIdentifier;
  /** A penalty on the bias, in `losses` (default none). */
  biasRegularizer?: regularizers.RegularizerIdentifier;
  /** Applied to the kernel by the optimizer after each update (default none). */
  kernelConstraint?: constraints.ConstraintIdentifier;
  /** Applied to the bias by the optimizer after each update (default none). */
  biasConstraint?: constraints.ConstraintIdentifier;
}

/**
 * `tf.keras.layers.Dense(units, {activation, useBias, kernelInitializer, biasInitializer})`:
 * y = activation(x kernel + bias), with kernel [inputDim, units] and bias [units] made on the
 * first call from x's last dimension. x has rank >= 2; higher ranks apply the same kernel to
 * every vector along the last axis.
 */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: activations.Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  readonly kernelRegularizer: regularizers.Regularizer | null;
  readonly biasRegularizer: regularizers.Regularizer | null;
  readonly kernelConstraint: constraints.Constraint | null;
  readonly biasConstraint: constraints.Constraint | null;
  #kernel: Variable | null = null;
  #bias: Variable | null = null;

  constructor(units: number, options: DenseOptions = {}) {
    super((options = optionsArg("Dense", options)));
    if (typeof units !== "number" || !Number.isInteger(units) || units <= 0) {
      throw new RangeError(
        `Dense '${this.name}': received an invalid value for \`units\`, expected a positive integer. Received: units=${String(units)}`,
      );
    }
    this.units = units;
    this.activation = activations.get(options.activation);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = options.kernelInitializer ?? "glorotUniform";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    // Resolve now, so a bad initializer name fails at construction and not at the first call.
    initializers.get(this.kernelInitializer);
    initializers.get(this.biasInitializer);
    this.kernelRegularizer = regularizers.get(options.kernelRegularizer);
    this.biasRegularizer = regularizers.get(options.biasRegularizer);
    this.kernelConstraint = constraints.get(options.kernelConstraint);
    this.biasConstraint = constraints.get(options.biasConstraint);
  }

  /** The [inputDim, units] weight; made on the first call. */
  get kernel(): Variable {
    if (this.#kernel === null) throw this.unbuilt("kernel");
    return this.#kernel;
  }

  /** The [units] bias, or null with useBias false; made on the first call. */
  get bias(): Variable | null {
    if (!this.built && this.useBias) throw this.unbuilt("bias");
    return this.#bias;
  }

  private unbuilt(what: string): Error {
    return new Error(
      `Dense '${this.name}' has no ${what} yet: it is made on the first call (or by build(inputShape))`,
    );
  }

  override build(inputShape: BuildShape): void {
    if (inputShape.length < 2) {
      throw new InvalidArgumentError(
        `Input 0 of layer "${this.name}" is incompatible with the layer: expected min_ndim=2, found ndim=${inputShape.length}. Full shape received: ${buildShapeStr(inputShape)}`,
      );
    }
    const inDim = inputShape[inputShape.length - 1];
    if (inDim === null || !Number.isInteger(inDim) || inDim <= 0) {
      throw new InvalidArgumentError(
        `Dense '${this.name}': the last dimension of the inputs to a Dense layer should be defined and positive. Found ${inDim === null ? "None" : String(inDim)} in ${buildShapeStr(inputShape)}`,
      );
    }
    this.#kernel = this.addWeight("kernel", [inDim, this.units], {
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    if (this.useBias) {
      this.#bias = this.addWeight("bias", [this.units], {
        initializer: this.biasInitializer,
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    }
    super.build(inputShape);
  }

  call(inputs: Tensor): Tensor {
    let x = inputs;
    if (x.rank < 2) {
      throw this.incompatible(`expected min_ndim=2, found ndim=${x.rank}`, x);
    }
    const kernel = this.kernel;
    const inDim = kernel.shape[0];
    if (x.shape[x.rank - 1] !== inDim) {
      throw this.incompatible(
        `expected axis -1 of input shape to have value ${inDim}, but received input with shape ${shapeStr(x.shape)}`,
        x,
      );
    }
    // Dense computes in its own dtype, integer inputs included (Keras casts them).
    if (x.dtype !== kernel.dtype) x = cast(x, kernel.dtype);
    // [..., inDim] -> [N, inDim] x [inDim, units] -> [..., units]: one matrix product (both
    // reshapes are no-ops for rank 2).
    const outer = x.shape.slice(0, -1);
    let y = reshape(matmul(reshape(x, [-1, inDim]), kernel), [...outer, this.units]);
    if (this.#bias !== null) y = add(y, this.#bias);
    return this.activation(y);
  }
}

export type ActivationOptions = LayerOptions;

/** `tf.keras.layers.Activation(activation)`: applies an activation function. */
export class Activation extends Layer {
  readonly activation: activations.Activation;
  constructor(activation: activations.ActivationIdentifier, options: ActivationOptions = {}) {
    super((options = optionsArg("Activation", options)));
    this.activation = activations.get(activation);
  }
  call(inputs: Tensor): Tensor {
    return this.activation(inputs);
  }
}

export interface ReLUOptions extends LayerOptions {
  /** Saturation value; default none. */
  maxValue?: number | null;
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Default 0. */
  threshold?: number;
}

/** `tf.keras.layers.ReLU({maxValue, negativeSlope, threshold})`: Keras's relu as a layer. */
export class ReLU extends Layer {
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(options: ReLUOptions = {}) {
    super((options = optionsArg("ReLU", options)));
    this.maxValue = options.maxValue ?? null;
    this.negativeSlope = options.negativeSlope ?? 0;
    this.threshold = options.threshold ?? 0;
    if (this.maxValue !== null && !(this.maxValue >= 0)) {
      throw new RangeError(`ReLU '${this.name}': maxValue must be >= 0, got ${this.maxValue}`);
    }
    if (!(this.negativeSlope >= 0)) {
      throw new RangeError(
        `ReLU '${this.name}': negativeSlope must be >= 0, got ${this.negativeSlope}`,
      );
    }
  }
  call(inputs: Tensor): Tensor {
    return activations.relu(inputs, {
      alpha: this.negativeSlope,
      maxValue: this.maxValue,
      threshold: this.threshold,
    });
  }
}

/** `tf.keras.layers.Flatten()`: [N, d1, d2, ...] -> [N, d1 d2 ...]; [N] -> [N, 1]. */
export class Flatten extends Layer {
  call(inputs: Tensor): Tensor {
    if (inputs.rank === 0) {
      throw this.incompatible("expected min_ndim=1, found ndim=0", inputs);
    }
    const [batch, ...rest] = inputs.shape;
    return reshape(inputs, [batch, rest.reduce((a, b) => a * b, 1)]);
  }
}

export type { CallOptions };
