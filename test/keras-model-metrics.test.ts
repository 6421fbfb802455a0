/** tf.keras.metrics: values against hand computations (Keras's documented examples among them). */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close } from "./helpers/keras.js";

const { metrics } = tf.keras;

const value = (m: tf.keras.metrics.Metric) => m.result().numpy() as number;

test("Mean and Sum, with and without sample weights", () => {
  const m = new metrics.Mean();
  m.updateState([1, 3, 5, 7]);
  close(value(m), 4);
  m.resetState();
  m.updateState([1, 3, 5, 7], [1, 1, 0, 0]);
  close(value(m), 2);
  // Accumulates across updates: (1 + 3 + 10) / 3 weights... (1*1 + 3*1 + 10*1) / 3
  m.updateState([10]);
  close(value(m), 14 / 3);
  const s = new metrics.Sum();
  s.updateState([1, 3, 5, 7]);
  close(value(s), 16);
  s.updateState([1, 1], [2, 0]);
  close(value(s), 18);
  assert.equal(new metrics.Mean().result().numpy(), 0);
});

test("accuracies: exact, binary, categorical, sparse, top-k", () => {
  const acc = new metrics.Accuracy();
  acc.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]]);
  close(value(acc), 0.75);
  acc.resetState();
  acc.updateState([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]);
  close(value(acc), 0.5);

  const bin = new metrics.BinaryAccuracy();
  bin.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]);
  close(value(bin), 0.75);
  bin.resetState();
  bin.updateState([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1]);
  close(value(bin), 0.5);
  const bin7 = new metrics.BinaryAccuracy({ threshold: 0.7 });
  bin7.updateState([[1], [0]], [[0.65], [0.65]]);
  close(value(bin7), 0.5);

  const yTrue = [
    [0, 0, 1],
    [0, 1, 0],
  ];
  const yPred = [
    [0.1, 0.9, 0.8],
    [0.05, 0.95, 0],
  ];
  const cat = new metrics.CategoricalAccuracy();
  cat.updateState(yTrue, yPred);
  close(value(cat), 0.5);
  cat.resetState();
  cat.updateState(yTrue, yPred, [0.7, 0.3]);
  close(value(cat), 0.3);

  const sparse = new metrics.SparseCategoricalAccuracy();
  sparse.updateState([[2], [1]], yPred);
  close(value(sparse), 0.5);
  sparse.updateState(tf.constant([1, 1], "int32"), yPred);
  close(value(sparse), 0.75);

  const top1 = new metrics.TopKCategoricalAccuracy({ k: 1 });
  top1.updateState(yTrue, yPred);
  close(value(top1), 0.5);
  const top2 = new metrics.TopKCategoricalAccuracy({ k: 2 });
  top2.updateState(yTrue, yPred);
  close(value(top2), 1);
  const stop1 = new metrics.SparseTopKCategoricalAccuracy({ k: 1 });
  stop1.updateState([2, 1], yPred);
  close(value(stop1), 0.5);
  // Ties at the boundary count as in the top k (tf.math.in_top_k).
  const tie = new metrics.SparseTopKCategoricalAccuracy({ k: 1 });
  tie.updateState([0], [[0.5, 0.5, 0]]);
  close(value(tie), 1);
  assert.throws(
    () => new metrics.TopKCategoricalAccuracy({ k: 0 }),
    /k must be a positive integer/,
  );
  assert.throws(
    () => new metrics.SparseCategoricalAccuracy().updateState([1, 2, 3], yPred),
    /one integer label per row of yPred \[2,3\]/,
  );
});

test("Precision and Recall (Keras's examples)", () => {
  const p = new metrics.Precision();
  p.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
  close(value(p), 2 / 3);
  p.resetState();
  p.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
  close(value(p), 1);
  const r = new metrics.Recall();
  r.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
  close(value(r), 2 / 3);
  r.resetState();
  r.updateState([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]);
  close(value(r), 1);
  // Nothing predicted positive: 0, not NaN.
  const none = new metrics.Precision({ thresholds: 0.9 });
  none.updateState([1, 0], [0.5, 0.2]);
  assert.equal(value(none), 0);
});

