/**
 * The model workloads, written with public tapeflow ops and tf.keras optimizers only (no layers
 * that are not on main): each builder makes its variables and inputs once and returns a closure
 * that runs one step. bench/workloads/torch_twin.py has the same workloads under the same names.
 *
 *   transformer: keras.io "Text classification with Transformer" (vocab 20000, maxlen 200,
 *                embed 32, 2 heads of key_dim 32 as keras.io's MultiHeadAttention(key_dim=embed),
 *                ff 32, batch 32), one Adam step with its dropouts (0.1) on
 *   mnist:       keras.io "Simple MNIST convnet" (Keras Conv2D 32 relu, pool, Conv2D 64 relu,
 *                pool, dropout 0.5, dense 10), one Adam step, batch 128
 *   lstm:        tf.keras.layers.LSTM of 128 units over 50 steps of 32 features, batch 32, a
 *                dense 10 on the last state (PyTorch: nn.LSTM); one Adam step
 *   gru:         the same with tf.keras.layers.GRU (Keras 3's reset_after form, PyTorch: nn.GRU)
 *   resnet:      conv3x3-bn-relu-conv3x3-bn-add-relu on [32, 16, 16, 32] (batch norm in training
 *                mode: tf.nn.fusedBatchNorm, PyTorch's F.batch_norm), loss mean(y^2), one Adam step
 *   chain:       sin, x1.5, +0.25, tanh, five times over 1e6 float32 (forward only)
 */
import * as tf from "../../src/index.js";
import type { Tensor, Variable } from "../../src/index.js";

export interface Workload {
  name: string;
  /** One-line description, printed in the table's notes. */
  what: string;
  /** One step; it returns what it computes (a forward-only workload's result), so that the
   * step under tf.function keeps that work (a graph runs only what reaches an output or a
   * variable). */
  build(): () => unknown;
}

function variable(shape: number[], stddev: number): Variable {
  return new tf.Variable(tf.random.normal(shape, { stddev }));
}

function zerosVar(shape: number[]): Variable {
  return new tf.Variable(tf.zeros(shape));
}

function onesVar(shape: number[]): Variable {
  return new tf.Variable(tf.ones(shape));
}

/** One training step: gradient of loss with respect to params, applied by opt. */
function trainStep(
  params: Variable[],
  opt: InstanceType<typeof tf.keras.optimizers.Adam>,
  loss: () => Tensor,
): () => void {
  return () => {
    const tape = new tf.GradientTape();
    const l = tape.record(loss);
    const grads = tape.gradient(l, params);
    opt.applyGradients(grads.map((g, i) => [g, params[i]] as const));
  };
}

/** x [rows, in] @ w + b. */
function dense(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return tf.add(tf.matmul(x, w), b);
}

const transformer: Workload = {
  name: "transformer",
  what: "keras.io text-classification Transformer block, Adam step, batch 32 x 200 tokens",
  build() {
    tf.random.setSeed(1);
    const B = 32,
      T = 200,
      E = 32,
      H = 2,
      K = 32,
      F = 32,
      V = 20000;
    const tok = variable([V, E], 0.05);
    const pos = variable([T, E], 0.05);
    const wq = variable([E, H * K], 0.1);
    const bq = zerosVar([H * K]);
    const wk = variable([E, H * K], 0.1);
    const bk = zerosVar([H * K]);
    const wv = variable([E, H * K], 0.1);
    const bv = zerosVar([H * K]);
    const wo = variable([H * K, E], 0.1);
    const bo = zerosVar([E]);
    // keras.io's layers.LayerNormalization(epsilon=1e-6) (the fused LayerNorm op, as the PyTorch
    // twin uses F.layer_norm); gamma and beta are its weights.
    const ln1 = new tf.keras.layers.LayerNormalization({ epsilon: 1e-6 });
    const ln2 = new tf.keras.layers.LayerNormalization({ epsilon: 1e-6 });
    ln1.build([B * T, E]);
    ln2.build([B * T, E]);
    const [g1, be1] = ln1.trainableWeights;
    const [g2, be2] = ln2.trainableWeights;
    const w1 = variable([E, F], 0.1);
    const b1 = zerosVar([F]);
    const w2 = variable([F, E], 0.1);
    const b2 = zerosVar([E]);
    const w3 = variable([E, 20], 0.1);
    const b3 = zerosVar([20]);
    const w4 = variable([20, 2], 0.1);
    const b4 = zerosVar([2]);
    const params = [tok, pos, wq, bq, wk, bk, wv, bv, wo, bo, g1, be1, w1, b1, w2, b2, g2, be2];
    params.push(w3, b3, w4, b4);
    const ids = tf.random.uniform([B, T], { maxval: V, dtype: "int32" });
    const labels = tf.random.uniform([B], { maxval: 2, dtype: "int32" });
    const opt = new tf.keras.optimizers.Adam(1e-3);
    const heads = (x2: Tensor, w: Tensor, b: Tensor): Tensor =>
      tf.transpose(tf.reshape(dense(x2, w, b), [B, T, H, K]), [0, 2, 1, 3]);
    return trainStep(params, opt, () => {
      const x = tf.add(tf.gather(tok, ids), pos); // [B, T, E]
      const x2 = tf.reshape(x, [B * T, E]);
      const q = heads(x2, wq, bq);
      const k = heads(x2, wk, bk);
      const v = heads(x2, wv, bv);
      const scores = tf.multiply(tf.matmul(q, k, { transposeB: true }), 1 / Math.sqrt(K));
      const p = tf.nn.softmax(scores);
      const ctx = tf.reshape(tf.transpose(tf.matmul(p, v), [0, 2, 1, 3]), [B * T, H * K]);
      const att = tf.nn.dropout(dense(ctx, wo, bo), 0.1);
      const out1 = ln1.apply(tf.add(x2, att)) as Tensor;
      const ff = tf.nn.dropout(dense(tf.relu(dense(out1, w1, b1)), w2, b2), 0.1);
      const out2 = ln2.apply(tf.add(out1, ff)) as Tensor;
      const pooled = tf.nn.dropout(tf.reduceMean(tf.reshape(out2, [B, T, E]), 1), 0.1);
      const h = tf.nn.dropout(tf.relu(dense(pooled, w3, b3)), 0.1);
      const logits = dense(h, w4, b4);
      return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    });
  },
};

