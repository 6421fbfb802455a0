/**
 * Gradient clipping (clipnorm, clipvalue, globalClipnorm) and weight decay on every optimizer,
 * as Keras 3 applies them; tf.keras.optimizers.schedules against their formulas at several
 * steps, inside an optimizer and a traced training step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { optimizers } = tf.keras;
const { schedules } = optimizers;

/** One SGD(lr 1) step on float64 variables from zero: the variables are minus the (clipped) gradients. */
function clipped(options: tf.keras.optimizers.SGDOptions, grads: number[][]): number[][] {
  const vars = grads.map(
    (g, i) => new tf.Variable(tf.zeros([g.length], "float64"), { name: `v${i}` }),
  );
  new optimizers.SGD(1, options).applyGradients(
    grads.map((g, i) => [tf.constant(g, "float64"), vars[i]]),
  );
  return vars.map((v) => flat(v).map((x) => -x));
}

test("clipnorm clips each gradient to that L2 norm; smaller ones pass unchanged", () => {
  const out = clipped({ clipnorm: 1 }, [
    [3, 4],
    [0.3, 0.4],
    [0, 0],
  ]);
  close(out[0], [0.6, 0.8], 1e-12);
  close(out[1], [0.3, 0.4], 1e-12);
  close(out[2], [0, 0], 1e-12);
});

test("clipvalue clips each element to [-clipvalue, clipvalue]", () => {
  close(clipped({ clipvalue: 0.5 }, [[3, -0.2, -4, 0.5]])[0], [0.5, -0.2, -0.5, 0.5], 1e-12);
});

test("globalClipnorm scales all gradients by clipnorm / their global norm, when above it", () => {
  // Global norm sqrt(9 + 16 + 144) = 13.
  const out = clipped({ globalClipnorm: 1 }, [[3, 4], [12]]);
  close(out[0], [3 / 13, 4 / 13], 1e-12);
  close(out[1], [12 / 13], 1e-12);
  const small = clipped({ globalClipnorm: 20 }, [[3, 4], [12]]);
  close(small[0], [3, 4], 1e-12);
  close(small[1], [12], 1e-12);
  // A non-finite global norm makes every gradient NaN, as Keras (so the update is visibly bad).
  const bad = clipped({ globalClipnorm: 1 }, [[Infinity, 1], [2]]);
  assert.ok(
    bad.flat().every((x) => Number.isNaN(x)),
    String(bad),
  );
});

test("clipping comes before the optimizer's rule (Adam sees the clipped gradient)", () => {
  const run = (options: tf.keras.optimizers.AdamOptions, grads: number[][]) => {
    const v = new tf.Variable(tf.constant([1, 1], "float64"), { name: "w" });
    const opt = new optimizers.Adam(0.125, options);
    for (const g of grads) opt.applyGradients([[tf.constant(g, "float64"), v]]);
    return flat(v);
  };
  // Norms 5 and 2.5 clipped to 0.5; the third (norm 0.25) passes.
  close(
    run({ clipnorm: 0.5 }, [
      [3, 4],
      [1.5, 2],
      [0.15, 0.2],
    ]),
    run({}, [
      [0.3, 0.4],
      [0.3, 0.4],
      [0.15, 0.2],
    ]),
    1e-12,
  );
  close(
    run({ clipvalue: 1 }, [
      [3, -0.5],
      [-2, 0.25],
    ]),
    run({}, [
      [1, -0.5],
      [-1, 0.25],
    ]),
    1e-12,
  );
  assert.notDeepEqual(
    run({}, [[3, 4]]),
    run({}, [
      [0.3, 0.4],
      [0.3, 0.4],
    ]),
  );
});

