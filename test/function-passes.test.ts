/** Graph passes: constant folding, lifetimes; the graph still gives eager results and gradients. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as tf from "../src/index.js";
import type { Graph } from "../src/function/graph.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { same, tmp } from "./helpers/function.js";

function opNames(g: Graph): string[] {
  // Fused nodes count as the ops they fuse.
  return g.nodes.flatMap((n) =>
    n.kind === "op" ? [n.op.name] : n.kind === "fused" ? n.nodes.map((x) => x.op.name) : [],
  );
}

test("constant folding: ops on constants run once, at trace time", () => {
  const c = tf.constant([1, 2, 3]);
  const body = (x: tf.Tensor): tf.Tensor =>
    x.add(tf.reshape(tf.exp(c.mul(0.5)).sub(tf.reduceSum(c)), [3]));
  const f = tf.function(body);
  const x = tf.constant([0.5, -1, 2]);
  same(f(x), body(x));
  const x2 = tf.constant([3, 4, 5]);
  same(f(x2), body(x2));
  const g = f.getConcreteFunction(x).graph;
  assert.deepEqual(opNames(g), ["Add"], String(g));
  assert.equal(g.constants.length, 1, "the folded value is the one constant left");
});

test("constant folding keeps random draws, big results, and ops on inputs", () => {
  const f = tf.function((x: tf.Tensor) =>
    x.add(tf.random.uniform([3], { seed: 7 }).mul(2)).add(tf.ones([600, 600]).mul(2).reduceSum()),
  );
  const g = f.getConcreteFunction(tf.zeros([3])).graph;
  const ops = opNames(g);
  assert.ok(ops.includes("RandomUniform"), ops.join(" "));
  assert.equal(
    ops.filter((o) => o === "Mul").length,
    2,
    "the draw's Mul and the 360000-element Mul stay",
  );
  assert.ok(ops.includes("Sum"), "the Sum of a kept Mul stays");
  const a = f(tf.zeros([3]));
  const b = f(tf.zeros([3]));
  assert.notDeepEqual(a.dataSync(), b.dataSync(), "each call draws afresh");
});

test("folded graphs: gradients pass finite differences, and save/load keeps the folded constants", () => {
  const w = randomTensor([3, 3], 3);
  const f = tf.function((x: tf.Tensor) =>
    tf.tanh(tf.matmul(x, tf.transpose(w).mul(tf.sqrt(tf.constant(2, "float64"))))).reduceSum(),
  );
  const x = randomTensor([2, 3], 4);
  checkGradients(f, [x]);
  assert.deepEqual(opNames(f.getConcreteFunction(x).graph), ["BatchMatMulV2", "Tanh", "Sum"]);
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    const g = tf.savedModel.load<typeof f>(dir);
    same(g(x), f(x));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("constant folding inside control-flow branches", () => {
  const f = tf.function((x: tf.Tensor, p: tf.Tensor) =>
    tf.cond(
      p,
      () => x.mul(tf.constant(3).square()),
      () => x.add(tf.constant(1).neg()),
    ),
  );
  const x = tf.constant([1, 2]);
  same(f(x, tf.constant(true)), tf.constant([9, 18]));
  same(f(x, tf.constant(false)), tf.constant([0, 1]));
  const node = f
    .getConcreteFunction(x, tf.constant(true))
    .graph.nodes.find((n) => n.kind === "control");
  assert.ok(node !== undefined && node.kind === "control");
  assert.deepEqual(opNames(node.graphs[0]), ["Mul"]);
  assert.deepEqual(opNames(node.graphs[1]), ["Add"]);
});

test("a graph lets go of intermediates after their last use and still returns every result", () => {
  const f = tf.function((x: tf.Tensor) => {
    const a = x.mul(2);
    const b = a.add(1);
    const c = b.mul(a);
    return { c, b, d: c.sub(b) };
  });
  const x = tf.constant([1, 2]);
  f(x);
  const r = f(tf.constant([3, 4]));
  same(r.c, tf.constant([42, 72]));
  same(r.b, tf.constant([7, 9]));
  same(r.d, tf.constant([35, 63]));
  // Under a tape, released slots are still on the tape: gradients are unchanged.
  const t = new tf.GradientTape();
  const v = tf.constant([3, 4]);
  t.watch(v);
  const y = t.record(() => f(v).d);
  // d = (2x+1)(2x) - (2x+1) = 4x^2 - 1: dd/dx = 8x
  same(t.gradient(y, v), tf.constant([24, 32]));
});
