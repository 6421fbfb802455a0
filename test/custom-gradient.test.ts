/** tf.customGradient in TensorFlow's own form: f returns [y, gradFn]. */
import assert from "node:assert/strict";
import test from "node:test";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";

const num = (t: tf.Tensor | null): number => Number(t!.numpy());
const arr = (t: tf.Tensor | null): number[] => Array.from(t!.dataSync() as Float32Array);

// TensorFlow's documented example: log(1 + e^x) with a gradient that stays finite for large x.
const log1pexp = tf.customGradient((x: tf.Tensor) => {
  const e = tf.exp(x);
  const grad = (dy: tf.Tensor) => dy.mul(tf.subtract(1, tf.divide(1, tf.add(1, e))));
  return [tf.log(tf.add(1, e)), grad];
});

test("[y, gradFn]: TensorFlow's log1pexp example, finite where the plain gradient is NaN", () => {
  const x = tf.constant(100.0);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => log1pexp(x) as tf.Tensor);
  assert.equal(num(tape.gradient(y, x)), 1);

  const plain = new tf.GradientTape();
  plain.watch(x);
  const y2 = plain.record(() => tf.log(tf.add(1, tf.exp(x))));
  assert.ok(Number.isNaN(num(plain.gradient(y2, x))));
});

test("[y, gradFn]: float64 gradcheck of the user's rule, and second order through it", () => {
  checkGradients((x) => log1pexp(x) as tf.Tensor, [randomTensor([5], 7, -3, 3)]);
  // cube with gradFn 3x^2 dy: the outer tape differentiates the rule itself (6x).
  const cube = tf.customGradient((x: tf.Tensor) => [
    x.mul(x).mul(x),
    (dy: tf.Tensor) => dy.mul(x.mul(x).mul(3)),
  ]);
  checkSecondOrder((x) => cube(x) as tf.Tensor, randomTensor([4], 8));
});

test("[y, gradFn]: nested tapes see the gradient computation", () => {
  const cube = tf.customGradient((x: tf.Tensor) => [
    x.mul(x).mul(x),
    (dy: tf.Tensor) => dy.mul(x.mul(x).mul(3)),
  ]);
  const x = tf.constant(2.0, "float64");
  const outer = new tf.GradientTape();
  outer.watch(x);
  const dydx = outer.record(() => {
    const inner = new tf.GradientTape();
    inner.watch(x);
    const y = inner.record(() => cube(x) as tf.Tensor);
    return inner.gradient(y, x)!;
  });
  assert.equal(num(dydx), 12); // 3x^2
  assert.equal(num(outer.gradient(dydx, x)), 12); // 6x
});

test("[y, gradFn]: several inputs and several outputs", () => {
  // (a, b) -> [a*b, a+b]; gradFn gets one cotangent per output.
  const seen: number[][] = [];
  const f = tf.customGradient((a: tf.Tensor, b: tf.Tensor) => [
    [a.mul(b), a.add(b)],
    (d1: tf.Tensor, d2: tf.Tensor, opts: tf.GradFnOptions) => {
      seen.push([num(d1), num(d2), opts.variables.length]);
      return [d1.mul(b).add(d2), d1.mul(a).add(d2)];
    },
  ]);
  const a = tf.constant(3.0);
  const b = tf.constant(5.0);
  const tape = new tf.GradientTape();
  tape.watch([a, b]);
  const [p, s, loss] = tape.record(() => {
    const [p, s] = f(a, b) as tf.Tensor[];
    return [p, s, p.mul(2).add(s.mul(7))];
  });
  assert.equal(num(p), 15);
  assert.equal(num(s), 8);
  const [ga, gb] = tape.gradient(loss, [a, b]);
  assert.deepEqual(seen, [[2, 7, 0]]);
  assert.equal(num(ga), 2 * 5 + 7);
  assert.equal(num(gb), 2 * 3 + 7);
});

