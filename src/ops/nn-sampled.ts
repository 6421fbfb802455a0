/**
 * Losses over a sampled subset of the classes (TensorFlow's candidate sampling): the
 * log-uniform (Zipfian) and uniform candidate samplers, `tf.nn.sampledSoftmaxLoss` and
 * `tf.nn.nceLoss`. Both losses build, as TensorFlow's _compute_sampled_logits, the logits of
 * each example's true classes and of the shared sampled classes, each less the log of its
 * expected count under the sampler (log Q), with accidental hits (a sampled class that is one
 * of the example's true classes) pushed to -FLT_MAX when asked; then a softmax cross-entropy
 * (sampled softmax) or a per-logit sigmoid cross-entropy summed over the row (NCE). They are
 * composites of registry ops (gather, matmul, the losses), so the gradients wrt weights, biases
 * and inputs follow from those.
 */
import { backend } from "../backend/index.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant, onesLike, zerosLike } from "./creation.js";
import { add, cast, divide, multiply as mul, subtract as sub } from "./elementwise/basic.js";
import { log } from "./elementwise/math.js";
import { matmul } from "./linalg.js";
import { concat, expandDims, stopGradient } from "./movement-core.js";
import { gather } from "./movement-gather.js";
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits } from "./nn-losses.js";
import { generator, resolveSeed } from "./random-seeds.js";
import { u64ToDouble } from "./random-philox.js";

/** What a candidate sampler returns (TensorFlow's triple). */
export interface SampledValues {
  /** [numSampled] int32 sampled classes. */
  readonly sampledCandidates: Tensor;
  /** [batch, numTrue] float32: the expected count of each true class in the sample. */
  readonly trueExpectedCount: Tensor;
  /** [numSampled] float32: the expected count of each sampled class. */
  readonly sampledExpectedCount: Tensor;
}

/** Blocks of the generator one sampler call may use (each gives two uniform doubles). */
const SAMPLER_BLOCKS = 1 << 20;

interface Distribution {
  /** A class from a uniform double in [0, 1). */
  draw(u: number): number;
  /** The probability of one class. */
  prob(k: number): number;
}

function sample(
  fn: string,
  dist: Distribution,
  trueClasses: TensorLike,
  numTrue: number,
  numSampled: number,
  unique: boolean,
  rangeMax: number,
  seed: number | null,
): SampledValues {
  const labels = toTensor(trueClasses, fn, "int32");
  checkInteger(fn, "numTrue", numTrue, 1);
  checkInteger(fn, "numSampled", numSampled, 1);
  checkInteger(fn, "rangeMax", rangeMax, 1);
  if (labels.dtype !== "int32" || labels.rank !== 2 || labels.shape[1] !== numTrue) {
    throw new InvalidArgumentError(
      `${fn}: trueClasses must be int32 [batch, numTrue = ${numTrue}], got ${describe(labels)}`,
    );
  }
  if (unique && numSampled > rangeMax) {
    throw new InvalidArgumentError(
      `${fn}: numSampled (${numSampled}) must be at most rangeMax (${rangeMax}) when unique`,
    );
  }
  const gen = generator(resolveSeed(fn, seed), fn, "float64", SAMPLER_BLOCKS);
  let pending: number[] = [];
  const uniform = (): number => {
    if (pending.length === 0) {
      const w = gen.next();
      pending = [u64ToDouble(w[0], w[1]), u64ToDouble(w[2], w[3])];
    }
    return pending.pop() as number;
  };
  const sampled = new Int32Array(numSampled);
  let tries = 0;
  if (unique) {
    const seen = new Set<number>();
    while (seen.size < numSampled) {
      if (tries >= 2 * SAMPLER_BLOCKS) {
        throw new InvalidArgumentError(`${fn}: could not draw ${numSampled} distinct classes`);
      }
      tries++;
      const k = dist.draw(uniform());
      if (!seen.has(k)) {
        sampled[seen.size] = k;
        seen.add(k);
      }
    }
  } else {
    for (let i = 0; i < numSampled; i++) sampled[i] = dist.draw(uniform());
    tries = numSampled;
  }
  // TensorFlow's expected counts: 1 - (1 - p)^tries for unique samples, p * numSampled else.
  const expected = (k: number): number => {
    const p = dist.prob(k);
    return unique ? -Math.expm1(tries * Math.log1p(-p)) : p * numSampled;
  };
  const lv = backend().read(labels) as Int32Array;
  for (const v of lv) {
    if (v < 0 || v >= rangeMax) {
      throw new InvalidArgumentError(
        `${fn}: trueClasses holds ${v}, outside [0, ${rangeMax}) (trueClasses ${describe(labels)})`,
      );
    }
  }
  return {
    sampledCandidates: constant(sampled, "int32", [numSampled]),
    trueExpectedCount: constant(Float32Array.from(lv, expected), "float32", labels.shape),
    sampledExpectedCount: constant(Float32Array.from(sampled, expected), "float32", [numSampled]),
  };
}

