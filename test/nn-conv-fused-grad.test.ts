/**
 * _FusedConv2DReluBackprop (the relu fused convolution's gradient as one op): the native kernel
 * against the JS one and the JS one against ReluGrad + the conv backprops + a sum, on odd
 * shapes, both dtypes, every instruction-set path and 1 or 2 threads; its argument checks; its
 * own gradients (second order of the fused conv) by finite differences; and the tape running it
 * in place of ReluGrad and Sum.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { Conv2DParams } from "../src/backend/nn.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { fusedConv2d } from "../src/ops/nn-conv-fused.js";
import { fusedConv2dReluBackprop } from "../src/ops/nn-conv-fused-grad.js";
import { activeCheckers } from "../src/engine/run-op.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";
import { assertArraysClose, forEachPath, onJs, withAddon } from "./helpers/native.js";
import { filledArray as arr, undilatedConv2dParams as params } from "./helpers/conv.js";

type FloatDtype = "float32" | "float64";

const CASES = [
  // The MNIST convnet's two layers, batch cut down (600 pixels: more than one sum chunk).
  params(3, [28, 28], 1, 32, [3, 3], [1, 1], [0, 0, 0, 0]),
  params(2, [13, 13], 32, 64, [3, 3], [1, 1], [0, 0, 0, 0]),
  // Odd channels, strides, padding.
  params(2, [9, 7], 3, 5, [3, 2], [1, 2], [1, 1, 0, 1]),
  params(1, [11, 13], 19, 70, [3, 3], [2, 2], [1, 1, 1, 1]),
  // Empty input channels: dx and dw are empty, db still sums the masked dy.
  params(2, [5, 5], 0, 3, [3, 3], [1, 1], [1, 1, 1, 1]),
  // No output pixels: every gradient is zero.
  params(1, [2, 2], 2, 3, [3, 3], [1, 1], [0, 0, 0, 0]),
];

/** ReluGrad, the conv backprops and the bias's sum, from the JS kernels one by one. */
function reference(
  x: FloatArray,
  w: FloatArray,
  dy: FloatArray,
  y: FloatArray,
  p: Conv2DParams,
  dtype: FloatDtype,
  r: () => number,
): { dx: FloatArray; dw: FloatArray; db: FloatArray } {
  const dz = arr(dtype, dy.length, r, 0);
  const db = new Float64Array(p.outC);
  for (let i = 0; i < dy.length; i++) {
    dz[i] = y[i] > 0 ? dy[i] : 0;
    db[i % p.outC] += dz[i];
  }
  const dx = arr(dtype, x.length, r, 0);
  const dw = arr(dtype, w.length, r, 0);
  jsBackend.conv2dBackpropInput(w, dz, dx, p);
  jsBackend.conv2dBackpropFilter(x, dz, dw, p);
  return { dx, dw, db: dtype === "float32" ? Float32Array.from(db) : db };
}

test("conv2dReluBackprop: native matches JS, and JS matches ReluGrad + backprops + sum", (t) =>
  withAddon(t, (a) => {
    const r = rng(43);
    forEachPath(a, (path) => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const p of CASES) {
          const xs = p.batch * p.inH * p.inW * p.inC;
          const ws = p.filterH * p.filterW * p.inC * p.outC;
          const ys = p.batch * p.outH * p.outW * p.outC;
          const x = arr(dtype, xs, r);
          const w = arr(dtype, ws, r);
          const dy = arr(dtype, ys, r);
          // y of both signs, with zeros, -0 and NaN (all masked out).
          const y = arr(dtype, ys, r);
          for (let i = 0; i < ys; i += 7) y[i] = [0, -0, NaN][(i / 7) % 3];
          const want = reference(x, w, dy, y, p, dtype, r);
          const what = `${path} ${dtype} ${JSON.stringify(p)}`;
          const tol = dtype === "float32" ? 2e-5 : 1e-12;
          for (const inputGrad of [true, false]) {
            // Outputs start as garbage: both kernels must write every element.
            const js = [arr(dtype, xs, r, 7), arr(dtype, ws, r, 7), arr(dtype, p.outC, r, 7)];
            jsBackend.conv2dReluBackprop(x, w, dy, y, inputGrad ? js[0] : null, js[1], js[2], p);
            const nat = [
              arr(dtype, xs, r, NaN),
              arr(dtype, ws, r, NaN),
              arr(dtype, p.outC, r, NaN),
            ];
            a.conv2dReluBackprop?.(x, w, dy, y, inputGrad ? nat[0] : null, nat[1], nat[2], p);
            if (inputGrad) {
              assertArraysClose(js[0], want.dx, tol, `js dx ${what}`);
              assertArraysClose(nat[0], want.dx, tol, `native dx ${what}`);
            } else {
              assert.ok(Number.isNaN(nat[0][0]) || xs === 0, `native dx untouched ${what}`);
            }
            assertArraysClose(js[1], want.dw, tol, `js dw ${what}`);
            assertArraysClose(nat[1], want.dw, tol, `native dw ${what}`);
            assertArraysClose(js[2], want.db, tol, `js db ${what}`);
            assertArraysClose(nat[2], want.db, tol, `native db ${what}`);
          }
        }
      }
    });
  }));

