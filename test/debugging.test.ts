/** tf.debugging: checkNumerics, enableCheckNumerics, and the assertions. */
import assert from "node:assert/strict";
import test from "node:test";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float32Array);

test("checkNumerics: the tensor back when finite, TensorFlow's message when not", () => {
  const x = tf.constant([1, 2, 3]);
  assert.deepEqual(arr(tf.debugging.checkNumerics(x, "ok")), [1, 2, 3]);
  assert.throws(() => tf.debugging.checkNumerics(tf.constant([1, NaN]), "after layer 3"), {
    name: "InvalidArgumentError",
    message: "after layer 3 : Tensor had NaN values [Op:CheckNumerics]",
  });
  assert.throws(() => tf.debugging.checkNumerics(tf.constant([-Infinity, 1]), "m"), {
    message: "m : Tensor had Inf values [Op:CheckNumerics]",
  });
  assert.throws(() => tf.debugging.checkNumerics(tf.constant([Infinity, NaN], "float64"), "m"), {
    message: "m : Tensor had Inf and NaN values [Op:CheckNumerics]",
  });
  assert.throws(() => tf.debugging.checkNumerics(tf.constant([1], "int32"), "m"), {
    name: "TypeError",
    message: /checkNumerics: the tensor must be float32 or float64, got \[1\] int32/,
  });
  assert.throws(() => tf.debugging.checkNumerics(x, 5 as never), TypeError);
  // assertAllFinite is TensorFlow's alias.
  assert.throws(() => tf.debugging.assertAllFinite(tf.constant([NaN]), "a"), /a : Tensor had NaN/);
});

test("checkNumerics: identity gradient (float64 gradcheck) that checks the gradient too", () => {
  checkGradients((x) => tf.debugging.checkNumerics(x, "x").mul(x), [randomTensor([2, 3], 5)]);
  const x = tf.constant([0, 1]);
  const tape = new tf.GradientTape();
  tape.watch(x);
  // d sqrt(x)/dx at 0 is +Inf: the forward value passes, the gradient reaching x does not.
  const y = tape.record(() => tf.sqrt(tf.debugging.checkNumerics(x, "sqrt")));
  assert.throws(() => tape.gradient(y, x), {
    name: "InvalidArgumentError",
    message:
      /^Not a number \(NaN\) or infinity \(Inf\) values detected in gradient\. sqrt : Tensor had Inf values/,
  });
});

test("checkNumerics: a traced function checks on every run, even when its result is unused", () => {
  const f = tf.function((x: tf.Tensor) => {
    tf.debugging.checkNumerics(x, "input");
    return x.mul(2);
  });
  assert.deepEqual(arr(f(tf.constant([1, 2]))), [2, 4]);
  assert.deepEqual(arr(f(tf.constant([3, 4]))), [6, 8]);
  assert.throws(() => f(tf.constant([3, NaN])), /input : Tensor had NaN values/);
});

