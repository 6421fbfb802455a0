/**
 * `tf.keras.Sequential([layers])`: a stack of layers, each applied to the previous one's output.
 * Each layer builds on its first call; the stack's weights are its layers', in order.
 */
import type { TensorLike } from "../tensor/convert.js";
import { Tensor } from "../tensor/tensor.js";
import { toTensor } from "../ops/checks.js";
import { zeros } from "../ops/creation.js";
import {
  type BuildShape,
  type CallOptions,
  Layer,
  type LayerOptions,
  withTraining,
} from "./layer.js";

export type SequentialOptions = LayerOptions;

export class Sequential extends Layer {
  /** The layers in order (read it, change it with add() and pop()). */
  readonly layers: Layer[] = [];

  constructor(layers: readonly Layer[] = [], options: SequentialOptions = {}) {
    super(options);
    if (!Array.isArray(layers)) {
      throw new TypeError(
        `Sequential '${this.name}': expected an array of layers, got ${String(layers)}`,
      );
    }
    for (const layer of layers) this.add(layer);
  }

  /** Appends a layer. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      const what =
        layer === null
          ? "null"
          : typeof layer === "object"
            ? (layer as object).constructor.name
            : typeof layer;
      throw new TypeError(
        `Sequential '${this.name}': the added layer must be an instance of class Layer. Received: ${String(layer)} of type ${what}`,
      );
    }
    this.layers.push(layer);
  }

  /** Removes and returns the last layer. */
  pop(): Layer {
    const layer = this.layers.pop();
    if (layer === undefined)
      throw new RangeError(`Sequential '${this.name}': there are no layers to pop`);
    return layer;
  }

  /**
   * Builds every layer by running zeros of this shape through the stack (unknown dimensions
   * taken as 1).
   */
  override build(inputShape: BuildShape): void {
    this.apply(
      zeros(
        inputShape.map((d) => d ?? 1),
        this.dtype,
      ),
    );
  }

  /**
   * Runs the layers in order. Unlike other layers, the stack opens no name scope of its own,
   * as in Keras, where a Sequential model's weights are `dense/kernel:0`, not
   * `sequential/dense/kernel:0`.
   */
  protected override applyConcrete(inputs: Tensor | TensorLike, options: CallOptions = {}): Tensor {
    return withTraining(options.training, (training) => {
      let x = inputs instanceof Tensor ? inputs : toTensor(inputs, this.name, this.dtype);
      for (const layer of this.layers) x = layer.apply(x, { ...options, training });
      this.built = true;
      return x;
    });
  }

  call(inputs: Tensor, options: CallOptions = {}): Tensor {
    return this.applyConcrete(inputs, options);
  }
}
