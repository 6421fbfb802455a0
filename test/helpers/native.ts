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
