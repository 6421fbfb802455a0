/**
 * tf.math special functions and safe arithmetic: erfc, erfinv, ndtri, lgamma, digamma,
 * polygamma, zeta, the scaled Bessel functions against tabulated values (Abramowitz & Stegun,
 * DLMF, and closed forms such as Gamma(1/2) = sqrt(pi), zeta(2) = pi^2/6); identities between
 * them; the TensorFlow edge cases (poles, 0 * log 0, NoNan at 0); gradients of the composites
 * against finite differences; and bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: number[]) => tf.constant(v, "float64");
/** d sum(f(x)) / dx through a GradientTape. */
function gradOf(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.reduceSum(f(x)));
  const [g] = tape.gradient(y, [x]);
  assert.ok(g !== null);
  return g;
}
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function closeTo(got: tf.Tensor, want: number[], rtol: number, what: string): void {
  const g = vals(got);
  assert.equal(g.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, want NaN`);
    } else if (!Number.isFinite(w)) {
      assert.equal(g[i], w, `${what}[${i}]`);
    } else {
      const err = Math.abs(g[i] - w) / Math.max(Math.abs(w), 1e-300);
      assert.ok(err <= rtol, `${what}[${i}]: ${g[i]}, want ${w} (rel err ${err})`);
    }
  }
}

test("erfc and erfinv against tabulated values, both tails, and erf(erfinv(y)) = y", () => {
  closeTo(
    tf.math.erfc(f64([0, 0.3, 1, 2, 5, 10, -1, -3])),
    [
      1, 0.6713732405408726, 0.15729920705028513, 0.004677734981047266, 1.537459794428035e-12,
      2.088487583762545e-45, 1.8427007929497148, 1.9999779095030015,
    ],
    1e-14,
    "erfc",
  );
  closeTo(
    tf.math.erfinv(f64([0, 0.5, -0.1, 0.999, 1e-10, 1, -1, 1.5])),
    [
      0,
      0.4769362762044699,
      -0.0888559904942577,
      2.326753765513524,
      8.86226925452758e-11,
      Infinity,
      -Infinity,
      NaN,
    ],
    1e-14,
    "erfinv",
  );
  const y = f64([-0.99999, -0.7, -0.2, 0.05, 0.6, 0.95, 0.9999999]);
  closeTo(tf.math.erf(tf.math.erfinv(y)), vals(y), 1e-15, "erf(erfinv(y))");
  // float32 agrees with float64 to float32 precision
  closeTo(
    tf.math.erfinv(tf.constant([0.5, -0.9])),
    [0.4769362762044699, -1.1630871536766743],
    1e-6,
    "f32",
  );
});

test("ndtri: normal quantiles, tails to 1e-300, and ndtri(p) = sqrt(2) erfinv(2p - 1)", () => {
  closeTo(
    tf.math.ndtri(f64([0.5, 0.975, 0.3, 1e-10, 1e-300, 0, 1, -0.1])),
    [
      0,
      1.959963984540054,
      -0.5244005127080407,
      -6.361340902404056,
      -37.0470962993612,
      -Infinity,
      Infinity,
      NaN,
    ],
    1e-13,
    "ndtri",
  );
  // Phi(ndtri(p)) = p in the far tail, with Phi(x) = erfc(-x / sqrt 2) / 2
  const tiny = f64([1e-300, 1e-100, 1e-20]);
  const phi = tf.multiply(tf.math.erfc(tf.divide(tf.math.ndtri(tiny), -Math.SQRT2)), 0.5);
  closeTo(phi, vals(tiny), 1e-12, "Phi(ndtri(p))");
  const p = f64([0.1, 0.25, 0.6, 0.9]);
  const viaErfinv = tf.multiply(tf.math.erfinv(tf.subtract(tf.multiply(p, 2), 1)), Math.SQRT2);
  closeTo(tf.math.ndtri(p), vals(viaErfinv), 1e-14, "ndtri vs erfinv");
});

test("lgamma and digamma: tabulated values, reflection, poles", () => {
  closeTo(
    tf.math.lgamma(f64([0.5, 1, 2, 1.1, 2.1, 3.5, 10, 100, -0.5, -2.5, 0, -3])),
    [
      0.5723649429247001,
      0,
      0,
      -0.04987244125983972,
      0.04543773854448518,
      1.200973602347074,
      12.801827480081469,
      359.1342053695754,
      1.265512123484645,
      -0.05624371649767415,
      Infinity,
      Infinity,
    ],
    5e-14, // the reflection at -2.5 cancels about 20x
    "lgamma",
  );
  closeTo(
    tf.math.digamma(f64([1, 0.5, 2, 10, -0.5, 0, -2])),
    [
      -0.5772156649015329,
      -1.9635100260214235,
      0.42278433509846713,
      2.251752589066721,
      0.03648997397857652,
      NaN,
      NaN,
    ],
    2e-14,
    "digamma",
  );
  // digamma = d lgamma / dx, through the tape
  const x = f64([0.7, 1.5, 4.2]);
  const g = gradOf((t) => tf.math.lgamma(t), x);
  closeTo(g, vals(tf.math.digamma(x)), 1e-14, "d lgamma");
});

test("polygamma and zeta: closed forms", () => {
  const pi2 = Math.PI ** 2;
  closeTo(
    tf.math.polygamma(f64([0, 1, 2, 3, 1.5, -1]), f64([1, 1, 0.5, 1, 1, 1])),
    [-0.5772156649015329, pi2 / 6, -14 * 1.2020569031595942, (pi2 * pi2) / 15, NaN, NaN],
    1e-13,
    "polygamma",
  );
  closeTo(
    tf.math.zeta(f64([2, 4, 3, 1, 0.5]), f64([1, 1, 2, 1, 1])),
    [pi2 / 6, (pi2 * pi2) / 90, 1.2020569031595942 - 1, Infinity, NaN],
    1e-14,
    "zeta",
  );
});

test("Bessel i0e, i1e, i0, i1 against A&S table 9.8 values, series/asymptotic seam", () => {
  closeTo(
    tf.math.besselI0e(f64([0, 1, -1, 2, 25])),
    [1, 0.4657596075936404, 0.4657596075936404, 0.3085083225, 0.08019677354743675],
    1e-9,
    "i0e",
  );
  closeTo(
    tf.math.besselI1e(f64([0, 1, -1, 30])),
    [0, 0.2079104153497085, -0.2079104153497085, 0.07191633059864756],
    1e-13,
    "i1e",
  );
  closeTo(tf.math.besselI0(f64([1])), [1.2660658777520082], 1e-14, "i0");
  closeTo(tf.math.besselI1(f64([1])), [0.5651591039924851], 1e-14, "i1");
  const [a, b] = [vals(tf.math.besselI0e(f64([19.999999]))), vals(tf.math.besselI0e(f64([20])))];
  assert.ok(Math.abs(a[0] - b[0]) < 1e-8, "i0e continuous at the series/asymptotic seam");
});

test("xlogy, xdivy, xlog1py: 0 where x = 0 even at y = 0; NaN y stays NaN", () => {
  closeTo(
    tf.math.xlogy(f64([0, 0, 2, 0]), f64([0, 5, Math.E, NaN])),
    [0, 0, 2, NaN],
    1e-15,
    "xlogy",
  );
  closeTo(tf.math.xdivy(f64([0, 3, 0]), f64([0, 2, -1])), [0, 1.5, 0], 1e-15, "xdivy");
  closeTo(tf.math.xlog1py(f64([0, 2]), f64([-1, 1e-20])), [0, 2e-20], 1e-15, "xlog1py");
  // The x-gradient at x = 0 is xlogy(1, y) = log(y), not 0 (TensorFlow's rule).
  const gx = gradOf((x) => tf.math.xlogy(x, f64([2, 3])), f64([0, 1]));
  closeTo(gx, [0, Math.log(3)], 1e-15, "d xlogy/dx");
});

test("divideNoNan, multiplyNoNan, reciprocalNoNan; truediv, floordiv, floormod aliases", () => {
  closeTo(tf.math.divideNoNan(f64([1, NaN, 6]), f64([0, 0, 3])), [0, 0, 2], 0, "divNoNan");
  closeTo(tf.math.multiplyNoNan(f64([Infinity, NaN, 2]), f64([0, 0, 3])), [0, 0, 6], 0, "mulNoNan");
  closeTo(tf.math.reciprocalNoNan(f64([0, 4])), [0, 0.25], 0, "reciprocalNoNan");
  const q = tf.math.truediv(tf.constant([3, 7], "int32"), tf.constant([2, 2], "int32"));
  assert.equal(q.dtype, "float64");
  closeTo(q, [1.5, 3.5], 0, "truediv");
  assert.deepEqual(vals(tf.math.floordiv(tf.constant([-7, 7], "int32"), 2)), [-4, 3]);
  assert.deepEqual(vals(tf.math.floormod(tf.constant([-7, 7], "int32"), 3)), [2, 1]);
});

test("rint, isInf, logicalXor, nextafter (float64 and float32 steps)", () => {
  assert.deepEqual(vals(tf.math.rint(f64([0.5, 1.5, 2.5, -0.5, -1.7, 3.2]))), [0, 2, 2, -0, -2, 3]);
  assert.deepEqual(vals(tf.math.isInf(f64([Infinity, -Infinity, NaN, 1]))), [1, 1, 0, 0]);
  assert.equal(tf.math.isInf(f64([1])).dtype, "bool");
  const a = tf.constant([true, true, false, false]);
  const b = tf.constant([true, false, true, false]);
  assert.deepEqual(vals(tf.math.logicalXor(a, b)), [0, 1, 1, 0]);
  assert.deepEqual(vals(tf.math.nextafter(f64([1, 1, 0, 2]), f64([2, 0, -1, 2]))), [
    1 + 2 ** -52,
    1 - 2 ** -53,
    -Number.MIN_VALUE,
    2,
  ]);
  const f32 = tf.math.nextafter(tf.constant([1, 1]), tf.constant([2, 0]));
  assert.equal(f32.dtype, "float32");
  assert.deepEqual(vals(f32), [1 + 2 ** -23, 1 - 2 ** -24]);
});

test("logSigmoid, lbeta, silu/swish: values and gradients", () => {
  closeTo(
    tf.math.logSigmoid(f64([0, 100, -100])),
    [-Math.LN2, -3.720075976020836e-44, -100],
    1e-14,
    "logSigmoid",
  );
  // B(2, 3) = 1!2!/4! = 1/12; an empty last axis gives 0
  closeTo(tf.math.lbeta(f64([2, 3])), [Math.log(1 / 12)], 1e-14, "lbeta");
  closeTo(tf.nn.silu(f64([0, 1])), [0, 1 / (1 + Math.exp(-1))], 1e-15, "silu");
  closeTo(tf.nn.swish(f64([2]), 0.5), [2 / (1 + Math.exp(-1))], 1e-15, "swish beta");
  checkGradients((x) => tf.math.logSigmoid(x), [randomTensor([5], 1, -3, 3)]);
  checkGradients((x) => tf.math.lbeta(x), [randomTensor([2, 3], 2, 0.5, 3)]);
  checkGradients((x) => tf.nn.silu(x), [randomTensor([5], 3, -3, 3)]);
  checkGradients((x) => tf.math.reciprocalNoNan(x), [randomTensor([4], 4, 0.5, 2)]);
});

test("bad inputs name the function and the dtype", () => {
  assert.throws(() => tf.math.lgamma(tf.constant([1, 2], "int32")), /Lgamma.*int32/);
  assert.throws(() => tf.math.xlogy(f64([1]), tf.constant([1], "float32")), /xlogy.*same dtype/);
  assert.throws(() => tf.math.logicalXor(f64([1]), f64([1])), /LogicalXor.*float64/);
  assert.throws(() => tf.math.lbeta(tf.constant(1, "float64")), /lbeta.*scalar/);
  assert.throws(() => tf.math.logSigmoid(tf.constant([1], "int32")), /logSigmoid.*int32/);
});
