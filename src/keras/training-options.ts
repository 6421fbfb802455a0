/** The arguments of compile, fit, evaluate and predict. */
import type { TensorLike } from "../tensor/convert.js";
import type { Callback, Writable } from "./callbacks.js";
import type { LossIdentifier, OptimizerIdentifier } from "./compile-utils.js";
import type { Batch, DataX } from "./data-adapter.js";
import type { ClassWeight } from "./class-weight.js";
import type * as metricsModule from "./metrics/index.js";

export interface CompileOptions {
  /** An optimizer or its name: "adam", "sgd", "rmsprop", ... (default "rmsprop", as Keras). */
  optimizer?: OptimizerIdentifier;
  /**
   * A loss (name, function of (yTrue, yPred) per sample, or tf.keras.losses.Loss); with several
   * outputs, one per output (a list, or an object by output name), or one for all.
   */
  loss?: LossIdentifier | readonly LossIdentifier[] | Record<string, LossIdentifier>;
  /** With several outputs, how much each output's loss counts (default 1 each). */
  lossWeights?: readonly number[] | Record<string, number>;
  /**
   * Metrics: names ("accuracy", "mae", ...), functions or Metric objects. With several outputs:
   * a list for every output, a list of lists, or an object by output name.
   */
  metrics?:
    | readonly metricsModule.MetricIdentifier[]
    | readonly (readonly metricsModule.MetricIdentifier[])[]
    | Record<string, readonly metricsModule.MetricIdentifier[]>;
  /**
   * Run the train, test and predict steps eagerly, op by op (default false: they are traced
   * into graphs, as Keras 3 runs them under tf.function, and replayed).
   */
  runEagerly?: boolean;
}

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32 (arrays only). */
  batchSize?: number;
  /** 0 silent, 1 a progress bar, 2 one line per epoch; "auto" is 1 (default). */
  verbose?: number | "auto";
  callbacks?: readonly Callback[];
  /** The last fraction of the data (before shuffling) is held out for validation. */
  validationSplit?: number;
  /** [x, y], [x, y, sampleWeight], or an iterable of batches. */
  validationData?: readonly [DataX, DataX?, TensorLike?] | Iterable<Batch>;
  /** Shuffle the samples before each epoch (default true; arrays only). */
  shuffle?: boolean;
  /** A weight per sample (arrays only). */
  sampleWeight?: TensorLike;
  /**
   * A weight per class index ({0: 1, 1: 5} or a Map), applied to each training sample by its
   * target's class (integer label, or the argmax of a one-hot row); classes not named weigh 1.
   * Single-output models; not with sampleWeight. Validation data is not weighted (as Keras).
   */
  classWeight?: ClassWeight;
  /** The epoch to start from (to resume a run; default 0). */
  initialEpoch?: number;
  /** Batches per epoch (default: all the data; with an iterable, the iterator carries on). */
  stepsPerEpoch?: number;
  /** Batches of validation data per epoch (default all). */
  validationSteps?: number;
  /** Default batchSize. */
  validationBatchSize?: number;
  /** Where the progress bar is written (default process.stdout). */
  stream?: Writable;
}

export interface EvaluateOptions {
  batchSize?: number;
  verbose?: number | "auto";
  sampleWeight?: TensorLike;
  steps?: number;
  callbacks?: readonly Callback[];
  /** Return {loss, accuracy, ...} instead of a number or a list. */
  returnDict?: boolean;
  stream?: Writable;
}

export interface PredictOptions {
  batchSize?: number;
  verbose?: number | "auto";
  steps?: number;
  callbacks?: readonly Callback[];
  stream?: Writable;
}
