/**
 * Differential fuzz: every native kernel family against the JS reference backend, through the
 * public ops, on the same random inputs under tf.setBackend("js") and tf.setBackend("native").
 * The native backend's size thresholds are set to zero here, so every op reaches C++ however
 * small (shapes with 0 and 1 dims included). Shapes are random with sizes around the vector
 * widths and the matmul blocks; broadcasts, transposes, batches, strides, dilations and
 * paddings are random; both float dtypes; each case picks the AVX2 or portable path and one or
 * two threads at random. Inputs include NaN, infinities, signed zeros and ties.
 *
 * Tolerances are bounds, not guesses: a sum or product of n float terms computed in any order
 * is within about n * eps * sum(|terms|) of the exact value, so the two backends are compared
 * with (n + 2) * eps times the same op run on |inputs| (in float64, on the JS backend).
 * Elementwise maps allow a few ulps (the AVX2 float32 polynomials against libm), maxima, pools,
 * selects and casts none. Deterministic (seeded) and quick; TAPEFLOW_FUZZ_SEED=n picks other
 * seeds and TAPEFLOW_FUZZ_SCALE=k runs k times as many cases.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { lookupOp } from "../src/engine/op.js";
import { runOp } from "../src/engine/run-op.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { THRESHOLDS } from "../src/backend/native/backend.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import type { DType, NumArray } from "../src/tensor/dtype.js";
import { rng } from "./helpers/rng.js";
import { onJs, size } from "./helpers/native.js";

const addon = nativeAddon();

/** TAPEFLOW_FUZZ_SEED shifts every seed, TAPEFLOW_FUZZ_SCALE multiplies the case counts. */
const SEED = Number(process.env.TAPEFLOW_FUZZ_SEED ?? 0);
const SCALE = Number(process.env.TAPEFLOW_FUZZ_SCALE ?? 1);
const reps = (n: number): number => Math.max(1, Math.round(n * SCALE));

type Float = "float32" | "float64";
const FLOATS: Float[] = ["float32", "float64"];
const EPS: Record<Float, number> = { float32: 2 ** -23, float64: 2 ** -52 };

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Dims around the AVX2 widths (8 floats, 4 doubles) and small-block edges. */
const DIMS = [0, 1, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33];

/** Dims for shapes of 65536 to 300000 elements, where the kernels split work over threads. */
const BIG_DIMS = [1, 3, 17, 64, 129, 257, 1025, 4099, 70001];

/** A random shape of rank <= maxRank and at most maxSize elements, or one time in ten a big one. */
function randShape(r: Rand, maxRank: number, maxSize = 2048): number[] {
  if (maxRank > 0 && r() < 0.1) {
    for (;;) {
      const s = Array.from({ length: int(r, 1, maxRank) }, () => pick(r, BIG_DIMS));
      if (size(s) >= 65536 && size(s) <= 300000) return s;
    }
  }
  for (;;) {
    const s = Array.from({ length: int(r, 0, maxRank) }, () => pick(r, DIMS));
    if (size(s) <= maxSize) return s;
  }
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, 1e-30, -1e-30, 30, -30];

/** Values in [lo, hi], with special values at a rate of `special`, as a typed array. */
function values(r: Rand, dtype: Float, n: number, lo = -2, hi = 2, special = 0): NumArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = r() < special ? pick(r, SPECIALS) : lo + (hi - lo) * r();
  return out;
}

function tensor(v: NumArray, dtype: DType, shape: readonly number[]): tf.Tensor {
  return tf.constant(v, dtype, [...shape]);
}

function data(t: tf.Tensor): NumArray {
  return t.dataSync() as NumArray;
}

interface Setting {
  isa: Isa;
  threads: number;
}

/** Counts the calls into each addon function while it runs body (the backend calls through
 * the same object, so a routing change that bypasses C++ shows up as a missing entry point). */
function counting(a: NativeAddon, body: () => void): Map<string, number> {
  const calls = new Map<string, number>();
  const obj = a as unknown as Record<string, unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const [k, f] of Object.entries(obj)) {
    if (typeof f !== "function") continue;
    const fn = f as (...args: unknown[]) => unknown;
    originals.set(k, fn);
    obj[k] = (...args: unknown[]) => {
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return fn(...args);
    };
  }
  try {
    body();
  } finally {
    for (const [k, f] of originals) obj[k] = f;
  }
  return calls;
}

