/**
 * The `tf.math` reductions and helpers TensorFlow builds from other ops: countNonzero,
 * reduceEuclideanNorm, cumulativeLogsumexp, bincount, confusionMatrix, inTopK, zeroFraction,
 * addN, accumulateN, invertPermutation, l2Normalize and polyval. Each is a composite of
 * registry ops, so its gradient (where it has one) follows from theirs.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import { constant, onesLike, range, zerosLike } from "./creation.js";
import {
  add,
  cast,
  equal,
  greater,
  less,
  lessEqual,
  logicalAnd,
  multiply as mul,
  notEqual,
  square,
  where,
} from "./elementwise/basic.js";
import { isFinite, maximum, minimum, rsqrt, sqrt } from "./elementwise/math.js";
import { scatterNd, unsortedSegmentSum } from "./movement-gather.js";
import { transpose } from "./movement-core.js";
import { reduceLogSumExp, reduceMax, reduceMean, type Axis } from "./reduce.js";

/**
 * `tf.math.countNonzero(input, axis?, keepdims?, dtype = "int32")`: the number of nonzero
 * elements (true ones for bool) over the axes. TensorFlow's default dtype is int64, which
 * tapeflow does not have: int32 here.
 */
export const countNonzero = api(
  function countNonzero(
    input: TensorLike,
    axis: Axis = null,
    keepdims = false,
    dtype: DType = "int32",
  ): Tensor {
    const t = toTensor(input, "countNonzero");
    if (t.dtype === "string") {
      throw new TypeError(`countNonzero: input must be numeric or bool, got ${describe(t)}`);
    }
    const nz = t.dtype === "bool" ? t : notEqual(t, cast(0, t.dtype));
    return cast(reduceSum(cast(nz, "int32"), axis, keepdims), dtype);
  },
  { methods: ["countNonzero"], namespaces: ["math"] },
);

/**
 * `tf.math.reduceEuclideanNorm(x, axis?, keepdims?)`: sqrt(sum x^2) over the axes. Float input;
 * the gradient x / norm is NaN where the norm is 0, as TensorFlow's is.
 */
export const reduceEuclideanNorm = api(
  function reduceEuclideanNorm(x: TensorLike, axis: Axis = null, keepdims = false): Tensor {
    const t = toTensor(x, "reduceEuclideanNorm");
    checkDType("reduceEuclideanNorm", t, "float", "x");
    return sqrt(reduceSum(square(t), axis, keepdims));
  },
  { methods: ["reduceEuclideanNorm"], namespaces: ["math"] },
);

/**
 * `tf.math.cumulativeLogsumexp(x, axis = 0, exclusive = false, reverse = false)`:
 * log(cumsum(exp(x))) without overflow or underflow. Each output is a masked reduceLogSumExp
 * over the entries it accumulates (an n x n mask along the axis: O(n^2) work, exact for any
 * spread of values); the exclusive form starts at -Infinity, as TensorFlow's does.
 */
export const cumulativeLogsumexp = api(
  function cumulativeLogsumexp(
    x: TensorLike,
    axis = 0,
    exclusive = false,
    reverse = false,
  ): Tensor {
    const t = toTensor(x, "cumulativeLogsumexp");
    checkDType("cumulativeLogsumexp", t, "float", "x");
    if (t.rank === 0) {
      throw new InvalidArgumentError(
        `cumulativeLogsumexp: x must have rank >= 1, got ${describe(t)}`,
      );
    }
    const ax = normalizeAxis("CumulativeLogsumexp", axis, t.rank, t);
    const perm = [...Array.from({ length: t.rank }, (_, i) => i).filter((i) => i !== ax), ax];
    const inv = perm.map((_, i) => perm.indexOf(i));
    const moved = transpose(t, perm); // [..., n]
    const n = t.shape[ax];
    // mask[j, i]: entry i enters output j
    const j = reshape(range(0, n, 1, "int32"), [n, 1]);
    const i = reshape(range(0, n, 1, "int32"), [1, n]);
    const mask = reverse
      ? exclusive
        ? greater(i, j)
        : lessEqual(j, i)
      : exclusive
        ? less(i, j)
        : lessEqual(i, j);
    const rows = reshape(moved, [...moved.shape.slice(0, -1), 1, n]);
    const out = reduceLogSumExp(where(mask, rows, -Infinity), -1);
    return transpose(out, inv);
  },
  { methods: ["cumulativeLogsumexp"], namespaces: ["math"] },
);

