/**
 * The fused GRU (FusedGRUCell, FusedGRUSequence and their gradients): the native kernels
 * against the JS reference (odd shapes, both dtypes, both ISA paths, one and two threads),
 * gradients to second order against finite differences in float64, the one-call gradient
 * against the recorded (public-op) one, bad arguments, and Keras GRU on the fused ops against
 * the composite cell (both reset_after forms, masks, returnSequences/returnState, goBackwards,
 * initial states).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { runOp } from "../src/engine/run-op.js";
import {
  FusedGRUCell,
  FusedGRUCellGrad,
  FusedGRUSequence,
  FusedGRUSequenceGrad,
} from "../src/ops/nn-gru.js";
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
import type { RNNOptions } from "../src/keras/layers/recurrent.js";

/** Runs fn counting the kernel calls of op. */
test("native GRU sequence kernels match js: odd shapes, both forms, dtypes, ISAs, threads", (t) =>
  withAddon(t, (a) => {
    assert.ok(a.gruSequence && a.gruSequenceGrad);
    const r = rng(71);
    forEachIsa(a, (isa) =>
      forEachThreads(a, (threads) => {
        for (const dtype of ["float32", "float64"] as const) {
          const tol = dtype === "float32" ? 2e-4 : 1e-11;
          for (const [steps, batch, units] of [
            [1, 1, 1],
            [3, 5, 7],
            [4, 7, 17],
            // Two row blocks with two threads (a block from about 1M multiply-adds).
            [7, 13, 100],
          ]) {
            for (const resetAfter of [true, false]) {
              const what = `${isa} ${threads}T ${dtype} [${steps}, ${batch}, ${units}] resetAfter ${resetAfter}`;
              const p = { steps, batch, units, resetAfter };
              const n = batch * units;
              const xp = randomArray(dtype, steps * 3 * n, r);
              const rk = randomArray(dtype, units * 3 * units, r, -0.3, 0.3);
              const rb = randomArray(dtype, 3 * units, r, -0.5, 0.5);
              const h0 = randomArray(dtype, n, r, -1, 1);
              const outs = (): FloatArray[] => [
                alloc(dtype, steps * n),
                alloc(dtype, steps * 4 * n),
              ];
              const [hs0, gs0] = outs();
              const [hs1, gs1] = outs();
              jsBackend.gruSequence(xp, rk, rb, h0, hs0, gs0, p);
              a.gruSequence?.(xp, rk, rb, h0, hs1, gs1, steps, batch, units, resetAfter);
              assertArraysClose(hs1, hs0, tol, `gruSequence hs ${what}`);
              assertArraysClose(gs1, gs0, tol, `gruSequence gs ${what}`);
              const dhs = randomArray(dtype, steps * n, r);
              const dgs = randomArray(dtype, steps * 4 * n, r);
              const gouts = (): FloatArray[] => [
                alloc(dtype, steps * 3 * n),
                alloc(dtype, 3 * units * units),
                alloc(dtype, 3 * units),
                alloc(dtype, n),
              ];
              const g0 = gouts();
              const g1 = gouts();
              jsBackend.gruSequenceGrad(rk, h0, hs0, gs0, dhs, dgs, g0[0], g0[1], g0[2], g0[3], p);
              a.gruSequenceGrad?.(
                rk,
                h0,
                hs0,
                gs0,
                dhs,
                dgs,
                g1[0],
                g1[1],
                g1[2],
                g1[3],
                steps,
                batch,
                units,
                resetAfter,
              );
              // The weight gradients sum steps x batch products: a looser float32 bound.
              const gt = dtype === "float32" ? 1e-3 : 1e-10;
              ["dxp", "drk", "drb", "dh0"].forEach((name, i) =>
                assertArraysClose(g1[i], g0[i], gt, `gruSequenceGrad ${name} ${what}`),
              );
            }
          }
        }
      }),
    );
  }));

