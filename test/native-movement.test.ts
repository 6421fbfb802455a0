/**
 * The native movement kernels (native/movement2.cc through src/backend/native/movement.ts) and
 * the native reductions (Mean, the column-sum paths of native/reduce.cc) against the JS kernels
 * on odd shapes, every dtype they take and both ISA paths; their entry points' bad-argument
 * handling (TypeError / RangeError, never a crash); and the ops' gradients in float64 with the
 * native kernels forced on.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { makeNativeBackend, THRESHOLDS } from "../src/backend/native/backend.js";
import { MOVEMENT_THRESHOLDS } from "../src/backend/native/movement.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import type { Backend } from "../src/backend/types.js";
import type { NumArray } from "../src/tensor/dtype.js";
import { checkGradients, randomTensor, rng } from "./helpers/gradcheck.js";
import { forEachThreads } from "./helpers/native.js";

const mirrorPad = (x: tf.Tensor, p: number[][], mode: "reflect" | "symmetric"): tf.Tensor =>
  tf.pad(x, p, mode);

const addon = nativeAddon();

type Ctor =
  Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const CTORS: Ctor[] = [Float32Array, Float64Array, Int32Array, Uint8Array];
const DIMS = [1, 2, 3, 5, 7, 17, 33];

function setup(t: TestContext): { a: NativeAddon; nb: Backend } | null {
  if (addon === null || addon.stridedCopy === undefined || addon.gather === undefined) {
    t.skip("native movement kernels not available");
    return null;
  }
  return { a: addon, nb: makeNativeBackend(addon, jsBackend) };
}

/** Runs body on both ISA paths with every native crossover at 0 (the addon always runs). */
function eachIsa(a: NativeAddon, body: (isa: Isa) => void): void {
  const before = a.isa();
  const saved = { ...MOVEMENT_THRESHOLDS };
  const savedReduce = THRESHOLDS.reduce;
  for (const k of Object.keys(MOVEMENT_THRESHOLDS) as (keyof typeof MOVEMENT_THRESHOLDS)[])
    MOVEMENT_THRESHOLDS[k] = 0;
  THRESHOLDS.reduce = 0;
  try {
    for (const isa of ["avx2-fma", "scalar"] as const) {
      if (a.setIsa(isa) !== isa) continue;
      body(isa);
    }
  } finally {
    a.setIsa(before);
    Object.assign(MOVEMENT_THRESHOLDS, saved);
    THRESHOLDS.reduce = savedReduce;
  }
}

function fill(C: Ctor, n: number, r: () => number): NumArray {
  const x = new C(n);
  for (let i = 0; i < n; i++) {
    x[i] =
      C === Uint8Array
        ? r() < 0.5
          ? 1
          : 0
        : C === Int32Array
          ? Math.floor(r() * 2000) - 1000
          : r() * 4 - 2;
  }
  return x;
}

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

function randomShape(r: () => number, maxRank = 4, maxSize = 40000): number[] {
  for (;;) {
    const rank = 1 + Math.floor(r() * maxRank);
    const s = Array.from({ length: rank }, () => DIMS[Math.floor(r() * DIMS.length)]);
    if (size(s) <= maxSize) return s;
  }
}

/** Runs a kernel on fresh zeroed outputs with the native and the JS backend; both must agree. */
function same(
  what: string,
  C: Ctor,
  n: number,
  run: (b: Backend, out: NumArray) => void,
  nb: Backend,
): void {
  const got = new C(n);
  const want = new C(n);
  run(nb, got);
  run(jsBackend, want);
  assert.deepEqual(Array.from(got), Array.from(want), what);
}

