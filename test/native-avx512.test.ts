/**
 * The AVX-512 float32 paths (switched by allowAvx512): the unary kernels (native/
 * vmath_avx512.h: exp, sigmoid, tanh, sin, cos), the fused programs' arithmetic
 * (native/fused_program_avx512.cc: Add, Sub, Mul, Div) and the matmul micro-kernel (6 x 32,
 * native/gemm.cc). On every path the CPU has (AVX-512, AVX2, scalar): a tf.function chain equals
 * the eager ops bit for bit on odd shapes (vector tails, tiles of 2048 elements and a partial
 * one, splat, row and column operands on either side), both float dtypes; matmul matches the JS
 * reference on odd and blocked sizes, transposes and batches on one and two threads; and the
 * AVX-512 results equal the AVX2 ones bit for bit (the same formulas and the same order of
 * sums, 16 lanes instead of 8).
 */
import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { NativeAddon } from "../src/backend/native/addon.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { same } from "./helpers/function.js";
import { onSimdPath, type SimdPath, withAddon } from "./helpers/native.js";

type Path = SimdPath;
type DT = "float32" | "float64";

/** Runs body on the native backend on one path; false when the CPU does not have it. */
function onPath(a: NativeAddon, path: Path, body: () => void): boolean {
  const backend = tf.getBackend();
  try {
    tf.setBackend("native");
    return onSimdPath(a, path, body);
  } finally {
    tf.setBackend(backend);
  }
}

function rnd(shape: number[], seed: number, dtype: DT, lo = -3, hi = 3): tf.Tensor {
  const t = randomTensor(shape, seed, lo, hi);
  return dtype === "float64" ? t : tf.cast(t, "float32");
}

/** Every AVX-512 instruction, with splat operands on both sides and broadcast row and column. */
const chain = (x: tf.Tensor, row: tf.Tensor, col: tf.Tensor): tf.Tensor => {
  let y = tf.sin(x).mul(1.5).add(0.25);
  y = tf.tanh(y).sub(tf.cos(x.mul(row)));
  y = tf
    .constant(2, x.dtype as DT)
    .sub(y)
    .div(tf.constant(3, x.dtype as DT));
  y = tf.exp(y.mul(col)).add(tf.sigmoid(y.sub(row)));
  y = tf
    .constant(1, x.dtype as DT)
    .div(y.add(0.5))
    .mul(y);
  return tf.sin(y.div(col.add(4))).mul(tf.tanh(x));
};

const SHAPES: number[][] = [
  [1, 1],
  [1, 15],
  [1, 17],
  [3, 33],
  [2, 2049],
  [5, 1031],
];

function paths(t: TestContext, a: NativeAddon, body: (p: Path) => void): void {
  const ran = (["avx512", "avx2", "scalar"] as const).filter((p) => onPath(a, p, () => body(p)));
  assert.ok(ran.includes("scalar"), "the scalar path always runs");
  if (!ran.includes("avx512")) t.diagnostic("no AVX-512 on this CPU: its path is not tested");
}

test("fused chains of the AVX-512 instructions equal eager bit for bit, every path, both dtypes", (t) =>
  withAddon(t, (a) => {
    const f = tf.function(chain);
    paths(t, a, (p) => {
      // Fused nodes hold every op of the chain (the fused program runs them all; it splits where
      // the broadcast layout changes).
      const probe = rnd([2, 3], 1, "float32");
      const g = f.getConcreteFunction(probe, rnd([3], 2, "float32"), rnd([2, 1], 3, "float32"));
      const fused = g.graph.nodes.filter((n) => n.kind === "fused");
      assert.ok(fused.length >= 1, String(g.graph));
      assert.equal(g.graph.nodes.filter((n) => n.kind === "op").length, 0, String(g.graph));
      for (const dtype of ["float32", "float64"] as const) {
        SHAPES.forEach(([r, c], k) => {
          const x = rnd([r, c], 10 + k, dtype);
          const row = rnd([c], 20 + k, dtype);
          const col = rnd([r, 1], 30 + k, dtype, 0.5, 2);
          same(f(x, row, col), chain(x, row, col), `${p} ${dtype} [${r}, ${c}]`);
        });
      }
    });
  }));

test("AVX-512 fused and eager results equal the AVX2 ones bit for bit (float32)", (t) =>
  withAddon(t, (a) => {
    const f = tf.function(chain);
    const results = new Map<Path, Float32Array[]>();
    paths(t, a, (p) => {
      results.set(
        p,
        SHAPES.flatMap(([r, c], k) => {
          const x = rnd([r, c], 40 + k, "float32", -40, 40);
          const row = rnd([c], 50 + k, "float32");
          const col = rnd([r, 1], 60 + k, "float32", 0.5, 2);
          return [
            f(x, row, col).dataSync() as Float32Array,
            chain(x, row, col).dataSync() as Float32Array,
            tf.sin(x.mul(1000)).dataSync() as Float32Array,
          ];
        }),
      );
    });
    const a512 = results.get("avx512");
    const a256 = results.get("avx2");
    if (a512 === undefined || a256 === undefined) {
      t.skip("no AVX-512 on this CPU");
      return;
    }
    a512.forEach((v, i) => assert.deepEqual(v, a256[i], `result ${i}`));
  }));

