/**
 * tf.function as a compiler and vectorized Jacobians: ratios in one run on this machine.
 *
 *   npx tsx bench/compiler.ts [--reps N] [--only jacobian,chain,replay,steps] [--no-torch]
 *
 * The Jacobian cases also run their PyTorch twin (bench/compiler_torch.py, Debian's
 * python3-torch, at 1 and 2 threads, the better kept) in a subprocess of the same invocation,
 * and print tapeflow / PyTorch ratios (below 1.0x: tapeflow faster); --no-torch skips it.
 *
 * Each case is timed as the best (minimum) of N calls after a warm-up, the usual way to see
 * through a busy shared machine; both sides of a ratio run in the same process.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "../src/index.js";
import { MODEL_WORKLOADS } from "./workloads/models.js";

const repsArg = process.argv.indexOf("--reps");
const REPS = repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 30;
const onlyArg = process.argv.indexOf("--only");
const ONLY = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1].split(",")) : null;
const want = (group: string): boolean => ONLY === null || ONLY.has(group);
const TORCH = !process.argv.includes("--no-torch");

/**
 * The PyTorch twin's best time per case over its thread counts (ms), or the reason there is
 * none. The system python (/usr/bin/python3, where Debian's python3-torch lives) first.
 */
function torchJacobians(): Map<string, number> | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), "compiler_torch.py");
  const env = { ...process.env };
  // This machine's OpenBLAS tuning variables are for tapeflow's addon, not PyTorch's BLAS.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  let why = "no python";
  for (const py of [process.env.TAPEFLOW_PYTHON, "/usr/bin/python3", "python3"]) {
    if (py === undefined || py === "") continue;
    const r = spawnSync(py, [script, "--threads", "1,2", "--reps", String(REPS)], {
      env,
      encoding: "utf8",
    });
    if (r.error !== undefined || r.status !== 0) {
      why = `${py}: ${r.error?.message ?? (r.stderr ?? "").trim().split("\n").slice(-1)[0]}`;
      continue;
    }
    const bestOf = new Map<string, number>();
    for (const line of r.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const o = JSON.parse(line) as { name?: string; threads?: number; ms?: number };
      if (o.name === undefined || o.ms === undefined) continue;
      console.log(`  PyTorch ${o.name.padEnd(42)} ${o.threads} thread(s) ${o.ms.toFixed(3)} ms`);
      bestOf.set(o.name, Math.min(bestOf.get(o.name) ?? Infinity, o.ms));
    }
    return bestOf;
  }
  return why;
}

function best(fn: () => void, reps = REPS): number {
  for (let i = 0; i < 3; i++) fn();
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

const rows: [string, number, number][] = [];
function compare(
  name: string,
  base: () => void,
  fast: () => void,
  reps = REPS,
  baseReps = Math.max(3, Math.round(reps / 6)),
): void {
  const a = best(base, baseReps);
  const b = best(fast, reps);
  rows.push([name, a, b]);
  console.log(
    `${name.padEnd(48)} ${a.toFixed(3).padStart(9)} ms -> ${b.toFixed(3).padStart(8)} ms  (${(a / b).toFixed(1)}x)`,
  );
}

/**
 * compare(), with the two sides' calls alternated (each timed `reps` times after a warm-up), so
 * that on a loaded machine both see the same spells of contention.
 */
function compareAlternating(name: string, base: () => void, fast: () => void, reps: number): void {
  base();
  fast();
  let a = Infinity;
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    base();
    a = Math.min(a, performance.now() - t0);
    t0 = performance.now();
    fast();
    b = Math.min(b, performance.now() - t0);
  }
  rows.push([name, a, b]);
  console.log(
    `${name.padEnd(48)} ${a.toFixed(3).padStart(9)} ms -> ${b.toFixed(3).padStart(8)} ms  (${(a / b).toFixed(1)}x)`,
  );
}

console.log(`backend ${tf.getBackend()}, best of ${REPS}`);

