/**
 * Hostile calls into the raw addon: every call must throw a JS error or compute; none may crash,
 * hang, or touch memory outside the arrays it was given. The regressions first (each one
 * crashed or hung an earlier build), then a seeded fuzz over every entry point: valid calls
 * mutated with wrong types and counts, bad sizes, arrays too short or detached, subarrays,
 * SharedArrayBuffer and resizable buffers, aliased outputs, and shapes and params whose
 * getters detach or shrink the arrays mid-call. Every array sits between guard bytes that are
 * checked after each call, and a call that returns must leave its inputs unchanged.
 *
 * TAPEFLOW_FUZZ_ITERS sets the fuzz's length (default 3000) and TAPEFLOW_FUZZ_SEED its seed;
 * FUZZ_TRACE=1 prints each call before making it. Run it long under the sanitizer
 * build: node scripts/build-sanitized.js --run -- node --expose-gc --import tsx --test
 * test/native-abuse.test.ts
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import type { NativeAddon } from "../src/backend/native/addon.js";
import type { Conv2DParams, Pool2DParams } from "../src/backend/nn.js";
import { rng } from "./helpers/rng.js";
import { size, withAddon } from "./helpers/native.js";

const ITERS = Number(process.env.TAPEFLOW_FUZZ_ITERS ?? 3000);
const SEED = Number(process.env.TAPEFLOW_FUZZ_SEED ?? 20240611);

/** The raw addon with its types erased: the point is to call it with anything. */
function raw(a: NativeAddon): Record<string, (...args: unknown[]) => unknown> {
  return a as unknown as Record<string, (...args: unknown[]) => unknown>;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Detaches the buffer under a typed array (its memory is freed once collected). */
function detach(x: ArrayBufferView): void {
  const buf = x.buffer as ArrayBuffer;
  if (buf instanceof ArrayBuffer && buf.byteLength > 0) structuredClone(buf, { transfer: [buf] });
}

interface Resizable extends ArrayBuffer {
  resize(n: number): void;
}

/** A buffer of n bytes that can grow to max (ES2024, in Node 20). */
function resizable(n: number, max: number): Resizable {
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
  return new Ctor(n, { maxByteLength: max });
}

// ---- the regressions ---------------------------------------------------------------------

const ADD = 0; // binaryNames[0]

test("a shape getter that detaches an array after it was passed: an error, no use-after-free", (t) =>
  withAddon(t, (a) => {
    const n = 1 << 16;
    const x = new Float32Array(n);
    const out = new Float32Array(n);
    const shape: number[] = [];
    Object.defineProperty(shape, 0, {
      enumerable: true,
      get() {
        detach(out);
        gc();
        return n;
      },
    });
    assert.throws(() => a.binary(ADD, x, [n], x, [n], out, shape), RangeError);
    // A hole reads Array.prototype: the same JS-running read without an own accessor.
    const y = new Float32Array(n);
    const holey = new Array<number>(1);
    Object.defineProperty(Array.prototype, 0, {
      configurable: true,
      get() {
        detach(y);
        return n;
      },
    });
    try {
      assert.throws(() => a.binary(ADD, x, [n], x, [n], y, holey), RangeError);
    } finally {
      delete (Array.prototype as unknown as Record<number, unknown>)[0];
    }
  }));

test("a getter that throws: its error propagates (a second error used to abort the process)", (t) =>
  withAddon(t, (a) => {
    class Mine extends Error {}
    const shape: number[] = [];
    Object.defineProperty(shape, 0, {
      get() {
        throw new Mine("from the getter");
      },
    });
    const x = new Float32Array(1);
    assert.throws(() => a.binary(ADD, x, [1], x, [1], new Float32Array(1), shape), Mine);
    const sum = a.reduceNames.indexOf("Sum");
    assert.throws(() => a.reduce(sum, x, [1], shape, new Float32Array(1)), Mine);
    const p = {
      outer: 1,
      inner: 1,
      get n(): number {
        throw new Mine("from params");
      },
    };
    assert.throws(() => a.softmax(x, new Float32Array(1), p, false), Mine);
  }));

test("a params getter that detaches or shrinks an array: an error, no use-after-free", (t) =>
  withAddon(t, (a) => {
    const n = 1 << 16;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const p = { outer: 1, inner: 1, n: 0 };
    Object.defineProperty(p, "n", {
      get() {
        detach(y);
        gc();
        return n;
      },
    });
    assert.throws(() => a.softmax(x, y, p, false), RangeError);
    // A resizable buffer shrunk to nothing (its pages are given back to the OS).
    const buf = resizable(4 * n, 4 * n);
    const z = new Float32Array(buf);
    const q = new Proxy(
      { outer: 1, n, inner: 1 },
      {
        get(target, key) {
          if (key === "n") buf.resize(0);
          return Reflect.get(target, key);
        },
      },
    );
    assert.throws(() => a.softmax(x, z, q, true), RangeError);
  }));

test("labels in a SharedArrayBuffer changed by another thread mid-call: no read outside", (t) =>
  withAddon(t, async (a) => {
    const rows = 4096;
    const classes = 4;
    const labels = new Int32Array(new SharedArrayBuffer(4 * rows));
    const flipper = new Worker(
      `const { workerData } = require("node:worker_threads");
       const l = new Int32Array(workerData);
       for (;;) { l.fill(1 << 30); l.fill(1); }`,
      { eval: true, workerData: labels.buffer },
    );
    try {
      const x = new Float32Array(rows * classes).fill(1);
      const loss = new Float32Array(rows);
      const bp = new Float32Array(rows * classes);
      const end = Date.now() + 300;
      let calls = 0;
      while (Date.now() < end) {
        try {
          a.sparseSoftmaxCrossEntropy(labels, x, loss, bp, rows, classes);
          // Rows whose label changed after the check are NaN, the others exact.
          for (const v of loss) assert.ok(Number.isNaN(v) || Math.abs(v - Math.log(4)) < 1e-6);
        } catch (e) {
          assert.ok(e instanceof RangeError, String(e));
        }
        calls++;
      }
      assert.ok(calls > 0);
    } finally {
      await flipper.terminate();
    }
  }));

test("empty outputs return at once, however large the loop over them would be", (t) =>
  withAddon(t, (a) => {
    const t0 = Date.now();
    const pool: Pool2DParams = {
      batch: 1,
      inH: 1,
      inW: 1,
      channels: 0,
      outH: 2 ** 24,
      outW: 2 ** 24,
      windowH: 1,
      windowW: 1,
      strideH: 0,
      strideW: 0,
      padTop: 0,
      padLeft: 0,
    };
    const empty = new Float32Array(0);
    a.maxPool(empty, empty, pool);
    a.avgPoolGrad(empty, empty, pool);
    a.maxPoolGrad(empty, empty, new Float32Array(0), pool);
    const conv: Conv2DParams = {
      batch: 1,
      inH: 1,
      inW: 1,
      inC: 3,
      outH: 2 ** 24,
      outW: 2 ** 24,
      outC: 0,
      filterH: 1,
      filterW: 1,
      strideH: 0,
      strideW: 0,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
    };
    const dx = new Float32Array(3).fill(7);
    a.conv2dBackpropInput(empty, empty, dx, conv);
    assert.deepEqual(Array.from(dx), [0, 0, 0]);
    // No output pixels: the filter gradient is zero.
    const dw = new Float32Array(6).fill(7);
    a.conv2dBackpropFilter(new Float32Array(0), empty, dw, {
      ...conv,
      batch: 0,
      outC: 2,
      outH: 5,
    });
    assert.deepEqual(Array.from(dw), [0, 0, 0, 0, 0, 0]);
    // Patch sizes past any allocation with no output channels: nothing to allocate.
    a.conv2dBackpropInput(empty, empty, empty, {
      ...conv,
      inH: 0,
      filterH: 2 ** 20,
      filterW: 2 ** 20,
      inC: 2 ** 10,
    });
    // The loops over 2^40 empty windows would take hours; returning at once takes microseconds.
    // Under valgrind (scripts/valgrind.js sets TAPEFLOW_SLOWDOWN) everything runs ~50x slower.
    const limit = 1000 * Number(process.env.TAPEFLOW_SLOWDOWN ?? 1);
    assert.ok(Date.now() - t0 < limit, `took ${Date.now() - t0} ms`);
  }));

test("outputs that share memory with an input or another output are refused", (t) =>
  withAddon(t, (a) => {
    const buf = new Float32Array(64);
    const x = buf.subarray(0, 32);
    const shifted = buf.subarray(1, 33); // overlaps x but is not x
    const other = new Float32Array(32);
    assert.throws(() => a.unary(0, x, x), /shares memory with x/);
    assert.throws(() => a.unary(0, x, shifted), RangeError);
    assert.throws(() => a.binary(ADD, x, [32], other, [32], x, [32]), RangeError);
    assert.throws(() => a.binaryFlat(ADD, other, x, shifted), RangeError);
    // A bool output viewing a float input's bytes.
    const less = a.binaryNames.indexOf("Less");
    assert.throws(() => a.binaryFlat(less, x, other, new Uint8Array(x.buffer, 0, 32)), RangeError);
    assert.throws(() => a.cast(x, new Int32Array(x.buffer, 4, 32)), RangeError);
    assert.throws(() => a.matmul(x, other, buf.subarray(16, 32), 1, 4, 4, 4, false, false, 0, 0));
    assert.throws(() => a.softmax(x, x, { outer: 4, n: 8, inner: 1 }, true), RangeError);
    assert.throws(
      () =>
        a.softmaxCrossEntropy(x, other, buf.subarray(40, 44), buf.subarray(32, 64), {
          outer: 4,
          n: 8,
          inner: 1,
        }),
      /shares memory with backprop/,
    );
    const sum = a.reduceNames.indexOf("Sum");
    assert.throws(() => a.reduce(sum, x, [32], [0], x.subarray(0, 1)), RangeError);
    // Inputs may share memory with each other; disjoint views of one buffer are fine.
    const out = buf.subarray(32, 64);
    a.binary(ADD, x, [32], x, [32], out, [32]);
    a.unary(0, buf.subarray(0, 32), buf.subarray(32, 64));
  }));

test("sizes whose products overflow int32 or int64 are RangeErrors", (t) =>
  withAddon(t, (a) => {
    const f = new Float32Array(4);
    const e = new Float32Array(0);
    for (const shape of [
      [2 ** 31, 2 ** 31, 0],
      [0, 2 ** 40, 2 ** 40],
      [2 ** 32, 2 ** 32],
      [2 ** 53, 2],
      [2 ** 53 + 2],
      [-1],
      [NaN],
      [1.5],
      [Infinity],
      new Array(65).fill(1),
    ]) {
      assert.throws(() => a.binary(ADD, e, shape, e, shape, e, shape), RangeError);
    }
    const sum = a.reduceNames.indexOf("Sum");
    assert.throws(() => a.reduce(sum, e, [0, 2 ** 40, 2 ** 40], [0], e), RangeError);
    assert.throws(() => a.matmul(f, f, e, 2 ** 40, 2 ** 30, 0, 2, false, false, 0, 0), RangeError);
    assert.throws(() => a.matmul(f, f, f, 2, 1, 2, 2 ** 52, false, false, 2 ** 52, 0), RangeError);
    assert.throws(() => a.softmax(e, e, { outer: 2 ** 30, n: 0, inner: 2 ** 30 }, false));
    assert.throws(() => a.setNumThreads(2 ** 40), RangeError);
  }));

test("detached arrays, subarrays, SharedArrayBuffer and resizable buffers", (t) =>
  withAddon(t, (a) => {
    const gone = new Float32Array(8);
    detach(gone);
    assert.throws(() => a.unary(0, gone, new Float32Array(8)), RangeError);
    assert.throws(() => a.unary(0, new Float32Array(8), gone), RangeError);
    // Detached, both empty: a valid empty call.
    const gone2 = new Float32Array(3);
    detach(gone2);
    a.unary(0, gone, gone2);
    // A view at a byte offset, a SharedArrayBuffer, a length-tracking view of a resizable
    // buffer: all compute.
    const big = new Float64Array(20).map((_, i) => i);
    const sab = new Float64Array(new SharedArrayBuffer(8 * 7));
    a.unary(0, big.subarray(3, 10), sab);
    assert.deepEqual(Array.from(sab), [-3, -4, -5, -6, -7, -8, -9]);
    const buf = resizable(8 * 7, 8 * 64);
    const tracking = new Float64Array(buf);
    a.unary(0, sab, tracking);
    assert.deepEqual(Array.from(tracking), [3, 4, 5, 6, 7, 8, 9]);
    buf.resize(8 * 9);
    assert.throws(() => a.unary(0, sab, tracking), RangeError);
    a.unary(0, big.subarray(0, 9), tracking);
    assert.equal(tracking[8], -8);
  }));

test("several worker threads calling kernels and resizing the pool at once", (t) =>
  withAddon(t, async (a) => {
    const path = process.env.TAPEFLOW_NATIVE_ADDON;
    // Each worker loads the addon as the loader does and checks exact results: integer data
    // keeps every sum exact in any order.
    const src = `
      const { workerData, parentPort } = require("node:worker_threads");
      const a = workerData.path ? require(workerData.path) : require("node-gyp-build")(workerData.root);
      const id = workerData.id;
      const n = 96 + 5 * id;
      const x = new Float32Array(n * n).map((_, i) => (i % 7) - 3);
      const ones = new Float32Array(n * n).fill(1);
      const o = new Float32Array(n * n);
      const end = Date.now() + 600;
      let calls = 0;
      while (Date.now() < end) {
        if (id % 2 === 1) a.setNumThreads(1 + (calls % 5));
        if (id === 2) a.setIsa(calls % 2 ? "scalar" : "avx2-fma");
        a.matmul(ones, x, o, 1, n, n, n, false, false, 0, 0);
        let col = 0;
        for (let r = 0; r < n; r++) col += x[r * n + 3];
        if (o[3] !== col || o[(n - 1) * n + 3] !== col) throw new Error("matmul " + o[3] + " " + col);
        a.unary(0, x, o);
        if (o[5] !== -x[5]) throw new Error("neg");
        calls++;
      }
      parentPort.postMessage(calls);
    `;
    const root = new URL("..", import.meta.url).pathname;
    const before = a.numThreads();
    const isa = a.isa();
    try {
      const workers = [0, 1, 2, 3].map(
        (id) => new Worker(src, { eval: true, workerData: { id, path, root } }),
      );
      const done = workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.on("message", resolve);
            w.on("error", reject);
          }),
      );
      // The main thread too.
      const n = 130;
      const x = new Float64Array(n * n).map((_, i) => (i % 5) - 2);
      const ones = new Float64Array(n * n).fill(1);
      const o = new Float64Array(n * n);
      const end = Date.now() + 600;
      while (Date.now() < end) {
        a.matmul(x, ones, o, 1, n, n, n, false, false, 0, 0);
        let row = 0;
        for (let c = 0; c < n; c++) row += x[7 * n + c];
        assert.equal(o[7 * n + 2], row);
      }
      const calls = await Promise.all(done);
      assert.ok(calls.every((c) => c > 0));
    } finally {
      a.setNumThreads(before);
      a.setIsa(isa);
    }
  }));