test("simdPath and allowAvx512 report and switch the path", (t) =>
  withAddon(t, (a) => {
    const isa = a.isa();
    const before = a.allowAvx512(false);
    try {
      a.setIsa("scalar");
      assert.equal(a.simdPath(), "scalar");
      a.allowAvx512(true);
      assert.equal(a.simdPath(), "scalar", "setIsa('scalar') turns AVX-512 off too");
      a.setIsa("avx2-fma");
      if (a.isa() === "avx2-fma") {
        assert.ok(["avx512", "avx2"].includes(a.simdPath()), a.simdPath());
        assert.equal(a.allowAvx512(false), true, "returns the previous setting");
        assert.equal(a.simdPath(), "avx2");
      }
      assert.throws(
        () => (a.allowAvx512 as unknown as (v: unknown) => boolean)("yes"),
        /allowAvx512/,
      );
    } finally {
      a.setIsa(isa);
      a.allowAvx512(before);
    }
  }));

/**
 * [m, n, k, transposeA, transposeB, batch]: edges of the 6 x 32 blocks, k past a 256 block, and
 * matrix-vector products.
 */
const MATMULS: [number, number, number, boolean, boolean, number][] = [
  [1, 1, 1, false, false, 1],
  [7, 33, 5, false, false, 1],
  [6, 32, 64, false, false, 1],
  [13, 65, 31, true, false, 2],
  [37, 97, 300, false, true, 1],
  [70, 129, 257, true, true, 1],
  [150, 260, 40, false, false, 1],
  // Matrix-vector products (m or n is 1: gemm.cc's dot and axpy loops), every transpose.
  [300, 1, 257, false, false, 1],
  [300, 1, 257, true, false, 2],
  [299, 1, 33, false, true, 1],
  [65, 1, 1000, true, true, 1],
  [1, 300, 257, false, false, 2],
  [1, 300, 257, false, true, 1],
  [1, 97, 513, true, false, 1],
  [1, 1, 20000, false, false, 1],
];

function matmulAll(a: NativeAddon, seed: number): Float32Array[] {
  return MATMULS.map(([m, n, k, ta, tb, batch]) => {
    const A = randomTensor([batch * m * k], seed + m, -1, 1).dataSync() as Float64Array;
    const B = randomTensor([batch * k * n], seed + n, -1, 1).dataSync() as Float64Array;
    const fa = Float32Array.from(A);
    const fb = Float32Array.from(B);
    const got = new Float32Array(batch * m * n).fill(12345);
    a.matmul(fa, fb, got, batch, m, n, k, ta, tb, m * k, k * n);
    const want = new Float32Array(batch * m * n);
    jsBackend.matmul(fa, fb, want, {
      batch,
      m,
      n,
      k,
      transposeA: ta,
      transposeB: tb,
      aBatchStride: m * k,
      bBatchStride: k * n,
    });
    const tol = 1e-6 * Math.sqrt(k) * 8;
    for (let i = 0; i < want.length; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
        `matmul ${m}x${n}x${k} ta=${ta} tb=${tb} batch ${batch} [${i}]: ${got[i]} vs ${want[i]}`,
      );
    }
    return got;
  });
}

test("float32 matmul (blocked and matrix-vector) on every path and 1 or 2 threads: the JS reference's values; AVX-512 = AVX2 bit for bit", (t) =>
  withAddon(t, (a) => {
    const threads = a.numThreads();
    try {
      for (const n of [1, 2]) {
        a.setNumThreads(n);
        const results = new Map<Path, Float32Array[]>();
        paths(t, a, (p) => results.set(p, matmulAll(a, 70)));
        const a512 = results.get("avx512");
        const a256 = results.get("avx2");
        if (a512 !== undefined && a256 !== undefined) {
          a512.forEach((v, i) => assert.deepEqual(v, a256[i], `matmul ${i}, ${n} thread(s)`));
        }
      }
    } finally {
      a.setNumThreads(threads);
    }
  }));

test("float64 matrix-vector products match the JS reference on every path", (t) =>
  withAddon(t, (a) => {
    paths(t, a, (p) => {
      for (const [m, n, k, ta, tb, batch] of MATMULS.filter(([m, n]) => m === 1 || n === 1)) {
        const A = randomTensor([batch * m * k], 80 + m, -1, 1).dataSync() as Float64Array;
        const B = randomTensor([batch * k * n], 90 + n, -1, 1).dataSync() as Float64Array;
        const got = new Float64Array(batch * m * n).fill(12345);
        a.matmul(A, B, got, batch, m, n, k, ta, tb, m * k, k * n);
        const want = new Float64Array(batch * m * n);
        const params = { batch, m, n, k, transposeA: ta, transposeB: tb };
        jsBackend.matmul(A, B, want, { ...params, aBatchStride: m * k, bBatchStride: k * n });
        for (let i = 0; i < want.length; i++) {
          assert.ok(
            Math.abs(got[i] - want[i]) <= 1e-13 * Math.sqrt(k) * (1 + Math.abs(want[i])),
            `${p} ${JSON.stringify(params)} [${i}]: ${got[i]} vs ${want[i]}`,
          );
        }
      }
    });
  }));
