/**
 * Replay by run plan (src/function/plan.ts): planned op nodes skip the shape rule and reuse the
 * storage of dead temporaries, and the results stay the eager ones; a training step (forward,
 * the tape's gradient ops, the optimizer update) is one graph that replays without the tape.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { Graph } from "../src/function/graph.js";
import { close, same } from "./helpers/function.js";

function opCount(g: Graph): number {
  return g.nodes.filter((n) => n.kind === "op").length;
}

test("replay plan: after the first replay every op node of a chain is planned, results exact", () => {
  const w = tf.constant([[1.001]]);
  const chain = (v: tf.Tensor): tf.Tensor => {
    let y = v;
    for (let i = 0; i < 50; i++) y = tf.tanh(tf.matmul(y, w));
    return y;
  };
  const f = tf.function(chain);
  const x = tf.constant([[0.5]]);
  same(f(x), chain(x)); // the trace
  const g = f.getConcreteFunction(x).graph;
  assert.equal(g.runPlan, null, "no plan before the graph has run");
  const planOf = (gr: Graph) => gr.runPlan;
  for (const v of [0.5, -0.25, 2, 0.5]) {
    const xv = tf.constant([[v]]);
    same(f(xv), chain(xv), `x = ${v}`);
  }
  const plan = planOf(g);
  assert.ok(plan !== null);
  assert.equal(plan.plannedOps, opCount(g));
  assert.equal(plan.plannedOps, 100);
  assert.equal(f.tracingCount, 1);
});

test("replay plan: ops whose shape rule reads values are not planned (checkNumerics, asserts)", () => {
  const f = tf.function((x: tf.Tensor) => {
    const y = tf.debugging.checkNumerics(tf.log(x), "log of x");
    return y.mul(2);
  });
  const ok = tf.constant([1, 2, 3]);
  same(f(ok), tf.log(ok).mul(2));
  same(f(ok), tf.log(ok).mul(2));
  const g = f.getConcreteFunction(ok).graph;
  const plan = g.runPlan;
  assert.ok(plan !== null);
  assert.equal(plan.plannedOps, opCount(g) - 1, "all but CheckNumerics");
  // Still checked on every call.
  assert.throws(() => f(tf.constant([1, -1, 3])), /log of x/);
  same(f(tf.constant([4, 5, 6])), tf.log(tf.constant([4, 5, 6])).mul(2));
});

test("buffer reuse: temporaries are pooled; results, outputs held by the caller and variables stay intact", () => {
  const n = 32;
  const v = new tf.Variable(tf.zeros([n, n]));
  const body = (x: tf.Tensor) => {
    const a = tf.matmul(x, x); // temporaries of n * n elements
    const b = tf.transpose(a);
    const c = tf.nn.softmax(b);
    v.assign(tf.tanh(c)); // the variable takes this storage
    const d = tf.matmul(c, a);
    return [d, tf.reshape(b, [n * n])]; // b escapes through a view
  };
  const f = tf.function(body);
  const inputs = [0.1, -0.3, 0.7, 1.1, -2].map((s) =>
    tf.reshape(tf.range(0, n * n), [n, n]).mul(s / (n * n)),
  );
  const held: tf.Tensor[][] = [];
  const expected: Float32Array[][] = [];
  const vs: tf.Tensor[] = [];
  for (const x of inputs) {
    const e = body(x);
    const r = f(x) as tf.Tensor[];
    same(r, e);
    held.push(r);
    expected.push(r.map((t) => t.dataSync() as Float32Array));
    vs.push(v.value());
  }
  // Nothing a caller holds was overwritten by the later runs.
  held.forEach((r, i) =>
    r.forEach((t, j) => assert.deepEqual(t.dataSync(), expected[i][j], `call ${i} output ${j}`)),
  );
  // Each call's variable value is its own: tanh(softmax(b)) of that call.
  vs.forEach((t, i) => close(t, tf.tanh(tf.nn.softmax(tf.reshape(held[i][1], [n, n])))));
  const g = f.getConcreteFunction(inputs[0]).graph;
  const plan = g.runPlan;
  assert.ok(plan !== null);
  assert.equal(plan.pooledSlots, 2, "a and c");
  assert.equal(g.pooledBuffers, 2, "their storage waits in the pool");
});

test("buffer reuse: nothing is pooled while a tape records; gradients are the eager ones", () => {
  const w = new tf.Variable(tf.random.normal([64, 64], { stddev: 0.1, seed: 3 }));
  const body = (x: tf.Tensor) => tf.reduceSum(tf.tanh(tf.matmul(x, w)).square());
  const f = tf.function(body);
  const x1 = tf.random.normal([8, 64], { seed: 4 });
  const x2 = tf.random.normal([8, 64], { seed: 5 });
  f(x1);
  f(x1); // planned from here on
  const tape = new tf.GradientTape({ persistent: true });
  const y = tape.record(() => f(x1));
  // Runs without a tape in between: their temporaries go to the pool and are taken again.
  for (let i = 0; i < 3; i++) f(x2);
  const gw = tape.gradient(y, w) as tf.Tensor;
  const tape2 = new tf.GradientTape();
  const ye = tape2.record(() => body(x1));
  close(gw, tape2.gradient(ye, w) as tf.Tensor);
  same(y, ye);
});

test("a graph run on inputs of other shapes than its plan's takes the unplanned path", () => {
  const f = tf.function((x: tf.Tensor) => tf.exp(x).mul(x.add(1)).sum(0));
  const x = tf.ones([3, 70]);
  f(x);
  f(x);
  const g = f.getConcreteFunction(x).graph;
  assert.ok(g.runPlan !== null);
  const y = tf.reshape(tf.range(0, 20), [4, 5]).mul(0.1);
  const [r] = g.run([y]);
  close(r, tf.exp(y).mul(y.add(1)).sum(0));
});

test("a plan stops at a While loop's results: a varying number of iterations replays right", () => {
  const f = tf.function((x: tf.Tensor, n: tf.Tensor) => {
    const [, y] = tf.whileLoop(
      (i) => tf.less(i, n),
      (i, acc) => [i.add(1), acc.mul(x).add(1)],
      [tf.constant(0, "int32"), tf.onesLike(x)],
    );
    return y.mul(2).sum();
  });
  const x = tf.constant([0.5, 1.5, -1]);
  const expect = (k: number): tf.Tensor => {
    let acc = tf.onesLike(x);
    for (let i = 0; i < k; i++) acc = acc.mul(x).add(1);
    return acc.mul(2).sum();
  };
  for (const k of [3, 0, 5, 2, 7]) close(f(x, tf.constant(k, "int32")), expect(k));
  assert.equal(f.tracingCount, 1);
});

// ---------------------------------------------------------------------------------------------
// Training steps as one graph

function mlpSetup(seed: number) {
  tf.random.setSeed(seed);
  const w1 = new tf.Variable(tf.random.normal([20, 16], { stddev: 0.2 }));
  const b1 = new tf.Variable(tf.zeros([16]));
  const w2 = new tf.Variable(tf.random.normal([16, 4], { stddev: 0.2 }));
  const b2 = new tf.Variable(tf.zeros([4]));
  const params = [w1, b1, w2, b2];
  const opt = new tf.keras.optimizers.Adam(0.01);
  const step = (x: tf.Tensor, labels: tf.Tensor): tf.Tensor => {
    const tape = new tf.GradientTape();
    const loss = tape.record(() => {
      const h = tf.nn.dropout(tf.relu(tf.matmul(x, w1).add(b1)), 0.2);
      const logits = tf.matmul(h, w2).add(b2);
      return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    });
    const grads = tape.gradient(loss, params);
    opt.applyGradients(grads.map((g, i) => [g, params[i]] as const));
    return loss;
  };
  return { params, opt, step };
}

test("training step under tf.function: forward, gradients, dropout and Adam in one graph, eager results", () => {
  tf.random.setSeed(11);
  const xs = [0, 1, 2, 3, 4, 5].map((i) => tf.random.normal([32, 20], { seed: 100 + i }));
  const ys = [0, 1, 2, 3, 4, 5].map((i) =>
    tf.random.uniform([32], { maxval: 4, dtype: "int32", seed: 200 + i }),
  );
  const eager = mlpSetup(7);
  tf.random.setSeed(99);
  const eagerLosses = xs.map((x, i) => eager.step(x, ys[i]).dataSync()[0] as number);
  const traced = mlpSetup(7);
  tf.random.setSeed(99);
  const f = tf.function(traced.step);
  const tracedLosses = xs.map((x, i) => (f(x, ys[i]) as tf.Tensor).dataSync()[0] as number);
  assert.equal(f.tracingCount, 1);
  tracedLosses.forEach((l, i) =>
    assert.ok(
      Math.abs(l - eagerLosses[i]) <= 1e-5 * (1 + Math.abs(l)),
      `step ${i}: ${l} vs ${eagerLosses[i]}`,
    ),
  );
  traced.params.forEach((p, i) => close(p, eager.params[i]));
  assert.equal(traced.opt.iterations, 6);
  // One graph: ops, variable reads and assigns only (no tape is left to replay).
  const g = f.getConcreteFunction(xs[0], ys[0]).graph;
  const kinds = new Set(g.nodes.map((n) => n.kind));
  for (const k of kinds) assert.ok(["op", "read", "assign", "fused"].includes(k), k);
  const ops = g.nodes.flatMap((n) =>
    n.kind === "op" ? [n.op.name] : n.kind === "fused" ? n.nodes.map((x) => x.op.name) : [],
  );
  for (const name of ["BatchMatMulV2", "AdamUpdate"]) assert.ok(ops.includes(name), name);
  assert.ok(ops.filter((o) => o === "BatchMatMulV2").length >= 5, "forward and backward matmuls");
  // Every op node is planned but the loss, whose shape rule checks the labels' values.
  const plan = g.runPlan;
  assert.ok(plan !== null);
  const unplanned = g.nodes.flatMap((nd, i) =>
    nd.kind === "op" && plan.specs[i] === null ? [nd.op.name] : [],
  );
  assert.deepEqual(unplanned, ["SparseSoftmaxCrossEntropyWithLogits"]);
});
