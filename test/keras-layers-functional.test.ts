/**
 * The layers on symbolic inputs (tf.keras.Input): the output shapes a functional model sees,
 * with the unknown batch (and sequence) dimensions kept as null.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";

const { layers } = tf.keras;

test("conv, pooling, normalization layers on symbolic inputs", () => {
  const x = tf.keras.Input({ shape: [28, 28, 1] });
  let y = new layers.Conv2D(32, 3, { activation: "relu" }).apply(x);
  assert.deepEqual(y.shape, [null, 26, 26, 32]);
  y = new layers.MaxPooling2D().apply(y);
  assert.deepEqual(y.shape, [null, 13, 13, 32]);
  y = new layers.BatchNormalization().apply(y);
  assert.deepEqual(y.shape, [null, 13, 13, 32]);
  y = new layers.SeparableConv2D(8, 3, { padding: "same", strides: 2 }).apply(y);
  assert.deepEqual(y.shape, [null, 7, 7, 8]);
  y = new layers.Conv2DTranspose(4, 3, { strides: 2 }).apply(y);
  assert.deepEqual(y.shape, [null, 15, 15, 4]);
  y = new layers.UpSampling2D().apply(new layers.ZeroPadding2D().apply(y));
  assert.deepEqual(y.shape, [null, 34, 34, 4]);
  const g = new layers.GlobalAveragePooling2D().apply(y);
  assert.deepEqual(g.shape, [null, 4]);
});

test("sequence layers on symbolic inputs: Embedding, LSTM with states, MultiHeadAttention", () => {
  const ids = tf.keras.Input({ shape: [null], dtype: "int32" });
  const e = new layers.Embedding(100, 8).apply(ids);
  assert.deepEqual(e.shape, [null, null, 8]);
  const [seq, h, c] = new layers.LSTM<tf.Tensor[]>(6, {
    returnSequences: true,
    returnState: true,
  }).apply(e);
  assert.deepEqual(seq.shape, [null, null, 6]);
  assert.deepEqual(h.shape, [null, 6]);
  assert.deepEqual(c.shape, [null, 6]);
  const a = new layers.MultiHeadAttention(2, 4).apply([seq, seq]);
  assert.deepEqual(a.shape, [null, null, 6]);
  const n = new layers.LayerNormalization().apply(new layers.Add().apply([a, seq]));
  assert.deepEqual(n.shape, [null, null, 6]);
  const gru = new layers.GRU(3).apply(n);
  assert.deepEqual(gru.shape, [null, 3]);
  const r = new layers.RepeatVector(4).apply(gru);
  assert.deepEqual(r.shape, [null, 4, 3]);
  const cat = new layers.Concatenate().apply([r, new layers.Conv1D(2, 1).apply(r)]);
  assert.deepEqual(cat.shape, [null, 4, 5]);
});
