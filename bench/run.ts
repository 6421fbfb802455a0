/**
 * `npm run bench`: tapeflow (native and JS backends) against TensorFlow.js (cpu and wasm) in one
 * run. Prints one table with tapeflow native's ratio to each of the others (> 1: tapeflow is
 * ahead) and writes every figure to bench/results/latest.json.
 *
 *   npm run bench                  all cases
 *   npm run bench -- --quick       fewer repeats, 1024 matmul on native and wasm only
 *   npm run bench -- --only matmul,sigmoid --no-peers --out file.json
 *   npm run bench -- --rounds 3    measure everything 3 times, keep each figure's best (on a
 *                                  shared machine, other jobs slow some rounds down)
 *   npm run bench -- --only workloads   the model workloads and op suite against PyTorch alone
 *                                  (bench/workloads/run.ts; also `npm run bench:workloads`)
 *
 * Matmul is GFLOP/s (2 n^3 flops per product), sigmoid GB/s (4 bytes read + 4 written per
 * element: x in and y out, or x in and dx out for forward + gradient), tiny ops us per op, the
 * MLP step ms. Each figure is the median of repeated runs
 * after warm-up; outputs are allocated inside the timed region, as a user's code would.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getBackend } from "../src/index.js";
import { getNumThreads, nativeAddon } from "../src/backend/native/index.js";
import { type Impl, type ImplName, loadTfjs, tapeflow, tfjs, wasmThreads } from "./impls.js";
import { collect, timeIt } from "./timing.js";
import { formatWorkloads, runWorkloads, type WorkloadReport } from "./workloads/run.js";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "no-peers": { type: "boolean", default: false },
    out: { type: "string" },
    rounds: { type: "string", default: "1" },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const outPath = resolve(opts.out ?? join(here, "results", "latest.json"));
const only = opts.only === undefined ? null : new Set(opts.only.split(","));
const want = (group: string): boolean => only === null || only.has(group);
const quick = opts.quick;
/** Every case is measured this many times; the best figure is kept (for every contestant). */
const rounds = Math.max(1, Number.parseInt(opts.rounds ?? "1", 10) || 1);
const budgetMs = quick ? 150 : 500;

/** One row of the table: a measured quantity per implementation. */
interface Row {
  group: string;
  name: string;
  unit: "GFLOP/s" | "GB/s" | "us" | "ms";
  /** Larger is better (throughput) or smaller is better (time). */
  higherIsBetter: boolean;
  values: Partial<Record<ImplName, number | null>>;
  note?: string;
}

const rows: Row[] = [];
const notes: string[] = [];
const nativeLoaded = nativeAddon() !== null;
const originalThreads = getNumThreads();

const impls: Impl[] = [];
if (nativeLoaded) impls.push(tapeflow("native"));
else notes.push("native addon not loaded: the native column is empty");
impls.push(tapeflow("js"));
if (!opts["no-peers"]) {
  await loadTfjs();
  impls.push(tfjs("tfjs-cpu"), tfjs("tfjs-wasm"));
}

/** The row of that name (made on first use: later rounds measure into the same rows). */
function row(
  group: string,
  name: string,
  unit: Row["unit"],
  higherIsBetter: boolean,
  note?: string,
): Row {
  const existing = rows.find((r) => r.name === name);
  if (existing !== undefined) return existing;
  const r: Row = { group, name, unit, higherIsBetter, values: {}, note };
  rows.push(r);
  return r;
}

/** Records a figure, keeping the best one across rounds. */
function put(r: Row, impl: ImplName, v: number | null | undefined): void {
  if (v === undefined) return;
  const old = r.values[impl];
  if (v === null || old === undefined || old === null) {
    if (old === undefined || old === null) r.values[impl] = v;
    return;
  }
  r.values[impl] = r.higherIsBetter ? Math.max(old, v) : Math.min(old, v);
}

/** Runs body for each implementation with its backend active. */
async function each(body: (impl: Impl) => void): Promise<void> {
  for (const impl of impls) {
    await impl.activate();
    collect();
    body(impl);
  }
}

