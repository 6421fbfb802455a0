/**
 * The fused layer normalization ops (ops/nn-layernorm.ts): the native kernels against the JS
 * ones on odd shapes, float32 and float64, both ISA paths; values against the composite
 * formula; tf.keras.layers.LayerNormalization through the fused op (and through the composite
 * for axes that are not the trailing ones) with its gradients.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { layerNorm, LayerNorm } from "../src/ops/nn-layernorm.js";
import { rng } from "./helpers/rng.js";
import { withIsa } from "./helpers/native.js";

const addon = nativeAddon();
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float64Array);

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]));
    assert.ok(ok, `${what}[${i}]: native ${got[i]}, JS ${want[i]}`);
  }
}

for (const isa of ["avx2-fma", "scalar"] as const) {
  test(`layerNorm kernels, ${isa}: native = JS on odd shapes, both dtypes`, (t: TestContext) => {
    const a = addon;
    if (a === null || a.layerNorm === undefined || a.layerNormGrad === undefined) {
      t.skip("native addon (with layerNorm) not loaded");
      return;
    }
    if (isa === "avx2-fma" && a.setIsa("avx2-fma") !== "avx2-fma") {
      t.skip("no AVX2 on this machine");
      return;
    }
    withIsa(a, isa, () => {
      const r = rng(3);
      for (const F of [Float32Array, Float64Array]) {
        const tol = F === Float32Array ? 3e-7 : 1e-14;
        for (const [rows, n] of [
          [1, 1],
          [3, 7],
          [67, 33],
          // Rows of whole 4- and 8-lane blocks (the AVX2 loops without a tail).
          [301, 32],
          [5, 12],
          [1031, 5],
          [9, 1000],
          [0, 4],
        ]) {
          const fill = (k: number, lo = -3, hi = 3) => {
            const v = new F(k);
            for (let i = 0; i < k; i++) v[i] = lo + (hi - lo) * r();
            return v;
          };
          // An offset so the mean is not 0 (the variance's cancellation shows).
          const x = fill(rows * n, 7, 13);
          const gamma = fill(n);
          const beta = fill(n);
          const y = [new F(rows * n), new F(rows * n)];
          const mean = [new F(rows), new F(rows)];
          const rstd = [new F(rows), new F(rows)];
          jsBackend.layerNorm(x, gamma, beta, y[0], mean[0], rstd[0], rows, n, 1e-3);
          a.layerNorm!(x, gamma, beta, y[1], mean[1], rstd[1], rows, n, 1e-3);
          const what = `${F.name} [${rows},${n}] ${isa}`;
          assertClose(y[1], y[0], tol, `y ${what}`);
          assertClose(mean[1], mean[0], tol, `mean ${what}`);
          assertClose(rstd[1], rstd[0], tol, `rstd ${what}`);
          const dy = fill(rows * n);
          const dx = [new F(rows * n), new F(rows * n)];
          const dg = [new F(n), new F(n)];
          const db = [new F(n), new F(n)];
          jsBackend.layerNormGrad(x, gamma, mean[0], rstd[0], dy, dx[0], dg[0], db[0], rows, n);
          a.layerNormGrad!(x, gamma, mean[0], rstd[0], dy, dx[1], dg[1], db[1], rows, n);
          // dx is a difference of O(1) terms: compare against the scale of g = dy gamma.
          assertClose(dx[1], dx[0], F === Float32Array ? 2e-6 : 1e-13, `dx ${what}`);
          assertClose(dg[1], dg[0], F === Float32Array ? 1e-6 : 1e-13, `dgamma ${what}`);
          assertClose(db[1], db[0], F === Float32Array ? 1e-6 : 1e-13, `dbeta ${what}`);
        }
      }
      // Bad arguments throw, naming the kernel.
      assert.throws(
        () =>
          a.layerNorm!(
            new Float32Array(6),
            new Float32Array(3),
            new Float32Array(2),
            new Float32Array(6),
            new Float32Array(2),
            new Float32Array(2),
            2,
            3,
            1e-3,
          ),
        /layerNorm/,
      );
    });
  });
}

/** The composite: (x - mean) rsqrt(var + eps) gamma + beta over the last axis. */
function composite(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const [mean, variance] = tf.nn.moments(x, [-1], { keepdims: true });
  return tf.add(
    tf.multiply(tf.multiply(tf.subtract(x, mean), tf.rsqrt(tf.add(variance, eps))), g),
    b,
  );
}

