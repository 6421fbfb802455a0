/**
 * Reductions: Mean, Max, Min, Prod, All, Any (each over any set of axes, with keepdims), the
 * arg-reductions ArgMax and ArgMin, and the composites reduceLogSumExp, reduceVariance and
 * reduceStd. Sum lives in broadcast.ts (every broadcasting gradient needs it); the scans and
 * TopKV2 live in reduce-scan.ts. Gradients are written with public ops, so nested tapes record
 * them and higher derivatives come for free.
 */
import type { ArgReduceFn, ReduceFn } from "../backend/reduce.js";
import { defineOp, type GradFn, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { type DType, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxes, normalizeAxis, shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import {
  broadcastTo,
  type ReduceAttrs,
  reducedShape,
  reduceSum,
  reshape,
  Sum,
} from "./broadcast.js";
import {
  checkDType,
  describe,
  type DTypeClass,
  toTensor,
  type TensorLike,
  saved,
} from "./checks.js";
import {
  add,
  cast,
  div,
  equal,
  exp,
  isFinite,
  log,
  mul,
  sqrt,
  square,
  sub,
  where,
} from "./elementwise.js";
import { stopGradient } from "./movement.js";
import { cumprod, splitAtAxis } from "./reduce-scan.js";
import { api } from "./api.js";

export { reduceSum } from "./broadcast.js";
export type { ReduceAttrs } from "./broadcast.js";

/** Axes may be one number, a list, or null/undefined for all of them. */
export type Axis = number | readonly number[] | null | undefined;

/** The attrs of a reduction entry come from normalizeAxes; checked again for direct callers. */
function checkAxesAttr(op: string, x: Tensor, axes: readonly number[]): void {
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i];
    if (!Number.isInteger(a) || a < 0 || a >= x.rank || (i > 0 && a <= axes[i - 1])) {
      throw new InvalidArgumentError(
        `${op}: reduction axes must be sorted, distinct and in [0, ${x.rank}), got [${axes.join(", ")}] for input ${describe(x)}`,
      );
    }
  }
}

interface ReductionSpec {
  dtypes: DTypeClass;
  grad: GradFn<ReduceAttrs> | "none";
  saveInputs?: readonly number[];
  saveOutputs?: readonly number[];
  /** Where the gradient check draws x (default [-1, 1]). */
  domain?: readonly [number, number];
}

function reductionOp(name: Exclude<ReduceFn, "Sum">, spec: ReductionSpec): OpDef<ReduceAttrs> {
  return defineOp<ReduceAttrs>({
    name,
    kind: "reduction",
    check:
      spec.grad === "none"
        ? undefined
        : {
            cases: [
              {
                inputs: [{ shape: [2, 3], range: spec.domain }],
                attrs: { axes: [1], keepdims: false },
              },
              {
                inputs: [{ shape: [2, 3], range: spec.domain }],
                attrs: { axes: [0, 1], keepdims: true },
              },
            ],
          },
    infer: ([x], { axes, keepdims }) => {
      checkDType(name, x, spec.dtypes);
      checkAxesAttr(name, x, axes);
      return [{ shape: reducedShape(x.shape, axes, keepdims), dtype: x.dtype }];
    },
    kernel: (b, [x], [y], { axes }) =>
      b.reduce(name, b.read(x) as NumArray, x.shape, axes, b.read(y) as NumArray),
    grad: spec.grad,
    saveInputs: spec.saveInputs,
    saveOutputs: spec.saveOutputs,
  });
}

/** A reduction's output or cotangent in keepdims form, so that it broadcasts against the input. */
function kept(t: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return reshape(t, reducedShape(shape, axes, true));
}

// mean = sum / count: Sum's gradient (dy broadcast back) divided by the count.
export const Mean = reductionOp("Mean", {
  dtypes: "numeric",
  grad: ([dy], { inputShapes, attrs }) => {
    const shape = inputShapes[0];
    let count = 1;
    for (const a of attrs.axes) count *= shape[a];
    return [broadcastTo(kept(div(dy, count), shape, attrs.axes), shape)];
  },
});

/**
 * TensorFlow's rule for Max and Min: dy goes to the positions equal to the extremum, split
 * equally among ties: dx = [x == y] / (number of ties) * dy. A NaN extremum equals nothing and
 * gives NaN (0/0), as in TensorFlow.
 */
const extremumGrad: GradFn<ReduceAttrs> = ([dy], { inputs, outputs, attrs }) => {
  const x = saved(inputs[0]);
  const y = kept(saved(outputs[0]), x.shape, attrs.axes);
  const indicators = cast(equal(x, y), x.dtype);
  const ties = runOp1(Sum, [indicators], { axes: attrs.axes, keepdims: true });
  return [mul(div(indicators, ties), kept(dy, x.shape, attrs.axes))];
};

