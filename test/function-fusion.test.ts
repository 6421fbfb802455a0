/** Elementwise fusion: fused graphs give the eager results, gradients, save and load. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as tf from "../src/index.js";
import type { Graph } from "../src/function/graph.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { same, tmp } from "./helpers/function.js";
import { onJs } from "./helpers/native.js";

function fusedOps(g: Graph): string[][] {
  return g.nodes.flatMap((n) => (n.kind === "fused" ? [n.nodes.map((x) => x.op.name)] : []));
}

const chain = (x: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  let y = x.mul(b).add(0.25);
  y = tf.tanh(y).sub(tf.sigmoid(x.neg()));
  y = tf.exp(y.mul(0.5)).add(tf.square(b));
  return tf.softplus(y.sub(x.abs())).div(2);
};

test("a chain of elementwise ops with broadcasting becomes one fused node: bitwise the eager result (float32)", () => {
  onJs(() => {
    const f = tf.function(chain);
    for (const [shape, seed] of [
      [[3, 4], 1],
      [[2, 3, 4], 2],
      [[4], 3],
    ] as const) {
      const x = tf.cast(randomTensor([...shape], seed, -2, 2), "float32");
      const b = tf.cast(randomTensor([4], seed + 10), "float32");
      same(f(x, b), chain(x, b), `shape ${shape.join("x")}`);
    }
    const x = tf.zeros([3, 4]);
    const g = f.getConcreteFunction(x, tf.zeros([4])).graph;
    const fused = fusedOps(g);
    assert.equal(fused.length, 1, String(g));
    assert.ok(fused[0].length >= 14, fused[0].join(" "));
    assert.equal(
      g.nodes.filter((n) => n.kind === "op").length,
      0,
      `every op is in the fused node:\n${String(g)}`,
    );
  });
});

test("fused float64 graphs equal eager to rounding; broadcasting both ways; large inputs tile", () => {
  onJs(() => {
    const f = tf.function((a: tf.Tensor, c: tf.Tensor) => tf.exp(a.add(c).mul(0.1)).sub(a.mul(c)));
    const a = randomTensor([3, 1], 4);
    const c = randomTensor([1, 5], 5);
    const r = f(a, c);
    assert.deepEqual(r.shape, [3, 5]);
    same(r, tf.exp(a.add(c).mul(0.1)).sub(a.mul(c)));
    const big = randomTensor([3000], 6);
    const h = tf.function((x: tf.Tensor) => tf.tanh(x.mul(3)).add(tf.sin(x)).mul(x));
    same(h(big), tf.tanh(big.mul(3)).add(tf.sin(big)).mul(big));
  });
});

test("intermediates read twice, graph results, comparisons and casts stay out of fused trees", () => {
  onJs(() => {
    const body = (x: tf.Tensor) => {
      const e = tf.exp(x.mul(2));
      const both = e.add(e.mul(3)); // e is read twice: the tree ends at it
      const mask = tf.greater(both, 1); // a comparison (bool out) is not fused
      return { both, m: tf.cast(mask, "float32").mul(both).add(1), e };
    };
    const f = tf.function(body);
    const x = tf.cast(randomTensor([5], 7), "float32");
    same(f(x), body(x));
    const g = f.getConcreteFunction(x).graph;
    for (const tree of fusedOps(g)) {
      assert.ok(!tree.includes("Greater") && !tree.includes("Cast"), tree.join(" "));
    }
  });
});

test("gradients through fused graphs pass finite differences (float64), first and second order", () => {
  onJs(() => {
    const f = tf.function((x: tf.Tensor, b: tf.Tensor) => chain(x, b));
    const x = randomTensor([2, 4], 8);
    const b = randomTensor([4], 9);
    assert.equal(fusedOps(f.getConcreteFunction(x, b).graph).length, 1);
    checkGradients(f, [x, b]);
    // Second derivative through the fused graph (the tapes see its ops one by one).
    const outer = new tf.GradientTape();
    outer.watch(x);
    const gx = outer.record(() => {
      const inner = new tf.GradientTape();
      inner.watch(x);
      const y = inner.record(() => f(x, b).reduceSum());
      return inner.gradient(y, x) as tf.Tensor;
    });
    const h = outer.gradient(gx, x) as tf.Tensor;
    const eager = new tf.GradientTape();
    eager.watch(x);
    const ge = eager.record(() => {
      const inner = new tf.GradientTape();
      inner.watch(x);
      const y = inner.record(() => chain(x, b).reduceSum());
      return inner.gradient(y, x) as tf.Tensor;
    });
    same(h, eager.gradient(ge, x) as tf.Tensor);
  });
});

test("fused graphs on the native backend, in control flow, and through save and load", () => {
  const f = tf.function(chain);
  const x = tf.cast(randomTensor([3, 4], 11), "float32");
  const b = tf.cast(randomTensor([4], 12), "float32");
  same(f(x, b), chain(x, b), "native: below 64 elements the fused node runs the JS loop");
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    const g = tf.savedModel.load<typeof f>(dir);
    assert.equal(fusedOps(g.concreteFunctions[0].graph).length, 1, "fused again on load");
    onJs(() => same(g(x, b), chain(x, b), "loaded, JS"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  onJs(() => {
    const loop = tf.function(
      (v: tf.Tensor, n: tf.Tensor) =>
        tf.whileLoop(
          (i) => tf.less(i, n),
          (i, y) => [i.add(1), tf.tanh(y.mul(1.5)).add(0.1)],
          [tf.constant(0, "int32"), v],
        )[1],
    );
    const v = tf.cast(randomTensor([6], 13), "float32");
    let expected = v;
    for (let i = 0; i < 3; i++) expected = tf.tanh(expected.mul(1.5)).add(0.1);
    same(loop(v, tf.constant(3, "int32")), expected);
  });
});
