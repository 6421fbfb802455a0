/**
 * tf.keras.Model: the functional API (one and several inputs and outputs), subclassing,
 * Sequential as a Model, layers/getLayer/inputs/outputs, and the summary table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

const { layers } = tf.keras;

class Add2 extends tf.keras.Layer<tf.Tensor[]> {
  call(xs: tf.Tensor[]): tf.Tensor {
    return xs[0].add(xs[1]);
  }
}

test("a functional model equals the same layers applied by hand", () => {
  tf.keras.backend.clearSession();
  const x = tf.keras.Input({ shape: [3] });
  const d1 = new layers.Dense(4, { activation: "tanh" });
  const d2 = new layers.Dense(2);
  const model = new tf.keras.Model<tf.Tensor, tf.Tensor>({
    inputs: x,
    outputs: d2.apply(d1.apply(x)),
  });
  assert.equal(model.name, "functional");
  const data = tf.random.normal([5, 3], { seed: 1 });
  const y = model.apply(data);
  const ref = tf.matmul(tf.tanh(tf.matmul(data, d1.kernel).add(d1.bias!)), d2.kernel).add(d2.bias!);
  close(y, flat(ref));
  assert.deepEqual(y.shape, [5, 2]);
  assert.deepEqual(names(model.trainableWeights), [
    "dense/kernel:0",
    "dense/bias:0",
    "dense_1/kernel:0",
    "dense_1/bias:0",
  ]);
  assert.deepEqual(
    model.layers.map((l) => l.name),
    ["input_layer", "dense", "dense_1"],
  );
  assert.equal(model.getLayer("dense_1"), d2);
  assert.equal(model.getLayer(1), d1);
  assert.deepEqual(model.inputs, [x]);
  assert.deepEqual(model.outputs[0].shape, [null, 2]);
  // Gradients flow through the graph to every weight.
  const tape = new tf.GradientTape();
  const loss = tape.record(() => tf.reduceSum(model.apply(data)));
  assert.ok(tape.gradient(loss, model.trainableWeights).every((g) => g !== null));
});

test("several inputs and outputs; a multi-input layer; Keras's layer order by depth", () => {
  tf.keras.backend.clearSession();
  const a = tf.keras.Input({ shape: [3], name: "a" });
  const b = tf.keras.Input({ shape: [2], name: "b" });
  const da = new layers.Dense(4, { kernelInitializer: "ones" });
  const db = new layers.Dense(4, { kernelInitializer: "ones" });
  const ha = da.apply(a);
  const s = new Add2().apply([ha, db.apply(b)]);
  const o1 = new layers.Dense(1, { name: "out1", kernelInitializer: "ones" }).apply(s);
  const o2 = new layers.Dense(2, { name: "out2", kernelInitializer: "ones" }).apply(ha);
  const model = new tf.keras.Model({ inputs: [a, b], outputs: [o1, o2] });
  const [y1, y2] = model.apply([tf.constant([[1, 2, 3]]), tf.constant([[1, 1]])]) as tf.Tensor[];
  // ha = 6 per unit; hb = 2 per unit; s = 8 per unit; out1 = 4 * 8 = 32; out2 = 4 * 6 = 24.
  assert.deepEqual(y1.numpy(), [[32]]);
  assert.deepEqual(y2.numpy(), [[24, 24]]);
  assert.deepEqual(
    model.layers.map((l) => l.name),
    ["a", "b", "dense", "dense_1", "add2", "out1", "out2"],
  );
  assert.throws(() => model.apply([tf.ones([1, 3])]), /expects 2 input\(s\), but it received 1/);
  assert.throws(
    () => model.apply([tf.ones([1, 4]), tf.ones([1, 2])]),
    /Input 0 of layer "functional" is incompatible with the layer: expected shape=\(None, 3\), found shape=\(1, 4\)/,
  );
});

test("bad functional graphs and bad arguments give clear errors", () => {
  const a = tf.keras.Input({ shape: [3] });
  const b = tf.keras.Input({ shape: [3] });
  const y = new Add2().apply([a, b]);
  assert.throws(() => new tf.keras.Model({ inputs: a, outputs: y }), /Graph disconnected/);
  assert.throws(
    () => new tf.keras.Model({ inputs: tf.ones([1, 3]) as never, outputs: y }),
    /must be symbolic tensors .* an eager tf.Tensor/,
  );
  assert.throws(() => tf.keras.Input({} as never), /a shape is required/);
  assert.throws(() => tf.keras.Input({ shape: [-1] }), /non-negative integer or null/);
  const m = new tf.keras.Model({ inputs: [a, b], outputs: y });
  assert.throws(() => m.getLayer("nope"), /no such layer: nope/);
  assert.throws(() => m.getLayer(9), /index 9 but model only has 3 layers/);
  class Empty extends tf.keras.Model {}
  assert.throws(() => new Empty().apply(tf.ones([1])), /define call\(inputs\)/);
});

test("a subclassed model: layers as properties, weights, nested models, summary", () => {
  tf.keras.backend.clearSession();
  class MLP extends tf.keras.Model<tf.Tensor, tf.Tensor> {
    hidden = new layers.Dense(3, { activation: "relu" });
    out = new layers.Dense(1);
    override call(x: tf.Tensor): tf.Tensor {
      return this.out.apply(this.hidden.apply(x));
    }
  }
  const m = new MLP();
  assert.equal(m.name, "mlp");
  const x = tf.constant([[1, -2]]);
  const y = m.apply(x);
  const h = m.hidden;
  const ref = tf
    .matmul(tf.relu(tf.matmul(x, h.kernel).add(h.bias!)), m.out.kernel)
    .add(m.out.bias!);
  close(y, flat(ref));
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ["dense", "dense_1"],
  );
  assert.equal(m.trainableWeights.length, 4);
  assert.equal(m.countParams(), 2 * 3 + 3 + 3 + 1);
  // A subclassed model used as a layer of a functional one.
  const inp = tf.keras.Input({ shape: [2] });
  const outer = new tf.keras.Model({ inputs: inp, outputs: m.apply(inp) });
  close(outer.apply(x) as tf.Tensor, flat(y));
  let text = "";
  outer.summary({ printFn: (s) => (text = s), lineLength: 76 });
  assert.match(text, /│ mlp \(MLP\) +│ \(None, 1\) +│ +13 │/);
});

test("Sequential is a Model: Input first builds at once; summary as Keras 3 prints it", () => {
  tf.keras.backend.clearSession();
  const model = new tf.keras.Sequential([
    tf.keras.Input({ shape: [784] }),
    new layers.Dense(64, { activation: "relu" }),
    new layers.Dense(10),
  ]);
  assert.ok(model instanceof tf.keras.Model);
  assert.equal(model.weights.length, 4);
  assert.deepEqual(model.outputs[0].shape, [null, 10]);
  assert.deepEqual(
    model.layers.map((l) => l.name),
    ["dense", "dense_1"],
  );
  let text = "";
  model.summary({ printFn: (s) => (text = s), lineLength: 76 });
  assert.equal(
    text,
    [
      'Model: "sequential"',
      "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
      "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
      "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
      "│ dense (Dense)                   │ (None, 64)             │        50,240 │",
      "├─────────────────────────────────┼────────────────────────┼───────────────┤",
      "│ dense_1 (Dense)                 │ (None, 10)             │           650 │",
      "└─────────────────────────────────┴────────────────────────┴───────────────┘",
      // 50,890 float32 = 203,560 bytes = 198.79 KB
      " Total params: 50,890 (198.79 KB)",
      " Trainable params: 50,890 (198.79 KB)",
      " Non-trainable params: 0 (0.00 B)",
      "",
    ].join("\n"),
  );
  // At 88 columns (a wide terminal) the columns are 38, 29 and 17 wide, as Keras's.
  model.summary({ printFn: (s) => (text = s), lineLength: 88 });
  assert.equal(text.split("\n")[1], `┏${"━".repeat(38)}┳${"━".repeat(29)}┳${"━".repeat(17)}┓`);
  // Without an Input, the shapes are known after the first call, the batch unknown.
  const lazy = new tf.keras.Sequential([new layers.Dense(2)]);
  lazy.summary({ printFn: (s) => (text = s), lineLength: 76 });
  assert.match(text, /│ dense_2 \(Dense\) +│ \? +│ +0 \(unbuilt\) │/);
  lazy.apply(tf.ones([7, 5]));
  lazy.summary({ printFn: (s) => (text = s), lineLength: 76 });
  assert.match(text, /│ dense_2 \(Dense\) +│ \(None, 2\) +│ +12 │/);
  assert.throws(
    () => model.apply(tf.ones([1, 3])),
    /expected shape=\(None, 784\), found shape=\(1, 3\)/,
  );
});

test("a functional model that is not a chain gets a Connected to column", () => {
  tf.keras.backend.clearSession();
  const a = tf.keras.Input({ shape: [3], name: "a" });
  const b = tf.keras.Input({ shape: [3], name: "b" });
  const m = new tf.keras.Model({ inputs: [a, b], outputs: new Add2().apply([a, b]) });
  let text = "";
  m.summary({ printFn: (s) => (text = s), lineLength: 108 });
  const lines = text.split("\n");
  // Widths 31, 27, 17, 28 as Keras's rich table (108 columns).
  assert.equal(
    lines[1],
    `┏${"━".repeat(31)}┳${"━".repeat(27)}┳${"━".repeat(17)}┳${"━".repeat(28)}┓`,
  );
  assert.match(lines[2], /^┃ Layer \(type\) +┃ Output Shape +┃ +Param # ┃ Connected to +┃$/);
  assert.match(text, /│ add2 \(Add2\) +│ \(None, 3\) +│ +0 │ a\[0\]\[0\], b\[0\]\[0\] +│/);
});
