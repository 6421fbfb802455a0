/**
 * Safe files: tf.savedModel.save replaces a save atomically (a crash at any moment leaves the
 * previous save loadable, whole), and loading a truncated, corrupt or foreign file is a clear
 * error naming the file. (Checkpoints: checkpoint.test.ts.)
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import * as tf from "../src/index.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "tapeflow-safe-"));
}

function model(value: number) {
  const w = new tf.Variable(tf.fill([3], value), { name: "w" });
  const f = tf.function((x: tf.Tensor) => x.mul(w));
  f(tf.ones([3]));
  return { w, f };
}

const call = (dir: string): number[] => {
  const g = tf.savedModel.load<(x: tf.Tensor) => tf.Tensor>(dir);
  return Array.from(g(tf.ones([3])).dataSync() as Float32Array);
};

const binFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".bin"));

test("saving over a save replaces it whole, leaving one data file and no temporaries", () => {
  const dir = tmp();
  try {
    const { w, f } = model(2);
    tf.savedModel.save(f, dir);
    assert.deepEqual(call(dir), [2, 2, 2]);
    w.assign(tf.fill([3], 5));
    tf.savedModel.save(f, dir);
    assert.deepEqual(call(dir), [5, 5, 5]);
    assert.equal(binFiles(dir).length, 1);
    assert.deepEqual(readdirSync(dir).sort(), ["saved_model.json", ...binFiles(dir)].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("what a crash mid-save leaves (a new data file, a half-written index) loads as the previous save", () => {
  const dir = tmp();
  try {
    const { w, f } = model(2);
    tf.savedModel.save(f, dir);
    // A crash after the new data file was written but before the index was renamed over.
    writeFileSync(join(dir, "tensors-0123456789ab.bin"), Buffer.alloc(64, 7));
    writeFileSync(join(dir, ".saved_model.json.tmp-aaaaaaaaaaaa"), '{"format": "tapeflow.sav');
    assert.deepEqual(call(dir), [2, 2, 2]);
    // The next save clears what the crash left.
    w.assign(tf.fill([3], 3));
    tf.savedModel.save(f, dir);
    assert.deepEqual(call(dir), [3, 3, 3]);
    assert.equal(binFiles(dir).length, 1);
    assert.equal(
      readdirSync(dir).some((n) => n.includes(".tmp-")),
      false,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts the save loop, kills it (SIGKILL) `delayMs` after its `after`-th save, returns the last save it reported. */
function killMidSave(kind: string, dir: string, after: number, delayMs: number): Promise<number> {
  const script = fileURLToPath(new URL("./helpers/save-loop.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, kind, dir], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TAPEFLOW_QUIET: "1" },
    });
    let last = 0;
    let err = "";
    let out = "";
    let killing = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n").filter((l) => l !== "");
      last = Number(lines[lines.length - 1]);
      if (!killing && last >= after) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(last);
      else reject(new Error(`save loop exited with ${code}: ${err}`));
    });
  });
}

