/**
 * The AVX-512 float32 elementwise loops (native/gelu512.cc): the fused gradients computed in
 * double (SigmoidGrad, TanhGrad, SquareGrad, TanGrad, SqrtGrad, RsqrtGrad, ReciprocalGrad,
 * EluGrad: the JS loops' exact values on the 16-lane path, as the same double operations rounded
 * once), and GELU (reached through the Gelu and
 * GeluGrad ops):
 * against the JS double loops on odd lengths (the masked tail), a dense sweep of the range where
 * the values are normal floats, and special values, on each path the machine has (avx512, avx2
 * with the AVX-512 loops forbidden, scalar); float64 rides along (it never takes the 16-lane
 * loops). The ops' gradients through the registry are checked in test/registry.test.ts.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import type { FloatArray, NativeAddon } from "../src/backend/native/addon.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { NumArray } from "../src/tensor/dtype.js";
import { scalarOf } from "../src/engine/op.js";
import { erf } from "../src/backend/js/scalar-math.js";
import { onSimdPath } from "./helpers/native.js";
import { rng } from "./helpers/rng.js";

const addon = nativeAddon();

const onPath = onSimdPath;

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 1, -1, 6, 20, -20, 1e10, -1e10];

/**
 * got within tol of want relative to |want| + floor. GeluGrad = dy (Phi + x phi) crosses zero near
 * x = -0.75, where the two terms cancel and a relative bound means nothing: its floor is the
 * size of the terms, |dy| (Phi + |x| phi) (gradFloor).
 */
function close(got: number, want: number, floor: number, tol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol * (Math.abs(want) + floor);
}

function gradFloor(x: number, dy: number): number {
  if (!Number.isFinite(x)) return 0;
  const phi = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  return Math.abs(dy) * (0.5 * (1 + erf(x / Math.SQRT2)) + Math.abs(x) * phi);
}

function run(a: NativeAddon, name: "Gelu" | "GeluGrad", x: FloatArray, dy: FloatArray | null) {
  const F = x.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  const n = x.length;
  const got = new F(n);
  const want = new F(n);
  if (dy === null) {
    const idx = a.unaryNames.indexOf(name);
    a.unary(idx, x, got as NumArray);
    jsBackend.unary(scalarOf(name), x, want as NumArray);
  } else {
    const idx = a.binaryNames.indexOf(name);
    a.binaryFlat(idx, dy, x, got as NumArray);
    jsBackend.binary(scalarOf(name), dy, [n], x, [n], want as NumArray, [n]);
  }
  return { got, want };
}

for (const path of ["avx512", "avx2", "scalar"] as const) {
  test(`Gelu / GeluGrad native loops on ${path}: = JS on odd lengths, a dense sweep, specials`, (t: TestContext) => {
    const a = addon;
    if (a === null) {
      t.skip("native addon not loaded");
      return;
    }
    const ran = onPath(a, path, () => {
      const r = rng(5);
      for (const F of [Float32Array, Float64Array]) {
        // float32: the vector formulas are within a few ulp (8 at most in the far tail, x < -11);
        // float64 runs the same double expressions as JS.
        const tol = F === Float32Array ? 8e-7 : 1e-14;
        for (const n of [1, 5, 15, 16, 17, 31, 33, 1031]) {
          const x = new F(n);
          const dy = new F(n);
          for (let i = 0; i < n; i++) {
            x[i] = -9 + 15 * r();
            dy[i] = -2 + 4 * r();
          }
          if (n > 40) x.set(SPECIAL, 17);
          for (const name of ["Gelu", "GeluGrad"] as const) {
            const { got, want } = run(a, name, x, name === "Gelu" ? null : dy);
            for (let i = 0; i < n; i++) {
              const floor = name === "Gelu" ? 0 : gradFloor(x[i], dy[i]);
              assert.ok(
                close(got[i], want[i], floor, tol),
                `${name} ${F.name} ${path} n=${n} x=${x[i]}: native ${got[i]}, JS ${want[i]}`,
              );
            }
          }
        }
      }
      // float32, a dense sweep of [-12, 8] (Phi down to 1e-33 there) with dy = 1, and the specials.
      const m = 40_003;
      const x = new Float32Array(m);
      for (let i = 0; i < m; i++) x[i] = -12 + (20 * i) / m;
      x.set(SPECIAL, 0);
      const ones = new Float32Array(m).fill(1);
      for (const name of ["Gelu", "GeluGrad"] as const) {
        const { got, want } = run(a, name, x, name === "Gelu" ? null : ones);
        let worst = 0;
        for (let i = 0; i < m; i++) {
          const floor = name === "Gelu" ? 1e-37 : gradFloor(x[i], 1);
          assert.ok(
            close(got[i], want[i], floor, 1e-6),
            `${name} sweep ${path} x=${x[i]}: native ${got[i]}, JS ${want[i]}`,
          );
          if (Number.isFinite(want[i]) && Math.abs(want[i]) > 1e-30 && Math.abs(x[i]) < 1e9) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + floor));
          }
        }
        // The float32 loops are within 4 ulp of the double JS loop (scalar: its own doubles).
        assert.ok(worst < 6e-7, `${name} ${path}: worst relative error ${worst}`);
      }
    });
    if (!ran) t.skip(`no ${path} path on this machine`);
  });
}

