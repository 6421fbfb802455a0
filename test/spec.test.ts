/**
 * SPEC.md, sentence by sentence, as a TensorFlow user porting code reads it: naming, tensors,
 * variables and errors (the tape, modules, Keras and tf.function are in spec-tape.test.ts).
 * Each test names the SPEC section it checks; TensorFlow's own behaviour is the reference
 * where SPEC says "as in TensorFlow" or is silent.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as tf from "../src/index.js";
import { num } from "./helpers/tolerance.js";

const str = (t: tf.Tensor | null): string => String(t);

/** Asserts that `run` throws an instance of `cls` whose message matches every pattern. */
function throwsWith(run: () => unknown, cls: new (...a: never[]) => Error, ...res: RegExp[]) {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    for (const re of res) assert.match(e.message, re);
    return true;
  });
}

describe("SPEC: Naming, TensorFlow's names in TypeScript's case", () => {
  test("camelCase names in TensorFlow's namespaces", () => {
    for (const f of [
      tf.reduceMean,
      tf.nn.softplus,
      tf.math.sin,
      tf.random.normal,
      tf.math.reduceSum,
      tf.math.mod,
      tf.nn.sparseSoftmaxCrossEntropyWithLogits,
      tf.linalg.trace,
    ]) {
      assert.equal(typeof f, "function");
    }
    assert.equal(typeof tf.keras.layers.Dense, "function");
    const tape = new tf.GradientTape({ persistent: true, watchAccessedVariables: false });
    assert.equal(tape.persistent, true);
    assert.equal(tape.watchAccessedVariables, false);
    assert.deepEqual(tape.watchedVariables(), []);
    // dtypes as values, as tf.float32 is
    assert.deepEqual(
      [tf.float32, tf.float64, tf.int32, tf.bool, tf.string],
      ["float32", "float64", "int32", "bool", "string"],
    );
  });

  test("Python's None is null: gradients of unconnected sources, range's limit", () => {
    const x = new tf.Variable(1.0);
    const z = new tf.Variable(1.0);
    const tape = new tf.GradientTape();
    const y = tape.record(() => x.mul(2));
    assert.strictEqual(tape.gradient(y, z), null);
    assert.deepEqual(tf.range(3, null).numpy(), [0, 1, 2]);
    assert.deepEqual(tf.matmul([[1, 2]], [[3], [4]], null).numpy(), [[11]]);
  });

  test("positional parameters in TensorFlow's order", () => {
    const x = tf.constant([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(tf.reduceSum(x, 1, true).numpy(), [[3], [7]]);
    assert.deepEqual(tf.reduceSum(x, -1).numpy(), [3, 7]);
    assert.deepEqual(tf.cumsum(x, 1).numpy(), [
      [1, 3],
      [3, 7],
    ]);
    // cumsum(x, axis, exclusive, reverse)
    assert.deepEqual(tf.cumsum([1, 2, 3], 0, true, true).numpy(), [5, 3, 0]);
    assert.deepEqual(tf.concat([x, x], 1).shape, [2, 4]);
    assert.deepEqual(tf.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(tf.range(1, 7, 2).numpy(), [1, 3, 5]);
    assert.equal(tf.constant([1, 2], "int32").dtype, "int32");
    // conv2d(input, filters, strides, padding): a 3x3 ones image, 2x2 ones filter, VALID
    const img = tf.ones([1, 3, 3, 1]);
    assert.deepEqual(tf.nn.conv2d(img, tf.ones([2, 2, 1, 1]), 1, "VALID").numpy(), [
      [
        [[4], [4]],
        [[4], [4]],
      ],
    ]);
    assert.deepEqual(tf.nn.conv2d(img, tf.ones([2, 2, 1, 1]), 2, "SAME").shape, [1, 2, 2, 1]);
    // maxPool2d(input, ksize, strides, padding)
    const ramp = tf.reshape(tf.range(16), [1, 4, 4, 1]);
    assert.deepEqual(
      tf.reshape(tf.nn.maxPool2d(ramp, 2, 2, "VALID"), [-1]).numpy(),
      [5, 7, 13, 15],
    );
    // sparseSoftmaxCrossEntropyWithLogits(labels, logits): -log softmax(logits)[label]
    const loss = tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([1], "int32"), [[0, 0]]);
    assert.ok(Math.abs((loss.numpy() as number[])[0] - Math.log(2)) < 1e-6);
    // einsum(equation, ...inputs)
    assert.deepEqual(tf.einsum("ij,jk->ik", [[1, 2]], [[3], [4]]).numpy(), [[11]]);
    assert.deepEqual(tf.einsum("i,i->", [1, 2], [3, 4]).numpy(), 11);
  });

  test("keyword flags go in one trailing options object", () => {
    const a = tf.constant([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(tf.matmul(a, a, { transposeA: true }).numpy(), [
      [10, 14],
      [14, 20],
    ]);
    assert.deepEqual(tf.matmul(a, a, { transposeB: true }).numpy(), [
      [5, 11],
      [11, 25],
    ]);
    // As in TensorFlow's eager mode, an op seed alone does not repeat: each call draws afresh;
    // the global seed, set again, replays the sequence.
    tf.random.setSeed(3);
    const r1 = tf.random.normal([1000], { mean: 5, stddev: 0.5, seed: 7 });
    const again = tf.random.normal([1000], { mean: 5, stddev: 0.5, seed: 7 });
    assert.notDeepEqual(r1.numpy(), again.numpy());
    tf.random.setSeed(3);
    assert.deepEqual(
      tf.random.normal([1000], { mean: 5, stddev: 0.5, seed: 7 }).numpy(),
      r1.numpy(),
    );
    assert.ok(Math.abs(num(tf.reduceMean(r1)) - 5) < 0.1);
    assert.ok(Math.abs(num(tf.reduceStd(r1)) - 0.5) < 0.1);
    const u = tf.random.uniform([500], { minval: 2, maxval: 3, seed: 1 });
    assert.ok(num(tf.reduceMin(u)) >= 2 && num(tf.reduceMax(u)) < 3);
    const x = new tf.Variable(1.0);
    const tape = new tf.GradientTape({ persistent: true });
    const y = tape.record(() => tf.constant(2.0));
    assert.equal(str(tape.gradient(y, x, { unconnectedGradients: "zero" })), str(tf.zeros([])));
    assert.equal(tape.persistent, true);
  });

  test("no operator overloading: x**2 is tf.pow(x, 2) or x.pow(2); x @ w + b is matmul().add()", () => {
    const x = tf.constant([[1, 2]]);
    assert.deepEqual(x.pow(2).numpy(), tf.pow(x, 2).numpy());
    assert.deepEqual(x.pow(2).numpy(), [[1, 4]]);
    const w = tf.constant([[1], [1]]);
    assert.deepEqual(tf.matmul(x, w).add(0.5).numpy(), [[3.5]]);
  });

  test("every elementwise and reduction op is also a Tensor method", () => {
    const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
    // Segment ops (like unsortedSegmentSum), and functions whose first argument is not the
    // tensor (a list, labels or targets), are functions only.
    const notMethods = new Set([
      "where",
      "unsortedSegmentSum",
      "unsortedSegmentMax",
      "unsortedSegmentMin",
      "unsortedSegmentProd",
      "unsortedSegmentMean",
      "unsortedSegmentSqrtN",
      "segmentSum",
      "segmentMean",
      "segmentMax",
      "segmentMin",
      "segmentProd",
      "addN",
      "accumulateN",
      "polyval",
      "confusionMatrix",
      "inTopK",
    ]);
    const missing = Object.keys(tf.math).filter(
      (name) => !notMethods.has(name) && typeof proto[name] !== "function",
    );
    assert.deepEqual(missing, []);
    for (const name of ["relu", "cast", "clipByValue", "reduceLogsumexp", "argmax", "cumprod"])
      assert.equal(typeof proto[name], "function", name);
    const x = tf.constant([1, -2, 3]);
    assert.deepEqual(x.abs().reduceSum().numpy(), 6);
    assert.deepEqual(tf.constant([1, -3, 4]).floorMod(2).numpy(), [1, 1, 0]);
    assert.deepEqual(x.maximum(0).numpy(), [1, 0, 3]);
  });

  test("ops take a Tensor, a Variable, a number, a boolean or nested arrays of them", () => {
    const v = new tf.Variable([1, 2]);
    assert.deepEqual(tf.add(v, 1).numpy(), [2, 3]);
    assert.deepEqual(tf.add(1, v).numpy(), [2, 3]);
    assert.deepEqual(tf.add([[1], [2]], [10, 20]).numpy(), [
      [11, 21],
      [12, 22],
    ]);
    assert.deepEqual(tf.logicalAnd(true, [true, false]).numpy(), [true, false]);
    assert.deepEqual(tf.where([true, false], v, [9, 9]).numpy(), [1, 9]);
    assert.deepEqual(tf.matmul([[1, 2]], tf.reshape(v, [2, 1])).numpy(), [[5]]);
    // Nested arrays of tensors and variables are packed (TensorFlow's autopacking)...
    const s = tf.constant(3.0);
    assert.deepEqual(tf.reduceSum([v, [s, 4]]).numpy(), 10);
    assert.deepEqual(
      tf
        .stack([
          [s, s],
          [s, 1],
        ])
        .numpy(),
      [
        [3, 3],
        [3, 1],
      ],
    );
    // ...so that gradients flow through them, as tf.reduce_sum([x, y]) does in TensorFlow.
    const a = new tf.Variable(1.0);
    const b = new tf.Variable(2.0);
    const tape = new tf.GradientTape();
    const y = tape.record(() => tf.reduceSum(tf.multiply([a, b, 1], [[a], [b], [a]])));
    // y = sum of the outer products = (a + b + 1)(a + b + a) = (a + b + 1)(2a + b)
    const [da, db] = tape.gradient(y, [a, b]);
    const [av, bv] = [num(a), num(b)];
    assert.equal(num(da), 2 * av + bv + 2 * (av + bv + 1));
    assert.equal(num(db), 2 * av + bv + (av + bv + 1));
    // JS values beside the tensors take the first tensor's dtype.
    assert.equal(tf.add([tf.constant(1, "int32"), 2], 1).dtype, "int32");
    throwsWith(
      () => tf.add([tf.constant(1, "int32"), 2], tf.constant(1.0)),
      tf.errors.InvalidArgumentError,
      /float32/,
      /int32/,
    );
  });
});

describe("SPEC: Tensors", () => {
  test("creation: constant, zeros, ones, zerosLike, onesLike, fill, linspace, range, eye", () => {
    assert.equal(str(tf.zeros([2])), "tf.Tensor([0. 0.], shape=(2,), dtype=float32)");
    assert.equal(str(tf.ones([2], "int32")), "tf.Tensor([1 1], shape=(2,), dtype=int32)");
    assert.equal(
      str(tf.zerosLike(tf.constant([true]))),
      "tf.Tensor([False], shape=(1,), dtype=bool)",
    );
    assert.deepEqual(tf.onesLike([[1, 2]]).numpy(), [[1, 1]]);
    assert.equal(str(tf.fill([2], 7)), "tf.Tensor([7. 7.], shape=(2,), dtype=float32)");
    assert.equal(tf.fill([2], 7, "int32").dtype, "int32");
    assert.deepEqual(tf.eye(2, 3).numpy(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    assert.deepEqual(tf.constant(3, "float32", [2, 2]).numpy(), [
      [3, 3],
      [3, 3],
    ]);
  });

  test("tf.random.setSeed(n): the same seed gives the same numbers", () => {
    tf.random.setSeed(42);
    const a = tf.random.normal([4]).numpy();
    const b = tf.random.uniform([3]).numpy();
    tf.random.setSeed(42);
    assert.deepEqual(tf.random.normal([4]).numpy(), a);
    assert.deepEqual(tf.random.uniform([3]).numpy(), b);
    tf.random.setSeed(43);
    assert.notDeepEqual(tf.random.normal([4]).numpy(), a);
  });

  test("dtypes: float32 by default; typed arrays keep their own dtype", () => {
    assert.equal(tf.constant(1).dtype, "float32");
    assert.equal(tf.constant([1.5, 2]).dtype, "float32");
    assert.equal(tf.constant(1, "float64").dtype, "float64");
    assert.equal(tf.constant(true).dtype, "bool");
    assert.equal(tf.constant("a").dtype, "string");
    assert.equal(tf.constant(new Int32Array([1, 2])).dtype, "int32");
    assert.equal(tf.constant(new Float64Array([1, 2])).dtype, "float64");
    assert.equal(tf.constant(new Float32Array([1, 2])).dtype, "float32");
    assert.equal(tf.constant(new Uint8Array([1, 0])).dtype, "bool");
  });

  test("a Tensor: shape, dtype, rank, size, numpy(), dataSync() (a copy)", () => {
    const t = tf.constant([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, "float32");
    assert.equal(t.rank, 2);
    assert.equal(t.size, 6);
    assert.deepEqual(t.numpy(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.strictEqual(tf.constant(2.5).numpy(), 2.5);
    assert.strictEqual(tf.constant(true).numpy(), true);
    assert.strictEqual(tf.constant("hi").numpy(), "hi");
    assert.deepEqual(tf.constant([true, false]).numpy(), [true, false]);
    const copy = t.dataSync();
    assert.ok(copy instanceof Float32Array);
    copy[0] = 100;
    assert.deepEqual(t.numpy(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  test("a Tensor is immutable: ops return new tensors and never touch their inputs", () => {
    const t = tf.constant([1, 2]);
    const before = t.numpy();
    const u = t.add(1);
    assert.notStrictEqual(u, t);
    tf.reshape(t, [2, 1]);
    assert.deepEqual(t.numpy(), before);
    assert.deepEqual(t.shape, [2]);
  });

  test("toString() and console.log show TensorFlow's form, with NumPy's numbers", () => {
    assert.equal(str(tf.constant(6)), "tf.Tensor(6.0, shape=(), dtype=float32)");
    assert.equal(inspect(tf.constant(6)), "tf.Tensor(6.0, shape=(), dtype=float32)");
    assert.equal(str(tf.zeros([2])), "tf.Tensor([0. 0.], shape=(2,), dtype=float32)");
    assert.equal(str(tf.constant([4, 108])), "tf.Tensor([  4. 108.], shape=(2,), dtype=float32)");
    assert.equal(str(tf.sigmoid(10)), "tf.Tensor(0.9999546, shape=(), dtype=float32)");
    assert.equal(
      str(
        tf.constant([
          [1, 2],
          [3, 4],
        ]),
      ),
      "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)",
    );
    assert.equal(
      str(tf.constant([0.1, 0.25])),
      "tf.Tensor([0.1  0.25], shape=(2,), dtype=float32)",
    );
    assert.equal(
      str(tf.constant([1, -22], "int32")),
      "tf.Tensor([  1 -22], shape=(2,), dtype=int32)",
    );
    assert.equal(
      str(tf.constant(1 / 3, "float64")),
      "tf.Tensor(0.3333333333333333, shape=(), dtype=float64)",
    );
    assert.equal(
      str(tf.constant([true, false])),
      "tf.Tensor([ True False], shape=(2,), dtype=bool)",
    );
    assert.equal(
      str(tf.constant(["a", "bc"])),
      "tf.Tensor([b'a' b'bc'], shape=(2,), dtype=string)",
    );
    assert.equal(
      str(tf.constant([NaN, Infinity, 1])),
      "tf.Tensor([nan inf  1.], shape=(3,), dtype=float32)",
    );
    assert.equal(
      str(tf.constant([1e-5, 1e5])),
      "tf.Tensor([1.e-05 1.e+05], shape=(2,), dtype=float32)",
    );
    assert.equal(str(tf.zeros([2, 0])), "tf.Tensor([], shape=(2, 0), dtype=float32)");
    assert.match(
      str(tf.range(1001)),
      /^tf\.Tensor\(\[ {3}0\. {4}1\. .*\.\.\. .* 1000\.\], shape=\(1001,\)/,
    );
  });

  test("broadcasting follows NumPy's rules everywhere", () => {
    assert.deepEqual(tf.add(tf.ones([2, 1, 3]), tf.ones([4, 1])).shape, [2, 4, 3]);
    assert.deepEqual(tf.multiply(tf.ones([3]), 2).shape, [3]);
    assert.deepEqual(tf.maximum(tf.zeros([2, 1]), [[1, -1, 2]]).numpy(), [
      [1, 0, 2],
      [1, 0, 2],
    ]);
    // where broadcasts its three arguments together (TensorFlow 2's where_v2)
    assert.deepEqual(
      tf
        .where(
          [true, false],
          [
            [1, 2],
            [3, 4],
          ],
          0,
        )
        .numpy(),
      [
        [1, 0],
        [3, 0],
      ],
    );
    assert.deepEqual(tf.where([[true], [false]], [1, 2], [7, 8]).numpy(), [
      [1, 2],
      [7, 8],
    ]);
    assert.deepEqual(tf.matmul(tf.ones([5, 2, 3]), tf.ones([3, 4])).shape, [5, 2, 4]);
    assert.deepEqual(tf.matmul(tf.ones([1, 2, 3]), tf.ones([6, 3, 4])).shape, [6, 2, 4]);
  });

  test("dtype rules: a JS value takes the tensor's dtype; two dtypes are an error; no promotion", () => {
    const i = tf.constant([1, 2], "int32");
    assert.equal(tf.add(i, 1).dtype, "int32");
    assert.equal(tf.add(tf.constant([1, 2], "float64"), 0.5).dtype, "float64");
    assert.equal(tf.multiply(2, tf.constant(1, "float64")).dtype, "float64");
    throwsWith(
      () => tf.add(i, tf.constant([1, 2])),
      tf.errors.InvalidArgumentError,
      /int32/,
      /float32/,
    );
    throwsWith(() => tf.add(i, 1.5), TypeError, /1\.5/, /int32/);
    // creation ops from JS numbers make float32 unless told otherwise
    for (const t of [tf.constant(1), tf.range(3), tf.fill([1], 2), tf.linspace(0, 1, 2), tf.eye(1)])
      assert.equal(t.dtype, "float32");
    assert.equal(tf.range(3, null, 1, "int32").dtype, "int32");
  });
});

describe("SPEC: Variables", () => {
  test("name reads 'x0:0'; unnamed ones are 'Variable:0'; trainable defaults to true", () => {
    const x0 = new tf.Variable(3.0, { name: "x0" });
    assert.equal(x0.name, "x0:0");
    assert.equal(new tf.Variable(1).name, "Variable:0");
    assert.equal(x0.trainable, true);
    assert.equal(new tf.Variable(1, { trainable: false }).trainable, false);
    const d = new tf.Variable(1, { dtype: "float64" });
    assert.equal(d.dtype, "float64");
    assert.equal(new tf.Variable([1, 2], { dtype: "int32" }).dtype, "int32");
    assert.equal(new tf.Variable(tf.constant([1, 2], "int32")).dtype, "int32");
  });

  test("assign, assignAdd, assignSub change it in place and return it", () => {
    const v = new tf.Variable([1, 2]);
    assert.strictEqual(v.assign([5, 6]), v);
    assert.deepEqual(v.numpy(), [5, 6]);
    assert.strictEqual(v.assignAdd([1, 1]), v);
    assert.deepEqual(v.numpy(), [6, 7]);
    assert.strictEqual(v.assignSub(tf.constant([6, 6])), v);
    assert.deepEqual(v.numpy(), [0, 1]);
    // An earlier read keeps its value (state is replaced, never written).
    const read = v.mul(1);
    v.assign([9, 9]);
    assert.deepEqual(read.numpy(), [0, 1]);
    throwsWith(
      () => v.assign([1, 2, 3]),
      tf.errors.InvalidArgumentError,
      /assign/,
      /\[2\]/,
      /\[3\]/,
    );
    throwsWith(
      () => v.assign(tf.constant([1, 2], "int32")),
      tf.errors.InvalidArgumentError,
      /int32/,
    );
  });

  test("assignments are not differentiated through (state stops gradients)", () => {
    const x0 = new tf.Variable(3.0);
    const x1 = new tf.Variable(0.0);
    const tape = new tf.GradientTape();
    const y = tape.record(() => {
      x1.assignAdd(x0);
      return x1.pow(2);
    });
    assert.equal(tape.gradient(y, x0), null);
    const t2 = new tf.GradientTape();
    const z = t2.record(() => {
      x1.assign(x0.mul(2));
      return x1.mul(1);
    });
    assert.equal(t2.gradient(z, x0), null);
  });

  test("a Variable goes wherever a Tensor goes; arithmetic on it gives a plain Tensor", () => {
    const v = new tf.Variable(2);
    assert.ok(v instanceof tf.Tensor);
    const r = v.add(1);
    assert.ok(!(r instanceof tf.Variable));
    assert.equal(str(r), "tf.Tensor(3.0, shape=(), dtype=float32)");
    assert.ok(!(tf.exp(v) instanceof tf.Variable));
    assert.ok(!(tf.reshape(v, [1]) instanceof tf.Variable));
    assert.deepEqual(v.shape, []);
    assert.equal(v.rank, 0);
  });

  test("console.log(v) shows <tf.Variable 'x0:0' shape=() dtype=float32, numpy=3.0>", () => {
    const v = new tf.Variable(3.0, { name: "x0" });
    assert.equal(inspect(v), "<tf.Variable 'x0:0' shape=() dtype=float32, numpy=3.0>");
    assert.equal(
      String(new tf.Variable([1, 2], { name: "v" })),
      "<tf.Variable 'v:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>",
    );
    assert.equal(
      String(new tf.Variable([1, 2], { name: "n", dtype: "int32" })),
      "<tf.Variable 'n:0' shape=(2,) dtype=int32, numpy=array([1, 2], dtype=int32)>",
    );
  });
});

describe("SPEC: Errors", () => {
  test("shape, dtype and axis errors name the op, the shapes and the dtypes", () => {
    throwsWith(
      () => tf.add(tf.ones([2, 3]), tf.ones([3, 2])),
      tf.errors.InvalidArgumentError,
      /Add/,
      /\[2,3\] vs\. \[3,2\]/,
      /float32/,
    );
    throwsWith(
      () => tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])),
      tf.errors.InvalidArgumentError,
      /MatMul/,
      /\[2,3\]/,
      /float32/,
    );
    throwsWith(
      () => tf.reduceSum(tf.ones([2]), 3),
      tf.errors.InvalidArgumentError,
      /Sum/,
      /\[2\] float32/,
    );
    throwsWith(
      () => tf.cumsum(tf.ones([2]), 2),
      tf.errors.InvalidArgumentError,
      /Cumsum/,
      /\[2\] float32/,
    );
    throwsWith(
      () => tf.concat([tf.ones([2]), tf.ones([2])], 3),
      tf.errors.InvalidArgumentError,
      /ConcatV2/,
      /\[2\] float32/,
    );
    throwsWith(() => tf.exp(tf.constant([1], "int32")), TypeError, /Exp/, /int32/, /\[1\]/);
    throwsWith(
      () => tf.reshape(tf.ones([2, 3]), [4]),
      tf.errors.InvalidArgumentError,
      /Reshape/,
      /\[2,3\]/,
      /\[4\]/,
    );
    throwsWith(
      () => tf.where([true, false, true], tf.ones([2]), 0),
      tf.errors.InvalidArgumentError,
      /SelectV2/,
      /\[3\] vs\. \[2\]/,
      /float32/,
    );
    throwsWith(() => tf.linspace(0, 1, 2.5), RangeError, /linspace/);
  });

  test("a failed op neither crashes nor corrupts its inputs", () => {
    const a = tf.constant([1, 2, 3]);
    const v = new tf.Variable([1, 2]);
    assert.throws(() => tf.add(a, tf.ones([2])));
    assert.throws(() => v.assign([1, 2, 3]));
    assert.throws(() => v.assignAdd(tf.ones([3])));
    assert.deepEqual(a.numpy(), [1, 2, 3]);
    assert.deepEqual(v.numpy(), [1, 2]);
  });

  test("error classes are TensorFlow's: tf.errors.InvalidArgumentError, LookupError", () => {
    const e = new tf.errors.InvalidArgumentError("x");
    assert.ok(e instanceof Error);
    assert.equal(e.name, "InvalidArgumentError");
    assert.equal(new tf.errors.LookupError("y").name, "LookupError");
  });
});

describe("TensorFlow's semantics at the edges", () => {
  test("tf.range: Python's range, but a delta pointing away from the limit is an error", () => {
    assert.deepEqual(tf.range(5).numpy(), [0, 1, 2, 3, 4]);
    assert.deepEqual(tf.range(5, 0, -2).numpy(), [5, 3, 1]);
    assert.deepEqual(tf.range(2, 2).numpy(), []);
    // ceil((2 - 1) / 0.3) = 4 elements
    assert.deepEqual(tf.range(1, 2, 0.3).shape, [4]);
    throwsWith(
      () => tf.range(5, 0),
      tf.errors.InvalidArgumentError,
      /start <= limit when delta > 0: 5\/0/,
    );
    throwsWith(
      () => tf.range(0, 5, -1),
      tf.errors.InvalidArgumentError,
      /start >= limit when delta < 0/,
    );
    throwsWith(() => tf.range(0, 5, 0), tf.errors.InvalidArgumentError, /delta != 0/);
  });

  test("tf.linspace: both ends included, the last value exactly stop", () => {
    assert.deepEqual(tf.linspace(10, 20, 1).numpy(), [10]);
    const t = tf.linspace(0, 0.3, 4).numpy() as number[];
    assert.equal(t[3], Math.fround(0.3));
    assert.equal(tf.linspace(tf.constant(0, "float64"), 1, 3).dtype, "float64");
  });

  test("reduceMean of int32 truncates; divide of int32 is true division (float64)", () => {
    assert.equal(tf.reduceMean(tf.constant([1, 2], "int32")).numpy(), 1);
    assert.equal(tf.reduceMean(tf.constant([-1, -2], "int32")).numpy(), -1);
    const q = tf.divide(tf.constant([3, -3], "int32"), tf.constant([2, 2], "int32"));
    assert.equal(q.dtype, "float64");
    assert.deepEqual(q.numpy(), [1.5, -1.5]);
    assert.equal(tf.constant([7], "int32").div(2).dtype, "float64");
    assert.deepEqual(tf.floorDiv(tf.constant([-3], "int32"), 2).numpy(), [-2]);
    assert.deepEqual(tf.mod(tf.constant([-3]), 2).numpy(), [1]);
    assert.equal(tf.divide(tf.constant([1], "float32"), 2).dtype, "float32");
  });

  test("round is half to even, cast to int32 truncates, argmax defaults to axis 0", () => {
    assert.deepEqual(tf.round([0.5, 1.5, 2.5, -2.5]).numpy(), [0, 2, 2, -2]);
    assert.deepEqual(tf.cast([-1.7, 1.7], "int32").numpy(), [-1, 1]);
    assert.deepEqual(
      tf
        .argmax([
          [1, 5],
          [3, 2],
        ])
        .numpy(),
      [1, 0],
    );
    assert.equal(tf.reduceMax(tf.zeros([0])).numpy(), -Infinity);
    assert.equal(tf.reduceSum(tf.zeros([0])).numpy(), 0);
  });

  test("tf.where(condition) alone is refused with a clear message", () => {
    const where = tf.where as unknown as (c: tf.TensorLike) => tf.Tensor;
    throwsWith(() => where([true, false]), TypeError, /where: x and y are required/);
  });
});
