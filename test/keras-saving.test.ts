/**
 * Keras 3 weights files (.weights.h5): loading files written in Keras's layout by Python's h5py
 * (committed fixtures from test/fixtures/make_keras_weights.py), round trips, Python reading
 * tapeflow's files (when python3-h5py is installed), atomic saves, and bad files (missing,
 * foreign, truncated, mismatched) that leave the model unchanged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "../src/index.js";

const { layers, saving } = tf.keras;
const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), "tapeflow-saving-"));

/** The fixture's model: Sequential(Dense(4, relu), Dense(2)) on 3 inputs, built. */
function smallModel(units1 = 4): tf.keras.Sequential {
  const m = new tf.keras.Sequential([
    new layers.Dense(units1, { activation: "relu" }),
    new layers.Dense(2),
  ]);
  m.apply(tf.zeros([1, 3]));
  return m;
}

// The values make_keras_weights.py writes, computed here independently.
const kernel1 = Array.from({ length: 3 }, (_, r) =>
  Array.from({ length: 4 }, (_, c) => (r * 4 + c) / 10 - 0.5),
);
const bias1 = [0.1, -0.2, 0.3, -0.4];
const kernel2 = Array.from({ length: 4 }, (_, r) =>
  Array.from({ length: 2 }, (_, c) => (r * 2 + c) / 4 - 1),
);
const bias2 = [0.5, -0.5];

function assertClose(actual: unknown, expected: unknown, tol = 1e-6, path = ""): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, tol, `${path}[${i}]`));
  } else {
    assert.ok(
      Math.abs((actual as number) - (expected as number)) <= tol,
      `${path}: ${String(actual)} vs ${String(expected)}`,
    );
  }
}

function snapshot(m: tf.keras.Layer): unknown[] {
  return m.weights.map((v) => v.numpy());
}

/** A Python 3 with h5py, or null (CI may not have python3-h5py). */
function pythonWithH5py(): string | null {
  for (const py of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(py, ["-c", "import h5py, numpy"], { stdio: "ignore" });
      return py;
    } catch {
      // try the next one
    }
  }
  return null;
}

test("loads a weights file written in Keras 3's layout by h5py: the known values, in the right layers", async () => {
  const m = smallModel();
  await saving.loadWeights(m, join(FIXTURES, "sequential.weights.h5"));
  const [d1, d2] = m.layers as tf.keras.layers.Dense[];
  assertClose(d1.kernel.numpy(), kernel1);
  assertClose(d1.bias?.numpy(), bias1);
  assertClose(d2.kernel.numpy(), kernel2);
  assertClose(d2.bias?.numpy(), bias2);
  // The forward pass with them: relu(x K1 + b1) K2 + b2 for x = [1, 2, 3], by hand.
  const x = [1, 2, 3];
  const h = bias1.map((b, c) => Math.max(0, b + x.reduce((s, xi, r) => s + xi * kernel1[r][c], 0)));
  const y = bias2.map((b, c) => b + h.reduce((s, hi, r) => s + hi * kernel2[r][c], 0));
  assertClose((m.apply(tf.constant([x])).numpy() as number[][])[0], y, 1e-5);
});

test("loads the optimizer's state (iterations, learning rate, Adam's slots in Keras's order)", async () => {
  const m = new tf.keras.Sequential([
    new layers.Dense(4, { activation: "relu" }),
    new layers.Dense(2),
  ]);
  m.apply(tf.zeros([1, 3]));
  const opt = new tf.keras.optimizers.Adam(0.01);
  m.compile({ optimizer: opt, loss: "mse" });
  // iteration and learning_rate, then one step builds the slots: momentum and velocity for
  // each of the 4 trainable variables.
  const grads = m.trainableVariables.map((v) => tf.onesLike(v));
  opt.applyGradients(grads.map((g, i) => [g, m.trainableVariables[i]]));
  assert.equal(opt.variables.length, 10);
  await saving.loadWeights(m, join(FIXTURES, "sequential_adam.weights.h5"));
  assert.equal(opt.iterations, 3);
  assertClose(opt.learningRate, 0.001);
  const slots = opt.variables.slice(2);
  for (let k = 0; k < 4; k++) {
    const mk = slots[2 * k].dataSync();
    const vk = slots[2 * k + 1].dataSync();
    assert.deepEqual(slots[2 * k].shape, m.trainableVariables[k].shape);
    assertClose(mk[0], 0.01 * (k + 1));
    assertClose(vk[vk.length - 1], 0.001 * (k + 1));
  }
  // A model with no optimizer ignores the optimizer group.
  const plain = smallModel();
  await saving.loadWeights(plain, join(FIXTURES, "sequential_adam.weights.h5"));
  assertClose((plain.layers[1] as tf.keras.layers.Dense).kernel.numpy(), kernel2);
});

