/**
 * tf.nn functions TensorFlow builds from other ops: conv1d and the 1-D pools (through the 2-D
 * ops on a height-1 image, as TensorFlow does), the N-d maxPool / avgPool for 1-D, 2-D and 3-D,
 * batchNormalization, weightedMoments, normalizeMoments, localResponseNormalization,
 * embeddingLookup, spaceToDepth, depthToSpace, crelu, weightedCrossEntropyWithLogits,
 * logPoissonLoss and computeAverageLoss. Their gradients are those of the ops they are made of.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant, zerosLike } from "./creation.js";
import {
  add,
  cast,
  greaterEqual,
  lessEqual,
  logicalAnd,
  multiply as mul,
  negative as neg,
  square,
  subtract as sub,
  where,
} from "./elementwise/basic.js";
import { relu } from "./elementwise/activation.js";
import { abs, exp, log, log1p, pow, rsqrt, squaredDifference } from "./elementwise/math.js";
import { reciprocalNoNan } from "./elementwise/special.js";
import { clipByNorm } from "./array-ops.js";
import { concat, expandDims, squeeze, stopGradient, transpose } from "./movement-core.js";
import { gather } from "./movement-gather.js";
import { pad, slice } from "./movement-slice.js";
import { conv2d } from "./nn-conv.js";
import type { PaddingArg } from "./nn-common.js";
import { avgPool2d, maxPool2d } from "./nn-pool.js";
import { avgPool3d, maxPool3d } from "./nn-pool3d.js";
import type { Axis } from "./reduce.js";

type Padding1D = "SAME" | "VALID" | "same" | "valid";

/** A 1-D stride / size / dilation: n, [n] or [1, n, 1]. */
function one(fn: string, what: string, v: number | readonly number[]): number {
  if (typeof v === "number") return checkInteger(fn, what, v, 1);
  if (v.length === 1) return checkInteger(fn, what, v[0], 1);
  if (v.length === 3 && v[0] === 1 && v[2] === 1) return checkInteger(fn, what, v[1], 1);
  throw new InvalidArgumentError(
    `${fn}: ${what} must be n, [n] or [1, n, 1], got [${v.join(", ")}]`,
  );
}

function checkNWC(fn: string, x: Tensor, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== "NWC") {
    throw new InvalidArgumentError(
      `${fn}: only data_format "NWC" is supported, got "${dataFormat}"`,
    );
  }
  if (x.rank !== 3) {
    throw new InvalidArgumentError(
      `${fn}: input must be [batch, width, channels], got ${describe(x)}`,
    );
  }
}

export interface Conv1DOptions {
  readonly dataFormat?: "NWC";
  readonly dilations?: number | readonly number[];
}

/**
 * `tf.nn.conv1d(input, filters, stride, padding, {dataFormat, dilations})`: input
 * [batch, width, in], filters [width, in, out]; computed as conv2d on [batch, 1, width, in].
 */
export const conv1d = api(
  function conv1d(
    input: TensorLike,
    filters: TensorLike,
    stride: number | readonly number[],
    padding: Padding1D,
    options: Conv1DOptions = {},
  ): Tensor {
    const x = toTensor(input, "conv1d");
    const w = toTensor(filters, "conv1d", x.dtype);
    checkNWC("conv1d", x, options.dataFormat);
    if (w.rank !== 3) {
      throw new InvalidArgumentError(
        `conv1d: filters must be [width, in_channels, out_channels], got ${describe(w)}`,
      );
    }
    const s = one("conv1d", "stride", stride);
    const d = one("conv1d", "dilations", options.dilations ?? 1);
    const y = conv2d(expandDims(x, 1), expandDims(w, 0), [1, s], padding, { dilations: [1, d] });
    return squeeze(y, 1);
  },
  { namespaces: ["nn"] },
);

function pool1d(fn: string, pool2d: typeof maxPool2d) {
  return (
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: Padding1D,
    dataFormat?: "NWC",
  ): Tensor => {
    const x = toTensor(input, fn);
    checkNWC(fn, x, dataFormat);
    const k = one(fn, "ksize", ksize);
    const s = one(fn, "strides", strides);
    return squeeze(pool2d(expandDims(x, 1), [1, k], [1, s], padding), 1);
  };
}

/** `tf.nn.maxPool1d(input, ksize, strides, padding)`: windows of an NWC input. */
export const maxPool1d = api(pool1d("maxPool1d", maxPool2d), { namespaces: ["nn"] });
/** `tf.nn.avgPool1d(input, ksize, strides, padding)`: window means of an NWC input. */
export const avgPool1d = api(pool1d("avgPool1d", avgPool2d), { namespaces: ["nn"] });

