/**
 * Callbacks on scripted logs (EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
 * TerminateOnNaN, CSVLogger, LambdaCallback, stopTraining) and the progress output on a fake
 * stream, as Keras 3 prints it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "../src/index.js";
import { close } from "./helpers/keras.js";

const { callbacks, layers } = tf.keras;

function tiny(lr = 0.1): tf.keras.Sequential {
  const m = new tf.keras.Sequential([tf.keras.Input({ shape: [1] }), new layers.Dense(1)]);
  m.compile({ optimizer: new tf.keras.optimizers.SGD(lr), loss: "mse" });
  return m;
}
const X = tf.constant([[1], [2], [3], [4]]);
const Y = tf.constant([[2], [4], [6], [8]]);

/** Overwrites logs[key] at each epoch's end with a scripted value (runs before the others). */
function script(key: string, values: number[]): tf.keras.callbacks.Callback {
  return new callbacks.LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      if (logs !== undefined) logs[key] = values[epoch];
    },
  });
}

/** A fake output stream that keeps what is written. */
function sink(isTTY = false): { text: string; isTTY: boolean; write(s: string): void } {
  return {
    text: "",
    isTTY,
    write(s: string) {
      this.text += s;
    },
  };
}

test("EarlyStopping stops when the monitored value stops improving for `patience` epochs", () => {
  const model = tiny();
  const stop = new callbacks.EarlyStopping({ monitor: "val_loss", patience: 2 });
  const h = model.fit(X, Y, {
    epochs: 10,
    verbose: 0,
    callbacks: [script("val_loss", [1.0, 0.9, 0.95, 0.92, 0.91, 0.5]), stop],
  });
  // Best at epoch 1; epochs 2 and 3 do not improve: stop at epoch 3 (4 epochs run).
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.equal(stop.stoppedEpoch, 3);
  assert.equal(stop.best, 0.9);
  // minDelta: 1.0 -> 0.95 is not an improvement of more than 0.1.
  const strict = new callbacks.EarlyStopping({ monitor: "val_loss", patience: 1, minDelta: 0.1 });
  const h2 = tiny().fit(X, Y, {
    epochs: 10,
    verbose: 0,
    callbacks: [script("val_loss", [1.0, 0.95, 0.9, 0.5]), strict],
  });
  assert.deepEqual(h2.epoch, [0, 1]);
  // mode max for an accuracy; a baseline not reached stops after patience.
  const acc = new callbacks.EarlyStopping({ monitor: "val_accuracy", patience: 1, baseline: 0.9 });
  assert.equal(acc.higher, true);
  const h3 = tiny().fit(X, Y, {
    epochs: 10,
    verbose: 0,
    callbacks: [script("val_accuracy", [0.5, 0.6, 0.7, 0.95]), acc],
  });
  assert.deepEqual(h3.epoch, [0, 1]);
});

test("EarlyStopping restoreBestWeights puts back the best epoch's weights", () => {
  const model = tiny(0.01);
  const seen: number[][] = [];
  const record = new callbacks.LambdaCallback({
    onEpochEnd: () => seen.push(Array.from(model.weights[0].dataSync() as Float32Array)),
  });
  const stop = new callbacks.EarlyStopping({ patience: 2, restoreBestWeights: true });
  model.fit(X, Y, {
    epochs: 10,
    verbose: 0,
    callbacks: [script("val_loss", [3, 1, 2, 2, 2]), record, stop],
  });
  assert.equal(seen.length, 4);
  close(model.weights[0], seen[1]);
  assert.notDeepEqual(seen[3], seen[1]);
});

