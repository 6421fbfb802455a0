/**
 * tf.keras.optimizers RMSprop, Adagrad, AdamW, Adamax, Nadam (and Adam with amsgrad): three
 * updates of two float64 variables against Keras 3's formulas written out here by hand;
 * `optimizer.variables` in Keras 3's order and names; the learning rate as a settable variable
 * (also inside tf.function); `get` by name; bad arguments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { optimizers } = tf.keras;

// Three steps of gradients for two variables a [3] and b [2]; learning rates are powers of two
// so that the float32 learning_rate variable holds them exactly.
const A0 = [1, -2, 0.5];
const B0 = [0.3, -0.7];
const GA = [
  [0.5, -1, 2],
  [0.1, 0.3, -0.7],
  [-0.2, 0.4, 1.5],
];
const GB = [
  [1.5, -0.25],
  [-0.5, 0.75],
  [0.125, 2],
];

/** Runs three applyGradients on float64 variables a and b; their values after each step. */
function run(opt: tf.keras.optimizers.Optimizer): { a: number[][]; b: number[][] } {
  const a = new tf.Variable(tf.constant(A0, "float64"), { name: "a" });
  const b = new tf.Variable(tf.constant(B0, "float64"), { name: "b" });
  const out = { a: [] as number[][], b: [] as number[][] };
  for (let t = 0; t < 3; t++) {
    opt.applyGradients([
      [tf.constant(GA[t], "float64"), a],
      [tf.constant(GB[t], "float64"), b],
    ]);
    out.a.push(flat(a));
    out.b.push(flat(b));
  }
  return out;
}

/**
 * The reference: `step(w, g, t, state)` updates one element in place (t = 1, 2, 3) and keeps
 * its slots in `state`; `before(t)` runs once per step first (Nadam's u_product).
 */
function reference(
  step: (w: number, g: number, t: number, s: Record<string, number>) => number,
  init: () => Record<string, number>,
): { a: number[][]; b: number[][] } {
  const out = { a: [] as number[][], b: [] as number[][] };
  for (const [key, w0, gs] of [
    ["a", A0, GA],
    ["b", B0, GB],
  ] as const) {
    const w = w0.slice();
    const states = w.map(() => init());
    for (let t = 1; t <= 3; t++) {
      for (let i = 0; i < w.length; i++) w[i] = step(w[i], gs[t - 1][i], t, states[i]);
      out[key].push(w.slice());
    }
  }
  return out;
}

function expectSame(got: { a: number[][]; b: number[][] }, want: { a: number[][]; b: number[][] }) {
  for (let t = 0; t < 3; t++) {
    close(got.a[t], want.a[t], 1e-12);
    close(got.b[t], want.b[t], 1e-12);
  }
}

test("RMSprop: plain, with momentum, centered, as Keras 3 updates them (float64, 3 steps)", () => {
  const lr = 0.125;
  const eps = 1e-7;
  for (const [momentum, centered] of [
    [0, false],
    [0.5, false],
    [0, true],
    [0.75, true],
  ] as const) {
    const rho = 0.8;
    const want = reference(
      (w, g, _t, s) => {
        s.v = rho * s.v + (1 - rho) * g * g;
        let denom = s.v + eps;
        if (centered) {
          s.a = rho * s.a + (1 - rho) * g;
          denom = s.v - s.a * s.a + eps;
        }
        const inc = (lr * g) / Math.sqrt(denom);
        if (momentum > 0) {
          s.p = momentum * s.p + inc;
          return w - s.p;
        }
        return w - inc;
      },
      () => ({ v: 0, a: 0, p: 0 }),
    );
    const opt = new optimizers.RMSprop(lr, { rho, momentum, centered });
    expectSame(run(opt), want);
  }
  const d = new optimizers.RMSprop();
  assert.deepEqual(
    [d.learningRate, d.rho, d.momentum, d.epsilon, d.centered, d.name],
    [0.001, 0.9, 0, 1e-7, false, "rmsprop"],
  );
});

