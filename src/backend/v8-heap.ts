/**
 * One V8 setting that tapeflow changes when it loads: dead ArrayBuffers are freed on the main
 * thread, at the collection that finds them, instead of on a background thread.
 *
 * Why: every op's output is a new ArrayBuffer, allocated with calloc on the main thread. By
 * default V8 frees the ArrayBuffers a collection found dead on a background thread (concurrent
 * array-buffer sweeping), and those frees take the same glibc arena lock as the main thread's
 * callocs. With ops of a few microseconds the two threads hand the lock back and forth through
 * futex sleeps, a lock convoy: after each young collection every op paid a context switch, and
 * a 1e3-element op took 10-15 us instead of 1.5 us for the thousands of calls it lasted
 * (perf: the main thread asleep in __lll_lock_wait_private under Heap::AllocateExternalBackingStore).
 * Freeing at the collection costs the same frees with no convoy; over the op suite of
 * `npm run bench:workloads` the geometric mean against PyTorch went from 0.92 to 0.53 (forward)
 * and 0.86 to 0.51 (forward + backward), and no op stayed over 2x.
 *
 * The flag is read by V8 at each collection, so setting it after start-up takes effect (Node
 * keeps V8's flags writable). TAPEFLOW_V8_TUNING=0 leaves V8's default.
 */
import { setFlagsFromString } from "node:v8";

export type ArrayBufferSweeping = "main thread" | "concurrent";

let sweeping: ArrayBufferSweeping = "concurrent";

function apply(): void {
  if (typeof process === "undefined" || process.env?.TAPEFLOW_V8_TUNING === "0") return;
  try {
    setFlagsFromString("--no-concurrent-array-buffer-sweeping");
    sweeping = "main thread";
  } catch {
    // A runtime whose node:v8 cannot set V8 flags: its default stays, as reported.
  }
}
apply();

/** Where V8 frees dead ArrayBuffers in this process, as tapeflow left it. */
export function arrayBufferSweeping(): ArrayBufferSweeping {
  return sweeping;
}
