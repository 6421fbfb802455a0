/**
 * The native kernels checked against the JS reference kernels on random data: odd sizes that are
 * not multiples of the vector width, broadcasts, transposes, batches, both float dtypes, on the
 * AVX2 path and on the portable path (forced with setIsa("scalar")), on one and two threads.
 * Bad arguments reaching C++ must throw, never crash.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { FloatArray, Isa, NativeAddon } from "../src/backend/native/addon.js";
import type { MatmulParams } from "../src/backend/linalg.js";
import { scalarOf } from "../src/engine/op.js";
import type { ReduceFn } from "../src/backend/reduce.js";
import type { NumArray } from "../src/tensor/dtype.js";
import type { AxisParams, Conv2DParams, Pool2DParams } from "../src/backend/nn.js";
import { conv2dParams } from "./helpers/conv.js";
import { comparePoolKernels, pool2dParams } from "./helpers/pool.js";
import { rng } from "./helpers/rng.js";
import { forEachIsa, forEachThreads, size, withAddon } from "./helpers/native.js";

type FloatDtype = "float32" | "float64";
const DTYPES: FloatDtype[] = ["float32", "float64"];

function randomArray(dtype: FloatDtype, n: number, r: () => number, lo = -2, hi = 2): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

function alloc(dtype: FloatDtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/**
 * Asserts |got - want| <= rtol * |want| + atol elementwise, NaN matching NaN and infinities
 * matching exactly.
 */
function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, want NaN`);
    } else if (!Number.isFinite(w)) {
      assert.equal(g, w, `${what}[${i}]`);
    } else if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) {
      assert.fail(`${what}[${i}]: got ${g}, want ${w} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

const ODD = [1, 7, 17, 33, 65, 129];

// ---- matmul ----------------------------------------------------------------------------------

function checkMatmul(a: NativeAddon, p: MatmulParams, dtype: FloatDtype, r: () => number): void {
  const aLen = (p.batch - 1) * p.aBatchStride + p.m * p.k;
  const bLen = (p.batch - 1) * p.bBatchStride + p.k * p.n;
  const A = randomArray(dtype, Math.max(aLen, 1), r, -1, 1);
  const B = randomArray(dtype, Math.max(bLen, 1), r, -1, 1);
  const want = alloc(dtype, p.batch * p.m * p.n);
  const got = alloc(dtype, p.batch * p.m * p.n).fill(12345); // written, not accumulated into
  jsBackend.matmul(A, B, want, p);
  a.matmul(
    A,
    B,
    got,
    p.batch,
    p.m,
    p.n,
    p.k,
    p.transposeA,
    p.transposeB,
    p.aBatchStride,
    p.bBatchStride,
  );
  // Sums of k products of values in [-1, 1]: the error grows like sqrt(k) ulps of the terms.
  const eps = dtype === "float32" ? 1.2e-7 : 2.3e-16;
  const atol = 8 * eps * Math.sqrt(p.k + 1) * Math.max(1, Math.sqrt(p.k));
  assertClose(got, want, 16 * eps, atol, `matmul ${dtype} ${JSON.stringify(p)}`);
}

function params(
  m: number,
  n: number,
  k: number,
  transposeA = false,
  transposeB = false,
  batch = 1,
  broadcast: "none" | "a" | "b" = "none",
): MatmulParams {
  return {
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    aBatchStride: broadcast === "a" ? 0 : m * k,
    bBatchStride: broadcast === "b" ? 0 : k * n,
  };
}

test("native matmul matches js: odd sizes, transposes, both dtypes, both ISAs", (t) =>
  withAddon(t, (a) => {
    const r = rng(1);
    forEachIsa(a, () => {
      for (const dtype of DTYPES)
        for (const m of [1, 7, 33, 65])
          for (const n of [1, 17, 129])
            for (const k of [1, 7, 65])
              for (const ta of [false, true])
                for (const tb of [false, true]) checkMatmul(a, params(m, n, k, ta, tb), dtype, r);
    });
  }));