const THREADS = [1, 2];

for (let round = 0; round < rounds; round++) {
  // ---- matmul ----------------------------------------------------------------------------------
  if (want("matmul")) {
    for (const n of [64, 256, 1024]) {
      const perThreads = THREADS.map((t) =>
        row("matmul", `matmul ${n}^3 f32, ${t} thread${t > 1 ? "s" : ""}`, "GFLOP/s", true),
      );
      await each((impl) => {
        // Slow JS implementations at 1024: one figure (they are single-threaded anyway).
        const skip = quick && n === 1024 && (impl.name === "js" || impl.name === "tfjs-cpu");
        let fixed: number | null | undefined;
        for (const [i, t] of THREADS.entries()) {
          const settable = impl.setThreads(t);
          if (!settable && fixed !== undefined) {
            put(perThreads[i], impl.name, fixed);
            continue;
          }
          if (skip) {
            put(perThreads[i], impl.name, null);
            fixed = null;
            continue;
          }
          const run = impl.matmul(n);
          const s = timeIt(run, { budgetMs, warmup: n >= 1024 ? 1 : 3 });
          const gflops = (2 * n ** 3) / s / 1e9;
          put(perThreads[i], impl.name, gflops);
          if (!settable) fixed = gflops;
        }
        impl.setThreads(originalThreads);
      });
    }
    notes.push(
      `tapeflow js and tfjs-cpu are single-threaded; tfjs-wasm threads in Node: ${wasmThreads()} ` +
        "(its multithreaded build needs SharedArrayBuffer workers, which it does not set up in Node), " +
        "so their 2-thread figures repeat the 1-thread ones",
    );
  }

  // ---- tiny ops --------------------------------------------------------------------------------
  if (want("tiny")) {
    const OPS = 2000;
    const plain = row("tiny", "add of two 4-float tensors", "us", false);
    const rec = row("tiny", "  recorded on a GradientTape", "us", false);
    const fb = row("tiny", "  forward + backward (tape, gradient)", "us", false);
    await each((impl) => {
      put(plain, impl.name, (timeIt(impl.tinyAdd(OPS), { budgetMs }) / OPS) * 1e6);
      const r = impl.tinyAddRecorded(OPS);
      put(rec, impl.name, r === null ? null : (timeIt(r, { budgetMs }) / OPS) * 1e6);
      const f = impl.tinyAddForwardBackward(OPS / 4);
      put(fb, impl.name, f === null ? null : (timeIt(f, { budgetMs }) / (OPS / 4)) * 1e6);
    });
    if (rec.values.js === null) notes.push("tf.GradientTape missing: tape rows skipped");
    notes.push(
      "tfjs records ops only inside its gradient functions, so it has no 'recorded' figure; its " +
        "forward + backward is tf.grad(x => add(x, b))(a)",
    );
  }

  // ---- MLP training step -----------------------------------------------------------------------
  if (want("mlp")) {
    const perThreads = THREADS.map((t) =>
      row("mlp", `MLP 784-256-10 step, batch 128, ${t} thread${t > 1 ? "s" : ""}`, "ms", false),
    );
    await each((impl) => {
      let fixed: number | null | undefined;
      for (const [i, t] of THREADS.entries()) {
        const settable = impl.setThreads(t);
        if (!settable && fixed !== undefined) {
          put(perThreads[i], impl.name, fixed);
          continue;
        }
        const step = impl.mlpStep();
        const ms = step === null ? null : timeIt(step, { budgetMs: budgetMs * 2 }) * 1e3;
        put(perThreads[i], impl.name, ms);
        if (!settable) fixed = ms;
      }
      impl.setThreads(originalThreads);
    });
    if (perThreads[0].values.js === null) notes.push("MLP rows skipped: tape or nn ops missing");
  }

  // ---- sigmoid ---------------------------------------------------------------------------------
  if (want("sigmoid")) {
    const N = 1_000_000;
    const bytes = 8 * N;
    const perThreads = THREADS.map((t) =>
      row("sigmoid", `sigmoid 1e6 f32, ${t} thread${t > 1 ? "s" : ""}`, "GB/s", true),
    );
    const grad = THREADS.map((t) =>
      row(
        "sigmoid",
        `sigmoid forward + gradient 1e6 f32, ${t} thread${t > 1 ? "s" : ""}`,
        "GB/s",
        true,
      ),
    );
    const kernel = THREADS.map((t) =>
      row("sigmoid", `  kernel only (no allocation), ${t} thread${t > 1 ? "s" : ""}`, "GB/s", true),
    );
    await each((impl) => {
      let fixed: number | undefined;
      for (const [i, t] of THREADS.entries()) {
        const settable = impl.setThreads(t);
        if (!settable && fixed !== undefined) {
          put(perThreads[i], impl.name, fixed);
        } else {
          const gbs = bytes / timeIt(impl.sigmoid(N), { budgetMs }) / 1e9;
          put(perThreads[i], impl.name, gbs);
          if (!settable) fixed = gbs;
        }
        const g = impl.sigmoidGrad(N);
        put(grad[i], impl.name, g === null ? null : bytes / timeIt(g, { budgetMs }) / 1e9);
        const k = impl.sigmoidKernel(N);
        put(kernel[i], impl.name, k === null ? null : bytes / timeIt(k, { budgetMs }) / 1e9);
      }
      impl.setThreads(originalThreads);
    });
  }
}

