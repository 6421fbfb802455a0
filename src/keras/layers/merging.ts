/**
 * Merging layers: a list of tensors in, one out. Add, Subtract, Multiply, Average, Maximum and
 * Minimum combine elementwise (with NumPy broadcasting, as Keras 3 allows); Concatenate joins
 * along an axis. Called as `new Add().apply([a, b])`, or on symbolic inputs in a functional model.
 */
import { optionsArg } from "../../tensor/args.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  add,
  cast,
  concat,
  divide,
  maximum,
  minimum,
  multiply,
  subtract,
} from "../../ops/index.js";
import { type BuildShape, Layer, type LayerOptions } from "../layer.js";
import { baseConfig, type LayerConfig } from "./common.js";

/** What the merge layers share: the list check, then a fold of the binary op. */
abstract class Merge extends Layer<Tensor[], Tensor> {
  /** Exactly this many inputs (Subtract: 2), else at least 2. */
  protected readonly arity: number | null = null;

  protected abstract merge(inputs: readonly Tensor[]): Tensor;

  protected checkInputs(inputs: readonly (Tensor | BuildShape)[] | unknown): void {
    const cls = this.constructor.name;
    if (!Array.isArray(inputs)) {
      throw new TypeError(
        `${cls} layer "${this.name}" should be called on a list of inputs, got one tensor`,
      );
    }
    if (this.arity !== null ? inputs.length !== this.arity : inputs.length < 2) {
      throw new InvalidArgumentError(
        `${cls} layer "${this.name}" should be called on ${this.arity === null ? "a list of at least 2 inputs" : `exactly ${this.arity} inputs`}. Received: ${inputs.length} input(s)`,
      );
    }
  }

  override build(inputShape: BuildShape[]): void {
    this.checkInputs(inputShape);
    super.build(inputShape);
  }

  call(inputs: Tensor[]): Tensor {
    this.checkInputs(inputs);
    const dtype = inputs[0].dtype;
    const xs = inputs.map((x) => (x.dtype === dtype ? x : cast(x, dtype)));
    try {
      return this.merge(xs);
    } catch (e) {
      if (e instanceof InvalidArgumentError) {
        throw new InvalidArgumentError(
          `${this.constructor.name} layer "${this.name}": inputs with incompatible shapes ${xs.map((x) => shapeStr(x.shape)).join(", ")}: ${e.message}`,
        );
      }
      throw e;
    }
  }

  getConfig(): LayerConfig {
    return baseConfig(this);
  }
}

const fold = (xs: readonly Tensor[], f: (a: Tensor, b: Tensor) => Tensor): Tensor =>
  xs.slice(1).reduce(f, xs[0]);

/** `tf.keras.layers.Add()`: the sum of the inputs. */
export class Add extends Merge {
  protected merge(xs: readonly Tensor[]): Tensor {
    return fold(xs, add);
  }
}

/** `tf.keras.layers.Subtract()`: inputs[0] - inputs[1] (exactly two). */
export class Subtract extends Merge {
  protected override readonly arity = 2;
  protected merge(xs: readonly Tensor[]): Tensor {
    return subtract(xs[0], xs[1]);
  }
}

/** `tf.keras.layers.Multiply()`: the elementwise product of the inputs. */
export class Multiply extends Merge {
  protected merge(xs: readonly Tensor[]): Tensor {
    return fold(xs, multiply);
  }
}

/** `tf.keras.layers.Average()`: the elementwise mean of the inputs. */
export class Average extends Merge {
  protected merge(xs: readonly Tensor[]): Tensor {
    return divide(fold(xs, add), xs.length);
  }
}

/** `tf.keras.layers.Maximum()`: the elementwise maximum of the inputs. */
export class Maximum extends Merge {
  protected merge(xs: readonly Tensor[]): Tensor {
    return fold(xs, maximum);
  }
}

/** `tf.keras.layers.Minimum()`: the elementwise minimum of the inputs. */
export class Minimum extends Merge {
  protected merge(xs: readonly Tensor[]): Tensor {
    return fold(xs, minimum);
  }
}

export interface ConcatenateOptions extends LayerOptions {
  /** Default -1. */
  axis?: number;
}

/**
 * `tf.keras.layers.Concatenate({axis = -1})`: joins the inputs along `axis`; every other
 * dimension must agree.
 */
export class Concatenate extends Merge {
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    super(options);
    options = optionsArg("Concatenate", options);
    this.axis = options.axis ?? -1;
    if (!Number.isInteger(this.axis)) {
      throw new TypeError(`Concatenate: axis must be an integer, got ${String(options.axis)}`);
    }
  }

  protected merge(xs: readonly Tensor[]): Tensor {
    const rank = xs[0].rank;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const ok =
      axis >= 0 &&
      axis < rank &&
      xs.every(
        (x) => x.rank === rank && x.shape.every((d, i) => i === axis || d === xs[0].shape[i]),
      );
    if (!ok) {
      throw new InvalidArgumentError(
        `Concatenate layer "${this.name}": a Concatenate layer requires inputs with matching shapes except for the concatenation axis. Received: axis=${this.axis}, input shapes ${xs.map((x) => shapeStr(x.shape)).join(", ")}`,
      );
    }
    return concat(xs, axis);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}