test("native matmul: large blocked products on one and two threads", (t) =>
  withAddon(t, (a) => {
    const r = rng(2);
    forEachThreads(a, () => {
      forEachIsa(a, () => {
        for (const dtype of DTYPES) {
          checkMatmul(a, params(301, 275, 300), dtype, r);
          checkMatmul(a, params(129, 300, 257, true, false), dtype, r);
          checkMatmul(a, params(17, 600, 129, false, true), dtype, r);
          checkMatmul(a, params(300, 17, 65, true, true), dtype, r);
        }
      });
    });
  }));

test("native matmul: batches, with either side broadcast (batch stride 0)", (t) =>
  withAddon(t, (a) => {
    const r = rng(3);
    forEachThreads(a, () => {
      for (const dtype of DTYPES) {
        checkMatmul(a, params(7, 17, 33, false, false, 5), dtype, r);
        checkMatmul(a, params(33, 7, 17, true, false, 4, "a"), dtype, r);
        checkMatmul(a, params(65, 33, 17, false, true, 3, "b"), dtype, r);
        checkMatmul(a, params(20, 20, 20, true, true, 40), dtype, r);
        checkMatmul(a, params(70, 65, 66, false, false, 6, "b"), dtype, r);
        checkMatmul(a, params(0, 5, 3, false, false, 2), dtype, r);
        checkMatmul(a, params(4, 5, 0, false, false, 2), dtype, r);
      }
    });
  }));

test("native matmul propagates NaN and infinities", (t) =>
  withAddon(t, (a) => {
    const p = params(40, 40, 40);
    const A = new Float32Array(1600).fill(0);
    const B = new Float32Array(1600).fill(1);
    A[0] = NaN; // row 0 of C is NaN even though the rest of the row of A is 0
    B[1] = Infinity;
    const got = new Float32Array(1600);
    const want = new Float32Array(1600);
    a.matmul(A, B, got, 1, 40, 40, 40, false, false, 1600, 1600);
    jsBackend.matmul(A, B, want, p);
    assertClose(got, want, 0, 0, "matmul NaN");
  }));

// ---- elementwise -----------------------------------------------------------------------------

/** Inputs each unary op is defined on, plus the special values. */
function unaryInput(fn: string, dtype: FloatDtype, n: number, r: () => number): FloatArray {
  const positive = ["Log", "Sqrt", "Rsqrt"].includes(fn);
  const unit = ["Asin", "Acos"].includes(fn);
  const x = unit
    ? randomArray(dtype, n, r, -1, 1)
    : positive
      ? randomArray(dtype, n, r, 0, 50)
      : randomArray(dtype, n, r, -30, 30);
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 90, -90, 0.5, -0.5, 2.5];
  for (let i = 0; i < n; i += 5) x[i] = specials[(i / 5) % specials.length];
  if (fn === "Log1p") for (let i = 1; i < n; i += 7) x[i] = -0.999 + r();
  return x;
}

test("native unary ops match js: every op, odd sizes, both dtypes, both ISAs", (t) =>
  withAddon(t, (a) => {
    const r = rng(4);
    forEachIsa(a, (isa) => {
      for (const dtype of DTYPES) {
        for (const [i, name] of a.unaryNames.entries()) {
          const fn = name;
          for (const n of [...ODD, 4099]) {
            const x = unaryInput(fn, dtype, n, r);
            const boolOut = fn === "IsNan" || fn === "IsFinite";
            const want: NumArray = boolOut ? new Uint8Array(n) : alloc(dtype, n);
            const got: NumArray = boolOut ? new Uint8Array(n) : alloc(dtype, n);
            jsBackend.unary(scalarOf(fn), x, want);
            a.unary(i, x, got);
            // float32: the AVX2 polynomials are within 3 ulp; libm and V8 may differ by 1 ulp.
            const rtol = dtype === "float32" ? 4e-7 : 4e-15;
            assertClose(got, want, rtol, 1e-40, `${fn} ${dtype} n=${n} ${isa}`);
          }
        }
      }
    });
  }));

