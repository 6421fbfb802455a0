/**
 * `tf.keras.Model`: a layer with training and inference (compile, fit, evaluate, predict; see
 * training.ts), built three ways:
 * - functional: `new tf.keras.Model({inputs, outputs})` over symbolic tensors from
 *   tf.keras.Input, one or several of each (functional.ts holds the graph);
 * - subclassing: `class M extends tf.keras.Model { call(x) {...} }` with layers as properties;
 * - `tf.keras.Sequential` (sequential.ts), a Model too.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { Variable } from "../tensor/variable.js";
import { FunctionalGraph } from "./functional.js";
import { isKerasTensor, type KerasTensor } from "./keras-tensor.js";
import {
  type ApplyInputs,
  type BuildShape,
  type CallOptions,
  Layer,
  type LayerInputs,
  type LayerOptions,
  type LayerOutputs,
  uniqueLayerName,
} from "./layer.js";
import { flattenModule, TRACKED } from "./module.js";
import { formatShapes, renderSummary, type SummaryOptions, withCommas } from "./summary.js";
import type { CallbackModel, Logs } from "./callbacks.js";
import type { History } from "./callbacks.js";
import type { Metric } from "./metrics/index.js";
import type { Optimizer } from "./optimizers.js";
import {
  type Batch,
  type CompileOptions,
  type DataX,
  type EvaluateOptions,
  type FitOptions,
  type PredictOptions,
  Trainer,
} from "./training.js";
import type { TensorLike } from "../tensor/convert.js";

export interface FunctionalArgs {
  /** One symbolic input or a list (from tf.keras.Input). */
  inputs: KerasTensor | readonly KerasTensor[];
  /** One symbolic output or a list. */
  outputs: KerasTensor | readonly KerasTensor[];
  /** Default `functional`, `functional_1`, ... */
  name?: string;
  trainable?: boolean;
}

export type ModelArgs = FunctionalArgs | LayerOptions;

type AnyLayer = Layer<LayerInputs, LayerOutputs>;

function isFunctionalArgs(a: ModelArgs): a is FunctionalArgs {
  return "inputs" in a || "outputs" in a;
}

const isLayer = (x: unknown): x is AnyLayer => x instanceof Layer;

/**
 * I: what the model takes (Tensor, or Tensor[] for several inputs); O: what it returns. The
 * defaults admit either; write `tf.keras.Model<tf.Tensor, tf.Tensor>` for a one-in, one-out model
 * to have predict() typed as a Tensor.
 */
