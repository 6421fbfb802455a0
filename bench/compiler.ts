/**
 * tf.function as a compiler and vectorized Jacobians: ratios in one run on this machine.
 *
 *   npx tsx bench/compiler.ts [--reps N]
 *
 * Each case is timed as the best (minimum) of N calls after a warm-up, the usual way to see
 * through a busy shared machine; both sides of a ratio run in the same process.
 */
import * as tf from "../src/index.js";

const repsArg = process.argv.indexOf("--reps");
const REPS = repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 30;

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
function compare(name: string, base: () => void, fast: () => void, reps = REPS): void {
  const a = best(base, Math.max(3, Math.round(reps / 6)));
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
function interleaved(name: string, base: () => void, fast: () => void, reps: number): void {
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

// Jacobian of a 256 -> 256 two-layer tanh network at one input (PyTorch's vectorized
// jacobian: 1.3 ms on this machine, README).
{
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
{
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
      interleaved(
        `${label} 1e6 f32, ${name} (eager -> tf.function)`,
        () => fn(arg),
        () => f(arg),
        name === "js" ? 5 : REPS,
      );
    }
  }
  tf.setBackend("native");
}