/** Shape pairs that broadcast, with odd sizes. */
const BROADCASTS: [number[], number[]][] = [
  [[33], [33]],
  [[129], []],
  [[], [65]],
  [[7, 17], [17]],
  [
    [7, 1],
    [1, 17],
  ],
  [
    [3, 1, 33],
    [5, 1],
  ],
  [
    [2, 3, 17],
    [2, 1, 17],
  ],
  [
    [65, 7],
    [65, 1],
  ],
  [[1], [5, 7, 1]],
  [
    [4, 1, 1, 9],
    [4, 3, 5, 1],
  ],
];

function broadcastShape(x: number[], y: number[]): number[] {
  const rank = Math.max(x.length, y.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const dx = x[x.length - rank + i] ?? 1;
    const dy = y[y.length - rank + i] ?? 1;
    out.push(dx === 1 ? dy : dx);
  }
  return out;
}

test("native binary ops match js: every op, broadcasts, both dtypes", (t) =>
  withAddon(t, (a) => {
    const r = rng(5);
    forEachIsa(a, (isa) => {
      for (const dtype of DTYPES) {
        for (const [i, name] of a.binaryNames.entries()) {
          const fn = name;
          for (const [as, bs] of BROADCASTS) {
            const os = broadcastShape(as, bs);
            const A = randomArray(dtype, size(as), r, -5, 5);
            const B = randomArray(dtype, size(bs), r, -5, 5);
            // Equal values, zeros and specials exercise comparisons and Pow's JS cases.
            if (A.length > 3 && B.length > 3) {
              A[0] = B[0];
              A[1] = 1;
              B[1] = NaN;
              A[2] = -0;
              B[3] = 0;
            }
            if (fn === "Pow") for (let j = 0; j < A.length; j++) A[j] = Math.abs(A[j]);
            const cmp = ["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"];
            const boolOut = cmp.includes(fn);
            const want: NumArray = boolOut ? new Uint8Array(size(os)) : alloc(dtype, size(os));
            const got: NumArray = boolOut ? new Uint8Array(size(os)) : alloc(dtype, size(os));
            jsBackend.binary(scalarOf(fn), A, as, B, bs, want, os);
            a.binary(i, A, as, B, bs, got, os);
            const rtol = dtype === "float32" ? 4e-7 : 4e-15;
            const what = `${fn} ${dtype} ${JSON.stringify([as, bs])} ${isa}`;
            // GeluGrad's factor Phi + x phi crosses zero near x = -0.75: there the error is
            // absolute (an ulp of Phi times |dy|, |dy| <= 5 here), not relative.
            const atol = fn.startsWith("Gelu") ? (dtype === "float32" ? 5e-7 : 5e-15) : 0;
            assertClose(got, want, rtol, atol, what);
            const n = size(os);
            if ((A.length === n || A.length === 1) && (B.length === n || B.length === 1)) {
              got.fill(0);
              a.binaryFlat(i, A, B, got);
              assertClose(got, want, rtol, atol, `flat ${what}`);
            }
          }
        }
      }
    });
  }));

test("native binary ops: large broadcasts on two threads", (t) =>
  withAddon(t, (a) => {
    const r = rng(6);
    forEachThreads(a, () => {
      for (const [as, bs] of [
        [[513, 257], [257]],
        [
          [129, 1, 65],
          [1, 33, 65],
        ],
        [[70001], []],
      ] as [number[], number[]][]) {
        const os = broadcastShape(as, bs);
        const A = randomArray("float32", size(as), r);
        const B = randomArray("float32", size(bs), r);
        for (const fn of ["Add", "Mul", "Div", "Maximum"] as string[]) {
          const want = new Float32Array(size(os));
          const got = new Float32Array(size(os));
          jsBackend.binary(scalarOf(fn), A, as, B, bs, want, os);
          a.binary(a.binaryNames.indexOf(fn), A, as, B, bs, got, os);
          assertClose(got, want, 0, 0, `${fn} ${JSON.stringify([as, bs])}`);
        }
      }
    });
  }));

