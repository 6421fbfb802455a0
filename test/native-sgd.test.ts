/**
 * The fused SGD-with-momentum update (SGDMomentumUpdate, native/optim.cc): native = JS bit for
 * bit (both round every step to the dtype) on odd lengths, float32 and float64, both ISA paths;
 * and tf.keras.optimizers.SGD with momentum / Nesterov against Keras's rule computed by hand.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { withIsa } from "./helpers/native.js";

const addon = nativeAddon();

for (const isa of ["avx2-fma", "scalar"] as const) {
  test(`sgdMomentumUpdate ${isa}: native = JS exactly, odd lengths, both dtypes`, (t: TestContext) => {
    const a = addon;
    if (a === null || a.sgdMomentumUpdate === undefined) {
      t.skip("native addon (with sgdMomentumUpdate) not loaded");
      return;
    }
    if (isa === "avx2-fma" && a.setIsa("avx2-fma") !== "avx2-fma") {
      t.skip("no AVX2 on this machine");
      return;
    }
    withIsa(a, isa, () => {
      let seed = 1;
      const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
      for (const F of [Float32Array, Float64Array]) {
        for (const n of [1, 7, 9, 33, 4099, 70001]) {
          const fill = () => {
            const v = new F(n);
            for (let i = 0; i < n; i++) v[i] = rnd();
            return v;
          };
          const [w, vel, g] = [fill(), fill(), fill()];
          for (const nesterov of [false, true]) {
            const want = [new F(n), new F(n)];
            const got = [new F(n), new F(n)];
            jsBackend.sgdMomentumUpdate(w, vel, g, 0.01, 0.9, nesterov, want[0], want[1]);
            a.sgdMomentumUpdate!(w, vel, g, got[0], got[1], 0.01, 0.9, nesterov);
            for (let i = 0; i < n; i++) {
              assert.ok(
                Object.is(got[0][i], want[0][i]) && Object.is(got[1][i], want[1][i]),
                `${F.name} n=${n} nesterov=${nesterov} [${i}]: native ${got[0][i]}/${got[1][i]}, JS ${want[0][i]}/${want[1][i]}`,
              );
            }
          }
        }
      }
      assert.throws(
        () =>
          a.sgdMomentumUpdate!(
            new Float32Array(3),
            new Float32Array(2),
            new Float32Array(3),
            new Float32Array(3),
            new Float32Array(3),
            0.1,
            0.9,
            false,
          ),
        /sgdMomentumUpdate/,
      );
    });
  });
}

test("keras SGD with momentum and Nesterov: Keras's rule, float32 and float64", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const nesterov of [false, true]) {
      const r = dtype === "float32" ? Math.fround : (x: number) => x;
      const init = Array.from({ length: 2000 }, (_, i) => Math.sin(i));
      const grads = Array.from({ length: 2000 }, (_, i) => Math.cos(3 * i));
      const v = new tf.Variable(tf.constant(init, dtype));
      const opt = new tf.keras.optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov });
      const g = tf.constant(grads, dtype);
      let w = init.map(r);
      let vel = init.map(() => 0);
      // The learning rate lives in a float32 variable (Keras), cast to the variable's dtype.
      const [lr, m] = [Math.fround(0.1), r(0.9)];
      for (let step = 0; step < 3; step++) {
        opt.applyGradients([[g, v]]);
        vel = vel.map((u, i) => r(r(u * m) - r(r(grads[i]) * lr)));
        w = w.map((x, i) => {
          const step1 = r(r(grads[i]) * lr);
          return r(x + (nesterov ? r(r(vel[i] * m) - step1) : vel[i]));
        });
      }
      const got = Array.from(v.dataSync() as Float64Array);
      got.forEach((x, i) =>
        assert.ok(Object.is(x, w[i]), `${dtype} nesterov=${nesterov} [${i}]: ${x} vs ${w[i]}`),
      );
    }
  }
});
