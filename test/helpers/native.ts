/** What the backend tests share: the addon (null when it is not built), a skip, a backend switch. */
import type { TestContext } from "node:test";
import * as tf from "../../src/index.js";
import { nativeAddon } from "../../src/backend/native/index.js";
import assert from "node:assert/strict";
import type { FloatArray, Isa, NativeAddon } from "../../src/backend/native/addon.js";

export const addon = nativeAddon();

/** Runs fn with the addon, or skips the test with the reason when it is not loaded. */
export function withAddon(
  t: TestContext,
  fn: (a: NativeAddon) => void | Promise<void>,
): void | Promise<void> {
  if (addon === null) {
    t.skip("native addon not loaded (build it with `npm install`)");
    return;
  }
  return fn(addon);
}

/** The number of elements of a shape. */
export const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Runs fn on the JS backend, putting the backend in use back after. */
export function onJs<T>(fn: () => T): T {
  const before = tf.getBackend();
  tf.setBackend("js");
  try {
    return fn();
  } finally {
    tf.setBackend(before);
  }
}

/** Runs body with the addon's kernels on the given instruction set, then puts the old one back. */
export function withIsa(a: NativeAddon, isa: Isa, body: () => void): void {
  const before = a.isa();
  a.setIsa(isa);
  try {
    body();
  } finally {
    a.setIsa(before);
  }
}

/** Every ISA this CPU can run: the portable path always, AVX2 where present. */
export function forEachIsa(a: NativeAddon, body: (isa: Isa) => void): void {
  const original = a.isa();
  const isas: Isa[] = original === "avx2-fma" ? ["avx2-fma", "scalar"] : ["scalar"];
  try {
    for (const isa of isas) {
      a.setIsa(isa);
      body(isa);
    }
  } finally {
    a.setIsa(original);
  }
}

/** The kernels on one thread, then on two. */
export function forEachThreads(a: NativeAddon, body: (threads: number) => void): void {
  const original = a.numThreads();
  try {
    for (const n of [1, 2]) {
      a.setNumThreads(n);
      body(n);
    }
  } finally {
    a.setNumThreads(original);
  }
}

/** A float32 or float64 array of n draws of r scaled to [lo, hi). */
export function randomArray(
  dtype: "float32" | "float64",
  n: number,
  r: () => number,
  lo = -2,
  hi = 2,
): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** A zeroed float32 or float64 array of n elements. */
export const alloc = (dtype: "float32" | "float64", n: number): FloatArray =>
  dtype === "float32" ? new Float32Array(n) : new Float64Array(n);

/** Asserts |got[i] - want[i]| <= tol (1 + |want[i]|) for every element (native vs JS kernels). */
export function assertArraysClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      assert.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

/** The same for two tensors of one shape. */
export function assertTensorsClose(
  got: tf.Tensor,
  want: tf.Tensor,
  tol: number,
  what: string,
): void {
  assert.deepEqual(got.shape, want.shape, what);
  assertArraysClose(
    got.dataSync() as ArrayLike<number>,
    want.dataSync() as ArrayLike<number>,
    tol,
    what,
  );
}

/** The kernels' instruction-set paths: AVX-512F on top of AVX2, AVX2, portable. */
export type SimdPath = "avx512" | "avx2" | "scalar";
export const SIMD_PATHS: readonly SimdPath[] = ["avx512", "avx2", "scalar"];

/**
 * Runs body with the native kernels on `path` (setIsa, and the AVX-512F kernels allowed or not),
 * then puts both back; false, body not run, when this CPU does not have that path.
 */
export function onSimdPath(a: NativeAddon, path: SimdPath, body: () => void): boolean {
  const isa = a.isa();
  const allowed = a.allowAvx512(path === "avx512");
  try {
    a.setIsa(path === "scalar" ? "scalar" : "avx2-fma");
    if (a.simdPath() !== path) return false;
    body();
    return true;
  } finally {
    a.setIsa(isa);
    a.allowAvx512(allowed);
  }
}

/** Runs body on each SIMD path the CPU has (AVX-512, AVX2, scalar), with 1 and 2 threads. */
export function forEachPath(a: NativeAddon, body: (what: string) => void): void {
  for (const path of SIMD_PATHS)
    onSimdPath(a, path, () => forEachThreads(a, (n) => body(`${path}, ${n} thread(s)`)));
}
