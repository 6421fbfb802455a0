/**
 * _FusedConv2D (conv + bias + relu or linear in one op, what Keras's Conv2D layer runs): the
 * native kernel against the JS one and both against the unfused ops, odd shapes, both dtypes,
 * every instruction-set path; -0 and NaN through the relu; the gradients by finite differences
 * and against the unfused composition; Keras's Conv2D on it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { fusedConv2d, type FusedConv2DAttrs } from "../src/ops/nn-conv-fused.js";
import { activeCheckers } from "../src/engine/run-op.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";
import { forEachPath, onJs, withAddon } from "./helpers/native.js";
import { filledArray as arr, undilatedConv2dParams as params } from "./helpers/conv.js";

const CASES = [
  // The MNIST convnet's two layers, batch cut down.
  params(3, [28, 28], 1, 32, [3, 3], [1, 1], [0, 0, 0, 0]),
  params(2, [13, 13], 32, 64, [3, 3], [1, 1], [0, 0, 0, 0]),
  // Odd channels (partial register tiles), strides, padding.
  params(2, [9, 7], 3, 5, [3, 2], [1, 2], [1, 1, 0, 1]),
  params(1, [11, 13], 19, 70, [3, 3], [2, 2], [1, 1, 1, 1]),
  // Empty input channels: y = act(bias) everywhere.
  params(2, [5, 5], 0, 3, [3, 3], [1, 1], [1, 1, 1, 1]),
];

test("conv2dBiasAct: native matches JS, and JS matches conv2d + bias + relu", (t) =>
  withAddon(t, (a) => {
    const r = rng(41);
    forEachPath(a, (path) => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const p of CASES) {
          const x = arr(dtype, p.batch * p.inH * p.inW * p.inC, r);
          const w = arr(dtype, p.filterH * p.filterW * p.inC * p.outC, r);
          const bias = arr(dtype, p.outC, r);
          if (p.outC > 2) bias[2] = NaN;
          const ys = p.batch * p.outH * p.outW * p.outC;
          const what = `${path} ${dtype} ${JSON.stringify(p)}`;
          for (const relu of [true, false]) {
            // The reference: the JS conv, then the bias and relu as the elementwise ops do.
            const want = arr(dtype, ys, r, 0);
            jsBackend.conv2d(x, w, want, p);
            for (let i = 0; i < ys; i++) {
              const v = want[i] + bias[i % p.outC];
              want[i] = !relu || v > 0 || Number.isNaN(v) ? v : 0;
            }
            const js = arr(dtype, ys, r, 7);
            jsBackend.conv2dBiasAct(x, w, bias, js, p, relu);
            assert.deepEqual(Array.from(js), Array.from(want), `js ${what}`);
            const got = arr(dtype, ys, r, NaN);
            a.conv2dBiasAct?.(x, w, bias, got, p, relu);
            const tol = dtype === "float32" ? 1e-5 : 1e-13;
            for (let i = 0; i < ys; i++) {
              const [g, v] = [got[i], want[i]];
              if (Number.isNaN(v)) assert.ok(Number.isNaN(g), `${what} relu=${relu} [${i}] NaN`);
              else
                assert.ok(
                  Math.abs(g - v) <= tol * (1 + Math.abs(v)) && !Object.is(g, -0),
                  `${what} relu=${relu} [${i}]: got ${g}, want ${v}`,
                );
            }
          }
        }
      }
    });
  }));

test("conv2dBiasAct rejects bad arguments with JS errors", (t) =>
  withAddon(t, (a) => {
    const p = params(1, [5, 5], 2, 3, [3, 3], [1, 1], [0, 0, 0, 0]);
    const x = new Float32Array(50);
    const w = new Float32Array(54);
    const y = new Float32Array(27);
    assert.throws(() => a.conv2dBiasAct?.(x, w, new Float32Array(2), y, p, true), RangeError);
    assert.throws(() => a.conv2dBiasAct?.(x, w, new Float64Array(3), y, p, true), TypeError);
    assert.throws(
      () => a.conv2dBiasAct?.(x, w, new Float32Array(3), y.subarray(1), p, true),
      RangeError,
    );
  }));

const ATTRS = (
  activation: "relu" | "linear",
  padding: "SAME" | "VALID",
  s = 1,
): FusedConv2DAttrs => ({
  strides: [s, s],
  dilations: [1, 1],
  padding,
  activation,
});

test("_FusedConv2D equals the unfused ops, values and gradients, on both backends", () => {
  tf.random.setSeed(3);
  for (const dtype of ["float32", "float64"] as const) {
    const x = tf.random.normal([3, 12, 11, 4], { dtype });
    const w = tf.random.normal([3, 3, 4, 6], { dtype });
    const b = tf.random.normal([6], { dtype });
    for (const [act, pad, s] of [
      ["relu", "VALID", 1],
      ["linear", "SAME", 2],
    ] as const) {
      const fused = (): tf.Tensor => fusedConv2d(x, w, b, ATTRS(act, pad, s));
      const unfused = (): tf.Tensor => {
        const z = tf.nn.biasAdd(tf.nn.conv2d(x, w, s, pad), b);
        return act === "relu" ? tf.relu(z) : z;
      };
      const grads = (f: () => tf.Tensor): number[][] => {
        const tape = new tf.GradientTape();
        for (const v of [x, w, b]) tape.watch(v);
        const y = tape.record(() => {
          const out = f();
          // A weight that is not all ones, so every output's cotangent differs.
          const wts = tf.sin(tf.cast(tf.reshape(tf.range(0, out.size), out.shape), dtype));
          return tf.reduceSum(tf.multiply(out, wts));
        });
        return [y, ...tape.gradient(y, [x, w, b])].map((g) => {
          assert.ok(g !== null);
          return Array.from(g.dataSync() as ArrayLike<number>);
        });
      };
      const tol = dtype === "float32" ? 2e-4 : 1e-10;
      for (const backend of ["native", "js"] as const) {
        const run = (): number[][] => [
          Array.from(fused().dataSync() as ArrayLike<number>),
          ...grads(fused),
        ];
        const ref = (): number[][] => [
          Array.from(unfused().dataSync() as ArrayLike<number>),
          ...grads(unfused),
        ];
        const [got, want] = backend === "js" ? onJs(() => [run(), ref()]) : [run(), ref()];
        for (let k = 0; k < want.length; k++)
          for (let i = 0; i < want[k].length; i++)
            assert.ok(
              Math.abs(got[k][i] - want[k][i]) <= tol * (1 + Math.abs(want[k][i])),
              `${backend} ${dtype} ${act} ${pad} part ${k} [${i}]: ${got[k][i]} vs ${want[k][i]}`,
            );
      }
    }
  }
});

test("_FusedConv2D gradients by finite differences", () => {
  tf.random.setSeed(5);
  const x = tf.random.normal([2, 6, 5, 3], { dtype: "float64" });
  const w = tf.random.normal([3, 2, 3, 4], { dtype: "float64" });
  const b = tf.random.normal([4], { dtype: "float64" });
  for (const [act, pad, s] of [
    ["relu", "VALID", 1],
    ["relu", "SAME", 2],
    ["linear", "VALID", 1],
  ] as const) {
    checkGradients((xx, ww, bb) => fusedConv2d(xx, ww, bb, ATTRS(act, pad, s)), [x, w, b]);
  }
});

test("_FusedConv2D checks the bias", () => {
  const x = tf.zeros([1, 4, 4, 2]);
  const w = tf.zeros([3, 3, 2, 3]);
  assert.throws(
    () => fusedConv2d(x, w, tf.zeros([2]), ATTRS("relu", "VALID")),
    /_FusedConv2D: bias must be 1-D/,
  );
  assert.throws(
    () => fusedConv2d(x, w, tf.zeros([3], "float64"), ATTRS("relu", "VALID")),
    /_FusedConv2D/,
  );
});

test("keras Conv2D with relu or no activation runs the fused op, with the unfused values", () => {
  tf.random.setSeed(8);
  const x = tf.random.normal([2, 9, 9, 3]);
  for (const activation of ["relu", null, "tanh"] as const) {
    const layer = new tf.keras.layers.Conv2D(5, 3, { activation, biasInitializer: "randomNormal" });
    const ran: string[] = [];
    activeCheckers.push({ checkOp: (op) => void ran.push(op.name) });
    let y: tf.Tensor;
    try {
      y = layer.apply(x) as tf.Tensor;
    } finally {
      activeCheckers.pop();
    }
    assert.equal(
      ran.includes("_FusedConv2D"),
      activation !== "tanh",
      `${activation}: ${ran.join(" ")}`,
    );
    const bias = layer.bias;
    assert.ok(bias !== null);
    let z = tf.add(tf.nn.conv2d(x, layer.kernel, 1, "VALID"), bias);
    z = activation === "relu" ? tf.relu(z) : activation === "tanh" ? tf.tanh(z) : z;
    const [a, b] = [y.dataSync() as Float32Array, z.dataSync() as Float32Array];
    assert.deepEqual(y.shape, [2, 7, 7, 5]);
    for (let i = 0; i < b.length; i++)
      assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(b[i])), `${activation} [${i}]`);
  }
});