export class Model<I extends LayerInputs = LayerInputs, O extends LayerOutputs = LayerOutputs>
  extends Layer<I, O>
  implements CallbackModel
{
  #history: History | null = null;
  /** Set by a callback to end fit() after the current batch (Keras's stop_training). */
  stopTraining = false;
  readonly #graph: FunctionalGraph | null;
  readonly #single: { inputs: boolean; outputs: boolean };
  /** The compiled state and the loops (training.ts); private so the module walk skips it. */
  readonly #trainer: Trainer<I, O>;

  constructor(args: ModelArgs = {}) {
    if (args === null || typeof args !== "object") {
      throw new TypeError(
        `Model: expected {inputs, outputs, name} or layer options, got ${String(args)}`,
      );
    }
    const functional = isFunctionalArgs(args);
    super({
      ...args,
      name: args.name ?? (functional ? uniqueLayerName("functional") : undefined),
    });
    if (functional) {
      if (args.inputs === undefined || args.outputs === undefined) {
        throw new TypeError("Model: a functional model needs both inputs and outputs");
      }
      const ins = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
      const outs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
      this.#graph = new FunctionalGraph(ins, outs);
      this.#single = { inputs: !Array.isArray(args.inputs), outputs: !Array.isArray(args.outputs) };
      this.built = true;
    } else {
      this.#graph = null;
      this.#single = { inputs: true, outputs: true };
    }
    this.#trainer = new Trainer<I, O>(this);
  }

  /** The functional graph, or null for a subclassed model (Sequential keeps its own). */
  protected get graph(): FunctionalGraph | null {
    return this.#graph;
  }

  /** The functional model's layers are state of the model, for weights and the module walk. */
  override [TRACKED](): readonly unknown[] {
    const own = super[TRACKED]();
    return this.#graph === null ? own : [...own, ...this.#graph.layers];
  }

  /** A functional model runs its graph; a subclass overrides call. */
  call(inputs: I, options: CallOptions = {}): O {
    const graph = this.#graph;
    if (graph === null) {
      throw new TypeError(
        `Model '${this.name}': subclass tf.keras.Model and define call(inputs), or create it with {inputs, outputs}`,
      );
    }
    const xs = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
    if (this.#single.inputs && Array.isArray(inputs) && graph.inputs.length === 1) {
      throw new InvalidArgumentError(
        `Layer "${this.name}" expects 1 input(s), but it received ${xs.length} input tensors`,
      );
    }
    graph.checkInputs(this.name, xs);
    const out = graph.run(xs, options);
    return (this.#single.outputs ? out[0] : out) as O;
  }

  /** The layers: a functional model's by depth (InputLayers first), a subclass's by assignment. */
  get layers(): AnyLayer[] {
    if (this.#graph !== null) return this.#graph.layers.slice();
    return flattenModule(this, isLayer, false, (o) => Object.keys(o));
  }

  /** A layer by name or by index in `layers`. */
  getLayer(nameOrIndex: string | number): AnyLayer {
    const layers = this.layers;
    if (typeof nameOrIndex === "number") {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= layers.length) {
        throw new RangeError(
          `Model '${this.name}'.getLayer: was asked to retrieve layer at index ${nameOrIndex} but model only has ${layers.length} layers`,
        );
      }
      return layers[nameOrIndex];
    }
    if (typeof nameOrIndex !== "string") {
      throw new TypeError(
        `Model '${this.name}'.getLayer: expected a layer name or an index, got ${String(nameOrIndex)}`,
      );
    }
    const found = layers.find((l) => l.name === nameOrIndex);
    if (found === undefined) {
      throw new RangeError(
        `Model '${this.name}'.getLayer: no such layer: ${nameOrIndex}. Existing layers are: [${layers.map((l) => `'${l.name}'`).join(", ")}]`,
      );
    }
    return found;
  }

  /** The symbolic inputs (a functional model or a Sequential with a known input shape). */
  get inputs(): KerasTensor[] {
    const g = this.symbolicGraph();
    if (g === null) {
      throw new TypeError(
        `Model '${this.name}' has no symbolic inputs (a subclassed model, or a Sequential not built yet)`,
      );
    }
    return g.inputs.slice();
  }

  /** The symbolic outputs. */
  get outputs(): KerasTensor[] {
    const g = this.symbolicGraph();
    if (g === null) {
      throw new TypeError(
        `Model '${this.name}' has no symbolic outputs (a subclassed model, or a Sequential not built yet)`,
      );
    }
    return g.outputs.slice();
  }

  /** The graph the summary and inputs read: the functional one (Sequential builds one). */
  protected symbolicGraph(): FunctionalGraph | null {
    return this.#graph;
  }

  /** The current values of `weights`, in order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.value());
  }

  /** Assigns values to `weights`, in order; shapes must match (Keras's set_weights). */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (!Array.isArray(values) || values.length !== ws.length) {
      throw new InvalidArgumentError(
        `Model '${this.name}'.setWeights: expected a list of ${ws.length} tensors, got ${Array.isArray(values) ? values.length : String(values)}`,
      );
    }
    values.forEach((v, i) => {
      const w = ws[i];
      if (!(v instanceof Tensor) || v.shape.join(",") !== w.shape.join(",")) {
        throw new InvalidArgumentError(
          `Model '${this.name}'.setWeights: weight ${i} ('${w.name}') has shape [${w.shape.join(",")}], got ${v instanceof Tensor ? `[${v.shape.join(",")}]` : String(v)}`,
        );
      }
    });
    values.forEach((v, i) => ws[i].assign(v));
  }

  /** Total number of weight values. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Keras 3's summary table, printed (or handed to printFn). */
  summary(options: SummaryOptions = {}): void {
    const graph = this.symbolicGraph();
    const layers = this.summaryLayers(graph);
    const connections = graph !== null && this.#graph !== null && !isChain(graph);
    const rows = layers.map((layer) => {
      const shapes: BuildShape[] | null =
        graph?.outputShapes(layer) ?? this.guessOutputShapes(layer);
      const params = !layer.built
        ? "0 (unbuilt)"
        : withCommas(layer.weights.reduce((n, w) => n + w.size, 0));
      const conn = graph?.connections(layer) ?? [];
      return {
        name: `${layer.name} (${layer.constructor.name})`,
        shape: formatShapes(shapes),
        params,
        connected: conn.length > 0 ? conn.join(", ") : "-",
      };
    });
    const lineLength =
      options.lineLength ?? Math.min(connections ? 108 : 88, terminalColumns() - 4);
    const optimizer = this.#trainer.optimizerVariables();
    const text = renderSummary(
      this.name,
      rows,
      {
        trainable: this.trainableWeights,
        nonTrainable: this.nonTrainableWeights,
        optimizer,
      },
      { ...options, lineLength, connections },
    );
    if (options.printFn !== undefined) options.printFn(text);
    else process.stdout.write(text);
  }

  /** The layers the summary lists (Sequential leaves out its InputLayer). */
  protected summaryLayers(graph: FunctionalGraph | null): AnyLayer[] {
    return graph?.layers.slice() ?? this.layers;
  }

  /** Without a graph: the layer's computeOutputShape on the shape it was built with, if any. */
  private guessOutputShapes(layer: AnyLayer): BuildShape[] | null {
    const built = layer.buildInputShape;
    if (built === null) return null;
    const s = layer.computeOutputShape(built);
    if (s === null) return null;
    return s.length > 0 && Array.isArray(s[0]) ? (s as BuildShape[]) : [s as BuildShape];
  }

  // -------------------------------------------------------------------------------------------
  // Training and inference: training.ts.

  /** The variables of the optimizer, once compiled and stepped. */
  get optimizerVariables(): Variable[] | null {
    return this.#trainer.optimizerVariables();
  }

  /** The compiled optimizer (null before compile); callbacks may set its learningRate. */
  get optimizer(): Optimizer | null {
    return this.#trainer.optimizer;
  }

  /** Whether compile() was called. */
  get compiled(): boolean {
    return this.#trainer.compiled;
  }

  /**
   * Keras's run_eagerly: whether fit, evaluate and predict run their steps eagerly (true) or
   * as traced graphs (false, the default; set by compile's runEagerly).
   */
  get runEagerly(): boolean {
    return this.#trainer.runEagerly;
  }

  set runEagerly(value: boolean) {
    if (typeof value !== "boolean") {
      throw new TypeError(
        `Model '${this.name}': runEagerly must be a boolean, got ${String(value)}`,
      );
    }
    this.#trainer.runEagerly = value;
  }

  /** The loss tracker and the compiled metrics (after the first batch). */
  get metrics(): Metric[] {
    return this.#trainer.metrics;
  }

  /** Their names, the keys of the logs: `["loss", "accuracy"]`. */
  get metricsNames(): string[] {
    return this.metrics.map((m) => m.name);
  }

  /**
   * Configures training: `compile({optimizer: "adam", loss: "sparse_categorical_crossentropy",
   * metrics: ["accuracy"]})`.
   */
  compile(options: CompileOptions = {}): void {
    this.#trainer.compile(options);
  }

  /**
   * Trains for `epochs` over (x, y), or over an iterable of [x, y] batches (a tf.data.Dataset):
   * `fit(x, y, {epochs, batchSize, validationSplit, callbacks, verbose})` or
   * `fit(dataset, {epochs})`. Returns the History (`history.history.loss`, one per epoch).
   */
  fit(x: DataX | Iterable<Batch>, y?: DataX | null, options?: FitOptions): History;
  fit(dataset: Iterable<Batch>, options?: FitOptions): History;
  fit(
    x: DataX | Iterable<Batch>,
    y?: DataX | null | FitOptions,
    options: FitOptions = {},
  ): History {
    const [yy, opts] = splitArgs<FitOptions>(x, y, options);
    this.#history = this.#trainer.fit(x, yy, opts, this);
    return this.#history;
  }

  /** The History of the last fit (Keras's model.history); null before. */
  get history(): History | null {
    return this.#history;
  }

  /**
   * The loss (and metrics) over the data: a number with no metrics, else [loss, ...metrics];
   * with {returnDict: true} an object by name.
   */
  evaluate(
    x: DataX | Iterable<Batch>,
    y?: DataX | null,
    options?: EvaluateOptions,
  ): number | number[] | Logs;
  evaluate(dataset: Iterable<Batch>, options?: EvaluateOptions): number | number[] | Logs;
  evaluate(
    x: DataX | Iterable<Batch>,
    y?: DataX | null | EvaluateOptions,
    options: EvaluateOptions = {},
  ): number | number[] | Logs {
    const [yy, opts] = splitArgs<EvaluateOptions>(x, y, options);
    return this.#trainer.evaluate(x, yy, opts, this);
  }

  /** The outputs for x, computed in batches (default 32) and concatenated. */
  predict(x: DataX | Iterable<Batch>, options: PredictOptions = {}): O {
    return this.#trainer.predict(x, options, this) as O;
  }

  /** One optimization step on one batch; returns its loss (and metrics). */
  trainOnBatch(
    x: DataX,
    y: DataX,
    options: { sampleWeight?: TensorLike; returnDict?: boolean } = {},
  ): number | number[] | Logs {
    return this.#trainer.trainOnBatch(x, y, options.sampleWeight, options.returnDict ?? false);
  }

  /** The loss (and metrics) of one batch, without training. */
  testOnBatch(
    x: DataX,
    y: DataX,
    options: { sampleWeight?: TensorLike; returnDict?: boolean } = {},
  ): number | number[] | Logs {
    return this.#trainer.testOnBatch(x, y, options.sampleWeight, options.returnDict ?? false);
  }

  /** The outputs for one batch. */
  predictOnBatch(x: DataX): O {
    return this.#trainer.predictOnBatch(x) as O;
  }
}