export const Max = reductionOp("Max", {
  dtypes: "numeric",
  grad: extremumGrad,
  saveInputs: [0],
  saveOutputs: [0],
});
export const Min = reductionOp("Min", {
  dtypes: "numeric",
  grad: extremumGrad,
  saveInputs: [0],
  saveOutputs: [0],
});

/**
 * d prod(x) / dx_i = product of the other elements of x_i's group. Dividing y by x_i fails at
 * zeros; instead, as TensorFlow does, the product of the others along one axis is the exclusive
 * cumprod from the left times the one from the right. For several axes, reduce them one at a
 * time: the others of x_i are its others along the first axis times the others of its partial
 * product along the next, and so on. Exact for any number of zeros.
 */
export const Prod = reductionOp("Prod", {
  domain: [0.5, 1.5],
  dtypes: "numeric",
  saveInputs: [0],
  grad: ([dy], { inputs, attrs }) => {
    const x = saved(inputs[0]);
    let others: Tensor | null = null;
    let partial = x;
    for (const a of attrs.axes) {
      const along = mul(cumprod(partial, a, true, false), cumprod(partial, a, true, true));
      others = others === null ? along : mul(others, along);
      partial = reduceProd(partial, a, true);
    }
    const g = kept(dy, x.shape, attrs.axes);
    return [others === null ? broadcastTo(g, x.shape) : mul(others, g)];
  },
});

export const All = reductionOp("All", { dtypes: "bool", grad: "none" });
export const Any = reductionOp("Any", { dtypes: "bool", grad: "none" });

// --- ArgMax, ArgMin ---------------------------------------------------------------------------

export interface ArgReduceAttrs {
  /** Non-negative, < rank. */
  readonly axis: number;
  readonly outputType: "int32";
}

const ARG_DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

function argOp(name: ArgReduceFn): OpDef<ArgReduceAttrs> {
  return defineOp<ArgReduceAttrs>({
    name,
    kind: "reduction",
    infer: ([x], { axis, outputType }) => {
      if (!ARG_DTYPES.includes(x.dtype)) {
        throw new TypeError(
          `${name}: input must be float32, float64, int32 or bool, got ${x.dtype} with shape ${shapeMsg(x.shape)}`,
        );
      }
      if (outputType !== "int32") {
        throw new TypeError(
          `${name}: outputType must be int32 (tapeflow has no int64), got ${String(outputType)}`,
        );
      }
      if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
        throw new InvalidArgumentError(
          `${name}: Expected dimension in the range [${-x.rank}, ${x.rank}), but got ${axis} (input ${describe(x)})`,
        );
      }
      if (x.shape[axis] === 0) {
        throw new InvalidArgumentError(
          `${name}: Reduction axis ${axis} is empty in shape ${describe(x)}`,
        );
      }
      return [{ shape: reducedShape(x.shape, [axis], false), dtype: "int32" }];
    },
    kernel: (b, [x], [y], { axis }) => {
      const { outer, n, inner } = splitAtAxis(x.shape, axis);
      b.argReduce(name, b.read(x) as NumArray, outer, n, inner, b.read(y) as Int32Array);
    },
    // An index is piecewise constant in x: TensorFlow registers ArgMax as not differentiable.
    grad: "none",
  });
}

export const ArgMax = argOp("ArgMax");
export const ArgMin = argOp("ArgMin");

/** TensorFlow's keyword argument of argmax and argmin. */
export interface ArgOptions {
  outputType?: "int32";
}

function argReduce(
  op: OpDef<ArgReduceAttrs>,
  pub: string,
  x: TensorLike,
  axis: number | null | undefined,
  outputType: "int32" | ArgOptions | undefined,
): Tensor {
  const t = toTensor(x, pub);
  const ot =
    (typeof outputType === "object" && outputType !== null ? outputType.outputType : outputType) ??
    "int32";
  if (typeof axis !== "number" && axis !== null && axis !== undefined) {
    throw new TypeError(`${op.name}: axis must be an integer, got ${String(axis)}`);
  }
  // axis null means 0, as in TensorFlow 2.
  const a = axis ?? 0;
  const ax = t.rank === 0 ? a : normalizeAxis(op.name, a, t.rank, t);
  return runOp1(op, [t], { axis: ax, outputType: ot });
}

/**
 * `tf.argmax(x, axis=0, outputType="int32")`: the index of the largest value along `axis`.
 * Ties give the lowest index; a NaN counts as the largest (the first NaN wins), so argmax
 * agrees with reduceMax, which propagates NaN. Not differentiable.
 */
export const argmax = api(
  function argmax(
    x: TensorLike,
    axis: number | null = 0,
    outputType?: "int32" | ArgOptions,
  ): Tensor {
    return argReduce(ArgMax, "argmax", x, axis, outputType);
  },
  { methods: ["argmax"], namespaces: ["math"] },
);

