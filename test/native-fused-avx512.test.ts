/**
 * The AVX-512 loops of the native fused programs and float32 unary kernels (native/
 * vmath_avx512.h: exp, sigmoid, tanh, sin, cos; native/fused_program_avx512.cc: Add, Sub, Mul,
 * Div): on every path the CPU has (AVX-512, AVX2, scalar), a tf.function chain of them equals
 * the eager ops bit for bit on odd shapes (vector tails, tiles of 2048 elements and a partial
 * one, splat, row and column operands on either side), both float dtypes; and the AVX-512
 * results equal the AVX2 ones bit for bit (the same formulas, 16 lanes instead of 8).
 */
import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import { randomTensor } from "./helpers/gradcheck.js";
import { same } from "./helpers/function.js";
import { withAddon } from "./helpers/native.js";

type Path = "avx512" | "avx2" | "scalar";
type DT = "float32" | "float64";

/** Runs body on the native backend on one path; false when the CPU does not have it. */
function onPath(a: NativeAddon, path: Path, body: () => void): boolean {
  const backend = tf.getBackend();
  const isa = a.isa();
  const allowed = a.vmathAllowAvx512?.(path === "avx512") ?? false;
  try {
    tf.setBackend("native");
    const want: Isa = path === "scalar" ? "scalar" : "avx2-fma";
    if (a.setIsa(want) !== want && want !== "scalar") return false;
    a.setIsa(want);
    const now = a.vmathPath?.() ?? (a.isa() === "avx2-fma" ? "avx2" : "scalar");
    if (now !== path) return false;
    body();
    return true;
  } finally {
    a.setIsa(isa);
    a.vmathAllowAvx512?.(allowed);
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

test("vmathPath and vmathAllowAvx512 report and switch the path", (t) =>
  withAddon(t, (a) => {
    if (a.vmathPath === undefined || a.vmathAllowAvx512 === undefined) {
      t.skip("addon without the hooks");
      return;
    }
    const isa = a.isa();
    const before = a.vmathAllowAvx512(false);
    try {
      a.setIsa("scalar");
      assert.equal(a.vmathPath(), "scalar");
      a.vmathAllowAvx512(true);
      assert.equal(a.vmathPath(), "scalar", "setIsa('scalar') turns AVX-512 off too");
      if (a.setIsa("avx2-fma") === "avx2-fma") {
        assert.ok(["avx512", "avx2"].includes(a.vmathPath()), a.vmathPath());
        assert.equal(a.vmathAllowAvx512(false), true, "returns the previous setting");
        assert.equal(a.vmathPath(), "avx2");
      }
      assert.throws(
        () => (a.vmathAllowAvx512 as unknown as (v: unknown) => boolean)("yes"),
        /vmathAllowAvx512/,
      );
    } finally {
      a.setIsa(isa);
      a.vmathAllowAvx512(before);
    }
  }));
