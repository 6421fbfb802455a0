/**
 * fit, evaluate and predict run traced steps by default (Keras 3 runs them under tf.function);
 * compile({runEagerly: true}) keeps them eager. Same seeds, same data: the same losses, metrics
 * and weights either way, with dropout and batch normalization (training flag), metrics, sample
 * weights and a smaller last batch (which traces again).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";

const { layers } = tf.keras;

function closeArrays(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
  }
}

/** Counts its calls: JS side effects run when a step is traced, not when it is replayed. */
let calls = 0;
class Counting extends tf.keras.Layer {
  call(x: tf.Tensor): tf.Tensor {
    calls++;
    return x;
  }
}

function makeModel(seed: number) {
  tf.random.setSeed(seed);
  const model = new tf.keras.Sequential([
    tf.keras.Input({ shape: [6] }),
    new layers.Dense(12, { activation: "relu" }),
    new layers.Dropout(0.3),
    new layers.BatchNormalization(),
    new Counting(),
    new layers.Dense(3, { activation: "softmax" }),
  ]);
  return model;
}

function data() {
  tf.random.setSeed(123);
  const x = tf.random.normal([50, 6]);
  const y = tf.random.uniform([50], { maxval: 3, dtype: "int32" });
  const w = tf.random.uniform([50], { minval: 0.5, maxval: 1.5 });
  return { x, y, w };
}

function train(runEagerly: boolean) {
  const model = makeModel(7);
  model.compile({
    optimizer: new tf.keras.optimizers.Adam(0.01),
    loss: "sparse_categorical_crossentropy",
    metrics: ["accuracy"],
    runEagerly,
  });
  const { x, y, w } = data();
  calls = 0;
  tf.random.setSeed(99);
  // 50 samples in batches of 16: three of 16, then one of 2.
  const history = model.fit(x, y, {
    epochs: 3,
    batchSize: 16,
    verbose: 0,
    shuffle: true,
    sampleWeight: w,
    validationData: [x, y],
  });
  const fitCalls = calls;
  const evalLogs = model.evaluate(x, y, {
    batchSize: 16,
    verbose: 0,
    returnDict: true,
  }) as Record<string, number>;
  const pred = model.predict(x, { batchSize: 16, verbose: 0 }) as tf.Tensor;
  const step = model.trainOnBatch(x, y, { returnDict: true }) as Record<string, number>;
  return { model, history, fitCalls, evalLogs, pred, step, calls };
}

test("traced fit gives the eager fit's losses, metrics and weights (dropout, batch norm, sample weights, last batch)", () => {
  const eager = train(true);
  const traced = train(false);
  assert.equal(eager.model.runEagerly, true);
  assert.equal(traced.model.runEagerly, false);
  for (const key of ["loss", "accuracy", "val_loss", "val_accuracy"]) {
    closeArrays(
      traced.history.history[key] as number[],
      eager.history.history[key] as number[],
      key,
    );
  }
  const tw = traced.model.getWeights();
  const ew = eager.model.getWeights();
  assert.equal(tw.length, 8, "2 dense x 2 + batch norm gamma, beta, moving mean, moving variance");
  tw.forEach((t, i) =>
    closeArrays(t.dataSync() as Float32Array, ew[i].dataSync() as Float32Array, `weight ${i}`),
  );
  for (const k of ["loss", "accuracy"]) {
    closeArrays([traced.evalLogs[k] as number], [eager.evalLogs[k] as number], `evaluate ${k}`);
    closeArrays([traced.step[k]], [eager.step[k]], `trainOnBatch ${k}`);
  }
  closeArrays(
    traced.pred.dataSync() as Float32Array,
    eager.pred.dataSync() as Float32Array,
    "predict",
  );
  // Eager: the layer ran for every batch (3 epochs x 4 train batches + 4 validation batches).
  assert.equal(eager.fitCalls, 3 * (4 + 4));
  // Traced: once per trace, train steps of 16 and of 2, test steps of 16 and of 2.
  assert.equal(traced.fitCalls, 4);
});

test("the train step graph holds forward, gradients and the optimizer update; runEagerly is settable", () => {
  const model = makeModel(3);
  model.compile({ optimizer: "sgd", loss: "mse" });
  const x = tf.ones([8, 6]);
  const y = tf.zeros([8, 3]);
  calls = 0;
  const before = model.getWeights().map((t) => t.dataSync());
  for (let i = 0; i < 4; i++) model.trainOnBatch(x, y);
  assert.equal(calls, 1, "traced once, replayed three times");
  const after = model.getWeights().map((t) => t.dataSync());
  assert.notDeepEqual(after[0], before[0], "the replayed steps update the weights");
  model.runEagerly = true;
  model.trainOnBatch(x, y);
  assert.equal(calls, 2, "eager: the layer runs");
  assert.throws(() => {
    (model as unknown as { runEagerly: unknown }).runEagerly = "yes";
  }, /runEagerly must be a boolean/);
  assert.throws(
    () => model.compile({ loss: "mse", runEagerly: 1 as unknown as boolean }),
    /compile: runEagerly must be a boolean/,
  );
});

test("a step that reads tensor values into JS runs eagerly, with a warning", () => {
  const seen: number[] = [];
  class Peek extends tf.keras.Layer {
    call(x: tf.Tensor): tf.Tensor {
      // JS control flow on a value: a graph would fix the branch taken at trace time.
      const m = x.max().dataSync()[0] as number;
      seen.push(m);
      return m > 1 ? x.mul(0.5) : x;
    }
  }
  const model = new tf.keras.Sequential([
    tf.keras.Input({ shape: [2] }),
    new Peek(),
    new layers.Dense(1, { kernelInitializer: "ones", useBias: false }),
  ]);
  model.compile({ optimizer: "sgd", loss: "mse" });
  seen.length = 0; // building the model ran the layer on stand-in values
  const { messages: warnings } = tf.logging.capture(() => {
    const small = model.predictOnBatch(tf.constant([[0.5, 0.5]])) as tf.Tensor;
    const big = model.predictOnBatch(tf.constant([[4, 4]])) as tf.Tensor;
    const big2 = model.predictOnBatch(tf.constant([[3, 3]])) as tf.Tensor;
    assert.deepEqual(Array.from(small.dataSync() as Float32Array), [1]);
    assert.deepEqual(
      Array.from(big.dataSync() as Float32Array),
      [4],
      "the branch decided on this call's values",
    );
    assert.deepEqual(Array.from(big2.dataSync() as Float32Array), [3]);
  });
  assert.equal(seen.length, 3, "the layer ran each time");
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /predict: the step read tensor values into JS .* runs eagerly/);
});

test("batches of ever new sizes: after 16 traces the step runs eagerly, with a warning", () => {
  const model = makeModel(5);
  model.compile({ optimizer: "sgd", loss: "mse" });
  calls = 0;
  const { messages } = tf.logging.capture(() => {
    for (let n = 1; n <= 20; n++) {
      const x = tf.ones([n, 6]);
      const eager = model.apply(x, { training: false }) as tf.Tensor;
      closeArrays(
        (model.predictOnBatch(x) as tf.Tensor).dataSync() as Float32Array,
        eager.dataSync() as Float32Array,
        `batch of ${n}`,
      );
    }
  });
  // 20 eager applies, 16 traces, then 4 eager steps.
  assert.equal(calls, 20 + 16 + 4);
  assert.equal(messages.length, 1, messages.join("\n"));
  assert.match(messages[0], /traced 16 times .* runs eagerly/);
});
