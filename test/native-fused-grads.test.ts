/**
 * The fused gradient ops (ReluGrad, SigmoidGrad, TanhGrad, SqrtGrad, RsqrtGrad, ReciprocalGrad,
 * Relu6Grad, EluGrad, GeluGrad, GeluApproximateGrad) and the GELU forward ops: values against
 * closed forms, the native kernels against the JS loops on both ISA paths, odd lengths (the
 * vector tail), wide ranges and special values, in float32 and float64; and the forward ops'
 * gradients (which now call them) against the old composite rules.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { NumArray } from "../src/tensor/dtype.js";
import { scalarOf } from "../src/engine/op.js";
import { erf } from "../src/backend/js/scalar-math.js";
import * as grads from "../src/ops/elementwise/grad.js";
import * as gelus from "../src/ops/elementwise/gelu.js";
import { rng } from "./helpers/rng.js";
import { withIsa } from "./helpers/native.js";

const addon = nativeAddon();

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float64Array);

const UNARY = ["Gelu", "GeluApproximate"];
// [name, range of a, range of b]
const BINARY: [string, [number, number], [number, number]][] = [
  ["ReluGrad", [-3, 3], [-3, 3]],
  ["Relu6Grad", [-3, 3], [-2, 8]],
  ["EluGrad", [-3, 3], [-1, 3]],
  ["SigmoidGrad", [0, 1], [-3, 3]],
  ["TanhGrad", [-1, 1], [-3, 3]],
  ["SqrtGrad", [0.01, 100], [-3, 3]],
  ["RsqrtGrad", [0.01, 100], [-3, 3]],
  ["ReciprocalGrad", [-100, 100], [-3, 3]],
  ["GeluGrad", [-3, 3], [-8, 8]],
  ["GeluApproximateGrad", [-3, 3], [-8, 8]],
];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 1, -1, 6, 20, -20, 1e10, -1e10];

/**
 * Native vs JS within tol: relative to the value, with an absolute floor scaled by the
 * operands' magnitude (the derivatives cross zero, where a relative bound means nothing).
 */
function close(got: number, want: number, scale: number, tol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol * (Math.abs(want) + scale);
}

for (const isa of ["avx2-fma", "scalar"] as const) {
  test(`fused grad and GELU kernels, ${isa}: native = JS on odd lengths, wide ranges, specials`, (t: TestContext) => {
    const a = addon;
    if (a === null) {
      t.skip("native addon not loaded");
      return;
    }
    if (isa === "avx2-fma" && a.setIsa("avx2-fma") !== "avx2-fma") {
      t.skip("no AVX2 on this machine");
      return;
    }
    withIsa(a, isa, () => {
      const r = rng(11);
      for (const F of [Float32Array, Float64Array]) {
        // float32: the vector formulas are within a few ulp; float64 runs the same double
        // expressions as JS (libm's erf/exp against V8's).
        const tol = F === Float32Array ? 6e-7 : 1e-14;
        for (const n of [1, 7, 8, 9, 1031]) {
          for (const name of UNARY) {
            const idx = a.unaryNames.indexOf(name);
            assert.ok(idx >= 0, `${name} has a native kernel`);
            for (const [lo, hi] of [
              [-8, 8],
              [-1, 1],
              [-1e-3, 1e-3],
            ]) {
              const x = new F(n);
              for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * r();
              if (n > 20) x.set(SPECIAL, 3);
              const want = new F(n);
              const got = new F(n);
              jsBackend.unary(scalarOf(name), x, want as NumArray);
              a.unary(idx, x, got as NumArray);
              for (let i = 0; i < n; i++) {
                assert.ok(
                  close(got[i], want[i], Math.abs(x[i]) * 1e-3, tol),
                  `${name} ${F.name} ${isa} x=${x[i]}: native ${got[i]}, JS ${want[i]}`,
                );
              }
            }
          }
          for (const [name, ra, rb] of BINARY) {
            const idx = a.binaryNames.indexOf(name);
            assert.ok(idx >= 0, `${name} has a native kernel`);
            const fill = ([lo, hi]: [number, number]) => {
              const v = new F(n);
              for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
              return v;
            };
            const x = fill(ra);
            const y = fill(rb);
            if (n > 40) {
              x.set(SPECIAL, 0);
              y.set(SPECIAL, 20);
              y.set([1, 2, 3], 0);
              x.set([1, 2, 3], 20);
            }
            const want = new F(n);
            const got = new F(n);
            jsBackend.binary(scalarOf(name), x, [n], y, [n], want as NumArray, [n]);
            a.binaryFlat(idx, x, y, got as NumArray);
            for (let i = 0; i < n; i++) {
              const scale = name.startsWith("Gelu") ? Math.abs(x[i]) : 0;
              assert.ok(
                close(got[i], want[i], scale, tol),
                `${name} ${F.name} ${isa} (${x[i]}, ${y[i]}): native ${got[i]}, JS ${want[i]}`,
              );
            }
          }
        }
      }
    });
  });
}