function poolNd(fn: string, p1: typeof maxPool1d, p2: typeof maxPool2d, p3: typeof maxPool3d) {
  return (
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: PaddingArg,
  ): Tensor => {
    const x = toTensor(input, fn);
    if (x.rank === 3) {
      if (typeof padding !== "string") {
        throw new InvalidArgumentError(`${fn}: 1-D pooling takes "SAME" or "VALID" padding`);
      }
      return p1(x, ksize, strides, padding);
    }
    if (x.rank === 4) return p2(x, ksize, strides, padding);
    if (x.rank === 5) {
      if (typeof padding !== "string") {
        throw new InvalidArgumentError(`${fn}: 3-D pooling takes "SAME" or "VALID" padding`);
      }
      return p3(x, ksize, strides, padding);
    }
    throw new InvalidArgumentError(
      `${fn}: input must be NWC (rank 3), NHWC (rank 4) or NDHWC (rank 5), got ${describe(x)}`,
    );
  };
}

/** `tf.nn.maxPool(input, ksize, strides, padding)`: maxPool1d, 2d or 3d by the input's rank. */
export const maxPool = api(poolNd("maxPool", maxPool1d, maxPool2d, maxPool3d), {
  namespaces: ["nn"],
});
/** `tf.nn.avgPool(input, ksize, strides, padding)`: avgPool1d, 2d or 3d by the input's rank. */
export const avgPool = api(poolNd("avgPool", avgPool1d, avgPool2d, avgPool3d), {
  namespaces: ["nn"],
});

/**
 * `tf.nn.batchNormalization(x, mean, variance, offset, scale, varianceEpsilon)`:
 * (x - mean) scale / sqrt(variance + epsilon) + offset, all broadcast; offset and scale may be
 * null.
 */
export const batchNormalization = api(
  function batchNormalization(
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    offset: TensorLike | null,
    scale: TensorLike | null,
    varianceEpsilon: number,
  ): Tensor {
    const t = toTensor(x, "batchNormalization");
    checkDType("batchNormalization", t, "float", "x");
    const m = toTensor(mean, "batchNormalization", t.dtype);
    const v = toTensor(variance, "batchNormalization", t.dtype);
    let inv = rsqrt(add(v, constant(varianceEpsilon, t.dtype)));
    if (scale !== null) inv = mul(inv, toTensor(scale, "batchNormalization", t.dtype));
    const shift =
      offset !== null
        ? sub(toTensor(offset, "batchNormalization", t.dtype), mul(m, inv))
        : neg(mul(m, inv));
    return add(mul(t, inv), shift);
  },
  { namespaces: ["nn"] },
);

export interface WeightedMomentsOptions {
  keepdims?: boolean;
}

/**
 * `tf.nn.weightedMoments(x, axes, frequencyWeights, {keepdims})`: `[mean, variance]` with each
 * element counted frequencyWeights times (broadcast against x); a zero total weight gives 0.
 */
export const weightedMoments = api(
  function weightedMoments(
    x: TensorLike,
    axes: Axis,
    frequencyWeights: TensorLike,
    options: WeightedMomentsOptions = {},
  ): [Tensor, Tensor] {
    const t = toTensor(x, "weightedMoments");
    checkDType("weightedMoments", t, "float", "x");
    const w = toTensor(frequencyWeights, "weightedMoments", t.dtype);
    const total = reduceSum(add(w, zerosLike(t)), axes, true);
    const divisor = reciprocalNoNan(total);
    const mean = mul(reduceSum(mul(w, t), axes, true), divisor);
    const variance = mul(
      reduceSum(mul(w, squaredDifference(t, stopGradient(mean))), axes, true),
      divisor,
    );
    if (options.keepdims === true) return [mean, variance];
    const ax = axes === null || axes === undefined ? null : axes;
    return [squeezeAxes(mean, ax), squeezeAxes(variance, ax)];
  },
  { namespaces: ["nn"] },
);

function squeezeAxes(t: Tensor, axes: number | readonly number[] | null): Tensor {
  if (axes === null) return reshape(t, []);
  return squeeze(t, typeof axes === "number" ? [axes] : axes);
}

/**
 * `tf.nn.normalizeMoments(counts, meanSs, varianceSs, shift)`: `[mean, variance]` from
 * sufficient statistics (sums of x - shift and of (x - shift)^2 over counts elements).
 */
