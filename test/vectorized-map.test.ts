/** vectorizedMap (pfor), vectorized jacobian / batchJacobian, Hessian helpers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

/** Equal to float64 rounding (a batched kernel may sum in another order). */
function near(
  actual: tf.Tensor | null,
  expected: tf.Tensor | null,
  what = "value",
  tol = 1e-12,
): void {
  assert.ok(actual !== null && expected !== null, `${what}: null`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const a = actual.dataSync() as Float64Array;
  const e = expected.dataSync() as Float64Array;
  for (let i = 0; i < e.length; i++) {
    assert.ok(
      Math.abs(a[i] - e[i]) <= tol * (1 + Math.abs(e[i])),
      `${what}[${i}]: ${a[i]} vs ${e[i]}`,
    );
  }
}

/** The loop vectorizedMap stands for. */
function loopMap(fn: (x: tf.Tensor) => tf.Tensor, xs: tf.Tensor): tf.Tensor {
  return tf.stack(tf.unstack(xs).map(fn));
}

test("vectorizedMap equals the loop for batchable ops (float64)", () => {
  const w = randomTensor([4, 3], 1);
  const v = randomTensor([3, 5], 2);
  const b = randomTensor([3], 3);
  const cases: [string, (x: tf.Tensor) => tf.Tensor, number[]][] = [
    ["elementwise and broadcasting", (x) => tf.tanh(x.mul(b).add(1)).sub(x.square()), [6, 2, 3]],
    [
      "broadcast against a wider constant",
      (x) => x.add(tf.ones([2, 1, 3], "float64").mul(b)),
      [5, 3],
    ],
    ["matmul on the left", (x) => tf.matmul(x, v), [6, 2, 3]],
    ["matmul on the right", (x) => tf.matmul(w, x), [6, 3, 2]],
    ["matmul transposed, both batched", (x) => tf.matmul(x, x, { transposeB: true }), [6, 2, 3]],
    ["matmul with batch dims", (x) => tf.matmul(x, tf.stack([v, v.mul(2)])), [4, 2, 5, 3]],
    [
      "reductions with axes",
      (x) => tf.reduceSum(x, 0).add(tf.reshape(tf.reduceMax(x, [0], true), [3])),
      [5, 4, 3],
    ],
    [
      "mean, softmax, logSumExp",
      (x) =>
        tf.nn
          .softmax(x)
          .mul(tf.reduceMean(x, -1, true))
          .add(tf.reduceLogSumExp(x)),
      [5, 2, 3],
    ],
    [
      "reshape, transpose, expandDims, squeeze",
      (x) => tf.squeeze(tf.expandDims(tf.transpose(tf.reshape(x, [3, 2])), 0), [0]),
      [4, 6],
    ],
    [
      "concat and stack with constants",
      (x) => tf.concat([x, tf.reshape(b, [1, 3])], 0).add(tf.stack([b, b, b])),
      [5, 2, 3],
    ],
    [
      "slice, pad, tile, reverse",
      (x) =>
        tf.tile(
          tf.reverse(
            tf.pad(tf.slice(x, [0, 1], [2, 2]), [
              [1, 0],
              [0, 1],
            ]),
            1,
          ),
          [1, 2],
        ),
      [3, 2, 3],
    ],
    [
      "gather with constant indices",
      (x) => tf.gather(x, tf.constant([2, 0, 2], "int32"), 1),
      [4, 2, 3],
    ],
    ["where and comparisons", (x) => tf.where(tf.greater(x, 0), x, x.mul(-2)), [5, 3]],
    [
      "cumsum and argmax-cast",
      (x) => tf.cumsum(x, 1).add(tf.reshape(tf.cast(tf.argmax(x, 1), "float64"), [2, 1])),
      [4, 2, 3],
    ],
  ];
  cases.forEach(([name, fn, shape], i) => {
    const xs = randomTensor(shape, 10 + i);
    const { messages, result } = tf.logging.capture(() => tf.vectorizedMap(fn, xs));
    assert.deepEqual(messages, [], `${name}: no fallback`);
    near(result, loopMap(fn, xs), name);
  });
});

test("vectorizedMap: several elems and outputs, an output that ignores the input", () => {
  const a = randomTensor([4, 3], 30);
  const b = randomTensor([4, 3], 31);
  const c = tf.constant([1, 2, 3], "float64");
  const [s, k] = tf.vectorizedMap((xs: tf.Tensor[]) => [xs[0].mul(xs[1]), c], [a, b]);
  near(s, a.mul(b));
  near(k, tf.stack([c, c, c, c]));
});

test("vectorizedMap falls back to a loop for random ops and control flow, or throws when told", () => {
  const xs = randomTensor([3, 2], 40);
  const rnd = (x: tf.Tensor): tf.Tensor =>
    x.add(tf.random.uniform([2], { dtype: "float64" }).mul(0));
  const { messages, result } = tf.logging.capture(() => tf.vectorizedMap(rnd, xs));
  assert.equal(messages.length, 1);
  assert.match(
    messages[0],
    /vectorizedMap: using a loop, as fn cannot be vectorized: RandomUniform is stateful/,
  );
  near(result, xs);
  const branchy = (x: tf.Tensor): tf.Tensor =>
    tf.cond(
      tf.greater(tf.reduceSum(x), 0),
      () => x,
      () => x.neg(),
    );
  const r = tf.logging.capture(() => tf.vectorizedMap(branchy, xs));
  assert.match(r.messages[0], /If \(control flow\) cannot be vectorized/);
  near(r.result, loopMap(branchy, xs));
  assert.throws(
    () => tf.vectorizedMap(rnd, xs, { fallbackToWhileLoop: false }),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError && /RandomUniform is stateful/.test(e.message),
  );
  const reads = (x: tf.Tensor): tf.Tensor => ((x.dataSync()[0] as number) > 0 ? x : x.neg());
  near(tf.vectorizedMap(reads, xs, { warn: false }), loopMap(reads, xs));
  assert.throws(
    () => tf.vectorizedMap((x: tf.Tensor) => x, tf.constant(1)),
    /every tensor of elems needs the same first dimension/,
  );
  assert.throws(
    () => tf.vectorizedMap((x: tf.Tensor) => x, [randomTensor([2], 1), randomTensor([3], 2)]),
    /same first dimension/,
  );
});

test("gradients through vectorizedMap pass finite differences", () => {
  const w = randomTensor([3, 3], 50);
  checkGradients(
    (xs, ww) =>
      tf.vectorizedMap(
        (x: tf.Tensor) => tf.tanh(tf.matmul(tf.reshape(x, [1, 3]), ww)).reduceSum(),
        xs,
      ),
    [randomTensor([5, 3], 51), w],
  );
});

function mlp(seed: number, n: number, h: number, m: number) {
  const W1 = randomTensor([n, h], seed).mul(0.5);
  const b1 = randomTensor([h], seed + 1);
  const W2 = randomTensor([h, m], seed + 2).mul(0.5);
  const b2 = randomTensor([m], seed + 3);
  const f = (x: tf.Tensor, w1 = W1, w2 = W2): tf.Tensor =>
    tf.tanh(tf.matmul(tf.tanh(tf.matmul(x, w1).add(b1)), w2).add(b2));
  return { W1, b1, W2, b2, f };
}

test("vectorized jacobian equals the per-element loop (float64): inputs, weights, unconnected", () => {
  const { W1, W2, f } = mlp(60, 5, 7, 4);
  const x = randomTensor([3, 5], 64);
  const unused = randomTensor([2], 65);
  const jac = (pfor: boolean, zero: boolean) => {
    const tape = new tf.GradientTape();
    tape.watch([x, W1, W2, unused]);
    const y = tape.record(() => f(x));
    return tape.jacobian(y, [x, W1, W2, unused], {
      experimentalUsePfor: pfor,
      unconnectedGradients: zero ? "zero" : "none",
    });
  };
  const a = jac(true, false);
  const b = jac(false, false);
  assert.deepEqual(a[0]?.shape, [3, 4, 3, 5]);
  assert.deepEqual(a[1]?.shape, [3, 4, 5, 7]);
  for (const k of [0, 1, 2]) near(a[k], b[k], `source ${k}`);
  assert.equal(a[3], null);
  near(jac(true, true)[3], tf.zeros([3, 4, 2], "float64"));
  // A scalar function of a vector: the Jacobian is the gradient.
  const t = new tf.GradientTape();
  const v = randomTensor([4], 66);
  t.watch(v);
  const s = t.record(() => tf.reduceSum(tf.sin(v)));
  near(t.jacobian(s, v), tf.cos(v));
});

test("vectorized batchJacobian equals the loop (float64)", () => {
  const { f } = mlp(70, 4, 6, 3);
  const x = randomTensor([5, 4], 74);
  const bj = (pfor: boolean) => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    return tape.batchJacobian(y, x, { experimentalUsePfor: pfor });
  };
  const a = bj(true);
  assert.deepEqual(a?.shape, [5, 3, 4]);
  near(a, bj(false));
  // Per-example target and source of higher rank.
  const x3 = randomTensor([2, 3, 2], 75);
  const g = (t: tf.Tensor) =>
    tf.matmul(t, t, { transposeB: true }).mul(tf.sin(t).reduceSum(-1, true));
  const bj3 = (pfor: boolean) => {
    const tape = new tf.GradientTape();
    tape.watch(x3);
    const y = tape.record(() => g(x3));
    return tape.batchJacobian(y, x3, { experimentalUsePfor: pfor });
  };
  const c = bj3(true);
  assert.deepEqual(c?.shape, [2, 3, 3, 3, 2]);
  near(c, bj3(false));
});

