/** tf.function's jitCompile and shape-relaxed traces (inputSignature null dims, reduceRetracing). */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { same } from "./helpers/function.js";

test("jitCompile: a static function compiles to the fused graph and equals eager", () => {
  const fn = (x: tf.Tensor, w: tf.Tensor) =>
    tf.reduceSum(tf.tanh(tf.matmul(x, w).mul(1.5).add(0.25)), -1);
  const f = tf.function(fn, { jitCompile: true });
  const x = randomTensor([5, 3], 1);
  const w = randomTensor([3, 4], 2);
  same(f(x, w), fn(x, w));
  same(f(x, w), fn(x, w));
  assert.equal(f.tracingCount, 1);
  const g = f.getConcreteFunction(x, w).graph;
  assert.ok(
    g.nodes.some((n) => n.kind === "fused"),
    "the elementwise tail is fused",
  );
  // tf.gather checks its indices' values in its shape rule: a check, not a shape, so it compiles.
  const h = tf.function((t: tf.Tensor) => tf.gather(t, tf.constant([2, 0], "int32")), {
    jitCompile: true,
  });
  same(h(x), tf.gather(x, tf.constant([2, 0], "int32")));
});

test("jitCompile: value reads, value-dependent shapes and host callbacks are errors naming the cause; the call leaves no effects", () => {
  const x = tf.constant([1, -2, 3, 1]);
  const cases: [string, (t: tf.Tensor) => unknown, RegExp][] = [
    [
      "dataSync",
      (t) => ((t.dataSync()[0] as number) > 0 ? t.add(1) : t.sub(1)),
      /reads tensor values into JS/,
    ],
    ["unique", (t) => tf.unique(t).y, /tf\.unique/],
    ["booleanMask", (t) => tf.booleanMask(t, tf.greater(t, 0)), /reads tensor values/],
  ];
  for (const [what, fn, re] of cases) {
    const f = tf.function(fn, { jitCompile: true });
    assert.throws(
      () => f(x),
      (e: unknown) =>
        e instanceof tf.errors.InvalidArgumentError &&
        /jitCompile: true cannot be compiled/.test(e.message) &&
        re.test(e.message),
      what,
    );
    // Without jitCompile the same function traces (with the warning of value reads).
    assert.ok(tf.function(fn)(x) instanceof tf.Tensor, `${what} without jitCompile`);
  }
  // A failed call puts the variables it assigned back.
  const v = new tf.Variable(tf.constant([1, 2]));
  const bad = tf.function(
    (t: tf.Tensor) => {
      v.assignAdd(tf.constant([10, 10]));
      return tf.unique(t).y;
    },
    { jitCompile: true },
  );
  assert.throws(() => bad(x), tf.errors.InvalidArgumentError);
  assert.deepEqual([...v.dataSync()], [1, 2]);
  assert.throws(() => tf.function((t: tf.Tensor) => t, { jitCompile: 1 as never }), TypeError);
});

test("jitCompile: an op whose shape rule sizes its output from values is named", async () => {
  const { jitChecks, jitCheckOp } = await import("../src/function/jit.js");
  const { defineOp } = await import("../src/engine/op.js");
  const { backend } = await import("../src/backend/index.js");
  // A stand-in op: output length = the first input value (its shape rule reads it).
  const op = defineOp<Record<string, never>>({
    name: "TestValueShapedOp",
    kind: "other",
    infer: ([n]: readonly tf.Tensor[]) => [
      { shape: [(backend().read(n) as Float32Array)[0]], dtype: "float32" },
    ],
    kernel: () => undefined,
    grad: "none",
    check: { skip: "test op" },
  } as never);
  const check = { failure: null as string | null };
  jitChecks.push(check);
  try {
    const n = tf.constant([3]);
    jitCheckOp(op, [n], [tf.zeros([3])], {});
  } finally {
    jitChecks.pop();
  }
  assert.match(
    check.failure ?? "",
    /op TestValueShapedOp has an output shape that depends on its input values/,
  );
});