test("native stridedSlice and stridedSliceGrad equal the JS kernels (negative strides, every dtype)", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(11);
  eachIsa(s.a, (isa) => {
    for (let i = 0; i < 80; i++) {
      const shape = randomShape(r);
      const begin: number[] = [];
      const strides: number[] = [];
      const outShape: number[] = [];
      for (const d of shape) {
        const st = (1 + Math.floor(r() * 3)) * (r() < 0.3 ? -1 : 1);
        const b = st > 0 ? Math.floor(r() * d) : d - 1 - Math.floor(r() * d);
        const room = st > 0 ? Math.ceil((d - b) / st) : Math.ceil((b + 1) / -st);
        begin.push(b);
        strides.push(st);
        outShape.push(1 + Math.floor(r() * room));
      }
      const C = CTORS[i % 4];
      const x = fill(C, size(shape), r);
      const what = `${isa} ${C.name} ${JSON.stringify({ shape, begin, strides, outShape })}`;
      same(
        what,
        C,
        size(outShape),
        (b, o) => b.stridedSlice(x, shape, begin, strides, o, outShape),
        s.nb,
      );
      const dy = fill(C, size(outShape), r);
      same(
        `grad ${what}`,
        C,
        size(shape),
        (b, o) => b.stridedSliceGrad(dy, outShape, begin, strides, o, shape),
        s.nb,
      );
    }
  });
});

test("native broadcastTo (tile) equals the JS kernel", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(12);
  eachIsa(s.a, (isa) => {
    for (let i = 0; i < 60; i++) {
      const outShape = randomShape(r);
      const inShape = outShape.slice(Math.floor(r() * 2)).map((d) => (r() < 0.4 ? 1 : d));
      const C = CTORS[i % 4];
      const x = fill(C, size(inShape), r);
      same(
        `${isa} ${C.name} ${JSON.stringify(inShape)} -> ${JSON.stringify(outShape)}`,
        C,
        size(outShape),
        (b, o) => b.broadcastTo(x, inShape, o, outShape),
        s.nb,
      );
    }
  });
});

test("native copies of a few long rows (segments shared by the threads) equal the JS kernels", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(18);
  eachIsa(s.a, (isa) => {
    for (const C of CTORS) {
      // One value broadcast to 100001 elements, a row broadcast to 3 long rows, a reversed slice.
      const one = fill(C, 1, r);
      same(`${isa} ${C.name} fill`, C, 100001, (b, o) => b.broadcastTo(one, [], o, [100001]), s.nb);
      const row = fill(C, 70001, r);
      same(
        `${isa} ${C.name} rows`,
        C,
        3 * 70001,
        (b, o) => b.broadcastTo(row, [1, 70001], o, [3, 70001]),
        s.nb,
      );
      const x = fill(C, 2 * 90000, r);
      same(
        `${isa} ${C.name} reversed slice`,
        C,
        2 * 44999,
        (b, o) => b.stridedSlice(x, [2, 90000], [0, 89999], [1, -2], o, [2, 44999]),
        s.nb,
      );
    }
  });
});

test("native concat and split equal the JS kernels", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(13);
  eachIsa(s.a, (isa) => {
    for (let i = 0; i < 40; i++) {
      const C = CTORS[i % 4];
      const outer = DIMS[Math.floor(r() * DIMS.length)] * 3;
      const inners = Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 40));
      const xs = inners.map((n) => fill(C, outer * n, r));
      const total = inners.reduce((p, n) => p + n, 0);
      const what = `${isa} ${C.name} outer ${outer} inners ${inners.join(",")}`;
      same(what, C, outer * total, (b, o) => b.concat(xs, outer, inners, o), s.nb);
      const x = fill(C, outer * total, r);
      const got = inners.map((n) => new C(outer * n));
      const want = inners.map((n) => new C(outer * n));
      s.nb.split(x, outer, inners, got);
      jsBackend.split(x, outer, inners, want);
      assert.deepEqual(
        got.map((g) => Array.from(g)),
        want.map((w) => Array.from(w)),
        `split ${what}`,
      );
    }
  });
});