test("jacobian falls back to the loop for a pass it cannot batch", () => {
  const x = randomTensor([4], 80);
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch(x);
  // Unsorted segment sums (gather's gradient with batched cotangents) have no rule.
  const y = tape.record(() => tf.gather(x, tf.constant([3, 1, 1], "int32")).square());
  const j = tape.jacobian(y, x);
  near(j, tape.jacobian(y, x, { experimentalUsePfor: false }));
  const expected = new Float64Array(12);
  const xv = x.dataSync();
  [3, 1, 1].forEach((src, i) => (expected[i * 4 + src] = 2 * (xv[src] as number)));
  near(j, new tf.Tensor(expected, [3, 4], "float64"));
});

test("hessianVectorProduct and hessian: a quadratic form and an MLP loss", () => {
  // f(x) = x^T A x has Hessian A + A^T.
  const A = randomTensor([4, 4], 90);
  const f = (x: tf.Tensor): tf.Tensor => tf.reduceSum(x.mul(tf.linalg.matvec(A, x)));
  const x = randomTensor([4], 91);
  const v = randomTensor([4], 92);
  const H = A.add(tf.transpose(A));
  near(tf.autodiff.hessian(f, x), H, "hessian", 1e-12);
  near(tf.autodiff.hessianVectorProduct(f, x, v), tf.linalg.matvec(H, v), "Hv", 1e-12);
  // An MLP loss: H v against finite differences of the gradient, and the full Hessian's
  // product with v.
  const { W1, f: net } = mlp(93, 3, 4, 2);
  const loss = (w: tf.Tensor): tf.Tensor => tf.reduceSum(net(randomTensor([2, 3], 97), w).square());
  const dv = randomTensor([3, 4], 98);
  const hv = tf.autodiff.hessianVectorProduct(loss, W1, dv);
  const grad = (w: tf.Tensor): tf.Tensor => {
    const t = new tf.GradientTape();
    t.watch(w);
    const l = t.record(() => loss(w));
    return t.gradient(l, w) as tf.Tensor;
  };
  const eps = 1e-6;
  const fd = grad(W1.add(dv.mul(eps)))
    .sub(grad(W1.sub(dv.mul(eps))))
    .div(2 * eps);
  near(hv, fd, "Hv vs finite differences", 1e-6);
  const Hfull = tf.autodiff.hessian(loss, W1);
  assert.deepEqual(Hfull.shape, [3, 4, 3, 4]);
  near(tf.autodiff.hessian(loss, W1, { experimentalUsePfor: false }), Hfull, "pfor vs loop", 1e-12);
  near(
    tf.reshape(tf.matmul(tf.reshape(Hfull, [12, 12]), tf.reshape(dv, [12, 1])), [3, 4]),
    hv,
    "H v",
    1e-10,
  );
  const [h1, h2] = tf.autodiff.hessianVectorProduct(
    (a, b) => tf.reduceSum(a.mul(b).square()),
    [x, v],
    [v, x],
  );
  assert.deepEqual(h1.shape, [4]);
  assert.deepEqual(h2.shape, [4]);
  assert.throws(
    () => tf.autodiff.hessianVectorProduct(f, x, randomTensor([3], 1)),
    /tangents must match primals/,
  );
  assert.throws(
    () => tf.autodiff.hessian((t) => t, x),
    /f must return a scalar tensor, got shape \[4\]/,
  );
});