const mnist: Workload = {
  name: "mnist",
  what: "keras.io MNIST convnet, Adam step, batch 128",
  build() {
    tf.random.setSeed(2);
    // keras.io's layers.Conv2D(n, kernel_size=(3, 3), activation="relu"): the layer runs conv,
    // bias and relu as one fused op (_FusedConv2D, as TensorFlow's grappler does for Keras; the
    // PyTorch twin's F.conv2d takes the bias too).
    const conv1 = new tf.keras.layers.Conv2D(32, 3, { activation: "relu" });
    const conv2 = new tf.keras.layers.Conv2D(64, 3, { activation: "relu" });
    conv1.build([128, 28, 28, 1]);
    conv2.build([128, 13, 13, 32]);
    const wd = variable([1600, 10], 0.03);
    const bd = zerosVar([10]);
    const params = [...conv1.trainableWeights, ...conv2.trainableWeights, wd, bd];
    const x = tf.random.uniform([128, 28, 28, 1]);
    const labels = tf.random.uniform([128], { maxval: 10, dtype: "int32" });
    const opt = new tf.keras.optimizers.Adam(1e-3);
    return trainStep(params, opt, () => {
      let h = tf.nn.maxPool2d(conv1.apply(x) as Tensor, 2, 2, "VALID");
      h = tf.nn.maxPool2d(conv2.apply(h) as Tensor, 2, 2, "VALID");
      h = tf.nn.dropout(tf.reshape(h, [128, 1600]), 0.5);
      const logits = dense(h, wd, bd);
      return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    });
  },
};

/** A recurrent layer of 128 units over 50 steps x 32 features, batch 32, a dense 10 head; Adam. */
function recurrentWorkload(name: "lstm" | "gru", seed: number): Workload {
  return {
    name,
    what: `${name.toUpperCase()} 128 units, 50 steps x 32 features, batch 32, dense 10; Adam step`,
    build() {
      tf.random.setSeed(seed);
      const B = 32,
        T = 50,
        D = 32,
        U = 128;
      const layer = name === "lstm" ? new tf.keras.layers.LSTM(U) : new tf.keras.layers.GRU(U);
      layer.build([B, T, D]);
      const wd = variable([U, 10], 0.1);
      const bd = zerosVar([10]);
      const params = [...layer.trainableWeights, wd, bd];
      const x = tf.random.normal([B, T, D]);
      const labels = tf.random.uniform([B], { maxval: 10, dtype: "int32" });
      const opt = new tf.keras.optimizers.Adam(1e-3);
      return trainStep(params, opt, () => {
        const logits = dense(layer.apply(x), wd, bd);
        return tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
      });
    },
  };
}

const lstm = recurrentWorkload("lstm", 3);
const gru = recurrentWorkload("gru", 5);

const resnet: Workload = {
  name: "resnet",
  what: "ResNet block conv-bn-relu-conv-bn-add-relu on [32,16,16,32], Adam step",
  build() {
    tf.random.setSeed(4);
    const C = 32;
    const k1 = variable([3, 3, C, C], 0.06);
    const k2 = variable([3, 3, C, C], 0.06);
    const ga1 = onesVar([C]);
    const bt1 = zerosVar([C]);
    const ga2 = onesVar([C]);
    const bt2 = zerosVar([C]);
    const params = [k1, ga1, bt1, k2, ga2, bt2];
    const x = tf.random.normal([32, 16, 16, C]);
    const opt = new tf.keras.optimizers.Adam(1e-3);
    const bn = (h: Tensor, g: Tensor, bt: Tensor): Tensor =>
      tf.nn.fusedBatchNorm(h, g, bt, null, null, { epsilon: 1e-3 })[0];
    return trainStep(params, opt, () => {
      let h = tf.relu(bn(tf.nn.conv2d(x, k1, 1, "SAME"), ga1, bt1));
      h = bn(tf.nn.conv2d(h, k2, 1, "SAME"), ga2, bt2);
      const y = tf.relu(tf.add(h, x));
      return tf.reduceMean(tf.square(y));
    });
  },
};

const chain: Workload = {
  name: "chain",
  what: "20 elementwise ops (sin, x1.5, +0.25, tanh; 5 times) over 1e6 float32, forward",
  build() {
    const x = tf.random.normal([1_000_000]);
    return () => {
      let y: Tensor = x;
      for (let i = 0; i < 5; i++) y = tf.tanh(tf.add(tf.multiply(tf.sin(y), 1.5), 0.25));
      return y;
    };
  },
};

export const MODEL_WORKLOADS: Workload[] = [transformer, mnist, lstm, gru, resnet, chain];
