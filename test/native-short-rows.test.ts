/**
 * The native kernels' short-row paths (issue #10, a composite layer norm over rows of 32):
 * binary ops broadcasting a column ([rows, len] op [rows, 1], either side, len < 256) and sums
 * and means of many short rows (n <= 64, four rows at a time on AVX2), and first-axis sums of
 * big tensors to short rows (the rows split over the threads), against the JS backend on odd
 * shapes, both float dtypes and both ISA paths.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { addon, forEachIsa, forEachThreads, onJs } from "./helpers/native.js";

/** Deterministic values in about [-5, 5], none zero (a divisor), as `dtype`. */
function values(shape: number[], seed: number, dtype: "float32" | "float64"): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 7919 + seed * 104729) % 1009) - 504.25) / 101;
  return tf.reshape(tf.constant(Array.from(v), dtype), shape);
}

function assertClose(got: Tensor, want: Tensor, rel: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(Number(g[i]) - Number(w[i]));
    if (!(d <= rel * (1 + Math.abs(Number(w[i])))))
      assert.fail(`${what}: element ${i} is ${g[i]}, JS gives ${w[i]}`);
  }
}

const ROWS = [4, 7, 13, 64, 1031];
const LENS = [2, 3, 5, 8, 31, 32, 33, 100, 255];

test("native binary with a broadcast column = JS: both sides, both dtypes, both ISAs", (t: TestContext) => {
  if (addon === null) return t.skip("native addon not loaded");
  forEachIsa(addon, (isa) => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const rows of ROWS) {
        for (const len of LENS) {
          if (rows * len < 600) continue; // below the native crossover the JS kernel runs anyway
          const x = values([rows, len], 1, dtype);
          const c = values([rows, 1], 2, dtype);
          const what = `${dtype} [${rows},${len}] ${isa}`;
          const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
            ["sub", tf.subtract],
            ["div", tf.divide],
            ["mul", tf.multiply],
            ["greater", tf.greater],
          ];
          for (const [name, f] of cases) {
            // Full op column and column op full: the column on either side.
            assertClose(
              f(x, c),
              onJs(() => f(x, c)),
              0,
              `${name}(x, col) ${what}`,
            );
            assertClose(
              f(c, x),
              onJs(() => f(c, x)),
              0,
              `${name}(col, x) ${what}`,
            );
          }
        }
      }
      // Higher rank: [3, 5, 41] op [3, 5, 1] merges into [15, 41] op [15, 1].
      const x3 = values([3, 5, 41], 3, dtype);
      const c3 = values([3, 5, 1], 4, dtype);
      assertClose(
        tf.subtract(x3, c3),
        onJs(() => tf.subtract(x3, c3)),
        0,
        `${dtype} rank 3 ${isa}`,
      );
      // A value the column spreads: row r of the output is x's row minus c[r] exactly.
      const got = tf.subtract(values([9, 70], 5, dtype), tf.zeros([9, 1], dtype));
      assertClose(got, values([9, 70], 5, dtype), 0, `${dtype} minus zeros ${isa}`);
    }
  });
});

