/**
 * Fused batch normalization (FusedBatchNormV3 and its gradient) and the fused LSTM cell:
 * values against the composite formulas, the native kernels against the JS reference (odd
 * shapes, both dtypes, both ISA paths, one and two threads), gradients to second order against
 * finite differences, and the Keras layers that use them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { runOp } from "../src/engine/run-op.js";
import { FusedBatchNormGradV3, FusedBatchNormV3 } from "../src/ops/nn-batchnorm.js";
import {
  FusedLSTMCell,
  FusedLSTMCellGrad,
  FusedLSTMSequence,
  FusedLSTMSequenceGrad,
} from "../src/ops/nn-lstm.js";
import { checkGradients, checkWeightedGradient, randomTensor } from "./helpers/gradcheck.js";
import { countKernelCalls } from "./helpers/ops.js";
import {
  alloc,
  assertArraysClose,
  assertTensorsClose,
  forEachIsa,
  forEachThreads,
  randomArray,
  withAddon,
} from "./helpers/native.js";
import { rng } from "./helpers/rng.js";

test("FusedBatchNormV3 matches the composite: batch statistics, sample variance, y", () => {
  const x = randomTensor([3, 4, 5, 6], 1, -2, 3);
  const scale = randomTensor([6], 2, 0.5, 1.5);
  const offset = randomTensor([6], 3);
  const [y, mean, variance] = tf.nn.fusedBatchNorm(x, scale, offset, null, null, {
    epsilon: 0.01,
  });
  const [m, v] = tf.nn.moments(x, [0, 1, 2]);
  assertTensorsClose(mean, m, 1e-12, "mean");
  // The sample variance: N / (N - 1) times the population variance, N = 60.
  assertTensorsClose(variance, tf.multiply(v, 60 / 59), 1e-12, "variance");
  const want = tf.nn.batchNormalization(x, m, v, offset, scale, 0.01);
  assertTensorsClose(y, want, 1e-12, "y");
  // Inference uses the given statistics and returns them.
  const [yi, mi, vi] = tf.nn.fusedBatchNorm(x, scale, offset, m, v, {
    epsilon: 0.01,
    isTraining: false,
  });
  assertTensorsClose(yi, want, 1e-12, "inference y");
  assert.equal(mi, m);
  assert.equal(vi, v);
  // One row: the sample variance's divisor stays 1 (as TensorFlow's), the output is offset.
  const [y1, , v1] = tf.nn.fusedBatchNorm(tf.constant([[2, 5]]), [1, 1], [0.5, -1]);
  assert.deepEqual([...y1.dataSync()], [0.5, -1]);
  assert.deepEqual([...v1.dataSync()], [0, 0]);
});

test("fusedBatchNorm rejects bad arguments with messages naming the op", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(
    () => tf.nn.fusedBatchNorm(x, tf.ones([2]), tf.zeros([3])),
    /FusedBatchNormV3: scale must be a float32 vector of the 3 channels/,
  );
  assert.throws(
    () => tf.nn.fusedBatchNorm(x, tf.ones([3]), tf.zeros([3]), tf.zeros([3]), null),
    /fusedBatchNorm: in training mode/,
  );
  assert.throws(
    () => tf.nn.fusedBatchNorm(x, tf.ones([3]), tf.zeros([3]), null, null, { isTraining: false }),
    /needs mean and variance/,
  );
  assert.throws(
    () => tf.nn.fusedBatchNorm(x, tf.ones([3]), tf.zeros([3]), null, null, { epsilon: -1 }),
    RangeError,
  );
  assert.throws(
    () => tf.nn.fusedBatchNorm(tf.zeros([0, 3]), tf.ones([3]), tf.zeros([3])),
    /no rows/,
  );
  assert.throws(
    () => tf.nn.fusedBatchNorm(tf.zeros([2, 3], "int32"), tf.ones([3]), tf.zeros([3])),
    TypeError,
  );
});

test("FusedBatchNormV3's gradient equals the composite's, mean and variance outputs included", () => {
  const x = randomTensor([5, 3, 4], 4, -1, 2);
  const scale = randomTensor([4], 5, 0.5, 1.5);
  const offset = randomTensor([4], 6);
  const wy = randomTensor([5, 3, 4], 7);
  const wm = randomTensor([4], 8);
  const wv = randomTensor([4], 9);
  const loss = (y: tf.Tensor, m: tf.Tensor, v: tf.Tensor): tf.Tensor =>
    tf.add(
      tf.reduceSum(tf.multiply(y, wy)),
      tf.add(tf.reduceSum(tf.multiply(m, wm)), tf.reduceSum(tf.multiply(v, wv))),
    );
  const grads = (fused: boolean): tf.Tensor[] => {
    const tape = new tf.GradientTape();
    tape.watch([x, scale, offset]);
    const l = tape.record(() => {
      if (fused) {
        const [y, m, v] = tf.nn.fusedBatchNorm(x, scale, offset, null, null, { epsilon: 0.001 });
        return loss(y, m, v);
      }
      const [m, v] = tf.nn.moments(x, [0, 1]);
      const y = tf.nn.batchNormalization(x, m, v, offset, scale, 0.001);
      return loss(y, m, tf.multiply(v, 15 / 14));
    });
    return tape.gradient(l, [x, scale, offset]) as tf.Tensor[];
  };
  const got = grads(true);
  const want = grads(false);
  for (let i = 0; i < 3; i++) assertTensorsClose(got[i], want[i], 1e-10, `gradient ${i}`);
});

test("fused batch norm and LSTM cell ops: gradients to second order match finite differences", () => {
  const cases: [typeof FusedBatchNormV3 | typeof FusedLSTMCell, number[][], number[][]][] = [
    [
      FusedBatchNormV3,
      [[5, 3], [3], [3]],
      [
        [-1, 1],
        [0.5, 1.5],
        [-1, 1],
      ],
    ],
    [
      FusedBatchNormGradV3,
      [[4, 3], [4, 3], [3], [3], [3]],
      [
        [-1, 1],
        [-1, 1],
        [0.5, 1.5],
        [-1, 1],
        [-1, 1],
      ],
    ],
    [
      FusedLSTMCell,
      [
        [3, 8],
        [3, 2],
      ],
      [
        [-2, 2],
        [-1, 1],
      ],
    ],
    [
      FusedLSTMCellGrad,
      [
        [2, 12],
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      [
        [-2, 2],
        [-1, 1],
        [-1, 1],
        [-1, 1],
      ],
    ],
    [
      FusedLSTMSequence,
      [
        [4, 2, 12],
        [3, 12],
        [2, 3],
        [2, 3],
      ],
      [
        [-1, 1],
        [-1, 1],
        [-1, 1],
        [-1, 1],
      ],
    ],
  ];
  for (const [op, shapes, ranges] of cases) {
    const attrs = op === FusedBatchNormV3 || op === FusedBatchNormGradV3 ? { epsilon: 0.01 } : {};
    const inputs = shapes.map((s, i) => randomTensor(s, 30 + i, ranges[i][0], ranges[i][1]));
    const f = (...xs: tf.Tensor[]): tf.Tensor =>
      tf.concat(
        runOp(op as typeof FusedLSTMCell, xs, attrs as Record<string, never>).map((o) =>
          tf.reshape(o, [-1]),
        ),
        0,
      );
    checkGradients(f, inputs, { rtol: 1e-4, atol: 1e-6 });
    checkWeightedGradient(f, inputs, { rtol: 1e-3, atol: 1e-5 });
  }
});

test("FusedLSTMCell matches the cell written with split, sigmoid and tanh", () => {
  const z = randomTensor([3, 20], 11, -3, 3);
  const cPrev = randomTensor([3, 5], 12);
  const [c, h] = runOp(FusedLSTMCell, [z, cPrev], {});
  const [zi, zf, zg, zo] = tf.split(z, 4, 1);
  const wantC = tf.add(
    tf.multiply(tf.sigmoid(zf), cPrev),
    tf.multiply(tf.sigmoid(zi), tf.tanh(zg)),
  );
  assertTensorsClose(c, wantC, 1e-12, "c");
  assertTensorsClose(h, tf.multiply(tf.sigmoid(zo), tf.tanh(wantC)), 1e-12, "h");
  assert.throws(
    () => runOp(FusedLSTMCell, [tf.zeros([2, 6]), tf.zeros([2, 1])], {}),
    /FusedLSTMCell: z must be \[batch, 4 units\]/,
  );
  assert.throws(
    () => runOp(FusedLSTMCell, [tf.zeros([2, 8]), tf.zeros([3, 2])], {}),
    /FusedLSTMCell: cPrev must be float32 \[2, 2\]/,
  );
});

test("native batch norm and LSTM cell kernels match js: odd shapes, both dtypes and ISAs", (t) =>
  withAddon(t, (a) => {
    assert.ok(a.batchNormTrain && a.batchNormGrad && a.lstmCell && a.lstmCellGrad);
    const r = rng(21);
    forEachIsa(a, (isa) =>
      forEachThreads(a, () => {
        for (const dtype of ["float32", "float64"] as const) {
          const tol = dtype === "float32" ? 2e-5 : 1e-12;
          for (const [rows, C] of [
            [1, 3],
            [7, 5],
            [301, 17],
            [4099, 33],
          ]) {
            const what = `${isa} ${dtype} [${rows}, ${C}]`;
            const p = { rows, channels: C, epsilon: 0.001 };
            const x = randomArray(dtype, rows * C, r, -1, 3);
            const scale = randomArray(dtype, C, r, 0.5, 1.5);
            const offset = randomArray(dtype, C, r);
            const outs = () => [alloc(dtype, rows * C), alloc(dtype, C), alloc(dtype, C)];
            const [y0, m0, v0] = outs();
            const [y1, m1, v1] = outs();
            jsBackend.batchNormTrain(x, scale, offset, y0, m0, v0, p);
            a.batchNormTrain?.(x, scale, offset, y1, m1, v1, rows, C, 0.001);
            assertArraysClose(y1, y0, tol, `batchNormTrain y ${what}`);
            assertArraysClose(m1, m0, tol, `batchNormTrain mean ${what}`);
            assertArraysClose(v1, v0, tol, `batchNormTrain variance ${what}`);
            const dy = randomArray(dtype, rows * C, r);
            const gm = randomArray(dtype, C, r);
            const gv = randomArray(dtype, C, r);
            const [dx0, ds0, do0] = outs();
            const [dx1, ds1, do1] = outs();
            jsBackend.batchNormGrad(dy, x, scale, gm, gv, dx0, ds0, do0, p);
            a.batchNormGrad?.(dy, x, scale, gm, gv, dx1, ds1, do1, rows, C, 0.001);
            assertArraysClose(dx1, dx0, tol, `batchNormGrad dx ${what}`);
            assertArraysClose(ds1, ds0, tol * Math.sqrt(rows), `batchNormGrad dscale ${what}`);
            assertArraysClose(do1, do0, tol * Math.sqrt(rows), `batchNormGrad doffset ${what}`);
          }
          for (const [batch, units] of [
            [1, 1],
            [3, 7],
            [5, 19],
            [32, 128],
          ]) {
            const what = `${isa} ${dtype} batch ${batch} units ${units}`;
            const p = { batch, units };
            const n = batch * units;
            const z = randomArray(dtype, 4 * n, r, -4, 4);
            const cp = randomArray(dtype, n, r);
            const c0 = alloc(dtype, n);
            const h0 = alloc(dtype, n);
            const c1 = alloc(dtype, n);
            const h1 = alloc(dtype, n);
            jsBackend.lstmCell(z, cp, c0, h0, p);
            a.lstmCell?.(z, cp, c1, h1, batch, units);
            assertArraysClose(c1, c0, tol, `lstmCell c ${what}`);
            assertArraysClose(h1, h0, tol, `lstmCell h ${what}`);
            const dc = randomArray(dtype, n, r);
            const dh = randomArray(dtype, n, r);
            const dz0 = alloc(dtype, 4 * n);
            const dp0 = alloc(dtype, n);
            const dz1 = alloc(dtype, 4 * n);
            const dp1 = alloc(dtype, n);
            jsBackend.lstmCellGrad(z, cp, dc, dh, dz0, dp0, p);
            a.lstmCellGrad?.(z, cp, dc, dh, dz1, dp1, batch, units);
            assertArraysClose(dz1, dz0, tol, `lstmCellGrad dz ${what}`);
            assertArraysClose(dp1, dp0, tol, `lstmCellGrad dcPrev ${what}`);
          }
        }
      }),
    );
  }));

test("bad arguments reaching the fused kernels in C++ throw JS errors", (t) =>
  withAddon(t, (a) => {
    const f = (n: number) => new Float32Array(n);
    assert.throws(
      () => a.batchNormTrain?.(f(6), f(3), f(3), f(5), f(3), f(3), 2, 3, 0.001),
      RangeError,
    );
    assert.throws(
      () => a.batchNormTrain?.(f(6), f(3), f(3), f(6), f(3), new Float64Array(3), 2, 3, 0.001),
      TypeError,
    );
    const x = f(6);
    assert.throws(() => a.batchNormTrain?.(x, f(3), f(3), x, f(3), f(3), 2, 3, 0.001), RangeError);
    assert.throws(
      () => a.batchNormTrain?.(f(6), f(3), f(3), f(6), f(3), f(3), 2, 3, NaN),
      RangeError,
    );
    assert.throws(
      () => a.batchNormGrad?.(f(6), f(6), f(3), f(3), f(2), f(6), f(3), f(3), 2, 3, 0),
      RangeError,
    );
    assert.throws(() => a.lstmCell?.(f(8), f(2), f(2), f(3), 1, 2), RangeError);
    assert.throws(() => a.lstmCellGrad?.(f(8), f(2), f(2), f(2), f(8), f(2), 1, -2), RangeError);
  }));

/** Runs fn counting the kernel calls of op. */
test("Keras LSTM and BatchNormalization run the fused ops, with the composite's values and gradients", () => {
  const x = randomTensor([3, 4, 5], 41);
  const fused = new tf.keras.layers.LSTM(6, { dtype: "float64" });
  // The same activations as functions of its own: the layer takes the composite path.
  const composite = new tf.keras.layers.LSTM(6, {
    dtype: "float64",
    activation: (t: tf.Tensor) => tf.tanh(t),
  });
  fused.build([3, 4, 5]);
  composite.build([3, 4, 5]);
  fused.weights.forEach((w, i) => composite.weights[i].assign(w.value()));
  const run = (layer: typeof fused): [tf.Tensor, tf.Tensor[]] => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => tf.reduceSum(tf.square(layer.apply(x))));
    return [y, tape.gradient(y, [x, ...layer.trainableWeights]) as tf.Tensor[]];
  };
  let got: [tf.Tensor, tf.Tensor[]] = [x, []];
  assert.equal(
    countKernelCalls(FusedLSTMSequence, () => (got = run(fused))),
    1,
  );
  assert.equal(
    countKernelCalls(FusedLSTMSequenceGrad, () => run(fused)),
    1,
  );
  let want: [tf.Tensor, tf.Tensor[]] = [x, []];
  assert.equal(
    countKernelCalls(FusedLSTMSequence, () => (want = run(composite))),
    0,
  );
  assertTensorsClose(got[0], want[0], 1e-12, "LSTM loss");
  got[1].forEach((g, i) => assertTensorsClose(g, want[1][i], 1e-10, `LSTM gradient ${i}`));

  const bn = new tf.keras.layers.BatchNormalization({ dtype: "float64" });
  const xb = randomTensor([4, 3, 2], 42);
  assert.equal(
    countKernelCalls(FusedBatchNormV3, () => bn.apply(xb, { training: true })),
    1,
  );
  // Normalized over axes 0 and 1 (axis 2 kept), with gamma 1 and beta 0.
  const [m, v] = tf.nn.moments(xb, [0, 1]);
  assertTensorsClose(
    bn.apply(xb, { training: true }),
    tf.nn.batchNormalization(xb, m, v, null, null, 1e-3),
    1e-10,
    "BatchNormalization",
  );
});