test("native select and cast match js", (t) =>
  withAddon(t, (a) => {
    const r = rng(7);
    for (const [cs, xs, ys] of [
      [[65], [65], [65]],
      [[7, 1], [7, 17], [17]],
      [[1, 33], [5, 1], []],
    ]) {
      const os = broadcastShape(broadcastShape(cs, xs), ys);
      const cond = new Uint8Array(size(cs)).map(() => (r() < 0.5 ? 1 : 0));
      for (const make of [
        (n: number) => new Float32Array(n).map(() => r()),
        (n: number) => new Float64Array(n).map(() => r()),
        (n: number) => new Int32Array(n).map(() => Math.floor(r() * 100)),
        (n: number) => new Uint8Array(n).map(() => (r() < 0.5 ? 1 : 0)),
      ]) {
        const x = make(size(xs));
        const y = make(size(ys));
        const want = make(size(os)).fill(0);
        const got = make(size(os)).fill(0);
        jsBackend.select(cond, cs, x, xs, y, ys, want, os);
        a.select(cond, cs, x, xs, y, ys, got, os);
        assert.deepEqual(got, want);
      }
    }
    const x = new Float64Array([0, -0, 1.5, -1.5, 2.5e9, -3e9, 1e300, NaN, Infinity, -7.9, 65]);
    for (const out of [
      new Float32Array(x.length),
      new Int32Array(x.length),
      new Uint8Array(x.length),
    ]) {
      const want = out.slice();
      jsBackend.cast(x, want);
      a.cast(x, out);
      assert.deepEqual(out, want);
    }
    const ints = new Int32Array([0, 1, -1, 2147483647, -2147483648, 16777217]);
    for (const out of [new Float32Array(6), new Float64Array(6), new Uint8Array(6)]) {
      const want = out.slice();
      jsBackend.cast(ints, want);
      a.cast(ints, out);
      assert.deepEqual(out, want);
    }
  }));

// ---- reduce ----------------------------------------------------------------------------------

test("native reduce matches js: every fn, axis subsets, both dtypes", (t) =>
  withAddon(t, (a) => {
    const r = rng(8);
    const shapes: number[][] = [[129], [7, 17], [7, 17, 33], [3, 1, 5, 65], [70001], [3, 40000]];
    forEachThreads(a, () => {
      forEachIsa(a, (isa) => {
        for (const dtype of DTYPES) {
          for (const shape of shapes) {
            const x = randomArray(dtype, size(shape), r, -1.5, 1.5);
            if (x.length > 200) x[150] = 0; // All sees a zero
            const rank = shape.length;
            // Every subset of the axes.
            for (let mask = 0; mask < 1 << rank; mask++) {
              const axes = [...Array(rank).keys()].filter((d) => mask & (1 << d));
              const outSize = size(shape.filter((_, d) => !axes.includes(d)));
              for (const [i, name] of a.reduceNames.entries()) {
                const fn = name as ReduceFn;
                if (fn === "Prod" && x.length > 200) continue; // under/overflows to 0 or inf
                const want = alloc(dtype, outSize);
                const got = alloc(dtype, outSize);
                jsBackend.reduce(fn, x, shape, axes, want);
                a.reduce(i, x, shape, axes, got);
                const rtol = dtype === "float32" ? 2.4e-7 : 1e-12;
                assertClose(got, want, rtol, 1e-12, `${fn} ${dtype} ${shape} axes ${axes} ${isa}`);
              }
            }
          }
        }
      });
    });
  }));

test("native reduce propagates NaN through Max and Min", (t) =>
  withAddon(t, (a) => {
    for (const n of [5, 33, 5000]) {
      const x = new Float32Array(n).fill(1);
      x[n - 2] = NaN;
      for (const fn of ["Max", "Min", "Sum"]) {
        const out = new Float32Array(1);
        a.reduce(a.reduceNames.indexOf(fn), x, [n], [0], out);
        assert.ok(Number.isNaN(out[0]), `${fn} n=${n}`);
      }
    }
  }));

// ---- nn --------------------------------------------------------------------------------------