// ---- model workloads and op suite against PyTorch (bench/workloads) ------------------------------
let workloads: WorkloadReport | null = null;
if (want("workloads")) {
  workloads = runWorkloads({ budgetMs: quick ? 100 : 300, rounds });
  await impls[0]?.activate();
}

// ---- report ----------------------------------------------------------------------------------
const names: ImplName[] = ["native", "js", "tfjs-cpu", "tfjs-wasm"];
const shown = names.filter((n) => impls.some((i) => i.name === n));
const peers = shown.filter((n) => n !== "native");

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

/** How many times better native is than the peer (> 1: ahead). */
function ratio(r: Row, peer: ImplName): number | null {
  const a = r.values.native;
  const b = r.values[peer];
  if (a == null || b == null || a === 0 || b === 0) return null;
  return r.higherIsBetter ? a / b : b / a;
}

const header = ["case", "unit", ...shown, ...peers.map((p) => `vs ${p}`)];
const table = rows.map((r) => [
  r.name,
  r.unit,
  ...shown.map((n) => fmt(r.values[n])),
  ...peers.map((p) => {
    const x = ratio(r, p);
    return x === null ? "-" : `${fmt(x)}x`;
  }),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c].length)));
const line = (cells: string[]): string =>
  cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join("  ");

const addon = nativeAddon();
console.log(
  `tapeflow bench: ${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}, ` +
    `native ${addon === null ? "not loaded" : `${addon.isa()}, ${getNumThreads()} threads by default`}`,
);
console.log(line(header));
console.log(line(header.map((_, c) => "-".repeat(widths[c]))));
for (const t of table) console.log(line(t));
console.log("ratios: how many times better tapeflow native is (higher throughput or less time)");
if (workloads !== null) {
  console.log("\nmodel workloads and op suite against PyTorch (tapeflow/PyTorch: < 1 is faster)");
  console.log(formatWorkloads(workloads));
}
if (rounds > 1) notes.push(`best of ${rounds} rounds for every figure`);
const uniqueNotes = [...new Set(notes)];
for (const n of uniqueNotes) console.log(`note: ${n}`);

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
      native: addon === null ? null : { isa: addon.isa(), defaultThreads: originalThreads },
      backendAtStart: getBackend(),
      quick,
      rounds,
      rows: rows.map((r) => ({
        ...r,
        ratios: Object.fromEntries(peers.map((p) => [p, ratio(r, p)])),
      })),
      notes: uniqueNotes,
      workloads,
    },
    null,
    2,
  ) + "\n",
);
console.log(`figures written to ${outPath}`);
