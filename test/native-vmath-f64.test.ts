/**
 * The addon's vectorized float64 math (native/vmath_f64.h: exp, expm1, log, log1p, sigmoid,
 * tanh, sin, cos) against V8's Math functions (fdlibm, within 1 ulp): within 3 ulp on dense
 * sweeps of each function's range and exact on special values (NaN, infinities, signed zeros,
 * subnormals, overflow and underflow edges, arguments past the vector range reduction), on both
 * ISA paths (AVX2 and the scalar libm loop), on odd lengths (the vector loop's padded tail), and
 * through the ops against the JS backend. Also the float32 fast paths of sin, cos and tanh: a
 * lane's result does not depend on its neighbours (the slow-path lanes of a vector are blended
 * in lane by lane), and dense sweeps near the fast path's bound.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import { rng } from "./helpers/rng.js";
import { withIsa } from "./helpers/native.js";

const addon = nativeAddon();

const REF: Record<string, (x: number) => number> = {
  Exp: Math.exp,
  Expm1: Math.expm1,
  Log: Math.log,
  Log1p: Math.log1p,
  Tanh: Math.tanh,
  Sin: Math.sin,
  Cos: Math.cos,
  // e^x/(1 + e^x) below 0: no rounding of 1 + e^-x where e^-x is large.
  Sigmoid: (x) => (x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x))),
};

/** [lo, hi, spacing]: "lin" uniform, "log" log-uniform over positive values (both signs if lo < 0). */
const RANGES: Record<string, [number, number, "lin" | "log"][]> = {
  Exp: [
    [-1, 1, "lin"],
    [-745, 709.7, "lin"],
    [-708.5, -745, "lin"],
  ],
  Expm1: [
    [-1, 1, "lin"],
    [-0.7, 0.7, "lin"],
    [-50, 709.7, "lin"],
    [1e-300, 1e-2, "log"],
  ],
  Log: [
    [0.5, 2, "lin"],
    [0.99, 1.01, "lin"],
    [1e-320, 1e308, "log"],
  ],
  Log1p: [
    [-0.999, 2, "lin"],
    [-1e-3, 1e-3, "lin"],
    [1e-300, 1e300, "log"],
  ],
  Tanh: [
    [-1, 1, "lin"],
    [-25, 25, "lin"],
    [1e-300, 1e-2, "log"],
  ],
  Sin: [
    [-4, 4, "lin"],
    [-1e6, 1e6, "lin"],
    [1e-300, 1, "log"],
  ],
  Cos: [
    [-4, 4, "lin"],
    [-1e6, 1e6, "lin"],
    [1e-300, 1, "log"],
  ],
  Sigmoid: [
    [-40, 40, "lin"],
    [-700, 40, "lin"],
  ],
};

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  5e-324,
  -5e-324,
  1e-310,
  -1e-310,
  2.2250738585072014e-308,
  1e-20,
  -1e-20,
  1,
  -1,
  0.5,
  -0.5,
  Math.LN2,
  -Math.LN2,
  Math.PI / 2,
  Math.PI,
  40,
  -40,
  -45,
  700,
  709.7,
  709.8,
  710,
  -745,
  -746,
  -750,
  2 ** 20,
  2 ** 20 + 0.5,
  -(2 ** 21),
  1e22,
  -1e22,
  1e300,
  -1e300,
  1.7976931348623157e308,
  -1.7976931348623157e308,
];

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** Doubles as ordered integers: the ulp distance is the difference. */
function ordinal(v: number): bigint {
  f64[0] = v;
  const i = i64[0];
  return i < 0n ? -(2n ** 63n) - i : i;
}

function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want) || want === 0) return Object.is(got, want) ? 0 : Infinity;
  if (!Number.isFinite(got)) return Infinity;
  const d = ordinal(got) - ordinal(want);
  return Number(d < 0n ? -d : d);
}

function run(
  a: NativeAddon,
  name: string,
  x: Float64Array | Float32Array,
): Float64Array | Float32Array {
  const y = x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length);
  a.unary(a.unaryNames.indexOf(name), x, y);
  return y;
}

function skipWithout(t: TestContext, isa?: Isa): NativeAddon | null {
  if (addon === null) {
    t.skip("native addon not loaded");
    return null;
  }
  if (isa === "avx2-fma") {
    const before = addon.isa();
    const got = addon.setIsa("avx2-fma");
    addon.setIsa(before);
    if (got !== "avx2-fma") {
      t.skip("no AVX2 on this machine");
      return null;
    }
  }
  return addon;
}

function sample(r: () => number, lo: number, hi: number, spacing: "lin" | "log"): number {
  if (spacing === "lin") return lo + (hi - lo) * r();
  const v = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * r());
  return r() < 0.5 ? v : -v;
}

