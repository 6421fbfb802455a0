/**
 * Long runs: a small model trained step after step, eager or as a tf.function, with the
 * process's memory sampled after full garbage collections. What it reports is the growth after
 * warm-up (first tracing, optimizer slots, caches filled): a leak shows as a steady slope.
 * Needs `--expose-gc` (global.gc).
 *
 * Besides RSS and V8's heap it reads the allocator itself (glibc's malloc_info through the
 * addon): the bytes malloc's arenas hold from the system and the bytes in use in them. A native
 * leak (memory malloc'd and never freed) grows the bytes in use; RSS also moves with what the
 * allocator and V8 keep mapped after a peak (freed chunks, V8's heap pages), which is not a leak.
 * On Linux, RSS is split by mapping (/proc/self/smaps) to show which part moved.
 */
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";
import { nativeAddon } from "../src/backend/native/index.js";
import * as tf from "../src/index.js";

export type SoakMode = "eager" | "function";

export interface Sample {
  step: number;
  rss: number;
  heapUsed: number;
  /** heapUsed less V8's code spaces: the objects alone (compiled code grows as V8 optimizes). */
  heapData: number;
  external: number;
  /** malloc's arenas (glibc with the native addon): bytes each holds from the system, and free. */
  arenas?: { system: number; free: number }[];
  /** Bytes malloc hands out (arenas' bytes less their free chunks, plus mmapped blocks). */
  mallocInUse?: number;
  /** RSS by mapping (Linux): see RssParts. */
  rssParts?: RssParts;
}

/**
 * RSS by kind of mapping: malloc's main arena (the brk heap: the main thread's mallocs, typed
 * arrays' storage among them), malloc's thread arenas (64 MiB-aligned anonymous mappings: V8's
 * and Node's background threads, the native thread pool), other anonymous memory (V8's heap
 * pages, thread stacks, large mmapped blocks) and files (code).
 */
export interface RssParts {
  mainArena: number;
  threadArenas: number;
  otherAnon: number;
  files: number;
}

/** RssParts from /proc/self/smaps; undefined off Linux. */
export function rssParts(): RssParts | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return undefined;
  }
  const r: RssParts = { mainArena: 0, threadArenas: 0, otherAnon: 0, files: 0 };
  let kind: keyof RssParts = "otherAnon";
  const arenaAlign = 64n << 20n;
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (m !== null) {
      const name = m[2];
      if (name === "[heap]") kind = "mainArena";
      else if (name.startsWith("/")) kind = "files";
      else if (name === "" && BigInt(`0x${m[1]}`) % arenaAlign === 0n) kind = "threadArenas";
      else kind = "otherAnon";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) r[kind] += Number(rss[1]) * 1024;
  }
  return r;
}

export interface SoakResult {
  mode: SoakMode;
  steps: number;
  warmup: number;
  seconds: number;
  samples: Sample[];
  /** Growth from the first sample after warm-up to the last, in bytes. */
  heapGrowth: number;
  heapDataGrowth: number;
  rssGrowth: number;
  /** Least-squares slope of heapUsed over the samples, in bytes per 1000 steps. */
  heapSlopePer1000: number;
  heapDataSlopePer1000: number;
  rssSlopePer1000: number;
  /** Growth of malloc's bytes in use (floor of the last quarter of samples less the first's). */
  mallocInUseGrowth?: number;
  mallocSlopePer1000?: number;
  firstLoss: number;
  lastLoss: number;
}

export interface MallocStats {
  /** Each arena's bytes from the system and the bytes of its free chunks. */
  arenas: { system: number; free: number }[];
  /** Bytes handed out: the arenas' bytes less their free chunks, plus mmapped blocks. */
  inUse: number;
}

/**
 * glibc's malloc_info() through the addon, parsed; undefined without glibc, or on the JS
 * backend (loading the addon just to ask would change malloc's settings: see addon.cc).
 */
