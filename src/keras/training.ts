/**
 * Training and inference for tf.keras.Model: compile's state (optimizer, losses, metrics) and
 * the loops of fit, evaluate and predict, over arrays/tensors (batched, shuffled each epoch) or
 * any iterable of [x, y] (or [x, y, sampleWeight]) batches, such as a tf.data.Dataset.
 *
 * The train step: the forward pass and the loss (plus the layers' added losses) are recorded
 * on a GradientTape, the gradients of the trainable weights applied by the optimizer, then the
 * loss tracker and the metrics updated with the same predictions. As in Keras 3, the steps of
 * fit, evaluate and predict (and of trainOnBatch, testOnBatch, predictOnBatch) run as traced
 * graphs (tf.function, step-function.ts) unless compile({runEagerly: true}): forward, gradient
 * and optimizer update replay as one graph. The metrics are updated outside the graph, from the
 * step's loss and predictions (they keep their state in JS numbers).
 */
import { GradientTape } from "../autodiff/tape.js";
import type { TensorLike } from "../tensor/convert.js";
import type { DType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { Variable } from "../tensor/variable.js";
import { toTensor } from "../ops/checks.js";
import { add, concat, multiply as mul } from "../ops/index.js";
import {
  Callback,
  CallbackList,
  type CallbackModel,
  checkCallbacks,
  History,
  type Logs,
} from "./callbacks.js";
import type { Layer, LayerInputs, LayerOutputs } from "./layer.js";
import * as losses from "./losses.js";
import * as metricsModule from "./metrics/index.js";
import { Mean, type Metric } from "./metrics/index.js";
import * as optimizers from "./optimizers.js";
import { ProgbarLogger } from "./progress.js";
import { StepFunction } from "./step-function.js";
import {
  classWeightLookup,
  classWeightsToSampleWeights,
  refuseBoth,
  withClassWeights,
} from "./class-weight.js";
import type {
  CompileOptions,
  EvaluateOptions,
  FitOptions,
  PredictOptions,
} from "./training-options.js";
import {
  type CompiledLoss,
  compileLoss,
  type LossIdentifier,
  type OptimizerIdentifier,
  optimizerByName,
} from "./compile-utils.js";
import {
  ArrayData,
  asTensors,
  type Batch,
  checkPositiveInt,
  type Data,
  type DataX,
  isIterableData,
  IterableData,
  numSamples,
  type TensorBatch,
} from "./data-adapter.js";

export type { Batch, DataX, LossIdentifier, OptimizerIdentifier };

export type { CompileOptions, EvaluateOptions, FitOptions, PredictOptions };

/** What the trainer needs of the model. */
export interface TrainableModel<I extends LayerInputs, O extends LayerOutputs> extends Layer<I, O> {
  stopTraining: boolean;
  readonly losses: Tensor[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

function verbosity(where: string, v: number | "auto" | undefined): number {
  if (v === undefined || v === "auto") return 1;
  if (v !== 0 && v !== 1 && v !== 2) {
    throw new RangeError(`${where}: verbose must be 0, 1, 2 or "auto", got ${String(v)}`);
  }
  return v;
}

/** One batch of tensors. */
// ---------------------------------------------------------------------------------------------
// Trainer

/** What a train or test step gives the metrics: the batch's loss and the predictions. */
interface StepResult {
  loss: Tensor;
  yPred: Tensor[];
}

interface OutputSpec {
  name: string;
  loss: CompiledLoss | null;
  weight: number;
  metrics: Metric[];
}

/** compile's state and the loops; a Model holds one. */
export class Trainer<I extends LayerInputs, O extends LayerOutputs> {
  readonly model: TrainableModel<I, O>;
  #optimizer: optimizers.Optimizer | null = null;
  #outputs: OutputSpec[] | null = null;
  #options: CompileOptions | null = null;
  readonly #lossTracker = new Mean({ name: "loss" });
  /** compile's runEagerly (Keras's model.run_eagerly): the steps run eagerly, untraced. */
  runEagerly = false;
  readonly #trainFn: StepFunction<[Tensor[], Tensor[], Tensor | null, Variable[]], StepResult>;
  readonly #testFn: StepFunction<[Tensor[], Tensor[], Tensor | null], StepResult>;
  readonly #predictFn: StepFunction<[Tensor[]], Tensor[]>;

  constructor(model: TrainableModel<I, O>) {
    this.model = model;
    this.#trainFn = new StepFunction("train_step", `${model.name}.fit`, (x, y, w, vars) =>
      this.#trainBody(x, y, w, vars),
    );
    this.#testFn = new StepFunction("test_step", `${model.name}.evaluate`, (x, y, w) => {
      const yPred = this.#forward(x, false);
      return { loss: this.#loss(y, yPred, w), yPred };
    });
    this.#predictFn = new StepFunction("predict_step", `${model.name}.predict`, (x) =>
      this.#forward(x, false),
    );
  }

  /** How many times the train, test and predict steps were traced (for tests). */
  get tracingCounts(): { train: number; test: number; predict: number } {
    return {
      train: this.#trainFn.tracingCount,
      test: this.#testFn.tracingCount,
      predict: this.#predictFn.tracingCount,
    };
  }

  get compiled(): boolean {
    return this.#options !== null;
  }

  get optimizer(): optimizers.Optimizer | null {
    return this.#optimizer;
  }

  optimizerVariables(): Variable[] | null {
    const o = this.#optimizer;
    if (o === null || o.iterations === 0) return null;
    return [o.iterationsVariable, ...o.variables];
  }

  /** The metrics in the logs' order: the loss tracker, then the compiled ones. */
  get metrics(): Metric[] {
    if (this.#outputs === null) return [];
    return [this.#lossTracker, ...this.#outputs.flatMap((o) => o.metrics)];
  }

  compile(options: CompileOptions = {}): void {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`compile: expected {optimizer, loss, metrics}, got ${String(options)}`);
    }
    const opt = options.optimizer ?? "rmsprop";
    if (typeof opt === "string") this.#optimizer = optimizerByName(opt);
    else if (opt instanceof optimizers.Optimizer) this.#optimizer = opt;
    else {
      throw new TypeError(
        `compile: optimizer must be a name or a tf.keras.optimizers.Optimizer, got ${String(opt)}`,
      );
    }
    const eagerly = options.runEagerly ?? false;
    if (typeof eagerly !== "boolean") {
      throw new TypeError(`compile: runEagerly must be a boolean, got ${String(eagerly)}`);
    }
    this.runEagerly = eagerly;
    this.#options = options;
    this.#outputs = null; // resolved against the outputs at the first batch
    this.#lossTracker.resetState();
    // The traced steps belong to the previous compile (its optimizer, losses).
    this.#trainFn.reset();
    this.#testFn.reset();
    this.#predictFn.reset();
  }

  /** The dtypes of the model's symbolic inputs, where it has them. */
  #inputDtypes(): DType[] | null {
    const m = this.model as unknown as { inputs?: { dtype: DType }[] };
    try {
      return Array.isArray(m.inputs) ? m.inputs.map((t) => t.dtype) : null;
    } catch {
      return null; // a subclassed model has no symbolic inputs
    }
  }

  /** The names of the model's outputs (functional: their layers'; else output_1, ...). */
  #outputNames(count: number): string[] {
    const m = this.model as unknown as { outputs?: { node: { layer: { name: string } } | null }[] };
    try {
      const outs = m.outputs;
      if (Array.isArray(outs) && outs.length === count) {
        return outs.map((o, i) => o.node?.layer.name ?? `output_${i + 1}`);
      }
    } catch {
      // A subclassed model has no symbolic outputs.
    }
    return Array.from({ length: count }, (_, i) => `output_${i + 1}`);
  }

  /** Builds the per-output losses and metrics for `count` outputs. */
  #resolve(count: number): OutputSpec[] {
    if (this.#outputs !== null) return this.#outputs;
    const opts = this.#options ?? {};
    const names = this.#outputNames(count);
    const pick = <T>(
      what: string,
      spec: T | readonly T[] | Record<string, T> | undefined,
      isLeaf: (v: unknown) => boolean,
    ): (T | undefined)[] => {
      if (spec === undefined) return names.map(() => undefined);
      if (isLeaf(spec)) return names.map(() => spec as T);
      if (Array.isArray(spec)) {
        if (spec.length !== count) {
          throw new InvalidArgumentError(
            `compile: ${what} has ${spec.length} entries but the model has ${count} outputs`,
          );
        }
        return spec as T[];
      }
      const rec = spec as Record<string, T>;
      for (const k of Object.keys(rec)) {
        if (!names.includes(k)) {
          throw new InvalidArgumentError(
            `compile: ${what} names '${k}', which is not an output of the model (outputs: ${names.join(", ")})`,
          );
        }
      }
      return names.map((n) => rec[n]);
    };
    const isLossLeaf = (v: unknown) =>
      typeof v === "string" || typeof v === "function" || v instanceof losses.Loss;
    const lossList = pick<LossIdentifier>("loss", opts.loss, isLossLeaf);
    const weights = pick<number>("lossWeights", opts.lossWeights, (v) => typeof v === "number");
    // Metrics: a flat list applies to every output; a list of lists or an object, per output.
    let metricLists: (readonly metricsModule.MetricIdentifier[] | undefined)[];
    const m = opts.metrics;
    if (m === undefined) metricLists = names.map(() => undefined);
    else if (Array.isArray(m) && (m.length === 0 || !m.some((e) => Array.isArray(e)))) {
      metricLists = names.map(() => m as readonly metricsModule.MetricIdentifier[]);
    } else {
      metricLists = pick<readonly metricsModule.MetricIdentifier[]>("metrics", m, () => false);
    }
    const specs = names.map((name, i) => {
      const lossId = lossList[i];
      const loss = lossId === undefined || lossId === null ? null : compileLoss(lossId);
      const metrics = (metricLists[i] ?? []).map((id) => {
        if (
          count > 1 &&
          id instanceof metricsModule.Metric &&
          metricLists.filter((l) => l?.includes(id)).length > 1
        ) {
          throw new InvalidArgumentError(
            `compile: the metric object '${id.name}' is given for several outputs; give each output its own (a list per output)`,
          );
        }
        const metric = metricsModule.get(id, loss?.name ?? null);
        // With several outputs, Keras names each output's metrics after it: out1_accuracy.
        if (count > 1) Object.defineProperty(metric, "name", { value: `${name}_${metric.name}` });
        return metric;
      });
      return { name, loss, weight: weights[i] ?? 1, metrics };
    });
    if (specs.every((s) => s.loss === null)) {
      throw new InvalidArgumentError(
        'compile: no loss to optimize; pass loss to compile (e.g. loss: "mse")',
      );
    }
    this.#outputs = specs;
    return specs;
  }

  #requireCompiled(method: string): void {
    if (!this.compiled) {
      throw new TypeError(`You must call \`compile()\` before calling \`${method}()\`.`);
    }
  }

  /** The model's call on a batch, as a list of outputs. */
  #forward(x: Tensor[], training: boolean): Tensor[] {
    const input = (x.length === 1 ? x[0] : x) as unknown as Parameters<Layer<I, O>["apply"]>[0];
    const out = this.model.apply(input as never, { training }) as unknown as LayerOutputs;
    return Array.isArray(out) ? out : [out as Tensor];
  }

  /** The total loss of a batch: the weighted outputs' losses plus the layers' added losses. */
  #loss(y: Tensor[], yPred: Tensor[], w: Tensor | null): Tensor {
    const specs = this.#resolve(yPred.length);
    if (y.length !== yPred.length) {
      throw new InvalidArgumentError(
        `${this.model.name}: the model has ${yPred.length} output(s) but ${y.length} target(s) were given`,
      );
    }
    let total: Tensor | null = null;
    specs.forEach((s, i) => {
      if (s.loss === null) return;
      let l = s.loss.fn(y[i], yPred[i], w);
      if (s.weight !== 1) l = mul(l, s.weight);
      total = total === null ? l : add(total, l);
    });
    let out = total as unknown as Tensor;
    for (const extra of this.model.losses) out = add(out, extra);
    return out;
  }

  #updateMetrics(y: Tensor[], yPred: Tensor[], w: Tensor | null): void {
    const specs = this.#resolve(yPred.length);
    specs.forEach((s, i) => {
      for (const m of s.metrics) m.updateState(y[i], yPred[i], w);
    });
  }

  #logs(): Logs {
    const logs: Logs = {};
    for (const m of this.metrics) logs[m.name] = m.resultValue();
    return logs;
  }

  #resetMetrics(): void {
    for (const m of this.metrics) m.resetState();
    this.#lossTracker.resetState();
  }

  /**
   * The part of a train step that becomes a graph: forward, loss, gradients of `vars` (the
   * trainable weights, an argument so that another set traces again), the optimizer's update.
   */
  #trainBody(x: Tensor[], y: Tensor[], w: Tensor | null, vars: Variable[]): StepResult {
    const tape = new GradientTape();
    let yPred: Tensor[] = [];
    const loss = tape.record(() => {
      yPred = this.#forward(x, true);
      return this.#loss(y, yPred, w);
    });
    const grads = tape.gradient(loss, vars);
    if (vars.length > 0) {
      (this.#optimizer as optimizers.Optimizer).applyGradients(vars.map((v, i) => [grads[i], v]));
    }
    return { loss, yPred };
  }

  /** One optimization step on a batch; updates the loss tracker and the metrics. */
  #trainStep(b: TensorBatch): void {
    if (b.y === null) {
      throw new InvalidArgumentError(
        `${this.model.name}.fit: the training data has no targets (y)`,
      );
    }
    const y = b.y;
    const vars = this.model.trainableWeights;
    const { loss, yPred } = this.#trainFn.run(this.runEagerly, b.x, y, b.w, vars);
    this.#lossTracker.updateState(loss, b.x[0].shape[0]);
    this.#updateMetrics(y, yPred, b.w);
  }

  #testStep(b: TensorBatch): void {
    if (b.y === null) {
      throw new InvalidArgumentError(`${this.model.name}.evaluate: the data has no targets (y)`);
    }
    const { loss, yPred } = this.#testFn.run(this.runEagerly, b.x, b.y, b.w);
    this.#lossTracker.updateState(loss, b.x[0].shape[0]);
    this.#updateMetrics(b.y, yPred, b.w);
  }

  #predictStep(x: Tensor[]): Tensor[] {
    return this.#predictFn.run(this.runEagerly, x);
  }

  #data(
    where: string,
    x: DataX | Iterable<Batch>,
    y: DataX | null | undefined,
    w: TensorLike | undefined,
    batchSize: number | "all" | undefined,
  ): Data {
    if (isIterableData(x)) {
      if (y !== undefined && y !== null) {
        throw new TypeError(
          `${where}: when x is an iterable of batches, y must not be given (the batches carry the targets)`,
        );
      }
      if (batchSize !== undefined) {
        throw new TypeError(`${where}: batchSize cannot be given with an iterable of batches`);
      }
      return new IterableData(x, where);
    }
    if (x === undefined || x === null) throw new TypeError(`${where}: x is required`);
    const xs = asTensors(where, x as DataX, this.#inputDtypes());
    const ys = y === undefined || y === null ? null : asTensors(where, y);
    const ws = w === undefined ? null : w instanceof Tensor ? w : toTensor(w, where, "float32");
    const n = numSamples(where, "inputs", xs);
    if (ys !== null) {
      const ny = numSamples(where, "targets", ys);
      if (ny !== n) {
        throw new InvalidArgumentError(
          `${where}: data cardinality is ambiguous: x sizes: ${xs.map((t) => t.shape[0]).join(", ")}, y sizes: ${ys.map((t) => t.shape[0]).join(", ")}. Make sure all arrays contain the same number of samples.`,
        );
      }
    }
    if (ws !== null && (ws.rank === 0 || ws.shape[0] !== n)) {
      throw new InvalidArgumentError(
        `${where}: sampleWeight ${shapeMsg(ws.shape)} must have one weight per sample (${n})`,
      );
    }
    const bs =
      batchSize === undefined
        ? 32
        : batchSize === "all"
          ? Math.max(n, 1)
          : checkPositiveInt(where, "batchSize", batchSize);
    return new ArrayData(xs, ys, ws, n, bs);
  }

  fit(
    x: DataX | Iterable<Batch>,
    y: DataX | null | undefined,
    options: FitOptions,
    model: CallbackModel,
  ): History {
    const where = `${this.model.name}.fit`;
    this.#requireCompiled("fit");
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${where}: options must be an object`);
    }
    const epochs = options.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) {
      throw new TypeError(`${where}: epochs must be a non-negative integer, got ${String(epochs)}`);
    }
    const initialEpoch = options.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
      throw new TypeError(
        `${where}: initialEpoch must be a non-negative integer, got ${String(initialEpoch)}`,
      );
    }
    const verbose = verbosity(where, options.verbose);
    const stepsPerEpoch =
      options.stepsPerEpoch === undefined
        ? undefined
        : checkPositiveInt(where, "stepsPerEpoch", options.stepsPerEpoch);
    let train: Data;
    if (options.classWeight !== undefined && options.classWeight !== null) {
      // Keras turns class weights into sample weights from the targets.
      const lookup = classWeightLookup(where, options.classWeight);
      refuseBoth(where, options.sampleWeight);
      if (isIterableData(x)) {
        train = this.#data(
          where,
          withClassWeights(where, x, lookup),
          y,
          undefined,
          options.batchSize,
        );
      } else {
        if (y === undefined || y === null) throw new TypeError(`${where}: classWeight needs y`);
        const w = classWeightsToSampleWeights(where, y, lookup);
        train = this.#data(where, x, y, w, options.batchSize);
      }
    } else train = this.#data(where, x, y, options.sampleWeight, options.batchSize);
    let val: Data | null = null;
    const split = options.validationSplit ?? 0;
    if (typeof split !== "number" || !(split >= 0 && split < 1)) {
      throw new RangeError(`${where}: validationSplit must be in [0, 1), got ${String(split)}`);
    }
    if (options.validationData !== undefined && options.validationData !== null) {
      const vd = options.validationData;
      if (isIterableData(vd)) val = new IterableData(vd, where);
      else {
        if (!Array.isArray(vd) || vd.length < 2 || vd.length > 3) {
          throw new TypeError(
            `${where}: validationData must be [x, y], [x, y, sampleWeight] or an iterable of batches`,
          );
        }
        const [vx, vy, vw] = vd as readonly [DataX, DataX?, TensorLike?];
        val = this.#data(where, vx, vy, vw, options.validationBatchSize ?? options.batchSize);
      }
    } else if (split > 0) {
      if (!(train instanceof ArrayData)) {
        throw new TypeError(
          `${where}: validationSplit is only supported for tensors or arrays, not an iterable of batches`,
        );
      }
      [train, val] = train.split(split);
      if (train.size === 0) {
        throw new InvalidArgumentError(
          `${where}: validationSplit=${split} leaves no training samples`,
        );
      }
    }
    const history = new History();
    const user = checkCallbacks(where, options.callbacks);
    const progbar = verbose > 0 ? new ProgbarLogger({ stream: options.stream }) : null;
    const all: Callback[] = [...user, history];
    if (progbar !== null) all.push(progbar);
    const steps = stepsPerEpoch ?? train.steps ?? null;
    const cbs = new CallbackList(all, model, { epochs, steps, verbose });
    this.model.stopTraining = false;
    const shuffleIt = options.shuffle ?? true;
    cbs.call("onTrainBegin");
    let lastLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      this.#resetMetrics();
      cbs.call("onEpochBegin", epoch);
      let step = 0;
      for (const b of train.batches(shuffleIt, stepsPerEpoch)) {
        cbs.call("onTrainBatchBegin", step);
        this.#trainStep(b);
        cbs.call("onTrainBatchEnd", step, this.#logs());
        step++;
        if (this.model.stopTraining) break;
      }
      if (step === 0) {
        throw new InvalidArgumentError(`${where}: the training data yielded no batch`);
      }
      const logs = this.#logs();
      if (val !== null) {
        const vlogs = this.#evaluateLoop(val, options.validationSteps, cbs, true);
        for (const [k, v] of Object.entries(vlogs)) logs[`val_${k}`] = v;
      }
      cbs.call("onEpochEnd", epoch, logs);
      lastLogs = logs;
      if (this.model.stopTraining) break;
    }
    cbs.call("onTrainEnd", lastLogs);
    return history;
  }

  /** Runs the test steps over data; the metrics reset first. */
  #evaluateLoop(data: Data, steps: number | undefined, cbs: CallbackList, inFit: boolean): Logs {
    this.#resetMetrics();
    cbs.call("onTestBegin");
    let step = 0;
    for (const b of data.batches(false, steps)) {
      cbs.call("onTestBatchBegin", step);
      this.#testStep(b);
      cbs.call("onTestBatchEnd", step, this.#logs());
      step++;
    }
    if (step === 0) {
      throw new InvalidArgumentError(
        `${this.model.name}.${inFit ? "fit" : "evaluate"}: the ${inFit ? "validation " : ""}data yielded no batch`,
      );
    }
    const logs = this.#logs();
    cbs.call("onTestEnd", logs);
    return logs;
  }

  evaluate(
    x: DataX | Iterable<Batch>,
    y: DataX | null | undefined,
    options: EvaluateOptions,
    model: CallbackModel,
  ): number | number[] | Logs {
    const where = `${this.model.name}.evaluate`;
    this.#requireCompiled("evaluate");
    const verbose = verbosity(where, options.verbose);
    const data = this.#data(where, x, y, options.sampleWeight, options.batchSize);
    const steps =
      options.steps === undefined ? undefined : checkPositiveInt(where, "steps", options.steps);
    const all: Callback[] = [...checkCallbacks(where, options.callbacks)];
    if (verbose > 0) all.push(new ProgbarLogger({ stream: options.stream }));
    const cbs = new CallbackList(all, model, { steps: steps ?? data.steps ?? null, verbose });
    const logs = this.#evaluateLoop(data, steps, cbs, false);
    if (options.returnDict === true) return logs;
    const values = this.metrics.map((m) => logs[m.name]);
    return values.length === 1 ? values[0] : values;
  }

  predict(
    x: DataX | Iterable<Batch>,
    options: PredictOptions,
    model: CallbackModel,
  ): Tensor | Tensor[] {
    const where = `${this.model.name}.predict`;
    const verbose = verbosity(where, options.verbose);
    const data = this.#data(where, x, undefined, undefined, options.batchSize);
    const steps =
      options.steps === undefined ? undefined : checkPositiveInt(where, "steps", options.steps);
    const all: Callback[] = [...checkCallbacks(where, options.callbacks)];
    if (verbose > 0) all.push(new ProgbarLogger({ stream: options.stream }));
    const cbs = new CallbackList(all, model, { steps: steps ?? data.steps ?? null, verbose });
    cbs.call("onPredictBegin");
    const parts: Tensor[][] = [];
    let step = 0;
    for (const b of data.batches(false, steps)) {
      cbs.call("onPredictBatchBegin", step);
      parts.push(this.#predictStep(b.x));
      cbs.call("onPredictBatchEnd", step);
      step++;
    }
    cbs.call("onPredictEnd");
    if (parts.length === 0) throw new InvalidArgumentError(`${where}: the data yielded no batch`);
    const outs = parts[0].map((_, i) =>
      parts.length === 1
        ? parts[0][i]
        : concat(
            parts.map((p) => p[i]),
            0,
          ),
    );
    return outs.length === 1 ? outs[0] : outs;
  }

  /** One training step on one batch; returns the loss (and metrics) of that batch. */
  trainOnBatch(
    x: DataX,
    y: DataX,
    sampleWeight: TensorLike | undefined,
    returnDict: boolean,
  ): number | number[] | Logs {
    this.#requireCompiled("trainOnBatch");
    const data = this.#data(`${this.model.name}.trainOnBatch`, x, y, sampleWeight, "all");
    this.#resetMetrics();
    for (const b of (data as ArrayData).batches(false)) this.#trainStep(b);
    return this.#result(returnDict);
  }

  testOnBatch(
    x: DataX,
    y: DataX,
    sampleWeight: TensorLike | undefined,
    returnDict: boolean,
  ): number | number[] | Logs {
    this.#requireCompiled("testOnBatch");
    const data = this.#data(`${this.model.name}.testOnBatch`, x, y, sampleWeight, "all");
    this.#resetMetrics();
    for (const b of (data as ArrayData).batches(false)) this.#testStep(b);
    return this.#result(returnDict);
  }

  predictOnBatch(x: DataX): Tensor | Tensor[] {
    const outs = this.#predictStep(
      asTensors(`${this.model.name}.predictOnBatch`, x, this.#inputDtypes()),
    );
    return outs.length === 1 ? outs[0] : outs;
  }

  #result(returnDict: boolean): number | number[] | Logs {
    const logs = this.#logs();
    if (returnDict) return logs;
    const values = this.metrics.map((m) => logs[m.name]);
    return values.length === 1 ? values[0] : values;
  }
}
