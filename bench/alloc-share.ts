/**
 * `npx tsx bench/alloc-share.ts`: where the time of an eager op goes besides its kernel (issue
 * #10), measured in one process.
 *
 * 1. Memory-bound ops at 1e6 float32 (native backend, 2 threads): the kernel writing into one
 *    reused output (hot in cache, as PyTorch's caching of freed blocks gives), into a ring of
 *    16 already-mapped outputs (no page faults, no zeroing, but cold), and the whole op (a fresh
 *    output each call, released at GC). When "op" is near "cold ring" and far from "hot", the
 *    gap is cache temperature, which only handing the freed block back at once could close;
 *    faults and zeroing are already gone (src/tensor/dtype.ts allocateUninitialized and the
 *    malloc tuning of native/addon.cc).
 * 2. Small ops forward + backward (1e3): the young-generation garbage per step (bytes) and the
 *    page faults per step. V8 gives the young generation fresh pages after a scavenge, and a
 *    page fault costs 10-20 us on a loaded VM, so a step's cost there grows with its garbage.
 */
import { getHeapSpaceStatistics } from "node:v8";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { allocateUninitialized } from "../src/tensor/dtype.js";

const addon = nativeAddon();
if (addon === null) {
  console.log("native addon not loaded");
  process.exit(0);
}
tf.setNumThreads(2);

/** Median us per call, and minor page faults per call. */
function measure(f: () => void, reps: number): { us: number; faults: number } {
  for (let i = 0; i < Math.min(20, reps); i++) f();
  const ts: number[] = [];
  const f0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  const faults = (process.resourceUsage().minorPageFault - f0) / reps;
  ts.sort((a, b) => a - b);
  return { us: ts[reps >> 1] * 1000, faults };
}

const fmt = (m: { us: number; faults: number }): string =>
  `${m.us.toFixed(0).padStart(5)} us (${m.faults.toFixed(1)} faults)`;

const N = 1_000_000;
const x = tf.random.normal([N]);
const y = tf.random.normal([N]);
const xv = x.dataSync() as Float32Array;
const yv = y.dataSync() as Float32Array;
const relu = addon.unaryNames.indexOf("Relu");
const add = addon.binaryNames.indexOf("Add");
const kernels: [string, (out: Float32Array) => void, () => void][] = [
  ["relu 1e6", (out) => addon.unary(relu, xv, out), () => void tf.relu(x)],
  ["add 1e6", (out) => addon.binaryFlat(add, xv, yv, out), () => void tf.add(x, y)],
];
console.log("1e6 float32 forward: kernel into a hot output / a cold mapped ring of 16 / the op");
for (const [name, kernel, op] of kernels) {
  const hot = new Float32Array(N);
  const ring = Array.from({ length: 16 }, () => new Float32Array(N).fill(1));
  let k = 0;
  const fresh = (): void => kernel(allocateUninitialized("float32", N) as Float32Array);
  console.log(
    `  ${name.padEnd(9)} hot ${fmt(measure(() => kernel(hot), 200))}  cold ring ${fmt(
      measure(() => kernel(ring[k++ % 16]), 200),
    )}  fresh ${fmt(measure(fresh, 200))}  op ${fmt(measure(op, 200))}`,
  );
}

/** Young-generation bytes allocated per call (sampled every 8 calls, less an empty loop's). */
function garbagePerCall(f: () => void, iters = 20000): number {
  const used = (): number =>
    getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_used_size ?? 0;
  const run = (g: () => void): number => {
    for (let i = 0; i < 2000; i++) g();
    let prev = used();
    let total = 0;
    for (let i = 0; i < iters; i++) {
      g();
      if (i % 8 === 0) {
        const u = used();
        if (u >= prev) total += u - prev;
        prev = u;
      }
    }
    return total / iters;
  };
  return run(f) - run(() => undefined);
}

const s = tf.random.normal([1000]);
const s2 = tf.random.normal([1000]);
const dy = tf.random.normal([1000]);
const steps: [string, () => void][] = [
  ["exp 1e3 fwd", () => void tf.exp(s)],
  [
    "exp 1e3 fwd+bwd",
    () => {
      const tape = new tf.GradientTape();
      tape.watch(s);
      const out = tape.record(() => tf.exp(s));
      tape.gradient(out, [s], { outputGradients: dy });
    },
  ],
  [
    "add 1e3 fwd+bwd",
    () => {
      const xs = [s, s2];
      const tape = new tf.GradientTape();
      tape.watch(xs);
      const out = tape.record(() => tf.add(s, s2));
      tape.gradient(out, xs, { outputGradients: dy });
    },
  ],
];
console.log("1e3 steps: young-generation garbage, time and page faults per step");
for (const [name, f] of steps) {
  const bytes = garbagePerCall(f);
  console.log(`  ${name.padEnd(16)} ${bytes.toFixed(0).padStart(5)} B  ${fmt(measure(f, 3000))}`);
}