export function mallocStats(): MallocStats | undefined {
  if (tf.getBackend() !== "native") return undefined;
  const text = nativeAddon()?.mallocInfo?.();
  if (text === undefined || text === "") return undefined;
  const arenas: { system: number; free: number }[] = [];
  for (const m of text.matchAll(/<heap nr="\d+">([\s\S]*?)<\/heap>/g)) {
    const num = (re: RegExp) => Number(re.exec(m[1])?.[1] ?? 0);
    arenas.push({
      system: num(/<system type="current" size="(\d+)"/),
      free:
        num(/<total type="fast" count="\d+" size="(\d+)"/) +
        num(/<total type="rest" count="\d+" size="(\d+)"/),
    });
  }
  // The totals after the last arena: blocks above the mmap threshold, all in use.
  const tail = text.slice(text.lastIndexOf("</heap>"));
  const mmapped = Number(/<total type="mmap" count="\d+" size="(\d+)"/.exec(tail)?.[1] ?? 0);
  return { arenas, inUse: arenas.reduce((s, x) => s + x.system - x.free, 0) + mmapped };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("soak: run node with --expose-gc");
  // Several passes: weak references and finalizers free more on the second.
  for (let i = 0; i < 3; i++) gc();
}

function sample(step: number): Sample {
  fullGc();
  const m = process.memoryUsage();
  const malloc = mallocStats();
  let code = 0;
  for (const s of getHeapSpaceStatistics())
    if (s.space_name.startsWith("code")) code += s.space_used_size;
  return {
    step,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapData: m.heapUsed - code,
    external: m.external + m.arrayBuffers,
    arenas: malloc?.arenas,
    mallocInUse: malloc?.inUse,
    rssParts: rssParts(),
  };
}

type Key = "rss" | "heapUsed" | "heapData" | "mallocInUse";

/** Least-squares slope of samples' `key` over the steps, in bytes per 1000 steps. */
function slope(samples: readonly Sample[], key: Key): number {
  const pts = samples.filter((p) => p[key] !== undefined);
  const n = pts.length;
  if (n < 2) return 0;
  const v = (p: Sample) => p[key] ?? 0;
  const mx = pts.reduce((s, p) => s + p.step, 0) / n;
  const my = pts.reduce((s, p) => s + v(p), 0) / n;
  let num = 0;
  let den = 0;
  for (const p of pts) {
    num += (p.step - mx) * (v(p) - my);
    den += (p.step - mx) ** 2;
  }
  return (num / den) * 1000;
}

/**
 * The least value over the last quarter of the samples less the least over the first quarter:
 * growth that ignores a sample taken while something transient was allocated (a V8 compile
 * job's zone, a kernel's scratch on another thread), which a leak, present in every later
 * sample, does not escape.
 */
function floorGrowth(samples: readonly Sample[], key: Key): number | undefined {
  const pts = samples.filter((p) => p[key] !== undefined);
  if (pts.length < 2) return undefined;
  const q = Math.max(1, Math.floor(pts.length / 4));
  const low = (xs: readonly Sample[]) => Math.min(...xs.map((p) => p[key] ?? 0));
  return low(pts.slice(pts.length - q)) - low(pts.slice(0, q));
}

/** A 2-layer MLP (8 -> 32 -> 1, tanh) trained with GradientTape and SGD with momentum. */
function makeTrainer(mode: SoakMode) {
  tf.random.setSeed(1);
  const model = new tf.keras.Sequential([
    new tf.keras.layers.Dense(32, { activation: "tanh" }),
    new tf.keras.layers.Dense(1),
  ]);
  const opt = new tf.keras.optimizers.SGD({ learningRate: 0.01, momentum: 0.9 });
  const step = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => {
    const tape = new tf.GradientTape();
    const loss = tape.record(() =>
      tf.reduceMean(tf.square(tf.subtract(model.apply(x) as tf.Tensor, y))),
    );
    const vars = model.trainableVariables;
    const grads = tape.gradient(loss, vars);
    opt.applyGradients(grads.map((g, i) => [g, vars[i]]));
    return loss;
  };
  return mode === "function" ? tf.function(step) : step;
}

