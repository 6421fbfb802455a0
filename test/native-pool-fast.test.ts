/**
 * The disjoint-window max pooling kernels (native/pool_fast.cc: stride >= window, so each input
 * pixel is in at most one window) behind maxPool, maxPoolGrad and maxPoolGradGrad, against the
 * JS backend's loops: odd sizes (rows and columns no window covers), gaps between windows
 * (stride > window), SAME padding, channel counts that leave vector tails, ties and NaN, both
 * dtypes, the AVX2 and portable paths, 1 and 2 threads. The outputs start as garbage: these
 * kernels must write every element (the ops allocate them uninitialized). Then the ops end to
 * end: tf.nn.maxPool2d's gradient by finite differences and on the JS backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { THRESHOLDS } from "../src/backend/native/backend.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import type { Pool2DParams } from "../src/backend/nn.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";
import { forEachPath, onJs, withAddon } from "./helpers/native.js";
import { comparePoolKernels, pool2dParams } from "./helpers/pool.js";

type FloatDtype = "float32" | "float64";
const DTYPES: FloatDtype[] = ["float32", "float64"];

function alloc(dtype: FloatDtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/**
 * Equality (exact by default: the kernels only select values; within rtol where windows overlap
 * and sums in float32 and double differ), NaN matching NaN; -0 and 0 are equal.
 */
