/**
 * Elementwise fusion on the native backend: a fused node runs as one call of the addon's fused
 * program kernel (native/fused_program.h), which gives the eager native results bit for bit;
 * fused reductions, broadcasts, both ISA paths, gradients, save and load, and bad programs
 * sent straight to the entry point.
 */
import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as tf from "../src/index.js";
import type { Graph } from "../src/function/graph.js";
import type { NativeAddon } from "../src/backend/native/addon.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { same, tmp } from "./helpers/function.js";
import { addon, onJs, withAddon } from "./helpers/native.js";

type DT = "float32" | "float64";

function fusedOps(g: Graph): string[][] {
  return g.nodes.flatMap((n) => (n.kind === "fused" ? [n.nodes.map((x) => x.op.name)] : []));
}

function rnd(shape: number[], seed: number, dtype: DT, lo = -2, hi = 2): tf.Tensor {
  const t = randomTensor(shape, seed, lo, hi);
  return dtype === "float64" ? t : tf.cast(t, "float32");
}

/** Runs fn on the native backend (even under TAPEFLOW_BACKEND=js), or skips without the addon. */
function withNative(t: TestContext, fn: (a: NativeAddon) => void): void | Promise<void> {
  return withAddon(t, (a) => {
    const before = tf.getBackend();
    tf.setBackend("native");
    try {
      fn(a);
    } finally {
      tf.setBackend(before);
    }
  });
}

/** Counts the calls of the addon's fusedProgram while fn runs. */
function countCalls<T>(a: NativeAddon, fn: () => T): [T, number] {
  const orig = a.fusedProgram;
  assert.ok(orig !== undefined, "the addon has fusedProgram");
  let calls = 0;
  a.fusedProgram = (...args: Parameters<NonNullable<NativeAddon["fusedProgram"]>>) => {
    calls++;
    orig.apply(a, args);
  };
  try {
    return [fn(), calls];
  } finally {
    a.fusedProgram = orig;
  }
}

/** Runs fn on each ISA path the CPU has, putting the ISA in use back after. */
function onEachIsa(a: NativeAddon, fn: (isa: string) => void): void {
  const before = a.isa();
  try {
    for (const isa of ["scalar", "avx2-fma"] as const) {
      if (a.setIsa(isa) !== isa) continue; // no AVX2 on this CPU
      fn(isa);
    }
  } finally {
    a.setIsa(before);
  }
}

