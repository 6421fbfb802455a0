/**
 * Gradient checks for Keras layers, in float64: the tape's gradients of L = sum(w * layer(x))
 * with respect to the inputs (through checkGradients) and to each trainable weight, against
 * central finite differences taken by assigning perturbed values to the weight.
 */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import { checkGradients, rng } from "./gradcheck.js";

/** What the helpers read of a layer (any Layer<I, O, C>). */
export interface WeightedLayer {
  readonly name: string;
  readonly weights: tf.Variable[];
  readonly trainableWeights: tf.Variable[];
}

/** The layer's apply on one tensor input, for layers of any input and output type. */
const applyOne = (layer: WeightedLayer, x: tf.Tensor): tf.Tensor =>
  (layer as unknown as { apply(x: tf.Tensor): tf.Tensor }).apply(x);

export interface LayerGradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Skip the input gradient (integer inputs, e.g. Embedding). */
  skipInputs?: boolean;
}

/**
 * Checks d layer(...inputs) / d inputs and d / d each trainable weight. `run` calls the layer
 * (default `layer.apply(xs[0])`), so multi-input layers and options can be tested too.
 */
export function checkLayerGradients(
  layer: WeightedLayer,
  inputs: tf.Tensor[],
  opts: LayerGradcheckOptions = {},
  run: (...xs: tf.Tensor[]) => tf.Tensor = (...xs) => applyOne(layer, xs[0]),
): void {
  const eps = opts.eps ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  run(...inputs); // builds
  if (!opts.skipInputs) checkGradients(run, inputs, { eps, rtol, atol });

  const y0 = run(...inputs);
  const r = rng(77);
  const w = new tf.Tensor(
    Float64Array.from({ length: y0.size }, () => 0.5 + r()),
    y0.shape,
    "float64",
  );
  const L = () => Number(tf.reduceSum(tf.multiply(run(...inputs), w)).numpy());
  const weights = layer.trainableWeights;
  assert.ok(weights.length > 0, `layer ${layer.name} has no trainable weights to check`);
  const tape = new tf.GradientTape();
  const loss = tape.record(() => tf.reduceSum(tf.multiply(run(...inputs), w)));
  const grads = tape.gradient(loss, weights);
  weights.forEach((v, k) => {
    assert.equal(v.dtype, "float64", `${v.name} must be float64 for the check`);
    const g = grads[k];
    assert.ok(g !== null, `no gradient for ${v.name}`);
    const gv = Float64Array.from(g.dataSync() as Float64Array);
    const base = Float64Array.from(v.dataSync() as Float64Array);
    const at = (vals: Float64Array) => {
      v.assign(new tf.Tensor(vals, v.shape, "float64"));
      return L();
    };
    const compare = (analytic: number, numeric: number, what: string) => {
      const err = Math.abs(analytic - numeric);
      const tol = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric));
      assert.ok(
        err <= tol,
        `${v.name} ${what}: tape ${analytic}, finite differences ${numeric} (error ${err})`,
      );
    };
    const directions: Float64Array[] = [];
    if (v.size <= 24) {
      for (let e = 0; e < v.size; e++) {
        const d = new Float64Array(v.size);
        d[e] = 1;
        directions.push(d);
      }
    } else {
      for (let t = 0; t < 3; t++) {
        directions.push(Float64Array.from({ length: v.size }, () => r() * 2 - 1));
      }
    }
    directions.forEach((d, i) => {
      const plus = at(base.map((b, e) => b + eps * d[e]));
      const minus = at(base.map((b, e) => b - eps * d[e]));
      let analytic = 0;
      for (let e = 0; e < d.length; e++) analytic += gv[e] * d[e];
      compare(analytic, (plus - minus) / (2 * eps), `direction ${i}`);
    });
    v.assign(new tf.Tensor(base, v.shape, "float64"));
  });
}

/** Sets a layer's weights from JS arrays of values (in the order of layer.weights). */
export function setWeights(layer: WeightedLayer, values: readonly number[][]): void {
  const ws = layer.weights;
  assert.equal(values.length, ws.length, `layer ${layer.name} has ${ws.length} weights`);
  ws.forEach((v, i) => {
    const arr = v.dtype === "float64" ? Float64Array.from(values[i]) : Float32Array.from(values[i]);
    v.assign(new tf.Tensor(arr, v.shape, v.dtype));
  });
}

/** Deterministic values in [-1, 1) for a shape's worth of elements. */
export function values(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => r() * 2 - 1);
}
