/**
 * tf.keras.regularizers and tf.keras.constraints: values against their formulas, gradients by
 * finite differences, `layer.losses` (weight penalties from the current weights, activity
 * penalties from the last call, sublayers' included), constraints applied by the optimizer
 * after each update, and bad arguments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { close } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { layers, regularizers, constraints, optimizers } = tf.keras;

const sum = (ts: tf.Tensor[]): tf.Tensor => ts.reduce((a, b) => tf.add(a, b));

const X = [
  [1, -2],
  [3, -4],
];

test("L1, L2, L1L2: the penalty values, Keras 3's defaults, the names get() takes", () => {
  const x = tf.constant(X, "float64");
  close(new regularizers.L1(0.1).call(x), [1], 1e-12);
  close(new regularizers.L2(0.1).call(x), [3], 1e-12);
  close(new regularizers.L1L2({ l1: 0.1, l2: 0.2 }).call(x), [1 + 6], 1e-12);
  assert.equal(new regularizers.L1L2({ l2: 0.1 }).call(x).dtype, "float64");
  close(new regularizers.L1L2().call(x), [0], 0);
  assert.equal(new regularizers.L1().l1, 0.01);
  assert.equal(new regularizers.L2().l2, 0.01);
  const both = regularizers.get("l1_l2") as tf.keras.regularizers.L1L2;
  assert.deepEqual([both.l1, both.l2], [0.01, 0.01]);
  assert.deepEqual([new regularizers.L1L2().l1, new regularizers.L1L2().l2], [0, 0]);
  assert.ok(regularizers.get("l1") instanceof regularizers.L1);
  assert.ok(regularizers.get("L2") instanceof regularizers.L2);
  assert.equal(regularizers.get(null), null);
  const l2 = new regularizers.L2(0.5);
  assert.equal(regularizers.get(l2), l2);
  close(regularizers.get((w) => tf.reduceSum(w))?.call(x) as tf.Tensor, [-2], 0);
  const back = regularizers.get({
    class_name: "L1L2",
    config: { l1: 0.5, l2: 0.25 },
  }) as tf.keras.regularizers.L1L2;
  assert.deepEqual([back.l1, back.l2], [0.5, 0.25]);
  assert.deepEqual(regularizers.serialize(new regularizers.L2(0.5)), {
    module: "keras.regularizers",
    class_name: "L2",
    config: { l2: 0.5 },
    registered_name: null,
  });
});

test("regularizer gradients: l1 sign(x), 2 l2 x, by finite differences (float64)", () => {
  const x = randomTensor([3, 4], 7, 0.2, 1).mul(tf.constant([1, -1, 1, -1], "float64"));
  checkGradients((t) => new regularizers.L2(0.3).call(t), [x]);
  checkGradients((t) => new regularizers.L1(0.3).call(t), [x]);
  checkGradients((t) => new regularizers.L1L2({ l1: 0.2, l2: 0.7 }).call(t), [x]);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => new regularizers.L1L2({ l1: 0.2, l2: 0.7 }).call(x));
  const g = tape.gradient(y, x) as tf.Tensor;
  close(
    g,
    flat(x).map((v) => 0.2 * Math.sign(v) + 1.4 * v),
    1e-12,
  );
});

test("bad regularizer arguments", () => {
  assert.throws(
    () => new regularizers.L1(-1),
    /L1: Invalid value for argument l1: expected a non-negative float. Received: l1=-1/,
  );
  assert.throws(() => new regularizers.L2(NaN), RangeError);
  assert.throws(
    () => new regularizers.L1L2({ l3: 1 } as unknown as tf.keras.regularizers.L1L2Options),
    /L1L2: unknown option 'l3'/,
  );
  assert.throws(
    () => regularizers.get("l3"),
    /regularizers.get: Could not interpret regularizer identifier: "l3"/,
  );
  assert.throws(
    () => new regularizers.L2().call(tf.constant([1, 2], "int32")),
    /L2: expected a floating tensor, got .*int32/,
  );
  assert.throws(
    () => new layers.Dense(2, { kernelRegularizer: "l5" }),
    /Could not interpret regularizer identifier: "l5"/,
  );
});

test("Dense regularizers: losses from the current weights, differentiable under a tape", () => {
  const d = new layers.Dense(2, {
    kernelInitializer: "ones",
    biasInitializer: "ones",
    kernelRegularizer: new regularizers.L2(0.5),
    biasRegularizer: "l1",
    dtype: "float64",
  });
  assert.equal(d.losses.length, 0, "no weights before build");
  const x = tf.constant([[1, 2, 3]], "float64");
  d.apply(x);
  // Kernel: 0.5 * 6 ones; bias: 0.01 * 2.
  assert.deepEqual(
    d.losses.map((l) => l.numpy()),
    [3, 0.02],
  );
  d.kernel.assign(tf.fill([3, 2], 2, "float64"));
  close(d.losses[0], [12], 1e-12);
  // Under a tape: d/dkernel of 0.5 sum(k^2) is k.
  const tape = new tf.GradientTape();
  const total = tape.record(() => sum(d.losses));
  const [gk, gb] = tape.gradient(total, [d.kernel, d.bias as tf.Variable]);
  close(gk as tf.Tensor, Array(6).fill(2), 1e-12);
  close(gb as tf.Tensor, [0.01, 0.01], 1e-12);
  // A Sequential's losses are its layers'.
  const seq = new tf.keras.Sequential(
    [
      new layers.Dense(2, {
        kernelInitializer: "ones",
        kernelRegularizer: new regularizers.L1(0.5),
        dtype: "float64",
      }),
      new layers.Dense(1, {
        kernelInitializer: "ones",
        activityRegularizer: new regularizers.L2(0.25),
        dtype: "float64",
      }),
    ],
    { dtype: "float64" },
  );
  seq.apply(tf.constant([[1, 1, 1]], "float64"));
  // Dense 2's activity: 0.25 * (3 + 3)^2 = 9; Dense 1's kernel: 0.5 * 6 = 3.
  close(
    seq.losses.map((t) => t.numpy() as number),
    [9, 3],
    1e-12,
  );
  // A frozen layer has no trainable weights, so no weight penalties (as Keras).
  d.trainable = false;
  assert.deepEqual(d.losses, []);
});

test("activityRegularizer and addLoss: losses of the last call; sublayers' included; cleared per outermost call", () => {
  class Block extends tf.keras.Layer {
    first = new layers.Dense(2, {
      kernelInitializer: "ones",
      activityRegularizer: new regularizers.L1(0.1),
      dtype: "float64",
    });
    second = new layers.Dense(1, {
      kernelInitializer: "ones",
      kernelRegularizer: new regularizers.L2(1),
      dtype: "float64",
    });
    call(x: tf.Tensor): tf.Tensor {
      this.addLoss(tf.constant(100, "float64"));
      // first -> second -> tiled to 2 columns -> second again.
      return this.second.apply(this.second.apply(this.first.apply(x)).tile([1, 2]));
    }
  }
  const block = new Block({ dtype: "float64" });
  const x = tf.constant([[1, -3]], "float64");
  const y = block.apply(x);
  close(y, [-8], 1e-12);
  // Own addLoss, first's activity 0.1 * |[-2, -2]|, then second's kernel penalty 1 * sum(ones [2, 1]).
  const l = block.losses.map((t) => t.numpy() as number);
  close(l, [100, 0.4, 1 * 2 + 0], 1e-12);
  // The next call replaces the call losses instead of adding to them.
  block.apply(tf.constant([[2, 2]], "float64"));
  close(
    block.losses.map((t) => t.numpy() as number),
    [100, 0.8, 2],
    1e-12,
  );
  // A sublayer called alone keeps only its own.
  block.first.apply(tf.constant([[1, 0]], "float64"));
  close(
    block.first.losses.map((t) => t.numpy() as number),
    [0.2],
    1e-12,
  );

  // A sublayer called twice in one outer call keeps both activity penalties.
  class Twice extends tf.keras.Layer {
    inner = new layers.Dense(1, {
      kernelInitializer: "ones",
      useBias: false,
      activityRegularizer: new regularizers.L2(1),
      dtype: "float64",
    });
    call(x: tf.Tensor): tf.Tensor {
      return this.inner.apply(this.inner.apply(x));
    }
  }
  const twice = new Twice({ dtype: "float64" });
  twice.apply(tf.constant([[3]], "float64"));
  close(
    twice.losses.map((t) => t.numpy() as number),
    [9, 9],
    1e-12,
  );

  // The activity penalty is on the tape of the call: d/dx of 0.1 * |x k| with k = ones.
  const d = new layers.Dense(2, {
    kernelInitializer: "ones",
    useBias: false,
    activityRegularizer: new regularizers.L1(0.1),
    dtype: "float64",
  });
  const xin = tf.constant([[1, 2]], "float64");
  const tape = new tf.GradientTape();
  tape.watch(xin);
  const loss = tape.record(() => {
    d.apply(xin);
    return sum(d.losses);
  });
  close(tape.gradient(loss, xin) as tf.Tensor, [0.2, 0.2], 1e-12);
  // A non-scalar loss is summed; an integer one is refused.
  d.addLoss(tf.constant([1, 2], "float64"));
  assert.equal(d.losses[d.losses.length - 1].numpy(), 3);
  assert.throws(
    () => d.addLoss(tf.constant([1, 2], "int32")),
    /Layer '.*'.addLoss: a loss must be a floating tensor, got dtype int32/,
  );
});

test("constraints: MaxNorm, NonNeg, UnitNorm, MinMaxNorm against their formulas", () => {
  const w = tf.constant(
    [
      [3, 0.6],
      [4, -0.8],
    ],
    "float64",
  );
  // Column norms (axis 0): 5 and 1.
  const eps = 1e-7;
  close(
    new constraints.MaxNorm(2).call(w),
    [3 * (2 / (5 + eps)), 0.6 / (1 + eps), 4 * (2 / (5 + eps)), -0.8 / (1 + eps)],
    1e-12,
  );
  // axis 1: row norms sqrt(9.36) and sqrt(16.64).
  const rows = [Math.sqrt(9.36), Math.sqrt(16.64)];
  close(
    new constraints.MaxNorm(3, { axis: 1 }).call(w),
    [3, 0.6, 4, -0.8].map((v, i) => (v * Math.min(rows[i >> 1], 3)) / (rows[i >> 1] + eps)),
    1e-12,
  );
  close(new constraints.NonNeg().call(w), [3, 0.6, 4, 0], 0);
  close(
    new constraints.UnitNorm().call(w),
    [3 / (5 + eps), 0.6 / (1 + eps), 4 / (5 + eps), -0.8 / (1 + eps)],
    1e-12,
  );
  // MinMaxNorm: desired = rate * clip(n, 2, 4) + (1 - rate) * n; n = 5 -> 0.5*4 + 0.5*5 = 4.5, n = 1 -> 0.5*2 + 0.5 = 1.5.
  const mm = new constraints.MinMaxNorm({ minValue: 2, maxValue: 4, rate: 0.5 });
  close(
    mm.call(w),
    [
      (3 * 4.5) / (5 + eps),
      (0.6 * 1.5) / (1 + eps),
      (4 * 4.5) / (5 + eps),
      (-0.8 * 1.5) / (1 + eps),
    ],
    1e-12,
  );
  assert.ok(constraints.get("max_norm") instanceof constraints.MaxNorm);
  assert.ok(constraints.get("non_neg") instanceof constraints.NonNeg);
  assert.equal(
    (
      constraints.get({
        class_name: "MaxNorm",
        config: { max_value: 3, axis: 1 },
      }) as tf.keras.constraints.MaxNorm
    ).maxValue,
    3,
  );
  assert.deepEqual(new constraints.MinMaxNorm().getConfig(), {
    min_value: 0,
    max_value: 1,
    rate: 1,
    axis: 0,
  });
});

test("constraints are applied by the optimizer after each update (Dense kernelConstraint, Variable constraint)", () => {
  const d = new layers.Dense(1, {
    kernelInitializer: "ones",
    biasInitializer: "zeros",
    kernelConstraint: new constraints.NonNeg(),
    biasConstraint: new constraints.MaxNorm(0.5),
    dtype: "float64",
  });
  const x = tf.constant([[1, 2]], "float64");
  d.apply(x);
  const tape = new tf.GradientTape();
  const y = tape.record(() => tf.reduceSum(d.apply(x)));
  const grads = tape.gradient(y, d.trainableWeights);
  // SGD(1): kernel 1 - [1, 2] = [0, -1] -> NonNeg [0, 0]; bias 0 - 1 = -1 -> max norm 0.5.
  const opt = new optimizers.SGD(1);
  opt.applyGradients(grads.map((g, i) => [g, d.trainableWeights[i]]));
  close(d.kernel, [0, 0], 0);
  close(d.bias as tf.Variable, [-0.5 / (1 + 1e-7)], 1e-12);
  assert.equal(typeof d.kernel.constraint, "function");

  // Any variable with a constraint, any optimizer; a traced step too.
  const v = new tf.Variable([0.5, -0.5], {
    name: "v",
    constraint: (t) => tf.clipByValue(t, -1, 1),
  });
  const adam = new optimizers.Adam(1);
  const step = tf.function(() => adam.applyGradients([[tf.constant([-1, 1]), v]]));
  for (let i = 0; i < 4; i++) step();
  close(v, [1, -1], 1e-6);
  assert.throws(
    () =>
      new tf.Variable(1, { constraint: 3 as unknown as tf.keras.constraints.Constraint["call"] }),
    /Variable: constraint must be a function/,
  );
});

test("bad constraint arguments", () => {
  assert.throws(
    () => new constraints.MaxNorm(-1),
    /MaxNorm: maxValue must be a finite number >= 0/,
  );
  assert.throws(
    () => new constraints.MinMaxNorm({ minValue: 2, maxValue: 1 }),
    /MinMaxNorm: minValue \(2\) must not exceed maxValue \(1\)/,
  );
  assert.throws(() => new constraints.UnitNorm({ axis: 0.5 }), /UnitNorm: axis must be an integer/);
  assert.throws(
    () => new constraints.MaxNorm(2, { axis: 2 }).call(tf.ones([2, 2])),
    /MaxNorm: axis 2 is out of range for a weight of rank 2 \(shape \[2, 2\]\)/,
  );
  assert.throws(
    () => new constraints.NonNeg().call(tf.constant([1], "int32")),
    /NonNeg: expected a floating weight/,
  );
  assert.throws(
    () => constraints.get("positive"),
    /constraints.get: Could not interpret constraint identifier: "positive"/,
  );
  assert.throws(
    () => new layers.Dense(1, { kernelConstraint: "nonneg" }),
    /Could not interpret constraint identifier/,
  );
});