test("native sums and means of short rows = JS: n up to 64 and beyond, both dtypes and ISAs", (t: TestContext) => {
  if (addon === null) return t.skip("native addon not loaded");
  forEachIsa(addon, (isa) => {
    for (const dtype of ["float32", "float64"] as const) {
      const rel = dtype === "float32" ? 1e-6 : 1e-13;
      for (const rows of [4, 5, 7, 13, 66, 1031]) {
        for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 63, 64, 65]) {
          if (rows * n < 600) continue;
          const x = values([rows, n], 6, dtype);
          const what = `${dtype} [${rows},${n}] ${isa}`;
          assertClose(
            tf.reduceSum(x, -1),
            onJs(() => tf.reduceSum(x, -1)),
            rel,
            `sum ${what}`,
          );
          assertClose(
            tf.reduceMean(x, -1, true),
            onJs(() => tf.reduceMean(x, -1, true)),
            rel,
            `mean ${what}`,
          );
        }
      }
      // A known value: each row of [1000, 32] holds 0..31, so every sum is 496.
      const ramp = tf.tile(tf.reshape(tf.range(0, 32, 1, dtype), [1, 32]), [1000, 1]);
      const s = tf.reduceSum(ramp, -1).dataSync();
      assert.equal(s.length, 1000);
      for (const v of s) assert.equal(v, 496, `ramp sum ${dtype} ${isa}`);
      // NaN and infinities propagate through the four-row path.
      const bad = Array.from({ length: 8 * 32 }, (_, i) => i % 32);
      bad[2 * 32 + 5] = Number.NaN;
      bad[5 * 32 + 31] = Number.POSITIVE_INFINITY;
      const sb = tf.reduceSum(tf.reshape(tf.constant(bad, dtype), [8, 32]), -1).dataSync();
      assert.ok(Number.isNaN(sb[2]), `NaN row ${dtype} ${isa}`);
      assert.equal(sb[5], Number.POSITIVE_INFINITY, `inf row ${dtype} ${isa}`);
      assert.equal(sb[4], 496);
    }
  });
});

test("native row broadcasts of long rows (the AVX2 copy of native/copy_long.h) = JS: every width, both ISAs", (t: TestContext) => {
  if (addon === null) return t.skip("native addon not loaded");
  forEachIsa(addon, (isa) => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      // Row lengths around the 512-byte switch and the 128- and 32-byte steps, odd tails.
      for (const len of [100, 127, 128, 129, 130, 257, 1000, 1031]) {
        const rows = 9;
        const v = Array.from({ length: len }, (_, i) => (dtype === "bool" ? i % 3 === 0 : i - 50));
        const row = tf.reshape(tf.constant(v, dtype), [1, len]);
        const got = tf.broadcastTo(row, [rows, len]);
        const want = onJs(() => tf.broadcastTo(row, [rows, len]));
        assert.deepEqual(
          got.dataSync(),
          want.dataSync(),
          `${dtype} [1,${len}] -> [${rows},${len}] ${isa}`,
        );
        // Every row is the row itself.
        const g = got.dataSync();
        for (let r = 0; r < rows; r++)
          for (const i of [0, len - 1, len >> 1])
            assert.equal(Number(g[r * len + i]), Number(v[i]), `${dtype} row ${r} element ${i}`);
      }
      // A slice of long rows goes through the same copy: [5, 700] -> columns 3..603.
      const x = values([5, 700], 8, "float64");
      const xs =
        dtype === "float64" || dtype === "float32" ? tf.cast(x, dtype) : tf.cast(x, "int32");
      const s = tf.slice(xs, [0, 3], [-1, 600]);
      assert.deepEqual(s.dataSync(), onJs(() => tf.slice(xs, [0, 3], [-1, 600])).dataSync());
    }
  });
});

test("native first-axis sums of big tensors (rows split over the threads) = JS: odd shapes, 1 and 2 threads", (t: TestContext) => {
  if (addon === null) return t.skip("native addon not loaded");
  const a = addon;
  forEachIsa(a, (isa) =>
    forEachThreads(a, (threads) => {
      for (const dtype of ["float32", "float64"] as const) {
        const rel = dtype === "float32" ? 1e-6 : 1e-13;
        // Over 65536 elements with fewer than four 512-column tiles per thread: [1000, 1000]
        // (the op suite's shape), odd row counts and widths, an outer axis kept ([3, 301, 97]).
        for (const shape of [
          [1000, 1000],
          [257, 513],
          [129, 1031],
          [3, 301, 97],
          [4099, 17],
        ]) {
          const x = values(shape, shape.length + shape[1], dtype);
          const what = `${dtype} [${shape}] ${isa} ${threads} threads`;
          const axis = shape.length === 3 ? 1 : 0;
          assertClose(
            tf.reduceSum(x, axis),
            onJs(() => tf.reduceSum(x, axis)),
            rel,
            `sum ${what}`,
          );
          assertClose(
            tf.reduceMean(x, axis),
            onJs(() => tf.reduceMean(x, axis)),
            rel,
            `mean ${what}`,
          );
        }
      }
    }),
  );
});
