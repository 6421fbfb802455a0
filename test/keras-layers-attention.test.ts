/**
 * EinsumDense and MultiHeadAttention: Keras's weight names and shapes, forward values against
 * attention computed with plain loops, masks (attentionMask, causal), scores, dropout only in
 * training, bad inputs, and float64 gradients in the inputs and every weight.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names, T } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { checkLayerGradients, setWeights, values } from "./helpers/layer-gradcheck.js";

const { layers } = tf.keras;
test("EinsumDense: kernel from the equation's letters, bias on biasAxes; ab,bc->ac is Dense", () => {
  const e = new layers.EinsumDense("ab,bc->ac", 3, { biasAxes: "c", name: "ed" });
  const x = T(values(8, 1), [2, 4]);
  e.build([null, 4]);
  assert.deepEqual(names(e.weights), ["ed/kernel:0", "ed/bias:0"]);
  assert.deepEqual(e.kernel.shape, [4, 3]);
  const y = e.apply(x);
  close(y, flat(tf.add(tf.matmul(x, e.kernel), e.bias!)));
  const h = new layers.EinsumDense("abc,cde->abde", [null, 2, 5], { biasAxes: "de" });
  h.build([null, 7, 3]);
  assert.deepEqual(h.kernel.shape, [3, 2, 5]);
  assert.deepEqual(h.bias?.shape, [2, 5]);
  assert.deepEqual(h.apply(tf.ones([1, 7, 3])).shape, [1, 7, 2, 5]);
  assert.equal(h.getConfig().equation, "abc,cde->abde");
  assert.throws(() => new layers.EinsumDense("abc", 3), /equation/);
  assert.throws(() => h.apply(tf.ones([1, 3])), /ndim=3/);
});

const [B, Tq, S, E, N, H] = [2, 3, 4, 5, 2, 3];

/** Attention by loops, from the weights in Keras's order. */
function mhaRef(
  q: number[],
  v: number[],
  w: number[][],
  mask: ((b: number, t: number, s: number) => boolean) | null,
  Ev: number,
): { out: number[]; scores: number[] } {
  const [qk, qb, kk, kb, vk, vb, ok, ob] = w;
  // proj[b, t, n, h] = sum_c x[b, t, c] k[c, n, h] + bias[n, h]
  const proj = (
    x: number[],
    steps: number,
    emb: number,
    k: number[],
    bias: number[],
    d: number,
  ) => {
    const out: number[] = [];
    for (let b = 0; b < B; b++)
      for (let t = 0; t < steps; t++)
        for (let n = 0; n < N; n++)
          for (let h = 0; h < d; h++) {
            let acc = bias[n * d + h];
            for (let c = 0; c < emb; c++)
              acc += x[(b * steps + t) * emb + c] * k[(c * N + n) * d + h];
            out.push(acc);
          }
    return out;
  };
  const pq = proj(q, Tq, E, qk, qb, H);
  const pk = proj(v, S, Ev, kk, kb, H);
  const pv = proj(v, S, Ev, vk, vb, H);
  const scores: number[] = [];
  const ctx = new Array<number>(B * Tq * N * H).fill(0);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++)
      for (let t = 0; t < Tq; t++) {
        const logits: number[] = [];
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let h = 0; h < H; h++)
            dot += pq[((b * Tq + t) * N + n) * H + h] * pk[((b * S + s) * N + n) * H + h];
          logits.push(mask !== null && !mask(b, t, s) ? -Infinity : dot / Math.sqrt(H));
        }
        const m = Math.max(...logits);
        const ex = logits.map((l) => Math.exp(l - m));
        const sum = ex.reduce((a, x) => a + x, 0);
        const p = ex.map((x) => x / sum);
        scores.push(...p);
        for (let h = 0; h < H; h++) {
          let acc = 0;
          for (let s = 0; s < S; s++) acc += p[s] * pv[((b * S + s) * N + n) * H + h];
          ctx[((b * Tq + t) * N + n) * H + h] = acc;
        }
      }
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < Tq; t++)
      for (let e = 0; e < E; e++) {
        let acc = ob[e];
        for (let n = 0; n < N; n++)
          for (let h = 0; h < H; h++)
            acc += ctx[((b * Tq + t) * N + n) * H + h] * ok[(n * H + h) * E + e];
        out.push(acc);
      }
  return { out, scores };
}

