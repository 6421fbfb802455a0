/**
 * tf.keras.callbacks.ModelCheckpoint: the clear error before training when the HDF5 library is
 * not loaded, saveBestOnly decisions (min and max modes) and what is on disk after each,
 * Python-format paths, saving whole models each epoch in a real fit, batch frequency, bad
 * arguments; and tf.data.Dataset feeding fit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "../src/index.js";

const { layers, callbacks, saving, models } = tf.keras;
const { ModelCheckpoint } = callbacks;
const tmp = () => mkdtempSync(join(tmpdir(), "tapeflow-ckpt-"));

function regression(): { model: tf.keras.Sequential; x: tf.Tensor; y: tf.Tensor } {
  tf.random.setSeed(1);
  const model = new tf.keras.Sequential([tf.keras.Input({ shape: [2] }), new layers.Dense(1)]);
  model.compile({ optimizer: new tf.keras.optimizers.SGD(0.1), loss: "mse" });
  const x = tf.random.normal([64, 2], { seed: 2 });
  const y = tf.matmul(x, tf.constant([[2], [-1]])).add(0.5);
  tf.random.setSeed(null);
  return { model, x, y };
}

// This test must come first: the HDF5 library is not loaded yet in this process.
test("fit with a ModelCheckpoint before saving.ready() fails before the first epoch", () => {
  const { model, x, y } = regression();
  const before = model.weights.map((w) => w.numpy());
  assert.throws(
    () =>
      model.fit(x, y, {
        epochs: 2,
        verbose: 0,
        callbacks: [new ModelCheckpoint(join(tmp(), "m.keras"))],
      }),
    /ModelCheckpoint: the HDF5 library is not loaded yet, and fit is synchronous: `await tf.keras.saving.ready\(\)`/,
  );
  assert.deepEqual(
    model.weights.map((w) => w.numpy()),
    before,
  );
});

test("saveBestOnly saves when the monitored value improves (min for losses, max for accuracy)", async () => {
  await saving.ready();
  const dir = tmp();
  const { model } = regression();
  const file = join(dir, "best.weights.h5");
  const cb = new ModelCheckpoint(file, {
    monitor: "val_loss",
    saveBestOnly: true,
    saveWeightsOnly: true,
  });
  cb.setModel(model);
  cb.onTrainBegin();
  const kernel = model.layers[0].weights[0];
  const probe = () => {
    const m = regression().model;
    m.loadWeightsSync(file);
    return m.layers[0].weights[0].numpy();
  };
  kernel.assign([[1], [1]]);
  cb.onEpochEnd(0, { val_loss: 0.5 });
  assert.deepEqual(probe(), [[1], [1]]);
  assert.equal(cb.best, 0.5);
  kernel.assign([[2], [2]]);
  cb.onEpochEnd(1, { val_loss: 0.7 }); // worse: not saved
  assert.deepEqual(probe(), [[1], [1]]);
  kernel.assign([[3], [3]]);
  cb.onEpochEnd(2, { val_loss: 0.25 });
  assert.deepEqual(probe(), [[3], [3]]);
  assert.equal(cb.best, 0.25);

  const acc = new ModelCheckpoint(join(dir, "acc-{epoch:02d}-{val_accuracy:.3f}.weights.h5"), {
    monitor: "val_accuracy",
    saveBestOnly: true,
    saveWeightsOnly: true,
  });
  acc.setModel(model);
  acc.onEpochEnd(0, { val_accuracy: 0.5 });
  acc.onEpochEnd(1, { val_accuracy: 0.4 });
  acc.onEpochEnd(2, { val_accuracy: 0.75 });
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => f.startsWith("acc"))
      .sort(),
    ["acc-01-0.500.weights.h5", "acc-03-0.750.weights.h5"],
  );
  const unknown = new ModelCheckpoint(join(dir, "u.keras"), { monitor: "foo", saveBestOnly: true });
  unknown.setModel(model);
  assert.throws(() => unknown.onEpochEnd(0, { foo: 1 }), /isn't able to automatically determine/);
});

test("in fit: a .keras file per epoch, the last one the trained model; saveFreq in batches", async () => {
  await saving.ready();
  const dir = tmp();
  const { model, x, y } = regression();
  model.fit(x, y, {
    epochs: 3,
    batchSize: 16,
    verbose: 0,
    callbacks: [new ModelCheckpoint(join(dir, "ckpt-{epoch:02d}-{loss:.4f}.keras"))],
  });
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 3);
  assert.match(files[0], /^ckpt-01-\d\.\d{4}\.keras$/);
  assert.match(files[2], /^ckpt-03-/);
  const last = await models.loadModel(join(dir, files[2]));
  const probe = tf.constant([
    [1, 2],
    [3, -1],
  ]);
  assert.deepEqual((last.apply(probe) as tf.Tensor).numpy(), model.apply(probe).numpy());

  const batchDir = tmp();
  model.fit(x, y, {
    epochs: 1,
    batchSize: 16,
    verbose: 0,
    callbacks: [
      new ModelCheckpoint(join(batchDir, "b{batch}.weights.h5"), {
        saveWeightsOnly: true,
        saveFreq: 2,
      }),
    ],
  });
  assert.deepEqual(readdirSync(batchDir).sort(), ["b2.weights.h5", "b4.weights.h5"]);
});

test("ModelCheckpoint argument checks and path formatting", () => {
  assert.throws(
    () => new ModelCheckpoint("m.h5", { saveWeightsOnly: true }),
    /must end in `.weights.h5`/,
  );
  assert.throws(() => new ModelCheckpoint("m.weights.h5"), /must end in `.keras`/);
  assert.throws(() => new ModelCheckpoint("m.keras", { saveFreq: 0 }), /unrecognized saveFreq/);
  assert.throws(
    () => new ModelCheckpoint("m.keras", { mode: "up" as "max" }),
    /mode must be "auto", "min" or "max"/,
  );
  const cb = new ModelCheckpoint("/tmp/x-{missing}.keras");
  cb.setModel(regression().model);
  assert.throws(() => cb.onEpochEnd(0, { loss: 1 }), /failed to format this callback filepath/);
  assert.ok(!existsSync("/tmp/x-{missing}.keras"));
});

test("a tf.data.Dataset of [x, y] batches feeds fit and evaluate", () => {
  const { model, x, y } = regression();
  const ds = tf.data.Dataset.fromTensorSlices([x, y]).shuffle(64, { seed: 3 }).batch(16);
  const history = model.fit(ds, { epochs: 20, verbose: 0 });
  const losses = history.history.loss;
  assert.equal(losses.length, 20);
  assert.ok(losses[19] < losses[0] / 10, `loss ${losses[0]} -> ${losses[19]}`);
  const [w] = model.layers[0].weights;
  const k = w.dataSync() as Float32Array;
  assert.ok(Math.abs(k[0] - 2) < 0.1 && Math.abs(k[1] + 1) < 0.1, `kernel ${[...k]}`);
  const result = model.evaluate(ds, { verbose: 0 }) as number;
  assert.ok(result < losses[0] / 10);
});
