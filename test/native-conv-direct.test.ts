/**
 * The direct convolution kernels (native/conv_direct.cc) behind conv2d, conv2dBackpropInput and
 * conv2dBackpropFilter against the JS backend's loops: odd shapes (pixel tails, channel counts
 * that leave partial register tiles), strides, dilations, SAME / VALID / explicit and
 * over-sized padding, both dtypes, every instruction-set path the CPU has (AVX-512, AVX2, the
 * portable one) and 1 or 2 threads; and gradients through tf.nn.conv2d by finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import type { Conv2DParams } from "../src/backend/nn.js";
import { conv2dParams as params } from "./helpers/conv.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";
import { forEachPath, withAddon } from "./helpers/native.js";

type FloatDtype = "float32" | "float64";

const CASES: Conv2DParams[] = [
  // The ResNet block's shape (whole register tiles), smaller batch.
  params(3, [16, 16], 32, 32, [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]),
  // The MNIST convnet's first layer: one input channel, VALID.
  params(2, [28, 28], 1, 32, [3, 3], [1, 1], [1, 1], [0, 0, 0, 0]),
  // Odd channels: partial channel tiles and pixel tails.
  params(2, [9, 7], 3, 5, [3, 2], [1, 2], [1, 2], [1, 1, 0, 1]),
  params(1, [11, 13], 19, 70, [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]),
  params(2, [10, 9], 17, 33, [5, 3], [2, 3], [1, 1], [2, 2, 1, 1]),
  params(1, [13, 12], 7, 9, [3, 3], [1, 1], [2, 3], [2, 2, 3, 3]),
  params(3, [8, 8], 7, 9, [1, 1], [1, 1], [1, 1], [0, 0, 0, 0]),
  params(2, [7, 6], 5, 16, [2, 2], [1, 1], [1, 1], [0, 1, 0, 1]),
  // SAME with stride 2 (TensorFlow puts the extra padding after).
  params(2, [9, 10], 6, 11, [3, 3], [2, 2], [1, 1], [1, 1, 0, 1]),
  // Padding larger than the filter reach (the input gradient's equivalent padding is negative).
  params(1, [5, 6], 4, 6, [3, 3], [1, 1], [1, 1], [3, 3, 4, 2]),
  params(2, [6, 5], 3, 4, [1, 1], [1, 1], [1, 1], [2, 1, 1, 2]),
  // Filter as large as the padded input: one output pixel.
  params(2, [5, 5], 2, 3, [5, 5], [1, 1], [1, 1], [0, 0, 0, 0]),
  // Many images: more tasks than threads, several per filter-gradient group.
  params(9, [5, 4], 8, 24, [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]),
];

function randomArray(dtype: FloatDtype, n: number, r: () => number): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * r() - 1;
  return out;
}

function alloc(dtype: FloatDtype, n: number, fill = 0): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  out.fill(fill);
  return out;
}

function assertClose(got: FloatArray, want: FloatArray, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]))))
      assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

test("direct conv2d kernels match the JS loops: odd shapes, both dtypes, every path", (t) =>
  withAddon(t, (a) => {
    const r = rng(31);
    forEachPath(a, (path) => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const p of CASES) {
          const xs = p.batch * p.inH * p.inW * p.inC;
          const ws = p.filterH * p.filterW * p.inC * p.outC;
          const ys = p.batch * p.outH * p.outW * p.outC;
          assert.ok(p.outH > 0 && p.outW > 0, JSON.stringify(p));
          const x = randomArray(dtype, xs, r);
          const w = randomArray(dtype, ws, r);
          const dy = randomArray(dtype, ys, r);
          const terms = p.filterH * p.filterW * Math.max(p.inC, p.outC) * p.batch * p.outH * p.outW;
          const tol = (dtype === "float32" ? 4e-7 : 1e-15) * Math.sqrt(terms);
          const what = `${path} ${dtype} ${JSON.stringify(p)}`;
          // Outputs start as NaN: every element must be written.
          const want = alloc(dtype, ys);
          const got = alloc(dtype, ys, NaN);
          jsBackend.conv2d(x, w, want, p);
          a.conv2d(x, w, got, p);
          assertClose(got, want, tol, `conv2d ${what}`);
          const wantDx = alloc(dtype, xs);
          const gotDx = alloc(dtype, xs, NaN);
          jsBackend.conv2dBackpropInput(w, dy, wantDx, p);
          a.conv2dBackpropInput(w, dy, gotDx, p);
          assertClose(gotDx, wantDx, tol, `conv2dBackpropInput ${what}`);
          const wantDw = alloc(dtype, ws);
          const gotDw = alloc(dtype, ws, NaN);
          jsBackend.conv2dBackpropFilter(x, dy, wantDw, p);
          a.conv2dBackpropFilter(x, dy, gotDw, p);
          assertClose(gotDw, wantDw, tol, `conv2dBackpropFilter ${what}`);
        }
      }
    });
  }));

test("direct conv2d kernels give the same bits on every call and with 1 or 2 threads", (t) =>
  withAddon(t, (a) => {
    const r = rng(5);
    const p = params(8, [12, 12], 16, 24, [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]);
    const x = randomArray("float32", p.batch * p.inH * p.inW * p.inC, r);
    const w = randomArray("float32", 9 * p.inC * p.outC, r);
    const dy = randomArray("float32", p.batch * p.outH * p.outW * p.outC, r);
    const threads = a.numThreads();
    try {
      const runs: FloatArray[][] = [];
      for (const n of [1, 2, 2]) {
        a.setNumThreads(n);
        const y = alloc("float32", dy.length);
        const dx = alloc("float32", x.length);
        const dw = alloc("float32", w.length);
        a.conv2d(x, w, y, p);
        a.conv2dBackpropInput(w, dy, dx, p);
        a.conv2dBackpropFilter(x, dy, dw, p);
        runs.push([y, dx, dw]);
      }
      // The forward and input-gradient pixels do not depend on the split; the filter
      // gradient's sum order depends on the thread count only, so two 2-thread runs agree.
      assert.deepEqual(runs[1][0], runs[0][0]);
      assert.deepEqual(runs[1][1], runs[0][1]);
      assert.deepEqual(runs[2][2], runs[1][2]);
    } finally {
      a.setNumThreads(threads);
    }
  }));

test("tf.nn.conv2d gradients by finite differences on the direct kernels", () => {
  tf.random.setSeed(7);
  const x = tf.random.normal([2, 6, 5, 3], { dtype: "float64" });
  const w = tf.random.normal([3, 2, 3, 4], { dtype: "float64" });
  for (const [strides, padding, dilations] of [
    [1, "SAME", 1],
    [2, "VALID", 1],
    [1, "VALID", 2],
    [
      1,
      [
        [0, 0],
        [2, 1],
        [0, 3],
        [0, 0],
      ],
      1,
    ],
  ] as const) {
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.nn.conv2d(a, b, strides, padding as "SAME", { dilations });
    checkGradients(f, [x, w]);
  }
});

test("direct conv2d kernels: NaN and infinities propagate as in the JS loops", (t) =>
  withAddon(t, (a) => {
    const r = rng(9);
    const p = params(2, [6, 7], 4, 5, [3, 3], [1, 1], [1, 1], [1, 1, 0, 2]);
    const xs = p.batch * p.inH * p.inW * p.inC;
    const ws = 9 * p.inC * p.outC;
    const ys = p.batch * p.outH * p.outW * p.outC;
    forEachPath(a, (path) => {
      for (const dtype of ["float32", "float64"] as const) {
        const x = randomArray(dtype, xs, r);
        const w = randomArray(dtype, ws, r);
        const dy = randomArray(dtype, ys, r);
        x[17] = Infinity;
        w[5] = NaN;
        w[40] = -Infinity;
        dy[3] = Infinity;
        const same = (got: FloatArray, want: FloatArray, what: string): void => {
          for (let i = 0; i < want.length; i++) {
            const ok = Number.isFinite(want[i])
              ? Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i]))
              : Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
            if (!ok) assert.fail(`${what} ${path} ${dtype}[${i}]: got ${got[i]}, want ${want[i]}`);
          }
        };
        const run = (
          f: "conv2d" | "conv2dBackpropInput" | "conv2dBackpropFilter",
          u: FloatArray,
          v: FloatArray,
          n: number,
        ): void => {
          const want = alloc(dtype, n);
          const got = alloc(dtype, n);
          jsBackend[f](u, v, want, p);
          a[f](u, v, got, p);
          same(got, want, f);
        };
        run("conv2d", x, w, ys);
        run("conv2dBackpropInput", w, dy, xs);
        run("conv2dBackpropFilter", x, dy, ws);
      }
    });
  }));
