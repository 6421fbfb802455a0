/**
 * _FusedDropout (tf.nn.dropout's select and multiply as one op): the native kernel against the
 * JS one on odd lengths, both dtypes, both instruction-set paths and 1 or 2 threads, with NaN,
 * infinities and u exactly at the rate; tf.nn.dropout's values equal to the composite's to the
 * bit; the op's checks; its gradient by finite differences; the ops a dropout step runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { fusedDropout } from "../src/ops/nn-dropout-fused.js";
import { activeCheckers } from "../src/engine/run-op.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { rng } from "./helpers/rng.js";
import { forEachPath, onJs, withAddon } from "./helpers/native.js";

test("dropoutApply: native matches JS, which is u >= rate ? x * scale : 0", (t) =>
  withAddon(t, (a) => {
    const r = rng(7);
    forEachPath(a, (path) => {
      for (const dtype of ["float32", "float64"] as const) {
        const make = (n: number): FloatArray =>
          dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
        for (const n of [0, 1, 7, 16385, 200003]) {
          const x = make(n);
          const u = make(n);
          for (let i = 0; i < n; i++) {
            x[i] = 4 * r() - 2;
            u[i] = r();
          }
          const rate = dtype === "float32" ? Math.fround(0.3) : 0.3;
          const scale = dtype === "float32" ? Math.fround(1 / 0.7) : 1 / 0.7;
          if (n > 5) {
            [x[0], x[1], x[2]] = [NaN, Infinity, -0];
            [u[3], u[4], u[5]] = [rate, 0, 1];
          }
          const want = make(n);
          for (let i = 0; i < n; i++) want[i] = u[i] >= rate ? x[i] * scale : 0;
          const js = make(n).fill(7);
          jsBackend.dropoutApply(x, u, js, rate, scale);
          assert.deepEqual(Array.from(js), Array.from(want), `js ${dtype} ${n}`);
          const got = make(n).fill(NaN);
          a.dropoutApply?.(x, u, got, rate, scale);
          assert.deepEqual(Array.from(got), Array.from(want), `${path} ${dtype} ${n}`);
        }
      }
    });
  }));

test("dropoutApply rejects bad arguments with JS errors", (t) =>
  withAddon(t, (a) => {
    const x = new Float32Array(10);
    const k = a.dropoutApply;
    assert.ok(k !== undefined);
    assert.throws(
      () => k.call(a, x, new Float32Array(9), new Float32Array(10), 0.5, 2),
      RangeError,
    );
    assert.throws(
      () => k.call(a, x, new Float64Array(10), new Float32Array(10), 0.5, 2),
      TypeError,
    );
    assert.throws(() => k.call(a, x, new Float32Array(10), x, 0.5, 2), /shares memory/);
    assert.throws(
      () => k.call(a, x, new Float32Array(10), new Float32Array(10), NaN, 2),
      RangeError,
    );
  }));

test("tf.nn.dropout equals the composite where(u >= rate, x * scale, 0) to the bit, on both backends", () => {
  for (const backend of ["native", "js"] as const) {
    const run = (): void => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const [shape, rate] of [
          [[128, 1600], 0.5],
          [[3, 7], 0.1],
          [[40000], 0.9],
        ] as const) {
          tf.random.setSeed(5);
          const x = tf.random.normal([...shape], { dtype });
          const y = tf.nn.dropout(x, rate, { seed: 3 });
          // The same draw again: the op seed continues its stream, so reset both seeds.
          tf.random.setSeed(5);
          tf.random.normal([...shape], { dtype });
          const u = tf.random.uniform([...shape], { seed: 3, dtype });
          const want = tf.where(tf.greaterEqual(u, rate), tf.multiply(x, 1 / (1 - rate)), 0);
          assert.deepEqual(
            Array.from(y.dataSync() as Float32Array),
            Array.from(want.dataSync() as Float32Array),
            `${backend} ${dtype} ${JSON.stringify(shape)} ${rate}`,
          );
        }
      }
    };
    if (backend === "js") onJs(run);
    else run();
  }
});

test("_FusedDropout checks its inputs", () => {
  const x = tf.ones([2, 3]);
  assert.throws(() => fusedDropout(x, tf.ones([3, 2]), 0.5), /_FusedDropout: the uniform draw/);
  assert.throws(() => fusedDropout(x, tf.ones([2, 3], "float64"), 0.5), /_FusedDropout/);
  assert.throws(() => fusedDropout(x, tf.ones([2, 3]), 1), RangeError);
  assert.throws(
    () => fusedDropout(tf.ones([2], "int32"), tf.ones([2], "int32"), 0.5),
    /_FusedDropout/,
  );
});

test("_FusedDropout's gradient by finite differences, first and second order", () => {
  tf.random.setSeed(6);
  const x = tf.random.normal([4, 6], { dtype: "float64" });
  const u = tf.random.uniform([4, 6], { dtype: "float64" });
  checkGradients((xx) => tf.square(fusedDropout(xx, u, 0.4)), [x]);
  checkGradients(
    (xx) => {
      const tape = new tf.GradientTape();
      tape.watch(xx);
      const l = tape.record(() => tf.reduceSum(tf.sin(fusedDropout(xx, u, 0.4))));
      const g = tape.gradient(l, xx);
      assert.ok(g !== null);
      return g;
    },
    [x],
  );
});

test("a dropout step runs one op forward and one backward besides the draw", () => {
  const x = tf.random.normal([8, 9]);
  const ran: string[] = [];
  activeCheckers.push({ checkOp: (op) => void ran.push(op.name) });
  try {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const l = tape.record(() => tf.nn.dropout(x, 0.5));
    tape.gradient(l, x, { outputGradients: tf.onesLike(l) });
  } finally {
    activeCheckers.pop();
  }
  assert.deepEqual(
    ran.filter((n) => n !== "OnesLike" && n !== "Fill"),
    ["RandomUniform", "_FusedDropout", "_FusedDropout"],
  );
});