test("[y, gradFn]: with variables, gradFn(dy, {variables}) returns [inputGrads, variableGrads]", () => {
  const w = new tf.Variable([1, 2], { name: "w" });
  const b = new tf.Variable(0.5, { name: "b", trainable: false });
  const f = tf.customGradient((x: tf.Tensor) => [
    x.mul(w).add(b),
    (dy: tf.Tensor, { variables }: tf.GradFnOptions) => {
      // Only trainable variables are listed, as TensorFlow's `variables` argument.
      assert.deepEqual(
        variables.map((v) => v.name),
        ["w:0"],
      );
      return [[dy.mul(w)], [dy.mul(x).mul(10)]];
    },
  ]);
  const x = tf.constant([3, 4]);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => f(x) as tf.Tensor);
  assert.deepEqual(arr(y), [3.5, 8.5]);
  const [gx, gw] = tape.gradient(y, [x, w]);
  assert.deepEqual(arr(gx), [1, 2]);
  assert.deepEqual(arr(gw), [30, 40]);
  assert.deepEqual(tape.watchedVariables(), [w]);
});

test("[y, gradFn]: a rule that forgets the variables, or returns junk, is a clear error", () => {
  const w = new tf.Variable(2.0);
  const forgets = tf.customGradient((x: tf.Tensor) => [x.mul(w), (dy: tf.Tensor) => dy.mul(w)]);
  const x = tf.constant(1.0);
  const t1 = new tf.GradientTape();
  t1.watch(x);
  const y1 = t1.record(() => forgets(x) as tf.Tensor);
  assert.throws(() => t1.gradient(y1, x), {
    name: "InvalidArgumentError",
    message:
      /read variables \(Variable:0\) so gradFn must return \[inputGradients, variableGradients\]/,
  });

  const junk = tf.customGradient((x: tf.Tensor) => [x.mul(2), () => 5 as unknown as tf.Tensor]);
  const t2 = new tf.GradientTape();
  t2.watch(x);
  const y2 = t2.record(() => junk(x) as tf.Tensor);
  assert.throws(() => t2.gradient(y2, x), {
    name: "TypeError",
    message: /customGradient: the gradient of input 0 must be a Tensor or null, got number/,
  });

  const tooMany = tf.customGradient((x: tf.Tensor) => [x.mul(2), (dy: tf.Tensor) => [dy, dy]]);
  const t3 = new tf.GradientTape();
  t3.watch(x);
  const y3 = t3.record(() => tooMany(x) as tf.Tensor);
  assert.throws(
    () => t3.gradient(y3, x),
    /returned 2 input gradients and 0 variable gradients for 1 inputs/,
  );

  assert.throws(() => tf.customGradient(5 as never), {
    name: "TypeError",
    message: /customGradient: f must be a function, got 5/,
  });
  const bad = tf.customGradient((() => [1, 2]) as never);
  assert.throws(() => bad(x), /must return \[y, gradFn\] or \{value, gradFunc\}/);
  const badOut = tf.customGradient((() => [5, () => null]) as never);
  assert.throws(() => badOut(x), {
    name: "TypeError",
    message: /output 0 of the forward pass must be a Tensor, got 5/,
  });
});

test("both forms give the same values and gradients", () => {
  const pair = tf.customGradient((x: tf.Tensor) => [
    x.square(),
    (dy: tf.Tensor) => dy.mul(x).mul(2),
  ]);
  const obj = tf.customGradient((x: tf.Tensor) => ({
    value: x.square(),
    gradFunc: ([dy]) => dy.mul(x).mul(2),
  }));
  const x = randomTensor([3], 4);
  const got = [pair, obj].map((fn) => {
    const t = new tf.GradientTape();
    t.watch(x);
    const y = t.record(() => fn(x) as tf.Tensor);
    return [arr(y), arr(t.gradient(y, x))];
  });
  assert.deepEqual(got[0], got[1]);
  const xs = arr(x);
  assert.deepEqual(
    got[0][1],
    xs.map((v) => 2 * v),
  );
});
