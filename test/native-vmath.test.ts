/**
 * The addon's vectorized float32 math (native/vmath.h: sin, cos, tan, asin, acos, atan, sinh,
 * cosh, erf and the older exp family) against V8's libm in double rounded to float: within 3 ulp on
 * wide ranges, the ranges' hard spots (multiples of pi/2 for the trigonometric functions, the
 * branch points of asin/acos/atan, overflow for sinh/cosh), and exact on special values (NaN,
 * infinities, signed zeros, subnormals, arguments past the vector range reduction). Run on
 * every path the CPU has (AVX-512 for exp, sigmoid, tanh, sin and cos: native/vmath_avx512.h;
 * AVX2; scalar) and, through the ops, against the JS backend on odd lengths (the vector loop's
 * tail) in both float dtypes. The AVX-512 loops give the AVX2 ones' results bit for bit.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import type { NativeAddon } from "../src/backend/native/addon.js";
import { erf as jsErf } from "../src/backend/js/scalar-math.js";
import { onSimdPath } from "./helpers/native.js";
import { rng } from "./helpers/rng.js";

const addon = nativeAddon();

/** The float32 sigmoid in double, as the addon's scalar path and the JS backend compute it. */
const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));

const REF: Record<string, (x: number) => number> = {
  Sin: Math.sin,
  Cos: Math.cos,
  Tan: Math.tan,
  Asin: Math.asin,
  Acos: Math.acos,
  Atan: Math.atan,
  Sinh: Math.sinh,
  Cosh: Math.cosh,
  Exp: Math.exp,
  Expm1: Math.expm1,
  Log: Math.log,
  Log1p: Math.log1p,
  Tanh: Math.tanh,
  Sigmoid: sigmoid,
  // The JS erf gives +0 for -0; erf is odd (libm and the addon keep -0).
  Erf: (x) => (x === 0 ? x : jsErf(x)),
};

/** Where each function's hard cases live. */
const RANGES: Record<string, [number, number][]> = {
  Sin: [
    [-1, 1],
    [-10, 10],
    [-1e4, 1e4],
    [-1e6, 1e6],
  ],
  Cos: [
    [-1, 1],
    [-10, 10],
    [-1e4, 1e4],
    [-1e6, 1e6],
  ],
  Tan: [
    [-1, 1],
    [-10, 10],
    [-1e4, 1e4],
  ],
  Asin: [
    [-1, 1],
    [-0.6, 0.6],
    [0.45, 1],
  ],
  Acos: [
    [-1, 1],
    [-0.6, 0.6],
    [-1, -0.45],
  ],
  Atan: [
    [-1, 1],
    [-3, 3],
    [-1e6, 1e6],
  ],
  Sinh: [
    [-1, 1],
    [-1e-3, 1e-3],
    [-20, 20],
    [-90, 90],
  ],
  Cosh: [
    [-1, 1],
    [-20, 20],
    [-90, 90],
  ],
  Exp: [[-100, 90]],
  Expm1: [
    [-2, 2],
    [-50, 50],
  ],
  Log: [
    [0, 10],
    [0, 1e30],
  ],
  Log1p: [
    [-0.9, 2],
    [0, 1e6],
  ],
  Tanh: [
    [-1, 1],
    [-10, 10],
  ],
  Sigmoid: [
    [-1, 1],
    [-20, 20],
    [-100, 100],
  ],
  Erf: [
    [-1, 1],
    [-0.01, 0.01],
    [0.9, 1.1],
    [-4, 4],
    [-12, 12],
  ],
};

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1e-40,
  -1e-40,
  1e-30,
  -1e-30,
  1,
  -1,
  0.5,
  -0.5,
  Math.PI / 2,
  -Math.PI / 2,
  Math.PI,
  3 * Math.PI,
  88.5,
  89.3,
  -89.3,
  90,
  2 ** 20,
  2 ** 20 + 1,
  -(2 ** 21),
  1e10,
  -1e10,
  3.4e38,
  -3.4e38,
];

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** Floats as ordered integers: the ulp distance is the difference. */
function ordinal(v: number): number {
  f32[0] = v;
  const i = i32[0];
  return i < 0 ? -2147483648 - i : i;
}

function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want) || want === 0) return Object.is(got, want) ? 0 : Infinity;
  return Math.abs(ordinal(got) - ordinal(want));
}

function run(a: NativeAddon, name: string, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  a.unary(a.unaryNames.indexOf(name), x, y);
  return y;
}

/** Runs body on one path of the vector math; false (body not run) when the CPU lacks it. */
const onPath = onSimdPath;

