/**
 * The V8 settings tapeflow changes when it loads, for how its tensors use V8's heap: every op's
 * output is a new ArrayBuffer (outside the JS heap, but counted by V8 as external memory), and
 * a training step makes tens of megabytes of them while the JS heap itself stays small.
 *
 * 1. Dead ArrayBuffers are freed on the main thread, at the collection that finds them, instead
 *    of on a background thread (`--no-concurrent-array-buffer-sweeping`). By default V8 frees
 *    them on a background thread, and those frees take the same glibc arena lock as the main
 *    thread's callocs. With ops of a few microseconds the two threads hand the lock back and
 *    forth through futex sleeps, a lock convoy: after each young collection every op paid a
 *    context switch, and a 1e3-element op took 10-15 us instead of 1.5 us for the thousands of
 *    calls it lasted (perf: the main thread asleep in __lll_lock_wait_private under
 *    Heap::AllocateExternalBackingStore). Over the op suite of `npm run bench:workloads` the
 *    geometric mean against PyTorch went from 0.92 to 0.53 (forward) and 0.86 to 0.51
 *    (forward + backward), and no op stayed over 2x.
 *
 * 2. Full collections mark in one pause instead of incrementally (`--no-incremental-marking`).
 *    A step's activations outlive a few young collections, so they are promoted, and the
 *    external memory they hold starts a full collection every step or two (V8's 64 MB external
 *    soft limit), though the JS heap is only ~15 MB. Incremental marking spreads each one over
 *    ~20 ms: a background marker then competes with the kernel thread pool for the cores (on 2
 *    cores it used ~29 ms of CPU per Transformer step, per-thread CPU times from /proc), and the
 *    young collections that fall inside the marking take 4-6 ms instead of 0.5-1 ms
 *    (`node --trace-gc --trace-incremental-marking`). Marked in one pause, a 15 MB heap takes a
 *    few milliseconds, with the pool idle. Eager training steps: Transformer block 38-54 ->
 *    35-39 ms, MNIST convnet 19-22 -> 13-18 ms (bench/workloads' models, 2 threads, separate
 *    processes alternated; not a script in bench/). The cost: a process with a large JS heap
 *    gets longer full-collection pauses.
 *
 * Both flags are read by V8 whenever it uses them, and neither has state tied to it, so setting
 * them after start-up takes effect at once and is safe whatever V8 is doing (Node keeps V8's
 * flags writable; they are process-wide, worker threads included). TAPEFLOW_V8_TUNING=0 leaves
 * V8's defaults.
 */
import { setFlagsFromString } from "node:v8";

export type ArrayBufferSweeping = "main thread" | "concurrent";
export type Marking = "atomic" | "incremental";

let sweeping: ArrayBufferSweeping = "concurrent";
let markingMode: Marking = "incremental";

function apply(): void {
  if (typeof process === "undefined" || process.env?.TAPEFLOW_V8_TUNING === "0") return;
  try {
    setFlagsFromString("--no-concurrent-array-buffer-sweeping");
    sweeping = "main thread";
    setFlagsFromString("--no-incremental-marking");
    markingMode = "atomic";
  } catch {
    // A runtime whose node:v8 cannot set V8 flags: its defaults stay, as reported.
  }
}
apply();

/** Where V8 frees dead ArrayBuffers in this process, as tapeflow left it. */
export function arrayBufferSweeping(): ArrayBufferSweeping {
  return sweeping;
}

/** How V8's full collections mark in this process, as tapeflow left it. */
export function fullCollectionMarking(): Marking {
  return markingMode;
}