test("a process killed at random moments while saving always leaves a whole, loadable save", async () => {
  const dir = tmp();
  try {
    for (const [after, delay] of [
      [2, 0],
      [3, 3],
      [2, 11],
    ]) {
      const last = await killMidSave("savedModel", dir, after, delay);
      const g = tf.savedModel.load<(x: tf.Tensor) => tf.Tensor>(dir);
      const y = Array.from(g(tf.ones([1, 256])).dataSync() as Float32Array);
      // Every element: 256 k (the matmul) + 1000 k (the sum of b), one k for all variables.
      const k = y[0] / 1256;
      assert.ok(Number.isInteger(k) && k >= last, `loaded save ${k}, the child reported ${last}`);
      assert.ok(
        y.every((v) => v === y[0]),
        "variables from different saves",
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a checkpoint written by a process killed at random moments is always whole", async () => {
  const dir = tmp();
  try {
    for (const [after, delay] of [
      [2, 0],
      [3, 5],
    ]) {
      const last = await killMidSave("checkpoint", dir, after, delay);
      const a = new tf.Variable(tf.zeros([256, 256]));
      const b = new tf.Variable(tf.zeros([1000]));
      new tf.train.Checkpoint({ a, b }).restore(join(dir, "ckpt")).assertConsumed();
      const k = (a.dataSync() as Float32Array)[0];
      assert.ok(Number.isInteger(k) && k >= last, `restored save ${k}, the child reported ${last}`);
      assert.ok((a.dataSync() as Float32Array).every((v) => v === k));
      assert.ok((b.dataSync() as Float32Array).every((v) => v === k));
      assert.equal(readdirSync(dir).filter((n) => !n.startsWith(".")).length, 1);
      // The next write clears the temporary file the kill may have left.
      new tf.train.Checkpoint({ a, b }).write(join(dir, "ckpt"));
      assert.deepEqual(readdirSync(dir), ["ckpt.ckpt"]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a truncated, corrupt, missing or foreign file is a clear error naming the file", () => {
  const dir = tmp();
  try {
    const { f } = model(2);
    tf.savedModel.save(f, dir);
    const [bin] = binFiles(dir);
    const binPath = join(dir, bin);
    const good = readFileSync(binPath);
    const index = join(dir, "saved_model.json");
    const goodIndex = readFileSync(index);

    writeFileSync(binPath, good.subarray(0, good.length - 4));
    assert.throws(() => tf.savedModel.load(dir), {
      name: "InvalidArgumentError",
      message: `tf.savedModel.load: ${binPath} has ${good.length - 4} bytes where saved_model.json says ${good.length}: the file is truncated or was replaced`,
    });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 0x40;
    writeFileSync(binPath, flipped);
    assert.throws(() => tf.savedModel.load(dir), {
      name: "InvalidArgumentError",
      message: new RegExp(
        `^tf\\.savedModel\\.load: ${binPath} is corrupt: its CRC-32 is \\d+, saved_model.json says \\d+$`,
      ),
    });
    rmSync(binPath);
    assert.throws(() => tf.savedModel.load(dir), {
      name: "InvalidArgumentError",
      message: new RegExp(`cannot read ${binPath}: ENOENT`),
    });
    writeFileSync(binPath, good);
    assert.deepEqual(call(dir), [2, 2, 2]);

    writeFileSync(index, goodIndex.subarray(0, goodIndex.length >> 1));
    assert.throws(() => tf.savedModel.load(dir), {
      name: "InvalidArgumentError",
      message: new RegExp(
        `is not a valid saved function: it is not JSON, perhaps truncated or not a tapeflow file .*\\(in ${index}\\)$`,
      ),
    });
    // A PNG where the index should be.
    writeFileSync(index, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    assert.throws(() => tf.savedModel.load(dir), /it is not JSON/);
    writeFileSync(index, JSON.stringify({ format: "keras", version: 2 }));
    assert.throws(() => tf.savedModel.load(dir), /format is "keras", not tapeflow.savedModel/);
    writeFileSync(index, JSON.stringify({ format: "tapeflow.savedModel", version: 9 }));
    assert.throws(
      () => tf.savedModel.load(dir),
      /version 9 is not supported \(this tapeflow reads versions 1, 2\)/,
    );
    const j = JSON.parse(goodIndex.toString()) as { tensors: { file: string } };
    j.tensors.file = "../../etc/passwd";
    writeFileSync(index, JSON.stringify(j));
    assert.throws(
      () => tf.savedModel.load(dir),
      /tensors.file "..\/..\/etc\/passwd" is not a data file name/,
    );
    assert.throws(() => tf.savedModel.load(5 as never), TypeError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a version 1 save (tensors.bin, no checksum) still loads", () => {
  const dir = tmp();
  try {
    const { f } = model(4);
    tf.savedModel.save(f, dir);
    const [bin] = binFiles(dir);
    renameSync(join(dir, bin), join(dir, "tensors.bin"));
    const index = join(dir, "saved_model.json");
    const j = JSON.parse(readFileSync(index, "utf8")) as Record<string, unknown>;
    j.version = 1;
    delete j.tensors;
    writeFileSync(index, JSON.stringify(j));
    assert.deepEqual(call(dir), [4, 4, 4]);
    // Saving over it moves to version 2 and removes the old data file.
    tf.savedModel.save(f, dir);
    assert.equal(existsSync(join(dir, "tensors.bin")), false);
    assert.deepEqual(call(dir), [4, 4, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