/**
 * `tf.nn.logUniformCandidateSampler(trueClasses, numTrue, numSampled, unique, rangeMax, seed?)`:
 * classes drawn from the Zipfian P(k) = log((k + 2) / (k + 1)) / log(rangeMax + 1) (frequent
 * classes first, as in a vocabulary sorted by frequency), distinct when `unique`.
 */
export const logUniformCandidateSampler = api(
  function logUniformCandidateSampler(
    trueClasses: TensorLike,
    numTrue: number,
    numSampled: number,
    unique: boolean,
    rangeMax: number,
    seed: number | null = null,
  ): SampledValues {
    const logRange = Math.log(rangeMax + 1);
    const dist: Distribution = {
      draw: (u) => (Math.floor(Math.exp(u * logRange)) - 1) % rangeMax,
      prob: (k) => (Math.log(k + 2) - Math.log(k + 1)) / logRange,
    };
    const fn = "logUniformCandidateSampler";
    return sample(fn, dist, trueClasses, numTrue, numSampled, unique, rangeMax, seed);
  },
  { namespaces: ["nn"] },
);

/** `tf.nn.uniformCandidateSampler(...)`: the same with every class equally likely. */
export const uniformCandidateSampler = api(
  function uniformCandidateSampler(
    trueClasses: TensorLike,
    numTrue: number,
    numSampled: number,
    unique: boolean,
    rangeMax: number,
    seed: number | null = null,
  ): SampledValues {
    const dist: Distribution = {
      draw: (u) => Math.min(Math.floor(u * rangeMax), rangeMax - 1),
      prob: () => 1 / rangeMax,
    };
    const fn = "uniformCandidateSampler";
    return sample(fn, dist, trueClasses, numTrue, numSampled, unique, rangeMax, seed);
  },
  { namespaces: ["nn"] },
);

/** Options of `tf.nn.sampledSoftmaxLoss` and `tf.nn.nceLoss` (TensorFlow's keywords). */
export interface SampledLossOptions {
  /** True classes per example (default 1). */
  readonly numTrue?: number;
  /** A sampler's result to use instead of the default log-uniform unique sample. */
  readonly sampledValues?: SampledValues | null;
  /** Push sampled classes that are true classes of the example to -FLT_MAX. */
  readonly removeAccidentalHits?: boolean;
  /** Seed of the default sampler. */
  readonly seed?: number | null;
}

const FLT_MAX = 3.4028234663852886e38;

/**
 * TensorFlow's _compute_sampled_logits: logits [batch, numTrue + numSampled] (true classes
 * first) and their labels (1/numTrue for each true class, 0 for the sampled ones).
 */
