/** `tf.keras.layers.Dropout`: tf.nn.dropout while training, the identity otherwise. */
import type { Tensor } from "../../tensor/tensor.js";
import { dropout } from "../../ops/nn-dropout.js";
import { type CallOptions, Layer, type LayerOptions } from "../layer.js";
import { optionsArg } from "../../tensor/args.js";

export interface DropoutOptions extends LayerOptions {
  /** The mask's shape, broadcast against the input (null takes the input's dimension). */
  noiseShape?: readonly (number | null)[] | null;
  /** An op seed for the mask, resolved against tf.random.setSeed. */
  seed?: number | null;
}

/**
 * `tf.keras.layers.Dropout(rate, {noiseShape, seed})`: with `{training: true}`, each element
 * (or slice, with noiseShape) is zeroed with probability `rate` and the rest scaled by
 * 1 / (1 - rate), so the expectation is unchanged; in inference (the default) the input passes
 * through untouched.
 */
export class Dropout extends Layer {
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | null;
  readonly seed: number | null;

  constructor(rate: number, options: DropoutOptions = {}) {
    super((options = optionsArg("Dropout", options)));
    if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
      throw new RangeError(
        `Dropout '${this.name}': invalid value received for argument \`rate\`. Expected a float value in [0, 1). Received: rate=${String(rate)}`,
      );
    }
    this.rate = rate;
    this.noiseShape = options.noiseShape ?? null;
    this.seed = options.seed ?? null;
  }

  call(inputs: Tensor, options: CallOptions = {}): Tensor {
    if (!options.training || this.rate === 0) return inputs;
    return dropout(inputs, this.rate, { noiseShape: this.noiseShape, seed: this.seed });
  }
}