test("Adagrad: acc = initialAccumulatorValue + sum g^2, w -= lr g / sqrt(acc + eps)", () => {
  for (const init of [0.1, 0.5]) {
    const lr = 0.25;
    const want = reference(
      (w, g, _t, s) => {
        s.acc += g * g;
        return w - (lr * g) / Math.sqrt(s.acc + 1e-7);
      },
      () => ({ acc: init }),
    );
    const opt = new optimizers.Adagrad({ learningRate: lr, initialAccumulatorValue: init });
    expectSame(run(opt), want);
    // The accumulator slot starts at the initial value, not zero.
    close(
      opt.variables[2],
      [init + 0.25 + 0.01 + 0.04, init + 1 + 0.09 + 0.16, init + 4 + 0.49 + 2.25],
      1e-12,
    );
  }
  const d = new optimizers.Adagrad();
  assert.deepEqual(
    [d.learningRate, d.initialAccumulatorValue, d.epsilon, d.name],
    [0.001, 0.1, 1e-7, "adagrad"],
  );
});

/** Keras's Adam step for one element at step t. */
function adamStep(lr: number, b1: number, b2: number, eps: number, amsgrad = false) {
  return (w: number, g: number, t: number, s: Record<string, number>): number => {
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    s.m += (g - s.m) * (1 - b1);
    s.v += (g * g - s.v) * (1 - b2);
    s.vhat = Math.max(s.vhat, s.v);
    return w - (alpha * s.m) / (Math.sqrt(amsgrad ? s.vhat : s.v) + eps);
  };
}

test("Adam with amsgrad, and AdamW: w -= w * weightDecay * lr before Adam's step", () => {
  const lr = 0.125;
  const init = () => ({ m: 0, v: 0, vhat: 0 });
  expectSame(
    run(new optimizers.Adam(lr, { beta1: 0.8, beta2: 0.9, amsgrad: true })),
    reference(adamStep(lr, 0.8, 0.9, 1e-7, true), init),
  );
  // amsgrad differs from plain Adam here (v shrinks on b's second element at step 3).
  const plain = reference(adamStep(lr, 0.8, 0.9, 1e-7), init);
  const ams = reference(adamStep(lr, 0.8, 0.9, 1e-7, true), init);
  assert.notDeepEqual(plain.a[2], ams.a[2]);

  for (const wd of [0.004, 0.5]) {
    const adam = adamStep(lr, 0.9, 0.999, 1e-7);
    const want = reference((w, g, t, s) => adam(w - w * wd * lr, g, t, s), init);
    const opt =
      wd === 0.004
        ? new optimizers.AdamW(lr)
        : new optimizers.AdamW({ learningRate: lr, weightDecay: wd });
    assert.equal(opt.weightDecay, wd);
    expectSame(run(opt), want);
  }
  assert.equal(new optimizers.AdamW().name, "adamw");
  assert.throws(
    () => new optimizers.AdamW({ weightDecay: null }),
    /AdamW: Argument `weightDecay` must be a number/,
  );
  // Weight decay is a base option: Adam with weightDecay equals AdamW.
  expectSame(
    run(new optimizers.Adam(lr, { weightDecay: 0.5 })),
    run(new optimizers.AdamW(lr, { weightDecay: 0.5 })),
  );
});

test("Adamax: m += (g - m)(1 - b1), u = max(b2 u, |g|), w -= lr m / ((1 - b1^t)(u + eps))", () => {
  const lr = 0.25;
  const [b1, b2, eps] = [0.8, 0.95, 1e-7];
  const want = reference(
    (w, g, t, s) => {
      s.m += (g - s.m) * (1 - b1);
      s.u = Math.max(b2 * s.u, Math.abs(g));
      return w - (lr * s.m) / ((1 - b1 ** t) * (s.u + eps));
    },
    () => ({ m: 0, u: 0 }),
  );
  expectSame(run(new optimizers.Adamax(lr, { beta1: b1, beta2: b2 })), want);
  assert.equal(new optimizers.Adamax().name, "adamax");
});