test("clipping arguments: one at most, positive numbers", () => {
  assert.throws(
    () => new optimizers.Adam({ clipnorm: 1, clipvalue: 1 }),
    /Adam: Only one of `clipnorm`, `clipvalue` and `globalClipnorm` can be set/,
  );
  assert.throws(
    () => new optimizers.SGD({ clipnorm: -1 }),
    /SGD: clipnorm must be a positive number/,
  );
  assert.throws(() => new optimizers.RMSprop({ globalClipnorm: 0 }), RangeError);
  assert.throws(
    () => new optimizers.Adagrad({ clipvalue: "1" as unknown as number }),
    /Adagrad: clipvalue must be a positive number/,
  );
  const o = new optimizers.Nadam({ globalClipnorm: 2 });
  assert.deepEqual([o.clipnorm, o.clipvalue, o.globalClipnorm], [null, null, 2]);
  assert.equal(o.getConfig().global_clipnorm, 2);
});

test("weightDecay on any optimizer: w -= w * wd * lr first; excludeFromWeightDecay by variable or name", () => {
  const a = new tf.Variable(tf.constant([2, -4], "float64"), { name: "kernel" });
  const b = new tf.Variable(tf.constant([2, -4], "float64"), { name: "bias" });
  const c = new tf.Variable(tf.constant([2, -4], "float64"), { name: "other" });
  const opt = new optimizers.SGD(0.5, { weightDecay: 0.25, momentum: 0.5 });
  opt.excludeFromWeightDecay([c], ["bias"]);
  const g = () => tf.constant([1, 1], "float64");
  opt.applyGradients([
    [g(), a],
    [g(), b],
    [g(), c],
  ]);
  // Decay: 2 - 2 * 0.25 * 0.5 = 1.75; then momentum SGD's first step -lr g = -0.5.
  close(a, [1.75 - 0.5, -3.5 - 0.5], 1e-12);
  close(b, [1.5, -4.5], 1e-12);
  close(c, [1.5, -4.5], 1e-12);
  assert.throws(
    () => opt.excludeFromWeightDecay([a]),
    /can only be configured before the optimizer is built/,
  );
});

const STEPS = [0, 1, 3, 10, 25, 100];

function values(s: tf.keras.optimizers.schedules.LearningRateSchedule, steps = STEPS): number[] {
  return steps.map((t) => {
    const r = s.call(t);
    assert.equal(r.dtype, "float32");
    assert.deepEqual(r.shape, []);
    return r.numpy() as number;
  });
}

test("ExponentialDecay and InverseTimeDecay, continuous and staircase", () => {
  close(
    values(new schedules.ExponentialDecay(0.1, 10, 0.5)),
    STEPS.map((t) => 0.1 * 0.5 ** (t / 10)),
    1e-6,
  );
  close(
    values(new schedules.ExponentialDecay(0.1, 10, 0.5, { staircase: true })),
    STEPS.map((t) => 0.1 * 0.5 ** Math.floor(t / 10)),
    1e-6,
  );
  close(
    values(new schedules.InverseTimeDecay(0.1, 4, 0.5)),
    STEPS.map((t) => 0.1 / (1 + (0.5 * t) / 4)),
    1e-6,
  );
  close(
    values(new schedules.InverseTimeDecay(0.1, 4, 0.5, { staircase: true })),
    STEPS.map((t) => 0.1 / (1 + 0.5 * Math.floor(t / 4))),
    1e-6,
  );
  // A step tensor of any numeric dtype.
  close(new schedules.ExponentialDecay(1, 1, 0.5).call(tf.constant(3, "int32")), [0.125], 1e-7);
});

test("PiecewiseConstantDecay: values[0] up to and at the first boundary, then the next", () => {
  const s = new schedules.PiecewiseConstantDecay([3, 10], [1, 0.5, 0.1]);
  close(values(s, [0, 2, 3, 4, 10, 11, 1000]), [1, 1, 1, 0.5, 0.5, 0.1, 0.1], 1e-7);
  close(values(new schedules.PiecewiseConstantDecay([], [0.3]), [0, 5]), [0.3, 0.3], 1e-7);
  assert.throws(
    () => new schedules.PiecewiseConstantDecay([1, 2], [1, 2]),
    /PiecewiseConstantDecay: The length of boundaries should be 1 less than the length of values/,
  );
  assert.throws(
    () => new schedules.PiecewiseConstantDecay([2, 1], [1, 2, 3]),
    /strictly increasing/,
  );
});

