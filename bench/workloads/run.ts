/**
 * `npm run bench:workloads`: tapeflow on model workloads and an op suite against PyTorch CPU,
 * measured in the same invocation. tapeflow runs on its native backend at 2 threads; PyTorch
 * (Debian's python3-torch, run as a subprocess: bench/workloads/torch_twin.py) at 1 and 2
 * threads, keeping the better time. The ratio is tapeflow ms / PyTorch ms (< 1: tapeflow is
 * faster). Without python3-torch the PyTorch column says "missing" and no ratio is printed.
 *
 *   npm run bench:workloads                      models and op suite
 *   npm run bench:workloads -- --no-suite        models only
 *   npm run bench:workloads -- --only lstm,chain --budget 200 --out file.json
 *   npm run bench:workloads -- --no-models --only "sum axis0 [1000,1000];pad [32,26,26,32] 1 on H,W"
 *     (names that hold commas are separated by semicolons)
 *
 * `npm run bench` runs this too (its "workloads" group), with the models and the suite. The
 * op suite's tapeflow side runs in a fresh node process of its own (see measureSuiteApart).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as tf from "../../src/index.js";
import { getNumThreads, nativeAddon } from "../../src/backend/native/index.js";
import { collect, timeIt } from "../timing.js";
import { MODEL_WORKLOADS } from "./models.js";
import { opSuite } from "./suite.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The op suite's least warm-up, in calls (bench/workloads/torch_twin.py has the same). */
const SUITE_WARMUP_CALLS = 10000;

/** --only's names: split on ";" when there is one (suite names hold commas), else on ",". */
function splitNames(list: string): string[] {
  return list.split(list.includes(";") ? ";" : ",").filter((n) => n !== "");
}

export interface WorkloadRow {
  name: string;
  /**
   * "model": the workload's step run eagerly; "graph": the same step under tf.function (one
   * traced graph of forward, gradient and update, as Keras's fit runs it), against the same
   * PyTorch (eager) time; "fwd"/"fwd+bwd": an op-suite case.
   */
  kind: "model" | "graph" | "fwd" | "fwd+bwd";
  tapeflowMs: number | null;
  /** Best of PyTorch's 1- and 2-thread times; null when PyTorch is missing or lacks the case. */
  torchMs: number | null;
  torchThreads: number | null;
  ratio: number | null;
}

export interface WorkloadOptions {
  only?: ReadonlySet<string> | null;
  models?: boolean;
  suite?: boolean;
  /** Time budget per measurement, ms. */
  budgetMs?: number;
  /** tapeflow's thread count (2 by default, as the targets are). */
  threads?: number;
  /** Measurements repeated this many times; the best kept. */
  rounds?: number;
}

export interface WorkloadReport {
  rows: WorkloadRow[];
  torch: string | null;
  notes: string[];
}

interface TorchLine {
  name?: string;
  kind?: WorkloadRow["kind"];
  threads?: number;
  ms?: number;
  torch?: string;
}

/** The PyTorch subprocess environment: OpenBLAS tuning variables of this machine removed. */
function torchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * The first Python that imports torch: $TAPEFLOW_PYTHON, then the system's /usr/bin/python3
 * (where Debian's python3-torch lives, even when a pyenv python3 comes first on PATH), then
 * python3 on PATH.
 */
function findTorchPython(): { python: string } | { python: null; why: string } {
  const candidates = [process.env.TAPEFLOW_PYTHON, "/usr/bin/python3", "python3"].filter(
    (c): c is string => c !== undefined && c !== "",
  );
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import torch"], { env: torchEnv(), encoding: "utf8" });
    if (r.error === undefined && r.status === 0) return { python: py };
  }
  return {
    python: null,
    why: `no torch module in ${candidates.join(", ")} (Debian: apt-get install python3-torch)`,
  };
}

