/**
 * fit's classWeight: the same training as the sample weights it stands for (sparse labels,
 * one-hot rows, iterables of batches), classes it does not name weigh 1, and Keras's refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";

const { layers } = tf.keras;

function classifier(): tf.keras.Sequential {
  const model = new tf.keras.Sequential([
    tf.keras.Input({ shape: [2] }),
    new layers.Dense(3, {
      activation: "softmax",
      kernelInitializer: "ones",
      biasInitializer: "zeros",
    }),
  ]);
  return model;
}

const X = [
  [1, 0],
  [0, 1],
  [1, 1],
  [2, -1],
  [-1, 2],
];
const LABELS = [0, 1, 2, 1, 0];

/** The kernel after one SGD epoch (one batch, no shuffle) with the given fit options. */
function trained(
  y: tf.TensorLike,
  loss: string,
  extra: Partial<tf.keras.FitOptions>,
  iterable = false,
): number[] {
  const model = classifier();
  model.compile({ optimizer: new tf.keras.optimizers.SGD(0.5), loss });
  const opts = { epochs: 1, batchSize: 5, shuffle: false, verbose: 0, ...extra };
  if (iterable) {
    const batches = {
      *[Symbol.iterator]() {
        yield [tf.constant(X), tf.constant(y)] as const;
      },
    };
    model.fit(batches, null, { ...opts, batchSize: undefined });
  } else model.fit(X, y, opts);
  const dense = model.layers[0] as tf.keras.layers.Dense;
  return Array.from(dense.kernel.dataSync() as Float32Array);
}

function close(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test("classWeight trains as the per-sample weights of each target's class", () => {
  const cw = { 0: 1, 1: 3, 2: 0.5 };
  const sw = LABELS.map((c) => cw[c as 0 | 1 | 2]);
  const sparse = "sparse_categorical_crossentropy";
  const bySample = trained(LABELS, sparse, { sampleWeight: sw });
  close(trained(LABELS, sparse, { classWeight: cw }), bySample, "sparse labels");
  close(
    trained(
      LABELS.map((c) => [c]),
      sparse,
      { classWeight: new Map(Object.entries(cw).map(([k, v]) => [Number(k), v])) },
    ),
    bySample,
    "[n, 1] labels, Map",
  );
  const oneHot = LABELS.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
  close(
    trained(oneHot, "categorical_crossentropy", { classWeight: cw }),
    trained(oneHot, "categorical_crossentropy", { sampleWeight: sw }),
    "one-hot rows",
  );
  close(trained(LABELS, sparse, { classWeight: cw }, true), bySample, "iterable of batches");
  // the weights change the result, and a class not named weighs 1
  const plain = trained(LABELS, sparse, {});
  assert.ok(
    plain.some((v, i) => Math.abs(v - bySample[i]) > 1e-3),
    "classWeight had no effect",
  );
  close(trained(LABELS, sparse, { classWeight: { 1: 1 } }), plain, "unnamed classes weigh 1");
});

test("classWeight refuses what Keras refuses, with the function's name", () => {
  const model = classifier();
  model.compile({ optimizer: "sgd", loss: "sparse_categorical_crossentropy" });
  const fit = (opts: Record<string, unknown>) => () =>
    model.fit(X, LABELS, { verbose: 0, ...(opts as tf.keras.FitOptions) });
  assert.throws(
    fit({ classWeight: { 0: 1 }, sampleWeight: [1, 1, 1, 1, 1] }),
    /fit: classWeight and sampleWeight/,
  );
  assert.throws(fit({ classWeight: { "-1": 2 } }), /classWeight keys must be class indices/);
  assert.throws(fit({ classWeight: { 0: "a" } }), /classWeight\[0\] must be a finite number/);
  assert.throws(fit({ classWeight: [1, 2] }), /classWeight must be an object/);
  const x = tf.keras.Input({ shape: [2] });
  const two = new tf.keras.Model({
    inputs: x,
    outputs: [new layers.Dense(2).apply(x), new layers.Dense(2).apply(x)] as tf.keras.KerasTensor[],
  });
  two.compile({ optimizer: "sgd", loss: "sparse_categorical_crossentropy" });
  assert.throws(
    () =>
      two.fit(X, [tf.constant(LABELS), tf.constant(LABELS)], { verbose: 0, classWeight: { 0: 1 } }),
    /classWeight is only supported for models with a single output/,
  );
});