test("PolynomialDecay: to endLearningRate by decaySteps, then held; cycle restarts", () => {
  const [init, end, D, power] = [0.1, 0.01, 10, 2];
  const ref = (t: number) => {
    const s = Math.min(t, D);
    return (init - end) * (1 - s / D) ** power + end;
  };
  close(
    values(new schedules.PolynomialDecay(init, D, { endLearningRate: end, power })),
    STEPS.map(ref),
    1e-6,
  );
  const cyc = (t: number) => {
    const d = D * (t === 0 ? 1 : Math.ceil(t / D));
    return (init - end) * (1 - t / d) ** power + end;
  };
  close(
    values(new schedules.PolynomialDecay(init, D, { endLearningRate: end, power, cycle: true })),
    STEPS.map(cyc),
    1e-6,
  );
  // Defaults: end 1e-4, linear.
  close(values(new schedules.PolynomialDecay(1, 4), [0, 2, 4, 8]), [1, 0.50005, 1e-4, 1e-4], 1e-6);
});

test("CosineDecay: cosine to alpha * initial; with warmup, linear to warmupTarget first", () => {
  const cosine = (from: number, s: number, D: number, alpha: number) =>
    from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, D)) / D)) + alpha);
  close(
    values(new schedules.CosineDecay(0.1, 20)),
    STEPS.map((t) => cosine(0.1, t, 20, 0)),
    1e-6,
  );
  close(
    values(new schedules.CosineDecay(0.1, 20, { alpha: 0.1 })),
    STEPS.map((t) => cosine(0.1, t, 20, 0.1)),
    1e-6,
  );
  // Warmup from 0 to 1 over 10 steps, then the decay from 1 over 20 steps.
  const warm = new schedules.CosineDecay(0, 20, { warmupTarget: 1, warmupSteps: 10 });
  const steps = [0, 5, 9, 10, 15, 30, 50];
  const ref = steps.map((t) => (t < 10 ? t / 10 : cosine(1, t - 10, 20, 0)));
  close(values(warm, steps), ref, 1e-6);
  close(values(warm, [15]), [0.5 * (1 + Math.cos(Math.PI / 4))], 1e-6);
  assert.throws(
    () => new schedules.CosineDecay(0.1, 0),
    /CosineDecay: Argument `decaySteps` must be > 0. Received: decaySteps=0/,
  );
  assert.throws(() => new schedules.CosineDecay(0.1, 5, { warmupSteps: -1 }), RangeError);
  assert.throws(
    () =>
      new schedules.CosineDecay(0.1, 5, {
        warmup: 3,
      } as unknown as tf.keras.optimizers.schedules.CosineDecayOptions),
    /CosineDecay: unknown option 'warmup'/,
  );
  assert.throws(
    () => warm.call("3" as unknown as number),
    /CosineDecay.call: step must be a number or a numeric scalar tensor/,
  );
});

test("a schedule as an optimizer's rate: called with the step count, eager and in a traced step", () => {
  const make = () => {
    const w = new tf.Variable([0], { name: "w" });
    const opt = new optimizers.SGD(new schedules.PiecewiseConstantDecay([1, 2], [1, 0.5, 0.25]));
    return { w, opt, step: () => opt.applyGradients([[tf.constant([1]), w]]) };
  };
  const eager = make();
  const traced = make();
  const f = tf.function(traced.step);
  const want = [-1, -2, -2.5, -2.75, -3];
  for (let i = 0; i < 5; i++) {
    eager.step();
    f();
    close(eager.w, [want[i]], 1e-6);
    close(traced.w, [want[i]], 1e-6);
  }
  assert.equal(f.tracingCount, 1);
  assert.equal(eager.opt.learningRate, 0.25);
  // The config serializes the schedule as Keras does.
  assert.deepEqual(eager.opt.getConfig().learning_rate, {
    module: "keras.optimizers.schedules",
    class_name: "PiecewiseConstantDecay",
    config: { boundaries: [1, 2], values: [1, 0.5, 0.25], name: "PiecewiseConstant" },
    registered_name: null,
  });
  assert.throws(
    () => new optimizers.SGD((s) => s).getConfig(),
    /a learning rate given as a function cannot be serialized/,
  );
});
