/**
 * The traced steps of fit, evaluate and predict (Keras 3 runs its train, test and predict steps
 * under tf.function unless `compile({runEagerly: true})`).
 *
 * A step is traced per input signature: the batch tensors by shape and dtype, the trainable
 * variables by identity, so a smaller last batch, or a change of which weights are trainable,
 * traces again (a retrace, not a shape-polymorphic graph). The trace runs the step eagerly once,
 * so that step's results are the eager ones; later steps with the same signature replay the
 * graph: the forward pass, the gradient ops the tape produced, and the optimizer's update and
 * assigns, with no tape.
 *
 * After MAX_STEP_TRACES traces (batches of ever new sizes) the step runs eagerly too.
 *
 * A step whose trace read tensor values into JS (numpy(), dataSync() in a layer's call or a
 * custom loss: JS control flow on values, which the graph would fix) is not replayed: it runs
 * eagerly from then on, and a warning says so once.
 */
import { warn } from "../engine/logging.js";
import { FunctionImpl } from "../function/function.js";

/**
 * After this many traces (batch shapes, mostly: an iterable of batches of varying size) a step
 * runs eagerly: each trace keeps its graph, and a trace costs more than an eager step.
 */
export const MAX_STEP_TRACES = 16;

export class StepFunction<A extends unknown[], R> {
  #fn: FunctionImpl | null = null;
  #eager = false;

  constructor(
    private readonly name: string,
    private readonly where: string,
    private readonly body: (...args: A) => R,
  ) {}

  /** Runs the step: traced (or replayed), unless `eagerly` or the step cannot be traced. */
  run(eagerly: boolean, ...args: A): R {
    if (eagerly || this.#eager) return this.body(...args);
    let fn = this.#fn;
    if (fn === null) {
      fn = new FunctionImpl(this.body as (...a: never[]) => unknown, this.name, null);
      fn.warnOnValueReads = false;
      this.#fn = fn;
    }
    const before = fn.tracingCount;
    const result = fn.call(args) as R;
    if (fn.tracingCount > before && fn.lastTraceReadValues) {
      this.#eager = true;
      this.#fn = null;
      warn(
        `${this.where}: the step read tensor values into JS (numpy() or dataSync()) while it was traced, so it runs eagerly (a graph would fix what the JS code decided from them). Pass runEagerly: true to compile() to run eagerly from the start, or use tf.cond/tf.whileLoop for control flow on tensor values.`,
      );
    }
    if (!this.#eager && fn.tracingCount >= MAX_STEP_TRACES) {
      this.#eager = true;
      this.#fn = null;
      warn(
        `${this.where}: the step was traced ${fn.tracingCount} times (one graph per batch shape), so it runs eagerly from now on. Batches of one size (batchSize, or a dataset batched with dropRemainder) are traced once.`,
      );
    }
    return result;
  }

  /** How many times the step has been traced (0 while it runs eagerly). */
  get tracingCount(): number {
    return this.#fn?.tracingCount ?? 0;
  }

  /** Forgets the traces (compile() again). */
  reset(): void {
    this.#fn = null;
    this.#eager = false;
  }
}