test("Nadam: Keras's momentum schedule u_t = b1 (1 - 0.5 * 0.96^t) and the u_product", () => {
  const lr = 0.125;
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const u = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
  // The product of u_1 .. u_t, shared by every element (one variable of the optimizer).
  const P = [1, u(1), u(1) * u(2), u(1) * u(2) * u(3)];
  const want = reference(
    (w, g, t, s) => {
      s.m += (g - s.m) * (1 - b1);
      s.v += (g * g - s.v) * (1 - b2);
      const mHat = (u(t + 1) * s.m) / (1 - P[t] * u(t + 1)) + ((1 - u(t)) * g) / (1 - P[t]);
      const vHat = s.v / (1 - b2 ** t);
      return w - (lr * mHat) / (Math.sqrt(vHat) + eps);
    },
    () => ({ m: 0, v: 0 }),
  );
  const opt = new optimizers.Nadam(lr);
  expectSame(run(opt), want);
  const vars = opt.variables;
  assert.equal(vars[vars.length - 1].name, "nadam/u_product:0");
  close(vars[vars.length - 1], [P[3]], 1e-12);
});

test("optimizer.variables: iteration, learning_rate, then the slots in Keras 3's order", () => {
  const orders: [tf.keras.optimizers.Optimizer, string[]][] = [
    [new optimizers.SGD(0.5, { momentum: 0.9 }), ["SGD/a_momentum:0", "SGD/b_momentum:0"]],
    [
      new optimizers.Adam(0.5, { amsgrad: true }),
      [
        "adam/a_momentum:0",
        "adam/a_velocity:0",
        "adam/b_momentum:0",
        "adam/b_velocity:0",
        "adam/a_velocity_hat:0",
        "adam/b_velocity_hat:0",
      ],
    ],
    [
      new optimizers.RMSprop(0.5, { momentum: 0.5, centered: true }),
      [
        "rmsprop/a_velocity:0",
        "rmsprop/b_velocity:0",
        "rmsprop/a_momentum:0",
        "rmsprop/b_momentum:0",
        "rmsprop/a_average_gradient:0",
        "rmsprop/b_average_gradient:0",
      ],
    ],
    [
      new optimizers.Adamax(0.5),
      ["adamax/a_momentum:0", "adamax/a_norm:0", "adamax/b_momentum:0", "adamax/b_norm:0"],
    ],
    [new optimizers.Adagrad(0.5), ["adagrad/a_accumulator:0", "adagrad/b_accumulator:0"]],
  ];
  for (const [opt, slots] of orders) {
    run(opt);
    const p = opt.name;
    assert.deepEqual(
      names(opt.variables),
      [`${p}/iteration:0`, `${p}/learning_rate:0`, ...slots],
      p,
    );
    for (const v of opt.variables) assert.equal(v.trainable, false);
    assert.equal(opt.variables[0].numpy(), 3);
    assert.equal(opt.variables[0].dtype, "int32");
    assert.equal(opt.variables[1].dtype, "float32");
    // Slots take the variable's dtype and shape.
    assert.equal(opt.variables[2].dtype, "float64");
  }
  // Slots are made for a layer's weights by their path: dense/kernel -> dense_kernel.
  const dense = new tf.keras.layers.Dense(2, { name: "dense_opt" });
  dense.build([null, 3]);
  const adam = new optimizers.Adam();
  adam.build(dense.trainableWeights);
  assert.deepEqual(names(adam.variables).slice(2), [
    "adam/dense_opt_kernel_momentum:0",
    "adam/dense_opt_kernel_velocity:0",
    "adam/dense_opt_bias_momentum:0",
    "adam/dense_opt_bias_velocity:0",
  ]);
  // Built on every variable of the first call, a variable without a gradient too.
  const c = new tf.Variable([1, 2], { name: "c" });
  const d = new tf.Variable([1], { name: "d" });
  const opt = new optimizers.Adam();
  tf.logging.capture(() =>
    opt.applyGradients([
      [null, c],
      [tf.constant([1]), d],
    ]),
  );
  assert.deepEqual(names(opt.variables).slice(2), [
    "adam/c_momentum:0",
    "adam/c_velocity:0",
    "adam/d_momentum:0",
    "adam/d_velocity:0",
  ]);
  // A variable met later gets its slots after the others.
  const e = new tf.Variable(1, { name: "e" });
  opt.applyGradients([[tf.constant(1), e]]);
  assert.deepEqual(names(opt.variables).slice(6), ["adam/e_momentum:0", "adam/e_velocity:0"]);
});

