/**
 * tapeflow sets V8 to free dead ArrayBuffers on the main thread (src/backend/v8-heap.ts: the
 * background sweeper's frees and the ops' callocs formed a lock convoy). These tests check that
 * loading tapeflow sets it, that TAPEFLOW_V8_TUNING=0 leaves V8's default, and that tensor
 * storage stays intact across collections that free buffers on the main thread.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as tf from "../src/index.js";
import { arrayBufferSweeping } from "../src/backend/v8-heap.js";

function sweepingInChild(env: NodeJS.ProcessEnv): string {
  const script = `import * as tf from "./src/index.js";
import { arrayBufferSweeping } from "./src/backend/v8-heap.js";
void tf;
process.stdout.write(arrayBufferSweeping());`;
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

test("loading tapeflow moves array-buffer sweeping to the main thread", () => {
  const expected = process.env.TAPEFLOW_V8_TUNING === "0" ? "concurrent" : "main thread";
  assert.equal(arrayBufferSweeping(), expected);
  assert.equal(sweepingInChild({ TAPEFLOW_V8_TUNING: undefined }), "main thread");
});

test("TAPEFLOW_V8_TUNING=0 leaves V8's concurrent sweeping", () => {
  assert.equal(sweepingInChild({ TAPEFLOW_V8_TUNING: "0" }), "concurrent");
});

test("tensors kept across collections that free many dead buffers keep their values", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const x = tf.range(0, 1000, 1, "float32");
  const sines = tf.sin(x).dataSync() as Float32Array;
  const kept: tf.Tensor[] = [];
  for (let i = 0; i < 2000; i++) {
    const y = tf.add(tf.sin(x), i); // the sin is dead at once; every 100th sum is kept
    if (i % 100 === 0) kept.push(y);
  }
  gc?.();
  kept.forEach((y, k) => {
    const ys = y.dataSync();
    for (let j = 0; j < 1000; j += 97) {
      assert.equal(ys[j], Math.fround(sines[j] + 100 * k), `kept[${k}][${j}]`);
    }
  });
});