test("enableCheckNumerics: names the first op giving NaN/Inf, in the forward pass", () => {
  tf.debugging.enableCheckNumerics();
  try {
    const x = tf.constant([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.subtract(x, 5); // all finite
    assert.throws(
      () => tf.log(y),
      (e: Error) => {
        assert.equal(e.name, "InvalidArgumentError");
        assert.match(e.message, /output 0 of op "Log" \(# of outputs: 1\) in the forward pass/);
        assert.match(e.message, /float32 \[2,2\], 4 NaN of 4 elements \(first at flat index 0\)/);
        assert.match(e.message, /inputs \(1\): 0: \[2,2\] float32/);
        return true;
      },
    );
    assert.throws(() => tf.divide(tf.constant([1, 0]), tf.constant([0, 0])), /"RealDiv|"Div/);
    // Integer and finite results pass.
    assert.deepEqual(arr(tf.add(tf.constant([1], "int32"), 2)), [3]);
  } finally {
    tf.debugging.disableCheckNumerics();
  }
  // Off again: NaN flows quietly.
  assert.ok(Number.isNaN(arr(tf.log(tf.constant([-1])))[0]));
});

test("enableCheckNumerics: says when the op ran inside a gradient, and which", () => {
  const x = tf.constant([0, 4]);
  tf.debugging.enableCheckNumerics();
  try {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => tf.sqrt(x)); // sqrt(0) = 0 is fine
    assert.throws(
      () => tape.gradient(y, x),
      (e: Error) => {
        assert.equal(e.name, "InvalidArgumentError");
        assert.match(e.message, /inside the gradient of Sqrt/);
        assert.match(e.message, /1 \+Inf of 2 elements/);
        return true;
      },
    );
  } finally {
    tf.debugging.disableCheckNumerics();
  }
});

test("enableCheckNumerics: also checks a traced function on replay", () => {
  const f = tf.function((x: tf.Tensor) => tf.log(x).add(1));
  assert.deepEqual(arr(f(tf.constant([1]))), [1]);
  tf.debugging.enableCheckNumerics();
  try {
    assert.throws(() => f(tf.constant([-1])), /op "Log"/);
  } finally {
    tf.debugging.disableCheckNumerics();
  }
});

test("assertEqual and the comparisons: pass quietly, fail with the indices and values", () => {
  const x = tf.constant([1, 2, 3]);
  assert.equal(tf.debugging.assertEqual(x, [1, 2, 3]), undefined);
  tf.debugging.assertEqual(
    tf.constant([
      [2, 2],
      [2, 2],
    ]),
    2,
  ); // broadcasting
  assert.throws(() => tf.debugging.assertEqual(x, tf.constant([1, 5, 7]), "mismatch"), {
    name: "InvalidArgumentError",
    message:
      "mismatch\nCondition x == y did not hold element-wise (2 of 3 elements).\n" +
      "Indices of first 2 different values:\n[[1], [2]]\n" +
      "Corresponding x values:\n[2. 3.]\nCorresponding y values:\n[5. 7.]\n" +
      "First 3 elements of x:\n[1. 2. 3.]\nFirst 3 elements of y:\n[1. 5. 7.]",
  });
  tf.debugging.assertLess(x, 4);
  tf.debugging.assertLessEqual(x, 3);
  tf.debugging.assertGreater(x, 0);
  tf.debugging.assertGreaterEqual(x, 1);
  tf.debugging.assertNoneEqual(x, 0);
  assert.throws(
    () => tf.debugging.assertLess(x, 3),
    /Condition x < y did not hold element-wise \(1 of 3/,
  );
  assert.throws(() => tf.debugging.assertLessEqual(x, 2), /x <= y/);
  assert.throws(() => tf.debugging.assertGreater(x, 1), /x > y.*\n.*\n\[\[0\]\]/);
  assert.throws(() => tf.debugging.assertGreaterEqual(x, [1, 3, 3]), /\[\[1\]\]/);
  assert.throws(() => tf.debugging.assertNoneEqual(x, 2), /x != y/);
  // 2-D indices, and summarize bounds what is shown.
  assert.throws(
    () => tf.debugging.assertEqual(tf.zeros([2, 3]), 1, { summarize: 2 }),
    /Indices of first 2 different values:\n\[\[0, 0\], \[0, 1\]\]/,
  );
  assert.throws(() => tf.debugging.assertEqual(x, tf.constant([1, 2, 3], "int32")), {
    name: "InvalidArgumentError",
    message: /assertEqual: both operands must have the same dtype/,
  });
  assert.throws(() => tf.debugging.assertLess(x, [1, 2]), /Incompatible|broadcast/i);
  assert.throws(() => tf.debugging.assertLess(tf.constant(["a"]), "b"), TypeError);
  assert.throws(() => tf.debugging.assertEqual(x, x, 5 as never), TypeError);
});

test("sign assertions", () => {
  tf.debugging.assertPositive(tf.constant([1, 2]));
  tf.debugging.assertNegative(tf.constant([-1, -2], "int32"));
  tf.debugging.assertNonNegative(tf.constant([0, 2]));
  tf.debugging.assertNonPositive(tf.constant([0, -2], "float64"));
  tf.debugging.assertPositive(tf.zeros([0])); // empty: vacuously true
  assert.throws(() => tf.debugging.assertPositive(tf.constant([1, 0]), "p"), {
    name: "InvalidArgumentError",
    message:
      /^p\nCondition x > 0 did not hold element-wise \(1 of 2 elements\)\.\nIndices of first 1 different values:\n\[\[1\]\]\nCorresponding x values:\n\[0\.\]/,
  });
  assert.throws(() => tf.debugging.assertNegative(tf.constant([0])), /x < 0/);
  assert.throws(() => tf.debugging.assertNonNegative(tf.constant([-1])), /x >= 0/);
  assert.throws(() => tf.debugging.assertNonPositive(tf.constant([1])), /x <= 0/);
  // NaN fails every comparison, as in TensorFlow.
  assert.throws(() => tf.debugging.assertNonNegative(tf.constant([NaN])), /x >= 0/);
});

test("assertNear: TensorFlow's tolerance rule and defaults", () => {
  tf.debugging.assertNear(tf.constant([1, 2]), tf.constant([1 + 1e-7, 2]));
  assert.throws(
    () => tf.debugging.assertNear(tf.constant([1, 2]), tf.constant([1.001, 2])),
    /x and y not equal to tolerance rtol = 0\.0000011920928955078125|x and y not equal to tolerance rtol = 0\.00000119/,
  );
  tf.debugging.assertNear(tf.constant([1, 2]), tf.constant([1.001, 2]), 1e-2, 0);
  tf.debugging.assertNear(tf.constant([1, 2]), tf.constant([1.001, 2]), { atol: 0.01 });
  assert.throws(
    () => tf.debugging.assertNear(tf.constant([1, 2]), tf.constant([1.5, 2]), null, 0.1, "near"),
    /near\nx and y not equal to tolerance rtol = 0\.0000011920928955078125, atol = 0\.1\nCondition \|x - y\| <= atol \+ rtol \* \|y\|/,
  );
  // float64 default is 10 eps of float64.
  assert.throws(() =>
    tf.debugging.assertNear(tf.constant([1], "float64"), tf.constant([1 + 1e-12], "float64")),
  );
  assert.throws(() => tf.debugging.assertNear(tf.constant([1]), tf.constant([1]), -1), RangeError);
});

test("assertRank, assertType, assertShapes", () => {
  const x = tf.zeros([2, 3]);
  tf.debugging.assertRank(x, 2);
  tf.debugging.assertRank(x, tf.constant(2, "int32"));
  assert.throws(() => tf.debugging.assertRank(x, 1, "rank"), {
    name: "InvalidArgumentError",
    message: "rank. Tensor x must have rank 1. Received rank 2, shape (2, 3)",
  });
  assert.throws(() => tf.debugging.assertRank(x, 1.5), RangeError);
  tf.debugging.assertType(x, "float32");
  assert.throws(() => tf.debugging.assertType(x, "int32"), {
    name: "TypeError",
    message: "tensor must be of type tf.int32; got tf.float32",
  });
  assert.throws(() => tf.debugging.assertType(x, "junk" as never), /dtype must be one of/);
  const y = tf.zeros([2, 4]);
  const s = tf.constant(1);
  tf.debugging.assertShapes([
    [x, ["N", "Q"]],
    [y, ["N", 4]],
    [s, []],
    [tf.zeros([5, 6, 3]), ["*", "Q"]],
    [tf.zeros([7]), [null]],
  ]);
  assert.throws(
    () =>
      tf.debugging.assertShapes([
        [x, ["N", "Q"]],
        [tf.zeros([3, 4]), ["N", 4]],
      ]),
    {
      name: "InvalidArgumentError",
      message:
        "assertShapes: tensor 1 (shape (3, 4)) dimension 0 ('N') must have size 2 as specified by tensor 0 dimension 0, got 3",
    },
  );
  assert.throws(() => tf.debugging.assertShapes([[x, [2]]]), /must have rank 1, got rank 2/);
  assert.throws(
    () => tf.debugging.assertShapes([[x, [2, 4]]]),
    /dimension 1 must have size 4, got 3/,
  );
  assert.throws(() => tf.debugging.assertShapes([[x, [2, {}]]] as never), TypeError);
  assert.throws(() => tf.debugging.assertShapes(5 as never), TypeError);
});

test("Assert: TensorFlow's eager message, and checked on every run of a traced function", () => {
  tf.debugging.Assert(true, ["never shown"]);
  tf.debugging.Assert(tf.constant(true), [tf.constant([1, 2])]);
  assert.throws(() => tf.debugging.Assert(false, ["x is", tf.constant([1, 2, 3, 4])], 2), {
    name: "InvalidArgumentError",
    message:
      "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: x is\n[1. 2.]",
  });
  assert.throws(
    () => tf.debugging.Assert(tf.constant([true]), []),
    /condition must be a bool scalar/,
  );
  assert.throws(() => tf.debugging.Assert(true, 5 as never), TypeError);

  const f = tf.function((x: tf.Tensor) => {
    tf.debugging.assertPositive(x, "x must be positive");
    return x.sqrt();
  });
  assert.deepEqual(arr(f(tf.constant([4, 9]))), [2, 3]);
  assert.throws(() => f(tf.constant([4, -9])), /x must be positive\nCondition x > 0/);
});
