/**
 * Fused batch normalization in training mode, TensorFlow's FusedBatchNormV3 (channels last):
 * one kernel for the statistics and the normalization, one for the whole gradient.
 *
 *   FusedBatchNormV3(x, scale, offset) -> y, batch_mean, batch_variance
 *     mean, v: per channel over every axis but the last (v the population variance)
 *     y = (x - mean) r scale + offset,  r = 1 / sqrt(v + epsilon)
 *     batch_variance = v N / max(N - 1, 1) (the sample variance, as TensorFlow returns it)
 *   FusedBatchNormGradV3(dy, x, scale, gmean, gvar) -> dx, dscale, doffset
 *     xh = (x - mean) r; dscale = sum(dy xh), doffset = sum(dy),
 *     dx = scale r (dy - E[dy] - xh E[dy xh]) + gmean / N + 2 gvar (x - mean) / max(N - 1, 1)
 *   with sums and means E over the N rows. (TensorFlow's FusedBatchNormGradV3 reads the saved
 *   statistics from reserve spaces; this one recomputes them from x, so that it is a function of
 *   its inputs alone and its own gradient below is exact.)
 *
 * The gradient of FusedBatchNormGradV3 (for higher orders) is written with public ops. With
 * cotangents a (of dx), bs (of dscale), bo (of doffset), s = scale, N1 = max(N - 1, 1):
 *   d/d(dy)    = s r (a - E[a] - xh E[a xh]) + bs xh + bo
 *   d/ds       = N r (E[a dy] - E[dy] E[a] - E[dy xh] E[a xh])
 *   d/dx       = r (q - E[q] - xh E[q xh]) - s r^2 xh (E[a dy] - E[dy] E[a] - E[dy xh] E[a xh])
 *                + 2 gvar (a - E[a]) / N1,   q = s r (-dy E[a xh] - E[dy xh] a) + bs dy
 *   d/d(gmean) = E[a],   d/d(gvar) = 2 sum(a (x - mean)) / N1
 * (q is the partial derivative in xh; r (q - E[q] - xh E[q xh]) carries it through xh's
 * dependence on x, and the -s r^2 xh term is the dependence of the leading r on x.)
 */
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import type { BatchNormParams } from "../backend/nn-fused.js";
import { api } from "./api.js";
import { reduceSum } from "./broadcast.js";
import { checkDType, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { add, mul, rsqrt, sub } from "./elementwise.js";
import { reduceMean } from "./reduce.js";

export interface FusedBatchNormAttrs {
  readonly epsilon: number;
}

function params(x: Tensor, epsilon: number): BatchNormParams {
  const channels = x.shape[x.rank - 1];
  return { rows: channels === 0 ? 0 : x.size / channels, channels, epsilon };
}

/** Checks x (rank >= 1, float, at least one row) and per-channel vectors against it. */
function checkBn(op: string, x: Tensor, perChannel: readonly [string, Tensor][]): void {
  checkDType(op, x, "float", "x");
  if (x.rank < 1)
    throw new InvalidArgumentError(`${op}: x must have rank >= 1, got ${describe(x)}`);
  const C = x.shape[x.rank - 1];
  if (C > 0 && x.size === 0) {
    throw new InvalidArgumentError(
      `${op}: x ${shapeMsg(x.shape)} has no rows to take statistics over`,
    );
  }
  for (const [name, t] of perChannel) {
    if (t.dtype !== x.dtype || t.rank !== 1 || t.shape[0] !== C) {
      throw new InvalidArgumentError(
        `${op}: ${name} must be a ${x.dtype} vector of the ${C} channels of x ${shapeMsg(x.shape)}, got ${describe(t)}`,
      );
    }
  }
}

function checkEpsilon(op: string, epsilon: number): void {
  if (typeof epsilon !== "number" || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new RangeError(`${op}: epsilon must be a finite number >= 0, got ${String(epsilon)}`);
  }
}

export const FusedBatchNormV3: OpDef<FusedBatchNormAttrs> = defineOp<FusedBatchNormAttrs>({
  name: "FusedBatchNormV3",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [{ shape: [4, 3] }, { shape: [3], range: [0.5, 1.5] }, { shape: [3] }],
        attrs: { epsilon: 0.01 },
      },
      {
        inputs: [{ shape: [2, 3, 2, 2] }, { shape: [2], range: [0.5, 1.5] }, { shape: [2] }],
        attrs: { epsilon: 0.001 },
      },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
  overwritesOutputs: true,
  infer: ([x, scale, offset], { epsilon }) => {
    checkEpsilon("FusedBatchNormV3", epsilon);
    checkBn("FusedBatchNormV3", x, [
      ["scale", scale],
      ["offset", offset],
    ]);
    const c = [x.shape[x.rank - 1]];
    return [
      { shape: x.shape, dtype: x.dtype },
      { shape: c, dtype: x.dtype },
      { shape: c, dtype: x.dtype },
    ];
  },
  kernel: (b, [x, scale, offset], [y, mean, variance], { epsilon }) =>
    b.batchNormTrain(
      b.read(x) as FloatArray,
      b.read(scale) as FloatArray,
      b.read(offset) as FloatArray,
      b.read(y) as FloatArray,
      b.read(mean) as FloatArray,
      b.read(variance) as FloatArray,
      params(x, epsilon),
    ),
  saveInputs: [0, 1],
  grad: ([gy, gmean, gvar], c): Grads =>
    runOp(FusedBatchNormGradV3, [gy, saved(c.inputs[0]), saved(c.inputs[1]), gmean, gvar], c.attrs),
});

