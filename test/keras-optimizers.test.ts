/**
 * tf.keras.optimizers: SGD (momentum, Nesterov) and Adam updates by hand, applyGradients and
 * minimize, training a Dense to a line, Variable.assignAdd / assignSub, the iterations
 * variable and learning-rate schedules, and training steps traced by tf.function.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { randomTensor } from "./helpers/gradcheck.js";

const { layers, optimizers } = tf.keras;

function twoSteps(opt: tf.keras.optimizers.Optimizer): number[][] {
  const w = new tf.Variable([1, -2], { name: "w" });
  const out: number[][] = [];
  for (const g of [
    [0.5, -1],
    [0.1, 0.3],
  ]) {
    opt.applyGradients([[tf.constant(g), w]]);
    out.push(flat(w));
  }
  return out;
}

test("SGD: w - lr g; momentum and Nesterov as Keras updates them, by hand for two steps", () => {
  const g1 = [0.5, -1];
  const g2 = [0.1, 0.3];
  const plain = twoSteps(new optimizers.SGD({ learningRate: 0.1 }));
  close(plain[0], [1 - 0.05, -2 + 0.1]);
  close(plain[1], [1 - 0.05 - 0.01, -2 + 0.1 - 0.03]);

  // v1 = -lr g1; w1 = w0 + v1; v2 = m v1 - lr g2; w2 = w1 + v2.
  const mom = twoSteps(new optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }));
  const v1 = g1.map((g) => -0.1 * g);
  const w1 = [1 + v1[0], -2 + v1[1]];
  const v2 = v1.map((v, i) => 0.9 * v - 0.1 * g2[i]);
  close(mom[0], w1);
  close(
    mom[1],
    w1.map((w, i) => w + v2[i]),
  );

  // Nesterov: w <- w + m v - lr g with the new v.
  const nes = twoSteps(new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }));
  const n1 = [0, 1].map((i) => [1, -2][i] + 0.9 * v1[i] - 0.1 * g1[i]);
  close(nes[0], n1);
  close(
    nes[1],
    n1.map((w, i) => w + 0.9 * v2[i] - 0.1 * g2[i]),
  );

  const sgd = new optimizers.SGD();
  assert.equal(sgd.learningRate, 0.01);
  assert.equal(sgd.iterations, 0);
  assert.throws(() => new optimizers.SGD({ momentum: 2 }), /momentum must be a number in \[0, 1\]/);
});

test("Adam: Keras's update by hand for two steps", () => {
  const lr = 0.1;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-7;
  const grads = [
    [0.5, -1],
    [0.1, 0.3],
  ];
  const w = [1, -2];
  const m = [0, 0];
  const v = [0, 0];
  const expected: number[][] = [];
  for (let t = 1; t <= 2; t++) {
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < 2; i++) {
      const g = grads[t - 1][i];
      m[i] += (g - m[i]) * (1 - b1);
      v[i] += (g * g - v[i]) * (1 - b2);
      w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + eps);
    }
    expected.push(w.slice());
  }
  const opt = new optimizers.Adam({ learningRate: lr });
  const got = twoSteps(opt);
  close(got[0], expected[0]);
  close(got[1], expected[1]);
  assert.equal(opt.iterations, 2);
  // Keras 3's order and names: the step, the rate, then each variable's momentum and velocity.
  assert.deepEqual(names(opt.variables), [
    "adam/iteration:0",
    "adam/learning_rate:0",
    "adam/w_momentum:0",
    "adam/w_velocity:0",
  ]);
  // Step 1 moves each weight by about lr, whatever the gradient's size.
  close(got[0], [0.9, -1.9], 1e-4);
  const defaults = new optimizers.Adam();
  assert.deepEqual(
    [defaults.learningRate, defaults.beta1, defaults.beta2, defaults.epsilon],
    [0.001, 0.9, 0.999, 1e-7],
  );
});

test("applyGradients skips null gradients with Keras's warning; all null throws", () => {
  const a = new tf.Variable(1, { name: "a" });
  const b = new tf.Variable(2, { name: "b" });
  const opt = new optimizers.SGD({ learningRate: 0.5 });
  const { messages } = tf.logging.capture(() =>
    opt.applyGradients([
      [tf.constant(2), a],
      [null, b],
    ]),
  );
  assert.equal(a.numpy(), 0);
  assert.equal(b.numpy(), 2);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0],
    /Gradients do not exist for variables \['b:0'\] when minimizing the loss/,
  );
  assert.throws(
    () => opt.applyGradients([[null, a]]),
    /No gradients provided for any variable: \('a:0'\)/,
  );
  assert.throws(
    () => opt.applyGradients([[tf.constant([1, 2]), a]]),
    /gradient of 'a:0' has shape \[2\], the variable \[\]/,
  );
});

test("training: SGD and Adam fit y = 2x - 1 with a Dense(1), loss going down", () => {
  const x = tf.constant([[-1], [0], [1], [2], [3]]);
  const y = tf.constant([[-3], [-1], [1], [3], [5]]);
  const mse = new tf.keras.losses.MeanSquaredError();
  for (const opt of [
    new optimizers.SGD({ learningRate: 0.05 }),
    new optimizers.Adam({ learningRate: 0.1 }),
  ]) {
    const layer = new layers.Dense(1, {
      kernelInitializer: new tf.keras.initializers.RandomUniform({ seed: 1 }),
    });
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const tape = new tf.GradientTape();
      const loss = tape.record(() => mse.call(y, layer.apply(x)));
      const grads = tape.gradient(loss, layer.trainableVariables);
      opt.applyGradients(grads.map((g, i) => [g, layer.trainableVariables[i]]));
      losses.push(loss.numpy() as number);
    }
    assert.ok(losses[199] < losses[0] / 100, `${opt.name}: ${losses[0]} -> ${losses[199]}`);
    close(layer.kernel, [2], 0.05);
    close(layer.bias as tf.Variable, [-1], 0.05);
  }
});

test("minimize, and updates inside a recording tape are not recorded", () => {
  const w = new tf.Variable(3, { name: "w" });
  const opt = new optimizers.SGD({ learningRate: 0.25 });
  // d/dw w^2 = 6 -> 3 - 0.25 * 6 = 1.5
  const loss = opt.minimize(() => w.square(), [w]);
  assert.equal(loss.numpy(), 9);
  assert.equal(w.numpy(), 1.5);
  // A step taken while a tape records: the tape sees only the read before it.
  const tape = new tf.GradientTape({ persistent: true });
  const y = tape.record(() => {
    const y0 = w.mul(2);
    opt.applyGradients([[tf.constant(1), w]]);
    return y0;
  });
  assert.equal(w.numpy(), 1.25);
  assert.equal(tape.gradient(y, w)?.numpy(), 2);
});

test("Variable.assignAdd / assignSub: in place, same shape, stop gradients", () => {
  const v = new tf.Variable([1, 2], { name: "v" });
  assert.equal(v.assignAdd([10, 20]), v);
  assert.deepEqual(v.numpy(), [11, 22]);
  v.assignSub(tf.constant([1, 2]));
  assert.deepEqual(v.numpy(), [10, 20]);
  assert.throws(
    () => v.assignAdd(1),
    /cannot update variable 'v:0' with shape \[2\] using a tensor with shape \[\]/,
  );
  assert.throws(() => v.assignAdd(tf.constant([1, 2], "float64")), /dtype float64/);
  const x = new tf.Variable(3);
  const tape = new tf.GradientTape();
  const y = tape.record(() => {
    x.assignAdd(1); // state stops gradients
    return x.mul(x);
  });
  assert.equal(x.numpy(), 4);
  assert.equal(tape.gradient(y, x)?.numpy(), 8);
});

test("iterations is a non-trainable int32 variable advanced by assignAdd; schedules get it as a tensor", () => {
  const w = new tf.Variable([1, -2], { name: "w" });
  const steps: number[] = [];
  // lr = 0.1 (step + 1): 0.1 on the first update, 0.2 on the second.
  const opt = new optimizers.SGD({
    learningRate: (step) => {
      steps.push(step.numpy() as number);
      return tf.add(step, 1).mul(0.1);
    },
  });
  const it = opt.iterationsVariable;
  assert.equal(it.name, "SGD/iteration:0");
  assert.equal(it.dtype, "int32");
  assert.equal(it.trainable, false);
  assert.equal(opt.applyGradients([[tf.constant([1, 1]), w]]), 1);
  assert.equal(opt.applyGradients([[tf.constant([1, 1]), w]]), 2);
  assert.deepEqual(steps, [0, 1]);
  assert.equal(opt.iterations, 2);
  assert.equal(it.numpy(), 2);
  close(w, [1 - 0.1 - 0.2, -2 - 0.1 - 0.2]);
  // With a schedule there is no learning_rate variable, and plain SGD has no slots.
  assert.deepEqual(names(opt.variables), ["SGD/iteration:0"]);
  assert.throws(
    () =>
      new optimizers.SGD({ learningRate: () => tf.constant([1, 2]) }).applyGradients([
        [tf.constant([1, 1]), w],
      ]),
    /SGD: a learning-rate schedule must give a number or a floating scalar tensor, got .*\[2\]/,
  );
});

test("an Adam training step through tf.function trains exactly as the eager one", () => {
  const data = [0, 1, 2, 3, 4, 5].map((i): [tf.Tensor, tf.Tensor] => [
    tf.cast(randomTensor([5, 3], 40 + i), "float32"),
    tf.cast(randomTensor([5, 2], 60 + i), "float32"),
  ]);
  const configs: [string, () => tf.keras.optimizers.Optimizer][] = [
    ["Adam", () => new optimizers.Adam({ learningRate: 0.05 })],
    ["Adam, amsgrad", () => new optimizers.Adam({ learningRate: 0.05, amsgrad: true })],
    [
      "Adam, decaying rate",
      () => new optimizers.Adam({ learningRate: (step) => tf.multiply(0.05, tf.pow(0.8, step)) }),
    ],
    [
      "SGD, momentum, decaying rate",
      () => new optimizers.SGD({ learningRate: (s) => tf.divide(0.1, s.add(1)), momentum: 0.9 }),
    ],
  ];
  for (const [what, makeOpt] of configs) {
    const make = () => {
      const w = new tf.Variable(
        [
          [0.5, -0.3],
          [0.1, 0.8],
          [-0.4, 0.2],
        ],
        { name: "w" },
      );
      const b = new tf.Variable([0.1, -0.1], { name: "b" });
      const opt = makeOpt();
      const step = (x: tf.Tensor, y: tf.Tensor) => {
        const tape = new tf.GradientTape();
        const loss = tape.record(() => tf.reduceMean(tf.square(tf.matmul(x, w).add(b).sub(y))));
        const grads = tape.gradient(loss, [w, b]);
        opt.applyGradients([
          [grads[0], w],
          [grads[1], b],
        ]);
        return loss;
      };
      return { step, vars: [w, b], opt };
    };
    const eager = make();
    const graph = make();
    const f = tf.function(graph.step);
    for (const [x, y] of data) close(f(x, y), [eager.step(x, y).numpy() as number], 1e-6);
    eager.vars.forEach((v, i) => close(graph.vars[i], flat(v), 1e-6));
    assert.equal(f.tracingCount, 1, what);
    assert.equal(graph.opt.iterations, data.length, what);
    assert.equal(eager.opt.iterations, data.length, what);
    // The step count is read and advanced by the graph itself.
    const g = String(f.getConcreteFunction(...data[0]).graph);
    assert.match(g, /Variable\('\w+\/iteration:0'\)/, what);
  }
});