test("LayerNorm op: values and gradients equal the composite's (float64)", () => {
  const x = tf.random.normal([5, 9, 6], { dtype: "float64", seed: 1 });
  const g = tf.random.uniform([6], { minval: 0.5, maxval: 1.5, dtype: "float64", seed: 2 });
  const b = tf.random.normal([6], { dtype: "float64", seed: 3 });
  const dy = tf.random.normal([5, 9, 6], { dtype: "float64", seed: 4 });
  const run = (f: typeof composite) => {
    const tape = new tf.GradientTape();
    tape.watch([x, g, b]);
    const y = tape.record(() => f(x, g, b, 1e-3));
    return [y, ...(tape.gradient(y, [x, g, b], { outputGradients: dy }) as tf.Tensor[])];
  };
  const fused = run(layerNorm);
  const ref = run(composite);
  fused.forEach((t, i) => {
    const [u, v] = [vals(t), vals(ref[i])];
    u.forEach((w, k) =>
      assert.ok(Math.abs(w - v[k]) < 1e-12, `output ${i}[${k}]: ${w} vs ${v[k]}`),
    );
  });
});

test("LayerNorm op: statistics outputs and bad inputs", () => {
  const x = tf.constant([[1, 2, 3, 6]], "float64");
  const y = layerNorm(x, tf.ones([4], "float64"), tf.zeros([4], "float64"), 0);
  // mean 3, variance (4 + 1 + 0 + 9)/4 = 3.5
  const want = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5));
  vals(y).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-14));
  assert.throws(
    () => layerNorm(x, tf.ones([3], "float64"), tf.zeros([4], "float64"), 0),
    /LayerNorm: gamma must have shape \[4\]/,
  );
  assert.throws(
    () => layerNorm(x, tf.ones([4], "float64"), tf.zeros([4], "float64"), -1),
    /LayerNorm: epsilon/,
  );
  assert.throws(() => layerNorm(tf.constant([1, 2], "int32"), x, x, 0), /LayerNorm/);
  assert.equal(LayerNorm.name, "LayerNorm");
});

test("keras LayerNormalization: fused (trailing axes) and composite paths agree, with gradients", () => {
  const x = tf.random.normal([4, 3, 5], { seed: 9, dtype: "float64" });
  for (const axis of [-1, [1, 2], [0, 2]] as const) {
    const fusedLayer = new tf.keras.layers.LayerNormalization({
      axis: axis as number | number[],
      epsilon: 1e-3,
      gammaInitializer: "randomNormal",
      betaInitializer: "randomNormal",
      dtype: "float64",
    });
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => fusedLayer.apply(x) as tf.Tensor);
    const vars = [x, ...fusedLayer.trainableWeights];
    const grads = tape.gradient(y, vars) as tf.Tensor[];
    // Reference: the composite over the same axes with the layer's weights.
    const axes = (typeof axis === "number" ? [axis] : [...axis]).map((a) => (a + 3) % 3);
    const shape = [4, 3, 5].map((d, i) => (axes.includes(i) ? d : 1));
    const [gv, bv] = fusedLayer.trainableWeights;
    const tape2 = new tf.GradientTape();
    tape2.watch(vars);
    const y2 = tape2.record(() => {
      const [mean, variance] = tf.nn.moments(x, axes, { keepdims: true });
      const inv = tf.multiply(tf.rsqrt(tf.add(variance, 1e-3)), tf.reshape(gv, shape));
      return tf.add(tf.multiply(tf.subtract(x, mean), inv), tf.reshape(bv, shape));
    });
    const grads2 = tape2.gradient(y2, vars) as tf.Tensor[];
    const close = (p: tf.Tensor, q: tf.Tensor, what: string) => {
      const [u, v] = [vals(p), vals(q)];
      u.forEach((w, k) => assert.ok(Math.abs(w - v[k]) < 1e-12, `${what}[${k}]: ${w} vs ${v[k]}`));
    };
    close(y, y2, `axis ${JSON.stringify(axis)} y`);
    grads.forEach((g, i) => close(g, grads2[i], `axis ${JSON.stringify(axis)} grad ${i}`));
  }
  // center/scale off: no gamma, beta.
  const plain = new tf.keras.layers.LayerNormalization({ center: false, scale: false, epsilon: 0 });
  const y = plain.apply(tf.constant([[1, 2, 3, 6]])) as tf.Tensor;
  const want = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5));
  vals(y).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
});