export const normalizeMoments = api(
  function normalizeMoments(
    counts: TensorLike,
    meanSs: TensorLike,
    varianceSs: TensorLike,
    shift: TensorLike | null = null,
  ): [Tensor, Tensor] {
    const m = toTensor(meanSs, "normalizeMoments");
    checkDType("normalizeMoments", m, "float", "mean_ss");
    const divisor = reciprocalNoNan(toTensor(counts, "normalizeMoments", m.dtype));
    const shifted = mul(m, divisor);
    const mean =
      shift === null ? shifted : add(shifted, toTensor(shift, "normalizeMoments", m.dtype));
    const variance = sub(
      mul(toTensor(varianceSs, "normalizeMoments", m.dtype), divisor),
      square(shifted),
    );
    return [mean, variance];
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.localResponseNormalization(input, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5)`:
 * input / (bias + alpha sum_{|d' - d| <= r} input[..., d']^2)^beta over the last axis of a
 * rank-4 input.
 */
export const localResponseNormalization = api(
  function localResponseNormalization(
    input: TensorLike,
    depthRadius = 5,
    bias = 1,
    alpha = 1,
    beta = 0.5,
  ): Tensor {
    const x = toTensor(input, "localResponseNormalization");
    checkDType("localResponseNormalization", x, "float", "input");
    if (x.rank !== 4) {
      throw new InvalidArgumentError(
        `localResponseNormalization: input must be rank 4, got ${describe(x)}`,
      );
    }
    const r = checkInteger("localResponseNormalization", "depth_radius", depthRadius, 0);
    const c = x.shape[3];
    const sq = pad(square(x), [
      [0, 0],
      [0, 0],
      [0, 0],
      [r, r],
    ]);
    let sum = slice(sq, [0, 0, 0, 0], [-1, -1, -1, c]);
    for (let k = 1; k <= 2 * r; k++) sum = add(sum, slice(sq, [0, 0, 0, k], [-1, -1, -1, c]));
    const denom = pow(
      add(mul(sum, constant(alpha, x.dtype)), constant(bias, x.dtype)),
      constant(beta, x.dtype),
    );
    return mul(x, pow(denom, cast(-1, x.dtype)));
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.embeddingLookup(params, ids, maxNorm = null)`: the rows of params at ids (gather);
 * with maxNorm, each looked-up embedding is clipped to that L2 norm. Sharded params (a list of
 * more than one tensor) are not supported.
 */
export const embeddingLookup = api(
  function embeddingLookup(
    params: TensorLike | readonly Tensor[],
    ids: TensorLike,
    maxNorm: number | null = null,
  ): Tensor {
    let p: Tensor;
    if (
      Array.isArray(params) &&
      params.length > 0 &&
      params.every((q) => q instanceof Object && "shape" in q && "dtype" in q)
    ) {
      if (params.length !== 1) {
        throw new InvalidArgumentError(
          `embeddingLookup: sharded params (a list of ${params.length} tensors) are not supported; concat them first`,
        );
      }
      p = params[0] as Tensor;
    } else {
      p = toTensor(params as TensorLike, "embeddingLookup");
    }
    const i = toTensor(ids, "embeddingLookup", "int32");
    const g = gather(p, i);
    if (maxNorm === null) return g;
    const axes = Array.from({ length: g.rank - i.rank }, (_, k) => i.rank + k);
    return clipByNorm(g, maxNorm, axes);
  },
  { namespaces: ["nn"] },
);

function blockArgs(
  fn: string,
  input: TensorLike,
  blockSize: number,
  dataFormat?: string,
): [Tensor, number] {
  const x = toTensor(input, fn);
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new InvalidArgumentError(
      `${fn}: only data_format "NHWC" is supported, got "${dataFormat}"`,
    );
  }
  if (x.rank !== 4)
    throw new InvalidArgumentError(`${fn}: input must be NHWC (rank 4), got ${describe(x)}`);
  return [x, checkInteger(fn, "block_size", blockSize, 2)];
}

/**
 * `tf.nn.spaceToDepth(input, blockSize, dataFormat = "NHWC")`: each blockSize x blockSize
 * spatial block becomes channels: [b, h, w, c] -> [b, h/bs, w/bs, bs*bs*c], depth index
 * (row offset * bs + column offset) * c + channel, as TensorFlow orders it.
 */
export const spaceToDepth = api(
  function spaceToDepth(input: TensorLike, blockSize: number, dataFormat?: "NHWC"): Tensor {
    const [x, bs] = blockArgs("spaceToDepth", input, blockSize, dataFormat);
    const [b, h, w, c] = x.shape;
    if (h % bs !== 0 || w % bs !== 0) {
      throw new InvalidArgumentError(
        `spaceToDepth: height and width of input ${shapeMsg(x.shape)} must be divisible by block_size ${bs}`,
      );
    }
    const y = transpose(reshape(x, [b, h / bs, bs, w / bs, bs, c]), [0, 1, 3, 2, 4, 5]);
    return reshape(y, [b, h / bs, w / bs, bs * bs * c]);
  },
  { namespaces: ["nn"] },
);

/** `tf.nn.depthToSpace(input, blockSize, dataFormat = "NHWC")`: the inverse of spaceToDepth. */
export const depthToSpace = api(
  function depthToSpace(input: TensorLike, blockSize: number, dataFormat?: "NHWC"): Tensor {
    const [x, bs] = blockArgs("depthToSpace", input, blockSize, dataFormat);
    const [b, h, w, c] = x.shape;
    if (c % (bs * bs) !== 0) {
      throw new InvalidArgumentError(
        `depthToSpace: the depth of input ${shapeMsg(x.shape)} must be divisible by block_size^2 = ${bs * bs}`,
      );
    }
    const oc = c / (bs * bs);
    const y = transpose(reshape(x, [b, h, w, bs, bs, oc]), [0, 1, 3, 2, 4, 5]);
    return reshape(y, [b, h * bs, w * bs, oc]);
  },
  { namespaces: ["nn"] },
);

/** `tf.nn.crelu(features, axis = -1)`: concat([relu(x), relu(-x)], axis). */
export const crelu = api(
  function crelu(features: TensorLike, axis = -1): Tensor {
    const x = toTensor(features, "crelu");
    return concat([relu(x), relu(neg(x))], axis);
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.weightedCrossEntropyWithLogits(labels, logits, posWeight)`: sigmoid cross-entropy with
 * the positive term weighted, in TensorFlow's stable form
 * (1 - z) x + (1 + (q - 1) z) (log(1 + e^-|x|) + max(-x, 0)).
 */
export const weightedCrossEntropyWithLogits = api(
  function weightedCrossEntropyWithLogits(
    labels: TensorLike,
    logits: TensorLike,
    posWeight: TensorLike,
  ): Tensor {
    const x = toTensor(logits, "weightedCrossEntropyWithLogits");
    checkDType("weightedCrossEntropyWithLogits", x, "float", "logits");
    const z = toTensor(labels, "weightedCrossEntropyWithLogits", x.dtype);
    const q = toTensor(posWeight, "weightedCrossEntropyWithLogits", x.dtype);
    const logWeight = add(mul(sub(q, 1), z), 1);
    return add(mul(sub(1, z), x), mul(logWeight, add(log1p(exp(neg(abs(x)))), relu(neg(x)))));
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.logPoissonLoss(targets, logInput, computeFullLoss = false)`: exp(c) - z c; the full
 * loss adds Stirling's approximation z log z - z + log(2 pi z)/2 where z > 1.
 */
export const logPoissonLoss = api(
  function logPoissonLoss(
    targets: TensorLike,
    logInput: TensorLike,
    computeFullLoss = false,
  ): Tensor {
    const c = toTensor(logInput, "logPoissonLoss");
    checkDType("logPoissonLoss", c, "float", "log_input");
    const z = toTensor(targets, "logPoissonLoss", c.dtype);
    const loss = sub(exp(c), mul(c, z));
    if (!computeFullLoss) return loss;
    const small = logicalAnd(greaterEqual(z, 0), lessEqual(z, 1));
    const safeZ = where(small, 1, z);
    const stirling = add(
      sub(mul(safeZ, log(safeZ)), safeZ),
      mul(log(mul(safeZ, 2 * Math.PI)), 0.5),
    );
    return add(loss, where(small, 0, stirling));
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.computeAverageLoss(perExampleLoss, sampleWeight = null, globalBatchSize = null)`:
 * sum(loss * weight) / globalBatchSize, the batch size defaulting to the loss's first
 * dimension (one replica).
 */
export const computeAverageLoss = api(
  function computeAverageLoss(
    perExampleLoss: TensorLike,
    sampleWeight: TensorLike | null = null,
    globalBatchSize: number | null = null,
  ): Tensor {
    const l = toTensor(perExampleLoss, "computeAverageLoss");
    checkDType("computeAverageLoss", l, "float", "per_example_loss");
    const weighted =
      sampleWeight === null ? l : mul(l, toTensor(sampleWeight, "computeAverageLoss", l.dtype));
    const n = globalBatchSize ?? (l.rank === 0 ? 1 : l.shape[0]);
    return mul(reduceSum(weighted), constant(n === 0 ? 0 : 1 / n, l.dtype));
  },
  { namespaces: ["nn"] },
);