function runTorch(
  python: string,
  o: Required<WorkloadOptions>,
): { lines: TorchLine[]; error: string | null } {
  const args = [join(here, "torch_twin.py"), "--threads", "1,2", "--budget-ms", String(o.budgetMs)];
  if (o.models) args.push("--models");
  if (o.suite) args.push("--suite");
  if (o.only !== null) args.push("--only", [...o.only].join(";"));
  const r = spawnSync(python, args, {
    env: torchEnv(),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines: TorchLine[] = [];
  for (const l of (r.stdout ?? "").split("\n")) {
    if (l.trim() === "") continue;
    try {
      lines.push(JSON.parse(l) as TorchLine);
    } catch {
      // Not one of ours (a library's message on stdout).
    }
  }
  const error =
    r.status === 0 ? null : `PyTorch twin exited with ${r.status}: ${(r.stderr ?? "").slice(-500)}`;
  return { lines, error };
}

interface SuiteTime {
  name: string;
  kind: "fwd" | "fwd+bwd";
  ms: number;
}

/** The op suite's cases on tapeflow, in this process. */
function measureSuite(o: Required<WorkloadOptions>): SuiteTime[] {
  const out: SuiteTime[] = [];
  const before = getNumThreads();
  tf.setNumThreads(o.threads);
  for (const c of opSuite()) {
    if (o.only !== null && !o.only.has(c.name)) continue;
    collect();
    const { fwd, bwd } = c.build();
    // Warmed up for a third of the budget and SUITE_WARMUP_CALLS calls first (so is the
    // PyTorch twin): the figure is the steady state a training loop sees, not V8's tier-up
    // and malloc's heap growth over a fresh process's first few thousand steps.
    const t = { budgetMs: o.budgetMs, warmupMs: o.budgetMs / 3, warmupCalls: SUITE_WARMUP_CALLS };
    out.push({ name: c.name, kind: "fwd", ms: timeIt(fwd, t) * 1e3 });
    out.push({ name: c.name, kind: "fwd+bwd", ms: timeIt(bwd, t) * 1e3 });
  }
  tf.setNumThreads(before);
  return out;
}

/**
 * The op suite's cases on tapeflow in a fresh node process (this file with --suite-child), as
 * the PyTorch twin runs in its own. Why apart: V8's heap remembers what ran before. After the
 * model workloads (or the main bench's groups) the young generation has grown to its 32 MB
 * maximum and the old generation's limit sits less than that above its small live size, so V8
 * starts a full collection again as soon as one ends (every ~20 ms, measured when they were
 * marked incrementally: relu 1e6 forward + backward 0.30 -> 0.53 ms). That is the models' heap
 * history, not the ops' speed.
 * Falls back to this process when the child cannot run.
 */
function measureSuiteApart(o: Required<WorkloadOptions>): SuiteTime[] {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--suite-child",
    "--budget",
    String(o.budgetMs),
    "--threads",
    String(o.threads),
  ];
  // The trailing ";" keeps a single name that holds commas whole (see splitNames).
  if (o.only !== null) args.push("--only", [...o.only].join(";") + ";");
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith('{"suite"'));
  if (r.status !== 0 || line === undefined) {
    console.warn(
      `op suite child process failed (${r.status}): ${(r.stderr ?? "").slice(-300)}; measuring here`,
    );
    return measureSuite(o);
  }
  return (JSON.parse(line) as { suite: SuiteTime[] }).suite;
}

/** Measures every selected workload and op case on tapeflow, then on PyTorch. */
export function runWorkloads(opts: WorkloadOptions = {}): WorkloadReport {
  const o: Required<WorkloadOptions> = {
    only: opts.only ?? null,
    models: opts.models ?? true,
    suite: opts.suite ?? true,
    budgetMs: opts.budgetMs ?? 300,
    threads: opts.threads ?? 2,
    rounds: Math.max(1, opts.rounds ?? 1),
  };
  const notes: string[] = [];
  const rows: WorkloadRow[] = [];
  const want = (name: string): boolean => o.only === null || o.only.has(name);
  const row = (name: string, kind: WorkloadRow["kind"]): WorkloadRow => {
    let r = rows.find((x) => x.name === name && x.kind === kind);
    if (r === undefined) {
      r = { name, kind, tapeflowMs: null, torchMs: null, torchThreads: null, ratio: null };
      rows.push(r);
    }
    return r;
  };
  const put = (r: WorkloadRow, ms: number): void => {
    r.tapeflowMs = r.tapeflowMs === null ? ms : Math.min(r.tapeflowMs, ms);
  };

  const before = getNumThreads();
  tf.setNumThreads(o.threads);
  if (nativeAddon() === null)
    notes.push("native addon not loaded: tapeflow figures are the JS backend's");
  for (let round = 0; round < o.rounds; round++) {
    if (o.models) {
      for (const w of MODEL_WORKLOADS) {
        if (!want(w.name)) continue;
        collect();
        put(row(w.name, "model"), timeIt(w.build(), { budgetMs: o.budgetMs * 2 }) * 1e3);
        collect();
        const traced = tf.function(w.build());
        traced(); // the trace
        traced(); // the first replay, which makes the run plan
        put(row(w.name, "graph"), timeIt(() => traced(), { budgetMs: o.budgetMs * 2 }) * 1e3);
      }
    }
    if (o.suite) {
      for (const m of measureSuiteApart(o)) put(row(m.name, m.kind), m.ms);
    }
  }
  tf.setNumThreads(before);

  let torch: string | null = null;
  const found = findTorchPython();
  if (found.python === null) {
    notes.push(`PyTorch missing: ${found.why}; its column is skipped`);
  } else {
    for (let round = 0; round < o.rounds; round++) {
      const { lines, error } = runTorch(found.python, o);
      if (error !== null) notes.push(error);
      for (const l of lines) {
        if (l.torch !== undefined) torch = l.torch;
        if (l.name === undefined || l.kind === undefined || l.ms === undefined) continue;
        const r = rows.find((x) => x.name === l.name && x.kind === l.kind);
        if (r === undefined) continue;
        if (r.torchMs === null || l.ms < r.torchMs) {
          r.torchMs = l.ms;
          r.torchThreads = l.threads ?? null;
        }
      }
    }
  }
  // A graph row is the same work as its model row: PyTorch's (eager) time is that row's.
  for (const r of rows) {
    if (r.kind !== "graph") continue;
    const eager = rows.find((x) => x.name === r.name && x.kind === "model");
    r.torchMs = eager?.torchMs ?? null;
    r.torchThreads = eager?.torchThreads ?? null;
  }
  for (const r of rows) {
    r.ratio =
      r.tapeflowMs !== null && r.torchMs !== null && r.torchMs > 0
        ? r.tapeflowMs / r.torchMs
        : null;
  }
  return { rows, torch, notes };
}

