/**
 * SimpleRNN, LSTM and GRU against cells unrolled by hand in plain JS numbers (Keras's gate
 * orders), their options (returnSequences, returnState, goBackwards, initialState, masks),
 * weight names and shapes, the Orthogonal initializer, and float64 gradients through time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names, T } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { checkLayerGradients, setWeights, values } from "./helpers/layer-gradcheck.js";

const { layers } = tf.keras;
type Mat = number[][];
const sig = (v: number) => 1 / (1 + Math.exp(-v));
/** a [n, k] x b [k, m] with b given flat row-major. */
function mm(a: Mat, b: number[], m: number): Mat {
  return a.map((row) =>
    Array.from({ length: m }, (_, j) => row.reduce((acc, v, k) => acc + v * b[k * m + j], 0)),
  );
}
const addRow = (a: Mat, b: number[], off = 0): Mat => a.map((r) => r.map((v, j) => v + b[off + j]));
const cols = (a: Mat, from: number, n: number): Mat => a.map((r) => r.slice(from, from + n));
const zip = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat =>
  a.map((r, i) => r.map((v, j) => f(v, b[i][j])));
const map = (a: Mat, f: (x: number) => number): Mat => a.map((r) => r.map(f));

/** The input at step t of x [B, steps, D] given flat. */
function stepOf(x: number[], B: number, steps: number, D: number, t: number): Mat {
  return Array.from({ length: B }, (_, b) => x.slice((b * steps + t) * D, (b * steps + t + 1) * D));
}

const [B, S, D, U] = [2, 4, 3, 2];
const xv = values(B * S * D, 101);

test("SimpleRNN: h = tanh(x kernel + h recurrent_kernel + bias), unrolled by hand", () => {
  const rnn = new layers.SimpleRNN(U, { returnSequences: true, name: "rnn" });
  rnn.build([null, S, D]);
  assert.deepEqual(names(rnn.weights), [
    "rnn/simple_rnn_cell/kernel:0",
    "rnn/simple_rnn_cell/recurrent_kernel:0",
    "rnn/simple_rnn_cell/bias:0",
  ]);
  const k = values(D * U, 1);
  const rk = values(U * U, 2);
  const b = values(U, 3);
  setWeights(rnn, [k, rk, b]);
  let h: Mat = [
    [0, 0],
    [0, 0],
  ];
  const seq: Mat[] = [];
  for (let t = 0; t < S; t++) {
    h = map(
      zip(addRow(mm(stepOf(xv, B, S, D, t), k, U), b), mm(h, rk, U), (p, q) => p + q),
      Math.tanh,
    );
    seq.push(h);
  }
  const y = rnn.apply(T(xv, [B, S, D]));
  assert.deepEqual(y.shape, [B, S, U]);
  const ref: number[] = [];
  for (let bi = 0; bi < B; bi++) for (let t = 0; t < S; t++) ref.push(...seq[t][bi]);
  close(y, ref, 1e-5);
  const last = new layers.SimpleRNN(U);
  last.build([null, S, D]);
  setWeights(last, [k, rk, b]);
  close(last.apply(T(xv, [B, S, D])), h.flat(), 1e-5);
});

/** LSTM by hand: gates i, f, c, o in blocks of U. Returns the h of each step and the final c. */
function lstmRef(x: number[], k: number[], rk: number[], b: number[], steps: number[]) {
  let h: Mat = Array.from({ length: B }, () => new Array<number>(U).fill(0));
  let c: Mat = Array.from({ length: B }, () => new Array<number>(U).fill(0));
  const hs: Mat[] = [];
  for (const t of steps) {
    const z = zip(
      addRow(mm(stepOf(x, B, S, D, t), k, 4 * U), b),
      mm(h, rk, 4 * U),
      (p, q) => p + q,
    );
    const i = map(cols(z, 0, U), sig);
    const f = map(cols(z, U, U), sig);
    const g = map(cols(z, 2 * U, U), Math.tanh);
    const o = map(cols(z, 3 * U, U), sig);
    c = zip(
      zip(f, c, (p, q) => p * q),
      zip(i, g, (p, q) => p * q),
      (p, q) => p + q,
    );
    h = zip(o, map(c, Math.tanh), (p, q) => p * q);
    hs.push(h);
  }
  return { hs, h, c };
}

