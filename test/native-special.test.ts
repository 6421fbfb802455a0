/**
 * The native sort, segment-sum and factorization kernels (native/sort.cc, segment.cc,
 * lapack.cc) against the JS kernels on odd shapes, both float dtypes (int32 too for top-k and
 * segment sums), both ISA paths and thread counts; ties, NaN and negative ids; bad arguments to
 * the entry points throw TypeError / RangeError, never crash; and the ops through the native
 * backend (tf.sort, tf.linalg.cholesky) above the crossover sizes.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { Isa, NativeAddon } from "../src/backend/native/addon.js";
import { rng } from "./helpers/rng.js";

const addon = nativeAddon();
type Name =
  | "topK"
  | "unsortedSegmentSum"
  | "cholesky"
  | "lu"
  | "triangularSolve"
  | "qr"
  | "matrixSolve"
  | "eigh";

function need(t: TestContext, name: Name): Required<NativeAddon> | null {
  if (addon === null || addon[name] === undefined) {
    t.skip(`native ${name} not available`);
    return null;
  }
  return addon as Required<NativeAddon>;
}

/** Runs body on both ISA paths and with 1 and 3 threads. */
function eachPath(a: NativeAddon, body: (what: string) => void): void {
  const isa = a.isa();
  const threads = a.numThreads();
  try {
    for (const i of ["avx2-fma", "scalar"] as const) {
      if (a.setIsa(i as Isa) !== i) continue;
      for (const n of [1, 3]) {
        a.setNumThreads(n);
        body(`${i}, ${n} threads`);
      }
    }
  } finally {
    a.setIsa(isa);
    a.setNumThreads(threads);
  }
}

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
const FLOATS: FloatCtor[] = [Float32Array, Float64Array];

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g), `${what}[${i}]: ${g}, want NaN`);
    else
      assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g} vs ${w}`);
  }
}

test("native topK equals the JS kernel: ties, NaN, int32, k from 0 to n, long single rows", (t) => {
  const a = need(t, "topK");
  if (a === null) return;
  const r = rng(5);
  eachPath(a, (path) => {
    for (const [rows, n] of [
      [1, 1],
      [3, 7],
      [17, 129],
      [1, 70001],
      [5, 4099],
    ]) {
      for (const C of [Float32Array, Float64Array, Int32Array]) {
        const x = new C(rows * n);
        // few distinct values (many ties), some NaN in the float ones
        for (let i = 0; i < x.length; i++) x[i] = Math.floor(r() * 9) - 4;
        if (C !== Int32Array) for (let i = 0; i < x.length; i += 13) x[i] = NaN;
        for (const k of new Set([0, 1, Math.min(3, n), n >> 1, n])) {
          const v = new C(rows * k);
          const ix = new Int32Array(rows * k);
          const wv = new C(rows * k);
          const wi = new Int32Array(rows * k);
          a.topK(x, rows, n, k, v, ix);
          jsBackend.topK(x, rows, n, k, true, wv, wi);
          const what = `${path} ${C.name} [${rows}, ${n}] k=${k}`;
          assert.deepEqual(Array.from(ix), Array.from(wi), what);
          close(v, wv, 0, what);
        }
      }
    }
  });
});

test("native unsortedSegmentSum equals the JS loop: negative ids, empty segments, wide rows", (t) => {
  const a = need(t, "unsortedSegmentSum");
  if (a === null) return;
  const r = rng(6);
  eachPath(a, (path) => {
    for (const [rows, inner, segs] of [
      [1, 1, 1],
      [7, 3, 5],
      [1001, 37, 9],
      [5003, 1, 257],
      [33, 1031, 2],
    ]) {
      const ids = new Int32Array(rows);
      for (let i = 0; i < rows; i++) ids[i] = Math.floor(r() * (segs + 1)) - 1; // -1: dropped
      for (const C of [Float32Array, Float64Array, Int32Array]) {
        const data = new C(rows * inner);
        for (let i = 0; i < data.length; i++)
          data[i] = C === Int32Array ? Math.floor(r() * 2e9) - 1e9 : r() * 2 - 1;
        const got = new C(segs * inner);
        const want = new C(segs * inner);
        a.unsortedSegmentSum(data, ids, inner, got);
        jsBackend.unsortedSegmentSum(data, ids, inner, want);
        // each segment is summed in row order on one thread: the same bits as JS
        assert.deepEqual(Array.from(got), Array.from(want), `${path} ${C.name} ${rows}x${inner}`);
      }
    }
  });
});

/** A random [batch, n, n] SPD (B B^T + n I) or general matrix. */
function matrices(C: FloatCtor, batch: number, m: number, n: number, spd: boolean, seed: number) {
  const r = rng(seed);
  const out = new C(batch * m * n);
  for (let b = 0; b < batch; b++) {
    const g = Array.from({ length: m * n }, () => r() * 2 - 1);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let v = g[i * n + j];
        if (spd) {
          v = i === j ? n : 0;
          for (let k = 0; k < n; k++) v += g[i * n + k] * g[j * n + k];
        }
        out[b * m * n + i * n + j] = v;
      }
    }
  }
  return out;
}

test("native cholesky, lu, triangularSolve and qr equal the JS kernels (odd sizes, both dtypes)", (t) => {
  const a = need(t, "cholesky");
  if (a === null) return;
  eachPath(a, (path) => {
    for (const C of FLOATS) {
      const tol = C === Float32Array ? 2e-6 : 1e-11;
      for (const [batch, n] of [
        [1, 1],
        [3, 5],
        [2, 33],
        [5, 17],
      ]) {
        const what = `${path} ${C.name} [${batch}, ${n}, ${n}]`;
        const spd = matrices(C, batch, n, n, true, n);
        const l1 = new C(spd.length);
        const l2 = new C(spd.length);
        assert.equal(a.cholesky(spd, l1, batch, n), jsBackend.cholesky(spd, l2, batch, n));
        close(l1, l2, tol, `cholesky ${what}`);
        const g = matrices(C, batch, n, n, false, n + 1);
        const u1 = new C(g.length);
        const u2 = new C(g.length);
        const p1 = new Int32Array(batch * n);
        const p2 = new Int32Array(batch * n);
        a.lu(g, u1, p1, batch, n);
        jsBackend.lu(g, u2, p2, batch, n);
        assert.deepEqual(Array.from(p1), Array.from(p2), `lu perm ${what}`);
        close(u1, u2, tol * 10, `lu ${what}`);
        for (const k of [1, 4]) {
          const rhs = matrices(C, batch, n, k, false, k);
          for (const lower of [true, false]) {
            for (const adjoint of [true, false]) {
              const x1 = new C(batch * n * k);
              const x2 = new C(batch * n * k);
              a.triangularSolve(l1, rhs, x1, batch, n, k, lower, adjoint);
              jsBackend.triangularSolve(l1, rhs, x2, batch, n, k, lower, adjoint);
              close(x1, x2, tol * 10, `triangularSolve ${lower} ${adjoint} ${what}`);
            }
          }
        }
      }
      for (const [batch, m, n] of [
        [1, 1, 1],
        [2, 7, 3],
        [3, 4, 9],
        [2, 31, 31],
      ]) {
        const g = matrices(C, batch, m, n, false, m * n);
        for (const full of [true, false]) {
          const p = Math.min(m, n);
          const qc = full ? m : p;
          const rr = full ? m : p;
          const q1 = new C(batch * m * qc);
          const q2 = new C(batch * m * qc);
          const r1 = new C(batch * rr * n);
          const r2 = new C(batch * rr * n);
          a.qr(g, q1, r1, batch, m, n, full);
          jsBackend.qr(g, q2, r2, batch, m, n, full);
          close(q1, q2, tol * 10, `qr q ${path} ${C.name} [${batch}, ${m}, ${n}] ${full}`);
          close(r1, r2, tol * 10, `qr r ${path} ${C.name} [${batch}, ${m}, ${n}] ${full}`);
        }
      }
    }
    // the first member that is not positive definite, as the JS kernel
    const bad = matrices(Float64Array, 4, 6, 6, true, 3);
    bad[2 * 36] = -1;
    bad[3 * 36 + 7] = NaN;
    assert.equal(a.cholesky(bad, new Float64Array(bad.length), 4, 6), 2);
    assert.equal(jsBackend.cholesky(bad, new Float64Array(bad.length), 4, 6), 2);
  });
});

test("native matrixSolve, matrixInverse, determinant and logDeterminant equal the JS kernels", (t) => {
  const a = need(t, "matrixSolve");
  if (a === null) return;
  eachPath(a, (path) => {
    for (const C of FLOATS) {
      const tol = C === Float32Array ? 2e-5 : 1e-10;
      for (const [batch, n] of [
        [1, 1],
        [3, 5],
        [2, 33],
        [6, 17],
      ]) {
        const what = `${path} ${C.name} [${batch}, ${n}, ${n}]`;
        const g = matrices(C, batch, n, n, false, 2 * n + 1);
        for (const k of [1, 3]) {
          const rhs = matrices(C, batch, n, k, false, k + 7);
          for (const adjoint of [false, true]) {
            const x1 = new C(batch * n * k);
            const x2 = new C(batch * n * k);
            assert.equal(
              a.matrixSolve(g, rhs, x1, batch, n, k, adjoint),
              jsBackend.matrixSolve(g, rhs, x2, batch, n, k, adjoint),
            );
            close(x1, x2, tol * 10, `matrixSolve ${adjoint} ${what}`);
          }
        }
        for (const adjoint of [false, true]) {
          const i1 = new C(g.length);
          const i2 = new C(g.length);
          assert.equal(
            a.matrixInverse(g, i1, batch, n, adjoint),
            jsBackend.matrixInverse(g, i2, batch, n, adjoint),
          );
          close(i1, i2, tol * 10, `matrixInverse ${adjoint} ${what}`);
        }
        const d1 = new C(batch);
        const d2 = new C(batch);
        a.determinant(g, d1, batch, n);
        jsBackend.determinant(g, d2, batch, n);
        close(d1, d2, tol * 10, `determinant ${what}`);
        const [s1, l1, s2, l2] = [new C(batch), new C(batch), new C(batch), new C(batch)];
        a.logDeterminant(g, s1, l1, batch, n);
        jsBackend.logDeterminant(g, s2, l2, batch, n);
        assert.deepEqual(Array.from(s1), Array.from(s2), `logDeterminant sign ${what}`);
        close(l1, l2, tol * 10, `logDeterminant ${what}`);
      }
    }
    // a singular member: its index, as the JS kernel; sign 0 and log|det| -Inf
    const sing = matrices(Float64Array, 4, 6, 6, false, 3);
    for (let j = 0; j < 6; j++) sing[2 * 36 + 6 + j] = 2 * sing[2 * 36 + j]; // row 1 = 2 row 0
    const x = new Float64Array(4 * 6 * 2);
    assert.equal(a.matrixSolve(sing, new Float64Array(48), x, 4, 6, 2, false), 2);
    assert.equal(a.matrixInverse(sing, new Float64Array(sing.length), 4, 6, false), 2);
    assert.equal(jsBackend.matrixInverse(sing, new Float64Array(sing.length), 4, 6, false), 2);
    const s = new Float64Array(4);
    const l = new Float64Array(4);
    a.logDeterminant(sing, s, l, 4, 6);
    assert.equal(s[2], 0);
    assert.equal(l[2], -Infinity);
    const d = new Float64Array(4);
    a.determinant(sing, d, 4, 6);
    assert.ok(Math.abs(d[2]) < 1e-12 * Math.abs(d[0]), `det of a singular member ${d[2]}`);
  });
  // through the ops, above the crossover: A X = B and A A^-1 = I
  const A = tf.add(
    tf.random.normal([4, 40, 40], { seed: 3, dtype: "float64" }),
    tf.cast(tf.eye(40), "float64").mul(8),
  );
  const B = tf.random.normal([4, 40, 3], { seed: 4, dtype: "float64" });
  const num = (x: tf.Tensor): Float64Array => x.dataSync() as Float64Array;
  const X = tf.linalg.solve(A, B);
  close(num(tf.matmul(A, X)), num(B), 1e-10, "A solve(A, B)");
  const I = tf.matmul(A, tf.linalg.inv(A));
  const eye = tf.broadcastTo(tf.cast(tf.eye(40), "float64"), [4, 40, 40]);
  close(num(I), num(eye), 1e-10, "A inv(A)");
  const [sign, logAbs] = tf.linalg.slogdet(A);
  const det = num(tf.linalg.det(A));
  close(num(tf.multiply(sign, tf.exp(logAbs))), det, 1e-9, "slogdet against det");
});

test("native eigh and svd equal the JS Jacobi kernels, vectors' signs included", (t) => {
  const a = need(t, "eigh");
  if (a === null) return;
  eachPath(a, (path) => {
    for (const C of FLOATS) {
      const tol = C === Float32Array ? 1e-5 : 1e-10;
      for (const [batch, n] of [
        [1, 1],
        [3, 6],
        [2, 19],
      ]) {
        const what = `${path} ${C.name} [${batch}, ${n}, ${n}]`;
        const g = matrices(C, batch, n, n, false, 3 * n); // eigh reads the lower triangle only
        const [e1, e2] = [new C(batch * n), new C(batch * n)];
        const [v1, v2] = [new C(batch * n * n), new C(batch * n * n)];
        a.eigh(g, e1, v1, batch, n, true);
        jsBackend.eigh(g, e2, v2, batch, n);
        close(e1, e2, tol, `eigh values ${what}`);
        close(v1, v2, tol * 10, `eigh vectors ${what}`);
        const e3 = new C(batch * n);
        a.eigh(g, e3, new C(0), batch, n, false);
        close(e3, e2, tol, `eigh values only ${what}`);
      }
      for (const [batch, m, n, rank] of [
        [1, 1, 1, 1],
        [2, 7, 4, 4],
        [2, 4, 7, 4],
        [3, 9, 9, 9],
        [2, 8, 5, 2], // rank 2: U's columns past the rank come from the basis completion
        [2, 5, 8, 3],
      ]) {
        const what = `${path} ${C.name} [${batch}, ${m}, ${n}] rank ${rank}`;
        // A = L R with L [m, rank], R [rank, n]
        const l = matrices(Float64Array, batch, m, rank, false, m + n);
        const r = matrices(Float64Array, batch, rank, n, false, m * n);
        const g = new C(batch * m * n);
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let x = 0;
              for (let k = 0; k < rank; k++)
                x += l[b * m * rank + i * rank + k] * r[b * rank * n + k * n + j];
              g[b * m * n + i * n + j] = x;
            }
        const p = Math.min(m, n);
        for (const full of [true, false]) {
          const [uc, vc] = full ? [m, n] : [p, p];
          const [s1, s2] = [new C(batch * p), new C(batch * p)];
          const [u1, u2] = [new C(batch * m * uc), new C(batch * m * uc)];
          const [w1, w2] = [new C(batch * n * vc), new C(batch * n * vc)];
          a.svd(g, s1, u1, w1, batch, m, n, full, true);
          jsBackend.svd(g, s2, u2, w2, batch, m, n, full);
          close(s1, s2, tol, `svd s ${full} ${what}`);
          // float32 rank-deficient inputs: the null space is set by rounding, compare the span
          if (C === Float64Array || rank === p) {
            close(u1, u2, tol * 100, `svd u ${full} ${what}`);
            close(w1, w2, tol * 100, `svd v ${full} ${what}`);
          }
        }
        const s3 = new C(batch * p);
        a.svd(g, s3, new C(0), new C(0), batch, m, n, false, false);
        const s4 = new C(batch * p);
        jsBackend.svd(g, s4, null, null, batch, m, n, false);
        close(s3, s4, tol, `svd values only ${what}`);
      }
    }
  });
  // through the ops, above the crossover: A = V diag(e) V^T and A = U diag(s) V^T
  const x = tf.random.normal([3, 30, 30], { seed: 5, dtype: "float64" });
  const sym = tf.add(x, tf.linalg.matrixTranspose(x));
  const [e, v] = tf.linalg.eigh(sym);
  const back = tf.matmul(tf.multiply(v, tf.expandDims(e, 1)), v, { transposeB: true });
  close(back.dataSync() as Float64Array, sym.dataSync() as Float64Array, 1e-10, "V e V^T");
  const [s, u, w] = tf.linalg.svd(x, { fullMatrices: false, computeUv: true });
  const usv = tf.matmul(tf.multiply(u, tf.expandDims(s, 1)), w, { transposeB: true });
  close(usv.dataSync() as Float64Array, x.dataSync() as Float64Array, 1e-10, "U s V^T");
});

test("the native sort / segment / factorization entry points reject bad arguments", (t) => {
  const a = need(t, "topK");
  if (a === null) return;
  const f = new Float64Array(12);
  const i = new Int32Array(12);
  const bad: [string, () => unknown, RegExp][] = [
    ["k > n", () => a.topK(f, 3, 4, 5, new Float64Array(15), new Int32Array(15)), /k 5 is larger/],
    [
      "short x",
      () => a.topK(f, 4, 4, 1, new Float64Array(4), new Int32Array(4)),
      /RangeError|elements/,
    ],
    ["dtype", () => a.topK(f, 3, 4, 1, new Float32Array(3), new Int32Array(3)), /dtypes differ/],
    [
      "bool",
      () => a.topK(new Uint8Array(12), 3, 4, 1, new Uint8Array(3), new Int32Array(3)),
      /bool/,
    ],
    [
      "indices",
      () => a.topK(f, 3, 4, 1, new Float64Array(3), new Float64Array(3) as never),
      /int32/,
    ],
    ["rows", () => a.topK(f, -1, 4, 1, f, i), /non-negative/],
    ["alias", () => a.topK(f, 3, 4, 4, f, i), /shares memory/],
    [
      "id high",
      () => a.unsortedSegmentSum(f, Int32Array.from([0, 1, 9]), 4, new Float64Array(8)),
      /ids\[2\] = 9/,
    ],
    ["ids f64", () => a.unsortedSegmentSum(f, f as never, 1, new Float64Array(8)), /int32/],
    ["seg len", () => a.unsortedSegmentSum(f, i, 4, new Float64Array(8)), /elements/],
    [
      "seg mult",
      () => a.unsortedSegmentSum(f, new Int32Array(3), 4, new Float64Array(7)),
      /multiple/,
    ],
    ["chol len", () => a.cholesky(f, new Float64Array(12), 1, 4), /elements/],
    ["chol int", () => a.cholesky(i as never, new Float64Array(12), 3, 2), /float32 or float64/],
    ["chol n", () => a.cholesky(f, f, 3, NaN), /non-negative integer/],
    ["lu perm", () => a.lu(f, new Float64Array(12), new Float64Array(6) as never, 3, 2), /int32/],
    [
      "trs flag",
      () => a.triangularSolve(f, f, new Float64Array(12), 3, 2, 2, 1 as never, false),
      /boolean/,
    ],
    [
      "trs mix",
      () => a.triangularSolve(f, new Float32Array(12), new Float64Array(12), 3, 2, 2, true, false),
      /dtypes differ/,
    ],
    [
      "solve mix",
      () => a.matrixSolve(f, new Float32Array(12), new Float64Array(12), 3, 2, 2, false),
      /dtypes differ/,
    ],
    ["inv alias", () => a.matrixInverse(f, f, 3, 2, false), /shares memory/],
    ["det len", () => a.determinant(f, new Float64Array(2), 3, 2), /elements/],
    ["slogdet int", () => a.logDeterminant(i as never, f, f, 3, 2), /float32 or float64/],
    [
      "eigh v len",
      () => a.eigh(f, new Float64Array(6), new Float64Array(3), 3, 2, true),
      /elements/,
    ],
    ["eigh flag", () => a.eigh(f, new Float64Array(6), f, 3, 2, 0 as never), /boolean/],
    [
      "svd mix",
      () =>
        a.svd(
          f,
          new Float32Array(6),
          new Float64Array(0),
          new Float64Array(0),
          3,
          2,
          2,
          false,
          false,
        ),
      /dtypes differ/,
    ],
    ["qr len", () => a.qr(f, new Float64Array(8), new Float64Array(12), 1, 3, 4, true), /elements/],
    ["qr args", () => (a.qr as unknown as () => void)(), /typed array|number/],
  ];
  for (const [what, fn, msg] of bad) {
    assert.throws(
      fn,
      (e: Error) =>
        (e instanceof TypeError || e instanceof RangeError) && msg.test(`${e.name} ${e.message}`),
      what,
    );
  }
});

test("tf.sort, tf.math.topK, segment sums and tf.linalg.cholesky / qr through the native backend", () => {
  // above the crossovers, so the native kernels run when the addon is loaded
  const r = rng(9);
  const n = 5000;
  const v = Float64Array.from({ length: n }, () => Math.floor(r() * 100));
  const sorted = Array.from(tf.sort(tf.constant(v, "float64")).dataSync() as Float64Array);
  assert.deepEqual(
    sorted,
    Array.from(v).sort((p, q) => p - q),
  );
  const idx = Array.from(
    tf.argsort(tf.constant(v, "float64"), -1, "DESCENDING").dataSync() as Int32Array,
  );
  // stable: equal values keep their order
  for (let i = 1; i < n; i++) {
    const [p, q] = [idx[i - 1], idx[i]];
    assert.ok(v[p] > v[q] || (v[p] === v[q] && p < q));
  }
  const ids = Int32Array.from({ length: n }, (_, i) => i % 7);
  const s = tf.unsortedSegmentSum(tf.constant(v, "float64"), tf.constant(ids, "int32"), 7);
  const want = new Array<number>(7).fill(0);
  v.forEach((x, i) => (want[i % 7] += x));
  assert.deepEqual(Array.from(s.dataSync() as Float64Array), want);
  const spd = matrices(Float64Array, 4, 20, 20, true, 1);
  const a = tf.constant(spd, "float64", [4, 20, 20]);
  const l = tf.linalg.cholesky(a);
  close(tf.matmul(l, l, { transposeB: true }).dataSync() as Float64Array, spd, 1e-12, "L L^T");
  const g = tf.constant(matrices(Float64Array, 3, 25, 18, false, 2), "float64", [3, 25, 18]);
  const [q, rr] = tf.linalg.qr(g);
  close(tf.matmul(q, rr).dataSync() as Float64Array, g.dataSync() as Float64Array, 1e-12, "Q R");
});