test("native concat and split of many parts (more than a shape's rank, sizes whose product is huge)", (t) => {
  const s = setup(t);
  if (s === null) return;
  eachIsa(s.a, (isa) => {
    const r = rng(19);
    // unstack of 200 steps of 4096 each: 4096^200 passes any bound on a product.
    const inners = new Array<number>(200).fill(4096);
    const outer = 2;
    const x = fill(Float32Array, outer * 200 * 4096, r);
    const got = inners.map((n) => new Float32Array(outer * n));
    const want = inners.map((n) => new Float32Array(outer * n));
    s.nb.split(x, outer, inners, got);
    jsBackend.split(x, outer, inners, want);
    assert.ok(
      got.every((g, k) => g.every((v, i) => v === want[k][i])),
      `split ${isa}`,
    );
    same(`concat ${isa}`, Float32Array, x.length, (b, o) => b.concat(got, outer, inners, o), s.nb);
  });
});

test("native constant and mirror padding equal the JS kernels, gradient included", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(14);
  eachIsa(s.a, (isa) => {
    for (let i = 0; i < 60; i++) {
      const C = CTORS[i % 4];
      const shape = randomShape(r, 4, 20000);
      const x = fill(C, size(shape), r);
      // Constant padding, zero or another value.
      const before = shape.map(() => Math.floor(r() * 3));
      const after = shape.map(() => Math.floor(r() * 3));
      const outShape = shape.map((d, a) => d + before[a] + after[a]);
      const value = i % 3 === 0 ? 0 : C === Uint8Array ? 1 : C === Int32Array ? 7 : 2.5;
      const what = `${isa} ${C.name} ${JSON.stringify({ shape, before, after, value })}`;
      same(what, C, size(outShape), (b, o) => b.pad(x, shape, before, value, o, outShape), s.nb);
      // PadV2 hands the kernel uninitialized storage: every element must be written.
      same(
        `garbage ${what}`,
        C,
        size(outShape),
        (b, o) => {
          o.fill(C === Uint8Array ? 1 : 99);
          b.pad(x, shape, before, value, o, outShape);
        },
        s.nb,
      );
      // Mirror padding within one reflection.
      for (const symmetric of [false, true]) {
        const most = (d: number): number => (symmetric ? d : d - 1);
        const mb = shape.map((d) => Math.floor(r() * (most(d) + 1)));
        const ma = shape.map((d) => Math.floor(r() * (most(d) + 1)));
        const ms = shape.map((d, a) => d + mb[a] + ma[a]);
        const w = `${what} mirror ${symmetric} ${JSON.stringify([mb, ma])}`;
        same(w, C, size(ms), (b, o) => b.mirrorPad(x, shape, mb, symmetric, o, ms), s.nb);
        if (C === Uint8Array) continue;
        const dy = fill(C, size(ms), r);
        same(
          `grad ${w}`,
          C,
          size(shape),
          (b, o) => b.mirrorPadGrad(dy, ms, mb, symmetric, o, shape),
          s.nb,
        );
      }
    }
  });
});

