/**
 * Conv2D, Conv2DBackpropInput and the MaxPool ops allocate their outputs uninitialized (big
 * activations skip the zero fill), so every backend's kernel must write every element: the JS
 * kernels here start from NaN-filled outputs and must give what they give from zeros (the
 * native kernels are checked the same way in native-conv-direct and native-pool-fast).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { Conv2DParams, Pool2DParams } from "../src/backend/nn.js";
import { conv2dParams } from "./helpers/conv.js";
import type { NumArray } from "../src/tensor/dtype.js";
import { rng } from "./helpers/rng.js";
import { onJs } from "./helpers/native.js";

type FloatDtype = "float32" | "float64";

function filled(dtype: FloatDtype, n: number, v: number | (() => number)): NumArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = typeof v === "number" ? v : v();
  return out;
}

/** kernel(out) from zeros and from NaN give the same values. */
function sameFromGarbage(
  dtype: FloatDtype,
  n: number,
  kernel: (out: NumArray) => void,
  what: string,
): void {
  const clean = filled(dtype, n, 0);
  kernel(clean);
  const dirty = filled(dtype, n, NaN);
  kernel(dirty);
  assert.deepEqual(Array.from(dirty), Array.from(clean), what);
}

// Stride and padding the same along both axes.
const conv = (
  batch: number,
  size: number[],
  inC: number,
  outC: number,
  filter: number[],
  stride: number,
  [padTop, padLeft]: number[],
): Conv2DParams =>
  conv2dParams(
    batch,
    size,
    inC,
    outC,
    filter,
    [stride, stride],
    [1, 1],
    [padTop, padTop, padLeft, padLeft],
  );

test("the JS conv2d and conv2dBackpropInput kernels write every element", () => {
  const r = rng(3);
  const cases = [
    conv(2, [6, 5], 3, 4, [3, 3], 1, [0, 0]),
    conv(1, [7, 7], 2, 3, [3, 3], 2, [1, 1]),
    // Stride 3 with a 2-wide filter: some input pixels are read by no window (dx 0 there).
    conv(2, [8, 8], 2, 2, [2, 2], 3, [0, 0]),
  ];
  for (const dtype of ["float32", "float64"] as const) {
    for (const p of cases) {
      const x = filled(dtype, p.batch * p.inH * p.inW * p.inC, r);
      const w = filled(dtype, p.filterH * p.filterW * p.inC * p.outC, r);
      const dy = filled(dtype, p.batch * p.outH * p.outW * p.outC, r);
      const what = `${dtype} ${JSON.stringify(p)}`;
      sameFromGarbage(dtype, dy.length, (o) => jsBackend.conv2d(x, w, o, p), `conv2d ${what}`);
      sameFromGarbage(
        dtype,
        x.length,
        (o) => jsBackend.conv2dBackpropInput(w, dy, o, p),
        `input ${what}`,
      );
    }
  }
});

test("the JS max pool kernels write every element", () => {
  const r = rng(4);
  const p: Pool2DParams = {
    batch: 2,
    inH: 7,
    inW: 6,
    channels: 3,
    outH: 3,
    outW: 2,
    windowH: 3,
    windowW: 2,
    strideH: 2,
    strideW: 3,
    padTop: 0,
    padLeft: 0,
  };
  for (const dtype of ["float32", "float64"] as const) {
    const x = filled(dtype, p.batch * p.inH * p.inW * p.channels, r);
    const dy = filled(dtype, p.batch * p.outH * p.outW * p.channels, r);
    sameFromGarbage(dtype, dy.length, (o) => jsBackend.maxPool(x, o, p), `maxPool ${dtype}`);
    sameFromGarbage(
      dtype,
      x.length,
      (o) => jsBackend.maxPoolGrad(x, dy, o, p),
      `maxPoolGrad ${dtype}`,
    );
    sameFromGarbage(
      dtype,
      dy.length,
      (o) => jsBackend.maxPoolGradGrad(x, x, o, p),
      `maxPoolGradGrad ${dtype}`,
    );
  }
});

test("big conv and pool outputs (uninitialized storage) are right on both backends", () => {
  tf.random.setSeed(9);
  // Over the 16384-element size below which storage is always zeroed.
  const x = tf.random.normal([4, 40, 40, 3], { dtype: "float64" });
  const w = tf.random.normal([3, 3, 3, 8], { dtype: "float64" });
  const run = (): number[][] => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() =>
      tf.reduceSum(tf.square(tf.nn.maxPool2d(tf.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID"))),
    );
    const [dx] = tape.gradient(y, [x]);
    assert.ok(dx !== null);
    return [
      Array.from(y.dataSync() as ArrayLike<number>),
      Array.from(dx.dataSync() as ArrayLike<number>),
    ];
  };
  const native = run();
  const js = onJs(run);
  assert.ok(Math.abs(native[0][0] - js[0][0]) <= 1e-9 * Math.abs(js[0][0]));
  for (let i = 0; i < js[1].length; i++)
    assert.ok(Math.abs(native[1][i] - js[1][i]) <= 1e-9 * (1 + Math.abs(js[1][i])), `dx[${i}]`);
});
