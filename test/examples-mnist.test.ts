/**
 * MNIST: the IDX loader against the dataset's published facts (counts, the first labels, the
 * number of 7s in the test set, the training pixels' mean), IDX errors, and
 * examples/mnist-convnet.ts run short (1 epoch on 2,000 images) as users run it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "../src/index.js";
import { parseIdx } from "../src/data/idx.js";

test("mnist.loadData: 60,000 + 10,000 images of 28 x 28 bytes with the published labels", () => {
  const [[x, y], [xt, yt]] = tf.keras.datasets.mnist.loadData();
  assert.deepEqual(x.shape, [60000, 28, 28]);
  assert.deepEqual(y.shape, [60000]);
  assert.deepEqual(xt.shape, [10000, 28, 28]);
  assert.deepEqual(yt.shape, [10000]);
  assert.equal(x.dtype, "int32");
  // The first training labels, as every MNIST tutorial prints them.
  assert.deepEqual(tf.slice(y, [0], [10]).numpy(), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  // The test set's class counts (LeCun's distribution): 980 zeros ... 1028 sevens ... 1009 nines.
  const counts = tf.reduceSum(tf.oneHot(yt, 10), 0).numpy();
  assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // The training pixels' mean, 0.1307 of 255 (the normalization constant everyone uses).
  const mean = (tf.reduceMean(tf.cast(x, "float64")).numpy() as number) / 255;
  assert.ok(Math.abs(mean - 0.1307) < 1e-4, `mean ${mean}`);
  assert.equal(tf.reduceMax(x).numpy(), 255);
});

test("IDX errors name the file: bad magic, unsupported type, truncated data", () => {
  assert.throws(() => parseIdx(Uint8Array.of(1, 2, 3, 4), "a"), /'a' is not an IDX file/);
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1), "f"), /element type 0xd/);
  const header = Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3);
  const good = parseIdx(Uint8Array.of(...header, 1, 2, 3, 4, 5, 6), "g");
  assert.deepEqual(good.shape, [2, 3]);
  assert.deepEqual([...good.data], [1, 2, 3, 4, 5, 6]);
  assert.throws(
    () => parseIdx(Uint8Array.of(...header, 1, 2, 3), "t"),
    /'t' has 3 data bytes, but its header says \[2, 3\] \(6\): the file is truncated/,
  );
  const dir = mkdtempSync(join(tmpdir(), "tapeflow-idx-"));
  writeFileSync(join(dir, "train-images-idx3-ubyte"), header);
  assert.throws(
    () => tf.keras.datasets.mnist.loadData({ path: dir }),
    /no file 'train-labels-idx1-ubyte' in/,
  );
});

test("examples/mnist-convnet.ts, 1 epoch on 2,000 images: Keras's output and a test accuracy above 0.5", () => {
  const root = join(import.meta.dirname, "..");
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "examples/mnist-convnet.ts",
      "--epochs",
      "1",
      "--limit",
      "2000",
      "--test-limit",
      "1000",
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env, TAPEFLOW_QUIET: "1" } },
  );
  const lines = out.trimEnd().split("\n");
  assert.ok(lines.includes("x_train shape: (2000, 28, 28, 1)"), out);
  assert.ok(lines.includes("2000 train samples"));
  assert.ok(
    lines.some((l) => /Total params: 34,826/.test(l)),
    out,
  );
  assert.ok(
    lines.some((l) =>
      /^15\/15 ━+ \d+s \d+m?s\/step - accuracy: 0\.\d{4} - loss: \d\.\d{4} - val_accuracy/.test(l),
    ),
    out,
  );
  const acc = Number(lines.find((l) => l.startsWith("Test accuracy:"))?.split(":")[1]);
  // 15 Adam steps from Keras's initial weights reach about 0.7 here; chance is 0.1.
  assert.ok(acc > 0.5, `test accuracy ${acc}`);
});