test("save then load round-trips every weight; Python's h5py reads the file with Keras's paths", async () => {
  const dir = tmp();
  const file = join(dir, "m.weights.h5");
  const a = smallModel();
  await saving.saveWeights(a, file);
  const b = smallModel();
  await saving.loadWeights(b, file);
  assert.deepEqual(snapshot(b), snapshot(a));

  const py = pythonWithH5py();
  if (py === null) {
    console.log("# skipped the h5py check: no python3 with h5py (apt-get install python3-h5py)");
    return;
  }
  const script = `
import h5py, json, sys
out = {}
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        entry = {"attrs": {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in obj.attrs.items()}}
        if isinstance(obj, h5py.Dataset):
            entry["shape"] = list(obj.shape)
            entry["dtype"] = str(obj.dtype)
            entry["values"] = obj[()].ravel().tolist()
        out[name] = entry
    f.visititems(visit)
print(json.dumps(out))
`;
  const seen = JSON.parse(execFileSync(py, ["-c", script, file]).toString()) as Record<
    string,
    { attrs: Record<string, string>; shape?: number[]; dtype?: string; values?: number[] }
  >;
  assert.deepEqual(Object.keys(seen).sort(), [
    "layers",
    "layers/dense",
    "layers/dense/vars",
    "layers/dense/vars/0",
    "layers/dense/vars/1",
    "layers/dense_1",
    "layers/dense_1/vars",
    "layers/dense_1/vars/0",
    "layers/dense_1/vars/1",
    "vars",
  ]);
  const [d1, d2] = a.layers as tf.keras.layers.Dense[];
  assert.equal(seen["layers/dense/vars"].attrs.name, d1.name);
  assert.equal(seen["layers/dense_1/vars"].attrs.name, d2.name);
  assert.equal(seen.vars.attrs.name, a.name);
  assert.deepEqual(seen["layers/dense/vars/0"].shape, [3, 4]);
  assert.equal(seen["layers/dense/vars/0"].dtype, "float32");
  assert.deepEqual(seen["layers/dense_1/vars/1"].shape, [2]);
  assertClose(seen["layers/dense/vars/0"].values, [...d1.kernel.dataSync()]);
  assertClose(seen["layers/dense_1/vars/0"].values, [...d2.kernel.dataSync()]);
});

test("a failed save leaves the previous file whole and no temporary file behind", async () => {
  const dir = tmp();
  const file = join(dir, "m.weights.h5");
  const a = smallModel();
  await saving.saveWeights(a, file);
  const before = readFileSync(file);
  // A layer holding a string variable cannot be written: the save fails after the first layers.
  class Odd extends tf.keras.layers.Dense {
    label = new tf.Variable(tf.constant(["x"]), { trainable: false });
  }
  const bad = new tf.keras.Sequential([new layers.Dense(4), new Odd(2)]);
  bad.apply(tf.zeros([1, 3]));
  await assert.rejects(saving.saveWeights(bad, file), /cannot save .*dtype string/);
  assert.deepEqual(readFileSync(file), before);
  assert.deepEqual(readdirSync(dir), ["m.weights.h5"]);
});

test("bad files give a clear error naming the file and the dataset, and change nothing", async () => {
  const dir = tmp();
  const good = join(dir, "good.weights.h5");
  copyFileSync(join(FIXTURES, "sequential.weights.h5"), good);
  const m = smallModel();
  const before = snapshot(m);
  const check = async (file: string, pattern: RegExp) => {
    await assert.rejects(
      saving.loadWeights(m, file),
      (e: Error) => e instanceof tf.errors.InvalidArgumentError && pattern.test(e.message),
    );
    assert.deepEqual(snapshot(m), before, `the model changed after ${file}`);
  };
  await check(join(dir, "missing.weights.h5"), /loadWeights: no such file: '.*missing.weights.h5'/);
  const foreign = join(dir, "foreign.weights.h5");
  writeFileSync(foreign, "this is a text file, not HDF5\n".repeat(40));
  await check(foreign, /'.*foreign.weights.h5' is not an HDF5 file/);
  const truncated = join(dir, "truncated.weights.h5");
  writeFileSync(truncated, readFileSync(good).subarray(0, 3000));
  await check(
    truncated,
    /cannot read '.*truncated.weights.h5': the HDF5 file is truncated or corrupt/,
  );
  // Right file, wrong model: Dense(5) where the file has 4 units. The first layer fails after
  // nothing was assigned, and the second layer (which would fit) is not touched either.
  const wide = smallModel(5);
  const wideBefore = snapshot(wide);
  await assert.rejects(
    saving.loadWeights(wide, good),
    /in '.*good.weights.h5', dataset 'layers\/dense\/vars\/0' has shape \(3, 4\), but variable 'dense_\d+\/kernel:0' of 'layers\/dense' has shape \(3, 5\)/,
  );
  assert.deepEqual(snapshot(wide), wideBefore);
  // A model with an extra layer: the file has no group for it.
  const deeper = new tf.keras.Sequential([
    new layers.Dense(4, { activation: "relu" }),
    new layers.Dense(2),
    new layers.Dense(1),
  ]);
  deeper.apply(tf.zeros([1, 3]));
  const deeperBefore = snapshot(deeper);
  await assert.rejects(
    saving.loadWeights(deeper, good),
    /'layers\/dense_2' \(layer '.*'\) expects 2 variables, the file has no group 'layers\/dense_2\/vars'/,
  );
  assert.deepEqual(snapshot(deeper), deeperBefore);
});

test("argument checks: suffix, unbuilt model, non-model", async () => {
  const m = smallModel();
  await assert.rejects(saving.saveWeights(m, "/tmp/m.h5"), /must end in `.weights.h5`/);
  const unbuilt = new tf.keras.Sequential([new layers.Dense(2)]);
  await assert.rejects(saving.saveWeights(unbuilt, "/tmp/u.weights.h5"), /has not been built yet/);
  await assert.rejects(
    saving.loadWeights({} as tf.keras.Layer, "/tmp/u.weights.h5"),
    (e: Error) =>
      e instanceof TypeError && /expected a Keras model or layer, got Object/.test(e.message),
  );
  // The synchronous forms work once the library is loaded.
  await saving.ready();
  const dir = tmp();
  saving.saveWeightsSync(m, join(dir, "s.weights.h5"));
  const n = smallModel();
  saving.loadWeightsSync(n, join(dir, "s.weights.h5"));
  assert.deepEqual(snapshot(n), snapshot(m));
});
