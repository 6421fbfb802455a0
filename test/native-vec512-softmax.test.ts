/**
 * The AVX-512 float32 softmax and log-softmax rows and their gradients' rows (native/softmax512.cc,
 * reached through addon.softmax and addon.softmaxGrad) against the JS loops, on each path the
 * machine has (avx512, avx2 with the AVX-512 loops forbidden, scalar): odd row lengths (the
 * masked tails), wide spreads (exp(x - max) down to the subnormals), rows with -inf, +inf and NaN
 * (which the 16-lane row hands back to the AVX2 loop), middle axes; float64 rides along.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { nativeAddon } from "../src/backend/native/index.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { jsBackend } from "../src/backend/js/index.js";
import { onSimdPath } from "./helpers/native.js";
import { rng } from "./helpers/rng.js";

const addon = nativeAddon();

const onPath = onSimdPath;

const SHAPES = [
  { outer: 1, n: 1, inner: 1 },
  { outer: 3, n: 5, inner: 1 },
  { outer: 4, n: 15, inner: 1 },
  { outer: 4, n: 16, inner: 1 },
  { outer: 5, n: 17, inner: 1 },
  { outer: 3, n: 31, inner: 1 },
  { outer: 6, n: 33, inner: 1 },
  { outer: 7, n: 200, inner: 1 },
  { outer: 2, n: 1031, inner: 1 },
  { outer: 3, n: 17, inner: 5 },
];

for (const path of ["avx512", "avx2", "scalar"] as const) {
  test(`softmax / logSoftmax rows on ${path}: native = JS, odd rows, wide spreads, specials`, (t: TestContext) => {
    const a = addon;
    if (a === null) {
      t.skip("native addon not loaded");
      return;
    }
    const ran = onPath(a, path, () => {
      const r = rng(21);
      for (const C of [Float32Array, Float64Array]) {
        const eps = C === Float32Array ? 2 ** -23 : 2 ** -52;
        for (const p of SHAPES) {
          for (const spread of [3, 60]) {
            const size = p.outer * p.n * p.inner;
            const x = new C(size);
            for (let i = 0; i < size; i++) x[i] = spread * (2 * r() - 1);
            const row = p.n * p.inner;
            if (p.outer >= 3 && p.inner === 1) {
              x[row + (p.n >> 1)] = -Infinity; // row 1: one -inf (e = 0 there)
              x[2 * row] = p.n > 4 ? NaN : Infinity; // row 2: a NaN or a +inf
            }
            for (const log of [false, true]) {
              const want = new C(size);
              const got = new C(size);
              if (log) jsBackend.logSoftmax(x, want, p);
              else jsBackend.softmax(x, want, p);
              a.softmax(x, got as FloatArray, p, log);
              for (let i = 0; i < size; i++) {
                const w = want[i];
                const what = `${path} ${C.name} ${JSON.stringify(p)} spread ${spread} log=${log} at ${i}: ${got[i]} vs ${w}`;
                if (Number.isNaN(w)) assert.ok(Number.isNaN(got[i]), what);
                else if (!Number.isFinite(w)) assert.equal(got[i], w, what);
                else {
                  // softmax: a few roundings of the value (the exp's ulp, the scaling's);
                  // log-softmax: those of x - max - log(sum), relative to their size.
                  const scale = log ? Math.abs(x[i]) + Math.abs(w) + 1 : Math.abs(w);
                  assert.ok(Math.abs(got[i] - w) <= 4 * eps * scale + 1e-44, what);
                }
              }
            }
          }
        }
      }
    });
    if (!ran) t.skip(`no ${path} path on this machine`);
  });

  test(`softmaxGrad / logSoftmaxGrad rows on ${path}: native = JS on odd rows`, (t: TestContext) => {
    const a = addon;
    if (a === null || a.softmaxGrad === undefined) {
      t.skip("native softmaxGrad not available");
      return;
    }
    const ran = onPath(a, path, () => {
      const r = rng(23);
      for (const C of [Float32Array, Float64Array]) {
        const eps = C === Float32Array ? 2 ** -23 : 2 ** -52;
        for (const p of SHAPES) {
          for (const log of [false, true]) {
            const size = p.outer * p.n * p.inner;
            const y = new C(size);
            const dy = new C(size);
            for (let i = 0; i < size; i++) {
              y[i] = log ? -0.1 - 8 * r() : r() / p.n;
              dy[i] = 2 * r() - 1;
            }
            const want = new C(size);
            const got = new C(size);
            jsBackend.softmaxGrad(y, dy, want, p, log);
            a.softmaxGrad?.(y as FloatArray, dy as FloatArray, got as FloatArray, p, log);
            for (let i = 0; i < size; i++) {
              // The sum's rounding (float lanes) scaled by what multiplies it, plus the
              // element's own roundings (and the exp's few ulp for log).
              const scale = log ? Math.exp(y[i]) * p.n : Math.abs(y[i]) * p.n;
              const tol = 8 * eps * (Math.abs(want[i]) + scale + Math.abs(dy[i]));
              assert.ok(
                Math.abs(got[i] - want[i]) <= tol,
                `${path} ${C.name} ${JSON.stringify(p)} log=${log} at ${i}: ${got[i]} vs ${want[i]}`,
              );
            }
          }
        }
      }
    });
    if (!ran) t.skip(`no ${path} path on this machine`);
  });
}
