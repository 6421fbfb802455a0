/** What the backend tests share: the addon (null when it is not built), a skip, a backend switch. */
import type { TestContext } from "node:test";
import * as tf from "../../src/index.js";
import { nativeAddon } from "../../src/backend/native/index.js";
import type { Isa, NativeAddon } from "../../src/backend/native/addon.js";

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