/**
 * Runs the body with the native thresholds at zero (or skips without the addon), restoring
 * backend, ISA and threads, and checks that each of `reaches` was called (10 times at scale 1).
 */
function withNative(
  t: TestContext,
  seed: number,
  reaches: string[],
  body: (a: NativeAddon, r: Rand) => void,
): void {
  if (addon === null || !tf.setBackend("native")) {
    t.skip("native addon not loaded (build it with `npm install`)");
    return;
  }
  const backend = tf.getBackend();
  const saved = { ...THRESHOLDS };
  const isa = addon.isa();
  const threads = addon.numThreads();
  for (const k of Object.keys(THRESHOLDS) as (keyof typeof THRESHOLDS)[]) THRESHOLDS[k] = 0;
  try {
    const calls = counting(addon, () => body(addon, rng(seed + SEED * 7919)));
    const least = Math.ceil(10 * Math.min(1, SCALE));
    for (const name of reaches)
      assert.ok((calls.get(name) ?? 0) >= least, `native ${name} called ${calls.get(name)} times`);
  } finally {
    Object.assign(THRESHOLDS, saved);
    addon.setIsa(isa);
    addon.setNumThreads(threads);
    tf.setBackend(backend);
  }
}

const ISAS: Isa[] =
  addon !== null && addon.isa() === "avx2-fma" ? ["avx2-fma", "scalar"] : ["scalar"];

/** f on the JS backend, then on the native one with a random ISA and thread count. */
function both<T>(a: NativeAddon, r: Rand, f: () => T): { js: T; native: T; setting: Setting } {
  tf.setBackend("js");
  const js = f();
  const setting = { isa: pick(r, ISAS), threads: pick(r, [1, 2]) };
  a.setIsa(setting.isa);
  a.setNumThreads(setting.threads);
  tf.setBackend("native");
  const native = f();
  return { js, native, setting };
}

/**
 * |got - want| <= bound (a number or one per element); NaN must match NaN and infinities match
 * exactly; where the bound itself is not finite (an infinity among the terms) only NaN-ness and
 * the sign of infinities are compared.
 */
function assertWithin(
  got: NumArray,
  want: NumArray,
  bound: number | ArrayLike<number>,
  what: () => string,
): void {
  assert.equal(got.length, want.length, `${what()}: lengths`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const b = typeof bound === "number" ? bound : bound[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) assert.fail(`${what()}[${i}]: got ${g}, want ${w}`);
    } else if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w && Number.isFinite(b)) assert.fail(`${what()}[${i}]: got ${g}, want ${w}`);
    } else if (!(Math.abs(g - w) <= b)) {
      assert.fail(`${what()}[${i}]: got ${g}, want ${w}, |diff| ${Math.abs(g - w)} > ${b}`);
    }
  }
}

/** c * |x| + atol per element. */
function relBound(x: NumArray, c: number, atol: number): Float64Array {
  return Float64Array.from(x, (v) => c * Math.abs(v) + atol);
}

function scaled(x: NumArray, c: number, atol = 0): Float64Array {
  return Float64Array.from(x, (v) => c * v + atol);
}

const describe = (s: Setting, ...parts: unknown[]): string =>
  `${parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")} [${s.isa}, ${s.threads} thread(s)]`;

// ---- elementwise ---------------------------------------------------------------------------

/** The public op behind a native kernel name, found in the registry (no second list here). */
function registryOp(name: string): (...xs: tf.Tensor[]) => tf.Tensor {
  const op = lookupOp(name);
  assert.ok(op !== undefined, `native kernel ${name} has no registry op`);
  return (...xs) => runOp(op, xs, {})[0];
}