/** Reads a small int32 tensor's values (counts, class ids) for a shape decision. */
function intValues(t: Tensor): Int32Array {
  return t.dataSync() as Int32Array;
}

export interface BincountOptions {
  /** Each count is 1 where the value occurs at all (weights are then not allowed). */
  binaryOutput?: boolean;
}

/**
 * `tf.math.bincount(arr, weights?, minlength?, maxlength?, dtype = "int32", {binaryOutput})`:
 * out[v] = the number of times v occurs in arr (or the sum of the weights at those places);
 * the length is max(arr) + 1, at least minlength and at most maxlength (values past it are
 * dropped). Negative values are an error. Differentiable in the weights.
 */
export const bincount = api(
  function bincount(
    arr: TensorLike,
    weights: TensorLike | null = null,
    minlength: number | null = null,
    maxlength: number | null = null,
    dtype: DType = "int32",
    options: BincountOptions = {},
  ): Tensor {
    const a = toTensor(arr, "bincount", "int32");
    if (a.dtype !== "int32") throw new TypeError(`bincount: arr must be int32, got ${describe(a)}`);
    const v = intValues(a);
    let max = -1;
    for (let k = 0; k < v.length; k++) {
      if (v[k] < 0) {
        throw new InvalidArgumentError(
          `bincount: arr must be non-negative, got arr[${k}] = ${v[k]} (arr ${shapeMsg(a.shape)})`,
        );
      }
      if (v[k] > max) max = v[k];
    }
    let size = max + 1;
    if (minlength !== null)
      size = Math.max(size, checkInteger("bincount", "minlength", minlength, 0));
    if (maxlength !== null)
      size = Math.min(size, checkInteger("bincount", "maxlength", maxlength, 0));
    const ids = reshape(where(less(a, size), a, -1), [-1]);
    if (weights !== null && options.binaryOutput === true) {
      throw new InvalidArgumentError("bincount: weights and binaryOutput cannot both be given");
    }
    if (weights === null) {
      const counts = unsortedSegmentSum(onesLike(ids, "int32"), ids, size);
      return cast(options.binaryOutput === true ? minimum(counts, 1) : counts, dtype);
    }
    const w = toTensor(weights, "bincount");
    if (!shapesEqual(w.shape, a.shape)) {
      throw new InvalidArgumentError(
        `bincount: weights ${describe(w)} must have the shape of arr ${shapeMsg(a.shape)}`,
      );
    }
    return unsortedSegmentSum(reshape(w, [-1]), ids, size);
  },
  { methods: ["bincount"], namespaces: ["math"] },
);

/**
 * `tf.math.confusionMatrix(labels, predictions, numClasses?, weights?, dtype = "int32")`:
 * out[l, p] = how many times label l was predicted as p (or the summed weights). numClasses
 * defaults to max(labels, predictions) + 1; labels or predictions outside [0, numClasses) are
 * an error.
 */
