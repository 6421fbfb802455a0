/**
 * `npx tsx bench/special.ts`: the native sort / segment-sum / factorization kernels against the
 * JS kernels they replace (same process, same machine): tf.linalg.cholesky of a [64, 64, 64]
 * batch, tf.linalg.qr of [16, 96, 64], tf.sort of 1e6 float32, tf.math.topK (k = 10) of
 * [256, 4096], unsortedSegmentSum of [1e5, 64] into 1000 segments. Prints the median of a few
 * runs after one warm-up, in ms, and the speed-up.
 */
import * as tf from "../src/index.js";
import { getNumThreads } from "../src/backend/native/index.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(f: () => tf.Tensor | tf.Tensor[], runs: number): number {
  const sync = (r: tf.Tensor | tf.Tensor[]) =>
    (Array.isArray(r) ? r : [r]).forEach((t) => t.dataSync());
  sync(f());
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sync(f());
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function spd(batch: number, n: number): tf.Tensor {
  const g = tf.random.normal([batch, n, n], { dtype: "float64", seed: 1 });
  return tf.add(tf.matmul(g, g, { transposeB: true }), tf.multiply(tf.eye(n, n, "float64"), n));
}

const cases: [string, () => tf.Tensor | tf.Tensor[], number][] = [];
const chol = spd(64, 64);
cases.push(["cholesky [64, 64, 64] float64", () => tf.linalg.cholesky(chol), 7]);
const g = tf.random.normal([16, 96, 64], { dtype: "float64", seed: 2 });
cases.push(["qr [16, 96, 64] float64", () => tf.linalg.qr(g), 5]);
const v = tf.random.uniform([1000000], { seed: 3 });
cases.push(["sort 1e6 float32", () => tf.sort(v), 5]);
const rows = tf.random.uniform([256, 4096], { seed: 4 });
cases.push(["topK k=10 of [256, 4096]", () => tf.math.topK(rows, 10).values, 7]);
const data = tf.random.uniform([100000, 64], { seed: 5 });
const ids = tf.cast(tf.floor(tf.random.uniform([100000], { maxval: 1000, seed: 6 })), "int32");
cases.push([
  "unsortedSegmentSum [1e5, 64] -> 1000",
  () => tf.unsortedSegmentSum(data, ids, 1000),
  7,
]);

console.log(`native threads: ${getNumThreads()}`);
for (const [name, f, runs] of cases) {
  tf.setBackend("js");
  const js = time(f, runs);
  if (!tf.setBackend("native")) {
    console.log(`${name}: JS ${js.toFixed(1)} ms (native addon not loaded)`);
    continue;
  }
  const nat = time(f, runs);
  console.log(
    `${name}: JS ${js.toFixed(1)} ms, native ${nat.toFixed(1)} ms, x${(js / nat).toFixed(1)}`,
  );
}