function fmt(v: number | null): string {
  if (v === null) return "-";
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function geomean(xs: number[]): number | null {
  if (xs.length === 0) return null;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** The table (and summary lines) as text. */
export function formatWorkloads(rep: WorkloadReport): string {
  const torchCol = rep.torch === null ? "PyTorch (missing)" : `PyTorch ${rep.torch} ms`;
  const header = ["workload / op", "kind", "tapeflow ms", torchCol, "thr", "tapeflow/PyTorch"];
  const table = rep.rows.map((r) => [
    r.name,
    r.kind,
    fmt(r.tapeflowMs),
    rep.torch === null ? "missing" : fmt(r.torchMs),
    r.torchThreads === null ? "-" : String(r.torchThreads),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c].length)));
  const line = (cells: string[]): string =>
    cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join("  ");
  const out = [line(header), line(header.map((_, c) => "-".repeat(widths[c])))];
  for (const t of table) out.push(line(t));
  for (const kind of ["fwd", "fwd+bwd"] as const) {
    const rs = rep.rows.filter((r) => r.kind === kind && r.ratio !== null);
    const g = geomean(rs.map((r) => r.ratio as number));
    if (g === null) continue;
    const worst = rs.reduce((a, b) => ((b.ratio as number) > (a.ratio as number) ? b : a));
    out.push(
      `op suite ${kind}: geometric mean tapeflow/PyTorch ${g.toFixed(2)}x over ${rs.length} ops; ` +
        `worst ${worst.name} ${(worst.ratio as number).toFixed(2)}x; ` +
        `${rs.filter((r) => (r.ratio as number) > 2).length} ops over 2x`,
    );
  }
  out.push("tapeflow: native backend, 2 threads; PyTorch: best of 1 and 2 threads (thr)");
  for (const n of rep.notes) out.push(`note: ${n}`);
  return out.join("\n");
}

// ---- command line ----------------------------------------------------------------------------

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      "no-suite": { type: "boolean", default: false },
      "no-models": { type: "boolean", default: false },
      budget: { type: "string", default: "300" },
      rounds: { type: "string", default: "1" },
      out: { type: "string" },
      threads: { type: "string", default: "2" },
      // Internal: measure the op suite here and print its times as one JSON line.
      "suite-child": { type: "boolean", default: false },
    },
  });
  if (values["suite-child"]) {
    const suite = measureSuite({
      only: values.only === undefined ? null : new Set(splitNames(values.only)),
      models: false,
      suite: true,
      budgetMs: Number(values.budget),
      threads: Number(values.threads),
      rounds: 1,
    });
    console.log(JSON.stringify({ suite }));
    process.exit(0);
  }
  const rep = runWorkloads({
    only: values.only === undefined ? null : new Set(splitNames(values.only)),
    models: !values["no-models"],
    suite: !values["no-suite"],
    budgetMs: Number(values.budget),
    rounds: Number.parseInt(values.rounds ?? "1", 10) || 1,
    threads: Number(values.threads),
  });
  const addon = nativeAddon();
  console.log(
    `tapeflow workloads: node ${process.version}, native ${addon === null ? "not loaded" : addon.isa()}`,
  );
  console.log(formatWorkloads(rep));
  const outPath = resolve(values.out ?? join(here, "..", "results", "workloads.json"));
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(
    outPath,
    JSON.stringify({ date: new Date().toISOString(), ...rep }, null, 2) + "\n",
  );
  console.log(`figures written to ${outPath}`);
}