test("native gather (batch dims), unsortedSegmentSum and oneHot equal the JS kernels", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(15);
  eachIsa(s.a, (isa) => {
    for (let i = 0; i < 40; i++) {
      const C = CTORS[i % 4];
      const [batch, outer, axis, inner, n] = [
        1 + (i % 3),
        DIMS[i % 7],
        1 + Math.floor(r() * 50),
        DIMS[(i * 3) % 7],
        Math.floor(r() * 60),
      ];
      const params = fill(C, batch * outer * axis * inner, r);
      const idx = Int32Array.from({ length: batch * n }, () => Math.floor(r() * axis));
      const what = `${isa} ${C.name} ${[batch, outer, axis, inner, n].join(",")}`;
      same(
        what,
        C,
        batch * outer * n * inner,
        (b, o) => b.gather(params, idx, batch, outer, axis, inner, o),
        s.nb,
      );
      // Segment sums (ids may be negative: dropped), in every numeric dtype but bool.
      if (C !== Uint8Array) {
        const rows = 1 + Math.floor(r() * 300);
        const segs = 1 + Math.floor(r() * 40);
        const ids = Int32Array.from({ length: rows }, () => Math.floor(r() * (segs + 3)) - 3);
        const data = fill(C, rows * inner, r);
        const got = new C(segs * inner);
        const want = new C(segs * inner);
        s.nb.unsortedSegmentSum(data, ids, inner, got);
        jsBackend.unsortedSegmentSum(data, ids, inner, want);
        // float32 sums in one order in both (row order per segment).
        assert.deepEqual(Array.from(got), Array.from(want), `segment sum ${what}`);
      }
      const depth = 1 + Math.floor(r() * 20);
      const hot = Int32Array.from(
        { length: outer * inner },
        () => Math.floor(r() * (depth + 4)) - 2,
      );
      const [on, off] = C === Uint8Array ? [1, 0] : C === Int32Array ? [5, -3] : [0.5, -1.25];
      same(
        `oneHot ${what}`,
        C,
        outer * depth * inner,
        (b, o) => b.oneHot(hot, outer, depth, inner, on, off, o),
        s.nb,
      );
    }
  });
  // A large segment sum takes the threaded path: the same sums as the serial JS kernel.
  const rows = 6400;
  const inner = 32;
  const data = fill(Float64Array, rows * inner, r);
  const ids = Int32Array.from({ length: rows }, () => Math.floor(r() * 2000));
  const got = new Float64Array(2000 * inner);
  const want = new Float64Array(2000 * inner);
  s.nb.unsortedSegmentSum(data, ids, inner, got);
  jsBackend.unsortedSegmentSum(data, ids, inner, want);
  assert.deepEqual(got, want);
});

test("native reductions (Mean included) equal the JS kernels over every axis set", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(16);
  const shapes = [
    [1000, 37],
    [37, 1000],
    [6400, 32],
    [32, 200, 32],
    [3, 2000, 40],
    [2, 9, 600, 3],
    [5000, 3],
  ];
  for (let i = 0; i < 30; i++) shapes.push(randomShape(r, 4, 30000));
  eachIsa(s.a, (isa) => {
    for (const shape of shapes) {
      for (const C of [Float32Array, Float64Array]) {
        const x = fill(C, size(shape), r);
        const axesSets = [[0], [shape.length - 1], shape.map((_, a) => a)];
        const mask = Math.floor(r() * (1 << shape.length));
        axesSets.push(shape.map((_, a) => a).filter((a) => (mask >> a) & 1));
        for (const axes of axesSets) {
          const kept = shape.filter((_, a) => !axes.includes(a));
          for (const fn of ["Sum", "Mean", "Max", "Min", "Prod"] as const) {
            if (fn === "Prod" && size(shape) / Math.max(1, size(kept)) > 40) continue;
            const got = new C(size(kept));
            const want = new C(size(kept));
            s.nb.reduce(fn, x, shape, axes, got);
            jsBackend.reduce(fn, x, shape, axes, want);
            const tol = C === Float32Array ? 2e-6 : 1e-12;
            for (let k = 0; k < got.length; k++) {
              const e = want[k];
              if (Math.abs(got[k] - e) > tol * (1 + Math.abs(e)) * 10)
                assert.fail(
                  `${isa} ${fn} ${C.name} ${JSON.stringify(shape)} axes ${axes}: [${k}] ${got[k]} vs ${e}`,
                );
            }
          }
        }
      }
    }
  });
  // Mean of nothing is NaN, as in the JS kernel.
  const out = new Float32Array(3);
  s.nb.reduce("Mean", new Float32Array(0), [3, 0], [1], out);
  assert.ok(out.every((v) => Number.isNaN(v)));
});