test("fuzz: every unary op, random shapes and special values, both dtypes", (t) =>
  withNative(t, 101, ["unary"], (a, r) => {
    for (const name of a.unaryNames) {
      const op = registryOp(name);
      for (let rep = 0; rep < reps(10); rep++) {
        const dtype = pick(r, FLOATS);
        const shape = randShape(r, 3, 1200);
        const lo = ["Log", "Sqrt", "Rsqrt"].includes(name) ? 0 : -40;
        const x = values(r, dtype, size(shape), ["Asin", "Acos"].includes(name) ? -1 : lo, 40, 0.2);
        const { js, native, setting } = both(a, r, () => data(op(tensor(x, dtype, shape))));
        // float32: the AVX2 polynomials are within 3 ulp; libm and V8 may differ by 1 ulp.
        // float64: both within a few ulp (the JS erf is within 3 of libm's).
        const rtol = dtype === "float32" ? 4e-7 : 4e-15;
        assertWithin(native, js, relBound(js, rtol, 1e-40), () =>
          describe(setting, name, dtype, shape),
        );
      }
    }
  }));

/** Shapes that broadcast: a random output shape, each side a suffix of it with some dims 1. */
function broadcastShapes(r: Rand, sides: number): number[][] {
  const out = randShape(r, 4, 3000);
  return Array.from({ length: sides }, () =>
    out.slice(int(r, 0, out.length)).map((d) => (r() < 0.35 ? 1 : d)),
  );
}

test("fuzz: every binary op with random broadcasting, both dtypes", (t) =>
  withNative(t, 102, ["binary", "binaryFlat"], (a, r) => {
    for (const name of a.binaryNames) {
      for (let rep = 0; rep < reps(12); rep++) {
        const dtype = pick(r, FLOATS);
        const [as, bs] = broadcastShapes(r, 2);
        const x = values(r, dtype, size(as), -6, 6, 0.15);
        const y = values(r, dtype, size(bs), -6, 6, 0.15);
        // Equal values exercise comparisons, integers FloorMod and FloorDiv.
        for (let i = 0; i < y.length; i++) if (r() < 0.2) y[i] = x[i % Math.max(1, x.length)] ?? 1;
        for (let i = 0; i < y.length; i++) if (r() < 0.1) y[i] = Math.round(y[i]);
        const { js, native, setting } = both(a, r, () =>
          data(registryOp(name)(tensor(x, dtype, as), tensor(y, dtype, bs))),
        );
        const rtol = dtype === "float32" ? 2.4e-7 : 4.5e-16;
        // GELU's gradients call erf: libm's and scalar-math.ts's differ by a few ulp, and their
        // factor Phi + x phi crosses zero near x = -0.75, where the error is absolute (|dy| <= 6).
        const gelu = name.startsWith("Gelu");
        const bound = gelu
          ? relBound(js, dtype === "float32" ? 6e-7 : 1e-14, dtype === "float32" ? 6e-7 : 6e-15)
          : relBound(js, rtol, 0);
        assertWithin(native, js, bound, () => describe(setting, name, dtype, as, bs));
      }
    }
  }));

const ALL_DTYPES: DType[] = ["float32", "float64", "int32", "bool"];

function anyValues(r: Rand, dtype: DType, n: number): NumArray {
  if (dtype === "float32" || dtype === "float64") return values(r, dtype, n, -3e9, 3e9, 0.3);
  if (dtype === "int32")
    return Int32Array.from({ length: n }, () => int(r, -(2 ** 31), 2 ** 31 - 1));
  return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
}

test("fuzz: where (select) with broadcasting and cast between every dtype pair", (t) =>
  withNative(t, 103, ["select", "cast"], (a, r) => {
    for (let rep = 0; rep < reps(100); rep++) {
      const dtype = pick(r, ALL_DTYPES);
      const [cs, xs, ys] = broadcastShapes(r, 3);
      const cond = anyValues(r, "bool", size(cs));
      const x = anyValues(r, dtype, size(xs));
      const y = anyValues(r, dtype, size(ys));
      const { js, native, setting } = both(a, r, () =>
        data(tf.where(tensor(cond, "bool", cs), tensor(x, dtype, xs), tensor(y, dtype, ys))),
      );
      assertWithin(native, js, 0, () => describe(setting, "where", dtype, cs, xs, ys));
    }
    for (const from of ALL_DTYPES)
      for (const to of ALL_DTYPES) {
        if (from === to) continue;
        const shape = randShape(r, 3, 5000);
        const x = anyValues(r, from, size(shape));
        const { js, native, setting } = both(a, r, () => data(tf.cast(tensor(x, from, shape), to)));
        assertWithin(native, js, 0, () => describe(setting, "cast", from, to, shape));
      }
  }));