test("a worker stopped inside a kernel call ends alone; the process lives on", (t) =>
  withAddon(t, async (a) => {
    // A worker being stopped (terminate(), or process.exit in it) can no longer throw into JS.
    // An argument read that fails then made node-addon-api abort the whole process ("FATAL
    // ERROR: Error::Error napi_define_properties", or "terminate called after throwing an
    // instance of 'Napi::Error'" when terminate() landed between a kernel's argument reads:
    // test/workers.test.ts hit that about once in eight runs). Here the worker exits from a
    // getter the kernel's argument read runs, so the failing read happens every time.
    const path = process.env.TAPEFLOW_NATIVE_ADDON;
    const root = new URL("..", import.meta.url).pathname;
    const src = `
      const { workerData } = require("node:worker_threads");
      const a = workerData.path ? require(workerData.path) : require("node-gyp-build")(workerData.root);
      const x = new Float32Array(1);
      const exit = { get() { process.exit(7); } };
      if (workerData.via === "params") {
        a.softmax(x, new Float32Array(1), Object.defineProperty({ outer: 1, inner: 1 }, "n", exit), false);
      } else {
        a.binary(0, x, [1], x, [1], new Float32Array(1), Object.defineProperty([], 0, exit));
      }
      throw new Error("the kernel call returned after process.exit");
    `;
    for (const via of ["params", "shape"]) {
      const w = new Worker(src, { eval: true, workerData: { via, path, root } });
      const code = await new Promise<number>((resolve, reject) => {
        w.on("exit", resolve);
        w.on("error", reject);
      });
      assert.equal(code, 7, via);
    }
    // This thread's calls still work.
    const o = new Float32Array(1);
    a.binary(ADD, new Float32Array([2]), [1], new Float32Array([3]), [1], o, [1]);
    assert.equal(o[0], 5);
  }));

