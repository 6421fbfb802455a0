/** Control flow: tf.cond, tf.switchCase, tf.whileLoop, mapFn/foldl/foldr/scan, eager and traced. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { close, same, tmp } from "./helpers/function.js";

const T = tf.constant(true);
const F = tf.constant(false);
const f64 = (v: number | number[]): tf.Tensor => tf.constant(v, "float64");
const i32 = (v: number): tf.Tensor => tf.constant(v, "int32");

test("cond eager: runs one branch, gradients flow through it", () => {
  let calls = 0;
  const x = new tf.Variable(3.0);
  const tape = new tf.GradientTape({ persistent: true });
  const y = tape.record(() =>
    tf.cond(
      T,
      () => x.pow(2),
      () => {
        calls++;
        return x.mul(5);
      },
    ),
  );
  same(y, tf.constant(9));
  assert.equal(calls, 0, "the false branch never ran");
  same(tape.gradient(y, x), tf.constant(6));
  same(
    tf.cond(
      true,
      () => 1,
      () => 2,
    ),
    1,
  );
});

test("cond traced: one trace replays either branch as the predicate says", () => {
  const body = (x: tf.Tensor, p: tf.Tensor): tf.Tensor =>
    tf.cond(
      p,
      () => x.square(),
      () => x.mul(3).add(1),
    );
  const f = tf.function(body);
  const x = tf.constant([1, 2, 3]);
  same(f(x, T), tf.constant([1, 4, 9]));
  same(f(x, F), tf.constant([4, 7, 10]));
  same(f(x, T), tf.constant([1, 4, 9]));
  assert.equal(f.tracingCount, 1);
  const g = String(f.getConcreteFunction(x, T).graph);
  assert.match(g, /= If\(/);
  assert.match(g, /then/);
  assert.match(g, /else/);
});

test("cond traced: gradients through either branch pass finite differences (float64)", () => {
  const f = tf.function((x: tf.Tensor, w: tf.Tensor, p: tf.Tensor) =>
    tf.cond(
      p,
      () => tf.tanh(x.mul(w)).reduceSum(),
      () => tf.sin(x).mul(w.square()).reduceSum(),
    ),
  );
  const x = randomTensor([4], 1);
  const w = randomTensor([4], 2);
  for (const p of [T, F, T]) {
    checkGradients((a, b) => f(a, b, p), [x, w]);
  }
  assert.equal(f.tracingCount, 1);
  // Under a tape, the traced gradient equals the eager one.
  for (const p of [T, F]) {
    const eager = (a: tf.Tensor): tf.Tensor =>
      tf.cond(
        p,
        () => tf.tanh(a.mul(w)).reduceSum(),
        () => tf.sin(a).mul(w.square()).reduceSum(),
      );
    const t1 = new tf.GradientTape();
    t1.watch(x);
    const y1 = t1.record(() => f(x, w, p));
    const t2 = new tf.GradientTape();
    t2.watch(x);
    const y2 = t2.record(() => eager(x));
    same(y1, y2);
    same(t1.gradient(y1, x), t2.gradient(y2, x));
  }
});

test("cond: branches returning structures, constants and captured tensors", () => {
  const c = tf.constant([10, 20]);
  const f = tf.function((x: tf.Tensor, p: tf.Tensor) =>
    tf.cond(
      p,
      () => ({ a: x, b: [c, 1] }),
      () => ({ a: x.neg(), b: [c.mul(2), 2] }),
    ),
  );
  const x = tf.constant([1, 2]);
  const r1 = f(x, T);
  same(r1.a, x);
  same(r1.b[0], c);
  same(r1.b[1], tf.constant(1));
  const r2 = f(x, F);
  same(r2.a, tf.constant([-1, -2]));
  same(r2.b[0], tf.constant([20, 40]));
  same(r2.b[1], tf.constant(2));
});

test("cond: bad predicates and mismatched branches are clear errors", () => {
  assert.throws(
    () =>
      tf.cond(
        tf.constant(1),
        () => 1,
        () => 2,
      ),
    (e: Error) =>
      e instanceof TypeError &&
      /tf\.cond: pred must be a bool scalar, got dtype float32/.test(e.message),
  );
  assert.throws(
    () =>
      tf.cond(
        tf.constant([true, false]),
        () => 1,
        () => 2,
      ),
    /tf\.cond: pred must be a scalar, got shape \[2\]/,
  );
  const f = tf.function((p: tf.Tensor) =>
    tf.cond(
      p,
      (): unknown => tf.constant(1),
      (): unknown => [tf.constant(1), tf.constant(2)],
    ),
  );
  assert.throws(() => f(T), /tf\.cond: trueFn and falseFn must return the same structure/);
  const g = tf.function((p: tf.Tensor) =>
    tf.cond(
      p,
      () => tf.constant(1),
      () => tf.constant(1, "int32"),
    ),
  );
  assert.throws(() => g(T), /same structure of tensors with the same dtypes/);
  assert.throws(() => tf.cond(T, 3 as never, () => 1), /tf\.cond: trueFn must be a function/);
});

test("cond traced: only the taken branch assigns its variable, on every call", () => {
  const v = new tf.Variable(0);
  const f = tf.function((p: tf.Tensor) =>
    tf.cond(
      p,
      () => {
        v.assignAdd(1);
        return tf.constant(1);
      },
      () => {
        v.assignAdd(10);
        return tf.constant(2);
      },
    ),
  );
  f(T);
  assert.equal(v.numpy(), 1, "the trace ran the true branch once (the false one is undone)");
  f(F);
  assert.equal(v.numpy(), 11);
  f(T);
  assert.equal(v.numpy(), 12);
  // getConcreteFunction traces without effects.
  const g = tf.function((p: tf.Tensor) =>
    tf.cond(
      p,
      () => {
        v.assignAdd(100);
        return tf.constant(1);
      },
      () => tf.constant(2),
    ),
  );
  g.getConcreteFunction(T);
  assert.equal(v.numpy(), 12);
});

test("switchCase: index picks the branch; out of range takes the default or the last", () => {
  const fns = [() => tf.constant(10), () => tf.constant(20), () => tf.constant(30)];
  same(tf.switchCase(1, fns), tf.constant(20));
  same(tf.switchCase(i32(7), fns), tf.constant(30));
  same(
    tf.switchCase(i32(-1), fns, () => tf.constant(-1)),
    tf.constant(-1),
  );
  const f = tf.function((i: tf.Tensor, x: tf.Tensor) =>
    tf.switchCase(i, [() => x.add(1), () => x.mul(2), () => x.square()], () => x.neg()),
  );
  const x = f64([1.5, -2]);
  same(f(i32(0), x), f64([2.5, -1]));
  same(f(i32(1), x), f64([3, -4]));
  same(f(i32(2), x), f64([2.25, 4]));
  same(f(i32(5), x), f64([-1.5, 2]));
  assert.equal(f.tracingCount, 1);
  assert.match(String(f.getConcreteFunction(i32(0), x).graph), /= Case\(/);
  for (const i of [0, 1, 2, 3]) checkGradients((a) => f(i32(i), a), [randomTensor([3], 5 + i)]);
  assert.throws(() => tf.switchCase(tf.constant(1.5), fns), /branchIndex must be a int32 scalar/);
  assert.throws(() => tf.switchCase(i32(0), []), /branchFns must be a non-empty array/);
});

test("whileLoop eager: sums, counts, maximumIterations, single-tensor loop vars", () => {
  const [i, s] = tf.whileLoop(
    (i) => tf.less(i, 5),
    (i, s) => [i.add(1), s.add(i)],
    [i32(0), i32(0)],
  );
  same(i, i32(5));
  same(s, i32(10));
  const capped = tf.whileLoop(
    (x) => tf.less(x, 100),
    (x) => x.mul(2),
    tf.constant(1),
    { maximumIterations: 3 },
  );
  same(capped, tf.constant(8));
  const none = tf.whileLoop(
    () => false,
    (x) => x.add(1),
    tf.constant(7),
  );
  same(none, tf.constant(7));
  assert.throws(
    () =>
      tf.whileLoop(
        (x) => tf.less(x, 3),
        (x) => tf.cast(x, "int32"),
        [tf.constant(0)],
      ),
    /tf\.whileLoop: loop variable 0 enters the loop as float32 and comes out of body as int32/,
  );
  assert.throws(
    () =>
      tf.whileLoop(
        (x) => x,
        (x) => x,
        [tf.constant(0)],
      ),
    /cond must return a scalar bool tensor, got dtype float32/,
  );
});

test("whileLoop traced: one graph runs as many iterations as each call needs", () => {
  // x^n by repeated multiplication; n is a tensor input, so the count varies per call.
  const power = tf.function((x: tf.Tensor, n: tf.Tensor) => {
    const [, , y] = tf.whileLoop(
      (i) => tf.less(i, n),
      (i, xx, acc) => [i.add(1), xx, acc.mul(xx)],
      [i32(0), x, tf.onesLike(x)],
    );
    return y;
  });
  const x = f64([1.5, -0.5, 2]);
  for (const n of [3, 0, 5, 1]) {
    same(power(x, i32(n)), tf.pow(x, n), `n = ${n}`);
  }
  assert.equal(power.tracingCount, 1);
  assert.match(String(power.getConcreteFunction(x, i32(2)).graph), /= While\(/);
  // d/dx x^n = n x^(n-1), through the iterations that ran.
  for (const n of [4, 2]) {
    checkGradients((a) => power(a, i32(n)), [randomTensor([3], n)]);
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => power(x, i32(n)).reduceSum());
    close(tape.gradient(y, x), tf.pow(x, n - 1).mul(n));
  }
});

test("whileLoop traced: loop-carried recurrence and maximumIterations, gradients by finite differences", () => {
  const f = tf.function((h0: tf.Tensor, w: tf.Tensor, steps: tf.Tensor) => {
    const [, h] = tf.whileLoop(
      (i) => tf.less(i, steps),
      (i, h) => [i.add(1), tf.tanh(tf.matmul(h, w))],
      [i32(0), h0],
      { maximumIterations: 6 },
    );
    return h;
  });
  const h0 = randomTensor([2, 3], 11);
  const w = randomTensor([3, 3], 12);
  const eager = (h: tf.Tensor, k: number): tf.Tensor => {
    let r = h;
    for (let i = 0; i < k; i++) r = tf.tanh(tf.matmul(r, w));
    return r;
  };
  for (const k of [3, 1, 9]) {
    close(f(h0, w, i32(k)), eager(h0, Math.min(k, 6)), `steps ${k}`);
    checkGradients((a, b) => f(a, b, i32(k)), [h0, w]);
  }
  assert.equal(f.tracingCount, 1);
});

test("nested control flow: cond inside a traced loop body", () => {
  // Collatz steps: the number of iterations depends on the data.
  const collatz = tf.function((n: tf.Tensor) => {
    const [, steps] = tf.whileLoop(
      (x) => tf.greater(x, 1),
      (x, s) => [
        tf.cond(
          tf.equal(tf.mod(x, 2), 0),
          () => tf.floorDiv(x, 2),
          () => x.mul(3).add(1),
        ),
        s.add(1),
      ],
      [n, i32(0)],
    );
    return steps;
  });
  same(collatz(i32(6)), i32(8));
  same(collatz(i32(27)), i32(111));
  same(collatz(i32(1)), i32(0));
  assert.equal(collatz.tracingCount, 1);
});

test("a tf.function with control flow called inside another keeps its nodes", () => {
  const inner = tf.function((x: tf.Tensor, p: tf.Tensor) =>
    tf.cond(
      p,
      () => x.add(1),
      () => x.sub(1),
    ),
  );
  const outer = tf.function((x: tf.Tensor, p: tf.Tensor) => inner(x, p).mul(2));
  const x = tf.constant([1, 2]);
  inner(x, T); // inner traced first, so outer replays its graph while tracing
  same(outer(x, T), tf.constant([4, 6]));
  same(outer(x, F), tf.constant([0, 2]));
  assert.equal(outer.tracingCount, 1);
  assert.match(String(outer.getConcreteFunction(x, T).graph), /= If\(/);
});

test("mapFn, foldl, foldr, scan: eager and traced values", () => {
  const x = tf.constant([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const run = <R>(fn: () => R): [R, R] => [fn(), tf.function(fn)()];
  for (const r of run(() => tf.mapFn((row: tf.Tensor) => row.reduceSum(), x))) {
    same(r, tf.constant([3, 7, 11]));
  }
  for (const r of run(() =>
    tf.mapFn((rows: tf.Tensor[]) => [rows[0].mul(rows[1]), rows[1]], [x, x.add(1)]),
  )) {
    const [a, b] = r as tf.Tensor[];
    same(
      a,
      tf.constant([
        [2, 6],
        [12, 20],
        [30, 42],
      ]),
    );
    same(b, x.add(1));
  }
  const v = tf.constant([1, 2, 3, 4]);
  for (const r of run(() => tf.foldl((a: tf.Tensor, e: tf.Tensor) => a.mul(10).add(e), v))) {
    same(r, tf.constant(1234));
  }
  for (const r of run(() => tf.foldr((a: tf.Tensor, e: tf.Tensor) => a.mul(10).add(e), v))) {
    same(r, tf.constant(4321));
  }
  for (const r of run(() =>
    tf.foldl((a: tf.Tensor, e: tf.Tensor) => a.sub(e), v, tf.constant(100)),
  )) {
    same(r, tf.constant(90));
  }
  for (const r of run(() => tf.scan((a: tf.Tensor, e: tf.Tensor) => a.add(e), v))) {
    same(r, tf.constant([1, 3, 6, 10]));
  }
  for (const r of run(() =>
    tf.scan((a: tf.Tensor, e: tf.Tensor) => a.add(e), v, tf.constant(10)),
  )) {
    same(r, tf.constant([11, 13, 16, 20]));
  }
  for (const r of run(() =>
    tf.scan((a: tf.Tensor, e: tf.Tensor) => a.add(e), v, null, { reverse: true }),
  )) {
    same(r, tf.constant([10, 9, 7, 4]));
  }
  // A pair accumulator: Fibonacci.
  for (const r of run(() =>
    tf.scan((a: tf.Tensor[]) => [a[1], a[0].add(a[1])], tf.zeros([6]), [
      tf.constant(0),
      tf.constant(1),
    ]),
  )) {
    same((r as tf.Tensor[])[0], tf.constant([1, 1, 2, 3, 5, 8]));
  }
  assert.throws(
    () => tf.mapFn((e: tf.Tensor) => e, tf.zeros([0, 2])),
    /tf\.mapFn: elems has no elements/,
  );
  assert.throws(
    () => tf.foldl((a: tf.Tensor) => a, tf.constant(1)),
    /tf\.foldl: elems must have a first axis/,
  );
  assert.throws(
    () =>
      tf.foldl(((a: tf.Tensor[]) => a[0]) as never, tf.constant([1, 2]), [
        tf.constant(0),
        tf.constant(1),
      ]),
    /tf\.foldl: fn must return an array of 2 tensors/,
  );
});

test("mapFn and scan: one While node however many elements; gradients pass finite differences", () => {
  const f = tf.function((x: tf.Tensor, w: tf.Tensor) =>
    tf.mapFn((row: tf.Tensor) => tf.tanh(tf.linalg.matvec(w, row)).reduceSum(), x),
  );
  const w = randomTensor([3, 3], 21);
  const x = randomTensor([5, 3], 22);
  const g = String(f.getConcreteFunction(x, w).graph);
  assert.equal(g.match(/MatMul|MatVec|BatchMatMul/g)?.length, 1, g);
  checkGradients(f, [x, w]);
  const s = tf.function((x: tf.Tensor) =>
    tf.scan((a: tf.Tensor, e: tf.Tensor) => a.mul(e).add(tf.sin(e)), x, null, { reverse: true }),
  );
  checkGradients(s, [randomTensor([6, 2], 23)]);
  const fr = tf.function((x: tf.Tensor) =>
    tf.foldr((a: tf.Tensor, e: tf.Tensor) => a.mul(e).add(1), x),
  );
  checkGradients(fr, [randomTensor([5], 24)]);
});

test("savedModel: cond, switchCase and whileLoop graphs save, load and replay", () => {
  const f = tf.function(
    (x: tf.Tensor, p: tf.Tensor, n: tf.Tensor) => {
      const y = tf.cond(
        p,
        () => x.square(),
        () => x.neg(),
      );
      const [, z] = tf.whileLoop(
        (i) => tf.less(i, n),
        (i, z) => [i.add(1), z.mul(2)],
        [i32(0), y],
      );
      const m = tf.mapFn((e: tf.Tensor) => e.add(1), z);
      return tf.switchCase(tf.cast(n, "int32"), [() => m, () => m.mul(10)]);
    },
    {
      inputSignature: [
        new tf.TensorSpec([3], "float32"),
        new tf.TensorSpec([], "bool"),
        new tf.TensorSpec([], "int32"),
      ],
    },
  );
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    const g = tf.savedModel.load<typeof f>(dir);
    const x = tf.constant([1, -2, 3]);
    for (const [p, n] of [
      [T, 0],
      [F, 1],
      [T, 3],
    ] as const) {
      same(g(x, p, i32(n)), f(x, p, i32(n)), `p=${String(p.numpy())} n=${n}`);
    }
    same(g(x, F, i32(1)), tf.constant([-1, 5, -5]).mul(10));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("JS `if` on a tensor value in tf.function is fixed at trace time and the warning names tf.cond", () => {
  const f = tf.function((x: tf.Tensor) => ((x.reduceSum().numpy() as number) > 0 ? x : x.neg()));
  const { messages } = tf.logging.capture(() => f(tf.constant([1, 2])));
  assert.equal(messages.length, 1);
  assert.match(messages[0], /Use tf\.cond, tf\.switchCase or tf\.whileLoop/);
  same(f(tf.constant([-1, -2])), tf.constant([-1, -2]), "the JS branch stays the traced one");
  const g = tf.function((x: tf.Tensor) =>
    tf.cond(
      tf.greater(x.reduceSum(), 0),
      () => x,
      () => x.neg(),
    ),
  );
  const quiet = tf.logging.capture(() => g(tf.constant([1, 2])));
  assert.equal(quiet.messages.length, 0);
  same(g(tf.constant([-1, -2])), tf.constant([1, 2]), "tf.cond decides on each call");
});