test("native broadcast binaries (short rows tiled, rows, columns) equal the JS kernels", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(17);
  const fns = [
    { name: "Add", js: "a + b", costly: false },
    { name: "Sub", js: "a - b", costly: false },
    { name: "Mul", js: "a * b", costly: false },
    { name: "Div", js: "a / b", costly: false },
  ];
  const cases: [number[], number[]][] = [];
  for (const len of [1, 3, 17, 32, 255, 256, 300]) {
    for (const rows of [1, 5, 700]) {
      cases.push(
        [[rows, len], [len]],
        [[len], [rows, len]],
        [
          [rows, len],
          [rows, 1],
        ],
      );
      cases.push(
        [
          [2, rows, len],
          [1, 1, len],
        ],
        [
          [rows, 1, len],
          [rows, 3, len],
        ],
      );
    }
  }
  eachIsa(s.a, (isa) => {
    const savedBinary = [THRESHOLDS.binary, THRESHOLDS.binaryCostly];
    THRESHOLDS.binary = 0;
    THRESHOLDS.binaryCostly = 0;
    try {
      for (const [as, bs] of cases) {
        const os = as.length >= bs.length ? as.slice() : bs.slice();
        const off = os.length - Math.min(as.length, bs.length);
        const short = as.length >= bs.length ? bs : as;
        short.forEach((d, i) => (os[off + i] = Math.max(os[off + i], d)));
        for (const C of [Float32Array, Float64Array]) {
          const a = fill(C, size(as), r);
          const b = fill(C, size(bs), r).map((v) => (v === 0 ? 1 : v));
          const fn = fns[Math.floor(r() * fns.length)];
          same(
            `${isa} ${fn.name} ${C.name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`,
            C,
            size(os),
            (be, o) => be.binary(fn, a, as, b, bs, o, os),
            s.nb,
          );
        }
      }
    } finally {
      [THRESHOLDS.binary, THRESHOLDS.binaryCostly] = savedBinary;
    }
  });
});

