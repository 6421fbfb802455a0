/** Shared by tests that watch which registry ops run. */
import type { AnyOpDef } from "../../src/engine/op.js";

/** How many times `op`'s kernel ran during fn (the op's expansion, when it runs, is not counted). */
export function countKernelCalls(op: AnyOpDef, fn: () => void): number {
  const target = op as { kernel: (...args: unknown[]) => void };
  const original = target.kernel;
  let n = 0;
  target.kernel = (...args: unknown[]) => {
    n++;
    original(...args);
  };
  try {
    fn();
  } finally {
    target.kernel = original;
  }
  return n;
}
