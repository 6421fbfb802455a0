/**
 * Layer normalization over the last axis as two fused ops (tapeflow-internal, used by
 * tf.keras.layers.LayerNormalization): one pass per row forward, one backward, instead of a
 * dozen elementwise ops and reductions.
 *
 *   LayerNorm(x, gamma, beta) -> (y, mean, rstd)
 *     mean = sum(x)/n, rstd = 1/sqrt(sum((x - mean)^2)/n + epsilon), y = (x - mean) rstd gamma + beta
 *     (mean and rstd keep the reduced axis, [..., 1]; the gradient reads them)
 *   LayerNormGrad(x, gamma, mean, rstd, dy, dmean, drstd) -> (dx, dgamma, dbeta)
 *     with xh = (x - mean) rstd, g = dy gamma, A = sum(g)/n, B = sum(g xh)/n:
 *     dx = rstd (g - A - xh B) + dmean/n - drstd rstd^2 xh/n,
 *     dgamma = sum_rows dy xh, dbeta = sum_rows dy
 *     (dmean, drstd: the cotangents of LayerNorm's statistics outputs, zeros in normal use).
 *
 * LayerNormGrad's own gradient (for higher orders) is written with public ops; mean and rstd
 * are its inputs there, independent of x (the tape chains them back through LayerNorm). With
 * upstream Gx, Gg, Gb, P = rstd Gx, S = sum(P), T = sum(P xh), U = sum(Gx xh) (row sums, kept):
 *   Q = P - S/n - xh T/n                      (the cotangent of g)
 *   H = -B P - g T/n + Gg dy - drstd rstd^2 Gx/n   (of xh)
 *   d x = H rstd,   d mean = -sum(H) rstd,
 *   d rstd = sum(Gx (g - A - xh B)) + sum(H (x - mean)) - 2 rstd drstd U/n,
 *   d dy = Q gamma + Gg xh + Gb,   d gamma = sum_rows(Q dy),
 *   d dmean = sum(Gx)/n,   d drstd = -rstd^2 U/n.
 */
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, saved } from "./checks.js";
import { add, mul, neg, square, sub } from "./elementwise.js";

export interface LayerNormAttrs {
  readonly epsilon: number;
}

const NO_ATTRS_LN = {} as const;

function lastAxis(name: string, x: Tensor): { rows: number; n: number; stat: number[] } {
  if (x.rank < 1) {
    throw new InvalidArgumentError(`${name}: x must have rank >= 1, got ${shapeMsg(x.shape)}`);
  }
  const n = x.shape[x.rank - 1];
  return { rows: n === 0 ? 0 : x.size / n, n, stat: [...x.shape.slice(0, -1), 1] };
}

function expect(name: string, x: Tensor, t: Tensor, what: string, shape: readonly number[]): void {
  if (t.dtype !== x.dtype || !shapesEqual(t.shape, shape)) {
    throw new InvalidArgumentError(
      `${name}: ${what} must have shape ${shapeMsg(shape)} and dtype ${x.dtype}, got ${shapeMsg(t.shape)} and ${t.dtype} (x ${shapeMsg(x.shape)})`,
    );
  }
}

export const LayerNorm: OpDef<LayerNormAttrs> = defineOp<LayerNormAttrs>({
  name: "LayerNorm",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [3, 5], range: [-2, 2] },
          { shape: [5], range: [0.5, 1.5] },
          { shape: [5], range: [-1, 1] },
        ],
        attrs: { epsilon: 0.1 },
      },
      {
        inputs: [
          { shape: [2, 2, 3], range: [-2, 2] },
          { shape: [3], range: [0.5, 1.5] },
          { shape: [3], range: [-1, 1] },
        ],
        attrs: { epsilon: 0.01 },
      },
    ],
  },
  infer: ([x, gamma, beta], { epsilon }) => {
    checkDType("LayerNorm", x, "float", "x");
    const { n, stat } = lastAxis("LayerNorm", x);
    expect("LayerNorm", x, gamma, "gamma", [n]);
    expect("LayerNorm", x, beta, "beta", [n]);
    if (typeof epsilon !== "number" || !(epsilon >= 0) || !Number.isFinite(epsilon)) {
      throw new InvalidArgumentError(
        `LayerNorm: epsilon must be a finite number >= 0, got ${String(epsilon)}`,
      );
    }
    return [
      { shape: x.shape, dtype: x.dtype },
      { shape: stat, dtype: x.dtype },
      { shape: stat, dtype: x.dtype },
    ];
  },
  overwritesOutputs: true,
  kernel: (b, [x, gamma, beta], [y, mean, rstd], { epsilon }) => {
    const { rows, n } = lastAxis("LayerNorm", x);
    b.layerNorm(
      b.read(x) as FloatArray,
      b.read(gamma) as FloatArray,
      b.read(beta) as FloatArray,
      b.read(y) as FloatArray,
      b.read(mean) as FloatArray,
      b.read(rstd) as FloatArray,
      rows,
      n,
      epsilon,
    );
  },
  saveInputs: [0, 1],
  saveOutputs: [1, 2],
  grad: ([dy, dmean, drstd], c): Grads => {
    const x = saved(c.inputs[0]);
    const gamma = saved(c.inputs[1]);
    const [dx, dgamma, dbeta] = runOp(
      LayerNormGrad,
      [x, gamma, saved(c.outputs[1]), saved(c.outputs[2]), dy, dmean, drstd],
      NO_ATTRS_LN,
    );
    return [dx, dgamma, dbeta];
  },
});