test("LSTM: gates i, f, c, o against a hand-unrolled cell; returnState [output, h, c]; weights", () => {
  const lstm = new layers.LSTM<tf.Tensor[]>(U, { returnState: true, name: "lstm" });
  lstm.build([null, S, D]);
  assert.deepEqual(names(lstm.weights), [
    "lstm/lstm_cell/kernel:0",
    "lstm/lstm_cell/recurrent_kernel:0",
    "lstm/lstm_cell/bias:0",
  ]);
  assert.deepEqual(
    lstm.weights.map((v) => v.shape),
    [[D, 4 * U], [U, 4 * U], [4 * U]],
  );
  // unitForgetBias: the forget block of the bias starts at 1.
  assert.deepEqual(flat(lstm.cell.bias!), [0, 0, 1, 1, 0, 0, 0, 0]);
  // The recurrent kernel is orthogonal: its rows are orthonormal.
  const rk0 = lstm.cell.recurrentKernel;
  close(tf.matmul(rk0, rk0, { transposeB: true }), [1, 0, 0, 1], 1e-5);

  const k = values(D * 4 * U, 11);
  const rk = values(U * 4 * U, 12);
  const b = values(4 * U, 13);
  setWeights(lstm, [k, rk, b]);
  const [y, h, c] = lstm.apply(T(xv, [B, S, D]));
  const ref = lstmRef(xv, k, rk, b, [0, 1, 2, 3]);
  close(y, ref.h.flat(), 1e-5);
  close(h, ref.h.flat(), 1e-5);
  close(c, ref.c.flat(), 1e-5);

  // goBackwards: the steps in reverse; with returnSequences the outputs in processing order.
  const back = new layers.LSTM(U, { goBackwards: true, returnSequences: true });
  back.build([null, S, D]);
  setWeights(back, [k, rk, b]);
  const yb = back.apply(T(xv, [B, S, D]));
  const refb = lstmRef(xv, k, rk, b, [3, 2, 1, 0]);
  const flatSeq: number[] = [];
  for (let bi = 0; bi < B; bi++) for (let t = 0; t < S; t++) flatSeq.push(...refb.hs[t][bi]);
  close(yb, flatSeq, 1e-5);

  const config = lstm.getConfig();
  assert.equal(config.units, U);
  assert.equal(config.activation, "tanh");
  assert.equal(config.recurrent_activation, "sigmoid");
  assert.equal(config.unit_forget_bias, true);
  assert.equal(config.return_state, true);
  assert.equal(config.return_sequences, false);
  assert.equal(config.name, "lstm");
  assert.equal((config.recurrent_initializer as { class_name: string }).class_name, "Orthogonal");
});

/** GRU by hand, z, r, h blocks; resetAfter with bias [2, 3U]. */
function gruRef(x: number[], k: number[], rk: number[], b: number[], resetAfter: boolean): Mat {
  let h: Mat = Array.from({ length: B }, () => new Array<number>(U).fill(0));
  const G = 3 * U;
  for (let t = 0; t < S; t++) {
    const xp = addRow(mm(stepOf(x, B, S, D, t), k, G), b, 0);
    let z: Mat, hh: Mat;
    if (resetAfter) {
      const rec = addRow(mm(h, rk, G), b, G);
      z = map(
        zip(cols(xp, 0, U), cols(rec, 0, U), (p, q) => p + q),
        sig,
      );
      const r = map(
        zip(cols(xp, U, U), cols(rec, U, U), (p, q) => p + q),
        sig,
      );
      hh = map(
        zip(
          cols(xp, 2 * U, U),
          zip(r, cols(rec, 2 * U, U), (p, q) => p * q),
          (p, q) => p + q,
        ),
        Math.tanh,
      );
    } else {
      const rec = mm(h, rk, G);
      z = map(
        zip(cols(xp, 0, U), cols(rec, 0, U), (p, q) => p + q),
        sig,
      );
      const r = map(
        zip(cols(xp, U, U), cols(rec, U, U), (p, q) => p + q),
        sig,
      );
      // (r h) rk_h: the h block of rk is columns [2U, 3U).
      const rkh: number[] = [];
      for (let i = 0; i < U; i++) for (let j = 0; j < U; j++) rkh.push(rk[i * G + 2 * U + j]);
      hh = map(
        zip(
          cols(xp, 2 * U, U),
          mm(
            zip(r, h, (p, q) => p * q),
            rkh,
            U,
          ),
          (p, q) => p + q,
        ),
        Math.tanh,
      );
    }
    const hPrev = h;
    h = z.map((row, i) => row.map((zv, j) => zv * hPrev[i][j] + (1 - zv) * hh[i][j]));
  }
  return h;
}