test("AUC: Keras's 3-threshold example, and the exact ROC AUC with many thresholds", () => {
  const m = new metrics.AUC({ numThresholds: 3 });
  m.updateState([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]);
  // thresholds [-1e-7, 0.5, 1 + 1e-7]: recall [1, 0.5, 0], fpr [1, 0, 0] -> (1 + 0.5) / 2
  close(value(m), 0.75);
  assert.equal(m.thresholds.length, 3);
  // The ROC AUC is the probability that a positive scores above a negative (Mann-Whitney).
  tf.random.setSeed(4);
  const labels = tf
    .cast(tf.greater(tf.random.uniform([400]), 0.5), "float32")
    .dataSync() as Float32Array;
  const scores = tf.random.uniform([400]).dataSync() as Float32Array;
  const s = Array.from(scores, (v, i) => Math.min(1, Math.max(0, v * 0.6 + labels[i] * 0.4)));
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  const auc = new metrics.AUC({ numThresholds: 2000 });
  auc.updateState(Array.from(labels), s);
  close(value(auc), wins / pairs, 2e-3);
  // Perfect separation: 1 for ROC and PR.
  const pr = new metrics.AUC({ curve: "PR" });
  pr.updateState([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);
  close(value(pr), 1, 1e-6);
  const roc = new metrics.AUC();
  roc.updateState([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]);
  close(value(roc), 1, 1e-6);
  assert.throws(() => new metrics.AUC({ curve: "XY" as never }), /curve must be "ROC" or "PR"/);
});

test("MeanSquaredError and MeanAbsoluteError", () => {
  const mse = new metrics.MeanSquaredError();
  mse.updateState(
    [
      [0, 1],
      [0, 0],
    ],
    [
      [1, 1],
      [0, 0],
    ],
  );
  close(value(mse), 0.25);
  mse.resetState();
  mse.updateState(
    [
      [0, 1],
      [0, 0],
    ],
    [
      [1, 1],
      [0, 0],
    ],
    [1, 0],
  );
  close(value(mse), 0.5);
  const mae = new metrics.MeanAbsoluteError();
  mae.updateState([[0, 1]], [[2, -1]]);
  close(value(mae), 2);
});

test("get: names, functions, and 'accuracy' chosen from the data", () => {
  const pick = (yTrue: tf.TensorLike, yPred: tf.TensorLike, loss: string | null = null) => {
    const m = metrics.get("accuracy", loss) as tf.keras.metrics.Metric & {
      resolved: tf.keras.metrics.Metric | null;
    };
    m.updateState(yTrue, yPred);
    return m.resolved?.constructor.name;
  };
  assert.equal(pick([[1], [0]], [[0.9], [0.2]]), "BinaryAccuracy");
  assert.equal(
    pick(
      [2, 0],
      [
        [0, 0, 1],
        [1, 0, 0],
      ],
    ),
    "SparseCategoricalAccuracy",
  );
  assert.equal(
    pick(
      [[2], [0]],
      [
        [0, 0, 1],
        [1, 0, 0],
      ],
    ),
    "SparseCategoricalAccuracy",
  );
  assert.equal(pick([[0, 0, 1]], [[0, 0, 1]]), "CategoricalAccuracy");
  assert.equal(
    pick([[1]], [[0.2, 0.8]], "sparse_categorical_crossentropy"),
    "SparseCategoricalAccuracy",
  );
  assert.equal(metrics.get("accuracy").name, "accuracy");
  assert.equal(metrics.get("acc").name, "acc");
  assert.equal(metrics.get("mae").name, "mae");
  assert.equal(metrics.get("mean_absolute_error").name, "mean_absolute_error");
  assert.ok(metrics.get("AUC") instanceof metrics.AUC);
  const fn = (t: tf.TensorLike, p: tf.TensorLike) => tf.abs(tf.subtract(t, p));
  const f = metrics.get(fn);
  f.updateState([1, 2], [2, 4]);
  close(f.result().numpy() as number, 1.5);
  assert.throws(() => metrics.get("nope"), /Unknown metric: 'nope'/);
});