test("fused grad ops: values against the closed forms", () => {
  const y = tf.constant([0.1, 0.5, 0.9], "float64");
  const dy = tf.constant([1, -2, 3], "float64");
  const near = (t: tf.Tensor, want: number[]) => {
    const got = vals(t);
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-12, `${got[i]} vs ${w}`));
  };
  near(grads.sigmoidGrad(y, dy), [0.1 * 0.9, -2 * 0.25, 3 * 0.9 * 0.1]);
  near(grads.tanhGrad(y, dy), [0.99, -2 * 0.75, 3 * 0.19]);
  near(grads.sqrtGrad(y, dy), [5, -2, 3 / 1.8]);
  near(grads.rsqrtGrad(y, dy), [-0.5 * 0.001, 0.125, -1.5 * 0.729]);
  near(grads.reciprocalGrad(y, dy), [-0.01, 0.5, -3 * 0.81]);
  const x = tf.constant([-1, 0, 2, 7, NaN], "float64");
  const g = tf.constant([5, 5, 5, 5, 5], "float64");
  near(grads.reluGrad(g, x), [0, 0, 5, 5, 0]);
  near(grads.relu6Grad(g, x), [0, 0, 5, 0, 0]);
  near(grads.eluGrad(tf.constant([5, 5], "float64"), tf.constant([-0.5, 2], "float64")), [2.5, 5]);
  // GELU: x Phi(x) and its derivative Phi + x phi; at 0: 0 and 1/2.
  const Phi = (v: number) => 0.5 * (1 + erf(v / Math.SQRT2));
  const phi = (v: number) => Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI);
  const xs = [-5, -1, 0, 0.5, 3];
  const xt = tf.constant(xs, "float64");
  near(
    gelus.geluExact(xt),
    xs.map((v) => v * Phi(v)),
  );
  near(
    gelus.geluGrad(tf.onesLike(xt), xt),
    xs.map((v) => Phi(v) + v * phi(v)),
  );
  const tanhForm = (v: number) =>
    0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  near(gelus.geluApproximate(xt), xs.map(tanhForm));
  const h = 1e-6;
  const fd = xs.map((v) => (tanhForm(v + h) - tanhForm(v - h)) / (2 * h));
  vals(gelus.geluApproximateGrad(tf.onesLike(xt), xt)).forEach((v, i) =>
    assert.ok(Math.abs(v - fd[i]) < 1e-8, `GeluApproximateGrad at ${xs[i]}: ${v} vs ${fd[i]}`),
  );
});

test("forward ops' gradients through the fused ops match the composite rules", () => {
  const x = tf.constant([-1.5, -0.2, 0.3, 1.7, 4], "float64");
  const dy = tf.constant([0.5, -1, 2, 0.25, 1], "float64");
  const grad = (f: (t: tf.Tensor) => tf.Tensor, at: tf.Tensor): number[] => {
    const tape = new tf.GradientTape();
    tape.watch(at);
    const y = tape.record(() => f(at));
    return vals(tape.gradient(y, at, { outputGradients: dy }) as tf.Tensor);
  };
  const cases: [(t: tf.Tensor) => tf.Tensor, (v: number) => number, tf.Tensor][] = [
    [tf.relu, (v) => (v > 0 ? 1 : 0), x],
    [tf.sigmoid, (v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2, x],
    [tf.tanh, (v) => 1 / Math.cosh(v) ** 2, x],
    [tf.nn.elu, (v) => (v > 0 ? 1 : Math.exp(v)), x],
    [tf.sqrt, (v) => 0.5 / Math.sqrt(Math.abs(v)), tf.abs(x)],
    [tf.rsqrt, (v) => -0.5 * Math.abs(v) ** -1.5, tf.abs(x)],
    [tf.reciprocal, (v) => -1 / (v * v), x],
  ];
  const dys = vals(dy);
  for (const [f, d, at] of cases) {
    const xs = vals(at);
    const got = grad(f, at);
    xs.forEach((v, i) =>
      assert.ok(Math.abs(got[i] - dys[i] * d(v)) < 1e-12, `${f.name} at ${v}: ${got[i]}`),
    );
  }
  // Second order through SigmoidGrad: d2/dx2 sigmoid = s(1 - s)(1 - 2s).
  const outer = new tf.GradientTape();
  outer.watch(x);
  const g1 = outer.record(() => {
    const inner = new tf.GradientTape();
    inner.watch(x);
    const y = inner.record(() => tf.sigmoid(x));
    return inner.gradient(y, x) as tf.Tensor;
  });
  const g2 = vals(outer.gradient(g1, x) as tf.Tensor);
  vals(x).forEach((v, i) => {
    const s = 1 / (1 + Math.exp(-v));
    assert.ok(Math.abs(g2[i] - s * (1 - s) * (1 - 2 * s)) < 1e-12);
  });
});

test("tf.nn.gelu: both forms as one op each, gradients, bad approximate flag", () => {
  const x = tf.constant([-2, -0.5, 0, 1], "float32");
  const exact = vals(tf.nn.gelu(x));
  const approx = vals(tf.nn.gelu(x, true));
  // TensorFlow's values (tf.nn.gelu on the same inputs).
  const tfExact = [-0.04550026, -0.15426877, 0, 0.8413447];
  const tfApprox = [-0.04540229, -0.15428599, 0, 0.841192];
  exact.forEach((v, i) => assert.ok(Math.abs(v - tfExact[i]) < 1e-6, `${v}`));
  approx.forEach((v, i) => assert.ok(Math.abs(v - tfApprox[i]) < 1e-6, `${v}`));
  assert.throws(() => tf.nn.gelu(x, "yes" as unknown as boolean), TypeError);
  assert.throws(() => tf.nn.gelu(tf.constant([1], "int32")), /gelu/);
});