test("GRU: resetAfter true (bias [2, 3 units]) and false, against hand-unrolled cells", () => {
  for (const resetAfter of [true, false]) {
    const gru = new layers.GRU(U, { resetAfter });
    gru.build([null, S, D]);
    const bshape = resetAfter ? [2, 3 * U] : [3 * U];
    assert.deepEqual(gru.cell.bias?.shape, bshape);
    const k = values(D * 3 * U, 21);
    const rk = values(U * 3 * U, 22);
    const b = values(resetAfter ? 6 * U : 3 * U, 23);
    setWeights(gru, [k, rk, b]);
    close(gru.apply(T(xv, [B, S, D])), gruRef(xv, k, rk, b, resetAfter).flat(), 1e-5);
    assert.equal(gru.getConfig().reset_after, resetAfter);
  }
});

test("RNN options: initialState, a mask holding the state, shapes, bad inputs", () => {
  const lstm = new layers.LSTM<tf.Tensor[]>(U, { returnState: true, returnSequences: true });
  const x = T(xv, [B, S, D]);
  const [seq, h, c] = lstm.apply(x);
  assert.deepEqual(seq.shape, [B, S, U]);
  assert.deepEqual(h.shape, [B, U]);
  assert.deepEqual(c.shape, [B, U]);
  // Continuing from the final state over the rest equals one run over everything.
  const first = tf.slice(x, [0, 0, 0], [B, 2, D]);
  const rest = tf.slice(x, [0, 2, 0], [B, 2, D]);
  const [, h2, c2] = lstm.apply(first);
  const [, h4] = lstm.apply(rest, { initialState: [h2, c2] });
  close(h4, flat(h), 1e-5);
  assert.throws(() => lstm.apply(rest, { initialState: [h2] }), /initialState must be 2 tensor/);

  // Masked trailing steps leave the state as it was after the last unmasked one.
  const gru = new layers.GRU(U);
  const mask = tf.constant(
    [
      [1, 1, 0, 0],
      [1, 1, 0, 0],
    ],
    "bool",
  );
  close(gru.apply(x, { mask }), flat(gru.apply(first)), 1e-6);

  const rnn = new layers.SimpleRNN(U, { name: "rnn_bad" });
  assert.throws(() => rnn.apply(tf.ones([2, 3])), /rnn_bad.*ndim=3, found ndim=2/);
  rnn.apply(x);
  assert.throws(() => rnn.apply(tf.ones([2, 4, 5])), /axis -1 of input shape to have value 3/);
  assert.throws(() => new layers.LSTM(0), /units/);
  assert.throws(() => new layers.GRU(2, { dropout: 1 }), /dropout/);
});

test("RNN dropout: only in training, one input mask for every step", () => {
  const rnn = new layers.SimpleRNN(U, { dropout: 0.5, recurrentDropout: 0.5, seed: 3 });
  const x = T(xv, [B, S, D]);
  const a = rnn.apply(x);
  close(rnn.apply(x), flat(a));
  const trained = rnn.apply(x, { training: true });
  assert.deepEqual(trained.shape, [B, U]);
  assert.notDeepEqual(flat(trained), flat(a));
});

test("Orthogonal initializer: orthonormal rows or columns, gain, seeds", () => {
  const tall = new tf.keras.initializers.Orthogonal({ seed: 1 }).call([5, 3], "float64");
  close(tf.matmul(tall, tall, { transposeA: true }), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
  const wide = new tf.keras.initializers.Orthogonal({ gain: 2, seed: 1 }).call([2, 4], "float64");
  close(tf.matmul(wide, wide, { transposeB: true }), [4, 0, 0, 4], 1e-12);
  assert.deepEqual(
    flat(new tf.keras.initializers.Orthogonal({ seed: 5 }).call([3, 3])),
    flat(new tf.keras.initializers.Orthogonal({ seed: 5 }).call([3, 3])),
  );
  assert.throws(() => new tf.keras.initializers.Orthogonal().call([3]), /at least two/);
});

test("SimpleRNN, LSTM, GRU: float64 gradients through time in the inputs and every weight", () => {
  const x = randomTensor([2, 3, 2], 5);
  const dtype = "float64" as const;
  checkLayerGradients(new layers.SimpleRNN(2, { dtype, returnSequences: true }), [x]);
  checkLayerGradients(new layers.LSTM(2, { dtype, goBackwards: true }), [x]);
  checkLayerGradients(new layers.GRU(2, { dtype, returnSequences: true }), [x]);
  checkLayerGradients(new layers.GRU(2, { dtype, resetAfter: false }), [x]);
});