test("native softmax, log-softmax and cross-entropies match js", (t) =>
  withAddon(t, (a) => {
    const r = rng(9);
    const shapes: AxisParams[] = [
      { outer: 7, n: 33, inner: 1 },
      { outer: 129, n: 10, inner: 1 },
      { outer: 2, n: 1000, inner: 1 },
      { outer: 3, n: 17, inner: 5 },
      { outer: 1, n: 1, inner: 1 },
      { outer: 1, n: 7, inner: 65 },
    ];
    forEachIsa(a, (isa) => {
      for (const dtype of DTYPES) {
        const rtol = dtype === "float32" ? 1e-6 : 1e-13;
        for (const p of shapes) {
          const size = p.outer * p.n * p.inner;
          const x = randomArray(dtype, size, r, -20, 20);
          if (p.outer > 2) {
            x[p.n * p.inner] = NaN; // second slab: all NaN
            x[2 * p.n * p.inner] = Infinity;
          }
          const what = `${dtype} ${JSON.stringify(p)} ${isa}`;
          for (const log of [false, true]) {
            const want = alloc(dtype, size);
            const got = alloc(dtype, size);
            if (log) jsBackend.logSoftmax(x, want, p);
            else jsBackend.softmax(x, want, p);
            a.softmax(x, got, p, log);
            assertClose(got, want, rtol, rtol * 1e-3, `${log ? "logSoftmax" : "softmax"} ${what}`);
          }
          // Labels: a probability distribution along the axis.
          const z = randomArray(dtype, size, r, 0, 1);
          const want = [alloc(dtype, p.outer * p.inner), alloc(dtype, size)];
          const got = [alloc(dtype, p.outer * p.inner), alloc(dtype, size)];
          jsBackend.softmaxCrossEntropy(z, x, want[0], want[1], p);
          a.softmaxCrossEntropy(z, x, got[0], got[1], p);
          assertClose(got[0], want[0], rtol * 10, rtol, `xent loss ${what}`);
          assertClose(got[1], want[1], rtol, rtol, `xent backprop ${what}`);
          if (p.inner === 1) {
            const labels = new Int32Array(p.outer).map(() => Math.floor(r() * p.n));
            const sw = [alloc(dtype, p.outer), alloc(dtype, size)];
            const sg = [alloc(dtype, p.outer), alloc(dtype, size)];
            jsBackend.sparseSoftmaxCrossEntropy(labels, x, sw[0], sw[1], p.outer, p.n);
            a.sparseSoftmaxCrossEntropy(labels, x, sg[0], sg[1], p.outer, p.n);
            assertClose(sg[0], sw[0], rtol * 10, rtol, `sparse loss ${what}`);
            assertClose(sg[1], sw[1], rtol, rtol, `sparse backprop ${what}`);
          }
        }
      }
    });
  }));

/** Symmetric padding [padTop, padLeft] on each side. */
function convParams(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  filter: number[],
  stride: number[],
  dilation: number[],
  [padTop, padLeft]: number[],
): Conv2DParams {
  return conv2dParams(batch, [inH, inW], inC, outC, filter, stride, dilation, [
    padTop,
    padTop,
    padLeft,
    padLeft,
  ]);
}