/** `name` over x on the AVX-512 and the AVX2 paths; null when the CPU has no AVX-512. */
function on512And256(
  a: NativeAddon,
  name: string,
  x: Float32Array,
): [Float32Array, Float32Array] | null {
  let y512: Float32Array | null = null;
  let y256: Float32Array | null = null;
  if (!onPath(a, "avx512", () => (y512 = run(a, name, x)))) return null;
  onPath(a, "avx2", () => (y256 = run(a, name, x)));
  return [y512 as unknown as Float32Array, y256 as unknown as Float32Array];
}

function skipWithout(t: TestContext): NativeAddon | null {
  if (addon === null) {
    t.skip("native addon not loaded");
    return null;
  }
  return addon;
}

for (const path of ["avx512", "avx2", "scalar"] as const) {
  test(`vmath ${path}: float32 functions within 3 ulp of libm on their ranges`, (t) => {
    const a = skipWithout(t);
    if (a === null) return;
    const ran = onPath(a, path, () => {
      const r = rng(7);
      for (const [name, ref] of Object.entries(REF)) {
        for (const [lo, hi] of RANGES[name]) {
          // An odd length: the vector loop's tail runs too.
          const n = 20001;
          const x = Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
          const y = run(a, name, x);
          let worst = 0;
          let at = 0;
          for (let i = 0; i < n; i++) {
            const d = ulps(y[i], Math.fround(ref(x[i])));
            if (d > worst) {
              worst = d;
              at = x[i];
            }
          }
          assert.ok(worst <= 3, `${name} on [${lo}, ${hi}]: ${worst} ulp at x = ${at}`);
        }
      }
    });
    if (!ran) t.skip(`no ${path} path on this CPU`);
  });

  test(`vmath ${path}: special values exact (NaN, infinities, signed zeros, huge arguments)`, (t) => {
    const a = skipWithout(t);
    if (a === null) return;
    const ran = onPath(a, path, () => {
      // Every special value in every lane position of a vector (16 lanes with AVX-512) and in
      // the tail.
      for (const name of Object.keys(REF)) {
        for (let shift = 0; shift < 17; shift++) {
          const x = new Float32Array(SPECIAL.length + shift);
          x.fill(0.25);
          x.set(SPECIAL, shift);
          const y = run(a, name, x);
          for (let i = 0; i < SPECIAL.length; i++) {
            const v = x[i + shift];
            const want = Math.fround(REF[name](v));
            const got = y[i + shift];
            const d = ulps(got, want);
            assert.ok(d <= 3, `${name}(${v}) = ${got}, want ${want}`);
            if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) {
              assert.ok(
                Object.is(got, want),
                `${name}(${Object.is(v, -0) ? "-0" : v}) = ${got}, want ${want}`,
              );
            }
          }
        }
      }
    });
    if (!ran) t.skip(`no ${path} path on this CPU`);
  });
}

test("vmath avx512: exp, sigmoid, tanh, sin and cos give the AVX2 loops' results bit for bit", (t) => {
  const a = skipWithout(t);
  if (a === null) return;
  const r = rng(23);
  const ranges: [number, number][] = [
    [-1, 1],
    [-12, 12],
    [-120, 120],
    [-4e4, 4e4],
    [-1e7, 1e7],
    [-3e38, 3e38],
  ];
  let ran = false;
  for (const name of ["Exp", "Sigmoid", "Tanh", "Sin", "Cos"]) {
    for (const [lo, hi] of ranges) {
      // Odd lengths: the masked 16-lane tail against the padded 8-lane one.
      for (const n of [1, 15, 17, 33, 4099]) {
        const x = Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
        // Specials scattered over the lanes, some next to slow-path lanes of sin and cos.
        const special = [NaN, Infinity, -Infinity, -0, 1e-40, -1e-45, 40000, -1048576];
        for (let i = 0; i < n; i += 7) x[i] = special[(i / 7) % special.length];
        const both = on512And256(a, name, x);
        if (both === null) continue;
        ran = true;
        const [p, q] = both;
        for (let i = 0; i < n; i++) {
          assert.ok(Object.is(p[i], q[i]), `${name}(${x[i]}) n=${n}: avx512 ${p[i]}, avx2 ${q[i]}`);
        }
      }
    }
  }
  if (!ran) t.skip("no AVX-512 on this CPU");
});

