/**
 * tf.math.igamma, igammac and betainc: values against closed forms and tabulated values
 * (P(1, x) = 1 - e^-x, P(1/2, x) = erf(sqrt x), Q(n, x) = e^-x sum_{k<n} x^k/k!, I_x(1, 1) = x,
 * I_x(1/2, 1/2) = 2/pi asin(sqrt x), integer-parameter binomial sums), the identities
 * P + Q = 1 and I_x(a, b) = 1 - I_{1-x}(b, a), TensorFlow's NaN outside the domain, broadcasting,
 * and the gradients (x and a for igamma/igammac, to second order; x only for betainc) against
 * finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: number[]) => tf.constant(v, "float64");
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function closeTo(got: tf.Tensor, want: number[], rtol: number, what: string): void {
  const g = vals(got);
  assert.equal(g.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, want NaN`);
    else {
      const err = Math.abs(g[i] - w) / Math.max(Math.abs(w), 1e-300);
      assert.ok(err <= rtol, `${what}[${i}]: ${g[i]}, want ${w} (rel err ${err})`);
    }
  }
}

const erf = (x: number) => 1 - vals(tf.math.erfc(f64([x])))[0];
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

test("igamma and igammac against closed forms, both expansions, and P + Q = 1", () => {
  const xs = [0.05, 0.5, 1, 2.5, 7, 20];
  closeTo(
    tf.math.igamma(f64(xs.map(() => 1)), f64(xs)),
    xs.map((x) => -Math.expm1(-x)),
    1e-14,
    "P(1, x)",
  );
  closeTo(
    tf.math.igamma(f64(xs.map(() => 0.5)), f64(xs)),
    xs.map((x) => erf(Math.sqrt(x))),
    1e-13,
    "P(1/2, x)",
  );
  // Q(n, x) = e^-x sum_{k<n} x^k / k! (the Poisson tail), series side (x < n) and fraction side
  const cases = [
    [3, 1],
    [3, 5],
    [5, 4.5],
    [5, 12],
    [10, 3],
    [10, 10.5],
  ];
  const q = cases.map(([n, x]) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += x ** k / factorial(k);
    return Math.exp(-x) * s;
  });
  const a = f64(cases.map((c) => c[0]));
  const x = f64(cases.map((c) => c[1]));
  closeTo(tf.math.igammac(a, x), q, 1e-13, "Q(n, x)");
  closeTo(
    tf.math.igamma(a, x),
    q.map((v) => 1 - v),
    1e-12, // the reference 1 - Q loses digits where P is small
    "P(n, x)",
  );
  // P + Q = 1 over a grid that crosses the split x = max(1, a), with large a too
  const ga = randomTensor([40], 3, 0.1, 60);
  const gx = randomTensor([40], 4, 0.01, 80);
  const sum = vals(tf.add(tf.math.igamma(ga, gx), tf.math.igammac(ga, gx)));
  for (const s of sum) assert.ok(Math.abs(s - 1) < 1e-13, `P + Q = ${s}`);
  // The Gamma(a) median lies just below a: P(a, a) is a little above 1/2 (DLMF 8.12)
  const [p100] = vals(tf.math.igamma(f64([100]), f64([100])));
  assert.ok(Math.abs(p100 - 0.5132987982791486) < 1e-12, `P(100, 100) = ${p100}`);
});

test("igamma / igammac edge values follow TensorFlow (NaN outside the domain)", () => {
  const a = f64([2, -1, 0, -1, 1, 2, 2, NaN]);
  const x = f64([0, 0, 1, 1, -1, Infinity, 1e-300, 1]);
  closeTo(tf.math.igamma(a, x), [0, 0, NaN, NaN, NaN, 1, 0, NaN], 1e-12, "igamma");
  const c = vals(tf.math.igammac(a, x));
  assert.deepEqual(
    c.map((v) => (Number.isNaN(v) ? "nan" : v)),
    [1, "nan", "nan", "nan", "nan", 0, 1, "nan"],
  );
  // broadcasting and float32
  const b = tf.math.igamma(tf.constant([[1], [2]]), tf.constant([0.5, 1, 2]));
  assert.deepEqual(b.shape, [2, 3]);
  assert.equal(b.dtype, "float32");
  closeTo(
    b,
    [
      -Math.expm1(-0.5),
      -Math.expm1(-1),
      -Math.expm1(-2),
      1 - 1.5 * Math.exp(-0.5),
      1 - 2 * Math.exp(-1),
      1 - 3 * Math.exp(-2),
    ],
    1e-6,
    "P broadcast float32",
  );
  assert.throws(
    () => tf.math.igamma(tf.constant([1], "int32"), tf.constant([1], "int32")),
    TypeError,
  );
  assert.throws(() => tf.math.igamma(tf.constant([1, 2]), tf.constant([1, 2, 3])), /Igamma|igamma/);
});

test("igamma's gradients: x and a against finite differences, to second order", () => {
  const a = randomTensor([7], 11, 0.4, 5);
  const x = f64([0.2, 0.7, 1.5, 2.5, 4, 6, 9]);
  checkGradients((aa, xx) => tf.math.igamma(aa, xx), [a, x], { rtol: 1e-6 });
  checkGradients((aa, xx) => tf.math.igammac(aa, xx), [a, x], { rtol: 1e-6 });
  // d/dx P = x^(a-1) e^-x / Gamma(a): at a = 1, e^-x
  const tape = new tf.GradientTape();
  const x1 = f64([0.3, 2]);
  tape.watch(x1);
  const y = tape.record(() => tf.reduceSum(tf.math.igamma(f64([1, 1]), x1)));
  closeTo(tape.gradient(y, [x1])[0]!, [Math.exp(-0.3), Math.exp(-2)], 1e-13, "dP/dx");
  // the gradient in a, differentiated again in a and x (TensorFlow stops at first order there)
  const g = (aa: tf.Tensor, xx: tf.Tensor) => {
    const t = new tf.GradientTape();
    t.watch([aa, xx]);
    const out = t.record(() => tf.reduceSum(tf.math.igamma(aa, xx)));
    const [ga] = t.gradient(out, [aa]);
    return ga!;
  };
  checkGradients(g, [a, x], { rtol: 1e-5 });
});

test("betainc against closed forms, the symmetry, TensorFlow's domain and broadcasting", () => {
  const xs = [0.01, 0.2, 0.5, 0.77, 0.99];
  const n = xs.length;
  const ones = Array<number>(n).fill(1);
  closeTo(tf.math.betainc(f64(ones), f64(ones), f64(xs)), xs, 1e-14, "I_x(1, 1)");
  const half = Array<number>(n).fill(0.5);
  closeTo(
    tf.math.betainc(f64(half), f64(half), f64(xs)),
    xs.map((x) => (2 / Math.PI) * Math.asin(Math.sqrt(x))),
    1e-13,
    "I_x(1/2, 1/2)",
  );
  closeTo(
    tf.math.betainc(f64(Array<number>(n).fill(3.5)), f64(ones), f64(xs)),
    xs.map((x) => x ** 3.5),
    1e-13,
    "I_x(a, 1)",
  );
  // integer a, b: I_x(a, b) = sum_{j=a}^{a+b-1} C(a+b-1, j) x^j (1-x)^(a+b-1-j)
  const binom = (m: number, k: number) => factorial(m) / (factorial(k) * factorial(m - k));
  const ib = (a: number, b: number, x: number) => {
    let s = 0;
    for (let j = a; j <= a + b - 1; j++)
      s += binom(a + b - 1, j) * x ** j * (1 - x) ** (a + b - 1 - j);
    return s;
  };
  closeTo(
    tf.math.betainc(f64([2, 2, 5, 7]), f64([3, 3, 4, 2]), f64([0.4, 0.9, 0.5, 0.85])),
    [0.5248, ib(2, 3, 0.9), ib(5, 4, 0.5), ib(7, 2, 0.85)],
    1e-13,
    "binomial sums",
  );
  // I_x(a, b) = 1 - I_{1-x}(b, a)
  const a = randomTensor([30], 5, 0.2, 40);
  const b = randomTensor([30], 6, 0.2, 40);
  const x = randomTensor([30], 7, 0, 1);
  const lhs = vals(tf.math.betainc(a, b, x));
  const rhs = vals(tf.math.betainc(b, a, tf.subtract(1, x)));
  lhs.forEach((v, i) => assert.ok(Math.abs(v - (1 - rhs[i])) < 1e-12, `symmetry ${i}: ${v}`));
  // TensorFlow's domain: NaN for a, b <= 0 or x outside [0, 1]; 0 at x = 0 and 1 at x = 1
  closeTo(
    tf.math.betainc(
      f64([0, 1, -1, 2, 2, 2, 2]),
      f64([1, 0, 1, 3, 3, 3, 3]),
      f64([0.5, 0.5, 0.5, 0, 1, -0.1, 1.1]),
    ),
    [NaN, NaN, NaN, 0, 1, NaN, NaN],
    0,
    "domain",
  );
  // broadcasting of all three, float32
  const r = tf.math.betainc(tf.constant([[1], [2]]), 1, tf.constant([0.25, 0.5]));
  assert.deepEqual(r.shape, [2, 2]);
  assert.equal(r.dtype, "float32");
  closeTo(r, [0.25, 0.5, 0.0625, 0.25], 1e-6, "broadcast");
  assert.throws(
    () => tf.math.betainc(tf.constant([1], "float64"), 1, tf.constant([0.5])),
    /Betainc/,
  );
  assert.throws(() => tf.math.betainc(1, 1, tf.constant([1], "int32")), TypeError);
  assert.throws(() => tf.math.betainc([1, 2], [1, 2, 3], 0.5), /betainc/);
});

test("betainc's gradient: x against finite differences; none for a and b (as TensorFlow)", () => {
  const a = f64([0.5, 1, 2.5, 4]);
  const b = f64([1.5, 3, 0.7, 1]);
  const x = f64([0.1, 0.4, 0.6, 0.9]);
  checkGradients((xx) => tf.math.betainc(a, b, xx), [x], { rtol: 1e-6 });
  // d/dx I_x(1, 1) = 1, broadcast x gradient sums back
  const tape = new tf.GradientTape();
  const xs = f64([0.3]);
  tape.watch([a, b, xs]);
  const y = tape.record(() => tf.reduceSum(tf.math.betainc(f64([1, 1]), f64([1, 1]), xs)));
  closeTo(tape.gradient(y, [xs])[0]!, [2], 1e-14, "d/dx");
  const t2 = new tf.GradientTape();
  t2.watch([a, b]);
  const y2 = t2.record(() => tf.reduceSum(tf.math.betainc(a, b, x)));
  assert.deepEqual(t2.gradient(y2, [a, b]), [null, null]);
});