for (const isa of ["avx2-fma", "scalar"] as const) {
  test(`vmath f64 ${isa}: within 3 ulp of V8's Math on dense sweeps`, (t) => {
    const a = skipWithout(t, isa);
    if (a === null) return;
    withIsa(a, isa, () => {
      const r = rng(5);
      for (const [name, ref] of Object.entries(REF)) {
        for (const [lo, hi, spacing] of RANGES[name]) {
          // Odd length: the padded tail runs too.
          const n = 40001;
          const x = Float64Array.from({ length: n }, () => {
            const v = sample(r, lo, hi, spacing);
            return spacing === "log" && name.startsWith("Log") ? Math.abs(v) : v;
          });
          const y = run(a, name, x);
          let worst = 0;
          let at = 0;
          for (let i = 0; i < n; i++) {
            const d = ulps(y[i], ref(x[i]));
            if (d > worst) {
              worst = d;
              at = x[i];
            }
          }
          assert.ok(worst <= 3, `${name} on [${lo}, ${hi}] ${spacing}: ${worst} ulp at x = ${at}`);
        }
      }
    });
  });

  test(`vmath f64 ${isa}: special values exact in every lane and in the tail`, (t) => {
    const a = skipWithout(t, isa);
    if (a === null) return;
    withIsa(a, isa, () => {
      for (const name of Object.keys(REF)) {
        for (let shift = 0; shift < 5; shift++) {
          const x = new Float64Array(SPECIAL.length + shift);
          x.fill(0.25);
          x.set(SPECIAL, shift);
          const y = run(a, name, x);
          for (let i = 0; i < SPECIAL.length; i++) {
            const v = x[i + shift];
            const want = REF[name](v);
            const got = y[i + shift];
            const label = `${name}(${Object.is(v, -0) ? "-0" : v}) = ${got}, want ${want}`;
            if (name === "Sigmoid" && v < -709) {
              // 1/(1 + e^-x) overflows e^-x to inf and gives 0 (libm's loop); the vector path
              // takes e^x/(1 + e^x) = e^x, a subnormal (more accurate): either is accepted.
              assert.ok(got === 0 || ulps(got, Math.exp(v)) <= 1, label);
              continue;
            }
            assert.ok(ulps(got, want) <= 3, label);
            if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) {
              assert.ok(Object.is(got, want), label);
            }
          }
        }
      }
    });
  });
}

test("vmath f64: the AVX2 and scalar paths agree within 3 ulp at odd lengths 1..17", (t) => {
  const a = skipWithout(t, "avx2-fma");
  if (a === null) return;
  const r = rng(9);
  for (const name of Object.keys(REF)) {
    for (let n = 1; n <= 17; n++) {
      const x = Float64Array.from(
        { length: n },
        () => (r() - 0.5) * 8 + (name.startsWith("Log") ? 4.1 : 0),
      );
      const vec: number[] = [];
      const sca: number[] = [];
      withIsa(a, "avx2-fma", () => vec.push(...run(a, name, x)));
      withIsa(a, "scalar", () => sca.push(...run(a, name, x)));
      for (let i = 0; i < n; i++) {
        assert.ok(ulps(vec[i], sca[i]) <= 3, `${name} n=${n} at ${x[i]}: ${vec[i]} vs ${sca[i]}`);
      }
    }
  }
});

test("vmath f32: sin, cos, tanh of a lane do not depend on its neighbours (fast and slow lanes)", (t) => {
  const a = skipWithout(t, "avx2-fma");
  if (a === null) return;
  withIsa(a, "avx2-fma", () => {
    const r = rng(3);
    // Values on both sides of the fast path's bound (2^15) and far past it, mixed in vectors.
    const pool = [1e-3, 0.7, -3.3, 32767.5, 32768.5, -40000.25, 1e6, -3e7, 1e30, NaN, Infinity];
    for (const name of ["Sin", "Cos", "Tanh"]) {
      const x = Float32Array.from(
        { length: 203 },
        () => pool[Math.floor(r() * pool.length)] * (1 + r() * 1e-3),
      );
      const together = run(a, name, x);
      for (let i = 0; i < x.length; i++) {
        const alone = run(a, name, Float32Array.of(x[i]))[0];
        assert.ok(
          Object.is(alone, together[i]),
          `${name}(${x[i]}): ${alone} alone, ${together[i]} in a vector`,
        );
      }
    }
  });
});

test("vmath f32: sin and cos within 2 ulp on a dense sweep around the fast path's bound", (t) => {
  const a = skipWithout(t, "avx2-fma");
  if (a === null) return;
  withIsa(a, "avx2-fma", () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    // Every float32 in a window below and above 2^15, and 2^20.
    for (const center of [32768, 1048576]) {
      f32[0] = center;
      const base = u32[0];
      const n = 60001;
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        u32[0] = base - 30000 + i;
        x[i] = f32[0];
      }
      for (const [name, ref] of [
        ["Sin", Math.sin],
        ["Cos", Math.cos],
      ] as const) {
        const y = run(a, name, x);
        for (let i = 0; i < n; i++) {
          const want = Math.fround(ref(x[i]));
          const d = Math.abs(y[i] - want) / (2 ** -23 * 2 ** Math.floor(Math.log2(Math.abs(want))));
          assert.ok(d <= 2, `${name}(${x[i]}) = ${y[i]}, want ${want} (${d} ulp)`);
        }
      }
    }
  });
});

test("vmath f64: the ops agree with the JS backend on odd shapes", () => {
  const r = rng(13);
  const ops: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
    ["exp", tf.exp, -30, 30],
    ["expm1", tf.expm1, -2, 2],
    ["log", tf.log, 1e-3, 50],
    ["log1p", tf.log1p, -0.9, 5],
    ["sigmoid", tf.sigmoid, -20, 20],
    ["tanh", tf.tanh, -5, 5],
    ["sin", tf.sin, -50, 50],
    ["cos", tf.cos, -50, 50],
  ];
  for (const [name, f, lo, hi] of ops) {
    for (const shape of [[3, 7, 11], [1, 1031], [5]]) {
      const n = shape.reduce((p, d) => p * d, 1);
      const vals = Array.from({ length: n }, () => lo + (hi - lo) * r());
      const x = tf.constant(vals, "float64", shape);
      tf.setBackend("js");
      const js = f(x).dataSync() as Float64Array;
      tf.setBackend(addon === null ? "js" : "native");
      const native = f(x).dataSync() as Float64Array;
      for (let i = 0; i < n; i++) {
        assert.ok(
          ulps(native[i], js[i]) <= 4,
          `${name} float64 ${JSON.stringify(shape)} at ${vals[i]}: native ${native[i]}, js ${js[i]}`,
        );
      }
    }
  }
});