test("native conv2d and its two backprops match js", (t) =>
  withAddon(t, (a) => {
    const r = rng(10);
    const cases: Conv2DParams[] = [
      convParams(2, 9, 7, 3, 5, [3, 2], [1, 2], [1, 2], [1, 0]),
      convParams(1, 17, 17, 8, 16, [3, 3], [1, 1], [1, 1], [1, 1]),
      convParams(3, 8, 8, 7, 9, [1, 1], [1, 1], [1, 1], [0, 0]), // pointwise: a plain matmul
      convParams(2, 33, 31, 4, 33, [5, 5], [2, 2], [1, 1], [2, 2]),
      convParams(1, 5, 5, 1, 1, [5, 5], [1, 1], [1, 1], [0, 0]),
      // Many pixel tiles (and groups of them in the filter gradient), one input channel.
      convParams(5, 29, 27, 1, 33, [3, 3], [1, 1], [1, 1], [0, 0]),
      convParams(9, 13, 11, 19, 7, [3, 3], [1, 1], [1, 1], [1, 1]),
    ];
    forEachIsa(a, () =>
      forEachThreads(a, () => {
        for (const dtype of DTYPES) {
          for (const p of cases) {
            const xs = p.batch * p.inH * p.inW * p.inC;
            const ws = p.filterH * p.filterW * p.inC * p.outC;
            const ys = p.batch * p.outH * p.outW * p.outC;
            const x = randomArray(dtype, xs, r, -1, 1);
            const w = randomArray(dtype, ws, r, -1, 1);
            const dy = randomArray(dtype, ys, r, -1, 1);
            const K = p.filterH * p.filterW * p.inC;
            const eps = dtype === "float32" ? 1.2e-7 : 2.3e-16;
            const tol = 16 * eps * Math.sqrt(K * p.outC * p.batch * p.outH * p.outW);
            const what = `${dtype} ${JSON.stringify(p)}`;
            const wantY = alloc(dtype, ys);
            const gotY = alloc(dtype, ys);
            jsBackend.conv2d(x, w, wantY, p);
            a.conv2d(x, w, gotY, p);
            assertClose(gotY, wantY, 16 * eps, tol, `conv2d ${what}`);
            const wantDx = alloc(dtype, xs);
            const gotDx = alloc(dtype, xs);
            jsBackend.conv2dBackpropInput(w, dy, wantDx, p);
            a.conv2dBackpropInput(w, dy, gotDx, p);
            assertClose(gotDx, wantDx, 16 * eps, tol, `conv2dBackpropInput ${what}`);
            const wantDw = alloc(dtype, ws);
            const gotDw = alloc(dtype, ws);
            jsBackend.conv2dBackpropFilter(x, dy, wantDw, p);
            a.conv2dBackpropFilter(x, dy, gotDw, p);
            assertClose(gotDw, wantDw, 16 * eps, tol, `conv2dBackpropFilter ${what}`);
          }
        }
      }),
    );
  }));

/** Symmetric padding [padTop, padLeft] on each side. */
function poolParams(
  batch: number,
  inH: number,
  inW: number,
  channels: number,
  window: number[],
  stride: number[],
  [padTop, padLeft]: number[],
): Pool2DParams {
  return pool2dParams(batch, [inH, inW], channels, window, stride, [
    padTop,
    padTop,
    padLeft,
    padLeft,
  ]);
}

test("native pools and their gradients match js, ties and NaN included", (t) =>
  withAddon(t, (a) => {
    const r = rng(11);
    const cases: Pool2DParams[] = [
      poolParams(2, 8, 8, 3, [2, 2], [2, 2], [0, 0]),
      poolParams(3, 9, 7, 5, [3, 3], [1, 1], [1, 1]),
      poolParams(1, 17, 33, 7, [3, 2], [2, 3], [1, 0]),
      poolParams(4, 5, 5, 1, [5, 5], [1, 1], [0, 0]),
      // More channels than the kernel's block of 64: a second, partial block.
      poolParams(2, 7, 6, 70, [2, 2], [2, 2], [0, 0]),
      poolParams(1, 6, 5, 67, [3, 3], [2, 1], [1, 1]),
    ];
    forEachThreads(a, () => {
      for (const dtype of DTYPES) {
        for (const p of cases) {
          const xs = p.batch * p.inH * p.inW * p.channels;
          const ys = p.batch * p.outH * p.outW * p.channels;
          // Few distinct values: many ties, which go to the first position in row-major order.
          const x = alloc(dtype, xs).map(() => Math.floor(r() * 4));
          x[3] = NaN;
          x[xs - 1] = NaN;
          x[Math.floor(xs / 2)] = NaN;
          const dy = randomArray(dtype, ys, r);
          const g = randomArray(dtype, xs, r);
          const what = `${dtype} ${JSON.stringify(p)}`;
          const rtol = dtype === "float32" ? 1e-6 : 1e-14;
          comparePoolKernels(
            a,
            ["maxPool", "avgPool", "maxPoolGrad", "maxPoolGradGrad", "avgPoolGrad"],
            { x, dy, g },
            p,
            0,
            (got, want, name) => assertClose(got, want, rtol, rtol, `${name} ${what}`),
          );
        }
      }
    });
  }));