// Jacobian of a 256 -> 256 two-layer tanh network at one input, and per-example Jacobians of
// the same network over a batch of 16, against PyTorch's vectorized jacobians (twin above).
if (want("jacobian")) {
  const n = 256;
  const W1 = tf.random.normal([n, n], { seed: 1 }).mul(1 / 16);
  const W2 = tf.random.normal([n, n], { seed: 2 }).mul(1 / 16);
  const b1 = tf.zeros([n]);
  const b2 = tf.zeros([n]);
  const x = tf.random.normal([n], { seed: 3 });
  const f = (v: tf.Tensor): tf.Tensor =>
    tf.tanh(tf.linalg.matvec(W2, tf.tanh(tf.linalg.matvec(W1, v).add(b1))).add(b2));
  const jac = (pfor: boolean) => () => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    tape.jacobian(y, x, { experimentalUsePfor: pfor });
  };
  compare("jacobian 256->256 tanh MLP (loop -> pfor)", jac(false), jac(true));
  const xb = tf.random.normal([16, n], { seed: 4 });
  const g = (v: tf.Tensor): tf.Tensor =>
    tf.tanh(tf.matmul(tf.tanh(tf.matmul(v, W1).add(b1)), W2).add(b2));
  const bjac = (pfor: boolean) => () => {
    const tape = new tf.GradientTape();
    tape.watch(xb);
    const y = tape.record(() => g(xb));
    tape.batchJacobian(y, xb, { experimentalUsePfor: pfor });
  };
  compare("batchJacobian 16x256->256 (loop -> pfor)", bjac(false), bjac(true));
  const ours = { jacobian: rows[rows.length - 2][2], batchJacobian: rows[rows.length - 1][2] };
  if (TORCH) {
    const t = torchJacobians();
    if (typeof t === "string") {
      console.log(`  PyTorch twin missing (${t}): no ratios`);
    } else {
      // PyTorch's batch Jacobian: the faster of its two spellings.
      const torchBatch = Math.min(
        ...[...t].filter(([k]) => k.startsWith("batchJacobian")).map(([, v]) => v),
      );
      for (const [name, mine, theirs] of [
        ["jacobian 256->256 (pfor / PyTorch vectorize=True)", ours.jacobian, t.get("jacobian")],
        ["batchJacobian 16x256->256 (pfor / PyTorch best)", ours.batchJacobian, torchBatch],
      ] as const) {
        if (theirs === undefined || !Number.isFinite(theirs)) continue;
        console.log(
          `${name.padEnd(48)} ${mine.toFixed(3).padStart(9)} ms vs ${theirs.toFixed(3).padStart(8)} ms  (${(mine / theirs).toFixed(2)}x PyTorch)`,
        );
      }
    }
  }
}