test("learningRate: a number read and set through the learning_rate variable, also by a traced step", () => {
  const w = new tf.Variable([1, 2], { name: "w" });
  const opt = new optimizers.SGD(0.1);
  assert.equal(opt.learningRate, 0.1, "the number given, though the variable is float32");
  close(opt.variables[1], [Math.fround(0.1)], 0);
  opt.learningRate = 0.5;
  assert.equal(opt.learningRate, 0.5);
  opt.applyGradients([[tf.constant([1, 1]), w]]);
  close(w, [0.5, 1.5]);
  // Assigning the variable directly (a loaded weights file) is seen too.
  opt.variables[1].assign(0.25);
  assert.equal(opt.learningRate, 0.25);

  // A traced step reads the variable when it runs: no retrace, the new rate applies.
  const v = new tf.Variable([0, 0], { name: "v" });
  const sgd = new optimizers.SGD(0.5);
  const step = tf.function(() => {
    sgd.applyGradients([[tf.constant([1, 2]), v]]);
    return v.value();
  });
  step();
  close(v, [-0.5, -1]);
  sgd.learningRate = 0.25;
  step();
  close(v, [-0.75, -1.5]);
  assert.equal(step.tracingCount, 1);

  // A schedule replaces the rate (the variable leaves `variables`); the getter gives its value
  // at the current step.
  const s = new optimizers.SGD(0.5);
  s.learningRate = (step) => tf.divide(1, tf.add(step, 1));
  assert.deepEqual(names(s.variables), ["SGD/iteration:0"]);
  assert.equal(s.learningRate, 1);
  s.applyGradients([[tf.constant([1, 1]), w]]);
  assert.equal(s.learningRate, 0.5);
  // Back to a number: the variable returns, after the step count.
  s.learningRate = 0.125;
  assert.deepEqual(names(s.variables), ["SGD/iteration:0", "SGD/learning_rate:0"]);

  const sched = new optimizers.SGD(new optimizers.schedules.ExponentialDecay(0.5, 1, 0.5));
  assert.throws(
    () => (sched.learningRate = 0.1),
    /created with a `LearningRateSchedule`.*not settable/,
  );
  assert.throws(() => (opt.learningRate = -1), RangeError);
  assert.throws(() => (opt.learningRate = Infinity), /learningRate must be finite/);
  assert.throws(
    () => new optimizers.Adam({ learningRate: "fast" as unknown as number }),
    /learningRate must be a number, a function of the step or a LearningRateSchedule/,
  );
});