function assertSame(got: FloatArray, want: FloatArray, what: string, rtol = 0): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, want NaN`);
    else if (rtol === 0) assert.equal(g, w, `${what}[${i}]`);
    else assert.ok(Math.abs(g - w) <= rtol * Math.abs(w), `${what}[${i}]: got ${g}, want ${w}`);
  }
}

const CASES: Pool2DParams[] = [
  // The MNIST convnet's two pools, batch cut down.
  pool2dParams(2, [26, 26], 32, [2, 2], [2, 2]),
  pool2dParams(3, [11, 11], 64, [2, 2], [2, 2]),
  // Odd sizes: the last row and column are in no window; channel tails of every vector width.
  pool2dParams(2, [7, 9], 1, [2, 2], [2, 2]),
  pool2dParams(1, [5, 7], 3, [2, 2], [2, 2]),
  pool2dParams(2, [9, 5], 9, [2, 3], [2, 3]),
  pool2dParams(1, [6, 6], 17, [2, 2], [2, 2]),
  pool2dParams(1, [7, 7], 33, [3, 3], [3, 3]),
  // Gaps between windows (stride > window) and a window of one pixel.
  pool2dParams(2, [10, 11], 5, [2, 2], [3, 4]),
  pool2dParams(1, [7, 8], 7, [1, 1], [2, 3]),
  // SAME-style padding with stride = window: the last window is clipped, or the first.
  pool2dParams(2, [7, 5], 6, [2, 2], [2, 2], [0, 1, 0, 1]),
  pool2dParams(1, [5, 8], 11, [3, 3], [3, 3], [1, 1, 1, 0]),
  // A whole image in one window (global max pooling).
  pool2dParams(3, [4, 5], 10, [4, 5], [4, 5]),
];

test("disjoint-window max pooling matches the JS kernels on every path, ties and NaN included", (t) =>
  withAddon(t, (a) => {
    const r = rng(23);
    forEachPath(a, (path) => {
      for (const dtype of DTYPES) {
        for (const p of CASES) {
          const xs = p.batch * p.inH * p.inW * p.channels;
          const ys = p.batch * p.outH * p.outW * p.channels;
          // Few distinct values: many ties, which go to the first position in row-major order.
          const x = alloc(dtype, xs).map(() => Math.floor(r() * 3) - 1);
          for (const i of [3, Math.floor(xs / 2), xs - 1]) x[i] = NaN;
          const dy = alloc(dtype, ys).map(() => r() * 4 - 2);
          const g = alloc(dtype, xs).map(() => r() * 4 - 2);
          const what = `${path} ${dtype} ${JSON.stringify(p)}`;
          // Garbage first: every element must be written.
          comparePoolKernels(
            a,
            ["maxPool", "maxPoolGrad", "maxPoolGradGrad"],
            { x, dy, g },
            p,
            12345,
            (got, want, name) => assertSame(got, want, `${name} ${what}`),
          );
        }
      }
    });
  }));

test("the general kernels (overlapping windows) also write every element", (t) =>
  withAddon(t, (a) => {
    const r = rng(29);
    for (const dtype of DTYPES) {
      for (const p of [
        pool2dParams(2, [9, 7], 5, [3, 3], [2, 2], [1, 1, 1, 1]),
        pool2dParams(1, [6, 6], 3, [2, 2], [1, 1]),
      ]) {
        const xs = p.batch * p.inH * p.inW * p.channels;
        const ys = p.batch * p.outH * p.outW * p.channels;
        const x = alloc(dtype, xs).map(() => r());
        const dy = alloc(dtype, ys).map(() => r());
        const what = `${dtype} ${JSON.stringify(p)}`;
        const rtol = dtype === "float32" ? 1e-6 : 1e-14;
        comparePoolKernels(
          a,
          ["maxPool", "maxPoolGrad"],
          { x, dy, g: x },
          p,
          NaN,
          (got, want, name) => assertSame(got, want, `${name} ${what}`, rtol),
        );
        // The JS kernels too, from garbage: they must give what they give into zeros.
        comparePoolKernels(
          jsBackend,
          ["maxPool", "maxPoolGrad"],
          { x, dy, g: x },
          p,
          NaN,
          (got, want, name) => assertSame(got, want, `js ${name} ${what} from garbage`),
        );
      }
    }
  }));

test("tf.nn.maxPool2d: known values, and its gradient routes to the first max", () => {
  // 1 x 3 x 5 x 1, 2x2 windows stride 2: windows rows 0-1, columns 0-1 and 2-3; row 2 and
  // column 4 are in none.
  const x = tf.constant([1, 5, 2, 2, 9, 5, 3, 0, 1, 9, 9, 9, 9, 9, 9], "float32", [1, 3, 5, 1]);
  assert.deepEqual(
    Array.from(tf.nn.maxPool2d(x, 2, 2, "VALID").dataSync() as ArrayLike<number>),
    [5, 2],
  );
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() =>
    tf.reduceSum(
      tf.multiply(
        tf.nn.maxPool2d(x, 2, 2, "VALID"),
        tf.constant([10, 20], "float32", [1, 1, 2, 1]),
      ),
    ),
  );
  const [dx] = tape.gradient(y, [x]);
  assert.ok(dx !== null);
  // The tie in the second window (2, 2) goes to the first of them.
  assert.deepEqual(
    Array.from(dx.dataSync() as ArrayLike<number>),
    [0, 10, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  );
});

test("maxPool2d's gradient by finite differences, native and JS, and the backends agree", () => {
  // Every pool on the native kernels, however small.
  const saved = THRESHOLDS.pool;
  THRESHOLDS.pool = 0;
  try {
    poolGradients();
  } finally {
    THRESHOLDS.pool = saved;
  }
});

function poolGradients(): void {
  const r = rng(31);
  const vals = Array.from({ length: 2 * 7 * 6 * 3 }, () => r() * 4 - 2);
  const x = tf.constant(vals, "float64", [2, 7, 6, 3]);
  for (const [k, s, pad] of [
    [2, 2, "VALID"],
    [2, 2, "SAME"],
    [2, 3, "VALID"],
  ] as const) {
    const f = (t: tf.Tensor): tf.Tensor => tf.nn.maxPool2d(t, k, s, pad);
    checkGradients(f, [x]);
    const native = (() => {
      const tape = new tf.GradientTape();
      tape.watch(x);
      const y = tape.record(() => tf.reduceSum(tf.square(f(x))));
      const [dx] = tape.gradient(y, [x]);
      assert.ok(dx !== null);
      return Array.from(dx.dataSync() as ArrayLike<number>);
    })();
    const js = onJs(() => {
      const tape = new tf.GradientTape();
      tape.watch(x);
      const y = tape.record(() => tf.reduceSum(tf.square(f(x))));
      const [dx] = tape.gradient(y, [x]);
      assert.ok(dx !== null);
      return Array.from(dx.dataSync() as ArrayLike<number>);
    });
    assert.deepEqual(native, js, `${k} ${s} ${pad}`);
  }
}
