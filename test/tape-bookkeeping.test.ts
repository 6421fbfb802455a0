/**
 * The tape's small-allocation bookkeeping (src/autodiff/id-set.ts, the flat paths of nest.ts,
 * the shared null arrays of recordOp): same answers as the general paths, on tapes small and big.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { IdMap, IdSet } from "../src/autodiff/id-set.js";
import { flatten, isTensor, packLike } from "../src/autodiff/nest.js";

test("IdSet agrees with a Set across the move from arrays to a hash set", () => {
  const s = new IdSet();
  const ref = new Set<number>();
  for (let i = 0; i < 60; i++) {
    const id = (i * 37) % 23; // repeats, so add must not duplicate
    s.add(id);
    ref.add(id);
    assert.equal(s.size, ref.size);
    for (let q = -1; q < 25; q++) assert.equal(s.has(q), ref.has(q), `has(${q}) after ${i}`);
  }
  assert.deepEqual([...s.values()], [...ref]);
  const seen: number[] = [];
  s.forEach((id) => seen.push(id));
  assert.deepEqual(seen, [...ref]);
});

test("IdMap agrees with a Map through sets, overwrites and deletes, small and big", () => {
  for (const n of [3, 16, 17, 40]) {
    const m = new IdMap<string>();
    const ref = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      m.set(i * 3, `v${i}`);
      ref.set(i * 3, `v${i}`);
    }
    m.set(3, "again");
    ref.set(3, "again");
    for (let i = 0; i < n; i += 2) {
      m.delete(i * 3);
      ref.delete(i * 3);
    }
    m.delete(1000); // absent: no effect
    for (let q = -1; q < 3 * n + 2; q++) {
      assert.equal(m.get(q), ref.get(q), `n=${n} get(${q})`);
      assert.equal(m.has(q), ref.has(q), `n=${n} has(${q})`);
    }
    const keys: number[] = [];
    m.forEachKey((k) => keys.push(k));
    assert.deepEqual(
      keys.sort((a, b) => a - b),
      [...ref.keys()].sort((a, b) => a - b),
    );
  }
});

test("flatten and packLike: a leaf, a flat array, holes and nesting as before", () => {
  const [a, b] = [tf.constant(1), tf.constant(2)];
  assert.deepEqual(flatten(a, isTensor, "x"), [a]);
  const flat = [a, b];
  const f = flatten(flat, isTensor, "x");
  assert.deepEqual(f, [a, b]);
  assert.notEqual(f, flat, "a copy, not the caller's array");
  assert.deepEqual(packLike([a, b], ["p", "q"], isTensor), ["p", "q"]);
  assert.equal(packLike(a, ["p"], isTensor), "p");
  // A hole is skipped by the general walk (as forEach does).
  // eslint-disable-next-line no-sparse-arrays
  const holey = [a, , b];
  assert.deepEqual(flatten(holey, isTensor, "x"), [a, b]);
  const nested = { w: [a], v: b };
  assert.deepEqual(flatten(nested, isTensor, "x"), [b, a]); // sorted keys: v, w
  assert.deepEqual(packLike(nested, [1, 2], isTensor), { w: [2], v: 1 });
  assert.throws(() => flatten([a, 3], isTensor, "sources"), /sources\[1\]: expected a tensor/);
});

test("gradients through a tape of more nodes than the small tables hold", () => {
  // 40 chained ops and 20 sources: the id tables move to hash tables midway.
  const xs = Array.from({ length: 20 }, (_, i) => tf.constant(0.1 * (i + 1), "float64"));
  const tape = new tf.GradientTape();
  for (const x of xs) tape.watch(x);
  const y = tape.record(() => {
    let acc = tf.constant(0, "float64");
    for (const x of xs) acc = tf.add(acc, tf.multiply(x, x)); // sum x_i^2
    return acc;
  });
  const gs = tape.gradient(y, xs);
  gs.forEach((g, i) => assert.ok(Math.abs((g?.numpy() as number) - 0.2 * (i + 1)) < 1e-12));
});

test("an op that saves nothing, on a persistent and a non-persistent tape", () => {
  for (const persistent of [false, true]) {
    const x = tf.constant([1, 2, 3]);
    const z = tf.constant([4, 5, 6]);
    const tape = new tf.GradientTape({ persistent });
    tape.watch([x, z]);
    const y = tape.record(() => tf.multiply(tf.add(x, z), tf.subtract(x, z))); // x^2 - z^2
    const [gx, gz] = tape.gradient(y, [x, z]);
    assert.deepEqual(Array.from(gx!.dataSync() as Float32Array), [2, 4, 6]);
    assert.deepEqual(Array.from(gz!.dataSync() as Float32Array), [-8, -10, -12]);
    if (persistent) {
      const again = tape.gradient(y, x);
      assert.deepEqual(Array.from(again!.dataSync() as Float32Array), [2, 4, 6]);
    }
  }
});

test("an unused output of a multi-output op gets a zero cotangent; the seeds map is not shared", () => {
  const x = tf.constant([[3, 1, 2]]);
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch(x);
  const { values } = tape.record(() => tf.math.topK(x, 2));
  const g1 = tape.gradient(values, x);
  const g2 = tape.gradient(values, x, { outputGradients: tf.constant([[2, 5]]) });
  assert.deepEqual(Array.from(g1!.dataSync() as Float32Array), [1, 0, 1]);
  assert.deepEqual(Array.from(g2!.dataSync() as Float32Array), [2, 0, 5]);
});
