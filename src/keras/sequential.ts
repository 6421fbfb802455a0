/**
 * `tf.keras.Sequential([layers])`: a Model that is a stack of layers, each applied to the
 * previous one's output. Each layer builds on its first call; the stack's weights are its
 * layers', in order. Started with `tf.keras.Input({shape})` (or an InputLayer), it builds at
 * once and knows its symbolic inputs and outputs, as in Keras; otherwise it learns its input
 * shape (batch unknown) from build() or its first call.
 */
import type { TensorLike } from "../tensor/convert.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { toTensor } from "../ops/checks.js";
import { zeros } from "../ops/creation.js";
import { FunctionalGraph } from "./functional.js";
import { InputLayer } from "./input-layer.js";
import { isKerasTensor, type KerasTensor } from "./keras-tensor.js";
import {
  type BuildShape,
  type CallOptions,
  Layer,
  type LayerInputs,
  type LayerOptions,
  type LayerOutputs,
  withTraining,
} from "./layer.js";
import { Model } from "./model.js";
import { TRACKED } from "./module.js";

export type SequentialOptions = LayerOptions;

type AnyLayer = Layer<LayerInputs, LayerOutputs>;

export class Sequential extends Model<Tensor, Tensor> {
  #layers: AnyLayer[] = [];
  #inputLayer: InputLayer | null = null;
  /** The input shape with the batch unknown, once known. */
  #inputShape: BuildShape | null = null;
  #graph: FunctionalGraph | null = null;

  constructor(layers: readonly (AnyLayer | KerasTensor)[] = [], options: SequentialOptions = {}) {
    super(options);
    if (!Array.isArray(layers)) {
      throw new TypeError(
        `Sequential '${this.name}': expected an array of layers, got ${String(layers)}`,
      );
    }
    for (const layer of layers) this.add(layer);
  }

  /** The layers for the weights and the module walk. */
  override [TRACKED](): readonly unknown[] {
    return [...super[TRACKED](), ...this.#layers];
  }

  /** The layers in order (without the InputLayer, as Keras 3 lists them). */
  override get layers(): AnyLayer[] {
    return this.#layers.slice();
  }

  /**
   * Appends a layer. A tf.keras.Input (or InputLayer) first fixes the input shape; the stack
   * then builds at once.
   */
  add(layer: AnyLayer | KerasTensor): void {
    if (isKerasTensor(layer) || layer instanceof InputLayer) {
      const input = isKerasTensor(layer) ? layer.node?.layer : layer;
      if (!(input instanceof InputLayer)) {
        throw new TypeError(
          `Sequential '${this.name}': a symbolic tensor can only be added as the first entry, from tf.keras.Input`,
        );
      }
      if (this.#layers.length > 0 || this.#inputLayer !== null) {
        throw new TypeError(
          `Sequential '${this.name}': an Input or InputLayer can only be the first entry of the stack`,
        );
      }
      this.#inputLayer = input;
      this.#inputShape = input.batchShape;
      return;
    }
    if (!(layer instanceof Layer)) {
      const value = layer as unknown;
      const what =
        value === null
          ? "null"
          : typeof value === "object"
            ? (value as object).constructor.name
            : typeof value;
      throw new TypeError(
        `Sequential '${this.name}': the added layer must be an instance of class Layer. Received: ${String(value)} of type ${what}`,
      );
    }
    this.#layers.push(layer);
    this.#graph = null;
    if (this.#inputShape !== null) this.symbolicGraph();
  }

  /** Removes and returns the last layer. */
  pop(): AnyLayer {
    const layer = this.#layers.pop();
    if (layer === undefined)
      throw new RangeError(`Sequential '${this.name}': there are no layers to pop`);
    this.#graph = null;
    return layer;
  }

  /**
   * Builds every layer by running zeros of this shape through the stack (unknown dimensions
   * taken as 1).
   */
  override build(inputShape: BuildShape): void {
    this.#inputShape = [null, ...inputShape.slice(1)];
    this.applyConcrete(
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
      if (this.#inputShape === null) this.#inputShape = [null, ...x.shape.slice(1)];
      else this.checkInput(x);
      let mask = options.mask;
      for (const layer of this.#layers) {
        const callOptions: CallOptions = { ...options, training };
        if (mask !== undefined && mask !== null) callOptions.mask = mask;
        else delete callOptions.mask;
        const y = layer.apply(x, callOptions);
        if (!(y instanceof Tensor)) {
          throw new TypeError(
            `Sequential '${this.name}': layer '${layer.name}' returned several tensors; all layers in a Sequential model should have a single output tensor`,
          );
        }
        const next = layer.computeMask(x, mask);
        mask = Array.isArray(next) ? next[0] : next;
        x = y;
      }
      this.built = true;
      return x;
    });
  }

  private checkInput(x: Tensor): void {
    const spec = this.#inputShape;
    if (spec === null || this.#inputLayer === null) return;
    const ok = x.rank === spec.length && spec.every((d, i) => d === null || d === x.shape[i]);
    if (!ok) {
      const s = (sh: readonly (number | null)[]) =>
        `(${sh.map((d) => (d === null ? "None" : String(d))).join(", ")}${sh.length === 1 ? "," : ""})`;
      throw new InvalidArgumentError(
        `Input 0 of layer "${this.name}" is incompatible with the layer: expected shape=${s(spec)}, found shape=${s(x.shape)}`,
      );
    }
  }

  override call(inputs: Tensor, options: CallOptions = {}): Tensor {
    return this.applyConcrete(inputs, options);
  }

  /** The stack applied to a symbolic input of the known shape (made once per change). */
  protected override symbolicGraph(): FunctionalGraph | null {
    if (this.#inputShape === null) return null;
    if (this.#graph !== null) return this.#graph;
    if (this.#inputLayer === null) {
      this.#inputLayer = new InputLayer({ batchShape: this.#inputShape, dtype: this.dtype });
    }
    const input = this.#inputLayer.output;
    let x: KerasTensor = input;
    for (const layer of this.#layers) {
      const y = layer.apply(x);
      if (Array.isArray(y)) {
        throw new TypeError(
          `Sequential '${this.name}': layer '${layer.name}' returned several tensors; all layers in a Sequential model should have a single output tensor`,
        );
      }
      x = y as KerasTensor;
    }
    this.#graph = new FunctionalGraph([input], [x]);
    this.built = true;
    return this.#graph;
  }

  protected override summaryLayers(): AnyLayer[] {
    this.symbolicGraph();
    return this.layers;
  }
}
