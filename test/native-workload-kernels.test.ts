/**
 * The workload kernels of issue 10 (native/movement.cc transpose, native/optim.cc Adam) against
 * the JS kernels on odd shapes, every dtype they take and both ISA paths; their bad-argument
 * handling (TypeError / RangeError, never a crash); and the Adam optimizer's fused step against
 * Keras's rule computed by hand.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";

const addon = nativeAddon();

function need(t: TestContext, name: "transpose" | "adamUpdate"): NativeAddon | null {
  if (addon === null || addon[name] === undefined) {
    t.skip(`native ${name} not available`);
    return null;
  }
  return addon;
}

function eachIsa(a: NativeAddon, body: (isa: Isa) => void): void {
  const before = a.isa();
  try {
    for (const isa of ["avx2-fma", "scalar"] as const) {
      if (a.setIsa(isa) !== isa) continue;
      body(isa);
    }
  } finally {
    a.setIsa(before);
  }
}

type Ctor =
  Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const CTORS: Ctor[] = [Float32Array, Float64Array, Int32Array, Uint8Array];

function shuffle<T>(r: () => number, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

test("native transpose equals the JS kernel: random ranks, odd dims, every perm kind and dtype", (t) => {
  const a = need(t, "transpose");
  if (a === null) return;
  const r = rng(5);
  const DIMS = [1, 2, 3, 5, 7, 16, 17, 31, 33, 40];
  const shapes: number[][] = [
    [32, 200, 2, 16],
    [1000, 37],
    [37, 1000],
    [3, 65, 1, 67],
  ];
  for (let i = 0; i < 60; i++) {
    const rank = 1 + Math.floor(r() * 5);
    const s = Array.from({ length: rank }, () => DIMS[Math.floor(r() * DIMS.length)]);
    if (s.reduce((p, d) => p * d, 1) <= 200000) shapes.push(s);
  }
  eachIsa(a, (isa) => {
    for (const shape of shapes) {
      const n = shape.reduce((p, d) => p * d, 1);
      const perms = [
        shape.map((_, i) => shape.length - 1 - i),
        shuffle(
          r,
          shape.map((_, i) => i),
        ),
      ];
      if (shape.length === 4) perms.push([0, 2, 1, 3]);
      for (const perm of perms) {
        const C = CTORS[Math.floor(r() * CTORS.length)];
        const x = new C(n);
        for (let i = 0; i < n; i++) x[i] = C === Uint8Array ? (i * 7) & 1 : (i * 31) % 1009;
        const want = new C(n);
        jsBackend.transpose(x, shape, perm, want);
        const got = new C(n);
        a.transpose?.(x, shape, perm, got);
        assert.deepEqual(
          got,
          want,
          `${isa} ${C.name} shape ${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`,
        );
      }
    }
  });
});

test("tf.transpose on the native backend: the attention layout, both float dtypes", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const x = tf.reshape(tf.range(0, 32 * 200 * 2 * 16, 1, dtype), [32, 200, 2, 16]);
    const y = tf.transpose(x, [0, 2, 1, 3]);
    assert.deepEqual(y.shape, [32, 2, 200, 16]);
    const v = y.dataSync();
    // y[b, h, t, d] = x[b, t, h, d] = ((b * 200 + t) * 2 + h) * 16 + d.
    for (const [b, h, tt, d] of [
      [0, 0, 0, 0],
      [0, 1, 0, 5],
      [31, 1, 199, 15],
      [7, 0, 123, 9],
    ]) {
      assert.equal(v[((b * 2 + h) * 200 + tt) * 16 + d], ((b * 200 + tt) * 2 + h) * 16 + d);
    }
  }
});

test("native transpose refuses bad arguments with TypeError or RangeError", (t) => {
  const a = need(t, "transpose");
  if (a === null) return;
  const tr = a.transpose?.bind(a) as (...args: unknown[]) => void;
  const x = new Float32Array(6);
  const cases: [unknown[], RegExp][] = [
    [[x, [2, 3], [0], new Float32Array(6)], /perm has 1 entries for rank 2/],
    [[x, [2, 3], [0, 0], new Float32Array(6)], /not a permutation/],
    [[x, [2, 3], [0, 2], new Float32Array(6)], /not a permutation/],
    [[x, [2, 3], [1, 0], new Float32Array(5)], /out has 5 elements/],
    [[x, [2, 4], [1, 0], new Float32Array(8)], /x has 6 elements but shape \[2, 4\]/],
    [[x, [2, 3], [1, 0], new Float64Array(6)], /dtypes differ/],
    [[x, [2, 3], [1, 0], x], /shares memory/],
    [[x, [2, -3], [1, 0], new Float32Array(6)], /non-negative integer/],
    [[[1, 2], [2], [0], new Float32Array(2)], /typed array/],
    [[x, "2,3", [1, 0], new Float32Array(6)], /array of dims/],
  ];
  for (const [args, msg] of cases) {
    assert.throws(
      () => tr(...args),
      (e: unknown) =>
        (e instanceof TypeError || e instanceof RangeError) && msg.test((e as Error).message),
      String(msg),
    );
  }
  // Empty tensors: nothing to do, no error.
  tr(new Float32Array(0), [0, 3], [1, 0], new Float32Array(0));
});

test("native adamUpdate equals the JS kernel on odd lengths, both float dtypes, both ISAs", (t) => {
  const a = need(t, "adamUpdate");
  if (a === null) return;
  const r = rng(9);
  eachIsa(a, (isa) => {
    for (const C of [Float32Array, Float64Array]) {
      for (const n of [1, 7, 9, 1025, 70001]) {
        const make = (lo: number, hi: number): Float32Array | Float64Array => {
          const arr = new C(n);
          for (let i = 0; i < n; i++) arr[i] = lo + (hi - lo) * r();
          return arr;
        };
        const variable = make(-1, 1);
        const m = make(-0.1, 0.1);
        const v = make(0, 0.01);
        const g = make(-1, 1);
        const args = [0.00123, 0.9, 0.999, 1e-7] as const;
        const want = [new C(n), new C(n), new C(n)];
        jsBackend.adamUpdate(variable, m, v, g, ...args, want[0], want[1], want[2]);
        const got = [new C(n), new C(n), new C(n)];
        a.adamUpdate?.(variable, m, v, g, got[0], got[1], got[2], ...args);
        // Every step rounds as the JS kernel's does (no fused multiply-adds): equal bit for bit.
        for (let k = 0; k < 3; k++) {
          assert.deepEqual(got[k], want[k], `${isa} ${C.name} n=${n} output ${k}`);
        }
      }
    }
  });
});

test("native adamUpdate refuses bad arguments with TypeError or RangeError", (t) => {
  const a = need(t, "adamUpdate");
  if (a === null) return;
  const up = a.adamUpdate?.bind(a) as (...args: unknown[]) => void;
  const f = (n: number): Float32Array => new Float32Array(n);
  const x = f(4);
  const cases: [unknown[], RegExp][] = [
    [[x, f(4), f(4), f(4), f(4), f(4), f(3), 0.1, 0.9, 0.999, 1e-7], /outV has 3 elements/],
    [
      [x, f(4), f(4), new Float64Array(4), f(4), f(4), f(4), 0.1, 0.9, 0.999, 1e-7],
      /dtypes differ/,
    ],
    [[x, f(4), f(4), f(4), x, f(4), f(4), 0.1, 0.9, 0.999, 1e-7], /shares memory/],
    [[x, f(4), f(4), f(4), f(4), f(4), f(4), NaN, 0.9, 0.999, 1e-7], /alpha must be finite/],
    [[x, f(4), f(4), f(4), f(4), f(4), f(4), "0.1", 0.9, 0.999, 1e-7], /alpha must be a number/],
    [
      [x, f(4), f(4), new Int32Array(4), f(4), f(4), f(4), 0.1, 0.9, 0.999, 1e-7],
      /float32 or float64/,
    ],
    [[x, f(4), f(4), f(4), f(4), f(4)], /must be/],
  ];
  for (const [args, msg] of cases) {
    assert.throws(
      () => up(...args),
      (e: unknown) =>
        (e instanceof TypeError || e instanceof RangeError) && msg.test((e as Error).message),
      String(msg),
    );
  }
});

test("Adam's fused step follows Keras's rule (three steps, float64 and float32, large and small)", () => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const n of [5, 3000]) {
      const init = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const grads = [0, 1, 2].map((s) =>
        Array.from({ length: n }, (_, i) => Math.cos(i * 0.37 + s)),
      );
      const w = new tf.Variable(tf.constant(init, dtype));
      const opt = new tf.keras.optimizers.Adam(0.01, { beta1: 0.8, beta2: 0.95, epsilon: 1e-6 });
      // The rule in float64 by hand.
      const x = init.slice();
      const m = new Array<number>(n).fill(0);
      const v = new Array<number>(n).fill(0);
      for (let step = 1; step <= 3; step++) {
        opt.applyGradients([[tf.constant(grads[step - 1], dtype), w]]);
        // The rate lives in a float32 variable, as in Keras 3.
        const alpha = (Math.fround(0.01) * Math.sqrt(1 - 0.95 ** step)) / (1 - 0.8 ** step);
        for (let i = 0; i < n; i++) {
          const g = grads[step - 1][i];
          m[i] += (g - m[i]) * 0.2;
          v[i] += (g * g - v[i]) * 0.05;
          x[i] -= (m[i] * alpha) / (Math.sqrt(v[i]) + 1e-6);
        }
      }
      const got = w.dataSync() as Float32Array | Float64Array;
      const tol = dtype === "float64" ? 1e-12 : 2e-6;
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(got[i] - x[i]) <= tol, `${dtype} n=${n} at ${i}: ${got[i]} vs ${x[i]}`);
      }
      assert.equal(opt.iterations, 3);
      assert.equal(opt.variables.length, 4, "iteration, learning_rate, momentum and velocity");
    }
  }
});

// ---- softmax / log-softmax gradients --------------------------------------------------------

test("native softmaxGrad equals the JS kernel: odd rows, middle axes, both dtypes, both ISAs", (t) => {
  const a = addon;
  if (a === null || a.softmaxGrad === undefined) {
    t.skip("native softmaxGrad not available");
    return;
  }
  const r = rng(13);
  const shapes = [
    { outer: 1, n: 1, inner: 1 },
    { outer: 3, n: 7, inner: 1 },
    { outer: 5, n: 33, inner: 1 },
    { outer: 64, n: 200, inner: 1 },
    { outer: 2, n: 1000, inner: 1 },
    { outer: 3, n: 5, inner: 7 },
    { outer: 40, n: 17, inner: 9 },
  ];
  eachIsa(a, (isa) => {
    for (const C of [Float32Array, Float64Array]) {
      for (const p of shapes) {
        for (const log of [false, true]) {
          const size = p.outer * p.n * p.inner;
          const y = new C(size);
          const dy = new C(size);
          for (let i = 0; i < size; i++) {
            // softmax outputs in (0, 1); log-softmax outputs negative.
            y[i] = log ? -0.1 - 5 * r() : r() / p.n;
            dy[i] = 2 * r() - 1;
          }
          const want = new C(size);
          jsBackend.softmaxGrad(y, dy, want, p, log);
          const got = new C(size);
          a.softmaxGrad?.(y, dy, got, p, log);
          const eps = C === Float32Array ? 2 ** -23 : 2 ** -52;
          for (let i = 0; i < size; i++) {
            // The sum's rounding (float lanes on AVX2) scaled by what it multiplies, plus the
            // last roundings of the element itself.
            const scale = log ? Math.exp(y[i]) * p.n : Math.abs(y[i]) * p.n;
            const tol = 8 * eps * (Math.abs(want[i]) + scale + Math.abs(dy[i]));
            assert.ok(
              Math.abs(got[i] - want[i]) <= tol,
              `${isa} ${C.name} ${JSON.stringify(p)} log=${log} at ${i}: ${got[i]} vs ${want[i]}`,
            );
          }
        }
      }
    }
  });
});

test("native softmaxGrad refuses bad arguments with TypeError or RangeError", (t) => {
  const a = addon;
  if (a === null || a.softmaxGrad === undefined) {
    t.skip("native softmaxGrad not available");
    return;
  }
  const sg = a.softmaxGrad.bind(a) as (...args: unknown[]) => void;
  const f = (n: number): Float32Array => new Float32Array(n);
  const p = { outer: 2, n: 3, inner: 1 };
  const y = f(6);
  const cases: [unknown[], RegExp][] = [
    [[y, f(6), f(5), p, false], /out has 5 elements/],
    [[y, new Float64Array(6), f(6), p, false], /dtypes differ/],
    [[y, f(6), y, p, false], /shares memory/],
    [[y, f(6), f(6), { outer: 2, n: 3 }, false], /params.inner must be a number/],
    [[y, f(6), f(6), p, 1], /log must be a boolean/],
    [[y, f(6), new Int32Array(6), p, false], /float32 or float64/],
  ];
  for (const [args, msg] of cases) {
    assert.throws(
      () => sg(...args),
      (e: unknown) =>
        (e instanceof TypeError || e instanceof RangeError) && msg.test((e as Error).message),
      String(msg),
    );
  }
});

test("softmax and logSoftmax gradients: known values and second-order finite differences", () => {
  // d softmax(x)_0 / dx at x = [0, ln 2, ln 3]: y = [1/6, 2/6, 3/6], row 0 of the Jacobian is
  // y_0 (delta_0j - y_j) = [5/36, -2/36, -3/36].
  const x = tf.constant([0, Math.log(2), Math.log(3)], "float64");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y0 = tape.record(() => tf.slice(tf.nn.softmax(x), [0], [1]));
  const g = tape.gradient(y0, x) as tf.Tensor;
  const gv = g.dataSync() as Float64Array;
  [5 / 36, -2 / 36, -3 / 36].forEach((w, i) => assert.ok(Math.abs(gv[i] - w) < 1e-15, `${i}`));
  // logSoftmax: d/dx sum(w * logSoftmax(x)) = w - softmax(x) sum(w).
  const w = tf.constant([1, 2, 3], "float64");
  const t2 = new tf.GradientTape();
  t2.watch(x);
  const l = t2.record(() => tf.reduceSum(tf.multiply(w, tf.nn.logSoftmax(x))));
  const gl = (t2.gradient(l, x) as tf.Tensor).dataSync() as Float64Array;
  [1 - 6 / 6, 2 - 12 / 6, 3 - 18 / 6].forEach((want, i) =>
    assert.ok(Math.abs(gl[i] - want) < 1e-14, `logSoftmax ${i}: ${gl[i]} vs ${want}`),
  );
  // The fused gradient ops' own gradients (second order), against finite differences.
  const r = rng(3);
  for (const axis of [-1, 0, 1]) {
    const vals = Array.from({ length: 24 }, () => 2 * r() - 1);
    const x3 = tf.constant(vals, "float64", [2, 3, 4]);
    const wt = tf.constant(
      Array.from({ length: 24 }, () => 2 * r() - 1),
      "float64",
      [2, 3, 4],
    );
    for (const f of [tf.nn.softmax, tf.nn.logSoftmax]) {
      checkGradients(
        (xx) => {
          const tp = new tf.GradientTape();
          tp.watch(xx);
          const out = tp.record(() => tf.reduceSum(tf.multiply(wt, f(xx, axis))));
          return tp.gradient(out, xx) as tf.Tensor;
        },
        [x3],
      );
    }
  }
});