function sampledLogits(
  fn: string,
  weights: TensorLike,
  biases: TensorLike,
  labels: TensorLike,
  inputs: TensorLike,
  numSampled: number,
  numClasses: number,
  options: SampledLossOptions,
  removeHitsDefault: boolean,
): [Tensor, Tensor] {
  const x = toTensor(inputs, fn);
  checkDType(fn, x, "float", "inputs");
  const w = toTensor(weights, fn, x.dtype);
  const b = toTensor(biases, fn, x.dtype);
  const numTrue = checkInteger(fn, "numTrue", options.numTrue ?? 1, 1);
  checkInteger(fn, "numSampled", numSampled, 1);
  checkInteger(fn, "numClasses", numClasses, 1);
  if (x.rank !== 2 || w.rank !== 2 || b.rank !== 1 || w.shape[1] !== x.shape[1]) {
    throw new InvalidArgumentError(
      `${fn}: weights must be [numClasses, dim], biases [numClasses], inputs [batch, dim], got weights ${describe(w)}, biases ${describe(b)}, inputs ${describe(x)}`,
    );
  }
  if (w.dtype !== x.dtype || b.dtype !== x.dtype) {
    throw new TypeError(
      `${fn}: weights, biases and inputs must have one dtype, got weights ${describe(w)}, biases ${describe(b)}, inputs ${describe(x)}`,
    );
  }
  const batch = x.shape[0];
  let lab = toTensor(labels, fn, "int32");
  if (lab.dtype !== "int32" || lab.size !== batch * numTrue) {
    throw new InvalidArgumentError(
      `${fn}: labels must be int32 [batch = ${batch}, numTrue = ${numTrue}], got ${describe(lab)}`,
    );
  }
  lab = reshape(lab, [batch, numTrue]);
  const sv =
    options.sampledValues ??
    logUniformCandidateSampler(lab, numTrue, numSampled, true, numClasses, options.seed ?? null);
  const sampled = toTensor(sv.sampledCandidates, fn, "int32");
  const labelsFlat = reshape(lab, [-1]);
  const dim = x.shape[1];
  const trueW = reshape(gather(w, labelsFlat), [batch, numTrue, dim]);
  const trueB = reshape(gather(b, labelsFlat), [batch, numTrue]);
  let trueLogits = add(reduceSum(mul(trueW, expandDims(x, 1)), 2), trueB);
  let sampLogits = add(matmul(x, gather(w, sampled), { transposeB: true }), gather(b, sampled));
  if (options.removeAccidentalHits ?? removeHitsDefault) {
    // -FLT_MAX where a sampled class is one of the row's true classes
    const lv = backend().read(lab) as Int32Array;
    const sv2 = backend().read(sampled) as Int32Array;
    const n = sv2.length;
    const hits = new Float64Array(batch * n);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < n; j++) {
        for (let t = 0; t < numTrue; t++) {
          if (lv[i * numTrue + t] === sv2[j]) hits[i * n + j] = -FLT_MAX;
        }
      }
    }
    sampLogits = add(sampLogits, constant(hits, x.dtype, [batch, n]));
  }
  // subtract log Q
  trueLogits = sub(trueLogits, log(cast(toTensor(sv.trueExpectedCount, fn), x.dtype)));
  sampLogits = sub(sampLogits, log(cast(toTensor(sv.sampledExpectedCount, fn), x.dtype)));
  const logits = concat([trueLogits, sampLogits], 1);
  const outLabels = concat([divide(onesLike(trueLogits), numTrue), zerosLike(sampLogits)], 1);
  return [logits, outLabels];
}

/**
 * `tf.nn.sampledSoftmaxLoss(weights, biases, labels, inputs, numSampled, numClasses, options)`:
 * the softmax cross-entropy over each example's true classes and a shared sample of classes
 * (log-uniform, distinct, seeded by `options.seed`, unless `options.sampledValues` is given),
 * corrected by log Q; accidental hits removed by default. Returns [batch]. A training-time
 * approximation of the full softmax loss, which it equals when the sample is every class with
 * expected count 1.
 */
export const sampledSoftmaxLoss = api(
  function sampledSoftmaxLoss(
    weights: TensorLike,
    biases: TensorLike,
    labels: TensorLike,
    inputs: TensorLike,
    numSampled: number,
    numClasses: number,
    options: SampledLossOptions = {},
  ): Tensor {
    const fn = "sampledSoftmaxLoss";
    const [logits, lab] = sampledLogits(
      fn,
      weights,
      biases,
      labels,
      inputs,
      numSampled,
      numClasses,
      options,
      true,
    );
    return softmaxCrossEntropyWithLogits(stopGradient(lab), logits);
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.nceLoss(weights, biases, labels, inputs, numSampled, numClasses, options)`: noise-
 * contrastive estimation: a logistic regression of each true class (label 1/numTrue) against
 * the sampled ones (label 0) on the log-Q-corrected logits, summed over the row; accidental
 * hits kept by default (as TensorFlow). Returns [batch].
 */
export const nceLoss = api(
  function nceLoss(
    weights: TensorLike,
    biases: TensorLike,
    labels: TensorLike,
    inputs: TensorLike,
    numSampled: number,
    numClasses: number,
    options: SampledLossOptions = {},
  ): Tensor {
    const fn = "nceLoss";
    const [logits, lab] = sampledLogits(
      fn,
      weights,
      biases,
      labels,
      inputs,
      numSampled,
      numClasses,
      options,
      false,
    );
    return reduceSum(sigmoidCrossEntropyWithLogits(lab, logits), 1);
  },
  { namespaces: ["nn"] },
);