test("optimizers.get: names as compile() takes them, instances, configs", () => {
  const cases: [string, string, string][] = [
    ["sgd", "SGD", "SGD"],
    ["SGD", "SGD", "SGD"],
    ["adam", "Adam", "adam"],
    ["Adam", "Adam", "adam"],
    ["adamw", "AdamW", "adamw"],
    ["rmsprop", "RMSprop", "rmsprop"],
    ["adagrad", "Adagrad", "adagrad"],
    ["adamax", "Adamax", "adamax"],
    ["nadam", "Nadam", "nadam"],
  ];
  for (const [id, cls, name] of cases) {
    const o = optimizers.get(id);
    assert.equal(o.constructor.name, cls, id);
    assert.equal(o.name, name, id);
  }
  const a = new optimizers.Adam();
  assert.equal(optimizers.get(a), a);
  assert.notEqual(optimizers.get("adam"), optimizers.get("adam"), "a new one each time");
  const c = optimizers.get({ className: "RMSprop", config: { learningRate: 0.01, rho: 0.5 } });
  assert.ok(c instanceof optimizers.RMSprop);
  assert.equal(c.learningRate, 0.01);
  assert.equal(c.rho, 0.5);
  assert.throws(
    () => optimizers.get("adadelta"),
    /optimizers.get: Could not interpret optimizer identifier: "adadelta" \(known: SGD, sgd, Adam, adam/,
  );
  assert.throws(
    () => optimizers.get(3 as unknown as string),
    /Could not interpret optimizer identifier: 3/,
  );
  assert.equal(optimizers.get("adam").getConfig().beta_1, 0.9);
});

test("bad optimizer arguments name the optimizer and the argument", () => {
  assert.throws(
    () => new optimizers.RMSprop({ rho: 1.5 }),
    /RMSprop: rho must be a number in \[0, 1\], got 1.5/,
  );
  assert.throws(
    () => new optimizers.Adagrad({ initialAccumulatorValue: -1 }),
    /Adagrad: initialAccumulatorValue must be a number in \[0, Infinity\]/,
  );
  assert.throws(
    () => new optimizers.Adam({ lr: 0.1 } as unknown as tf.keras.optimizers.AdamOptions),
    /Adam: Argument\(s\) not recognized: 'lr'/,
  );
  assert.throws(() => new optimizers.Nadam({ beta1: -0.1 }), RangeError);
  assert.throws(() => new optimizers.SGD({ weightDecay: -1 }), /SGD: weightDecay must be a number/);
  assert.throws(
    () => new optimizers.SGD(0.1, 5 as unknown as tf.keras.optimizers.SGDOptions),
    /SGD: options must be an object/,
  );
  const i = new tf.Variable([1, 2], { dtype: "int32", name: "i" });
  assert.throws(
    () => new optimizers.SGD().applyGradients([[tf.constant([1, 1], "int32"), i]]),
    /SGD.applyGradients: variable 'i:0' has dtype int32; only floating variables can be trained/,
  );
  assert.throws(
    () => new optimizers.SGD().applyGradients(5 as unknown as []),
    /expected an iterable of \[gradient, variable\] pairs/,
  );
});

test("getConfig in Keras's names, and get({class_name, config}) rebuilds the optimizer", () => {
  const opts = [
    new optimizers.SGD(0.5, { momentum: 0.9, nesterov: true, clipnorm: 1 }),
    new optimizers.Adam(0.25, { beta1: 0.8, amsgrad: true, weightDecay: 0.1 }),
    new optimizers.AdamW({ learningRate: 0.125, globalClipnorm: 2 }),
    new optimizers.RMSprop(0.5, { rho: 0.7, momentum: 0.2, centered: true, clipvalue: 3 }),
    new optimizers.Adagrad(0.5, { initialAccumulatorValue: 0.3, epsilon: 1e-6 }),
    new optimizers.Adamax(0.5, { beta2: 0.9 }),
    new optimizers.Nadam(
      new optimizers.schedules.CosineDecay(0.1, 100, { warmupTarget: 1, warmupSteps: 10 }),
    ),
  ];
  for (const opt of opts) {
    const config = opt.getConfig();
    const again = optimizers.get({ class_name: opt.constructor.name, config });
    assert.equal(again.constructor, opt.constructor);
    assert.deepEqual(again.getConfig(), config, opt.name);
  }
  assert.deepEqual(opts[3].getConfig(), {
    name: "rmsprop",
    learning_rate: 0.5,
    weight_decay: null,
    clipnorm: null,
    global_clipnorm: null,
    clipvalue: 3,
    use_ema: false,
    ema_momentum: 0.99,
    ema_overwrite_frequency: null,
    loss_scale_factor: null,
    gradient_accumulation_steps: null,
    rho: 0.7,
    momentum: 0.2,
    epsilon: 1e-7,
    centered: true,
  });
  assert.throws(
    () => optimizers.get({ class_name: "Adam", config: { use_ema: true } }),
    /optimizers.get: 'use_ema' = true is not supported by tapeflow's Adam/,
  );
  assert.throws(
    () =>
      optimizers.get({
        class_name: "SGD",
        config: { learning_rate: { class_name: "Nope", config: {} } },
      }),
    /schedules.deserialize: unknown schedule class 'Nope'/,
  );
});
