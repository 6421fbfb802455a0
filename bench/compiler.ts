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

// The 20-op elementwise chain over 1e6 float32 (mul, add, tanh, sub, five times), eager against
// its tf.function, on each backend (fusion runs its loop on the JS backend; on the native one
// the graph runs the native kernels op by op).
{
  const x = tf.random.uniform([1_000_000], { seed: 5 });
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
  for (const name of ["native", "js"] as const) {
    tf.setBackend(name);
    for (const [label, fn] of [
      ["tanh chain", chain],
      ["abs chain", cheap],
    ] as const) {
      const f = tf.function(fn);
      f(x);
      compare(
        `${label} 20 ops 1e6 f32, ${name} (eager -> tf.function)`,
        () => fn(x),
        () => f(x),
        6,
      );
    }
  }
  tf.setBackend("native");
}
