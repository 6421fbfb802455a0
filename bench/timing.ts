/** Timing helpers for the benchmarks: warm-up, then the median of repeated runs. */

export interface TimeOptions {
  /** Calls before timing starts (JIT, caches, thread pools). */
  warmup?: number;
  /** At least this many timed calls... */
  minReps?: number;
  /** ...and more until this much time has gone by, or maxReps. */
  budgetMs?: number;
  maxReps?: number;
  /**
   * After the warm-up calls, keep calling for this long before timing (0 by default): a JIT
   * tiers a function up after enough calls, so a call of a few microseconds needs a few hundred
   * calls before it runs at the speed a training loop sees.
   */
  warmupMs?: number;
  /**
   * ...and until at least this many calls were made (0 by default), for at most three times
   * warmupMs: a fresh process's first few thousand small-op steps run 5-15x slower than later
   * ones (the tape's code still interpreted, malloc's heap growing page by page while dead
   * buffers wait for their first collections), which a time-only warm-up of a microsecond
   * case does not get through.
   */
  warmupCalls?: number;
}

/** Median seconds per call of fn. Slow calls (over a second) get fewer repeats. */
export function timeIt(fn: () => void, opts: TimeOptions = {}): number {
  const { warmup = 3, minReps = 5, budgetMs = 400, maxReps = 200 } = opts;
  const { warmupMs = 0, warmupCalls = 0 } = opts;
  const first = performance.now();
  fn();
  const once = performance.now() - first;
  const slow = once > 1000;
  for (let i = 1; i < (slow ? 0 : warmup); i++) fn();
  if (!slow && warmupMs > 0) {
    const begin = performance.now();
    for (let calls = 0; ; calls++) {
      const spent = performance.now() - begin;
      if ((spent >= warmupMs && calls >= warmupCalls) || spent >= 3 * warmupMs) break;
      fn();
    }
  }
  const times: number[] = [];
  const start = performance.now();
  const reps = slow ? 2 : minReps;
  while (
    times.length < reps ||
    (!slow && performance.now() - start < budgetMs && times.length < maxReps)
  ) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Lets the garbage collector run between cases when node runs with --expose-gc. */
export function collect(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) g();
}