test("bad nn arguments reaching C++ throw JS errors", (t) =>
  withAddon(t, (a) => {
    const p = convParams(1, 5, 5, 2, 3, [3, 3], [1, 1], [1, 1], [0, 0]);
    const x = new Float32Array(50);
    const w = new Float32Array(54);
    const y = new Float32Array(27);
    assert.throws(() => a.conv2d(x, w, new Float32Array(26), p), RangeError);
    assert.throws(() => a.conv2d(x.subarray(1), w, y, p), RangeError);
    assert.throws(() => a.conv2d(x, new Float64Array(54), y, p), TypeError);
    assert.throws(() => a.conv2d(x, w, y, { ...p, strideH: -1 }), RangeError);
    assert.throws(
      () => a.conv2d(x, w, y, { ...p, batch: undefined } as unknown as Conv2DParams),
      TypeError,
    );
    const pp = poolParams(1, 4, 4, 1, [2, 2], [2, 2], [0, 0]);
    const px = new Float32Array(16);
    assert.throws(() => a.maxPool(px, new Float32Array(3), pp), RangeError);
    // A window wholly inside the padding would read outside the input.
    assert.throws(() => a.maxPool(px, new Float32Array(4), { ...pp, padTop: 2 }), RangeError);
    assert.throws(
      () => a.maxPool(px, new Float32Array(16), { ...pp, outH: 4, outW: 4 }),
      RangeError,
    );
    const logits = new Float32Array(6);
    const out = [new Float32Array(2), new Float32Array(6)];
    assert.throws(
      () => a.sparseSoftmaxCrossEntropy(new Int32Array([0, 3]), logits, out[0], out[1], 2, 3),
      /label 3 at row 1/,
    );
    assert.throws(
      () => a.sparseSoftmaxCrossEntropy(new Int32Array([0, -1]), logits, out[0], out[1], 2, 3),
      RangeError,
    );
    assert.throws(
      () => a.softmax(logits, new Float32Array(5), { outer: 2, n: 3, inner: 1 }, false),
      RangeError,
    );
  }));

// ---- the backend as the engine uses it -------------------------------------------------------

test("tf ops give the same results on the native and js backends", (t) =>
  withAddon(t, () => {
    const before = tf.getBackend();
    try {
      const run = (): number[][] => {
        tf.random.setSeed(11);
        const x = tf.random.normal([129, 65]);
        const w = tf.random.normal([65, 33]);
        const y = tf
          .matmul(x, w)
          .add(tf.ones([33]))
          .sigmoid();
        const s = tf.reduceSum(y.mul(y), 0);
        return [Array.from(y.dataSync() as Float32Array), Array.from(s.dataSync() as Float32Array)];
      };
      assert.equal(tf.setBackend("native"), true);
      assert.equal(tf.getBackend(), "native");
      const native = run();
      tf.setBackend("js");
      const js = run();
      assertClose(native[0], js[0], 1e-5, 1e-6, "sigmoid(x w + 1)");
      assertClose(native[1], js[1], 1e-5, 1e-5, "reduceSum");
    } finally {
      tf.setBackend(before);
    }
  }));

test("setNumThreads resizes the pool", (t) =>
  withAddon(t, (a) => {
    const before = a.numThreads();
    try {
      assert.equal(tf.setNumThreads(1), 1);
      assert.equal(tf.setNumThreads(3), 3);
      assert.throws(() => tf.setNumThreads(0), RangeError);
    } finally {
      a.setNumThreads(before);
    }
  }));

// ---- bad arguments ---------------------------------------------------------------------------