// ---- the fuzz -----------------------------------------------------------------------------

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;
type TypedCtor =
  Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const CTORS: TypedCtor[] = [Float32Array, Float64Array, Int32Array, Uint8Array];
const FLOATS: TypedCtor[] = [Float32Array, Float64Array];

const GUARD = 32; // bytes before and after every array
const PATTERN = 0xa5;

/** Arrays made for one call: each in its own buffer between guard bytes. */
class Arena {
  readonly arrays: Typed[] = [];

  make(ctor: TypedCtor, n: number, r: () => number): Typed {
    const bytes = n * ctor.BYTES_PER_ELEMENT;
    const buf = new ArrayBuffer(bytes + 2 * GUARD);
    new Uint8Array(buf).fill(PATTERN);
    const x = new ctor(buf, GUARD, n);
    for (let i = 0; i < n; i++) {
      const v = r() * 8 - 4;
      x[i] = ctor === Uint8Array ? (v > 0 ? 1 : 0) : ctor === Int32Array ? Math.round(v) : v;
    }
    this.arrays.push(x);
    return x;
  }

  /** Guard bytes of every array whose buffer is still attached. */
  checkGuards(what: string): void {
    for (const x of this.arrays) {
      if (x.buffer.byteLength === 0) continue; // detached
      const all = new Uint8Array(x.buffer);
      for (let i = 0; i < all.length; i++) {
        const inside = i >= GUARD && i < GUARD + x.byteLength;
        if (!inside && all[i] !== PATTERN)
          assert.fail(`${what}: byte ${i - GUARD} of a ${x.constructor.name} written outside it`);
      }
    }
  }
}