export const confusionMatrix = api(
  function confusionMatrix(
    labels: TensorLike,
    predictions: TensorLike,
    numClasses: number | null = null,
    weights: TensorLike | null = null,
    dtype: DType = "int32",
  ): Tensor {
    const l = toTensor(labels, "confusionMatrix", "int32");
    const p = toTensor(predictions, "confusionMatrix", "int32");
    for (const [what, t] of [
      ["labels", l],
      ["predictions", p],
    ] as const) {
      if (t.dtype !== "int32" || t.rank !== 1) {
        throw new TypeError(
          `confusionMatrix: ${what} must be a 1-D int32 tensor, got ${describe(t)}`,
        );
      }
    }
    if (l.shape[0] !== p.shape[0]) {
      throw new InvalidArgumentError(
        `confusionMatrix: labels ${shapeMsg(l.shape)} and predictions ${shapeMsg(p.shape)} must have the same length`,
      );
    }
    const lv = intValues(l);
    const pv = intValues(p);
    let max = -1;
    for (let k = 0; k < lv.length; k++) max = Math.max(max, lv[k], pv[k]);
    const n =
      numClasses === null ? max + 1 : checkInteger("confusionMatrix", "numClasses", numClasses, 1);
    for (let k = 0; k < lv.length; k++) {
      for (const [what, v] of [
        ["labels", lv[k]],
        ["predictions", pv[k]],
      ] as const) {
        if (v < 0 || v >= n) {
          throw new InvalidArgumentError(
            `confusionMatrix: ${what}[${k}] = ${v} is out of range [0, ${n})`,
          );
        }
      }
    }
    const ids = add(mul(l, n), p);
    const w =
      weights === null
        ? cast(onesLike(l), dtype)
        : cast(toTensor(weights, "confusionMatrix"), dtype);
    if (!shapesEqual(w.shape, l.shape)) {
      throw new InvalidArgumentError(
        `confusionMatrix: weights ${describe(w)} must have the shape of labels ${shapeMsg(l.shape)}`,
      );
    }
    return reshape(unsortedSegmentSum(w, ids, n * n), [n, n]);
  },
  { namespaces: ["math"] },
);

/**
 * `tf.math.inTopK(targets, predictions, k)`: for each row of predictions [batch, classes],
 * whether the target class is among the k largest. As in TensorFlow, ties at the boundary all
 * count as in the top k, and a non-finite target prediction is never in it.
 */
export const inTopK = api(
  function inTopK(targets: TensorLike, predictions: TensorLike, k: number): Tensor {
    const t = toTensor(targets, "inTopK", "int32");
    const p = toTensor(predictions, "inTopK");
    checkDType("inTopK", p, "float", "predictions");
    if (t.dtype !== "int32" || t.rank !== 1 || p.rank !== 2 || p.shape[0] !== t.shape[0]) {
      throw new InvalidArgumentError(
        `inTopK: predictions must be [batch, classes] and targets int32 [batch], got predictions ${describe(p)} and targets ${describe(t)}`,
      );
    }
    const kk = checkInteger("inTopK", "k", k, 0);
    const classes = p.shape[1];
    const tv = intValues(t);
    for (let b = 0; b < tv.length; b++) {
      if (tv[b] < 0 || tv[b] >= classes) {
        throw new InvalidArgumentError(
          `inTopK: targets[${b}] = ${tv[b]} is out of range [0, ${classes})`,
        );
      }
    }
    const isTarget = equal(
      reshape(range(0, classes, 1, "int32"), [1, classes]),
      reshape(t, [-1, 1]),
    );
    const pt = reduceMax(where(isTarget, p, -Infinity), -1, true);
    const above = reduceSum(cast(greater(p, pt), "int32"), -1);
    return logicalAnd(less(above, kk), reshape(isFinite(pt), [-1]));
  },
  { namespaces: ["math"] },
);

/** `tf.math.zeroFraction(value)`: the fraction of elements equal to 0, as a float32 scalar. */
export const zeroFraction = api(
  function zeroFraction(value: TensorLike): Tensor {
    const t = toTensor(value, "zeroFraction");
    if (t.dtype === "string") throw new TypeError(`zeroFraction: got ${describe(t)}`);
    const zero = t.dtype === "bool" ? equal(t, constant(false)) : equal(t, cast(0, t.dtype));
    return reduceMean(cast(zero, "float32"));
  },
  { methods: ["zeroFraction"], namespaces: ["math"] },
);

/** The shared checks of addN and accumulateN: a non-empty list of tensors of one shape and dtype. */
function sameShapeList(fn: string, inputs: readonly TensorLike[]): Tensor[] {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new InvalidArgumentError(`${fn}: inputs must be a non-empty list of tensors`);
  }
  const ts = inputs.map((x) => toTensor(x, fn));
  for (const t of ts) {
    if (t.dtype !== ts[0].dtype || !shapesEqual(t.shape, ts[0].shape)) {
      throw new InvalidArgumentError(
        `${fn}: inputs must all have the same shape and dtype, got ${ts.map(describe).join(", ")}`,
      );
    }
  }
  return ts;
}