test("native GRU kernels refuse bad arguments with the kernel's name", (t) =>
  withAddon(t, (a) => {
    const f = (n: number) => new Float32Array(n);
    // steps 2, batch 1, units 2: xp 12, rk 12, rb 6, h0 2, hs 4, gs 16.
    assert.throws(
      () => a.gruSequence?.(f(11), f(12), f(6), f(2), f(4), f(16), 2, 1, 2, true),
      /gruSequence \(native\)/,
    );
    assert.throws(
      () => a.gruSequence?.(f(12), new Float64Array(12), f(6), f(2), f(4), f(16), 2, 1, 2, true),
      TypeError,
    );
    assert.throws(
      () => a.gruSequence?.(f(12), f(12), f(6), f(2), f(4), f(16), 2, 1, 2, 1 as never),
      /resetAfter must be a boolean/,
    );
    const hs = f(4);
    assert.throws(
      () => a.gruSequence?.(f(12), f(12), f(6), hs, hs, f(16), 2, 1, 2, true),
      /gruSequence \(native\)/,
    );
    assert.throws(
      () =>
        a.gruSequenceGrad?.(
          f(12),
          f(2),
          f(4),
          f(16),
          f(4),
          f(16),
          f(12),
          f(12),
          f(6),
          f(2),
          2,
          1,
          3,
          true,
        ),
      /gruSequenceGrad \(native\)/,
    );
    assert.throws(
      () =>
        a.gruSequenceGrad?.(
          f(12),
          f(2),
          f(0),
          f(0),
          f(0),
          f(0),
          f(0),
          f(12),
          f(6),
          f(2),
          0,
          1,
          2,
          true,
        ),
      /at least one step/,
    );
  }));

/** The GRU step written with split, matmul, sigmoid and tanh (Keras's GRUCell). */
function compositeStep(
  xp: tf.Tensor,
  h: tf.Tensor,
  rk: tf.Tensor,
  rb: tf.Tensor,
  resetAfter: boolean,
): tf.Tensor {
  const [xz, xr, xh] = tf.split(xp, 3, 1);
  const [rkz, rkr, rkh] = tf.split(rk, 3, 1);
  const [bz, br, bh] = tf.split(rb, 3, 0);
  const z = tf.sigmoid(tf.add(tf.add(xz, tf.matmul(h, rkz)), bz));
  const r = tf.sigmoid(tf.add(tf.add(xr, tf.matmul(h, rkr)), br));
  const hh = resetAfter
    ? tf.tanh(tf.add(xh, tf.multiply(r, tf.add(tf.matmul(h, rkh), bh))))
    : tf.tanh(tf.add(tf.add(xh, tf.matmul(tf.multiply(r, h), rkh)), bh));
  return tf.add(tf.multiply(z, h), tf.multiply(tf.subtract(1, z), hh));
}

test("FusedGRUCell and FusedGRUSequence match the composite step, both forms", () => {
  for (const resetAfter of [true, false]) {
    const xp = randomTensor([4, 3, 9], 1, -2, 2);
    const rk = randomTensor([3, 9], 2, -0.8, 0.8);
    const rb = randomTensor([9], 3, -0.5, 0.5);
    const h0 = randomTensor([3, 3], 4);
    const [hs, gs] = runOp(FusedGRUSequence, [xp, rk, rb, h0], { resetAfter });
    let h = h0;
    const steps = tf.unstack(xp);
    steps.forEach((x, t) => {
      const want = compositeStep(x, h, rk, rb, resetAfter);
      const [hc] = runOp(FusedGRUCell, [x, h, rk, rb], { resetAfter });
      assertTensorsClose(hc, want, 1e-12, `cell step ${t} resetAfter ${resetAfter}`);
      assertTensorsClose(
        tf.unstack(hs)[t],
        want,
        1e-12,
        `sequence step ${t} resetAfter ${resetAfter}`,
      );
      h = want;
    });
    // gs's first block is pz = xz + h rk_z + rb_z.
    const pz0 = tf.add(
      tf.add(tf.split(steps[0], 3, 1)[0], tf.matmul(h0, tf.split(rk, 3, 1)[0])),
      tf.split(rb, 3, 0)[0],
    );
    assertTensorsClose(tf.split(tf.unstack(gs)[0], 4, 1)[0], pz0, 1e-12, "gs pz");
  }
});