test("tf.nn.gelu and its gradient: the same values on every path, float32, across thread chunks", (t: TestContext) => {
  const a = addon;
  if (a === null) {
    t.skip("native addon not loaded");
    return;
  }
  const x = tf.random.normal([70_001], { seed: 3 });
  const dy = tf.random.normal([70_001], { seed: 4 });
  const f = () => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => tf.nn.gelu(x));
    const [g] = tape.gradient(y, [x], { outputGradients: dy });
    return [y.dataSync() as Float32Array, (g as tf.Tensor).dataSync() as Float32Array];
  };
  const results: Float32Array[][] = [];
  for (const path of ["avx512", "avx2", "scalar"] as const)
    onPath(a, path, () => results.push(f()));
  assert.ok(results.length >= 2, "at least the avx2 and scalar paths ran");
  const xv = x.dataSync() as Float32Array;
  const dv = dy.dataSync() as Float32Array;
  for (const r of results.slice(1)) {
    for (let i = 0; i < xv.length; i++) {
      assert.ok(close(r[0][i], results[0][0][i], 0, 8e-7), `gelu at ${xv[i]}`);
      assert.ok(
        close(r[1][i], results[0][1][i], gradFloor(xv[i], dv[i]), 8e-7),
        `gelu grad at ${xv[i]}`,
      );
    }
  }
});

// [op, range of a, range of b]: a is the forward's output (its input for SquareGrad), b = dy.
const DOUBLE_GRADS: [string, [number, number], [number, number]][] = [
  ["SigmoidGrad", [0, 1], [-3, 3]],
  ["TanhGrad", [-1, 1], [-3, 3]],
  ["SquareGrad", [-50, 50], [-3, 3]],
  ["TanGrad", [-20, 20], [-3, 3]],
  ["SqrtGrad", [0.01, 100], [-3, 3]],
  ["RsqrtGrad", [0.01, 100], [-3, 3]],
  ["ReciprocalGrad", [-100, 100], [-3, 3]],
  // EluGrad(dy, y): here a = dy, b = y.
  ["EluGrad", [-3, 3], [-1, 3]],
];

for (const path of ["avx512", "avx2", "scalar"] as const) {
  test(`fused gradients computed in double, float32 loops on ${path}: = JS`, (t: TestContext) => {
    const a = addon;
    if (a === null) {
      t.skip("native addon not loaded");
      return;
    }
    const ran = onPath(a, path, () => {
      const r = rng(31);
      for (const [name, ra, rb] of DOUBLE_GRADS) {
        const idx = a.binaryNames.indexOf(name);
        assert.ok(idx >= 0, `${name} has a native kernel`);
        for (const n of [1, 5, 15, 16, 17, 31, 33, 1031]) {
          const x = new Float32Array(n);
          const dy = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            x[i] = ra[0] + (ra[1] - ra[0]) * r();
            dy[i] = rb[0] + (rb[1] - rb[0]) * r();
          }
          if (n > 40) {
            x.set(SPECIAL, 3);
            dy.set(SPECIAL, 20);
            dy.set([1e-40, -3e-39, 1e30], 0); // subnormal and huge dy: products round alike
          }
          const got = new Float32Array(n);
          const want = new Float32Array(n);
          a.binaryFlat(idx, x, dy, got);
          jsBackend.binary(scalarOf(name), x, [n], dy, [n], want, [n]);
          for (let i = 0; i < n; i++) {
            const what = `${name} ${path} n=${n} (${x[i]}, ${dy[i]}): native ${got[i]}, JS ${want[i]}`;
            // 16 lanes: the same double operations as JS, rounded once: equal. AVX2 and scalar:
            // the compiler may fuse a multiply-add in double, a last-bit difference at most.
            if (path === "avx512") assert.ok(Object.is(got[i], want[i]), what);
            else assert.ok(close(got[i], want[i], 0, 2 ** -23), what);
          }
        }
      }
    });
    if (!ran) t.skip(`no ${path} path on this machine`);
  });
}