test("inputSignature with a null dimension: one trace serves every batch size, equal to eager", () => {
  const w = randomTensor([4, 3], 10);
  const b = randomTensor([3], 11);
  const fn = (x: tf.Tensor) => tf.reduceMean(tf.tanh(tf.matmul(x, w).add(b)).mul(2), -1);
  const f = tf.function(fn, { inputSignature: [new tf.TensorSpec([null, 4], "float64")] });
  for (const [i, n] of [8, 5, 8, 2, 13, 5].entries()) {
    const x = randomTensor([n, 4], 20 + i);
    same(f(x), fn(x), `batch ${n}`);
  }
  assert.equal(f.tracingCount, 1);
  const g = f.getConcreteFunction(randomTensor([8, 4], 30)).graph;
  assert.equal(g.runPlanCount, 4, "a run plan per batch size");
  // A body that bakes the batch size in (a constant divisor from x.shape[0]) is traced per shape.
  const mean = (x: tf.Tensor) => tf.reduceSum(x, 0).div(x.shape[0]);
  const m = tf.function(mean, { inputSignature: [new tf.TensorSpec([null, 4], "float64")] });
  for (const [i, n] of [8, 5, 8].entries()) {
    const x = randomTensor([n, 4], 40 + i);
    same(m(x), mean(x), `mean batch ${n}`);
  }
  assert.equal(m.tracingCount, 2);
});

test("reduceRetracing: two sizes that trace the same graph relax it; a size-dependent graph is traced per shape", () => {
  const w = randomTensor([4, 3], 50);
  const fn = (x: tf.Tensor) => tf.sigmoid(tf.matmul(x, w)).sum(1);
  const f = tf.function(fn, { reduceRetracing: true });
  for (const [i, n] of [6, 9, 6, 3, 17, 40].entries()) {
    const x = randomTensor([n, 4], 60 + i);
    same(f(x), fn(x), `batch ${n}`);
  }
  assert.equal(f.tracingCount, 2);
  // A reshape to the traced batch size: the graphs differ, every size traces.
  const r = (x: tf.Tensor) => tf.reshape(x, [x.shape[0], 2, 2]).sum(2);
  const fr = tf.function(r, { reduceRetracing: true });
  for (const [i, n] of [6, 9, 3].entries()) {
    const x = randomTensor([n, 4], 70 + i);
    same(fr(x), r(x), `reshape batch ${n}`);
  }
  assert.equal(fr.tracingCount, 3);
  // Rank changes are never relaxed.
  same(f(randomTensor([2, 3, 4], 80)), fn(randomTensor([2, 3, 4], 80)));
  assert.equal(f.tracingCount, 3);
});

test("reduceRetracing: a training step whose mean loss gradient holds 1/batch is traced per batch size, equal to eager", () => {
  // The gradient of reduceMean is a constant 1/n of the batch's shape after constant folding:
  // the graphs of two batch sizes differ, so the step is not relaxed (and stays correct).
  const step = (w: tf.Variable) => (x: tf.Tensor, y: tf.Tensor) => {
    const tape = new tf.GradientTape();
    const loss = tape.record(() => tf.reduceMean(tf.square(tf.matmul(x, w).sub(y))));
    const g = tape.gradient(loss, w) as tf.Tensor;
    w.assignSub(g.mul(0.1));
    return loss;
  };
  const w1 = new tf.Variable(randomTensor([3, 2], 100));
  const w2 = new tf.Variable(randomTensor([3, 2], 100));
  const f = tf.function(step(w1), { reduceRetracing: true });
  const eager = step(w2);
  for (const [i, n] of [16, 4, 16, 4, 10].entries()) {
    const x = randomTensor([n, 3], 110 + i);
    const y = randomTensor([n, 2], 120 + i);
    same(f(x, y), eager(x, y), `loss, batch ${n}`);
    same(w1.value(), w2.value(), `weights, batch ${n}`);
  }
  assert.equal(f.tracingCount, 3);
});