/** Runs `steps` training steps after `warmup` ones, sampling memory `samples` times. */
export function soak(
  mode: SoakMode,
  steps: number,
  {
    warmup = 500,
    samples = 20,
    onSample,
  }: { warmup?: number; samples?: number; onSample?: (s: Sample) => void } = {},
): SoakResult {
  const train = makeTrainer(mode);
  // A few batches, made fresh each step from JS arrays as a data pipeline would.
  const batch = (k: number): [tf.Tensor, tf.Tensor] => {
    const xs = new Float32Array(16 * 8);
    for (let i = 0; i < xs.length; i++) xs[i] = Math.sin((k % 10) * 3.1 + i * 0.7);
    const ys = new Float32Array(16);
    for (let i = 0; i < 16; i++) ys[i] = xs[i * 8] * 0.5 - xs[i * 8 + 3] * 0.3;
    return [new tf.Tensor(xs, [16, 8], "float32"), new tf.Tensor(ys, [16, 1], "float32")];
  };
  let firstLoss = NaN;
  for (let k = 0; k < warmup; k++) {
    const l = train(...batch(k));
    if (k === 0) firstLoss = Number(l.numpy());
  }
  // One sample to discard: the first run of the sampling code itself (its regular expressions,
  // the smaps reader) leaves compiled data in the heap.
  sample(0);
  const out: Sample[] = [sample(0)];
  onSample?.(out[0]);
  const every = Math.max(1, Math.floor(steps / samples));
  const t0 = performance.now();
  let lastLoss = NaN;
  for (let k = 1; k <= steps; k++) {
    const l = train(...batch(warmup + k));
    if (k === steps) lastLoss = Number(l.numpy());
    if (k % every === 0) {
      out.push(sample(k));
      onSample?.(out[out.length - 1]);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const first = out[0];
  const last = out[out.length - 1];
  return {
    mode,
    steps,
    warmup,
    seconds,
    samples: out,
    heapGrowth: last.heapUsed - first.heapUsed,
    heapDataGrowth: last.heapData - first.heapData,
    rssGrowth: last.rss - first.rss,
    heapSlopePer1000: slope(out, "heapUsed"),
    heapDataSlopePer1000: slope(out, "heapData"),
    rssSlopePer1000: slope(out, "rss"),
    mallocInUseGrowth: floorGrowth(out, "mallocInUse"),
    mallocSlopePer1000: first.mallocInUse === undefined ? undefined : slope(out, "mallocInUse"),
    firstLoss,
    lastLoss,
  };
}

const MB = 1024 * 1024;

export function formatResult(r: SoakResult): string {
  const f = (b: number) => `${(b / MB).toFixed(2)} MiB`;
  // Slopes are kept per 1000 steps; printed per 10^4 steps.
  const per1e4 = (b: number) => `${((b * 10) / 1024).toFixed(1)} KiB per 10^4 steps`;
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const lines = [
    `${r.mode}: ${r.steps} steps after ${r.warmup} warm-up steps in ${r.seconds.toFixed(1)} s (${((r.seconds / r.steps) * 1e6).toFixed(0)} us/step), loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`,
    `  heap ${f(first.heapUsed)} -> ${f(last.heapUsed)} (growth ${f(r.heapGrowth)}, slope ${per1e4(r.heapSlopePer1000)})`,
    `  heap without code ${f(first.heapData)} -> ${f(last.heapData)} (growth ${f(r.heapDataGrowth)}, slope ${per1e4(r.heapDataSlopePer1000)})`,
    `  external+arrayBuffers ${f(first.external)} -> ${f(last.external)}`,
    `  rss  ${f(first.rss)} -> ${f(last.rss)} (growth ${f(r.rssGrowth)}, slope ${per1e4(r.rssSlopePer1000)})`,
  ];
  const a = first.rssParts;
  const b = last.rssParts;
  if (a !== undefined && b !== undefined) {
    const part = (k: keyof RssParts) => `${f(a[k])} -> ${f(b[k])}`;
    lines.push(
      `  rss by mapping: malloc main arena ${part("mainArena")}, malloc thread arenas ${part("threadArenas")}, other anonymous (V8 heap, stacks) ${part("otherAnon")}, files ${part("files")}`,
    );
  }
  if (first.mallocInUse !== undefined && last.mallocInUse !== undefined) {
    const held = (s: Sample) => (s.arenas ?? []).reduce((t, x) => t + x.system, 0);
    lines.push(
      `  malloc in use ${f(first.mallocInUse)} -> ${f(last.mallocInUse)} (floor growth ${f(r.mallocInUseGrowth ?? 0)}, slope ${per1e4(r.mallocSlopePer1000 ?? 0)}); ${last.arenas?.length ?? 0} arenas hold ${f(held(first))} -> ${f(held(last))}`,
    );
  }
  return lines.join("\n");
}