export const FusedBatchNormGradV3: OpDef<FusedBatchNormAttrs> = defineOp<FusedBatchNormAttrs>({
  name: "FusedBatchNormGradV3",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [4, 3] },
          { shape: [4, 3] },
          { shape: [3], range: [0.5, 1.5] },
          { shape: [3] },
          { shape: [3] },
        ],
        attrs: { epsilon: 0.01 },
      },
      {
        inputs: [
          { shape: [3, 2, 2] },
          { shape: [3, 2, 2] },
          { shape: [2], range: [0.5, 1.5] },
          { shape: [2] },
          { shape: [2] },
        ],
        attrs: { epsilon: 0.001 },
      },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
  overwritesOutputs: true,
  infer: ([dy, x, scale, gmean, gvar], { epsilon }) => {
    const op = "FusedBatchNormGradV3";
    checkEpsilon(op, epsilon);
    checkBn(op, x, [
      ["scale", scale],
      ["gmean", gmean],
      ["gvar", gvar],
    ]);
    if (
      dy.dtype !== x.dtype ||
      dy.shape.length !== x.rank ||
      dy.shape.some((d, i) => d !== x.shape[i])
    ) {
      throw new InvalidArgumentError(
        `${op}: y_backprop must have x's shape ${shapeMsg(x.shape)} and dtype ${x.dtype}, got ${describe(dy)}`,
      );
    }
    const c = [x.shape[x.rank - 1]];
    return [
      { shape: x.shape, dtype: x.dtype },
      { shape: c, dtype: x.dtype },
      { shape: c, dtype: x.dtype },
    ];
  },
  kernel: (b, [dy, x, scale, gmean, gvar], [dx, dscale, doffset], { epsilon }) =>
    b.batchNormGrad(
      b.read(dy) as FloatArray,
      b.read(x) as FloatArray,
      b.read(scale) as FloatArray,
      b.read(gmean) as FloatArray,
      b.read(gvar) as FloatArray,
      b.read(dx) as FloatArray,
      b.read(dscale) as FloatArray,
      b.read(doffset) as FloatArray,
      params(x, epsilon),
    ),
  saveInputs: [0, 1, 2, 4],
  grad: ([a, bs, bo], c): Grads => {
    const dy = saved(c.inputs[0]);
    const x = saved(c.inputs[1]);
    const s = saved(c.inputs[2]);
    const gvar = saved(c.inputs[4]);
    const { epsilon } = c.attrs;
    const { rows: N } = params(x, epsilon);
    const n1 = Math.max(N - 1, 1);
    const axes = [...Array(x.rank - 1).keys()];
    // Means over the rows, kept as [C] vectors (they broadcast against [..., C]).
    const E = (t: Tensor): Tensor => reduceMean(t, axes);
    const S = (t: Tensor): Tensor => reduceSum(t, axes);
    const mean = E(x);
    const xc = sub(x, mean);
    const r = rsqrt(add(E(mul(xc, xc)), epsilon));
    const xh = mul(xc, r);
    const sr = mul(s, r);
    const Ea = E(a);
    const Eaxh = E(mul(a, xh));
    const Edy = E(dy);
    const Edyxh = E(mul(dy, xh));
    // E[a dy] - E[dy] E[a] - E[dy xh] E[a xh]
    const w = sub(sub(E(mul(a, dy)), mul(Edy, Ea)), mul(Edyxh, Eaxh));
    const gDy = add(add(mul(sr, sub(sub(a, Ea), mul(xh, Eaxh))), mul(bs, xh)), bo);
    const gS = mul(mul(r, w), N);
    const q = add(mul(sr, sub(mul(mul(dy, Eaxh), -1), mul(Edyxh, a))), mul(bs, dy));
    const gX = add(
      sub(mul(r, sub(sub(q, E(q)), mul(xh, E(mul(q, xh))))), mul(mul(mul(sr, r), xh), w)),
      mul(mul(gvar, 2 / n1), sub(a, Ea)),
    );
    const gGm = Ea;
    const gGv = mul(S(mul(a, xc)), 2 / n1);
    return [gDy, gX, gS, gGm, gGv];
  },
});