test("ReduceLROnPlateau and LearningRateScheduler set the optimizer's learning rate", () => {
  const model = tiny(0.1);
  const reduce = new callbacks.ReduceLROnPlateau({ monitor: "val_loss", patience: 2, factor: 0.5 });
  const h = model.fit(X, Y, {
    epochs: 5,
    verbose: 0,
    callbacks: [script("val_loss", [1, 1, 1, 1, 1]), reduce],
  });
  // Logged before the reduction of that epoch, as Keras: reductions after epochs 2 and 4.
  assert.deepEqual(h.history.learning_rate, [0.1, 0.1, 0.1, 0.05, 0.05]);
  close(model.optimizer?.learningRate as number, 0.025);
  assert.throws(
    () => new callbacks.ReduceLROnPlateau({ factor: 1 }),
    /does not support a factor >= 1.0/,
  );

  const m2 = tiny(0.1);
  const sched = new callbacks.LearningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr * 0.5));
  const h2 = m2.fit(X, Y, { epochs: 4, verbose: 0, callbacks: [sched] });
  assert.deepEqual(h2.history.learning_rate, [0.1, 0.1, 0.05, 0.025]);
  // The rate set is the one used: at 0 the weights do not move.
  const m3 = tiny(1);
  const w0 = Array.from(m3.weights[0].dataSync() as Float32Array);
  m3.fit(X, Y, {
    epochs: 2,
    verbose: 0,
    callbacks: [new callbacks.LearningRateScheduler(() => 0)],
  });
  close(m3.weights[0], w0);
  assert.equal(m3.optimizer?.learningRate, 0);
});

test("TerminateOnNaN, stopTraining from a callback, LambdaCallback counts", () => {
  const model = tiny();
  let batches = 0;
  const h = model.fit(X, Y, {
    epochs: 3,
    batchSize: 1,
    verbose: 0,
    callbacks: [
      new callbacks.LambdaCallback({
        onTrainBatchEnd: (batch, logs) => {
          batches++;
          if (batch === 1 && logs !== undefined) logs.loss = NaN;
        },
      }),
      new callbacks.TerminateOnNaN(),
    ],
  });
  assert.equal(batches, 2);
  assert.equal(h.epoch.length, 1);

  class StopAtEpoch1 extends callbacks.Callback {
    begins = 0;
    override onEpochBegin(): void {
      this.begins++;
    }
    override onEpochEnd(epoch: number): void {
      if (epoch === 1 && this.model !== null) this.model.stopTraining = true;
    }
  }
  const stopper = new StopAtEpoch1();
  const h2 = tiny().fit(X, Y, { epochs: 5, verbose: 0, callbacks: [stopper] });
  assert.equal(stopper.begins, 2);
  assert.deepEqual(h2.epoch, [0, 1]);
  assert.equal(stopper.params.epochs, 5);
  assert.equal(stopper.params.steps, 1);
});

test("CSVLogger writes epoch and the sorted log keys, one row per epoch", () => {
  const file = join(mkdtempSync(join(tmpdir(), "tapeflow-")), "log.csv");
  const model = new tf.keras.Sequential([tf.keras.Input({ shape: [1] }), new layers.Dense(1)]);
  model.compile({ optimizer: "sgd", loss: "mse", metrics: ["mae"] });
  const h = model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new callbacks.CSVLogger(file)] });
  const lines = readFileSync(file, "utf8").trim().split("\n");
  assert.equal(lines[0], "epoch,loss,mae");
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2].split(",").map(Number), [1, h.history.loss[1], h.history.mae[1]]);
  // append adds rows and no second header.
  model.fit(X, Y, {
    epochs: 1,
    verbose: 0,
    callbacks: [new callbacks.CSVLogger(file, { append: true })],
  });
  assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 4);
});