test("FusedLSTMSequence: the steps of FusedLSTMCell; its fused gradient equals the per-step one", () => {
  const [T, B, U] = [5, 3, 4];
  const xp = randomTensor([T, B, 4 * U], 51);
  const wh = randomTensor([U, 4 * U], 52, -0.5, 0.5);
  const h0 = randomTensor([B, U], 53);
  const c0 = randomTensor([B, U], 54);
  const [hs, cs, zs] = runOp(FusedLSTMSequence, [xp, wh, h0, c0], {});
  let h = h0;
  let c = c0;
  const steps = tf.unstack(xp, T, 0);
  for (let t = 0; t < T; t++) {
    const z = tf.add(steps[t], tf.matmul(h, wh));
    assertTensorsClose(tf.gather(zs, t), z, 1e-12, `zs[${t}]`);
    [c, h] = runOp(FusedLSTMCell, [z, c], {});
    assertTensorsClose(tf.gather(hs, t), h, 1e-12, `hs[${t}]`);
    assertTensorsClose(tf.gather(cs, t), c, 1e-12, `cs[${t}]`);
  }
  // Weights on every output; the gradient with no tape recording it (FusedLSTMSequenceGrad)
  // against the one a recording tape gets (per-step FusedLSTMCellGrad and matmul).
  const w = [
    randomTensor([T, B, U], 55),
    randomTensor([T, B, U], 56),
    randomTensor([T, B, 4 * U], 57),
  ];
  const inputs = [xp, wh, h0, c0];
  const grads = (): tf.Tensor[] => {
    const tape = new tf.GradientTape();
    tape.watch(inputs);
    const y = tape.record(() =>
      tf.addN(
        runOp(FusedLSTMSequence, inputs, {}).map((o, i) => tf.reduceSum(tf.multiply(o, w[i]))),
      ),
    );
    return tape.gradient(y, inputs) as tf.Tensor[];
  };
  let fused: tf.Tensor[] = [];
  assert.equal(
    countKernelCalls(FusedLSTMSequenceGrad, () => (fused = grads())),
    1,
  );
  const outer = new tf.GradientTape();
  outer.watch(inputs);
  let perStep: tf.Tensor[] = [];
  assert.equal(
    countKernelCalls(FusedLSTMSequenceGrad, () => outer.record(() => (perStep = grads()))),
    0,
  );
  fused.forEach((g, i) => assertTensorsClose(g, perStep[i], 1e-10, `gradient ${i}`));
  const z = (s: number[]) => tf.zeros(s);
  assert.throws(
    () => runOp(FusedLSTMSequence, [z([0, 2, 8]), z([2, 8]), z([2, 2]), z([2, 2])], {}),
    /FusedLSTMSequence: xp must be \[steps >= 1/,
  );
  assert.throws(
    () => runOp(FusedLSTMSequence, [z([3, 2, 8]), z([2, 4]), z([2, 2]), z([2, 2])], {}),
    /FusedLSTMSequence: wh must be float32 \[2,8\]/,
  );
});

test("native LSTM sequence kernels match js: odd shapes, both dtypes and ISAs", (t) =>
  withAddon(t, (a) => {
    assert.ok(a.lstmSequence && a.lstmSequenceGrad);
    const r = rng(61);
    forEachIsa(a, (isa) =>
      forEachThreads(a, () => {
        for (const dtype of ["float32", "float64"] as const) {
          const tol = dtype === "float32" ? 1e-4 : 1e-11;
          for (const [steps, batch, units] of [
            [1, 1, 1],
            [3, 5, 7],
            [6, 32, 33],
            // Two row blocks with two threads (a block from about 1M multiply-adds).
            [7, 13, 100],
          ]) {
            const what = `${isa} ${dtype} [${steps}, ${batch}, ${units}]`;
            const p = { steps, batch, units };
            const n = batch * units;
            const xp = randomArray(dtype, steps * 4 * n, r);
            const wh = randomArray(dtype, units * 4 * units, r, -0.3, 0.3);
            const h0 = randomArray(dtype, n, r);
            const c0 = randomArray(dtype, n, r);
            const outs = (): FloatArray[] => [
              alloc(dtype, steps * n),
              alloc(dtype, steps * n),
              alloc(dtype, steps * 4 * n),
            ];
            const [hs0, cs0, zs0] = outs();
            const [hs1, cs1, zs1] = outs();
            const bias = randomArray(dtype, 4 * units, r, -0.5, 0.5);
            jsBackend.lstmSequence(xp, wh, bias, h0, c0, hs0, cs0, zs0, p);
            a.lstmSequence?.(xp, wh, bias, h0, c0, hs1, cs1, zs1, steps, batch, units);
            assertArraysClose(hs1, hs0, tol, `lstmSequence hs ${what}`);
            assertArraysClose(cs1, cs0, tol, `lstmSequence cs ${what}`);
            assertArraysClose(zs1, zs0, tol, `lstmSequence zs ${what}`);
            const dhs = randomArray(dtype, steps * n, r);
            const dcs = randomArray(dtype, steps * n, r);
            const dzs = randomArray(dtype, steps * 4 * n, r);
            const gouts = (): FloatArray[] => [
              alloc(dtype, steps * 4 * n),
              alloc(dtype, units * 4 * units),
              alloc(dtype, n),
              alloc(dtype, n),
              alloc(dtype, 4 * units),
            ];
            const g0 = gouts();
            const g1 = gouts();
            jsBackend.lstmSequenceGrad(
              zs0,
              cs0,
              hs0,
              wh,
              h0,
              c0,
              dhs,
              dcs,
              dzs,
              g0[0],
              g0[1],
              g0[2],
              g0[3],
              g0[4],
              p,
            );
            a.lstmSequenceGrad?.(
              zs0,
              cs0,
              hs0,
              wh,
              h0,
              c0,
              dhs,
              dcs,
              dzs,
              g1[0],
              g1[1],
              g1[2],
              g1[3],
              g1[4],
              steps,
              batch,
              units,
            );
            ["dxp", "dwh", "dh0", "dc0", "db"].forEach((name, i) =>
              assertArraysClose(
                g1[i],
                g0[i],
                tol * Math.sqrt(steps * batch),
                `lstmSequenceGrad ${name} ${what}`,
              ),
            );
          }
        }
      }),
    );
  }));