export interface FusedBatchNormOptions {
  /** Added to the variance before its square root; default 0.001 (TensorFlow's). */
  epsilon?: number;
  /** Only "NHWC" (channels last). */
  dataFormat?: "NHWC" | "NDHWC" | "NC";
  /** Training mode (default true): normalize by the batch's statistics and return them. */
  isTraining?: boolean;
}

/**
 * `tf.nn.fusedBatchNorm(x, scale, offset, mean, variance, {epsilon, dataFormat, isTraining})`
 * (TensorFlow's tf.compat.v1.nn.fused_batch_norm), channels last: `[y, batchMean,
 * batchVariance]`. In training (the default) mean and variance must be null; y is normalized
 * by the batch's mean and population variance over every axis but the last, and the returned
 * variance is the sample variance (divided by N - 1), as TensorFlow returns it. In inference,
 * y = (x - mean) / sqrt(variance + epsilon) scale + offset and mean, variance come back as given.
 */
export const fusedBatchNorm = api(
  function fusedBatchNorm(
    x: TensorLike,
    scale: TensorLike,
    offset: TensorLike,
    mean: TensorLike | null = null,
    variance: TensorLike | null = null,
    options: FusedBatchNormOptions = {},
  ): [Tensor, Tensor, Tensor] {
    const op = "fusedBatchNorm";
    const t = toTensor(x, op);
    const s = toTensor(scale, op, t.dtype);
    const o = toTensor(offset, op, t.dtype);
    const epsilon = options.epsilon ?? 0.001;
    const fmt = options.dataFormat ?? "NHWC";
    if (fmt !== "NHWC" && fmt !== "NDHWC" && fmt !== "NC") {
      throw new InvalidArgumentError(
        `${op}: only channels-last data formats are supported, got dataFormat '${String(fmt)}'`,
      );
    }
    if (options.isTraining ?? true) {
      if (mean !== null || variance !== null) {
        throw new InvalidArgumentError(
          `${op}: in training mode the mean and variance come from the batch: pass null for both`,
        );
      }
      const [y, m, v] = runOp(FusedBatchNormV3, [t, s, o], { epsilon });
      return [y, m, v];
    }
    if (mean === null || variance === null) {
      throw new InvalidArgumentError(`${op}: inference (isTraining false) needs mean and variance`);
    }
    checkEpsilon(op, epsilon);
    const m = toTensor(mean, op, t.dtype);
    const v = toTensor(variance, op, t.dtype);
    checkBn(op, t, [
      ["scale", s],
      ["offset", o],
      ["mean", m],
      ["variance", v],
    ]);
    // One multiply and one add over x: a = scale / sqrt(variance + epsilon), b = offset - mean a.
    const k = mul(s, rsqrt(add(v, epsilon)));
    return [add(mul(t, k), sub(o, mul(m, k))), m, v];
  },
  { namespaces: ["nn"] },
);
