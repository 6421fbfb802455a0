/**
 * SquareGrad (2 x dy), TanGrad (dy (1 + y^2)) and DivGrad (-dx y), the one-op gradients of
 * Square, Tan and Div's divisor: the native kernels against the JS loops on both ISA paths, odd lengths, broadcasting and special
 * values, in float32 and float64; values against closed forms; the forward ops' gradients to
 * second order against finite differences; complex Square's gradient (not the real fused op).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { NumArray } from "../src/tensor/dtype.js";
import { lookupOp, scalarOf } from "../src/engine/op.js";
import { divGrad, squareGrad } from "../src/ops/elementwise/grad-basic.js";
import { tanGrad } from "../src/ops/elementwise/grad.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";
import { countKernelCalls } from "./helpers/ops.js";
import { rng } from "./helpers/rng.js";
import { forEachIsa, withAddon } from "./helpers/native.js";

const nums = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float64Array);
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float64Array);

/**
 * SquareGrad (2ab, in double, no sum) and DivGrad (-ab) are exact; TanGrad's b (1 + a^2) may be contracted to a
 * fused multiply-add by the compiler, within a few ulp of the JS value.
 */
function same(got: number, want: number, name: string): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (name !== "TanGrad" || !Number.isFinite(want)) return Object.is(got, want);
  return Math.abs(got - want) <= 1e-15 * Math.abs(want) || Object.is(got, want);
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e30, 1, -1, 3e38, -3e19];

test("SquareGrad, TanGrad and DivGrad, every ISA: native = JS exactly on odd lengths, specials, broadcasts", (t: TestContext) =>
  withAddon(t, (a) =>
    forEachIsa(a, (isa) => {
      const r = rng(7);
      for (const F of [Float32Array, Float64Array]) {
        for (const name of ["SquareGrad", "TanGrad", "DivGrad"]) {
          const idx = a.binaryNames.indexOf(name);
          assert.ok(idx >= 0, `${name} has a native kernel`);
          for (const n of [1, 7, 8, 9, 33, 1031]) {
            const x = new F(n);
            const y = new F(n);
            for (let i = 0; i < n; i++) {
              x[i] = (r() - 0.5) * 20;
              y[i] = (r() - 0.5) * 6;
            }
            if (n > 30) {
              x.set(SPECIAL, 0);
              y.set(SPECIAL, 15);
            }
            const want = new F(n);
            const got = new F(n);
            jsBackend.binary(scalarOf(name), x, [n], y, [n], want as NumArray, [n]);
            a.binaryFlat(idx, x, y, got as NumArray);
            for (let i = 0; i < n; i++) {
              assert.ok(
                same(got[i], want[i], name),
                `${name} ${F.name} ${isa} (${x[i]}, ${y[i]}): native ${got[i]}, JS ${want[i]}`,
              );
            }
          }
          // Broadcast shapes ([rows, 3] op [rows, 1] and [3]): the strided paths.
          const rows = 37;
          const x = new F(rows * 3).map(() => (r() - 0.5) * 4);
          const col = new F(rows).map(() => (r() - 0.5) * 4);
          const row = new F(3).map(() => (r() - 0.5) * 4);
          for (const [b, bShape] of [
            [col, [rows, 1]],
            [row, [3]],
          ] as const) {
            const want = new F(rows * 3);
            const got = new F(rows * 3);
            jsBackend.binary(scalarOf(name), x, [rows, 3], b, bShape, want as NumArray, [rows, 3]);
            a.binary(idx, x, [rows, 3], b, bShape, got as NumArray, [rows, 3]);
            got.forEach((v, i) =>
              assert.ok(same(v, want[i], name), `${name} ${F.name} [${bShape}] at ${i}`),
            );
          }
        }
      }
    }),
  ));

test("SquareGrad, TanGrad and DivGrad: values against the closed forms, both dtypes", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const a = tf.constant([0.5, -2, 3, 0], dtype);
    const b = tf.constant([1.5, 0.25, -1, 7], dtype);
    assert.deepEqual(nums(squareGrad(a, b)), [1.5, -1, -6, 0]);
    assert.deepEqual(nums(tanGrad(a, b)), [1.5 * 1.25, 0.25 * 5, -10, 7]);
    assert.deepEqual(nums(divGrad(a, b)), [-0.75, 0.5, 3, -0]);
    assert.equal(squareGrad(a, b).dtype, dtype);
  }
  assert.throws(() => squareGrad(tf.constant([1], "int32"), tf.constant([1], "int32")), /int32/);
  assert.throws(() => tanGrad(tf.ones([2, 3]), tf.ones([4])), /\[2,3\]|2,3/);
  assert.throws(() => divGrad(tf.constant([1], "int32"), tf.constant([1], "int32")), /int32/);
});

