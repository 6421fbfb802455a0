/**
 * Gradient checking: the tape's gradients against central finite differences in float64.
 *
 * For f: inputs -> y, the scalar L = sum(w * y) with fixed random weights w is differentiated
 * by the tape and, numerically, element by element for small inputs (or along random
 * directions for large ones): (L(x + eps e) - L(x - eps e)) / (2 eps).
 */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import { rng } from "./rng.js";

export { rng } from "./rng.js";

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Seed of the weights and directions. */
  seed?: number;
  /** Inputs at these positions are not differentiated (e.g. indices). */
  skip?: readonly number[];
}

/** A float64 tensor of uniform values in [lo, hi). */
export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const r = rng(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  const v = new Float64Array(size);
  for (let i = 0; i < size; i++) v[i] = lo + (hi - lo) * r();
  return new tf.Tensor(v, shape, "float64");
}

function withValues(t: tf.Tensor, v: Float64Array): tf.Tensor {
  return new tf.Tensor(v, t.shape, t.dtype);
}

function scalarize(y: tf.Tensor, w: tf.Tensor): number {
  return Number(tf.reduceSum(tf.multiply(y, w)).numpy());
}

/**
 * Checks the tape's gradient of `f` at `inputs` (float64 tensors) against finite differences.
 * Returns the largest error seen, for tests that want to report it.
 */
export function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  opts: GradcheckOptions = {},
): number {
  const eps = opts.eps ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  const r = rng(opts.seed ?? 1234);
  const skip = new Set(opts.skip ?? []);
  for (const [i, x] of inputs.entries()) {
    if (!skip.has(i)) assert.equal(x.dtype, "float64", `gradcheck input ${i} must be float64`);
  }
  const y0 = f(...inputs);
  const wv = new Float64Array(y0.size);
  for (let i = 0; i < wv.length; i++) wv[i] = 0.5 + r();
  const w = new tf.Tensor(y0.dtype === "float64" ? wv : Float32Array.from(wv), y0.shape, y0.dtype);

  const tape = new tf.GradientTape();
  const diffIdx = inputs.map((_, i) => i).filter((i) => !skip.has(i));
  tape.watch(diffIdx.map((i) => inputs[i]));
  const L = tape.record(() => tf.reduceSum(tf.multiply(f(...inputs), w)));
  const grads = tape.gradient(
    L,
    diffIdx.map((i) => inputs[i]),
  );

  let worst = 0;
  const compare = (analytic: number, numeric: number, what: string) => {
    const err = Math.abs(analytic - numeric);
    const tol = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric));
    worst = Math.max(worst, err);
    assert.ok(
      err <= tol,
      `${what}: tape gives ${analytic}, finite differences ${numeric} (error ${err}, tolerance ${tol})`,
    );
  };
  const evalAt = (k: number, v: Float64Array) => {
    const xs = inputs.slice();
    xs[diffIdx[k]] = withValues(inputs[diffIdx[k]], v);
    return scalarize(f(...xs), w);
  };

  diffIdx.forEach((idx, k) => {
    const x = inputs[idx];
    const base = Float64Array.from(x.values as Float64Array);
    const g = grads[k];
    const gv = g === null ? new Float64Array(x.size) : Float64Array.from(g.values as Float64Array);
    if (x.size <= 48) {
      for (let e = 0; e < x.size; e++) {
        const plus = base.slice();
        const minus = base.slice();
        plus[e] += eps;
        minus[e] -= eps;
        compare(gv[e], (evalAt(k, plus) - evalAt(k, minus)) / (2 * eps), `d/d input ${idx}[${e}]`);
      }
    } else {
      for (let trial = 0; trial < 3; trial++) {
        const d = new Float64Array(x.size);
        for (let e = 0; e < d.length; e++) d[e] = r() * 2 - 1;
        const plus = base.map((v, e) => v + eps * d[e]);
        const minus = base.map((v, e) => v - eps * d[e]);
        let analytic = 0;
        for (let e = 0; e < d.length; e++) analytic += gv[e] * d[e];
        compare(
          analytic,
          (evalAt(k, plus) - evalAt(k, minus)) / (2 * eps),
          `directional derivative along input ${idx}`,
        );
      }
    }
  });
  return worst;
}

/**
 * Second order: the gradient of <w, grad f> (taken by a nested tape) against finite
 * differences of the first gradient. For single-input functions.
 */
export function checkSecondOrder(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  opts: GradcheckOptions = {},
): void {
  const r = rng(opts.seed ?? 99);
  const w = new tf.Tensor(
    Float64Array.from({ length: x.size }, () => 0.5 + r()),
    x.shape,
    "float64",
  );
  const grad = (at: tf.Tensor) => {
    const t = new tf.GradientTape();
    t.watch(at);
    const y = t.record(() => tf.reduceSum(f(at)));
    const g = t.gradient(y, at);
    return g ?? tf.zerosLike(at);
  };
  checkGradients((xx) => tf.multiply(grad(xx), w), [x], opts);
}

/**
 * The second-order check of a many-input f: g(xs) = d/dxs <w, f(xs)> for fixed weights w in
 * [0.5, 1.5], a Hessian-vector product computed by a nested tape from the gradient rules' own
 * ops, checked against finite differences like f itself (inputs in opts.skip are held fixed).
 */
export function checkWeightedGradient(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  opts: GradcheckOptions = {},
): void {
  const skip = opts.skip ?? [];
  const diff = inputs.map((_, i) => i).filter((i) => !skip.includes(i));
  const w = randomTensor([...f(...inputs).shape], 77, 0.5, 1.5);
  const g = (...xs: tf.Tensor[]): tf.Tensor => {
    const tape = new tf.GradientTape();
    const srcs = diff.map((i) => xs[i]);
    tape.watch(srcs);
    const y = tape.record(() => tf.reduceSum(tf.multiply(f(...xs), w)));
    return tf.concat(
      tape.gradient(y, srcs).map((gr, k) => tf.reshape(gr ?? tf.zerosLike(srcs[k]), [-1])),
      0,
    );
  };
  checkGradients(g, inputs, opts);
}
