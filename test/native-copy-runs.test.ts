/**
 * The short-run copies of the native movement kernels (native/copy_run.h: rows of 4 to 256
 * bytes copied by fixed-size moves): transpose with a kept last axis, concat, split and gather
 * against the JS kernels for row widths of every special size and odd ones around them, every
 * element width (1, 4, 8 bytes) and both ISA paths.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { NumArray } from "../src/tensor/dtype.js";

const addon = nativeAddon();

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor;
const CTORS: Ctor[] = [Float32Array, Float64Array, Uint8Array];
/** Row widths in elements: every power of two up to 256 bytes for each width, and neighbours. */
const WIDTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 128, 256];

function fill(C: Ctor, n: number, seed: number): NumArray {
  const x = new C(n);
  for (let i = 0; i < n; i++)
    x[i] = C === Uint8Array ? (i * 7 + seed) % 2 : ((i * 37 + seed) % 101) - 50.5;
  return x;
}

for (const isa of ["avx2-fma", "scalar"] as const) {
  test(`short-row copies, ${isa}: transpose, concat, split, gather = JS for every row width`, (t: TestContext) => {
    const a = addon;
    if (
      a === null ||
      a.concat === undefined ||
      a.split === undefined ||
      a.gather === undefined ||
      a.transpose === undefined
    ) {
      t.skip("native movement kernels not available");
      return;
    }
    const before = a.isa();
    if (a.setIsa(isa) !== isa) {
      a.setIsa(before);
      t.skip(`no ${isa} here`);
      return;
    }
    try {
      for (const C of CTORS) {
        for (const w of WIDTHS) {
          const what = `${C.name} width ${w} ${isa}`;
          // Transpose [3, 5, 2, w] by [0, 2, 1, 3]: rows of w elements.
          const shape = [3, 5, 2, w];
          const n = 30 * w;
          const x = fill(C, n, w);
          const want = new C(n);
          const got = new C(n);
          jsBackend.transpose(x, shape, [0, 2, 1, 3], want);
          a.transpose(x, shape, [0, 2, 1, 3], got);
          assert.deepEqual(got, want, `transpose ${what}`);
          // Concat of [7, w] and [7, w + 1] along the last axis, then split back.
          const outer = 7;
          const xs = [fill(C, outer * w, 1), fill(C, outer * (w + 1), 2), fill(C, outer * w, 3)];
          const inners = [w, w + 1, w];
          const total = 3 * w + 1;
          const cw = new C(outer * total);
          const cg = new C(outer * total);
          jsBackend.concat(xs, outer, inners, cw);
          a.concat(xs, outer, inners, cg);
          assert.deepEqual(cg, cw, `concat ${what}`);
          const parts = inners.map((k) => new C(outer * k));
          a.split(cg, outer, inners, parts);
          parts.forEach((p, k) => assert.deepEqual(p, xs[k], `split ${what} piece ${k}`));
          // Gather rows of w from a table of 11 rows, an index repeated, the last row too.
          const table = fill(C, 11 * w, 5);
          const idx = Int32Array.from([3, 0, 10, 3, 7, 1]);
          const gw = new C(idx.length * w);
          const gg = new C(idx.length * w);
          jsBackend.gather(table, idx, 1, 1, 11, w, gw);
          a.gather(table, idx, 1, 1, 11, w, gg);
          assert.deepEqual(gg, gw, `gather ${what}`);
        }
      }
    } finally {
      a.setIsa(before);
    }
  });
}