/** `tf.argmin(x, axis=0, outputType="int32")`: the index of the smallest value along `axis`. */
export const argmin = api(
  function argmin(
    x: TensorLike,
    axis: number | null = 0,
    outputType?: "int32" | ArgOptions,
  ): Tensor {
    return argReduce(ArgMin, "argmin", x, axis, outputType);
  },
  { methods: ["argmin"], namespaces: ["math"] },
);

// --- public reductions ------------------------------------------------------------------------

function reduction(
  op: OpDef<ReduceAttrs>,
  pub: string,
): (x: TensorLike, axis?: Axis, keepdims?: boolean) => Tensor {
  return (x, axis, keepdims = false) => {
    const t = toTensor(x, pub);
    if (typeof keepdims !== "boolean")
      throw new TypeError(`${op.name}: keepdims must be a boolean, got ${String(keepdims)}`);
    return runOp1(op, [t], { axes: normalizeAxes(op.name, axis, t.rank, t), keepdims });
  };
}

/** `tf.reduceMean(x, axis?, keepdims?)`: the mean; NaN over nothing; int32 truncates. */
export const reduceMean = api(reduction(Mean, "reduceMean"), {
  methods: ["reduceMean", "mean"],
  namespaces: ["math"],
});
/** `tf.reduceMax(x, axis?, keepdims?)`: NaN propagates; -Infinity over nothing. */
export const reduceMax = api(reduction(Max, "reduceMax"), {
  methods: ["reduceMax", "max"],
  namespaces: ["math"],
});
/** `tf.reduceMin(x, axis?, keepdims?)`: NaN propagates; +Infinity over nothing. */
export const reduceMin = api(reduction(Min, "reduceMin"), {
  methods: ["reduceMin", "min"],
  namespaces: ["math"],
});
/** `tf.reduceProd(x, axis?, keepdims?)`: 1 over nothing. */
export const reduceProd = api(reduction(Prod, "reduceProd"), {
  methods: ["reduceProd", "prod"],
  namespaces: ["math"],
});
/** `tf.reduceAll(x, axis?, keepdims?)`: logical and of a bool tensor; true over nothing. */
export const reduceAll = api(reduction(All, "reduceAll"), {
  methods: ["reduceAll", "all"],
  namespaces: ["math"],
});
/** `tf.reduceAny(x, axis?, keepdims?)`: logical or of a bool tensor; false over nothing. */
export const reduceAny = api(reduction(Any, "reduceAny"), {
  methods: ["reduceAny", "any"],
  namespaces: ["math"],
});

/**
 * `tf.reduceLogSumExp(x, axis?, keepdims?)` = log(sum(exp(x))), computed as
 * m + log(sum(exp(x - m))) with m the max over the axes (0 where it is not finite, so that
 * all -inf or +inf groups give -inf or +inf rather than NaN), as TensorFlow does. The result does
 * not depend on m, so m is held constant for the tape; the gradient is softmax(x) * dy.
 */
export const reduceLogSumExp = api(
  function reduceLogSumExp(x: TensorLike, axis?: Axis, keepdims = false): Tensor {
    const t = toTensor(x, "reduceLogSumExp");
    checkDType("reduceLogSumExp", t, "float");
    const axes = normalizeAxes("reduceLogSumExp", axis, t.rank, t);
    const rawMax = runOp1(Max, [t], { axes, keepdims: true });
    const m = stopGradient(where(isFinite(rawMax), rawMax, 0));
    const lse = log(reduceSum(exp(sub(t, m)), axes, keepdims));
    return add(lse, keepdims ? m : reshape(m, lse.shape));
  },
  { methods: ["reduceLogSumExp", "reduceLogsumexp", "logSumExp"], namespaces: ["math"] },
);
/** TensorFlow's Python spelling, `reduce_logsumexp`. */
export const reduceLogsumexp = reduceLogSumExp;

/**
 * `tf.math.reduceVariance(x, axis?, keepdims?)` = mean((x - mean(x))^2), the population
 * variance (divided by the count). Floating dtypes only, as in TensorFlow.
 */
export const reduceVariance = api(
  function reduceVariance(x: TensorLike, axis?: Axis, keepdims = false): Tensor {
    const t = toTensor(x, "reduceVariance");
    checkDType("reduceVariance", t, "float");
    const axes = normalizeAxes("reduceVariance", axis, t.rank, t);
    const m = runOp1(Mean, [t], { axes, keepdims: true });
    return runOp1(Mean, [square(sub(t, m))], { axes, keepdims });
  },
  { methods: ["reduceVariance", "variance"], namespaces: ["math"] },
);

/** `tf.math.reduceStd(x, axis?, keepdims?)` = sqrt(reduceVariance(x)). */
export const reduceStd = api(
  function reduceStd(x: TensorLike, axis?: Axis, keepdims = false): Tensor {
    const t = toTensor(x, "reduceStd");
    checkDType("reduceStd", t, "float");
    return sqrt(reduceVariance(t, axis, keepdims));
  },
  { methods: ["reduceStd", "std"], namespaces: ["math"] },
);
