/**
 * Huge pages behind malloc's heap (native/heap_thp.h): after tensors have grown the heap, the
 * next native call advises the new part MADV_HUGEPAGE, which /proc/self/smaps shows as the "hg"
 * flag on a [heap] mapping. Linux with glibc and the addon only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import * as tf from "../src/index.js";
import { addon } from "./helpers/native.js";

/** The VmFlags of every mapping /proc/self/smaps labels [heap]. */
function heapFlags(): string[][] {
  const out: string[][] = [];
  let inHeap = false;
  for (const line of fs.readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.trimEnd().endsWith("[heap]");
    else if (inHeap && line.startsWith("VmFlags:")) out.push(line.slice(8).trim().split(/\s+/));
  }
  return out;
}

test("the heap that tensors grow is advised as huge pages", (t) => {
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })
    ?.header?.glibcVersionRuntime;
  if (addon === null || !fs.existsSync("/proc/self/smaps") || glibc === undefined) {
    t.skip("needs the native addon on Linux with glibc");
    return;
  }
  if (process.env.TAPEFLOW_HEAP_THP === "0" || process.env.TAPEFLOW_MALLOC_TUNING === "0") {
    t.skip("turned off by the environment");
    return;
  }
  tf.setBackend("native");
  // 64 tensors of 1 MB (below the 32 MB mmap threshold: heap blocks), kept alive, then one
  // native call after them.
  const kept = Array.from({ length: 64 }, () => tf.relu(tf.fill([262144], 1)));
  tf.relu(kept[63]).dataSync();
  const flags = heapFlags();
  if (flags.length === 0) {
    // A preloaded allocator (ASan's, valgrind's, jemalloc) serves malloc from mmap: no brk heap.
    t.skip("malloc does not use the brk heap in this process");
    return;
  }
  assert.ok(
    flags.some((f) => f.includes("hg")),
    `no [heap] mapping has the huge-page flag: ${JSON.stringify(flags)}`,
  );
  assert.equal(kept.length, 64);
});