test("tf.square and tf.tan gradients: closed forms, finite differences to second order", () => {
  const x = tf.constant([-1.2, -0.3, 0, 0.4, 1.1], "float64");
  const dy = tf.constant([0.5, -1, 2, 0.25, 1], "float64");
  const grad = (f: (t: tf.Tensor) => tf.Tensor): number[] => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    return vals(tape.gradient(y, x, { outputGradients: dy }) as tf.Tensor);
  };
  const xs = vals(x);
  const dys = vals(dy);
  grad(tf.square).forEach((g, i) => assert.ok(Math.abs(g - 2 * xs[i] * dys[i]) < 1e-15));
  grad(tf.tan).forEach((g, i) =>
    assert.ok(Math.abs(g - dys[i] / Math.cos(xs[i]) ** 2) < 1e-12, `tan' at ${xs[i]}: ${g}`),
  );
  checkGradients((t) => tf.square(t), [randomTensor([3, 4], 1)]);
  checkGradients((t) => tf.tan(t), [randomTensor([3, 4], 2)]);
  checkSecondOrder((t) => tf.square(tf.sin(t)), randomTensor([2, 3], 3));
  checkSecondOrder((t) => tf.tan(t), randomTensor([2, 3], 4));
  // Third derivative of x^2 is 0, of tan at 0 is 2.
  const t3 = (f: (t: tf.Tensor) => tf.Tensor, at: number): number => {
    const v = tf.constant([at], "float64");
    const t1 = new tf.GradientTape({ persistent: true });
    t1.watch(v);
    const g2 = t1.record(() => {
      const t2 = new tf.GradientTape();
      t2.watch(v);
      const g1 = t2.record(() => {
        const t3 = new tf.GradientTape();
        t3.watch(v);
        const y = t3.record(() => f(v));
        return t3.gradient(y, v) as tf.Tensor;
      });
      return t2.gradient(g1, v) as tf.Tensor;
    });
    const g = t1.gradient(g2, v);
    return g === null ? 0 : vals(g)[0];
  };
  assert.ok(Math.abs(t3(tf.square, 0.7)) < 1e-12);
  assert.ok(Math.abs(t3(tf.tan, 0) - 2) < 1e-12);
});

test("complex square's gradient is 2 dy conj(z)", () => {
  const z = tf.complex(tf.constant([1, -2], "float32"), tf.constant([0.5, 3], "float32"));
  const dy = tf.complex(tf.constant([1, 0], "float32"), tf.constant([0, 1], "float32"));
  const tape = new tf.GradientTape();
  tape.watch(z);
  const y = tape.record(() => tf.square(z));
  const g = tape.gradient(y, z, { outputGradients: dy }) as tf.Tensor;
  // 2 (1)(1 - 0.5i) = 2 - i;  2 (i)(-2 - 3i) = 6 - 4i.
  assert.deepEqual(nums(tf.real(g)), [2, 6]);
  assert.deepEqual(nums(tf.imag(g)), [-1, -4]);
});

test("tf.divide's gradients: closed forms with broadcasting, finite differences to second order", () => {
  const a = tf.constant(
    [
      [-1.2, 0.3, 2],
      [0.5, -0.7, 1.1],
    ],
    "float64",
  );
  const b = tf.constant([0.8, -1.5, 2.5], "float64");
  const dy = tf.constant(
    [
      [0.5, -1, 2],
      [0.25, 1, -3],
    ],
    "float64",
  );
  const tape = new tf.GradientTape();
  tape.watch([a, b]);
  const y = tape.record(() => tf.divide(a, b));
  const [ga, gb] = tape.gradient(y, [a, b], { outputGradients: dy }) as tf.Tensor[];
  const [as, bs, dys] = [vals(a), vals(b), vals(dy)];
  vals(ga).forEach((g, i) => assert.ok(Math.abs(g - dys[i] / bs[i % 3]) < 1e-15));
  vals(gb).forEach((g, j) => {
    const want = -(dys[j] * as[j]) / bs[j] ** 2 - (dys[j + 3] * as[j + 3]) / bs[j] ** 2;
    assert.ok(Math.abs(g - want) < 1e-14, `d/db[${j}]: ${g} vs ${want}`);
  });
  checkGradients(
    (p, q) => tf.divide(p, q),
    [randomTensor([3, 4], 5), tf.add(randomTensor([4], 6), 2)],
  );
  checkSecondOrder((t) => tf.divide(tf.sin(t), tf.add(tf.square(t), 1)), randomTensor([2, 3], 7));
  checkSecondOrder((t) => tf.divide(1.5, tf.add(tf.exp(t), 0.5)), randomTensor([2, 3], 8));
});

test("tf.divide's backward: one Div and one DivGrad, no DivGrad for a constant divisor", () => {
  const a = tf.random.normal([4, 5]);
  const b = tf.add(tf.random.uniform([4, 5]), 1);
  const backward = (watch: tf.Tensor[]) => () => {
    const tape = new tf.GradientTape();
    tape.watch(watch);
    const y = tape.record(() => tf.divide(a, b));
    tape.gradient(y, watch);
  };
  // The forward's Div and the backward's dy / b; then the divisor's DivGrad.
  const div = lookupOp("Div");
  assert.ok(div !== undefined);
  assert.equal(countKernelCalls(div, backward([a, b])), 2);
  assert.equal(countKernelCalls(divGrad.op, backward([a, b])), 1);
  assert.equal(countKernelCalls(divGrad.op, backward([a])), 0);
});