test("bad arguments reaching C++ throw JS errors", (t) =>
  withAddon(t, (a) => {
    const f = new Float32Array(12);
    const d = new Float64Array(12);
    // matmul: out too short, a too short, mixed dtypes, non-arrays, bad numbers.
    assert.throws(
      () => a.matmul(f, f, new Float32Array(8), 1, 3, 3, 4, false, false, 12, 12),
      RangeError,
    );
    assert.throws(
      () => a.matmul(new Float32Array(5), f, new Float32Array(9), 1, 3, 3, 4, false, false, 0, 0),
      /a has 5 elements/,
    );
    assert.throws(
      () =>
        a.matmul(f, new Float32Array(12), new Float32Array(18), 2, 3, 3, 4, false, false, 0, 12),
      /b has 12 elements/,
    );
    assert.throws(() => a.matmul(f, d, f, 1, 3, 3, 4, false, false, 0, 0), TypeError);
    assert.throws(
      () => a.matmul(f, f, new Float32Array(9), -1, 3, 3, 4, false, false, 0, 0),
      RangeError,
    );
    assert.throws(
      () => a.matmul(f, f, new Float32Array(9), 1, 3.5, 3, 4, false, false, 0, 0),
      RangeError,
    );
    assert.throws(
      () => a.matmul(f, f, f, 2 ** 40, 2 ** 20, 2 ** 20, 4, false, false, 0, 0),
      RangeError,
    );
    const call = a.matmul as unknown as (...args: unknown[]) => void;
    assert.throws(() => call([1, 2], f, f, 1, 1, 1, 1, false, false, 0, 0), TypeError);
    assert.throws(() => call(f, f, f), TypeError);
    // unary: length, dtype, function index.
    assert.throws(() => a.unary(0, f, new Float32Array(11)), RangeError);
    assert.throws(() => a.unary(0, f, d), TypeError);
    assert.throws(() => a.unary(9999, f, f), RangeError);
    assert.throws(() => a.unary(0, new Int32Array(3) as unknown as FloatArray, f), TypeError);
    // binary: lengths against shapes, shapes that do not broadcast, dtypes.
    const add = a.binaryNames.indexOf("Add");
    assert.throws(() => a.binary(add, f, [3, 4], f, [4], f, [3, 5]), RangeError);
    assert.throws(() => a.binary(add, f, [3, 4], f, [5], f, [3, 4]), RangeError);
    assert.throws(() => a.binary(add, f, [3, 4], d, [3, 4], f, [3, 4]), TypeError);
    assert.throws(() => a.binary(add, f, [3, 4], f, [3, 4], new Uint8Array(12), [3, 4]), TypeError);
    assert.throws(() => a.binary(add, f, [3, -4], f, [3, 4], f, [3, 4]), RangeError);
    assert.throws(() => a.binary(add, f, [3, 4], f, [3, 4], f, [2, 6]), RangeError);
    assert.throws(() => a.binaryFlat(add, f, new Float32Array(2), f), RangeError);
    assert.throws(() => a.binaryFlat(add, f, f, new Float32Array(13)), RangeError);
    assert.throws(() => a.binaryFlat(add, f, d, f), TypeError);
    // select, cast, reduce.
    assert.throws(() => a.select(new Uint8Array(2), [2], f, [12], f, [12], f, [12]), RangeError);
    assert.throws(() => a.cast(f, new Float32Array(3)), RangeError);
    const sum = a.reduceNames.indexOf("Sum");
    assert.throws(() => a.reduce(sum, f, [3, 4], [1, 0], new Float32Array(1)), RangeError);
    assert.throws(() => a.reduce(sum, f, [3, 4], [2], new Float32Array(3)), RangeError);
    assert.throws(() => a.reduce(sum, f, [3, 4], [1], new Float32Array(4)), RangeError);
    assert.throws(() => a.reduce(sum, f, [3, 4], [1], new Float64Array(3)), TypeError);
    assert.throws(() => a.setNumThreads(0), RangeError);
    assert.throws(() => a.setIsa("sse9" as Isa), RangeError);
    // Still alive and correct after all that.
    const out = new Float32Array(12);
    a.binary(add, f.fill(1), [12], f, [12], out, [12]);
    assert.equal(out[11], 2);
  }));
