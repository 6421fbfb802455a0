/**
 * tapeflow in several worker_threads at once: each worker has its own tensors and engine, all
 * on the native backend (one addon, one shared thread pool), and each gets bit for bit the
 * losses the same run gives on the main thread.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { Worker } from "node:worker_threads";
import * as tf from "../src/index.js";
import { type RunResult, trainRun } from "./helpers/train-run.js";

const STEPS = 8;
const SEEDS = [1, 2, 3, 4];

function inWorker(seed: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // The entry is TypeScript: the worker registers tsx's loader first, then imports it (a
    // worker's own `--import tsx` comes too late for its entry module on Node 20).
    const entry = new URL("./helpers/train-run.ts", import.meta.url).href;
    const w = new Worker(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
      {
        eval: true,
        workerData: { seed, steps: STEPS },
        env: { ...process.env, TAPEFLOW_QUIET: "1" },
      },
    );
    let result: RunResult | null = null;
    w.on("message", (m: RunResult) => (result = m));
    w.on("error", reject);
    w.on("exit", (code) => {
      if (code !== 0 || result === null) reject(new Error(`worker ${seed} exited with ${code}`));
      else resolve(result);
    });
  });
}

test("4 workers training at once get the main thread's losses, bit for bit", async () => {
  const expected = SEEDS.map((s) => trainRun(s, STEPS));
  for (const r of expected) {
    assert.equal(r.backend, tf.getBackend());
    assert.ok(
      r.losses[STEPS - 1] < r.losses[0],
      `training lowers the loss: ${r.losses.join(", ")}`,
    );
  }
  // Different seeds, different runs: the comparison below is not trivially true.
  assert.notDeepEqual(expected[0].losses, expected[1].losses);
  for (let round = 0; round < 2; round++) {
    const got = await Promise.all(SEEDS.map((s) => inWorker(s)));
    got.forEach((r, i) => {
      assert.equal(r.backend, tf.getBackend(), `worker ${i} backend`);
      assert.deepEqual(r.losses, expected[i].losses, `worker ${i} (seed ${SEEDS[i]}) losses`);
      assert.equal(r.weightSum, expected[i].weightSum, `worker ${i} final weights`);
    });
  }
  // The main thread keeps working while and after workers come and go.
  assert.deepEqual(trainRun(1, STEPS).losses, expected[0].losses);
});

test("workers and the main thread training at the same time", async () => {
  const expected = trainRun(3, STEPS);
  const pending = [inWorker(3), inWorker(3)];
  // The main thread trains while the workers do (they share the native thread pool).
  const here = trainRun(3, STEPS);
  const got = await Promise.all(pending);
  assert.deepEqual(here.losses, expected.losses);
  for (const r of got) assert.deepEqual(r.losses, expected.losses);
});

test("workers terminated mid-training leave the process and the other threads working", async () => {
  const entry = new URL("./helpers/train-run.ts", import.meta.url).href;
  const workers = [5, 6].map(
    (seed) =>
      new Worker(
        `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
        {
          eval: true,
          workerData: { seed, steps: 1000 },
          env: { ...process.env, TAPEFLOW_QUIET: "1" },
        },
      ),
  );
  // Let them get into their training loops, then stop them wherever they are.
  await new Promise((r) => setTimeout(r, 4000));
  const codes = await Promise.all(workers.map((w) => w.terminate()));
  assert.deepEqual(codes, [1, 1]);
  const expected = trainRun(2, STEPS);
  const [again] = await Promise.all([inWorker(2)]);
  assert.deepEqual(again.losses, expected.losses);
});