function closeTo(actual: tf.Tensor, expected: tf.Tensor, rel: number, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync() as Float64Array;
  const e = expected.dataSync() as Float64Array;
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i])
      ? Number.isNaN(a[i])
      : Math.abs(a[i] - e[i]) <= rel * (1 + Math.abs(e[i]));
    assert.ok(ok, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

// Transcendentals only of full-size values (a transcendental of a small broadcast input runs
// eagerly on the JS kernels, and the fused program computes it natively after the broadcast).
const chainA = (x: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  let y = x.mul(b).add(0.25);
  y = tf.tanh(y).sub(tf.sigmoid(x.neg()));
  y = tf.exp(y.mul(0.5)).add(tf.square(b));
  return tf.softplus(y.sub(x.abs())).div(b.add(3));
};
const workloadChain = (x: tf.Tensor): tf.Tensor => {
  let y = x;
  for (let i = 0; i < 5; i++) y = tf.tanh(tf.add(tf.multiply(tf.sin(y), 1.5), 0.25));
  return y;
};
const cheap = (x: tf.Tensor, b: tf.Tensor): tf.Tensor =>
  tf
    .maximum(tf.relu(x.sub(b)).mul(x), tf.minimum(b, 0.5))
    .add(tf.floor(x.mul(3)))
    .sub(tf.sqrt(tf.abs(b)));

test("fused chains on the native backend are one kernel call, bitwise the eager result (odd sizes, broadcasts, both dtypes and ISAs)", (t) =>
  withNative(t, (a) => {
    const fa = tf.function(chainA);
    const fw = tf.function(workloadChain);
    const fc = tf.function(cheap);
    onEachIsa(a, (isa) => {
      for (const dtype of ["float32", "float64"] as const) {
        // [x shape, b shape]: same shape, a row, a column, one element, a middle axis, and a
        // broadcast the kernel does not read in place ([2,1,5] against [2,3,5]).
        const cases: [number[], number[]][] = [
          [[1], [1]],
          [[7], [7]],
          [[1023], [1023]],
          [[100003], [1]],
          [[100003], [100003]],
          [[37, 29], [29]],
          [
            [29, 37],
            [29, 1],
          ],
          [
            [4, 31, 9],
            [31, 1],
          ],
          [
            [2, 3, 50],
            [2, 1, 50],
          ],
          [[300], []],
          // Rows and columns longer than a tile: read in place, as one value, or gathered
          // where a tile crosses a period.
          [
            [3, 5000],
            [3, 1],
          ],
          [[3, 5000], [5000]],
          [
            [2, 3000, 2],
            [3000, 1],
          ],
        ];
        cases.forEach(([xs, bs], c) => {
          const x = rnd(xs, 10 + c, dtype);
          const b = rnd(bs, 40 + c, dtype, 0.5, 2);
          const what = `${isa} ${dtype} x[${xs.join(",")}] b[${bs.join(",")}]`;
          const n = xs.reduce((p, d) => p * d, 1);
          fa(x, b); // traces the signature
          const [r, calls] = countCalls(a, () => fa(x, b));
          same(r, chainA(x, b), `chainA ${what}`);
          assert.equal(calls, n >= 64 ? 1 : 0, `${what}: one native call above 64 elements`);
          same(fc(x, b), cheap(x, b), `cheap ${what}`);
          same(fw(x), workloadChain(x), `workload chain ${what}`);
        });
      }
    });
    assert.equal(
      fusedOps(fa.getConcreteFunction(rnd([7], 1, "float32"), rnd([7], 2, "float32")).graph).length,
      1,
    );
  }));

test("a transcendental of a broadcast input: fused equals eager to float rounding", (t) =>
  withNative(t, () => {
    const body = (x: tf.Tensor, b: tf.Tensor) => tf.tanh(x.mul(tf.exp(b))).add(tf.sin(b));
    const f = tf.function(body);
    for (const dtype of ["float32", "float64"] as const) {
      const x = rnd([50, 33], 3, dtype);
      const b = rnd([33], 4, dtype);
      closeTo(f(x, b), body(x, b), dtype === "float32" ? 3e-7 : 1e-15, dtype);
    }
  }));

const reductions = {
  sumAll: (x: tf.Tensor, b: tf.Tensor) => tf.reduceSum(tf.tanh(x.mul(b).add(0.25))),
  meanLast: (x: tf.Tensor, b: tf.Tensor) => tf.reduceMean(tf.sin(x).mul(b), -1),
  maxLastKeep: (x: tf.Tensor, b: tf.Tensor) => tf.reduceMax(tf.exp(x.sub(b)), -1, true),
  sumTrailing: (x: tf.Tensor, b: tf.Tensor) => tf.reduceSum(tf.square(x.add(b)), [-2, -1]),
  maxAll: (x: tf.Tensor, b: tf.Tensor) => tf.reduceMax(x.mul(b).sub(1)),
  // Not a run of trailing elements: the tree is fused, the reduction runs as an op.
  sumFirst: (x: tf.Tensor, b: tf.Tensor) => tf.reduceSum(tf.tanh(x.mul(b)), 0),
};

test("a reduction at the end of a chain is fused (sum, mean, max; all elements or trailing axes)", (t) =>
  withNative(t, (a) => {
    for (const [name, body] of Object.entries(reductions)) {
      const f = tf.function(body);
      onEachIsa(a, (isa) => {
        for (const dtype of ["float32", "float64"] as const) {
          for (const [xs, bs] of [
            [[3, 5], [5]],
            [[7, 1023], [1023]],
            [[100003], [1]],
            [[3, 3000, 7], [7]],
            [[2000, 3], [1]],
            [
              [20, 11, 13],
              [11, 13],
            ],
          ] as const) {
            if (name === "sumTrailing" && xs.length < 2) continue;
            const x = rnd([...xs], 5, dtype);
            const b = rnd([...bs], 6, dtype, 0.5, 1.5);
            const what = `${name} ${isa} ${dtype} [${xs.join(",")}]`;
            const expected = body(x, b);
            f(x, b); // traces the signature
            const [r, calls] = countCalls(a, () => f(x, b));
            if (name.startsWith("max")) same(r, expected, what);
            else closeTo(r, expected, dtype === "float32" ? 2e-6 : 1e-12, what);
            const n = xs.reduce((p, d) => p * d, 1);
            assert.equal(calls, n >= 64 ? 1 : 0, `${what}: native calls`);
          }
        }
      });
      const g = f.getConcreteFunction(rnd([4, 5], 1, "float32"), rnd([5], 2, "float32")).graph;
      const trees = fusedOps(g);
      assert.equal(trees.length, 1, String(g));
      assert.ok(["Sum", "Mean", "Max"].includes(trees[0][trees[0].length - 1]), trees[0].join(" "));
    }
  }));

test("a fused reduction does not depend on the thread count; NaN propagates through max", (t) =>
  withNative(t, (a) => {
    const f = tf.function(reductions.sumAll);
    const x = rnd([400_003], 7, "float32");
    const b = rnd([1], 8, "float32");
    const before = a.numThreads();
    try {
      const many = f(x, b).dataSync()[0];
      tf.setNumThreads(1);
      assert.equal(f(x, b).dataSync()[0], many);
    } finally {
      tf.setNumThreads(before);
    }
    const m = tf.function((v: tf.Tensor) => tf.reduceMax(tf.sqrt(v), -1));
    const v = tf.concat([tf.ones([3, 500]), tf.fill([3, 1], -1)], 1);
    same(m(v), tf.constant([NaN, NaN, NaN]));
    const s = tf.function((v: tf.Tensor) => tf.reduceMean(tf.exp(v), -1));
    const empty = tf.zeros([100, 0]);
    const r = s(empty).dataSync();
    assert.equal(r.length, 100);
    assert.ok(
      r.every((q) => Number.isNaN(q)),
      "the mean of nothing is NaN",
    );
  }));

test("fused reductions on the JS backend accumulate in the loop", () => {
  onJs(() => {
    for (const [name, body] of Object.entries(reductions)) {
      const f = tf.function(body);
      for (const dtype of ["float32", "float64"] as const) {
        const x = rnd([9, 130], 9, dtype);
        const b = rnd([130], 10, dtype, 0.5, 1.5);
        const what = `js ${name} ${dtype}`;
        if (name.startsWith("max")) same(f(x, b), body(x, b), what);
        else closeTo(f(x, b), body(x, b), dtype === "float32" ? 2e-6 : 1e-12, what);
      }
      assert.equal(
        fusedOps(f.getConcreteFunction(rnd([4, 5], 1, "float32"), rnd([5], 2, "float32")).graph)
          .length,
        1,
      );
    }
  });
});

test("gradients through a fused native tf.function pass finite differences (float64)", (t) =>
  withNative(t, () => {
    const f = tf.function((x: tf.Tensor, b: tf.Tensor) => tf.reduceSum(chainA(x, b), -1));
    const x = randomTensor([3, 40], 11);
    const b = randomTensor([40], 12, 0.5, 1.5);
    assert.equal(fusedOps(f.getConcreteFunction(x, b).graph).length, 1);
    checkGradients(f, [x, b]);
    const g = tf.function((x: tf.Tensor) => tf.reduceMean(workloadChain(x)));
    checkGradients(g, [randomTensor([100], 13)]);
  }));

test("savedModel: a graph with a fused reduction saves, loads, fuses again and runs natively", (t) =>
  withNative(t, (a) => {
    const f = tf.function((x: tf.Tensor, b: tf.Tensor) => ({
      y: chainA(x, b),
      s: reductions.maxLastKeep(x, b),
    }));
    const x = rnd([20, 30], 14, "float32");
    const b = rnd([30], 15, "float32", 0.5, 2);
    const expected = f(x, b);
    const dir = tmp();
    try {
      tf.savedModel.save(f, dir);
      const g = tf.savedModel.load<typeof f>(dir);
      assert.equal(fusedOps(g.concreteFunctions[0].graph).length, 2, "fused again on load");
      const [r, calls] = countCalls(a, () => g(x, b));
      assert.equal(calls, 2);
      same(r, expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }));

test("under a tape, a trace or an op checker the fused node runs op by op", (t) =>
  withNative(t, (a) => {
    const f = tf.function(workloadChain);
    const x = rnd([1000], 16, "float32");
    f(x);
    const tape = new tf.GradientTape();
    tape.watch(x);
    const [, calls] = countCalls(a, () => tape.record(() => f(x)));
    assert.equal(calls, 0);
    tf.debugging.enableCheckNumerics();
    try {
      const [, c2] = countCalls(a, () => f(x));
      assert.equal(c2, 0);
    } finally {
      tf.debugging.disableCheckNumerics();
    }
  }));

test("bad programs sent to the native entry point throw RangeError or TypeError, never crash", (t) =>
  withNative(t, (a) => {
    const run = a.fusedProgram;
    assert.ok(run !== undefined);
    const U = (n: string) => a.unaryNames.indexOf(n);
    const B = (n: string) => a.binaryNames.indexOf(n);
    const n = 100;
    const x = new Float32Array(n).fill(0.5);
    const y = new Float32Array(n).fill(2);
    const out = new Float32Array(n);
    const lay = new Float64Array([1, n, 1, n]);
    // tanh(x) * y: a good program first.
    const good = [2, 2, 0, 0, U("Tanh"), 0, -1, 1, B("Mul"), 2, 1];
    run.call(a, new Int32Array(good), lay, out, n, 0, x, y);
    const ref = new Float32Array(n);
    a.unary(U("Tanh"), x, ref);
    const expected = Math.fround(ref[0] * 2);
    assert.equal(out[3], expected);
    const bad = (
      code: number[],
      what: string,
      err: typeof RangeError | typeof TypeError = RangeError,
    ) => assert.throws(() => run.call(a, new Int32Array(code), lay, out, n, 0, x, y), err, what);
    bad([2, 2, 0], "short code");
    bad([], "empty code");
    bad([3, 2, 0, ...good.slice(3)], "wrong input count");
    bad([2, 0, 0], "no instructions");
    bad([2, 2, 0, 0, U("Tanh"), 0, -1], "fewer instructions than declared");
    bad([2, 2, 7, ...good.slice(3)], "unknown reduction");
    bad([2, 2, 0, 0, U("Tanh"), 3, -1, 1, B("Mul"), 2, 1], "forward reference");
    bad([2, 2, 0, 0, U("Tanh"), -5, -1, 1, B("Mul"), 2, 1], "negative operand");
    bad([2, 2, 0, 0, U("Tanh"), 0, -1, 1, B("Mul"), 2, 4], "self reference");
    bad([2, 2, 0, 0, 9999, 0, -1, 1, B("Mul"), 2, 1], "unknown unary fn");
    bad([2, 2, 0, 0, -1, 0, -1, 1, B("Mul"), 2, 1], "negative fn");
    bad([2, 2, 0, 0, U("Tanh"), 0, -1, 1, 9999, 2, 1], "unknown binary fn");
    bad([2, 2, 0, 0, U("IsNan"), 0, -1, 1, B("Mul"), 2, 1], "bool-valued unary");
    bad([2, 2, 0, 0, U("Tanh"), 0, -1, 1, B("Less"), 2, 1], "comparison");
    bad([2, 2, 0, 2, U("Tanh"), 0, -1, 1, B("Mul"), 2, 1], "unknown kind");
    bad([2, 2, 0, 0, U("Tanh"), 0, 1, 1, B("Mul"), 2, 1], "unary with a second operand");
    const code = new Int32Array(good);
    const call = (...args: unknown[]) => (run as (...a: unknown[]) => void).apply(a, args);
    assert.throws(() => call(code, lay, out, n + 1, 0, x, y), RangeError, "n vs out");
    assert.throws(
      () => call(code, lay, new Float32Array(n - 1), n, 0, x, y),
      RangeError,
      "out length",
    );
    assert.throws(
      () => call(code, new Float64Array([1, n]), out, n, 0, x, y),
      RangeError,
      "layout length",
    );
    assert.throws(
      () => call(code, new Float64Array([1, n, 1, 50]), out, n, 0, x, y),
      RangeError,
      "per vs length",
    );
    assert.throws(
      () => call(code, new Float64Array([1, n, 3, 1]), out, n, 0, x, new Float32Array(1)),
      RangeError,
      "rep does not tile",
    );
    assert.throws(
      () => call(code, new Float64Array([1, n, 0.5, 1]), out, n, 0, x, new Float32Array(1)),
      RangeError,
      "fractional rep",
    );
    assert.throws(
      () => call(code, new Float32Array(lay), out, n, 0, x, y),
      TypeError,
      "layout dtype",
    );
    assert.throws(
      () => call(new Float32Array(good), lay, out, n, 0, x, y),
      TypeError,
      "code dtype",
    );
    assert.throws(
      () => call(code, lay, out, n, 0, x, new Float64Array(n)),
      TypeError,
      "mixed dtypes",
    );
    assert.throws(() => call(code, lay, out, n, 0, x, new Int32Array(n)), TypeError, "int input");
    assert.throws(() => call(code, lay, out, n, 0, x, [1, 2]), TypeError, "array input");
    assert.throws(() => call(code, lay, out, n, 0, x), RangeError, "missing input");
    assert.throws(() => call(code, lay, out, n), TypeError, "too few arguments");
    assert.throws(() => call(code, lay, out, -1, 0, x, y), RangeError, "negative n");
    assert.throws(() => call(code, lay, out, "100", 0, x, y), TypeError, "n a string");
    assert.throws(() => call(code, lay, x, n, 0, x, y), RangeError, "out is an input");
    assert.throws(
      () => call(code, lay, out.subarray(0, n), n, 0, out, y),
      RangeError,
      "out overlaps",
    );
    // Reductions: out has rows, n = rows * rowLen.
    const sum = new Int32Array([2, 2, 1, ...good.slice(3)]);
    const s = new Float32Array(4);
    assert.throws(() => call(sum, lay, s, n, 30, x, y), RangeError, "rows * rowLen != n");
    assert.throws(() => call(sum, lay, s, n, 0, x, y), RangeError, "rowLen 0 with n > 0");
    call(sum, lay, s, n, 25, x, y);
    assert.ok(Math.abs(s[2] - 25 * Math.tanh(0.5) * 2) < 1e-4, String(s[2]));
    // After all of that the addon still works.
    run.call(a, new Int32Array(good), lay, out, n, 0, x, y);
    assert.equal(out[99], expected);
  }));

test("addon present: fusion-native's program runs with the addon's own op tables", () => {
  // A guard that the tests above ran at all where the addon is built.
  if (addon !== null) assert.equal(typeof addon.fusedProgram, "function");
});

// Ops without an eager native loop that the fused program has instructions of its own for
// (native/fused_program_ops.cc): zeros in the divisors and factors, NaN from 0/0 and inf.
const safeOps = (x: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const fb = tf.floor(b); // zeros and negatives
  const fx = tf.floor(x.mul(2)); // zeros in the numerators
  let y = tf.math.divideNoNan(x, fb).add(tf.math.xdivy(fx, b.sub(0.5)));
  y = y.mul(tf.math.multiplyNoNan(x.div(fb), fb)); // inf * 0 is 0 here
  y = tf.math.rint(y.mul(2.5)).add(tf.math.nextafter(y, fb));
  return y.add(tf.math.xdivy(fx, fx)); // 0/0: 0
};

test("DivNoNan, MulNoNan, Xdivy, Rint and NextAfter fuse natively, bitwise the eager result", (t) =>
  withNative(t, (a) => {
    const names = a.fusedProgramNames?.();
    assert.deepEqual(names, {
      unary: ["Rint"],
      binary: ["Xdivy", "DivNoNan", "MulNoNan", "NextAfter"],
    });
    const f = tf.function(safeOps);
    // Values read more than once (floor(b), floor(2x), y) end trees: several fused nodes, each
    // one native call (an op without an instruction would make its node run op by op).
    const g = f.getConcreteFunction(rnd([7], 1, "float32"), rnd([7], 2, "float32")).graph;
    const fused = fusedOps(g);
    assert.ok(fused.length >= 2);
    for (const op of ["DivNoNan", "Xdivy", "MulNoNan", "Rint", "NextAfter"]) {
      assert.ok(fused.flat().includes(op), `${op} in a fused node`);
    }
    onEachIsa(a, (isa) => {
      for (const dtype of ["float32", "float64"] as const) {
        const cases: [number[], number[]][] = [
          [[1001], [1001]],
          [[37, 29], [29]],
          [
            [29, 37],
            [29, 1],
          ],
          [[3, 5000], [5000]],
          [[300], []],
        ];
        cases.forEach(([xs, bs], c) => {
          const x = rnd(xs, 60 + c, dtype);
          const b = rnd(bs, 80 + c, dtype, -1, 2);
          const what = `${isa} ${dtype} x[${xs.join(",")}] b[${bs.join(",")}]`;
          f(x, b);
          const [r, calls] = countCalls(a, () => f(x, b));
          const e = safeOps(x, b);
          same(r, e, what);
          assert.equal(calls, fused.length, `${what}: one native call per fused node`);
          // The case has zeros to guard against: NoNan results of 0 where the divisor is 0.
          assert.ok(
            (e.dataSync() as Float64Array).some((v) => v === 0),
            `${what}: zeros`,
          );
        });
      }
    });
  }));

// Special functions without an instruction (their JS scalar code calls V8's Math.log / exp):
// the tree runs as native pieces around them, each such op eagerly in between.
const specials = (x: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const p = x.abs().add(0.5); // positive arguments
  let y = tf.math.lgamma(p.mul(b)).add(tf.tanh(x)); // lgamma of a native piece
  y = tf.math
    .digamma(y.abs().add(1))
    .mul(2)
    .sub(tf.math.xlogy(x, b.add(1))); // chained
  y = y.add(tf.math.erfc(x.mul(0.5)));
  return tf.math.lgamma(y.abs().add(2)); // the root itself eager
};

test("trees with Lgamma, Digamma, Xlogy, Erfc fuse natively around them, bitwise the eager result", (t) =>
  withNative(t, (a) => {
    const f = tf.function(specials);
    const sumOf = tf.function((x: tf.Tensor, b: tf.Tensor) => tf.reduceSum(specials(x, b), -1));
    onEachIsa(a, (isa) => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const [xs, bs] of [
          [[1001], [1001]],
          [[37, 29], [29]],
          [
            [3, 5000],
            [3, 1],
          ],
        ] as [number[], number[]][]) {
          const x = rnd(xs, 5, dtype);
          const b = rnd(bs, 6, dtype, 0.5, 2);
          const what = `${isa} ${dtype} x[${xs.join(",")}] b[${bs.join(",")}]`;
          f(x, b);
          const [r, calls] = countCalls(a, () => f(x, b));
          same(r, specials(x, b), what);
          assert.ok(calls >= 1, `${what}: native pieces ran`);
          // A reduction after an eager root: the tree's pieces, then the reduction op.
          closeTo(sumOf(x, b), tf.reduceSum(specials(x, b), -1), 1e-6, `sum ${what}`);
        }
      }
    });
    const fused = fusedOps(
      f.getConcreteFunction(rnd([7], 1, "float32"), rnd([7], 2, "float32")).graph,
    );
    assert.ok(fused.flat().includes("Lgamma") && fused.flat().includes("Digamma"));
  }));