test("vmath: the ops agree with the JS backend on odd shapes, both float dtypes", () => {
  const r = rng(11);
  const ops: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
    ["sin", tf.sin, -50, 50],
    ["cos", tf.cos, -50, 50],
    ["tan", tf.tan, -1.5, 1.5],
    ["asin", tf.asin, -1, 1],
    ["acos", tf.acos, -1, 1],
    ["atan", tf.atan, -20, 20],
    ["sinh", tf.sinh, -20, 20],
    ["cosh", tf.cosh, -20, 20],
    ["erf", tf.erf, -5, 5],
    ["exp", tf.exp, -80, 80],
    ["tanh", tf.tanh, -12, 12],
    ["sigmoid", tf.sigmoid, -30, 30],
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, f, lo, hi] of ops) {
      for (const shape of [[3, 7, 11], [1, 1031], [5]]) {
        const n = shape.reduce((p, d) => p * d, 1);
        const vals = Array.from({ length: n }, () => lo + (hi - lo) * r());
        const x = tf.constant(vals, dtype, shape);
        tf.setBackend("js");
        const js = f(x).dataSync() as Float32Array | Float64Array;
        tf.setBackend(addon === null ? "js" : "native");
        const native = f(x).dataSync() as Float32Array | Float64Array;
        // float32 within 3 ulp (4e-7 relative), float64 within a few ulp (vmath_f64.h or libm).
        const rtol = dtype === "float32" ? 4e-7 : 1e-15;
        for (let i = 0; i < n; i++) {
          const tol = rtol * Math.abs(js[i]) + 1e-37;
          assert.ok(
            Math.abs(native[i] - js[i]) <= tol,
            `${name} ${dtype} ${JSON.stringify(shape)} at ${vals[i]}: native ${native[i]}, js ${js[i]}`,
          );
        }
      }
    }
  }
});

test("vmath: sin and cos with sparse slow lanes in long arrays match the AVX2 loop and each lane alone", (t) => {
  // The AVX-512 loop tests for slow lanes (|x| > 2^15, infinities, NaN) once per four vectors:
  // one slow lane anywhere in a block must reach the slow path, and its neighbours (in its
  // vector and in the block's other vectors) keep their fast-path values.
  const a = skipWithout(t);
  if (a === null) return;
  const r = rng(41);
  const slowValues = [40000.5, -1e6, 3e30, NaN, -Infinity];
  let ran = false;
  for (const name of ["Sin", "Cos"]) {
    for (const n of [64, 65, 127, 640, 1000]) {
      const x = Float32Array.from({ length: n }, () => -4 + 8 * r());
      // A slow lane at each position class: first, last of a vector, and mid-block.
      const at = [0, 15, 16, 47, 63, n - 1].filter((i) => i < n);
      at.forEach((i, k) => (x[i] = slowValues[k % slowValues.length]));
      const both = on512And256(a, name, x);
      if (both === null) continue;
      ran = true;
      const [p, q] = both;
      for (let i = 0; i < n; i++) {
        assert.ok(Object.is(p[i], q[i]), `${name}(${x[i]}) n=${n} at ${i}: ${p[i]} vs ${q[i]}`);
        const want = Math.fround(REF[name](x[i]));
        assert.ok(ulps(p[i], want) <= 2, `${name}(${x[i]}) = ${p[i]}, want ${want}`);
      }
    }
  }
  if (!ran) t.skip("no AVX-512 on this CPU");
});

for (const path of ["avx512", "avx2"] as const) {
  test(`vmath ${path}: tanh within 2 ulp on a dense sweep of [0, 10] and at its hard spots`, (t) => {
    // The half-scale reduction and degree-4 polynomial of v8f::tanh were checked on every float
    // (2 ulp at most); here a dense sweep plus the spots that came closest to 3 ulp in that
    // check, and odd symmetry.
    const a = skipWithout(t);
    if (a === null) return;
    const xs: number[] = [];
    for (let i = 0; i < 200000; i++) xs.push((10 * i) / 200000);
    const hard = [
      0x1e73186 * 2 ** -38, // 0x1.e73186p-14
      0x1feccf2 * 2 ** -29, // 0x1.feccf2p-5
      0x100152c * 2 ** -29, // 0x1.00152cp-5
      0x19f97e2 * 2 ** -27, // 0x1.9f97e2p-3
      0.1733, // n from 0 to 1
      0.3466,
    ];
    for (const h of hard) for (let k = -64; k <= 64; k++) xs.push(h * (1 + k * 2 ** -23));
    const x = Float32Array.from(xs);
    let y: Float32Array | null = null;
    let yn: Float32Array | null = null;
    const neg = x.map((v) => -v);
    if (!onPath(a, path, () => ((y = run(a, "Tanh", x)), (yn = run(a, "Tanh", neg))))) {
      t.skip(`no ${path} path on this CPU`);
      return;
    }
    const p = y as unknown as Float32Array;
    const pn = yn as unknown as Float32Array;
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(Math.tanh(x[i]));
      assert.ok(ulps(p[i], want) <= 2, `tanh(${x[i]}) = ${p[i]}, want ${want}`);
      assert.ok(Object.is(pn[i], -p[i]), `tanh(${-x[i]}) = ${pn[i]}, not -${p[i]}`);
    }
  });
}