test("conv2dReluBackprop rejects bad arguments with JS errors", (t) =>
  withAddon(t, (a) => {
    const p = params(1, [5, 5], 2, 3, [3, 3], [1, 1], [0, 0, 0, 0]);
    const x = new Float32Array(50);
    const w = new Float32Array(54);
    const dy = new Float32Array(27);
    const y = new Float32Array(27);
    const dx = new Float32Array(50);
    const dw = new Float32Array(54);
    const db = new Float32Array(3);
    const k = a.conv2dReluBackprop;
    assert.ok(k !== undefined);
    assert.throws(() => k.call(a, x, w, dy.subarray(1), y, dx, dw, db, p), /dy has 26 elements/);
    assert.throws(() => k.call(a, x, w, dy, y, dx, dw, new Float64Array(3), p), TypeError);
    assert.throws(() => k.call(a, x, w, dy, y, dx, dw, new Float32Array(2), p), RangeError);
    assert.throws(() => k.call(a, x, w, dy, y, x, dw, db, p), /shares memory/);
    assert.throws(() => k.call(a, x, w, dy, y, dx, dw, db, { ...p, outC: -1 }), RangeError);
  }));

const CONV = { strides: [1, 1], dilations: [1, 1], padding: "VALID" } as const;

test("_FusedConv2DReluBackprop checks its inputs", () => {
  const x = tf.zeros([1, 4, 4, 2]);
  const w = tf.zeros([3, 3, 2, 3]);
  const dy = tf.zeros([1, 2, 2, 3]);
  assert.throws(
    () => fusedConv2dReluBackprop(x, w, dy, tf.zeros([1, 2, 2, 2]), CONV, true),
    /_FusedConv2DReluBackprop: y must have the convolution's output shape \[1,2,2,3\]/,
  );
  assert.throws(
    () => fusedConv2dReluBackprop(x, w, tf.zeros([1, 2, 2, 3], "float64"), dy, CONV, true),
    /_FusedConv2DReluBackprop: dy .* dtype float32/,
  );
});

test("_FusedConv2DReluBackprop: its gradients by finite differences (second order of the fused conv)", () => {
  tf.random.setSeed(11);
  const x = tf.random.normal([2, 6, 5, 3], { dtype: "float64" });
  const w = tf.random.normal([3, 2, 3, 4], { dtype: "float64" });
  const dy = tf.random.normal([2, 4, 4, 4], { dtype: "float64" });
  // y away from 0 (steps of 1e-6 never cross the mask), both signs.
  const y = tf.multiply(tf.sign(tf.random.normal([2, 4, 4, 4], { dtype: "float64" })), 0.5);
  for (const inputGrad of [true, false]) {
    for (let out = 0; out < (inputGrad ? 3 : 2); out++) {
      checkGradients(
        (xx, ww, dd) => {
          const outs = fusedConv2dReluBackprop(xx, ww, dd, y, CONV, inputGrad);
          const o = outs.filter((g) => g !== null)[out];
          // Each output differentiated on its own (a sum would hide one output's errors).
          return tf.multiply(o, o);
        },
        [x, w, dy],
      );
    }
  }
  // Through the fused conv: the Hessian-vector product of a relu conv's loss in x and w.
  const b = tf.random.normal([4], { dtype: "float64" });
  checkGradients(
    (xx, ww) => {
      const tape = new tf.GradientTape();
      tape.watch([xx, ww]);
      const l = tape.record(() =>
        tf.reduceSum(tf.square(fusedConv2d(xx, ww, b, { ...CONV, activation: "relu" }))),
      );
      const [gx, gw] = tape.gradient(l, [xx, ww]);
      assert.ok(gx !== null && gw !== null);
      return tf.add(tf.reduceSum(tf.multiply(gx, gx)), tf.reduceSum(tf.multiply(gw, gw)));
    },
    [x, w],
  );
});

test("the relu fused conv's gradient runs one op, on both backends, with the unfused values", () => {
  tf.random.setSeed(12);
  for (const backend of ["native", "js"] as const) {
    const run = (): void => {
      const x = tf.random.normal([2, 7, 6, 3]);
      const w = tf.random.normal([3, 3, 3, 5]);
      const b = tf.random.normal([5]);
      const ran: string[] = [];
      const grads = (fused: boolean, watchX: boolean): tf.Tensor[] => {
        const tape = new tf.GradientTape();
        tape.watch(watchX ? [x, w, b] : [w, b]);
        const l = tape.record(() => {
          const z = fused
            ? fusedConv2d(x, w, b, { ...CONV, activation: "relu" })
            : tf.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w, 1, "VALID"), b));
          return tf.reduceSum(tf.multiply(z, tf.cos(z)));
        });
        activeCheckers.push({ checkOp: (op) => void ran.push(op.name) });
        try {
          return tape
            .gradient(l, watchX ? [x, w, b] : [w, b])
            .map((g) => (assert.ok(g !== null), g));
        } finally {
          activeCheckers.pop();
        }
      };
      for (const watchX of [true, false]) {
        ran.length = 0;
        const got = grads(true, watchX);
        assert.ok(ran.includes("_FusedConv2DReluBackprop"), ran.join(" "));
        assert.ok(!ran.includes("ReluGrad") && !ran.includes("Sum"), ran.join(" "));
        const want = grads(false, watchX);
        for (let k = 0; k < want.length; k++)
          assertArraysClose(
            got[k].dataSync() as Float32Array,
            want[k].dataSync() as Float32Array,
            1e-4,
            `${backend} watchX=${watchX} grad ${k}`,
          );
      }
    };
    if (backend === "js") onJs(run);
    else run();
  }
});
