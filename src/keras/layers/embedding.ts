/**
 * `tf.keras.layers.Embedding`: a lookup table. Its forward pass is gather (GatherV2), whose
 * gradient in the table is a scatter-add (UnsortedSegmentSum of the output's cotangent rows
 * into the looked-up rows: rows looked up twice get the sum, rows never looked up get zero).
 */
import type { TensorLike } from "../../tensor/convert.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { isFloating } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Variable } from "../../tensor/variable.js";
import { cast, gather, notEqual } from "../../ops/index.js";
import * as initializers from "../initializers.js";
import { type BuildShape, Layer, type LayerOptions } from "../layer.js";
import { baseConfig, initializerConfig, type LayerConfig, positiveInt } from "./common.js";

export interface EmbeddingOptions extends LayerOptions {
  /** Default RandomUniform(-0.05, 0.05) (Keras's "uniform"). */
  embeddingsInitializer?: initializers.InitializerIdentifier;
  /** Index 0 is padding: computeMask gives inputs != 0 (default false). */
  maskZero?: boolean;
}

/**
 * `tf.keras.layers.Embedding(inputDim, outputDim, {embeddingsInitializer, maskZero})`: integer
 * inputs of any shape, each in [0, inputDim), become rows of the [inputDim, outputDim]
 * `embeddings` weight: output shape = input shape + [outputDim].
 */
export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: initializers.InitializerIdentifier;
  readonly maskZero: boolean;
  #embeddings: Variable | null = null;

  constructor(inputDim: number, outputDim: number, options: EmbeddingOptions = {}) {
    super(options);
    this.inputDim = positiveInt("Embedding", "input_dim", inputDim);
    this.outputDim = positiveInt("Embedding", "output_dim", outputDim);
    this.embeddingsInitializer = options.embeddingsInitializer ?? new initializers.RandomUniform();
    initializers.get(this.embeddingsInitializer);
    this.maskZero = options.maskZero ?? false;
  }

  /** The [inputDim, outputDim] table; made on the first call. */
  get embeddings(): Variable {
    if (this.#embeddings === null) {
      throw new Error(
        `Embedding '${this.name}' has no embeddings yet: they are made on the first call (or by build(inputShape))`,
      );
    }
    return this.#embeddings;
  }

  override build(inputShape: BuildShape): void {
    this.#embeddings = this.addWeight("embeddings", [this.inputDim, this.outputDim], {
      initializer: this.embeddingsInitializer,
    });
    super.build(inputShape);
  }

  /** Integer (or integral float) inputs pass; floats are cast to int32 as Keras does. */
  protected override convertInput(inputs: Tensor | TensorLike): Tensor {
    const x = inputs instanceof Tensor ? inputs : super.convertInput(inputs);
    if (x.dtype === "int32") return x;
    if (isFloating(x.dtype) || x.dtype === "bool") return cast(x, "int32");
    throw new TypeError(
      `Embedding '${this.name}': inputs must be integer indices, got dtype ${x.dtype} with shape [${x.shape.join(", ")}]`,
    );
  }

  call(inputs: Tensor): Tensor {
    const ids = inputs.dtype === "int32" ? inputs : cast(inputs, "int32");
    try {
      return gather(this.embeddings, ids);
    } catch (e) {
      if (e instanceof InvalidArgumentError) {
        throw new InvalidArgumentError(
          `Embedding '${this.name}' (input_dim=${this.inputDim}): every index must be in [0, ${this.inputDim}); ${e.message}`,
        );
      }
      throw e;
    }
  }

  /** Keras's compute_mask: inputs != 0 with maskZero, else null. */
  override computeMask(inputs: Tensor): Tensor | null {
    return this.maskZero ? notEqual(inputs, 0) : null;
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: initializerConfig(this.embeddingsInitializer),
      embeddings_regularizer: null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: this.maskZero,
    };
  }
}