test("FusedGRU ops: float64 gradients (first and second order) against finite differences", () => {
  for (const resetAfter of [true, false]) {
    const cases: [typeof FusedGRUCell, number[][]][] = [
      [FusedGRUSequence, [[3, 2, 6], [2, 6], [6], [2, 2]]],
      [FusedGRUCell, [[3, 6], [3, 2], [2, 6], [6]]],
    ];
    for (const [op, shapes] of cases) {
      const inputs = shapes.map((s, i) => randomTensor(s, 50 + i, -0.9, 0.9));
      // Both outputs (h and the saved gs), so the gs cotangent path is checked too.
      const f = (...xs: tf.Tensor[]): tf.Tensor =>
        tf.concat(
          runOp(op, xs, { resetAfter }).map((o) => tf.reshape(o, [-1])),
          0,
        );
      checkGradients(f, inputs, { rtol: 1e-4, atol: 1e-6 });
      checkWeightedGradient(f, inputs, { rtol: 1e-3, atol: 1e-5 });
    }
  }
});

test("the one-call GRU gradients equal the recorded public-op ones", () => {
  for (const resetAfter of [true, false]) {
    for (const [op, gradOp, shapes] of [
      [FusedGRUSequence, FusedGRUSequenceGrad, [[5, 3, 12], [4, 12], [12], [3, 4]]],
      [FusedGRUCell, FusedGRUCellGrad, [[3, 12], [3, 4], [4, 12], [12]]],
    ] as const) {
      const inputs = shapes.map((s, i) => randomTensor([...s], 60 + i, -1, 1));
      const w = runOp(op, inputs, { resetAfter }).map((o, k) => randomTensor([...o.shape], 90 + k));
      const grads = (): tf.Tensor[] => {
        const tape = new tf.GradientTape();
        tape.watch(inputs);
        const y = tape.record(() =>
          runOp(op, inputs, { resetAfter })
            .map((o, k) => tf.reduceSum(tf.multiply(o, w[k])))
            .reduce((p, q) => tf.add(p, q)),
        );
        return tape.gradient(y, inputs) as tf.Tensor[];
      };
      let fast: tf.Tensor[] = [];
      assert.equal(
        countKernelCalls(gradOp, () => (fast = grads())),
        1,
      );
      // Inside another tape that watches the inputs the gradient is recorded, so it runs as
      // the Grad op's expansion (public ops).
      let slow: tf.Tensor[] = [];
      const outer = new tf.GradientTape();
      outer.watch(inputs);
      assert.equal(
        countKernelCalls(gradOp, () => outer.record(() => (slow = grads()))),
        0,
      );
      fast.forEach((g, i) =>
        assertTensorsClose(g, slow[i], 1e-10, `${op.name} gradient ${i} resetAfter ${resetAfter}`),
      );
    }
  }
});

test("FusedGRU ops refuse bad shapes, dtypes and attrs, naming the op", () => {
  const f = (s: number[], dtype: "float32" | "float64" | "int32" = "float32") => tf.zeros(s, dtype);
  const ra = { resetAfter: true };
  assert.throws(
    () => runOp(FusedGRUSequence, [f([2, 3, 7]), f([2, 6]), f([6]), f([3, 2])], ra),
    /FusedGRUSequence: xp must be \[steps >= 1, batch, 3 units\]/,
  );
  assert.throws(
    () => runOp(FusedGRUSequence, [f([2, 3, 6]), f([2, 9]), f([6]), f([3, 2])], ra),
    /FusedGRUSequence: rk must be float32 \[2,6\]/,
  );
  assert.throws(
    () => runOp(FusedGRUSequence, [f([2, 3, 6]), f([2, 6]), f([6]), f([3, 2], "float64")], ra),
    /FusedGRUSequence: h0 must be float32 \[3,2\]/,
  );
  assert.throws(
    () => runOp(FusedGRUSequence, [f([2, 3, 6], "int32"), f([2, 6]), f([6]), f([3, 2])], ra),
    TypeError,
  );
  assert.throws(
    () => runOp(FusedGRUSequence, [f([0, 3, 6]), f([2, 6]), f([6]), f([3, 2])], ra),
    /steps >= 1/,
  );
  assert.throws(
    () => runOp(FusedGRUCell, [f([3, 6]), f([3, 2]), f([2, 6]), f([5])], ra),
    /FusedGRUCell: rb must be float32 \[6\]/,
  );
  assert.throws(
    () =>
      runOp(FusedGRUCell, [f([3, 6]), f([3, 2]), f([2, 6]), f([6])], { resetAfter: 1 as never }),
    /FusedGRUCell: resetAfter must be a boolean/,
  );
});

