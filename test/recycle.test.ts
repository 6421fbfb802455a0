/**
 * Storage recycling in backprop (src/backend/recycle.ts, src/autodiff/backprop.ts): training
 * steps give bit-identical results with it on and off; the pool is really used (and emptied
 * when idle); and nothing anyone can still read is recycled: returned gradients kept across
 * steps, a cotangent a custom gradient kept, tensors an outer tape recorded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { Tensor, Variable } from "../src/index.js";
import { pooledCount, setRecyclingEnabled } from "../src/backend/recycle.js";

/** A conv -> pool -> dropout -> dense step on [8, 30, 30, 2] (big enough tensors to pool). */
function convnet(seed: number): { vars: Variable[]; loss: () => Tensor } {
  tf.random.setSeed(seed);
  const conv = new tf.keras.layers.Conv2D(16, 3, { activation: "relu" });
  conv.build([8, 30, 30, 2]);
  const wd = new tf.Variable(tf.random.normal([14 * 14 * 16, 5], { stddev: 0.05 }));
  const x = tf.random.uniform([8, 30, 30, 2]);
  const labels = tf.random.uniform([8], { maxval: 5, dtype: "int32" });
  return {
    vars: [...conv.trainableWeights, wd],
    loss: () => {
      let h = tf.nn.maxPool2d(conv.apply(x) as Tensor, 2, 2, "VALID");
      h = tf.nn.dropout(tf.reshape(h, [8, 14 * 14 * 16]), 0.25);
      const logits = tf.matmul(tf.tanh(h), wd);
      return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    },
  };
}

function train(steps: number, keepGrads: Tensor[][] = []): number[][] {
  const { vars, loss } = convnet(21);
  const opt = new tf.keras.optimizers.Adam(1e-2);
  for (let s = 0; s < steps; s++) {
    const tape = new tf.GradientTape();
    const l = tape.record(loss);
    const grads = tape.gradient(l, vars);
    keepGrads.push(grads.map((g) => (assert.ok(g !== null), g)));
    opt.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
  }
  return vars.map((v) => Array.from(v.dataSync() as Float32Array));
}

function withRecycling<T>(on: boolean, fn: () => T): T {
  const before = setRecyclingEnabled(on);
  try {
    return fn();
  } finally {
    setRecyclingEnabled(before);
  }
}

test("training steps are bit-identical with recycling on and off, and the pool is used", () => {
  const off = withRecycling(false, () => train(4));
  const on = withRecycling(true, () => {
    const r = train(4);
    // The spent gradients of the pool and conv layers are waiting for the next step.
    assert.ok(pooledCount() > 0, "nothing was recycled");
    return r;
  });
  assert.deepEqual(on, off);
});

test("gradients returned to the caller keep their values through later steps", () => {
  withRecycling(true, () => {
    const kept: Tensor[][] = [];
    train(4, kept);
    const snapshot = kept.map((gs) => gs.map((g) => Array.from(g.dataSync() as Float32Array)));
    const kept2: Tensor[][] = [];
    // Same seeds: the same gradients again, while the first run's are still held.
    train(4, kept2);
    for (let s = 0; s < kept.length; s++)
      for (let i = 0; i < kept[s].length; i++) {
        assert.deepEqual(Array.from(kept[s][i].dataSync() as Float32Array), snapshot[s][i]);
        assert.deepEqual(Array.from(kept2[s][i].dataSync() as Float32Array), snapshot[s][i]);
      }
  });
});

test("a cotangent a custom gradient keeps is never recycled", () => {
  const stashed = (on: boolean): number[] =>
    withRecycling(on, () => {
      const stash: Tensor[] = [];
      // Identity forward; the gradient keeps dy and passes a reshaped view of it on.
      const keep = tf.customGradient((x: Tensor) => ({
        value: tf.identity(x),
        gradFunc: ([dy]: readonly Tensor[]) => {
          stash.push(dy);
          return [tf.reshape(dy, x.shape)];
        },
      }));
      tf.random.setSeed(9);
      const w = tf.random.normal([512, 512]);
      const run = (x: Tensor): void => {
        const tape = new tf.GradientTape();
        tape.watch(x);
        const l = tape.record(() =>
          tf.reduceSum(tf.square(tf.matmul(tf.tanh(keep(tf.matmul(tf.sin(x), w)) as Tensor), w))),
        );
        tape.gradient(l, x);
      };
      // Later runs on other inputs would overwrite a recycled buffer with other values.
      for (let i = 0; i < 3; i++) run(tf.random.normal([64, 512]));
      return Array.from(stash[0].dataSync() as Float32Array);
    });
  assert.deepEqual(stashed(true), stashed(false));
});

test("second derivatives (an outer tape recording backprop) match with recycling off", () => {
  const hvp = (): number[] => {
    tf.random.setSeed(4);
    const x = tf.random.normal([32, 700]);
    const w = tf.random.normal([700, 30]);
    const outer = new tf.GradientTape();
    outer.watch(x);
    const g = outer.record(() => {
      const inner = new tf.GradientTape();
      inner.watch(x);
      const l = inner.record(() => tf.reduceSum(tf.square(tf.tanh(tf.matmul(tf.sin(x), w)))));
      const gx = inner.gradient(l, x);
      assert.ok(gx !== null);
      return tf.reduceSum(tf.multiply(gx, gx));
    });
    const h = outer.gradient(g, x);
    assert.ok(h !== null);
    return Array.from(h.dataSync() as Float32Array);
  };
  const off = withRecycling(false, hvp);
  const on = withRecycling(true, () => [hvp(), hvp()]);
  assert.deepEqual(on[0], off);
  assert.deepEqual(on[1], off);
});

test("the pool lets its buffers go after a second with nothing taken", async () => {
  await withRecycling(true, async () => {
    train(2);
    assert.ok(pooledCount() > 0);
    await new Promise((r) => setTimeout(r, 2300));
    assert.equal(pooledCount(), 0);
  });
});