/** A well-formed call: the entry point, its arguments, which of them are inputs and outputs. */
interface Call {
  fn: string;
  args: unknown[];
  inputs: number[];
  outputs: number[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const DIMS = [0, 1, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17];

function randShape(r: () => number, maxRank = 3): number[] {
  const rank = Math.floor(r() * (maxRank + 1));
  return Array.from({ length: rank }, () => pick(r, DIMS));
}

/** Two shapes that broadcast to a third. */
function broadcastPair(r: () => number): [number[], number[], number[]] {
  const out = randShape(r);
  const cut = (s: number[]) =>
    s.slice(Math.floor(r() * (s.length + 1))).map((d) => (r() < 0.3 ? 1 : d));
  return [cut(out), cut(out), out];
}

function validCall(a: NativeAddon, r: () => number, arena: Arena): Call {
  const kinds = [
    "matmul",
    "unary",
    "binary",
    "binaryFlat",
    "select",
    "cast",
    "reduce",
    "softmax",
    "softmaxCrossEntropy",
    "sparseSoftmaxCrossEntropy",
    "conv2d",
    "conv2dBackpropInput",
    "conv2dBackpropFilter",
    "maxPool",
    "avgPool",
    "maxPoolGrad",
    "maxPoolGradGrad",
    "avgPoolGrad",
    ...(a.fusedProgram === undefined ? [] : ["fusedProgram"]),
  ];
  const fn = pick(r, kinds);
  const F = pick(r, FLOATS);
  const mk = (ctor: TypedCtor, n: number) => arena.make(ctor, n, r);
  switch (fn) {
    case "fusedProgram": {
      // tanh(x * y) + x over [rows, cols], y the same shape, a row, a column or one element;
      // the sum, mean or max of each row when reduce is set.
      const rows = pick(r, DIMS);
      const cols = pick(r, DIMS);
      const n = rows * cols;
      const [ylen, rep, per] = pick(r, [
        [n, 1, n],
        [cols, 1, cols],
        [rows, cols, rows],
        [1, 1, 1],
      ]);
      const reduce = pick(r, [0, 0, 1, 2, 3]);
      const code = mk(Int32Array, 15);
      const [tanh, mul] = [a.unaryNames.indexOf("Tanh"), a.binaryNames.indexOf("Mul")];
      code.set([2, 3, reduce, 1, mul, 0, 1, 0, tanh, 2, -1, 1, ADD, 3, 0]);
      const layout = mk(Float64Array, 4);
      layout.set([1, n, rep, per]);
      const args = [code, layout, mk(F, reduce === 0 ? n : rows), n, cols, mk(F, n), mk(F, ylen)];
      return { fn, args, inputs: [0, 1, 5, 6], outputs: [2] };
    }
    case "matmul": {
      const [batch, m, n, k] = [pick(r, [0, 1, 2, 3]), pick(r, DIMS), pick(r, DIMS), pick(r, DIMS)];
      const sa = r() < 0.3 ? 0 : m * k;
      const sb = r() < 0.3 ? 0 : k * n;
      const la = batch === 0 ? 0 : (batch - 1) * sa + m * k;
      const lb = batch === 0 ? 0 : (batch - 1) * sb + k * n;
      const args = [mk(F, la), mk(F, lb), mk(F, batch * m * n), batch, m, n, k, r() < 0.5];
      return { fn, args: [...args, r() < 0.5, sa, sb], inputs: [0, 1], outputs: [2] };
    }
    case "unary": {
      const i = Math.floor(r() * a.unaryNames.length);
      const n = pick(r, [0, 1, 5, 8, 9, 16, 17, 33]);
      const boolOut = ["IsNan", "IsFinite"].includes(a.unaryNames[i]);
      return {
        fn,
        args: [i, mk(F, n), mk(boolOut ? Uint8Array : F, n)],
        inputs: [1],
        outputs: [2],
      };
    }
    case "binary":
    case "binaryFlat": {
      const i = Math.floor(r() * a.binaryNames.length);
      const boolOut = /Equal|Less|Greater/.test(a.binaryNames[i]);
      const O = boolOut ? Uint8Array : F;
      if (fn === "binaryFlat") {
        const n = pick(r, DIMS);
        const [la, lb] = [r() < 0.3 ? 1 : n, r() < 0.3 ? 1 : n];
        return { fn, args: [i, mk(F, la), mk(F, lb), mk(O, n)], inputs: [1, 2], outputs: [3] };
      }
      const [as, bs, os] = broadcastPair(r);
      const args = [i, mk(F, size(as)), as, mk(F, size(bs)), bs, mk(O, size(os)), os];
      return { fn, args, inputs: [1, 3], outputs: [5] };
    }
    case "select": {
      const [cs, xs, os] = broadcastPair(r);
      const ys = os.slice(Math.floor(r() * (os.length + 1)));
      const E = pick(r, CTORS);
      const args = [
        mk(Uint8Array, size(cs)),
        cs,
        mk(E, size(xs)),
        xs,
        mk(E, size(ys)),
        ys,
        mk(E, size(os)),
        os,
      ];
      return { fn, args, inputs: [0, 2, 4], outputs: [6] };
    }
    case "cast": {
      const n = pick(r, DIMS);
      return {
        fn,
        args: [mk(pick(r, CTORS), n), mk(pick(r, CTORS), n)],
        inputs: [0],
        outputs: [1],
      };
    }
    case "reduce": {
      const shape = randShape(r, 4);
      const axes = shape.map((_, d) => d).filter(() => r() < 0.5);
      const kept = size(shape.filter((_, d) => !axes.includes(d)));
      const i = Math.floor(r() * a.reduceNames.length);
      const args = [i, mk(F, size(shape)), shape, axes, mk(F, kept)];
      return { fn, args, inputs: [1], outputs: [4] };
    }
    case "softmax":
    case "softmaxCrossEntropy": {
      const p = { outer: pick(r, DIMS), n: pick(r, DIMS), inner: pick(r, [1, 1, 2, 3]) };
      const n = size([p.outer, p.n, p.inner]);
      if (fn === "softmax")
        return { fn, args: [mk(F, n), mk(F, n), p, r() < 0.5], inputs: [0], outputs: [1] };
      const args = [mk(F, n), mk(F, n), mk(F, p.outer * p.inner), mk(F, n), p];
      return { fn, args, inputs: [0, 1], outputs: [2, 3] };
    }
    case "sparseSoftmaxCrossEntropy": {
      const rows = pick(r, DIMS);
      const classes = pick(r, [1, 2, 3, 7, 17]);
      const labels = mk(Int32Array, rows);
      for (let i = 0; i < rows; i++) labels[i] = Math.floor(r() * classes);
      const args = [labels, mk(F, rows * classes), mk(F, rows), mk(F, rows * classes), rows];
      return { fn, args: [...args, classes], inputs: [0, 1], outputs: [2, 3] };
    }
    case "conv2d":
    case "conv2dBackpropInput":
    case "conv2dBackpropFilter": {
      const small = [0, 1, 1, 2, 3, 5];
      const p: Conv2DParams = {
        batch: pick(r, [0, 1, 2]),
        inH: pick(r, small),
        inW: pick(r, small),
        inC: pick(r, [0, 1, 2, 3]),
        outH: pick(r, small),
        outW: pick(r, small),
        outC: pick(r, [0, 1, 2, 3]),
        filterH: pick(r, [1, 2, 3]),
        filterW: pick(r, [1, 2, 3]),
        strideH: pick(r, [0, 1, 2]),
        strideW: pick(r, [1, 2]),
        dilationH: pick(r, [0, 1, 2]),
        dilationW: pick(r, [1, 2]),
        padTop: pick(r, [0, 1, 4]),
        padLeft: pick(r, [0, 1]),
      };
      const xs = size([p.batch, p.inH, p.inW, p.inC]);
      const ws = size([p.filterH, p.filterW, p.inC, p.outC]);
      const ys = size([p.batch, p.outH, p.outW, p.outC]);
      const lens =
        fn === "conv2d" ? [xs, ws, ys] : fn === "conv2dBackpropInput" ? [ws, ys, xs] : [xs, ys, ws];
      return { fn, args: [...lens.map((n) => mk(F, n)), p], inputs: [0, 1], outputs: [2] };
    }
    default: {
      // Pools with consistent geometry: every window overlaps the input.
      const inH = pick(r, [1, 2, 3, 5, 8]);
      const inW = pick(r, [1, 2, 3, 5, 8]);
      const windowH = pick(r, [1, 2, 3]);
      const windowW = pick(r, [1, 2, 3]);
      const padTop = Math.floor(r() * windowH);
      const padLeft = Math.floor(r() * windowW);
      const strideH = pick(r, [1, 2, 3]);
      const strideW = pick(r, [1, 2]);
      const p: Pool2DParams = {
        batch: pick(r, [0, 1, 2]),
        inH,
        inW,
        channels: pick(r, [0, 1, 3]),
        outH: Math.floor((inH + padTop - 1) / strideH) + 1,
        outW: Math.floor((inW + padLeft - 1) / strideW) + 1,
        windowH,
        windowW,
        strideH,
        strideW,
        padTop,
        padLeft,
      };
      const xs = size([p.batch, p.inH, p.inW, p.channels]);
      const ys = size([p.batch, p.outH, p.outW, p.channels]);
      const lens: Record<string, number[]> = {
        maxPool: [xs, ys],
        avgPool: [xs, ys],
        maxPoolGrad: [xs, ys, xs],
        maxPoolGradGrad: [xs, xs, ys],
        avgPoolGrad: [ys, xs],
      };
      const arrays = lens[fn].map((n) => mk(F, n));
      const outputs = [arrays.length - 1];
      const inputs = arrays.map((_, i) => i).filter((i) => i !== outputs[0]);
      return { fn, args: [...arrays, p], inputs, outputs };
    }
  }
}

/** Thrown by the fuzz's own getters, so that the check can tell them from the addon's errors. */
class FromGetter extends Error {}

const WEIRD_NUMBERS = [
  -1,
  -0,
  NaN,
  Infinity,
  -Infinity,
  0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  Number.MAX_SAFE_INTEGER,
];

function weirdValue(r: () => number, arena: Arena): unknown {
  const values: (() => unknown)[] = [
    () => pick(r, WEIRD_NUMBERS),
    () => pick(r, ["3", null, undefined, {}, [], true, 3n, Symbol("s"), () => 1, new Number(3)]),
    () => new DataView(new ArrayBuffer(8)),
    () => new ArrayBuffer(16),
    () => [1, 2, 3],
    () => new Uint8ClampedArray(4),
    () => new Int16Array(4),
    () => new BigInt64Array(2),
    () => arena.make(pick(r, CTORS), pick(r, [0, 1, 3, 64]), r),
  ];
  return pick(r, values)();
}

/** A mutation of a typed array argument. */
function mutateArray(r: () => number, x: Typed, c: Call, arena: Arena): unknown {
  const ctor = x.constructor as TypedCtor;
  if (!CTORS.includes(ctor) || x.buffer.byteLength === 0) return weirdValue(r, arena);
  const others = c.args.filter((v): v is Typed => ArrayBuffer.isView(v) && v !== x);
  const options: (() => unknown)[] = [
    () =>
      arena.make(
        pick(
          r,
          CTORS.filter((k) => k !== ctor),
        ),
        x.length,
        r,
      ), // wrong dtype
    () => arena.make(ctor, Math.max(0, x.length - 1), r), // one short
    () => arena.make(ctor, x.length + 1, r), // one long
    () => arena.make(ctor, 0, r),
    () => {
      const y = arena.make(ctor, x.length, r);
      detach(y);
      return y;
    },
    () => {
      // The same values at a byte offset: valid.
      const big = arena.make(ctor, x.length + 3, r);
      const y = big.subarray(3) as Typed;
      y.set(x as never);
      return y;
    },
    () => {
      const y = new ctor(new SharedArrayBuffer(x.byteLength) as unknown as ArrayBuffer);
      y.set(x as never);
      return y;
    },
    () => {
      const y = new ctor(resizable(x.byteLength, x.byteLength + 64));
      y.set(x as never);
      return y;
    },
    () => (others.length > 0 ? pick(r, others) : x), // aliasing another argument
    () => weirdValue(r, arena),
  ];
  return pick(r, options)();
}

/** A JS-running attack inside a shape or params read: detach, shrink, collect or throw. */
function attack(r: () => number, c: Call): () => void {
  const arrays = c.args.filter((v): v is Typed => ArrayBuffer.isView(v));
  return () => {
    const k = r();
    if (k < 0.1) throw new FromGetter("from a getter");
    for (const x of arrays) {
      if (r() < 0.5) continue;
      const buf = x.buffer as ArrayBuffer | Resizable;
      if ("resize" in buf && (buf as { resizable?: boolean }).resizable) buf.resize(0);
      else detach(x);
    }
    if (k < 0.5) gc();
  };
}

function mutateShape(r: () => number, s: number[], c: Call): unknown {
  const options: (() => unknown)[] = [
    () => [...s, pick(r, [1, 2])],
    () => s.slice(1),
    () => s.map((d) => (r() < 0.5 ? pick(r, WEIRD_NUMBERS) : d)),
    () => [2 ** 31, 2 ** 31, 0],
    () => [0, 2 ** 40, 2 ** 40, ...s],
    () => new Array(65).fill(1),
    () => {
      const hit = attack(r, c);
      const t: number[] = [];
      s.forEach((d, i) =>
        Object.defineProperty(t, i, {
          enumerable: true,
          get() {
            hit();
            return d;
          },
        }),
      );
      return t;
    },
    () => new Proxy(s, {}),
    () => Object.assign(new Array<number>(s.length), { 0: s[0] }), // holes
    () => s.map(String),
  ];
  return pick(r, options)();
}

function mutateParams(r: () => number, p: Record<string, number>, c: Call): unknown {
  const keys = Object.keys(p);
  const key = pick(r, keys);
  const options: (() => unknown)[] = [
    () => {
      const q = { ...p };
      delete q[key];
      return q;
    },
    () => ({ ...p, [key]: pick(r, WEIRD_NUMBERS) }),
    () => ({ ...p, [key]: p[key] + pick(r, [-1, 1, 1000]) }),
    () => ({ ...p, [key]: 2 ** 40 }),
    () => {
      const hit = attack(r, c);
      const q = { ...p };
      Object.defineProperty(q, key, {
        get() {
          hit();
          return p[key];
        },
      });
      return q;
    },
    () => {
      const hit = attack(r, c);
      return new Proxy(p, {
        get(target, k) {
          if (k === key) hit();
          return Reflect.get(target, k);
        },
      });
    },
    () => weirdValue(r, new Arena()),
  ];
  return pick(r, options)();
}

function mutate(r: () => number, c: Call, arena: Arena): Call {
  const args = [...c.args];
  const edits = Math.floor(r() * 3) + (r() < 0.2 ? 0 : 1);
  for (let e = 0; e < edits; e++) {
    const k = r();
    if (k < 0.05) {
      args.length = Math.floor(r() * args.length); // missing arguments
      continue;
    }
    if (k < 0.08) {
      args.push(weirdValue(r, arena)); // an extra one
      continue;
    }
    const i = Math.floor(r() * args.length);
    // Mutate the valid call's argument: an earlier mutation's getters must not fire here.
    const v = i < c.args.length ? c.args[i] : args[i];
    if (ArrayBuffer.isView(v)) args[i] = mutateArray(r, v as Typed, c, arena);
    else if (Array.isArray(v)) args[i] = mutateShape(r, v as number[], { ...c, args });
    else if (typeof v === "object" && v !== null)
      args[i] = mutateParams(r, v as Record<string, number>, { ...c, args });
    else if (typeof v === "number")
      args[i] = r() < 0.7 ? pick(r, WEIRD_NUMBERS) : v + pick(r, [-1, 1]);
    else args[i] = weirdValue(r, arena);
  }
  return { ...c, args };
}

/** Errors a hostile call may end in: the addon's TypeError, RangeError or Error, or our own. */
function acceptable(e: unknown): boolean {
  if (e instanceof FromGetter) return true;
  if (e instanceof DOMException) return true; // structuredClone refusing a transfer in a getter
  if (!(e instanceof Error)) return false;
  return /\(native\)|tapeflow native|setIsa|setNumThreads/.test(e.message);
}

function snapshot(x: unknown): Uint8Array | null {
  if (!ArrayBuffer.isView(x) || x.byteLength === 0) return null;
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength).slice();
}

test("fuzz: hostile arguments to every entry point throw or compute, never corrupt", (t) =>
  withAddon(t, (a) => {
    const r = rng(SEED);
    const f = raw(a);
    const threads = a.numThreads();
    const isa = a.isa();
    const counts = { calls: 0, threw: 0 };
    try {
      for (let it = 0; it < ITERS; it++) {
        if (it % 97 === 0) a.setNumThreads(1 + (it % 3));
        if (it % 89 === 0) a.setIsa(it % 2 ? "scalar" : isa);
        const arena = new Arena();
        const valid = validCall(a, r, arena);
        const c = r() < 0.15 ? valid : mutate(r, valid, arena);
        const before = c.inputs.map((i) => snapshot(c.args[i]));
        const what = `#${it} ${c.fn}`;
        if (process.env.FUZZ_TRACE) console.error(what, c.args);
        const t0 = Date.now();
        let threw = false;
        try {
          f[c.fn](...c.args);
        } catch (e) {
          threw = true;
          if (!acceptable(e)) assert.fail(`${what}: unexpected ${String(e)}`);
        }
        const ms = Date.now() - t0;
        assert.ok(ms < 2000, `${what} took ${ms} ms`);
        arena.checkGuards(what);
        if (!threw) {
          // A returning call computed: its inputs are as they were (outputs never overlap them).
          c.inputs.forEach((i, j) => {
            const now = snapshot(c.args[i]);
            if (before[j] !== null && now !== null && before[j]!.length === now.length)
              assert.deepEqual(now, before[j], `${what}: input ${i} changed`);
          });
        }
        if (c === valid) assert.equal(threw, false, `${what}: a valid call threw`);
        counts.calls++;
        if (threw) counts.threw++;
      }
    } finally {
      a.setNumThreads(threads);
      a.setIsa(isa);
    }
    // Most mutated calls are refused; some mutations (offsets, shared memory) are valid.
    assert.ok(counts.threw > 0 && counts.threw < counts.calls, JSON.stringify(counts));
    // Still alive and correct.
    const out = new Float32Array(3);
    a.binary(ADD, new Float32Array([1, 2, 3]), [3], new Float32Array([1]), [1], out, [3]);
    assert.deepEqual(Array.from(out), [2, 3, 4]);
  }));