/** A Keras GRU on the fused ops and one with the same weights on the composite cell. */
function gruPair(
  units: number,
  features: number,
  options: RNNOptions,
): [tf.keras.layers.GRU<tf.Tensor | tf.Tensor[]>, tf.keras.layers.GRU<tf.Tensor | tf.Tensor[]>] {
  const fused = new tf.keras.layers.GRU<tf.Tensor | tf.Tensor[]>(units, {
    dtype: "float64",
    ...options,
  });
  // The same activation as a function of its own: the layer takes the composite path.
  const composite = new tf.keras.layers.GRU<tf.Tensor | tf.Tensor[]>(units, {
    dtype: "float64",
    ...options,
    activation: (t: tf.Tensor) => tf.tanh(t),
  });
  fused.build([null, null, features]);
  composite.build([null, null, features]);
  fused.weights.forEach((w, i) => {
    const v = randomTensor([...w.shape], 100 + i, -0.7, 0.7);
    w.assign(v);
    composite.weights[i].assign(v);
  });
  return [fused, composite];
}

const list = (y: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(y) ? y : [y]);

test("Keras GRU on the fused ops equals the composite cell: forms, sequences, states, goBackwards, masks", () => {
  const x = randomTensor([3, 5, 4], 41, -1.5, 1.5);
  const h0 = randomTensor([3, 6], 42);
  const mask = tf.constant(
    [
      [1, 1, 1, 0, 0],
      [1, 0, 1, 1, 1],
      [1, 1, 1, 1, 1],
    ],
    "bool",
  );
  for (const resetAfter of [true, false]) {
    for (const useBias of [true, false]) {
      for (const options of [
        {},
        { returnSequences: true },
        { returnState: true },
        { returnSequences: true, returnState: true, goBackwards: true },
        { goBackwards: true },
      ]) {
        for (const callOpts of [{}, { initialState: [h0] }, { mask }]) {
          const what = `resetAfter ${resetAfter} useBias ${useBias} ${JSON.stringify(options)} ${Object.keys(callOpts).join(",")}`;
          const [fused, composite] = gruPair(6, 4, { resetAfter, useBias, ...options });
          const run = (layer: typeof fused): [tf.Tensor[], tf.Tensor[]] => {
            const tape = new tf.GradientTape();
            tape.watch([x, h0]);
            let ys: tf.Tensor[] = [];
            const loss = tape.record(() => {
              ys = list(layer.apply(x, callOpts));
              return ys.map((y) => tf.reduceSum(tf.square(y))).reduce((p, q) => tf.add(p, q));
            });
            const g = tape.gradient(loss, [x, h0, ...layer.trainableWeights]);
            return [ys, g.map((t, i) => t ?? tf.zeros(i === 1 ? h0.shape : [1], "float64"))];
          };
          const seqOp = "mask" in callOpts ? FusedGRUCell : FusedGRUSequence;
          let got: [tf.Tensor[], tf.Tensor[]] = [[], []];
          assert.ok(
            countKernelCalls(seqOp, () => (got = run(fused))) >= 1,
            `fused op used: ${what}`,
          );
          let want: [tf.Tensor[], tf.Tensor[]] = [[], []];
          assert.equal(
            countKernelCalls(FusedGRUSequence, () =>
              countKernelCalls(FusedGRUCell, () => (want = run(composite))),
            ),
            0,
          );
          assert.equal(got[0].length, want[0].length);
          got[0].forEach((y, i) => assertTensorsClose(y, want[0][i], 1e-12, `output ${i} ${what}`));
          got[1].forEach((g, i) =>
            assertTensorsClose(g, want[1][i], 1e-10, `gradient ${i} ${what}`),
          );
        }
      }
    }
  }
});

test("Keras GRU: non-default activations and recurrent dropout take the composite cell", () => {
  const x = randomTensor([2, 3, 4], 43);
  const hard = new tf.keras.layers.GRU(3, { dtype: "float64", recurrentActivation: "hardSigmoid" });
  assert.equal(
    countKernelCalls(FusedGRUSequence, () => countKernelCalls(FusedGRUCell, () => hard.apply(x))),
    0,
  );
  const dropped = new tf.keras.layers.GRU(3, { dtype: "float64", recurrentDropout: 0.5, seed: 1 });
  assert.equal(
    countKernelCalls(FusedGRUCell, () => dropped.apply(x, { training: true })),
    0,
  );
  // Without training, recurrent dropout is off: the fused sequence.
  assert.equal(
    countKernelCalls(FusedGRUSequence, () => dropped.apply(x)),
    1,
  );
});
