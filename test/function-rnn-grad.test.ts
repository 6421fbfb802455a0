/**
 * The recurrent sequence ops' one-call gradients under tf.function: a traced gradient keeps the
 * Grad op (the native backward loop) as one graph node, and a tape outside the function that
 * differentiates the gradient again gets the Grad op's expansion (OpDef.expand) at replay, so
 * second derivatives through the graph equal the eager ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { AnyOpDef } from "../src/engine/op.js";
import { runOp } from "../src/engine/run-op.js";
import { FusedGRUSequence, FusedGRUSequenceGrad } from "../src/ops/nn-gru.js";
import { FusedLSTMSequence, FusedLSTMSequenceGrad } from "../src/ops/nn-lstm.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { assertTensorsClose } from "./helpers/native.js";
import { countKernelCalls } from "./helpers/ops.js";

const CASES: [AnyOpDef, AnyOpDef, number[][], object][] = [
  // xp [steps, batch, 3 units], rk, rb, h0
  [
    FusedGRUSequence,
    FusedGRUSequenceGrad,
    [[4, 3, 12], [4, 12], [12], [3, 4]],
    { resetAfter: true },
  ],
  [FusedGRUSequence, FusedGRUSequenceGrad, [[3, 2, 9], [3, 9], [9], [2, 3]], { resetAfter: false }],
  // xp [steps, batch, 4 units], wh, h0, c0
  [
    FusedLSTMSequence,
    FusedLSTMSequenceGrad,
    [
      [4, 3, 16],
      [4, 16],
      [3, 4],
      [3, 4],
    ],
    {},
  ],
];

for (const [op, gradOp, shapes, attrs] of CASES) {
  test(`${gradOp.name} ${JSON.stringify(attrs)}: one node in a traced gradient, expanded under an outer tape`, () => {
    const inputs = shapes.map((s, i) => randomTensor(s, 10 + i, -0.9, 0.9));
    const outShapes = runOp(op, inputs, attrs).map((o) => o.shape);
    const w = outShapes.map((s, k) => randomTensor([...s], 40 + k));
    // The sum of squares of d/dinputs sum_k <w_k, op(inputs)_k>: a scalar of the gradient.
    const gradNorm = (...xs: tf.Tensor[]): tf.Tensor => {
      const tape = new tf.GradientTape();
      tape.watch(xs);
      const y = tape.record(() =>
        tf.addN(runOp(op, xs, attrs).map((o, k) => tf.reduceSum(tf.multiply(o, w[k])))),
      );
      const gs = tape.gradient(y, xs) as tf.Tensor[];
      return tf.addN(gs.map((g) => tf.reduceSum(tf.square(g))));
    };
    const traced = tf.function(gradNorm);
    const eagerValue = gradNorm(...inputs);
    traced(...inputs); // the trace
    let value: tf.Tensor | null = null;
    assert.equal(
      countKernelCalls(gradOp, () => (value = traced(...inputs) as tf.Tensor)),
      1,
      "the replayed graph runs the one-call gradient",
    );
    assertTensorsClose(value as unknown as tf.Tensor, eagerValue, 1e-12, "value");
    // Second order: the gradient of gradNorm, eagerly and through the graph. Recording the
    // graph's run, the outer tape gets the Grad node's expansion (no kernel call); its own
    // backward pass then runs the one-call gradient of the recorded FusedGRU/LSTMSequence.
    const second = (f: (...xs: tf.Tensor[]) => tf.Tensor, calls: number): tf.Tensor[] => {
      const tape = new tf.GradientTape();
      tape.watch(inputs);
      let v: tf.Tensor | null = null;
      assert.equal(
        countKernelCalls(gradOp, () => (v = tape.record(() => f(...inputs)))),
        calls,
        "kernel calls while the outer tape records",
      );
      return tape.gradient(v as unknown as tf.Tensor, inputs) as tf.Tensor[];
    };
    const want = second(gradNorm, 0);
    const got = second((...xs) => traced(...xs) as tf.Tensor, 0);
    want.forEach((g, i) => assertTensorsClose(got[i], g, 1e-10, `second derivative ${i}`));
  });
}
