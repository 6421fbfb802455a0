/** GradientTape: the guide's behaviours, one by one, and what TensorFlow users reach for next. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";
import { num } from "./helpers/tolerance.js";

test("gradient of x^2 at 3 is 6, and a non-persistent tape gives one set of gradients", () => {
  const x = new tf.Variable(3.0);
  const tape = new tf.GradientTape();
  const y = tape.record(() => x.pow(2));
  assert.equal(num(tape.gradient(y, x)), 6);
  assert.throws(
    () => tape.gradient(y, x),
    /A non-persistent GradientTape can only be used to compute one set of gradients \(or jacobians\)/,
  );
});

test("sources in arrays and objects give gradients in the same structure", () => {
  const w = new tf.Variable(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { name: "w" },
  );
  const b = new tf.Variable([0.5, -0.5], { name: "b" });
  const tape = new tf.GradientTape({ persistent: true });
  // y = x w + b with x = [1, 2, 3]; loss = sum(y^2)
  const loss = tape.record(() => {
    const y = tf.add(tf.reduceSum(tf.multiply(tf.reshape([1, 2, 3], [3, 1]), w), 0), b);
    return tf.reduceSum(y.pow(2));
  });
  const y = [1 * 1 + 2 * 3 + 3 * 5 + 0.5, 1 * 2 + 2 * 4 + 3 * 6 - 0.5];
  const [dw, db] = tape.gradient(loss, [w, b]);
  assert.deepEqual(db?.numpy(), [2 * y[0], 2 * y[1]]);
  assert.deepEqual(
    dw?.numpy(),
    [1, 2, 3].map((xi) => [2 * y[0] * xi, 2 * y[1] * xi]),
  );
  const g = tape.gradient(loss, { w, nested: { b, list: [b, w] } });
  assert.deepEqual(g.nested.b?.numpy(), db?.numpy());
  assert.deepEqual(g.nested.list[1]?.numpy(), dw?.numpy());
  assert.deepEqual(Object.keys(g), ["w", "nested"]);
});

test("only trainable variables and watched tensors are watched", () => {
  const x0 = new tf.Variable(3.0, { name: "x0" });
  const x1 = new tf.Variable(3.0, { name: "x1", trainable: false });
  const x2 = new tf.Variable(2.0, { name: "x2" }).add(1.0);
  const x3 = tf.constant(3.0);
  assert.ok(!(x2 instanceof tf.Variable));
  const tape = new tf.GradientTape();
  const y = tape.record(() => x0.pow(2).add(x1.pow(2)).add(x2.pow(2)));
  const grad = tape.gradient(y, [x0, x1, x2, x3]);
  assert.equal(String(grad[0]), "tf.Tensor(6.0, shape=(), dtype=float32)");
  assert.deepEqual(grad.slice(1), [null, null, null]);
  assert.deepEqual(
    tape.watchedVariables().map((v) => v.name),
    ["x0:0"],
  );
});

test("watchAccessedVariables: false watches only what watch() names", () => {
  const x0 = new tf.Variable(0.0);
  const x1 = new tf.Variable(10.0);
  const tape = new tf.GradientTape({ watchAccessedVariables: false });
  const ys = tape.record(() => {
    tape.watch(x1);
    return tf.reduceSum(tf.math.sin(x0).add(tf.nn.softplus(x1)));
  });
  const grad = tape.gradient(ys, { x0, x1 });
  assert.equal(grad.x0, null);
  // d softplus(10) = sigmoid(10)
  assert.equal(tf.util.formatNumpy(grad.x1!), "0.9999546");
  assert.deepEqual(tape.watchedVariables(), [x1]);
});

test("intermediate tensors can be sources; persistent tapes answer several times", () => {
  const x = tf.constant([1, 3.0]);
  const tape = new tf.GradientTape({ persistent: true });
  const [y, z] = tape.record(() => {
    tape.watch(x);
    const y = x.mul(x);
    return [y, y.mul(y)];
  });
  assert.equal(tf.util.formatNumpy(tape.gradient(z, x)!), "[  4. 108.]");
  assert.equal(tf.util.formatNumpy(tape.gradient(y, x)!), "[2. 6.]");
  assert.deepEqual(tape.gradient(z, y)?.numpy(), [2, 18]);
});

test("several targets and non-scalar targets give the gradient of the sum", () => {
  const x = new tf.Variable(2.0);
  const tape = new tf.GradientTape({ persistent: true });
  const [y0, y1, y2] = tape.record(() => [x.pow(2), tf.divide(1, x), x.mul([3, 4])]);
  assert.equal(num(tape.gradient({ y0, y1 }, x)), 3.75);
  assert.equal(num(tape.gradient([y0, [y1]], x)), 3.75);
  assert.equal(num(tape.gradient(y2, x)), 7);
  // outputGradients weight the targets.
  assert.equal(num(tape.gradient(y2, x, { outputGradients: tf.constant([1, 10]) })), 43);
  assert.throws(
    () => tape.gradient(y2, x, { outputGradients: tf.constant([1, 2, 3]) }),
    /outputGradients\[0\] has shape \[3\] but its target has shape \[2\]/,
  );
});

test("unconnected sources give null, or zeros when asked", () => {
  const x = new tf.Variable([2, 2]);
  const y = new tf.Variable(3);
  const tape = new tf.GradientTape({ persistent: true });
  const z = tape.record(() => y.pow(2));
  assert.equal(tape.gradient(z, x), null);
  const zero = tape.gradient(z, x, { unconnectedGradients: tf.UnconnectedGradients.ZERO });
  assert.equal(String(zero), "tf.Tensor([0. 0.], shape=(2,), dtype=float32)");
  assert.throws(
    () => tape.gradient(z, x, { unconnectedGradients: "nan" as "zero" }),
    /unconnectedGradients must be "none" or "zero"/,
  );
});

test("state stops gradients; replacing a variable by a tensor disconnects it", () => {
  const x0 = new tf.Variable(3.0);
  const x1 = new tf.Variable(0.0);
  const tape = new tf.GradientTape();
  const y = tape.record(() => {
    x1.assign(x1.add(x0));
    return x1.pow(2);
  });
  assert.equal(tape.gradient(y, x0), null);
  assert.equal(x1.numpy(), 3);

  let x: tf.Tensor = new tf.Variable(2.0);
  const seen: (number | null)[] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    const t = new tf.GradientTape();
    const yy = t.record(() => x.add(1));
    const g = t.gradient(yy, x);
    seen.push(g === null ? null : (g.numpy() as number));
    x = x.add(1);
  }
  assert.deepEqual(seen, [1, null]);
});

test("integer targets and sources give null with TensorFlow's warnings", () => {
  const x = new tf.Variable(
    [
      [2, 2],
      [2, 2],
    ],
    { dtype: "int32" },
  );
  const tape = new tf.GradientTape();
  const y = tape.record(() => tf.reduceSum(x));
  const { result, messages } = tf.logging.capture(() => tape.gradient(y, x));
  assert.equal(result, null);
  assert.deepEqual(messages, [
    "WARNING:tensorflow:The dtype of the target tensor must be floating (e.g. tf.float32) when calling GradientTape.gradient, got tf.int32",
    "WARNING:tensorflow:The dtype of the source tensor must be floating (e.g. tf.float32) when calling GradientTape.gradient, got tf.int32",
  ]);
  const t2 = new tf.GradientTape();
  const w = tf.logging.capture(() => t2.watch(tf.constant(10, "int32")));
  assert.deepEqual(w.messages, [
    "WARNING:tensorflow:The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32",
  ]);
});

test("ops registered as not differentiable stop the gradient quietly", () => {
  const x = tf.constant([1.5, -2.5]);
  const tape = new tf.GradientTape({ persistent: true });
  const [y, z] = tape.record(() => {
    tape.watch(x);
    // floor and a comparison: no gradient flows, and no error
    return [tf.floor(x).mul(x), tf.cast(tf.greater(x, 0), "float32").mul(3)];
  });
  assert.deepEqual(tape.gradient(y, x)?.numpy(), [1, -3]);
  assert.equal(tape.gradient(z, x), null);
});

test("registerGradient replaces a rule and noGradient removes it", () => {
  const x = tf.constant(0.5, "float64");
  const grad = () => {
    const t = new tf.GradientTape();
    t.watch(x);
    const y = t.record(() => tf.sinh(x));
    return t.gradient(y, x);
  };
  assert.equal(num(grad()), Math.cosh(0.5));
  tf.registerGradient("Sinh", ([dy]) => [tf.multiply(dy, 42)]);
  assert.equal(num(grad()), 42);
  tf.noGradient("Sinh");
  assert.equal(grad(), null);
  tf.registerGradient("Sinh", ([dy], ctx) => [tf.multiply(dy, tf.cosh(ctx.inputs[0]!))]);
  assert.equal(num(grad()), Math.cosh(0.5));
  assert.throws(() => tf.registerGradient("NoSuchOp", ([dy]) => [dy]), /no op named 'NoSuchOp'/);
});

test("record refuses async functions and may be resumed", () => {
  const tape = new tf.GradientTape();
  assert.throws(() => tape.record(async () => 1), /async/);
  const x = tf.constant(2);
  tape.watch(x);
  const y = tape.record(() => x.mul(x));
  const z = tape.record(() => y.mul(x)); // recording resumes: z = x^3
  assert.equal(num(tape.gradient(z, x)), 12);
});

test("stopRecording pauses, reset forgets", () => {
  const x = new tf.Variable(2.0);
  const tape = new tf.GradientTape({ persistent: true });
  const [y, z] = tape.record(() => {
    const y = x.mul(x);
    const z = tape.stopRecording(() => x.mul(x));
    return [y, z];
  });
  assert.equal(num(tape.gradient(y, x)), 4);
  assert.equal(tape.gradient(z, x), null);
  tape.reset();
  assert.equal(tape.gradient(y, x), null);
  const w = tape.record(() => x.mul(3));
  assert.equal(num(tape.gradient(w, x)), 3);
});

test("nested tapes: second and third derivatives of sin", () => {
  const x = tf.constant(0.7, "float64");
  const t1 = new tf.GradientTape();
  const t2 = new tf.GradientTape();
  const t3 = new tf.GradientTape();
  const d2 = t3.record(() => {
    t3.watch(x);
    const d1 = t2.record(() => {
      t2.watch(x);
      const y = t1.record(() => {
        t1.watch(x);
        return tf.sin(x);
      });
      return t1.gradient(y, x)!;
    });
    return t2.gradient(d1, x)!;
  });
  assert.ok(Math.abs(num(d2) + Math.sin(0.7)) < 1e-15);
  assert.ok(Math.abs(num(t3.gradient(d2, x)) + Math.cos(0.7)) < 1e-15);
});

test("a persistent tape records its own gradient inside record, and warns once", () => {
  const x = tf.constant(1.5, "float64");
  const tape = new tf.GradientTape({ persistent: true });
  const { result: dy, messages } = tf.logging.capture(() =>
    tape.record(() => {
      tape.watch(x);
      const y = x.pow(3);
      const first = tape.gradient(y, x)!;
      tape.gradient(y, x);
      return first;
    }),
  );
  assert.equal(messages.length, 1);
  assert.match(
    messages[0],
    /Calling GradientTape.gradient on a persistent tape inside its context/,
  );
  // d/dx 3x^2 = 6x
  assert.equal(num(tape.gradient(dy, x)), 9);
});

test("higher-order gradients of tanh, sigmoid and exp match finite differences", () => {
  for (const f of [tf.tanh, tf.sigmoid, tf.exp, tf.softplus, tf.sin, tf.log1p]) {
    checkSecondOrder((x) => f(x), randomTensor([5], 7, 0.1, 1.5));
  }
});

test("gradcheck: a composite of broadcasting elementwise ops", () => {
  checkGradients(
    (a, b) => tf.divide(tf.multiply(a, b).add(b), tf.square(a).add(1)).tanh().add(tf.maximum(a, b)),
    [randomTensor([2, 3], 1), randomTensor([3], 2)],
  );
});

test("customGradient replaces the rule, also with variables", () => {
  const clip = tf.customGradient((x: tf.Tensor) => ({
    value: tf.identity(x),
    gradFunc: ([dy]) => tf.clipByValue(dy, -1, 1),
  }));
  const x = tf.constant([1, 2], "float64");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => (clip(x) as tf.Tensor).mul(5));
  assert.deepEqual(tape.gradient(y, x)?.numpy(), [1, 1]);

  const v = new tf.Variable(3.0);
  const scaled = tf.customGradient((a: tf.Tensor) => ({
    value: a.mul(v),
    gradFunc: ([dy], variables) => {
      assert.deepEqual(variables, [v]);
      return { inputs: [dy.mul(v)], variables: [dy.mul(a).mul(100)] };
    },
  }));
  const a = tf.constant(2.0);
  const t2 = new tf.GradientTape();
  t2.watch(a);
  const out = t2.record(() => scaled(a) as tf.Tensor);
  const [ga, gv] = t2.gradient(out, [a, v]);
  assert.equal(num(ga), 3);
  assert.equal(num(gv), 200);
});

test("recomputeGrad gives the same gradients as the plain function", () => {
  const f = (x: tf.Tensor) => tf.tanh(x.mul(x)).exp();
  const g = tf.recomputeGrad(f);
  const x = randomTensor([4], 3);
  const grads = [f, g].map((fn) => {
    const t = new tf.GradientTape();
    t.watch(x);
    const y = t.record(() => fn(x));
    return t.gradient(y, x)!.numpy();
  });
  assert.deepEqual(grads[0], grads[1]);
});

test("ForwardAccumulator: jvp, and forward-over-backward Hessian-vector products", () => {
  const x = tf.constant([1, 2, 3], "float64");
  const v = tf.constant([1, -1, 0.5], "float64");
  const acc = new tf.autodiff.ForwardAccumulator(x, v);
  const y = acc.record(() => x.sin().mul(x));
  // d(x sin x) = sin x + x cos x, times the tangent
  const expected = [1, 2, 3].map((xi, i) => (Math.sin(xi) + xi * Math.cos(xi)) * [1, -1, 0.5][i]);
  (acc.jvp(y)!.numpy() as number[]).forEach((j, i) => assert.ok(Math.abs(j - expected[i]) < 1e-12));
  assert.equal(acc.jvp(tf.constant(1)), null);

  // H v for f = sum(x^3): H = diag(6x)
  const acc2 = new tf.autodiff.ForwardAccumulator(x, v);
  const g = acc2.record(() => {
    const t = new tf.GradientTape();
    t.watch(x);
    const loss = t.record(() => tf.reduceSum(x.pow(3)));
    return t.gradient(loss, x)!;
  });
  assert.deepEqual(acc2.jvp(g)!.numpy(), [6, -12, 9]);
});

test("a chain of 10,000 ops differentiates without a stack overflow", () => {
  const x = tf.constant(1.0, "float64");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => {
    let h = x;
    for (let i = 0; i < 10000; i++) h = h.mul(1.0001);
    return h;
  });
  assert.ok(Math.abs(num(tape.gradient(y, x)) - Math.pow(1.0001, 10000)) < 1e-9);
});

const gc = (globalThis as { gc?: () => void }).gc;
const collect = async () => {
  await new Promise((r) => setImmediate(r));
  gc!();
  await new Promise((r) => setImmediate(r));
  gc!();
};

test(
  "a tape keeps only what the gradients read",
  { skip: gc === undefined ? "needs node --expose-gc" : false },
  async () => {
    const x = tf.constant([1, 2, 3]);
    const refs: Record<string, WeakRef<tf.Tensor>> = {};
    const tapes: Record<string, tf.GradientTape> = {};
    const ys: Record<string, tf.Tensor> = {};
    // relu, exp, sigmoid and tanh read only their output: the intermediate h is not kept.
    for (const [name, f, persistent] of [
      ["relu", tf.relu, false],
      ["exp", tf.exp, false],
      ["sigmoid", tf.sigmoid, false],
      ["tanh", tf.tanh, false],
      ["log (reads its input)", tf.log, false],
      ["relu on a persistent tape", tf.relu, true],
    ] as const) {
      const tape = new tf.GradientTape({ persistent });
      tape.watch(x);
      ys[name] = tape.record(() => {
        const h = x.add(1); // Add keeps nothing either
        refs[name] = new WeakRef(h);
        return f(h);
      });
      tapes[name] = tape;
    }
    await collect();
    assert.equal(refs["relu"].deref(), undefined);
    assert.equal(refs["exp"].deref(), undefined);
    assert.equal(refs["sigmoid"].deref(), undefined);
    assert.equal(refs["tanh"].deref(), undefined);
    assert.notEqual(refs["log (reads its input)"].deref(), undefined);
    assert.notEqual(refs["relu on a persistent tape"].deref(), undefined);
    // The gradients still come out right.
    assert.deepEqual(tapes["relu"].gradient(ys["relu"], x)?.numpy(), [1, 1, 1]);
    assert.deepEqual(
      tapes["log (reads its input)"].gradient(ys["log (reads its input)"], x)?.numpy(),
      [1 / 2, 1 / 3, 1 / 4].map(Math.fround),
    );
  },
);

test(
  "a non-persistent tape lets go of everything when gradient returns",
  { skip: gc === undefined ? "needs node --expose-gc" : false },
  async () => {
    const x = tf.constant([1, 2, 3]);
    const tape = new tf.GradientTape();
    tape.watch(x);
    let kept: WeakRef<tf.Tensor> | null = null;
    const y = tape.record(() => {
      const h = x.add(1);
      kept = new WeakRef(h);
      return tf.log(h); // Log keeps h
    });
    await collect();
    assert.notEqual(kept!.deref(), undefined, "the tape holds h until gradient()");
    tape.gradient(y, x);
    await collect();
    assert.equal(kept!.deref(), undefined, "gradient() released h");
  },
);

test("jacobian: target.shape + source.shape, against the analytic Jacobian", () => {
  const x = tf.constant(
    [
      [1, 2],
      [3, 4],
    ],
    "float64",
  );
  const w = tf.constant([0.5, -1, 2], "float64");
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch([x, w]);
  // y[i, j, k] = x[i, j]^2 * w[k]
  const y = tape.record(() => tf.multiply(tf.expandDims(tf.square(x), -1), w));
  const { x: jx, w: jw } = tape.jacobian(y, { x, w });
  assert.deepEqual(jx!.shape, [2, 2, 3, 2, 2]);
  assert.deepEqual(jw!.shape, [2, 2, 3, 3]);
  const xs = [
    [1, 2],
    [3, 4],
  ];
  const wk = [0.5, -1, 2];
  const jxv = jx!.numpy() as number[][][][][];
  const jwv = jw!.numpy() as number[][][][];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++)
      for (let k = 0; k < 3; k++) {
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++) {
            assert.equal(jxv[i][j][k][a][b], a === i && b === j ? 2 * xs[i][j] * wk[k] : 0);
          }
        for (let c = 0; c < 3; c++) assert.equal(jwv[i][j][k][c], c === k ? xs[i][j] ** 2 : 0);
      }
  // Unconnected: null, or zeros of the right shape.
  const other = tf.constant([1, 2], "float64");
  assert.equal(tape.jacobian(y, other), null);
  assert.deepEqual(tape.jacobian(y, other, { unconnectedGradients: "zero" }).shape, [2, 2, 3, 2]);
});

test("batchJacobian: per-example Jacobians of a layer", () => {
  const x = randomTensor([4, 3], 11);
  const w = randomTensor([3, 2], 12);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.tanh(tf.matmul(x, w)));
  const j = tape.batchJacobian(y, x)!;
  assert.deepEqual(j.shape, [4, 2, 3]);
  // d tanh(x w)[b, o] / d x[b, i] = (1 - y[b, o]^2) w[i, o]
  const yv = y.numpy() as number[][];
  const wv = w.numpy() as number[][];
  const jv = j.numpy() as number[][][];
  for (let b = 0; b < 4; b++)
    for (let o = 0; o < 2; o++)
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(jv[b][o][i] - (1 - yv[b][o] ** 2) * wv[i][o]) < 1e-12);
      }
  assert.throws(
    () => new tf.GradientTape().batchJacobian(tf.zeros([2, 3]), tf.zeros([3, 3])),
    /same first \(batch\) dimension/,
  );
});

test("the Hessian of a small MLP's loss, by nested tapes, matches finite differences", () => {
  const x = randomTensor([5, 3], 21);
  const labels = tf.constant([0, 1, 1, 0, 1], "int32");
  const w1 = randomTensor([3, 4], 22);
  const w2 = randomTensor([4, 2], 23);
  const lossOf = (p: tf.Tensor) => {
    const a = tf.reshape(tf.slice(p, [0], [12]), [3, 4]);
    const b = tf.reshape(tf.slice(p, [12], [8]), [4, 2]);
    const logits = tf.matmul(tf.tanh(tf.matmul(x, a)), b);
    return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
  };
  const p = tf.concat([tf.reshape(w1, [-1]), tf.reshape(w2, [-1])], 0);
  const gradAt = (q: tf.Tensor): tf.Tensor => {
    const t = new tf.GradientTape();
    t.watch(q);
    return t.gradient(
      t.record(() => lossOf(q)),
      q,
    )!;
  };
  const outer = new tf.GradientTape();
  outer.watch(p);
  const g = outer.record(() => gradAt(p));
  const hessian = outer.jacobian(g, p)!;
  assert.deepEqual(hessian.shape, [20, 20]);
  const h = hessian.numpy() as number[][];
  const eps = 1e-5;
  const base = p.values as Float64Array;
  for (let j = 0; j < 20; j++) {
    const plus = base.slice();
    const minus = base.slice();
    plus[j] += eps;
    minus[j] -= eps;
    const gp = gradAt(new tf.Tensor(plus, [20], "float64")).values as Float64Array;
    const gm = gradAt(new tf.Tensor(minus, [20], "float64")).values as Float64Array;
    for (let i = 0; i < 20; i++) {
      const fd = (gp[i] - gm[i]) / (2 * eps);
      assert.ok(
        Math.abs(h[i][j] - fd) < 1e-6,
        `H[${i}][${j}] = ${h[i][j]}, finite differences ${fd}`,
      );
    }
  }
  // Symmetric, as a Hessian is.
  for (let i = 0; i < 20; i++)
    for (let j = 0; j < i; j++) assert.ok(Math.abs(h[i][j] - h[j][i]) < 1e-10);
});

test("a 100-layer MLP differentiates without a stack overflow", () => {
  const layers = Array.from(
    { length: 100 },
    (_, i) => new tf.Variable(tf.multiply(randomTensor([8, 8], 100 + i), 0.3)),
  );
  const x = randomTensor([4, 8], 99);
  const tape = new tf.GradientTape();
  const loss = tape.record(() =>
    tf.reduceSum(layers.reduce((h, w) => tf.tanh(tf.matmul(h, w)), x)),
  );
  const grads = tape.gradient(loss, layers);
  assert.equal(grads.length, 100);
  for (const g of grads) assert.deepEqual(g?.shape, [8, 8]);
});
