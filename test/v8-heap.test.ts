/**
 * tapeflow sets V8 to free dead ArrayBuffers on the main thread (src/backend/v8-heap.ts: the
 * background sweeper's frees and the ops' callocs formed a lock convoy). These tests check that
 * loading tapeflow sets it, that TAPEFLOW_V8_TUNING=0 leaves V8's default, and that tensor
 * storage stays intact across collections that free buffers on the main thread.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import * as tf from "../src/index.js";
import {
  adaptMarkingToHeap,
  arrayBufferSweeping,
  fullCollectionMarking,
} from "../src/backend/v8-heap.js";

/** The settings a child process that loads tapeflow reports: "sweeping / marking". */
function settingsInChild(env: NodeJS.ProcessEnv): string {
  const script = `import * as tf from "./src/index.js";
import { arrayBufferSweeping, fullCollectionMarking } from "./src/backend/v8-heap.js";
void tf;
process.stdout.write(arrayBufferSweeping() + " / " + fullCollectionMarking());`;
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

test("loading tapeflow moves array-buffer sweeping to the main thread and marks atomically", () => {
  const tuned = process.env.TAPEFLOW_V8_TUNING !== "0";
  assert.equal(arrayBufferSweeping(), tuned ? "main thread" : "concurrent");
  assert.equal(fullCollectionMarking(), tuned ? "atomic" : "incremental");
  assert.equal(settingsInChild({ TAPEFLOW_V8_TUNING: undefined }), "main thread / atomic");
});

test("TAPEFLOW_V8_TUNING=0 leaves V8's concurrent sweeping and incremental marking", () => {
  assert.equal(settingsInChild({ TAPEFLOW_V8_TUNING: "0" }), "concurrent / incremental");
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

/**
 * The full collections V8 runs in a child process that keeps activations across young
 * collections, as a training step does (`--trace-gc` lines of the isolate that ran the loop):
 * how many there were, and how many of them were marked incrementally first.
 */
function fullCollectionsInChild(env: NodeJS.ProcessEnv): { all: number; incremental: number } {
  // The gc() ends any marking V8 started while the modules were loading, before the flag.
  const script = `import * as tf from "./src/index.js";
globalThis.gc();
console.log("LOADED");
for (let step = 0; step < 40; step++) {
  const kept = [];
  let x = tf.ones([256, 1024]);
  for (let i = 0; i < 40; i++) { x = tf.add(x, 1); kept.push(x); }
}`;
  const out = execFileSync(
    process.execPath,
    ["--trace-gc", "--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
    { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
  );
  // Lines look like "[pid:0xISOLATE]  123 ms: Mark-Compact ...". tsx's loader runs in a thread
  // with its own isolate; the loop's isolate is the one with the most collections.
  const lines = out.slice(out.indexOf("LOADED")).split("\n");
  const isolateOf = (l: string): string => /^\[\d+:(0x[0-9a-f]+)\]/.exec(l)?.[1] ?? "";
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(isolateOf(l), (counts.get(isolateOf(l)) ?? 0) + 1);
  counts.delete("");
  const main = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const full = lines.filter((l) => isolateOf(l) === main && l.includes("Mark-Compact"));
  return {
    all: full.length,
    incremental: full.filter((l) => l.includes("since start of marking")).length,
  };
}

test("V8 marks full collections in one pause once tapeflow loaded, incrementally with TAPEFLOW_V8_TUNING=0", () => {
  const tuned = fullCollectionsInChild({ TAPEFLOW_V8_TUNING: undefined });
  assert.ok(tuned.all >= 3, `only ${tuned.all} full collections`);
  assert.equal(tuned.incremental, 0);
  const untuned = fullCollectionsInChild({ TAPEFLOW_V8_TUNING: "0" });
  assert.ok(untuned.incremental >= 1, `${untuned.incremental} of ${untuned.all} incremental`);
});

test("a large JS heap gets incremental marking back, a small one atomic again", () => {
  const MB = 1024 * 1024;
  if (process.env.TAPEFLOW_V8_TUNING === "0") {
    // Not managed: the policy leaves V8's default whatever the heap.
    assert.equal(adaptMarkingToHeap(1024 * MB), "incremental");
    assert.equal(adaptMarkingToHeap(1 * MB), "incremental");
    return;
  }
  try {
    assert.equal(adaptMarkingToHeap(64 * MB), "atomic");
    assert.equal(adaptMarkingToHeap(200 * MB), "atomic"); // between the thresholds: kept
    assert.equal(adaptMarkingToHeap(300 * MB), "incremental");
    assert.equal(fullCollectionMarking(), "incremental");
    assert.equal(adaptMarkingToHeap(200 * MB), "incremental"); // kept on the way down too
    assert.equal(adaptMarkingToHeap(100 * MB), "atomic");
  } finally {
    adaptMarkingToHeap(0);
  }
  assert.equal(fullCollectionMarking(), "atomic");
});

test("a worker thread that loads tapeflow leaves the marking to the main thread", async () => {
  const entry = new URL("../src/backend/v8-heap.ts", import.meta.url).href;
  const w = new Worker(
    `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })
       .then((m) => require("node:worker_threads").parentPort.postMessage([m.fullCollectionMarking(), m.adaptMarkingToHeap(0)]));`,
    { eval: true },
  );
  const got = await new Promise<unknown>((resolve, reject) => {
    w.on("message", resolve);
    w.on("error", reject);
  });
  await w.terminate();
  // The worker's module never managed the marking; the main thread's setting stands.
  assert.deepEqual(got, ["incremental", "incremental"]);
  assert.equal(
    fullCollectionMarking(),
    process.env.TAPEFLOW_V8_TUNING === "0" ? "incremental" : "atomic",
  );
});
