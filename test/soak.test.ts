/**
 * A short soak (npm run soak is the long one): 3000 training steps of a small model, eager and
 * as a tf.function, after warm-up. Memory is measured after full collections (--expose-gc);
 * the growth of the JS heap's objects (V8's compiled code excluded: it grows as V8 optimizes)
 * must stay under 512 KiB, i.e. under about 175 bytes a step: one leaked tensor per step
 * (an object, its shape array and its storage, a few hundred bytes) would exceed it. RSS, which
 * the allocator and V8 size as they please, is bounded loosely (16 MiB) to catch a native leak
 * of the data itself (the batch is 576 bytes a step, 1.7 MiB over the run). Keeping one
 * batch tensor a step grows the heap objects by about 1 MiB and array buffers by 3 MiB here.
 *
 * With glibc and the addon, malloc's own count of the bytes it hands out is bounded tightly:
 * RSS moves by megabytes with what malloc and V8 keep mapped after a peak, which is not a leak,
 * but the bytes in use stay within about 0.2 MiB after warm-up. Memory the addon mallocs and
 * never frees, 350 bytes a step or more, exceeds the 1 MiB bound. The floor of the last
 * samples is compared with the floor of the first ones, so a sample that lands while a V8
 * compile job holds its zone memory does not count.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { formatResult, soak } from "../bench/soak-lib.js";

const STEPS = 3000;
const KiB = 1024;

for (const mode of ["eager", "function"] as const) {
  test(`soak (${mode}): ${STEPS} steps with flat memory after warm-up`, (t) => {
    const r = soak(mode, STEPS, { warmup: 500, samples: 12 });
    t.diagnostic(formatResult(r));
    assert.ok(r.lastLoss < r.firstLoss, `the model trains: ${r.firstLoss} -> ${r.lastLoss}`);
    assert.ok(
      r.heapDataGrowth < 512 * KiB,
      `heap objects grew ${(r.heapDataGrowth / KiB).toFixed(0)} KiB over ${STEPS} steps`,
    );
    const first = r.samples[0];
    const last = r.samples[r.samples.length - 1];
    // Typed-array storage lives outside the heap: a leaked tensor's data shows here.
    assert.ok(
      last.external - first.external < 512 * KiB,
      `array buffers grew ${((last.external - first.external) / KiB).toFixed(0)} KiB over ${STEPS} steps`,
    );
    if (r.mallocInUseGrowth !== undefined) {
      assert.ok(
        r.mallocInUseGrowth < 1024 * KiB,
        `malloc's bytes in use grew ${(r.mallocInUseGrowth / KiB).toFixed(0)} KiB over ${STEPS} steps`,
      );
    }
    assert.ok(
      r.rssGrowth < 16 * 1024 * KiB,
      `RSS grew ${(r.rssGrowth / KiB).toFixed(0)} KiB over ${STEPS} steps`,
    );
  });
}