// Elementwise chains over 1e6 float32, eager against their tf.function, on each backend. On the
// native backend a fused node is one call of the fused program kernel (the per-op vectorized
// loops over L1-sized tiles, threaded); on the JS backend a generated loop.
//   tanh chain: mul, add, tanh, sub, five times (20 ops)
//   abs chain: mul, add, abs, sub, five times (20 cheap ops)
//   workloads chain: sin, x1.5, +0.25, tanh, five times (bench/workloads "chain"; PyTorch eager
//     16.6 ms on this machine)
//   reduction: reduceSum(tanh(x * 1.5 + 0.25)) over all elements, and the workloads chain
//     followed by reduceMean over the last axis of [1000, 1000]
if (want("chain")) {
  const x = tf.random.normal([1_000_000], { seed: 5 });
  const x2 = tf.reshape(x, [1000, 1000]);
  const chain = (v: tf.Tensor): tf.Tensor => {
    let y = v;
    for (let i = 0; i < 5; i++) y = tf.tanh(y.mul(1.01).add(0.5)).sub(0.1);
    return y;
  };
  const cheap = (v: tf.Tensor): tf.Tensor => {
    let y = v;
    for (let i = 0; i < 5; i++) y = tf.abs(y.mul(1.01).add(0.5)).sub(0.1);
    return y;
  };
  const workloads = (v: tf.Tensor): tf.Tensor => {
    let y = v;
    for (let i = 0; i < 5; i++) y = tf.tanh(tf.add(tf.multiply(tf.sin(y), 1.5), 0.25));
    return y;
  };
  const sumTanh = (v: tf.Tensor): tf.Tensor => tf.reduceSum(tf.tanh(v.mul(1.5).add(0.25)));
  const meanChain = (v: tf.Tensor): tf.Tensor => tf.reduceMean(workloads(v), -1);
  for (const name of ["native", "js"] as const) {
    tf.setBackend(name);
    const cases: [string, (v: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
      ["tanh chain 20 ops", chain, x],
      ["abs chain 20 ops", cheap, x],
      ["workloads chain 20 ops", workloads, x],
      ["reduceSum(tanh(x*a+b))", sumTanh, x],
      ["workloads chain + reduceMean(-1)", meanChain, x2],
    ];
    for (const [label, fn, arg] of cases) {
      const f = tf.function(fn);
      f(arg);
      // The JS backend's transcendental chains take long eagerly: fewer repetitions there.
      compareAlternating(
        `${label} 1e6 f32, ${name} (eager -> tf.function)`,
        () => fn(arg),
        () => f(arg),
        name === "js" ? 5 : REPS,
      );
    }
  }
  tf.setBackend("native");
}

// Replay cost: a chain of 1000 ops on 1-element tensors (500 x [matmul 1x1, tanh]: no
// elementwise run for fusion to merge), so the time is dispatch, not arithmetic. The replay
// follows the graph's run plan (no shape rules, no engine bookkeeping).
if (want("replay")) {
  const x = tf.constant([[0.5]]);
  const w = tf.constant([[1.001]]);
  const chain = (v: tf.Tensor): tf.Tensor => {
    let y = v;
    for (let i = 0; i < 500; i++) y = tf.tanh(tf.matmul(y, w));
    return y;
  };
  const f = tf.function(chain);
  f(x);
  compare(
    "1000-op chain, 1-element tensors (eager -> tf.function)",
    () => chain(x),
    () => f(x),
  );
  const [, a, b] = rows[rows.length - 1];
  console.log(
    `  per op: ${a.toFixed(2)} us eager, ${b.toFixed(2)} us replayed (ms per 1000 ops = us per op)`,
  );
}

// Whole training steps, eager against the same step under tf.function (forward, the tape's
// gradient ops and the Adam update replay as one graph). Each side has its own variables,
// built from the same seeds.
if (want("steps")) {
  const mlp = () => {
    tf.random.setSeed(1);
    const w1 = new tf.Variable(tf.random.normal([784, 256], { stddev: 0.05 }));
    const b1 = new tf.Variable(tf.zeros([256]));
    const w2 = new tf.Variable(tf.random.normal([256, 10], { stddev: 0.05 }));
    const b2 = new tf.Variable(tf.zeros([10]));
    const params = [w1, b1, w2, b2];
    const x = tf.random.uniform([128, 784]);
    const labels = tf.oneHot(tf.random.uniform([128], { maxval: 10, dtype: "int32" }), 10);
    const opt = new tf.keras.optimizers.Adam(1e-3);
    return () => {
      const tape = new tf.GradientTape();
      const loss = tape.record(() => {
        const h = tf.relu(tf.matmul(x, w1).add(b1));
        const logits = tf.matmul(h, w2).add(b2);
        return tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits(labels, logits));
      });
      const grads = tape.gradient(loss, params);
      opt.applyGradients(grads.map((g, i) => [g, params[i]] as const));
    };
  };
  const eagerMlp = mlp();
  const tracedMlp = tf.function(mlp());
  tracedMlp();
  compareAlternating(
    "MLP 784-256-10 Adam step, batch 128 (eager -> tf.function)",
    eagerMlp,
    () => tracedMlp(),
    Math.max(5, Math.round(REPS / 2)),
  );
  const transformer = MODEL_WORKLOADS.find((w) => w.name === "transformer");
  if (transformer !== undefined) {
    const eagerStep = transformer.build();
    const tracedStep = tf.function(transformer.build());
    tracedStep();
    compareAlternating(
      "Transformer block Adam step, 32x200 (eager -> tf.function)",
      eagerStep,
      () => tracedStep(),
      Math.max(3, Math.round(REPS / 5)),
    );
  }
}