test("MultiHeadAttention: Keras's weights (query/key/value/attention_output) and values against loops", () => {
  const mha = new layers.MultiHeadAttention<tf.Tensor[]>(N, H, { name: "mha" });
  const Ev = 4;
  mha.build([
    [null, Tq, E],
    [null, S, Ev],
  ]);
  assert.deepEqual(names(mha.weights), [
    "mha/query/kernel:0",
    "mha/query/bias:0",
    "mha/key/kernel:0",
    "mha/key/bias:0",
    "mha/value/kernel:0",
    "mha/value/bias:0",
    "mha/attention_output/kernel:0",
    "mha/attention_output/bias:0",
  ]);
  assert.deepEqual(
    mha.weights.map((w) => w.shape),
    [[E, N, H], [N, H], [Ev, N, H], [N, H], [Ev, N, H], [N, H], [N, H, E], [E]],
  );
  const w = mha.weights.map((v, i) => values(v.size, 10 + i));
  setWeights(mha, w);
  const qv = values(B * Tq * E, 1);
  const vv = values(B * S * Ev, 2);
  const [out, scores] = mha.apply([T(qv, [B, Tq, E]), T(vv, [B, S, Ev])], {
    returnAttentionScores: true,
  });
  const ref = mhaRef(qv, vv, w, null, Ev);
  assert.deepEqual(out.shape, [B, Tq, E]);
  assert.deepEqual(scores.shape, [B, N, Tq, S]);
  close(out, ref.out, 1e-5);
  close(scores, ref.scores, 1e-5);

  // A mask: query t of batch b may not see key s where (b + t + s) % 3 == 0 (never a whole row).
  const allowed = (b: number, t: number, s: number) => (b + t + s) % 3 !== 0;
  const mv: number[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < Tq; t++) for (let s = 0; s < S; s++) mv.push(allowed(b, t, s) ? 1 : 0);
  const masked = mha.attend(T(qv, [B, Tq, E]), T(vv, [B, S, Ev]), null, {
    attentionMask: T(mv, [B, Tq, S]),
  });
  const mref = mhaRef(qv, vv, w, allowed, Ev);
  close(masked[0], mref.out, 1e-5);
  close(masked[1], mref.scores, 1e-5);

  const config = mha.getConfig();
  assert.equal(config.num_heads, N);
  assert.equal(config.key_dim, H);
  assert.equal(config.value_dim, H);
  assert.equal(config.use_bias, true);
  assert.equal(config.output_shape, null);
});

test("MultiHeadAttention: self-attention, causal mask, valueDim and outputShape, key distinct from value", () => {
  const mha = new layers.MultiHeadAttention(2, 4, { valueDim: 3, outputShape: 6, useBias: false });
  const x = T(values(2 * 4 * 5, 3), [2, 4, 5]);
  const y = mha.apply([x, x]);
  assert.deepEqual(y.shape, [2, 4, 6]);
  assert.deepEqual(
    mha.weights.map((w) => w.shape),
    [
      [5, 2, 4],
      [5, 2, 4],
      [5, 2, 3],
      [2, 3, 6],
    ],
  );
  const [, scores] = mha.attend(x, x, null, { useCausalMask: true });
  const sv = flat(scores);
  // Row t attends to s <= t only, and each row sums to 1.
  for (let r = 0; r < sv.length / 4; r++) {
    const t = r % 4;
    const row = sv.slice(r * 4, r * 4 + 4);
    close(
      row.reduce((a, v) => a + v, 0),
      1,
      1e-5,
    );
    for (let s = t + 1; s < 4; s++) assert.ok(row[s] < 1e-6, `row ${r} sees ${s}`);
  }
  const k = T(values(2 * 4 * 5, 4), [2, 4, 5]);
  const withKey = mha.apply([x, x, k]);
  assert.notDeepEqual(flat(withKey), flat(y));
  // Dropout on the probabilities only in training.
  const d = new layers.MultiHeadAttention(2, 2, { dropout: 0.5, seed: 1 });
  const a = d.apply([x, x]);
  close(d.apply([x, x]), flat(a));
  assert.notDeepEqual(flat(d.apply([x, x], { training: true })), flat(a));
});

test("MultiHeadAttention: bad inputs name the layer and the shapes", () => {
  const mha = new layers.MultiHeadAttention(2, 2, { name: "mha_bad" });
  const x = tf.ones([2, 3, 4]);
  assert.throws(() => mha.apply([x]), /mha_bad/);
  assert.throws(
    () => mha.apply([tf.ones([2, 4]), x]),
    /mha_bad.*query must be \[batch, steps, features\]/,
  );
  mha.apply([x, x]);
  assert.throws(
    () => mha.apply([x, x], { attentionMask: tf.ones([2, 3, 5]) }),
    /mha_bad.*attentionMask must be \[batch, 3, 3\]/,
  );
  assert.throws(
    () => mha.apply([x, tf.ones([2, 3, 4]), tf.ones([2, 5, 4])]),
    /same number of steps/,
  );
  assert.throws(() => new layers.MultiHeadAttention(0, 2), /num_heads/);
});

test("MultiHeadAttention: float64 gradients in query, value and every weight", () => {
  const mha = new layers.MultiHeadAttention(2, 2, { dtype: "float64", valueDim: 3 });
  const q = randomTensor([1, 2, 3], 5);
  const v = randomTensor([1, 3, 2], 6);
  const mask = tf.constant(
    [
      [
        [1, 1, 0],
        [1, 0, 1],
      ],
    ],
    "bool",
  );
  checkLayerGradients(mha, [q, v], {}, (a, b) => mha.apply([a, b], { attentionMask: mask }));
});