test("native movement entry points refuse bad arguments with TypeError or RangeError", (t) => {
  const s = setup(t);
  if (s === null) return;
  const a = s.a as Required<NativeAddon>;
  const f = new Float32Array(12);
  const o = new Float32Array(12);
  const d = new Float64Array(12);
  const i32 = new Int32Array([0, 1, 2]);
  const bad: [string, () => unknown, typeof TypeError | typeof RangeError][] = [
    ["src not an array", () => a.stridedCopy(null as never, 0, [1], o, 0, [1], [12]), TypeError],
    ["dtypes differ", () => a.stridedCopy(f, 0, [1], d, 0, [1], [12]), TypeError],
    ["read past the end", () => a.stridedCopy(f, 1, [1], o, 0, [1], [12]), RangeError],
    ["negative reach", () => a.stridedCopy(f, 0, [-1], o, 0, [1], [12]), RangeError],
    ["huge stride", () => a.stridedCopy(f, 0, [2 ** 52], o, 0, [1], [12]), RangeError],
    ["fractional stride", () => a.stridedCopy(f, 0, [0.5], o, 0, [1], [12]), RangeError],
    ["string stride", () => a.stridedCopy(f, 0, ["1" as never], o, 0, [1], [12]), TypeError],
    ["stride count", () => a.stridedCopy(f, 0, [1, 1], o, 0, [1], [12]), RangeError],
    ["zero dst stride", () => a.stridedCopy(f, 0, [1], o, 0, [0], [12]), RangeError],
    ["overlap", () => a.stridedCopy(f, 0, [1], f.subarray(6), 0, [1], [6]), RangeError],
    ["negative base", () => a.stridedCopy(f, -1, [1], o, 0, [1], [1]), RangeError],
    ["concat lengths", () => a.concat([f, f], 2, [6, 5], new Float32Array(24)), RangeError],
    ["concat count", () => a.concat([f], 2, [6, 6], new Float32Array(24)), RangeError],
    [
      "concat non-array",
      () => a.concat([f, "x" as never], 2, [6, 6], new Float32Array(24)),
      TypeError,
    ],
    ["concat dtypes", () => a.concat([f, d], 2, [6, 6], new Float32Array(24)), TypeError],
    ["concat xs", () => a.concat(f as never, 2, [6, 6], new Float32Array(24)), TypeError],
    [
      "split overlap",
      () => a.split(f, 2, [3, 3], [o.subarray(0, 6), o.subarray(3, 9)]),
      RangeError,
    ],
    [
      "gather index",
      () => a.gather(f, new Int32Array([0, 4]), 1, 1, 4, 3, new Float32Array(6)),
      RangeError,
    ],
    [
      "gather negative",
      () => a.gather(f, new Int32Array([-1]), 1, 1, 4, 3, new Float32Array(3)),
      RangeError,
    ],
    [
      "gather indices dtype",
      () => a.gather(f, new Float32Array([0]) as never, 1, 1, 4, 3, new Float32Array(3)),
      TypeError,
    ],
    ["gather params size", () => a.gather(f, i32, 1, 1, 5, 3, new Float32Array(9)), RangeError],
    ["gather out size", () => a.gather(f, i32, 1, 1, 4, 3, new Float32Array(8)), RangeError],
    [
      "segment id",
      () => a.unsortedSegmentSum(f, new Int32Array([0, 1, 9]), 4, new Float32Array(8)),
      RangeError,
    ],
    [
      "segment bool",
      () => a.unsortedSegmentSum(new Uint8Array(3), i32, 1, new Uint8Array(3)),
      TypeError,
    ],
    ["segment out", () => a.unsortedSegmentSum(f, i32, 4, new Float32Array(7)), RangeError],
    ["oneHot on", () => a.oneHot(i32, 3, 4, 1, 0.5, 0, new Int32Array(12)), RangeError],
    ["oneHot bool", () => a.oneHot(i32, 3, 4, 1, 2, 0, new Uint8Array(12)), RangeError],
    ["oneHot size", () => a.oneHot(i32, 3, 4, 1, 1, 0, new Float32Array(11)), RangeError],
    [
      "oneHot on type",
      () => a.oneHot(i32, 3, 4, 1, "1" as never, 0, new Float32Array(12)),
      TypeError,
    ],
    [
      "mirror too far",
      () => a.mirrorPad(f, [3, 4], [0, 4], false, new Float32Array(3 * 8), [3, 8]),
      RangeError,
    ],
    [
      "mirror reflect edge",
      () => a.mirrorPad(f, [3, 4], [3, 0], false, new Float32Array(6 * 4), [6, 4]),
      RangeError,
    ],
    [
      "mirror rank",
      () => a.mirrorPad(f, [3, 4], [0], false, new Float32Array(12), [3, 4]),
      RangeError,
    ],
    [
      "mirror shape",
      () => a.mirrorPad(f, [3, 5], [0, 0], false, new Float32Array(15), [3, 5]),
      RangeError,
    ],
    [
      "mirror grad bool",
      () => a.mirrorPadGrad(new Uint8Array(12), [3, 4], [0, 0], true, new Uint8Array(12), [3, 4]),
      TypeError,
    ],
    [
      "mirror grad after",
      () =>
        a.mirrorPadGrad(new Float32Array(36), [4, 9], [0, 0], true, new Float32Array(12), [3, 4]),
      RangeError,
    ],
    [
      "reduce Mean int",
      () => a.reduce(6, new Int32Array(4) as never, [4], [0], new Int32Array(1) as never),
      TypeError,
    ],
  ];
  for (const [what, call, kind] of bad) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && /\(native\)/.test((e as Error).message),
      what,
    );
  }
  // A getter in a strides array runs before any pointer is taken; its error propagates.
  const evil = [1];
  Object.defineProperty(evil, 0, {
    get() {
      throw new Error("getter");
    },
  });
  assert.throws(() => a.stridedCopy(f, 0, evil, o, 0, [1], [12]), /getter/);
  // Nothing was written by a refused call.
  assert.ok(o.every((v) => v === 0));
});

