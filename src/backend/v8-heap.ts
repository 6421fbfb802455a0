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
 *    (`node --trace-gc --trace-incremental-marking`). Marked in one pause, a 15 MB heap takes
 *    12-17 ms here (a 3 MB one about 4), with the pool idle. Eager training steps with huge
 *    pages: Transformer block 52.7 -> 39.1-40.4 ms, MNIST convnet 21.3 -> 13.4-13.9 ms
 *    (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1 npm run bench:workloads -- --no-suite`, same
 *    session, before and after). A program whose own JS heap grows past
 *    256 MB gets incremental marking back (a timer checks every 5 s), so that its full
 *    collections do not become long pauses.
 *
 * Both flags are read by V8 whenever it uses them, and neither has state tied to it, so setting
 * them after start-up takes effect at once and is safe whatever V8 is doing (Node keeps V8's
 * flags writable). They are process-wide, worker threads included, so only the main thread
 * sets the marking. (`--no-concurrent-marking` gave a similar gain at start-up but is not safe
 * to flip: V8 reads it to pause and join a running marker.) TAPEFLOW_V8_TUNING=0 leaves V8's
 * defaults.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { isMainThread } from "node:worker_threads";

export type ArrayBufferSweeping = "main thread" | "concurrent";
export type Marking = "atomic" | "incremental";

/**
 * A JS heap bigger than this (a program's own objects, not tensor storage) gets V8's
 * incremental marking back, as one pause over it would be long; under SMALL_HEAP_BYTES again,
 * marking is atomic again. Checked every HEAP_CHECK_MS by an unref'd timer, which runs whenever
 * the event loop does (a synchronous training loop, whose heap stays small, never waits on it).
 */
const LARGE_HEAP_BYTES = 256 * 1024 * 1024;
const SMALL_HEAP_BYTES = 128 * 1024 * 1024;
const HEAP_CHECK_MS = 5000;

let sweeping: ArrayBufferSweeping = "concurrent";
let markingMode: Marking = "incremental";
/** Whether tapeflow manages the marking (main thread, tuning on, flags settable). */
let managesMarking = false;

function setMarking(mode: Marking): void {
  setFlagsFromString(mode === "atomic" ? "--no-incremental-marking" : "--incremental-marking");
  markingMode = mode;
}

/**
 * The marking for a JS heap of `usedBytes`: atomic while it is small, incremental once it is
 * large (with hysteresis between the two thresholds). Returns the marking in effect; does
 * nothing where tapeflow does not manage it (TAPEFLOW_V8_TUNING=0, a worker thread).
 */
export function adaptMarkingToHeap(usedBytes: number): Marking {
  if (!managesMarking) return markingMode;
  if (markingMode === "atomic" && usedBytes > LARGE_HEAP_BYTES) setMarking("incremental");
  else if (markingMode === "incremental" && usedBytes < SMALL_HEAP_BYTES) setMarking("atomic");
  return markingMode;
}

function apply(): void {
  if (typeof process === "undefined" || process.env?.TAPEFLOW_V8_TUNING === "0") return;
  try {
    setFlagsFromString("--no-concurrent-array-buffer-sweeping");
    sweeping = "main thread";
    // V8's flags are process-wide: the marking follows the main thread's heap only (a worker
    // that loads tapeflow leaves it to the main thread).
    if (!isMainThread) return;
    managesMarking = true;
    adaptMarkingToHeap(getHeapStatistics().used_heap_size);
    const timer = setInterval(
      () => adaptMarkingToHeap(getHeapStatistics().used_heap_size),
      HEAP_CHECK_MS,
    );
    timer.unref();
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
