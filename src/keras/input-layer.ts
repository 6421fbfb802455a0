/**
 * `tf.keras.Input({shape, dtype, name, batchSize})`: the symbolic input of a functional model,
 * a KerasTensor of shape [batchSize ?? null, ...shape] made by an InputLayer (the first row of
 * the model's summary). `new tf.keras.layers.InputLayer({shape})` is that layer; it passes
 * tensors through.
 */
import { optionsArg } from "../tensor/args.js";
import { type DType, isDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { KerasTensor, type Node } from "./keras-tensor.js";
import { type BuildShape, buildShapeStr, Layer, uniqueLayerName } from "./layer.js";

export interface InputOptions {
  /** The shape of one example, without the batch; null for a dimension of any size. */
  shape?: readonly (number | null)[];
  /** A fixed batch size; default unknown (None). */
  batchSize?: number | null;
  /** Default float32. */
  dtype?: DType;
  /** Default `input_layer`, `input_layer_1`, ... */
  name?: string;
  /** The full shape with the batch (instead of shape and batchSize). */
  batchShape?: readonly (number | null)[];
}

function checkDims(what: string, dims: readonly (number | null)[]): void {
  if (!Array.isArray(dims)) {
    throw new TypeError(
      `${what}: shape must be an array of sizes (null for unknown), got ${String(dims)}`,
    );
  }
  for (const d of dims) {
    if (d !== null && (!Number.isInteger(d) || d < 0)) {
      throw new TypeError(
        `${what}: every dimension must be a non-negative integer or null, got shape [${dims.map(String).join(", ")}]`,
      );
    }
  }
}

export class InputLayer extends Layer {
  /** The full input shape, batch first. */
  readonly batchShape: BuildShape;
  /** The symbolic tensor this layer outputs. */
  readonly output: KerasTensor;

  constructor(options: InputOptions = {}) {
    options = optionsArg("InputLayer", options);
    const name = options.name ?? uniqueLayerName("input_layer");
    const dtype = options.dtype ?? "float32";
    super({ name, dtype: isDType(dtype) ? dtype : "float32" });
    if (!isDType(dtype)) throw new TypeError(`Input: unknown dtype '${String(dtype)}'`);
    let batchShape: BuildShape;
    if (options.batchShape !== undefined) {
      if (options.shape !== undefined) {
        throw new TypeError("Input: give shape or batchShape, not both");
      }
      checkDims("Input", options.batchShape);
      batchShape = options.batchShape.slice();
    } else {
      if (options.shape === undefined) {
        throw new TypeError("Input: a shape is required, e.g. tf.keras.Input({shape: [784]})");
      }
      checkDims("Input", options.shape);
      const batch = options.batchSize ?? null;
      if (batch !== null && (!Number.isInteger(batch) || batch <= 0)) {
        throw new TypeError(`Input: batchSize must be a positive integer, got ${String(batch)}`);
      }
      batchShape = [batch, ...options.shape];
    }
    this.batchShape = Object.freeze(batchShape.slice());
    this.built = true;
    const node: { -readonly [K in keyof Node]: Node[K] } = {
      layer: this,
      inputs: [],
      parents: [],
      outputs: [],
      options: {},
    };
    this.output = new KerasTensor(batchShape, dtype, { name, node });
    node.outputs = this.output;
  }

  call(inputs: Tensor): Tensor {
    return inputs;
  }

  override computeOutputShape(): BuildShape {
    return this.batchShape;
  }

  override toString(): string {
    return `<InputLayer name=${this.name}, shape=${buildShapeStr(this.batchShape)}>`;
  }
}

/** `tf.keras.Input({shape: [28, 28, 1]})`: a symbolic input of shape (None, 28, 28, 1). */
export function Input(options: InputOptions): KerasTensor {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Input: expected an options object, e.g. tf.keras.Input({shape: [784]})");
  }
  return new InputLayer(options).output;
}