test("vectorized jacobian and vectorizedMap inside tf.function match eager", () => {
  const w = randomTensor([3, 3], 100);
  const body = (x: tf.Tensor) => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => tf.tanh(tf.linalg.matvec(w, x)));
    return {
      j: tape.jacobian(y, x),
      m: tf.vectorizedMap((r: tf.Tensor) => r.mul(x).reduceSum(), w),
    };
  };
  const f = tf.function(body);
  const x = randomTensor([3], 101);
  const x2 = randomTensor([3], 102);
  for (const v of [x, x2]) {
    const a = f(v);
    const e = body(v);
    near(a.j, e.j, "jacobian");
    near(a.m, e.m, "vectorizedMap");
  }
  assert.equal(f.tracingCount, 1);
  // The trace's own value-read warning still works after a pfor trace inside it.
  const g = tf.function((v: tf.Tensor) => {
    const t = new tf.GradientTape();
    t.watch(v);
    const y = t.record(() => v.square());
    const j = t.jacobian(y, v) as tf.Tensor;
    return (v.reduceSum().numpy() as number) > 0 ? j : j.neg();
  });
  const { messages } = tf.logging.capture(() => g(x));
  assert.equal(messages.length, 1);
});

test("one-hot seeds (pfor-onehot): jacobian and batchJacobian equal the loop through every kept rule", () => {
  // Vector target: TanhGrad / SigmoidGrad / ReluGrad of a one-hot seed, a matvec's column
  // (matmulRight), Mul, Neg, Cast; then an op that needs the dense stack (Add of a constant
  // after the seed is scaled is zero-preserving only for Mul, so Sub densifies).
  const n = 7;
  const W1 = randomTensor([n, 5], 90);
  const W2 = randomTensor([n, n], 91);
  const c = randomTensor([n], 92);
  const x = randomTensor([5], 93);
  const fns: [string, (v: tf.Tensor) => tf.Tensor][] = [
    ["tanh matvec", (v) => tf.tanh(tf.linalg.matvec(W2, tf.tanh(tf.linalg.matvec(W1, v))))],
    ["sigmoid/relu", (v) => tf.sigmoid(tf.relu(tf.linalg.matvec(W1, v)).mul(c)).neg()],
    ["dense fallback", (v) => tf.square(tf.linalg.matvec(W1, v)).sub(c).mul(c)],
    ["float32 cast", (v) => tf.cast(tf.tanh(tf.linalg.matvec(W1, v)), "float32").mul(2)],
  ];
  for (const [what, f] of fns) {
    const jac = (pfor: boolean) => {
      const tape = new tf.GradientTape();
      tape.watch(x);
      const y = tape.record(() => f(x));
      return tape.jacobian(y, x, { experimentalUsePfor: pfor });
    };
    near(jac(true), jac(false), what);
  }
  // Per-example vectors through matmuls with and without transposeB (matmulLeft).
  const xb = randomTensor([4, 5], 94);
  const V = randomTensor([6, n], 95);
  const g = (v: tf.Tensor) =>
    tf.tanh(tf.matmul(tf.sigmoid(tf.matmul(v, W1, { transposeB: true })), V, { transposeB: true }));
  const bj = (pfor: boolean) => {
    const tape = new tf.GradientTape();
    tape.watch(xb);
    const y = tape.record(() => g(xb));
    return tape.batchJacobian(y, xb, { experimentalUsePfor: pfor });
  };
  const a = bj(true);
  assert.deepEqual(a?.shape, [4, 6, 5]);
  near(a, bj(false));
  // Known values: J of tanh(W x) is diag(1 - tanh^2) W.
  const W = tf.constant(
    [
      [1, 2],
      [3, -1],
      [0.5, 0],
    ],
    "float64",
  );
  const x2 = tf.constant([0.1, -0.2], "float64");
  const tape = new tf.GradientTape();
  tape.watch(x2);
  const y2 = tape.record(() => tf.tanh(tf.linalg.matvec(W, x2)));
  const yv = y2.dataSync() as Float64Array;
  const Wv = W.dataSync() as Float64Array;
  const expected = new Float64Array(6).map((_, k) => (1 - yv[Math.floor(k / 2)] ** 2) * Wv[k]);
  near(tape.jacobian(y2, x2), new tf.Tensor(expected, [3, 2], "float64"));
});

test("OneHot.dense is the scaled identity stack on its axis", async () => {
  const { OneHot } = await import("../src/autodiff/pfor-onehot.js");
  const s = tf.constant([1, 2, 3, 4, 5, 6], "float64", [2, 3, 1]);
  const d = new OneHot(s, 1).dense();
  assert.deepEqual(d.shape, [3, 2, 3, 1]);
  const v = d.dataSync();
  for (let i = 0; i < 3; i++) {
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 3; b++) {
        assert.equal(v[i * 6 + a * 3 + b], b === i ? (s.dataSync()[a * 3 + b] as number) : 0);
      }
    }
  }
});
