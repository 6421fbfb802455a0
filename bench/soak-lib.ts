/**
 * Long runs: a small model trained step after step, eager or as a tf.function, with the
 * process's memory sampled after full garbage collections. What it reports is the growth after
 * warm-up (first tracing, optimizer slots, caches filled): a leak shows as a steady slope.
 * Needs `--expose-gc` (global.gc).
 */
import { getHeapSpaceStatistics } from "node:v8";
import * as tf from "../src/index.js";

export type SoakMode = "eager" | "function";

export interface Sample {
  step: number;
  rss: number;
  heapUsed: number;
  /** heapUsed less V8's code spaces: the objects alone (compiled code grows as V8 optimizes). */
  heapData: number;
  external: number;
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
  firstLoss: number;
  lastLoss: number;
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
  let code = 0;
  for (const s of getHeapSpaceStatistics())
    if (s.space_name.startsWith("code")) code += s.space_used_size;
  return {
    step,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapData: m.heapUsed - code,
    external: m.external + m.arrayBuffers,
  };
}

function slope(samples: readonly Sample[], key: "rss" | "heapUsed" | "heapData"): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.step, 0) / n;
  const my = samples.reduce((s, p) => s + p[key], 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.step - mx) * (p[key] - my);
    den += (p.step - mx) ** 2;
  }
  return (num / den) * 1000;
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
  { warmup = 500, samples = 20 }: { warmup?: number; samples?: number } = {},
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
  const out: Sample[] = [sample(0)];
  const every = Math.max(1, Math.floor(steps / samples));
  const t0 = performance.now();
  let lastLoss = NaN;
  for (let k = 1; k <= steps; k++) {
    const l = train(...batch(warmup + k));
    if (k === steps) lastLoss = Number(l.numpy());
    if (k % every === 0) out.push(sample(k));
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
    firstLoss,
    lastLoss,
  };
}

const MB = 1024 * 1024;

export function formatResult(r: SoakResult): string {
  const f = (b: number) => `${(b / MB).toFixed(2)} MiB`;
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  return [
    `${r.mode}: ${r.steps} steps after ${r.warmup} warm-up steps in ${r.seconds.toFixed(1)} s (${((r.seconds / r.steps) * 1e6).toFixed(0)} us/step), loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`,
    `  heap ${f(first.heapUsed)} -> ${f(last.heapUsed)} (growth ${f(r.heapGrowth)}, slope ${(r.heapSlopePer1000 / 1024).toFixed(2)} KiB per 1000 steps)`,
    `  heap without code ${f(first.heapData)} -> ${f(last.heapData)} (growth ${f(r.heapDataGrowth)}, slope ${(r.heapDataSlopePer1000 / 1024).toFixed(2)} KiB per 1000 steps)`,
    `  rss  ${f(first.rss)} -> ${f(last.rss)} (growth ${f(r.rssGrowth)}, slope ${(r.rssSlopePer1000 / 1024).toFixed(2)} KiB per 1000 steps)`,
    `  external+arrayBuffers ${f(first.external)} -> ${f(last.external)}`,
  ].join("\n");
}