test("ops with the native movement kernels forced on: values and float64 gradients", (t) => {
  const s = setup(t);
  if (s === null) return;
  const before = tf.getBackend();
  tf.setBackend("native");
  try {
    eachIsa(s.a, () => {
      const x = randomTensor([3, 5, 4], 1);
      const y = randomTensor([3, 2, 4], 2);
      checkGradients((a) => tf.slice(a, [1, 1, 0], [2, 3, -1]), [x]);
      checkGradients((a) => tf.stridedSlice(a, [2, 4, 3], [0, 0, 0], [-1, -2, -2]), [x]);
      checkGradients((a, b) => tf.concat([a, b], 1), [x, y]);
      checkGradients(
        (a) =>
          tf.pad(
            a,
            [
              [1, 0],
              [0, 2],
              [1, 1],
            ],
            "constant",
            0.5,
          ),
        [x],
      );
      checkGradients(
        (a) =>
          mirrorPad(
            a,
            [
              [1, 1],
              [2, 0],
              [0, 3],
            ],
            "symmetric",
          ),
        [x],
      );
      checkGradients(
        (a) =>
          mirrorPad(
            a,
            [
              [1, 1],
              [2, 0],
              [0, 3],
            ],
            "reflect",
          ),
        [x],
      );
      checkGradients((a) => tf.tile(a, [2, 1, 3]), [x]);
      checkGradients((a) => tf.reduceMean(a, [0, 2]), [x]);
      checkGradients((a) => tf.reduceSum(a, 1), [x]);
      checkGradients(
        (a) =>
          tf.gather(
            a,
            tf.constant(
              [
                [4, 0],
                [4, 2],
              ],
              "int32",
            ),
            1,
          ),
        [x],
      );
      checkGradients(
        (a) =>
          tf.gather(
            a,
            tf.constant(
              [
                [3, 1],
                [0, 0],
                [2, 4],
              ],
              "int32",
            ),
            1,
            1,
          ),
        [x],
      );
      // Known values: a reflected pad and a one-hot.
      const m = mirrorPad(tf.constant([1, 2, 3]), [[2, 1]], "reflect");
      assert.deepEqual(Array.from(m.dataSync() as NumArray), [3, 2, 1, 2, 3, 2]);
      const h = tf.oneHot(tf.constant([2, -1, 0], "int32"), 3);
      assert.deepEqual(Array.from(h.dataSync() as NumArray), [0, 0, 1, 0, 0, 0, 1, 0, 0]);
      const g = tf.unsortedSegmentSum(
        tf.constant([1, 2, 3, 4]),
        tf.constant([1, 0, 1, -1], "int32"),
        2,
      );
      assert.deepEqual(Array.from(g.dataSync() as NumArray), [2, 4]);
    });
  } finally {
    tf.setBackend(before);
  }
});

test("native embedding lookups (the prefetched path) equal the JS kernel: big tables, 1 and 2 threads", (t) => {
  const s = setup(t);
  if (s === null) return;
  const r = rng(16);
  forEachThreads(s.a, (threads) => {
    for (const [axis, inner, n] of [
      [20000, 32, 6400],
      [3001, 7, 999],
      [50, 64, 13],
    ]) {
      const params = fill(Float32Array, axis * inner, r);
      const idx = Int32Array.from({ length: n }, () => Math.floor(r() * axis));
      same(
        `${threads} threads [${axis},${inner}] by ${n}`,
        Float32Array,
        n * inner,
        (b, o) => b.gather(params, idx, 1, 1, axis, inner, o),
        s.nb,
      );
    }
  });
});