export const LayerNormGrad: OpDef<Record<string, never>> = defineOp<Record<string, never>>({
  name: "LayerNormGrad",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [3, 4], range: [-2, 2] },
          { shape: [4], range: [0.5, 1.5] },
          { shape: [3, 1], range: [-0.5, 0.5] },
          { shape: [3, 1], range: [0.5, 2] },
          { shape: [3, 4], range: [-1, 1] },
          { shape: [3, 1], range: [-1, 1] },
          { shape: [3, 1], range: [-1, 1] },
        ],
        attrs: {},
      },
    ],
  },
  infer: ([x, gamma, mean, rstd, dy, dmean, drstd]) => {
    checkDType("LayerNormGrad", x, "float", "x");
    const { n, stat } = lastAxis("LayerNormGrad", x);
    expect("LayerNormGrad", x, gamma, "gamma", [n]);
    expect("LayerNormGrad", x, mean, "mean", stat);
    expect("LayerNormGrad", x, rstd, "rstd", stat);
    expect("LayerNormGrad", x, dy, "dy", x.shape);
    expect("LayerNormGrad", x, dmean, "dmean", stat);
    expect("LayerNormGrad", x, drstd, "drstd", stat);
    return [
      { shape: x.shape, dtype: x.dtype },
      { shape: [n], dtype: x.dtype },
      { shape: [n], dtype: x.dtype },
    ];
  },
  overwritesOutputs: true,
  kernel: (b, [x, gamma, mean, rstd, dy, dmean, drstd], [dx, dgamma, dbeta]) => {
    const { rows, n } = lastAxis("LayerNormGrad", x);
    const dxa = b.read(dx) as FloatArray;
    const xa = b.read(x) as FloatArray;
    const ma = b.read(mean) as FloatArray;
    const ra = b.read(rstd) as FloatArray;
    b.layerNormGrad(
      xa,
      b.read(gamma) as FloatArray,
      ma,
      ra,
      b.read(dy) as FloatArray,
      dxa,
      b.read(dgamma) as FloatArray,
      b.read(dbeta) as FloatArray,
      rows,
      n,
    );
    // The statistics' cotangents: dx += dmean/n - drstd rstd^2 xh/n, skipped when both are zero
    // (always, unless a caller differentiates LayerNorm's mean or rstd outputs).
    const dm = b.read(dmean) as FloatArray;
    const dr = b.read(drstd) as FloatArray;
    for (let r = 0; r < rows; r++) {
      if (dm[r] === 0 && dr[r] === 0) continue;
      const a = dm[r] / n;
      const c = (dr[r] * ra[r] * ra[r] * ra[r]) / n;
      for (let j = r * n; j < (r + 1) * n; j++) dxa[j] = dxa[j] + a - c * (xa[j] - ma[r]);
    }
  },
  saveInputs: [0, 1, 2, 3, 4, 5, 6],
  grad: ([gx, gg, gb], c): Grads => {
    const [x, gamma, mean, rstd, dy, , drstd] = c.inputs.map((t) => saved(t));
    const n = x.shape[x.rank - 1];
    const last = x.rank - 1;
    const rows = (t: Tensor): Tensor => reduceSum(t, last, true);
    const cols = (t: Tensor): Tensor => reshape(reduceSum(reshape(t, [-1, n]), 0), [n]);
    const xc = sub(x, mean);
    const xh = mul(xc, rstd);
    const g = mul(dy, gamma);
    const a = mul(rows(g), 1 / n);
    const bb = mul(rows(mul(g, xh)), 1 / n);
    const p = mul(rstd, gx);
    const s = rows(p);
    const t = rows(mul(p, xh));
    const u = rows(mul(gx, xh));
    const r2 = square(rstd);
    const q = sub(sub(p, mul(s, 1 / n)), mul(xh, mul(t, 1 / n)));
    const h = sub(
      add(sub(neg(mul(bb, p)), mul(g, mul(t, 1 / n))), mul(gg, dy)),
      mul(gx, mul(mul(drstd, r2), 1 / n)),
    );
    const dX = mul(h, rstd);
    const dMean = neg(mul(rows(h), rstd));
    const dRstd = sub(
      add(rows(mul(gx, sub(sub(g, a), mul(xh, bb)))), rows(mul(h, xc))),
      mul(mul(mul(rstd, drstd), u), 2 / n),
    );
    const dDy = add(add(mul(q, gamma), mul(gg, xh)), gb);
    const dGamma = cols(mul(q, dy));
    const dDmean = mul(rows(gx), 1 / n);
    const dDrstd = neg(mul(mul(r2, u), 1 / n));
    return [dX, dGamma, dMean, dRstd, dDy, dDmean, dDrstd];
  },
});

/**
 * Layer normalization of x over its last axis with gamma and beta of shape [n] (one fused op,
 * with a fused gradient): (x - mean) / sqrt(var + epsilon) gamma + beta.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  return runOp(LayerNorm, [x, gamma, beta], { epsilon })[0];
}