// ---- reductions -----------------------------------------------------------------------------

test("fuzz: reduceSum, reduceProd, reduceMax, reduceMin, reduceMean over random axes", (t) =>
  withNative(t, 104, ["reduce"], (a, r) => {
    const ops: Record<string, (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor> = {
      sum: (x, ax, k) => tf.reduceSum(x, ax, k),
      prod: (x, ax, k) => tf.reduceProd(x, ax, k),
      max: (x, ax, k) => tf.reduceMax(x, ax, k),
      min: (x, ax, k) => tf.reduceMin(x, ax, k),
      mean: (x, ax, k) => tf.reduceMean(x, ax, k),
    };
    for (let rep = 0; rep < reps(250); rep++) {
      const name = pick(r, Object.keys(ops));
      const dtype = pick(r, FLOATS);
      const shape = randShape(r, 4, 6000);
      // Products of many values: keep them near 1 so they neither overflow nor vanish.
      const x =
        name === "prod"
          ? values(r, dtype, size(shape), 0.9, 1.1, 0.02)
          : values(r, dtype, size(shape), -2, 2, r() < 0.3 ? 0.02 : 0);
      if (name === "max" || name === "min") for (let i = 0; i < x.length; i += 7) x[i] = 1; // ties
      // Axes as the ops take them: a random subset, some negative, in random order.
      const axes = shape.map((_, d) => d).filter(() => r() < 0.5);
      const given = axes.map((d) => (r() < 0.3 ? d - shape.length : d)).sort(() => r() - 0.5);
      const keep = r() < 0.5;
      const op = ops[name];
      const { js, native, setting } = both(a, r, () =>
        data(op(tensor(x, dtype, shape), given, keep)),
      );
      const n = axes.length === 0 ? 1 : size(axes.map((d) => shape[d]));
      let bound: number | Float64Array = 0;
      if (name === "sum" || name === "mean" || name === "prod") {
        // n terms: (n + 2) eps times the sum (product) of the magnitudes.
        const abs = onJs(() =>
          data(op(tf.abs(tensor(x, dtype, shape).cast("float64")), given, keep)),
        );
        bound = scaled(abs, (n + 2) * EPS[dtype], 1e-300);
      }
      assertWithin(native, js, bound, () => describe(setting, name, dtype, shape, given, keep));
    }
  }));

// ---- matmul -----------------------------------------------------------------------------------

test("fuzz: matmul with transposes, batches and broadcast batch dims, block-edge sizes", (t) =>
  withNative(t, 105, ["matmul"], (a, r) => {
    // Around the micro-kernel (6 x 16 floats, 6 x 8 doubles), the small-product cutoff (24^3),
    // the threading cutoff (96^3) and the blocks (KC 256, MC 144 / 72).
    const sizes = [0, 1, 2, 5, 6, 7, 8, 15, 16, 17, 23, 25, 48, 73, 97, 145, 257];
    for (let rep = 0; rep < reps(120); rep++) {
      const dtype = pick(r, FLOATS);
      const k = pick(r, sizes);
      let [m, n] = [pick(r, sizes), pick(r, sizes)];
      while (m * n * k > 3e6) [m, n] = [Math.ceil(m / 2), Math.ceil(n / 2)];
      const batch = pick(r, [[], [], [1], [3], [2, 3]]);
      // Either side may drop its batch dims or have them as 1 (broadcast).
      const batchOf = () =>
        batch.length === 0 || r() < 0.6 ? batch : r() < 0.5 ? [] : batch.map(() => 1);
      const transposeA = r() < 0.5;
      const transposeB = r() < 0.5;
      const as = [...batchOf(), ...(transposeA ? [k, m] : [m, k])];
      const bs = [...batchOf(), ...(transposeB ? [n, k] : [k, n])];
      const x = values(r, dtype, size(as), -1, 1, 0.002);
      const y = values(r, dtype, size(bs), -1, 1, 0.002);
      const opts = { transposeA, transposeB };
      const { js, native, setting } = both(a, r, () =>
        data(tf.matmul(tensor(x, dtype, as), tensor(y, dtype, bs), opts)),
      );
      const abs = onJs(() =>
        data(
          tf.matmul(
            tf.abs(tensor(x, dtype, as).cast("float64")),
            tf.abs(tensor(y, dtype, bs).cast("float64")),
            opts,
          ),
        ),
      );
      assertWithin(native, js, scaled(abs, (k + 2) * EPS[dtype], 1e-300), () =>
        describe(setting, "matmul", dtype, as, bs, opts),
      );
    }
  }));

// ---- softmax and the cross-entropies ----------------------------------------------------------

test("fuzz: softmax, logSoftmax and both cross-entropies with their gradients", (t) =>
  withNative(t, 106, ["softmax", "softmaxCrossEntropy", "sparseSoftmaxCrossEntropy"], (a, r) => {
    for (let rep = 0; rep < reps(200); rep++) {
      const dtype = pick(r, FLOATS);
      const shape = randShape(r, 3, 3000);
      if (shape.length === 0) shape.push(pick(r, DIMS));
      const axis = int(r, -shape.length, shape.length - 1);
      const n = shape[axis < 0 ? axis + shape.length : axis];
      const spread = pick(r, [2, 20, 120]);
      const x = values(r, dtype, size(shape), -spread, spread, r() < 0.2 ? 0.02 : 0);
      const eps = EPS[dtype];
      const kind = pick(r, ["softmax", "logSoftmax", "xent", "sparse"]);
      if (kind === "softmax" || kind === "logSoftmax") {
        const f = kind === "softmax" ? tf.nn.softmax : tf.nn.logSoftmax;
        const { js, native, setting } = both(a, r, () => data(f(tensor(x, dtype, shape), axis)));
        // Relative error of one exp and a sum of n: (n + 8) eps, and for the log form the same
        // absolute error on log(sum) and x - max (at most about 2 * spread + log n).
        const c = (n + 8) * eps;
        const atol = kind === "softmax" ? 1e-37 : c * (2 * spread + Math.log(n + 1) + 1);
        assertWithin(native, js, relBound(js, c, atol), () =>
          describe(setting, kind, dtype, shape, axis),
        );
        continue;
      }
      if (kind === "xent") {
        const z = values(r, dtype, size(shape), 0, 1);
        const run = () => {
          const lz = tensor(z, dtype, shape);
          const lx = tensor(x, dtype, shape);
          const tape = new tf.GradientTape();
          tape.watch([lz, lx]);
          const [loss, total] = tape.record(() => {
            const l = tf.nn.softmaxCrossEntropyWithLogits(lz, lx, axis);
            return [l, tf.reduceSum(l)];
          });
          const [gz, gx] = tape.gradient(total, [lz, lx]) as tf.Tensor[];
          return [data(loss), data(gz), data(gx)];
        };
        const { js, native, setting } = both(a, r, run);
        const c = (n + 8) * eps;
        // loss = sum_r z_r (log sum - (x_r - max)): each term within c (2 spread + log n + 1).
        const zsum = onJs(() =>
          data(tf.reduceSum(tf.abs(tensor(z, dtype, shape).cast("float64")), axis)),
        );
        const lossBound = scaled(zsum, c * (2 * spread + Math.log(n + 1) + 2), 1e-30);
        const what = () => describe(setting, kind, dtype, shape, axis);
        assertWithin(native[0], js[0], lossBound, what);
        assertWithin(native[1], js[1], relBound(js[1], c, c * (2 * spread + 2)), what);
        assertWithin(native[2], js[2], relBound(js[2], c, c * 2), what);
        continue;
      }
      // Sparse: labels index the last axis.
      const classes = shape[shape.length - 1];
      if (classes === 0) continue;
      const rowsShape = shape.slice(0, -1);
      const labels = Int32Array.from({ length: size(rowsShape) }, () => int(r, 0, classes - 1));
      const run = () => {
        const lx = tensor(x, dtype, shape);
        const tape = new tf.GradientTape();
        tape.watch(lx);
        const [loss, total] = tape.record(() => {
          const l = tf.nn.sparseSoftmaxCrossEntropyWithLogits(
            tensor(labels, "int32", rowsShape),
            lx,
          );
          return [l, tf.reduceSum(l)];
        });
        return [data(loss), data(tape.gradient(total, lx) as tf.Tensor)];
      };
      const { js, native, setting } = both(a, r, run);
      const c = (classes + 8) * eps;
      const what = () => describe(setting, kind, dtype, shape);
      assertWithin(native[0], js[0], c * (2 * spread + Math.log(classes + 1) + 2), what);
      assertWithin(native[1], js[1], relBound(js[1], c, 2 * c), what);
    }
  }));

// ---- convolution ---------------------------------------------------------------------------

type Padding = "SAME" | "VALID" | number[][];

test("fuzz: conv2d and both backprops, strides, dilations and paddings", (t) =>
  withNative(t, 107, ["conv2d", "conv2dBackpropInput", "conv2dBackpropFilter"], (a, r) => {
    let ran = 0;
    for (let rep = 0; rep < reps(120); rep++) {
      const dtype = pick(r, FLOATS);
      // The first case is big: its patch matrix (18432 pixels x 288) passes the 4M-element
      // im2col chunk, so the products run in two chunks and the filter gradient accumulates.
      const big = rep === 0;
      const [fh, fw] = big ? [3, 3] : [int(r, 1, 4), int(r, 1, 4)];
      const dil = !big && r() < 0.3 ? [int(r, 1, 3), int(r, 1, 3)] : [1, 1];
      const strides = big || dil[0] > 1 || dil[1] > 1 ? [1, 1] : [int(r, 1, 3), int(r, 1, 3)];
      const xs = big
        ? [8, 48, 48, 32]
        : [pick(r, [1, 1, 2, 3]), int(r, 1, 13), int(r, 1, 13), pick(r, [1, 2, 3, 5, 8])];
      const ws = [fh, fw, xs[3], big ? 8 : pick(r, [1, 2, 3, 7, 16])];
      const padding: Padding = pick(r, [
        "SAME",
        "VALID",
        [
          [0, 0],
          [int(r, 0, 2), int(r, 0, 2)],
          [int(r, 0, 2), int(r, 0, 2)],
          [0, 0],
        ],
      ] as Padding[]);
      const x = values(r, dtype, size(xs), -1, 1, 0.005);
      const w = values(r, dtype, size(ws), -1, 1, 0.005);
      const opts = { dilations: dil };
      // The forward op on the JS backend gives y's shape (or refuses the geometry: skip it).
      let ys: number[];
      try {
        ys = onJs(() => [
          ...tf.nn.conv2d(tensor(x, dtype, xs), tensor(w, dtype, ws), strides, padding, opts).shape,
        ]);
      } catch {
        continue;
      }
      ran++;
      const dy = values(r, dtype, size(ys), -1, 1);
      // y, dx (Conv2DBackpropInput) and dw (Conv2DBackpropFilter).
      const run = (xv: NumArray, wv: NumArray, dyv: NumArray, dt: DType) => {
        const tx = tensor(xv, dt, xs);
        const tw = tensor(wv, dt, ws);
        const tape = new tf.GradientTape();
        tape.watch([tx, tw]);
        const y = tape.record(() => tf.nn.conv2d(tx, tw, strides, padding, opts));
        const g = tape.gradient(y, [tx, tw], { outputGradients: tensor(dyv, dt, ys) });
        return [data(y), ...(g as tf.Tensor[]).map(data)];
      };
      const { js, native, setting } = both(a, r, () => run(x, w, dy, dtype));
      const abs = (v: NumArray) => Float64Array.from(v, Math.abs);
      const absRun = onJs(() => run(abs(x), abs(w), abs(dy), "float64"));
      // Terms per value: K = fh fw inC for y; at most outC fh fw for dx; pixels for dw.
      const depth = [fh * fw * xs[3], ws[3] * fh * fw, size(ys.slice(0, 3))];
      const what = () => describe(setting, "conv2d", dtype, xs, ws, strides, dil, padding);
      for (let i = 0; i < 3; i++)
        assertWithin(
          native[i],
          js[i],
          scaled(absRun[i], (depth[i] + 2) * EPS[dtype], 1e-300),
          () => `${["y", "dx", "dw"][i]} ${what()}`,
        );
    }
    assert.ok(ran > 40 * Math.min(1, SCALE), `only ${ran} geometries ran`);
  }));

// ---- pooling -------------------------------------------------------------------------------

test("fuzz: max and avg pools, their gradients and max pooling's second order", (t) =>
  withNative(
    t,
    108,
    ["maxPool", "avgPool", "maxPoolGrad", "maxPoolGradGrad", "avgPoolGrad"],
    (a, r) => {
      for (let rep = 0; rep < reps(120); rep++) {
        const dtype = pick(r, FLOATS);
        const xs = [pick(r, [1, 2, 3]), int(r, 1, 12), int(r, 1, 12), pick(r, [1, 2, 3, 8, 9])];
        if (rep < 2) xs.splice(0, 4, 8, 32, 33, 16); // big enough to split over threads
        const ksize = [int(r, 1, Math.min(4, xs[1])), int(r, 1, Math.min(4, xs[2]))];
        const strides = [int(r, 1, 3), int(r, 1, 3)];
        const padding = pick(r, ["SAME", "VALID"] as const);
        // Integers make ties (the first in row-major order wins), NaN must propagate.
        const x =
          r() < 0.4
            ? Float64Array.from({ length: size(xs) }, () => int(r, -2, 2))
            : values(r, "float64", size(xs), -2, 2, 0.01);
        const xd = dtype === "float32" ? Float32Array.from(x) : x;
        const max = r() < 0.5;
        const pool = max ? tf.nn.maxPool2d : tf.nn.avgPool2d;
        const ys = onJs(() => [...pool(tensor(xd, dtype, xs), ksize, strides, padding).shape]);
        const dy = values(r, dtype, size(ys), -1, 1);
        const h = values(r, dtype, size(xs), -1, 1);
        // y, the first gradient (MaxPoolGrad / AvgPoolGrad) and, for max, the gradient of the
        // first gradient with respect to dy (MaxPoolGradGrad: h routed through the argmax).
        const run = (dyv: NumArray, dt: DType) => {
          const tx = tensor(dt === dtype ? xd : Float64Array.from(xd), dt, xs);
          const tdy = tensor(dyv, dt, ys);
          const outer = new tf.GradientTape();
          outer.watch(tdy);
          const [y, g] = outer.record(() => {
            const inner = new tf.GradientTape();
            inner.watch(tx);
            const yy = inner.record(() => pool(tx, ksize, strides, padding));
            return [yy, inner.gradient(yy, tx, { outputGradients: tdy }) as tf.Tensor];
          });
          const out = [data(y), data(g)];
          if (max) {
            const gg = outer.gradient(g, tdy, { outputGradients: tensor(h, dtype, xs).cast(dt) });
            out.push(data(gg as tf.Tensor));
          }
          return out;
        };
        const { js, native, setting } = both(a, r, () => run(dy, dtype));
        const absRun = onJs(() => run(Float64Array.from(dy, Math.abs), "float64"));
        const absY = onJs(() =>
          data(pool(tf.abs(tensor(xd, dtype, xs).cast("float64")), ksize, strides, padding)),
        );
        const windows = ksize[0] * ksize[1];
        // Windows overlapping one input position, each adding a dy term to its gradient.
        const overlap = Math.ceil(ksize[0] / strides[0]) * Math.ceil(ksize[1] / strides[1]);
        const eps = EPS[dtype];
        const what = () =>
          describe(setting, max ? "maxPool" : "avgPool", dtype, xs, ksize, strides, padding);
        assertWithin(
          native[0],
          js[0],
          max ? 0 : scaled(absY, (windows + 2) * eps, 1e-300),
          () => `y ${what()}`,
        );
        assertWithin(
          native[1],
          js[1],
          scaled(absRun[1], (overlap + 2) * eps, 1e-300),
          () => `dx ${what()}`,
        );
        if (max) assertWithin(native[2], js[2], 0, () => `gradgrad ${what()}`);
      }
    },
  ));