/** fit(x, y, options) or fit(dataset, options): which is which. */
function splitArgs<T extends object>(
  x: unknown,
  y: unknown,
  options: T,
): [DataX | null | undefined, T] {
  const isIterable =
    x !== null &&
    typeof x === "object" &&
    !Array.isArray(x) &&
    !(x instanceof Tensor) &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
  if (
    isIterable &&
    y !== undefined &&
    y !== null &&
    typeof y === "object" &&
    !Array.isArray(y) &&
    !(y instanceof Tensor)
  ) {
    return [undefined, y as T];
  }
  return [y as DataX | null | undefined, options];
}

/** Python's shutil.get_terminal_size().columns: $COLUMNS, the terminal's, else 80. */
function terminalColumns(): number {
  const env = Number.parseInt(process.env.COLUMNS ?? "", 10);
  if (Number.isInteger(env) && env > 0) return env;
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  return 80;
}

/** Keras's sequential_like: one node per depth, none with several inputs, no shared layer. */
function isChain(graph: FunctionalGraph): boolean {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) return false;
  const seen = new Set<AnyLayer>();
  for (const n of graph.nodes) {
    if (n.parents.length > 1 || seen.has(n.layer)) return false;
    seen.add(n.layer);
  }
  // A chain: every node but the input's takes the previous node's output.
  for (let i = 1; i < graph.nodes.length; i++) {
    const p = graph.nodes[i].parents[0];
    if (p === undefined || p.node !== graph.nodes[i - 1]) return false;
  }
  return true;
}

export { isKerasTensor };
export type { ApplyInputs };
