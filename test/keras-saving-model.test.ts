/**
 * .keras model files: Keras 3's zip of metadata.json, config.json and model.weights.h5 for
 * Sequential and functional models (core, conv and pooling layers), read back with the same
 * outputs; the config in Keras's serialization format (checked with Python's zipfile and h5py
 * when present); bad files rejected with no model returned.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import * as tf from "../src/index.js";
import { loadH5 } from "../src/keras/saving/h5.js";

const { layers, saving, models } = tf.keras;
const tmp = () => mkdtempSync(join(tmpdir(), "tapeflow-keras-"));

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.reduceMax(tf.abs(a.sub(b))).numpy() as number;
}

function convnet(): tf.keras.Sequential {
  return new tf.keras.Sequential([
    tf.keras.Input({ shape: [8, 8, 1] }),
    new layers.Conv2D(3, 3, { activation: "relu" }),
    new layers.MaxPooling2D(2),
    new layers.Flatten(),
    new layers.Dropout(0.5),
    new layers.Dense(4, { activation: "softmax", kernelInitializer: "heNormal" }),
  ]);
}

test("a Sequential convnet saved as .keras loads back with the same layers, config and outputs", async () => {
  const dir = tmp();
  const file = join(dir, "convnet.keras");
  const m = convnet();
  await saving.saveModel(m, file);
  assert.deepEqual(readdirSync(dir), ["convnet.keras"]);
  const entries = unzipSync(new Uint8Array(readFileSync(file)));
  assert.deepEqual(Object.keys(entries).sort(), [
    "config.json",
    "metadata.json",
    "model.weights.h5",
  ]);
  const config = JSON.parse(strFromU8(entries["config.json"])) as {
    class_name: string;
    module: string;
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
  };
  assert.equal(config.class_name, "Sequential");
  assert.equal(config.module, "keras");
  assert.deepEqual(
    config.config.layers.map((l) => l.class_name),
    ["InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"],
  );
  assert.deepEqual(config.config.layers[0].config.batch_shape, [null, 8, 8, 1]);
  const dense = config.config.layers[5].config;
  assert.equal(dense.units, 4);
  assert.equal(dense.activation, "softmax");
  assert.deepEqual(dense.kernel_initializer, {
    module: "keras.initializers",
    class_name: "HeNormal",
    config: { seed: null },
    registered_name: null,
  });
  assert.deepEqual(dense.dtype, {
    module: "keras",
    class_name: "DTypePolicy",
    config: { name: "float32" },
    registered_name: null,
  });

  const back = (await models.loadModel(file)) as tf.keras.Sequential;
  assert.ok(back instanceof tf.keras.Sequential);
  assert.deepEqual(
    back.layers.map((l) => l.constructor.name),
    ["Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"],
  );
  const x = tf.random.normal([3, 8, 8, 1], { seed: 1 });
  assert.equal(maxDiff(m.apply(x), back.apply(x)), 0);
  assert.deepEqual(
    back.weights.map((w) => w.shape),
    m.weights.map((w) => w.shape),
  );
});

test("a functional model (two branches, a shared layer) round-trips through .keras", async () => {
  const inp = tf.keras.Input({ shape: [3] });
  const shared = new layers.Dense(4, { activation: "tanh" });
  const a = shared.apply(inp);
  const b = shared.apply(new layers.Dense(3).apply(inp));
  const out = new layers.Dense(2).apply(new layers.Activation("relu").apply(b));
  const out2 = new layers.Dense(1).apply(a);
  const m = new tf.keras.Model({ inputs: inp, outputs: [out, out2] });
  const file = join(tmp(), "f.keras");
  await saving.saveModel(m, file);
  const back = await models.loadModel(file);
  const x = tf.random.normal([5, 3], { seed: 2 });
  const [y1, y2] = m.apply(x) as tf.Tensor[];
  const [z1, z2] = back.apply(x) as tf.Tensor[];
  assert.equal(maxDiff(y1, z1), 0);
  assert.equal(maxDiff(y2, z2), 0);
  const config = JSON.parse(
    strFromU8(unzipSync(new Uint8Array(readFileSync(file)))["config.json"]),
  );
  const sharedConfig = config.config.layers.find((l: { name: string }) => l.name === shared.name);
  assert.equal(sharedConfig.inbound_nodes.length, 2, "the shared layer has two calls");
  assert.equal(config.class_name, "Functional");
  assert.equal(config.config.output_layers.length, 2);
});

test("Python reads the .keras file: zipfile entries, config keys, weights paths with h5py", async (t) => {
  let py: string | null = null;
  for (const cand of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(cand, ["-c", "import h5py"], { stdio: "ignore" });
      py = cand;
      break;
    } catch {
      // next
    }
  }
  if (py === null) {
    t.skip("no python3 with h5py (apt-get install python3-h5py)");
    return;
  }
  const dir = tmp();
  const file = join(dir, "convnet.keras");
  await saving.saveModel(convnet(), file);
  const script = `
import h5py, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
cfg = json.loads(z.read("config.json"))
meta = json.loads(z.read("metadata.json"))
f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
paths = []
f.visititems(lambda n, o: paths.append(n) if isinstance(o, h5py.Dataset) else None)
print(json.dumps({"classes": [l["class_name"] for l in cfg["config"]["layers"]],
                  "version": meta["keras_version"], "paths": sorted(paths),
                  "kernel": list(f["layers/conv2d/vars/0"].shape)}))
`;
  const seen = JSON.parse(execFileSync(py, ["-c", script, file]).toString());
  assert.deepEqual(seen.classes, [
    "InputLayer",
    "Conv2D",
    "MaxPooling2D",
    "Flatten",
    "Dropout",
    "Dense",
  ]);
  assert.match(seen.version, /^3\./);
  assert.deepEqual(seen.paths, [
    "layers/conv2d/vars/0",
    "layers/conv2d/vars/1",
    "layers/dense/vars/0",
    "layers/dense/vars/1",
  ]);
  assert.deepEqual(seen.kernel, [3, 3, 1, 3]);
});

test("bad .keras files: clear errors, no model", async () => {
  const dir = tmp();
  const good = join(dir, "good.keras");
  await saving.saveModel(convnet(), good);
  const bytes = new Uint8Array(readFileSync(good));
  const write = (name: string, data: Uint8Array | string) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const check = (p: string, pattern: RegExp) =>
    assert.rejects(
      models.loadModel(p),
      (e: Error) => e instanceof tf.errors.InvalidArgumentError && pattern.test(e.message),
    );
  await check(join(dir, "none.keras"), /no such file/);
  await check(write("text.keras", "hello"), /is not a .keras file \(not a zip archive\)/);
  await check(
    write("cut.keras", bytes.subarray(0, bytes.length - 200)),
    /truncated or corrupt zip/,
  );
  const entries = unzipSync(bytes);
  await check(
    write("noconfig.keras", zipSync({ "model.weights.h5": entries["model.weights.h5"] })),
    /has no config.json/,
  );
  const config = JSON.parse(strFromU8(entries["config.json"]));
  config.config.layers[1].class_name = "Conv9D";
  await check(
    write("unknown.keras", zipSync({ ...entries, "config.json": strToU8(JSON.stringify(config)) })),
    /could not locate class 'Conv9D'/,
  );
  // The weights of another model: the conv kernel's shape differs.
  const other = new tf.keras.Sequential([
    tf.keras.Input({ shape: [8, 8, 1] }),
    new layers.Conv2D(5, 3, { activation: "relu" }),
    new layers.MaxPooling2D(2),
    new layers.Flatten(),
    new layers.Dropout(0.5),
    new layers.Dense(4, { activation: "softmax" }),
  ]);
  const otherFile = join(dir, "other.keras");
  await saving.saveModel(other, otherFile);
  const mixed = zipSync({
    ...entries,
    "model.weights.h5": unzipSync(new Uint8Array(readFileSync(otherFile)))["model.weights.h5"],
  });
  await check(
    write("mixed.keras", mixed),
    /mixed.keras\/model.weights.h5', dataset 'layers\/conv2d\/vars\/0' has shape \(3, 3, 1, 5\)/,
  );
  await assert.rejects(saving.saveModel(convnet(), join(dir, "m.h5")), /legacy Keras 2 HDF5/);
  class Custom extends tf.keras.Model {
    d = new layers.Dense(2);
    override call(x: tf.Tensor | readonly tf.Tensor[]) {
      return this.d.apply(x as tf.Tensor);
    }
  }
  const sub = new Custom();
  sub.apply(tf.zeros([1, 2]));
  await assert.rejects(
    saving.saveModel(sub, join(dir, "sub.keras")),
    /only Sequential and functional models/,
  );
});

test("model.save, model.saveWeights and model.loadWeights delegate to tf.keras.saving", async () => {
  const dir = tmp();
  const m = convnet();
  await m.save(join(dir, "a.keras"));
  await m.saveWeights(join(dir, "a.weights.h5"));
  const fresh = convnet();
  const x = tf.random.normal([2, 8, 8, 1], { seed: 3 });
  assert.notEqual(maxDiff(m.apply(x), fresh.apply(x)), 0);
  await fresh.loadWeights(join(dir, "a.weights.h5"));
  assert.equal(maxDiff(m.apply(x), fresh.apply(x)), 0);
  const loaded = await models.loadModel(join(dir, "a.keras"));
  assert.equal(maxDiff(m.apply(x), loaded.apply(x) as tf.Tensor), 0);
  await saving.ready();
  m.saveSync(join(dir, "b.keras"));
  fresh.saveWeightsSync(join(dir, "b.weights.h5"));
  m.loadWeightsSync(join(dir, "b.weights.h5"));
  assert.ok(models.loadModelSync(join(dir, "b.keras")) instanceof tf.keras.Sequential);
});

test("loads a .keras file in the form Python Keras writes (made by h5py and zipfile)", async () => {
  const file = new URL("./fixtures/sequential.keras", import.meta.url).pathname;
  const m = (await models.loadModel(file)) as tf.keras.Sequential;
  assert.ok(m instanceof tf.keras.Sequential);
  assert.equal(m.name, "sequential");
  const [d1, d2] = m.layers as tf.keras.layers.Dense[];
  assert.equal(d1.units, 4);
  assert.equal(d2.units, 2);
  // relu(x K1 + b1) K2 + b2 with the fixture's known values (see make_keras_weights.py).
  const k1 = Array.from({ length: 3 }, (_, r) =>
    Array.from({ length: 4 }, (_, c) => (r * 4 + c) / 10 - 0.5),
  );
  const b1 = [0.1, -0.2, 0.3, -0.4];
  const k2 = Array.from({ length: 4 }, (_, r) =>
    Array.from({ length: 2 }, (_, c) => (r * 2 + c) / 4 - 1),
  );
  const b2 = [0.5, -0.5];
  const x = [1, -2, 0.5];
  const h = b1.map((b, c) => Math.max(0, b + x.reduce((s, xi, r) => s + xi * k1[r][c], 0)));
  const y = b2.map((b, c) => b + h.reduce((s, hi, r) => s + hi * k2[r][c], 0));
  const got = (m.apply(tf.constant([x])).numpy() as number[][])[0];
  got.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5, `${v} vs ${y[i]}`));
});

test("weights paths follow Keras's walk for functional and subclassed models", async () => {
  const h5 = await loadH5();
  const datasets = (file: string): string[] => {
    const f = new h5.File(file, "r");
    try {
      return f
        .paths()
        .filter((p) => f.get(p)?.type === "Dataset")
        .sort();
    } finally {
      f.close();
    }
  };
  const dir = tmp();
  const inp = tf.keras.Input({ shape: [3] });
  const out = new layers.Dense(2).apply(new layers.Dense(4).apply(inp));
  const functional = new tf.keras.Model({ inputs: inp, outputs: out });
  await saving.saveWeights(functional, join(dir, "f.weights.h5"));
  assert.deepEqual(datasets(join(dir, "f.weights.h5")), [
    "layers/dense/vars/0",
    "layers/dense/vars/1",
    "layers/dense_1/vars/0",
    "layers/dense_1/vars/1",
  ]);
  // A subclassed model's attributes are walked in sorted order, and its `layers` property is
  // one of them (Keras 3's saving_lib walks dir(model)): `head` sorts before `layers` and is
  // saved under its name; `tower` sorts after, so it was already saved in the `layers`
  // container, under its class name.
  class TwoTower extends tf.keras.Model {
    tower = new layers.Dense(3);
    head = new layers.Dense(1, { useBias: false });
    override call(x: tf.Tensor | readonly tf.Tensor[]) {
      return this.head.apply(this.tower.apply(x as tf.Tensor));
    }
  }
  const sub = new TwoTower();
  sub.apply(tf.zeros([1, 2]));
  await saving.saveWeights(sub, join(dir, "s.weights.h5"));
  assert.deepEqual(datasets(join(dir, "s.weights.h5")), [
    "head/vars/0",
    "layers/dense/vars/0",
    "layers/dense/vars/1",
  ]);
  const again = new TwoTower();
  again.apply(tf.zeros([1, 2]));
  await saving.loadWeights(again, join(dir, "s.weights.h5"));
  assert.deepEqual(again.head.weights[0].numpy(), sub.head.weights[0].numpy());
});