test("Progbar: Keras 3's final line, verbose 2's line, numbers as Python formats them", () => {
  let t = 0;
  const out = sink();
  const bar = new tf.keras.utils.Progbar(469, { stream: out, now: () => t });
  t = 0.1;
  bar.update(1, [
    ["accuracy", 0.5],
    ["loss", 1],
  ]);
  t = 2.0;
  bar.update(469, [
    ["accuracy", 0.90121],
    ["loss", 0.312],
  ]);
  // 2 s elapsed; (2.0 - 0.1) / 468 steps = 4 ms/step (the first step left out).
  assert.equal(
    out.text,
    "469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9012 - loss: 0.3120\n",
  );

  t = 0;
  const two = sink();
  const bar2 = new tf.keras.utils.Progbar(10, { stream: two, verbose: 2, now: () => t });
  t = 0.5;
  bar2.update(5, [["loss", 0.5]]);
  assert.equal(two.text, "");
  t = 1;
  bar2.update(10, [["loss", 0.00012345]]);
  assert.equal(two.text, "10/10 - 1s - 100ms/step - loss: 1.2345e-04\n");

  // On a TTY the line is redrawn in place with Keras's colours, ETA while running.
  t = 0;
  const tty = sink(true);
  const bar3 = new tf.keras.utils.Progbar(4, { stream: tty, now: () => t });
  t = 1;
  bar3.update(1, [["loss", 2]]);
  assert.equal(
    tty.text,
    "\r\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m3s\x1b[0m 1s/step - loss: 2.0000",
  );
  t = 2;
  bar3.update(4, [["loss", 1]], true);
  assert.ok(tty.text.endsWith(" \x1b[1m2s\x1b[0m 333ms/step - loss: 1.0000\n"));
  assert.equal(tf.keras.utils.Progbar.name, "Progbar");
});

test("fit's progress output: Epoch lines, one final line per epoch off a TTY, none at verbose 0", () => {
  const model = tiny();
  // Keras prints a value below 1e-3 as 1.2345e-04: the later fits may train the loss that low.
  const out = sink();
  model.fit(X, Y, { epochs: 2, batchSize: 2, verbose: 1, stream: out, validationData: [X, Y] });
  const lines = out.text.split("\n");
  assert.equal(lines.length, 5);
  assert.equal(lines[0], "Epoch 1/2");
  assert.match(
    lines[1],
    /^2\/2 ━{20} \d+s \d+(us|ms|s)\/step - loss: \d+\.\d{4}(?:e[+-]\d+)? - val_loss: \d+\.\d{4}(?:e[+-]\d+)?$/,
  );
  assert.equal(lines[2], "Epoch 2/2");
  assert.equal(lines[4], "");
  const one = sink();
  model.fit(X, Y, { epochs: 1, batchSize: 4, verbose: 1, stream: one });
  assert.match(one.text, /^1\/1 ━{20} \d+s \d+(us|ms|s)\/step - loss: \d+\.\d{4}(?:e[+-]\d+)?\n$/);
  const two = sink();
  model.fit(X, Y, { epochs: 2, verbose: 2, stream: two });
  assert.match(
    two.text,
    /^Epoch 1\/2\n1\/1 - \d+s - \d+(us|ms|s)\/step - loss: \d+\.\d{4}(?:e[+-]\d+)?\nEpoch 2\/2\n/,
  );
  const silent = sink();
  model.fit(X, Y, { epochs: 2, verbose: 0, stream: silent });
  assert.equal(silent.text, "");
  const ev = sink();
  model.evaluate(X, Y, { batchSize: 2, stream: ev });
  assert.match(ev.text, /^2\/2 ━{20} \d+s \d+(us|ms|s)\/step - loss: \d+\.\d{4}(?:e[+-]\d+)?\n$/);
});

test("initialEpoch resumes the numbering: epochs counted from it, Epoch lines as Keras's", () => {
  const out = sink();
  const h = tiny().fit(X, Y, { epochs: 4, initialEpoch: 2, verbose: 1, stream: out });
  assert.deepEqual(h.epoch, [2, 3]);
  assert.deepEqual(
    out.text.split("\n").filter((l) => l.startsWith("Epoch")),
    ["Epoch 3/4", "Epoch 4/4"],
  );
});
