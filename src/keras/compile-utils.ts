/** What compile() resolves: optimizers by name and losses reduced over the batch. */
import { Tensor } from "../tensor/tensor.js";
import { divide as div, multiply as mul, reduceMean, reduceSum, reshape } from "../ops/index.js";
import * as losses from "./losses.js";
import * as optimizers from "./optimizers.js";

export type LossIdentifier = string | losses.Loss | losses.LossFunction;
export type OptimizerIdentifier = string | optimizers.Optimizer;

const norm = (s: string) => s.replace(/[_\s-]/g, "").toLowerCase();

type OptimizerClass = new (options?: optimizers.OptimizerOptions) => optimizers.Optimizer;

/** The optimizers module's classes by lowercase name (every Optimizer subclass exported). */
export function optimizerByName(name: string): optimizers.Optimizer {
  const want = norm(name);
  for (const [key, value] of Object.entries(optimizers)) {
    if (
      typeof value === "function" &&
      value.prototype instanceof optimizers.Optimizer &&
      norm(key) === want
    ) {
      return new (value as unknown as OptimizerClass)();
    }
  }
  const known = Object.entries(optimizers)
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof optimizers.Optimizer)
    .map(([k]) => k.toLowerCase());
  throw new RangeError(
    `compile: unknown optimizer '${name}' (expected an Optimizer or one of ${known.join(", ")})`,
  );
}

/** A compiled loss: reduced to a scalar, sum over the batch of weighted losses / count. */
export interface CompiledLoss {
  name: string;
  fn: (yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | null) => Tensor;
}

export function compileLoss(id: LossIdentifier): CompiledLoss {
  if (id instanceof losses.Loss) {
    return { name: id.name, fn: (t, p, w) => id.call(t, p, w) };
  }
  if (typeof id === "string" || typeof id === "function") {
    const f = losses.get(id);
    const name = typeof id === "string" ? id : id.name || "loss";
    return {
      name,
      // Keras's sum_over_batch_size: sum(per-sample * weight) / number of per-sample losses.
      fn: (t, p, w) => {
        const per = f(t, p);
        if (w === null) return reduceMean(per);
        const ww = w.rank > per.rank ? reshape(w, per.shape) : w;
        return div(reduceSum(mul(per, ww)), Math.max(per.size, 1));
      },
    };
  }
  throw new TypeError(
    `compile: a loss must be a name, a function or a tf.keras.losses.Loss, got ${String(id)}`,
  );
}

/** Whether an array holds tensors at its top level (a list of inputs, not nested numbers). */