/** `tf.math.addN(inputs)`: the elementwise sum of a list of same-shape tensors (no broadcasting). */
export const addN = api(
  function addN(inputs: readonly TensorLike[]): Tensor {
    const ts = sameShapeList("addN", inputs);
    return ts.slice(1).reduce((s, t) => add(s, t), ts[0]);
  },
  { namespaces: ["math"] },
);

/**
 * `tf.math.accumulateN(inputs, shape?, tensorDtype?)`: the same sum as addN (TensorFlow's
 * version differs only in memory use); shape and tensorDtype, when given, must match.
 */
export const accumulateN = api(
  function accumulateN(
    inputs: readonly TensorLike[],
    shape: readonly number[] | null = null,
    tensorDtype: DType | null = null,
  ): Tensor {
    const ts = sameShapeList("accumulateN", inputs);
    if (shape !== null && !shapesEqual(shape, ts[0].shape)) {
      throw new InvalidArgumentError(
        `accumulateN: shape ${shapeMsg(shape)} does not match the inputs' ${shapeMsg(ts[0].shape)}`,
      );
    }
    if (tensorDtype !== null && tensorDtype !== ts[0].dtype) {
      throw new TypeError(
        `accumulateN: tensorDtype ${tensorDtype} does not match the inputs' ${ts[0].dtype}`,
      );
    }
    return addN(ts);
  },
  { namespaces: ["math"] },
);

/** `tf.math.invertPermutation(x)`: y with y[x[i]] = i, for a permutation x of 0..n-1 (int32). */
export const invertPermutation = api(
  function invertPermutation(x: TensorLike): Tensor {
    const t = toTensor(x, "invertPermutation", "int32");
    if (t.dtype !== "int32" || t.rank !== 1) {
      throw new TypeError(`invertPermutation: x must be a 1-D int32 tensor, got ${describe(t)}`);
    }
    const v = intValues(t);
    const seen = new Uint8Array(v.length);
    for (let k = 0; k < v.length; k++) {
      if (v[k] < 0 || v[k] >= v.length || seen[v[k]] === 1) {
        throw new InvalidArgumentError(
          `invertPermutation: x is not a permutation of 0..${v.length - 1}: x[${k}] = ${v[k]}`,
        );
      }
      seen[v[k]] = 1;
    }
    return scatterNd(reshape(t, [-1, 1]), range(0, v.length, 1, "int32"), [v.length]);
  },
  { methods: ["invertPermutation"], namespaces: ["math"] },
);

/**
 * `tf.math.l2Normalize(x, axis?, epsilon = 1e-12)` (also `tf.nn.l2Normalize`):
 * x / sqrt(max(sum x^2, epsilon)) over the axes (all of them by default).
 */
export const l2Normalize = api(
  function l2Normalize(x: TensorLike, axis: Axis = null, epsilon = 1e-12): Tensor {
    const t = toTensor(x, "l2Normalize");
    checkDType("l2Normalize", t, "float", "x");
    const sq = reduceSum(square(t), axis, true);
    return mul(t, rsqrt(maximum(sq, constant(epsilon, t.dtype))));
  },
  { methods: ["l2Normalize"], namespaces: ["math", "nn"] },
);

/**
 * `tf.math.polyval(coeffs, x)`: coeffs[0] x^(n-1) + ... + coeffs[n-1] by Horner's rule; an
 * empty list gives zeros like x.
 */
export const polyval = api(
  function polyval(coeffs: readonly TensorLike[], x: TensorLike): Tensor {
    const t = toTensor(x, "polyval");
    if (!Array.isArray(coeffs)) {
      throw new TypeError(
        `polyval: coeffs must be a list of tensors or numbers, got ${typeof coeffs}`,
      );
    }
    if (coeffs.length === 0) return zerosLike(t);
    let p = toTensor(coeffs[0], "polyval", t.dtype);
    for (let k = 1; k < coeffs.length; k++) {
      p = add(mul(p, t), toTensor(coeffs[k], "polyval", t.dtype));
    }
    return p;
  },
  { namespaces: ["math"] },
);
