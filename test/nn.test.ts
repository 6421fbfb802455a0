/**
 * tf.nn: softmax, logSoftmax, gelu, leakyRelu, the cross-entropy losses, l2Loss, biasAdd and
 * moments. Forward values against plain float64 loops written here; gradients against finite
 * differences (test/helpers/gradcheck.ts). Convolution and pooling are in nn-conv.test.ts,
 * dropout in nn-dropout.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder } from "./helpers/gradcheck.js";
import { flat } from "./helpers/reference.js";
import { assertClose, DTYPES, type DT, randFloat } from "./helpers/tolerance.js";

const tolOf = (d: DT) => (d === "float32" ? 2e-6 : 1e-13);

/** Softmax or log-softmax along `axis` of a row-major array of shape `shape`, in float64. */
function refSoftmax(x: number[], shape: number[], axis: number, log: boolean): number[] {
  const n = shape[axis];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const outer = x.length / (n * inner || 1);
  const out = new Array<number>(x.length).fill(0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = (r: number) => (o * n + r) * inner + i;
      let m = -Infinity;
      for (let r = 0; r < n; r++) m = Math.max(m, x[idx(r)]);
      let s = 0;
      for (let r = 0; r < n; r++) s += Math.exp(x[idx(r)] - m);
      for (let r = 0; r < n; r++) {
        out[idx(r)] = log ? x[idx(r)] - m - Math.log(s) : Math.exp(x[idx(r)] - m) / s;
      }
    }
  }
  return out;
}

const rand = (shape: number[], seed: number, dtype: DT = "float64", lo = -2, hi = 2): tf.Tensor =>
  randFloat(shape, seed, dtype, lo, hi);

// --- softmax and logSoftmax -------------------------------------------------------------------

test("softmax and logSoftmax match a float64 reference on every axis", () => {
  for (const dtype of DTYPES) {
    for (const shape of [[5], [3, 4], [2, 3, 4], [1, 1], [2, 1, 3]]) {
      const x = rand(shape, 7, dtype, -5, 5);
      for (let axis = -shape.length; axis < shape.length; axis++) {
        const a = axis < 0 ? axis + shape.length : axis;
        const s = tf.nn.softmax(x, axis);
        const ls = tf.nn.logSoftmax(x, axis);
        assert.equal(s.dtype, dtype);
        assert.deepEqual(s.shape, shape);
        assertClose(
          s,
          refSoftmax(flat(x), shape, a, false),
          tolOf(dtype),
          `softmax ${shape} ${axis}`,
        );
        assertClose(ls, refSoftmax(flat(x), shape, a, true), tolOf(dtype), `logSoftmax ${shape}`);
      }
    }
  }
});

test("softmax defaults to the last axis and is a Tensor method", () => {
  const x = tf.constant([
    [1, 2, 3],
    [0, 0, 0],
  ]);
  const e = Math.exp(1) + Math.exp(2) + Math.exp(3);
  assertClose(
    tf.nn.softmax(x),
    [Math.exp(1) / e, Math.exp(2) / e, Math.exp(3) / e, 1 / 3, 1 / 3, 1 / 3],
    2e-6,
  );
  assert.deepEqual(x.softmax().numpy(), tf.nn.softmax(x).numpy());
  assert.deepEqual(x.logSoftmax(0).numpy(), tf.nn.logSoftmax(x, 0).numpy());
  // A JS array is float32.
  assert.equal(tf.nn.softmax([1, 2]).dtype, "float32");
});

test("softmax is stable for large logits and handles -Infinity", () => {
  for (const dtype of DTYPES) {
    const x = tf.constant([1000, 1001, 1002, -1000], dtype);
    const s = tf.nn.softmax(x);
    const ref = refSoftmax([1000, 1001, 1002, -1000], [4], 0, false);
    assertClose(s, ref, tolOf(dtype), "large softmax");
    assertClose(
      tf.nn.logSoftmax(x),
      refSoftmax([1000, 1001, 1002, -1000], [4], 0, true),
      tolOf(dtype),
    );
    const withInf = tf.constant([-Infinity, 0, 0], dtype);
    assertClose(tf.nn.softmax(withInf), [0, 0.5, 0.5], tolOf(dtype));
    assertClose(tf.nn.logSoftmax(withInf), [-Infinity, -Math.LN2, -Math.LN2], tolOf(dtype));
    // NaN in a row gives NaN for the row, as in TensorFlow.
    assert.ok(flat(tf.nn.softmax(tf.constant([1, NaN, 2], dtype))).every(Number.isNaN));
  }
});

test("softmax over empty and single-element shapes", () => {
  assert.deepEqual(tf.nn.softmax(tf.zeros([0, 3])).shape, [0, 3]);
  assert.deepEqual(tf.nn.softmax(tf.zeros([2, 0])).shape, [2, 0]);
  assert.deepEqual(tf.nn.softmax(tf.constant([[5], [-7]])).numpy(), [[1], [1]]);
  assert.deepEqual(tf.nn.logSoftmax(tf.constant([[5], [-7]])).numpy(), [[0], [0]]);
});

test("softmax rejects scalars, integers and bad axes", () => {
  assert.throws(() => tf.nn.softmax(tf.constant(1)), /Softmax.*at least 1 dimension.*\[\]/);
  assert.throws(
    () => tf.nn.softmax(tf.constant([1, 2], "int32")),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /Softmax.*float32 or float64.*int32.*\[2\]/);
      return true;
    },
  );
  assert.throws(
    () => tf.nn.logSoftmax(tf.zeros([2, 3]), 2),
    (e: unknown) => {
      assert.ok(e instanceof tf.errors.InvalidArgumentError);
      assert.match(e.message, /LogSoftmax.*axis 2.*rank 2/);
      return true;
    },
  );
  assert.throws(() => tf.nn.softmax(tf.zeros([2, 3]), -3), /Softmax.*axis -3/);
});

test("softmax and logSoftmax gradients (first and second order)", () => {
  for (const [shape, axis] of [
    [[4], -1],
    [[2, 3], -1],
    [[2, 3], 0],
    [[2, 3, 2], 1],
  ] as const) {
    const x = rand([...shape], 3);
    checkGradients((t) => tf.nn.softmax(t, axis), [x]);
    checkGradients((t) => tf.nn.logSoftmax(t, axis), [x]);
    checkSecondOrder((t) => tf.square(tf.nn.softmax(t, axis)), x);
    checkSecondOrder((t) => tf.square(tf.nn.logSoftmax(t, axis)), x);
  }
});

test("softmax gradient: d s_0 / d x", () => {
  const x = tf.constant([1, 2, 3], "float64");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.multiply(tf.nn.softmax(x), tf.constant([1, 0, 0], "float64")));
  const g = tape.gradient(y, x);
  assert.ok(g !== null);
  const s = refSoftmax([1, 2, 3], [3], 0, false);
  // d s_0 / d x_j = s_0 (delta_0j - s_j)
  assertClose(g, [s[0] * (1 - s[0]), -s[0] * s[1], -s[0] * s[2]], 1e-14);
});

// --- gelu and leakyRelu -----------------------------------------------------------------------

test("gelu matches x Phi(x) and the tanh approximation", () => {
  const xs = [-3, -1, -0.5, 0, 0.5, 1, 2, 4];
  // Phi at these points (standard normal CDF), from tables to 16 digits.
  const phi: Record<number, number> = {
    [-3]: 0.0013498980316300946,
    [-1]: 0.15865525393145707,
    [-0.5]: 0.3085375387259869,
    0: 0.5,
    0.5: 0.6914624612740131,
    1: 0.8413447460685429,
    2: 0.9772498680518208,
    4: 0.9999683287581669,
  };
  for (const dtype of DTYPES) {
    const x = tf.constant(xs, dtype);
    assertClose(
      tf.nn.gelu(x),
      xs.map((v) => v * phi[v]),
      dtype === "float32" ? 2e-6 : 1e-12,
      "gelu",
    );
    const approx = xs.map(
      (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    );
    assertClose(tf.nn.gelu(x, true), approx, tolOf(dtype), "gelu approximate");
    assert.equal(tf.nn.gelu(x).dtype, dtype);
  }
  assert.throws(() => tf.nn.gelu(tf.constant([1], "int32")), /gelu.*float32 or float64.*int32/);
  const x = rand([7], 5, "float64", -3, 3);
  checkGradients((t) => tf.nn.gelu(t), [x]);
  checkGradients((t) => tf.nn.gelu(t, true), [x]);
});

test("leakyRelu: alpha x below zero, x above; gradient alpha at zero", () => {
  for (const dtype of DTYPES) {
    const x = tf.constant([-2, -0.5, 0, 0.5, 3], dtype);
    assertClose(tf.nn.leakyRelu(x), [-0.4, -0.1, 0, 0.5, 3], tolOf(dtype));
    assertClose(tf.nn.leakyRelu(x, 0.01), [-0.02, -0.005, 0, 0.5, 3], tolOf(dtype));
    assertClose(tf.nn.leakyRelu(x, 2), [-4, -1, 0, 0.5, 3], tolOf(dtype));
    assertClose(tf.nn.leakyRelu(x, 0), [0, 0, 0, 0.5, 3], tolOf(dtype));
  }
  for (const alpha of [0.2, 3]) {
    const x = tf.constant([-1, 0, 1], "float64");
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => tf.nn.leakyRelu(x, alpha));
    assert.deepEqual(tape.gradient(y, x)?.numpy(), [alpha, alpha, 1]);
  }
  checkGradients((t) => tf.nn.leakyRelu(t, 0.3), [tf.constant([-1.5, -0.2, 0.4, 2], "float64")]);
  assert.throws(() => tf.nn.leakyRelu(tf.constant([1], "int32")), /leakyRelu.*int32/);
});

// --- losses -----------------------------------------------------------------------------------

test("sigmoidCrossEntropyWithLogits: stable values and gradient sigmoid(x) - z", () => {
  const xs = [-3, -0.5, 0, 0.5, 3, 100, -100];
  const zs = [0, 1, 0.3, 0.7, 1, 0, 1];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  // -z log(sigmoid x) - (1 - z) log(1 - sigmoid x), with log(1 - sigmoid x) = -x + log sigmoid x
  const ref = xs.map((x, i) => {
    const logSig = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    return -zs[i] * logSig - (1 - zs[i]) * (logSig - x);
  });
  for (const dtype of DTYPES) {
    const loss = tf.nn.sigmoidCrossEntropyWithLogits(
      tf.constant(zs, dtype),
      tf.constant(xs, dtype),
    );
    assert.equal(loss.dtype, dtype);
    assertClose(loss, ref, dtype === "float32" ? 1e-6 : 1e-13, "sigmoid xent");
    assert.ok(flat(loss).every(Number.isFinite));
  }
  const x = tf.constant(xs, "float64");
  const z = tf.constant(zs, "float64");
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch([x, z]);
  const l = tape.record(() => tf.nn.sigmoidCrossEntropyWithLogits(z, x));
  assertClose(
    tape.gradient(l, x) as tf.Tensor,
    xs.map((v, i) => sig(v) - zs[i]),
    1e-14,
    "dx",
  );
  assertClose(
    tape.gradient(l, z) as tf.Tensor,
    xs.map((v) => -v),
    1e-14,
    "dz",
  );
  checkGradients(
    (zz, xx) => tf.nn.sigmoidCrossEntropyWithLogits(zz, xx),
    [rand([2, 3], 1, "float64", 0, 1), rand([2, 3], 2)],
  );
  assert.throws(
    () => tf.nn.sigmoidCrossEntropyWithLogits(tf.zeros([2]), tf.zeros([3])),
    /sigmoidCrossEntropyWithLogits.*same shape.*\[3\].*\[2\]/,
  );
  assert.throws(
    () => tf.nn.sigmoidCrossEntropyWithLogits(tf.zeros([2], "float64"), tf.zeros([2])),
    /sigmoidCrossEntropyWithLogits.*float64.*float32|float32.*float64/,
  );
});

/** -sum(labels * logSoftmax(logits)) along `axis`, in float64. */
function refXent(z: number[], x: number[], shape: number[], axis: number): number[] {
  const ls = refSoftmax(x, shape, axis, true);
  const n = shape[axis];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const outer = x.length / (n * inner);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s -= z[(o * n + r) * inner + i] * ls[(o * n + r) * inner + i];
      out.push(s);
    }
  }
  return out;
}

test("softmaxCrossEntropyWithLogits matches -sum(labels * logSoftmax(logits))", () => {
  for (const dtype of DTYPES) {
    for (const [shape, axis] of [
      [[4, 5], -1],
      [[3], 0],
      [[2, 3, 4], 1],
      [[3, 2], 0],
    ] as const) {
      const x = rand([...shape], 11, dtype, -4, 4);
      const zRaw = rand([...shape], 12, "float64", 0, 1);
      const z = tf.cast(tf.nn.softmax(zRaw, axis), dtype); // rows of probabilities
      const a = axis < 0 ? axis + shape.length : axis;
      const loss = tf.nn.softmaxCrossEntropyWithLogits(z, x, axis);
      assert.deepEqual(
        loss.shape,
        shape.filter((_, i) => i !== a),
      );
      assertClose(
        loss,
        refXent(flat(z), flat(x), [...shape], a),
        dtype === "float32" ? 1e-5 : 1e-13,
      );
    }
  }
  // Large logits stay finite.
  const big = tf.nn.softmaxCrossEntropyWithLogits([[0, 1]], [[1000, -1000]]);
  assertClose(big, [2000], 1e-6);
});

test("softmaxCrossEntropyWithLogits gradients: dLoss * (softmax - labels) and -logSoftmax", () => {
  const x = tf.constant(
    [
      [1, 2, 3],
      [0.5, -1, 2],
    ],
    "float64",
  );
  const z = tf.constant(
    [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
    ],
    "float64",
  );
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch([x, z]);
  const loss = tape.record(() => tf.nn.softmaxCrossEntropyWithLogits(z, x));
  const s = [...refSoftmax([1, 2, 3], [3], 0, false), ...refSoftmax([0.5, -1, 2], [3], 0, false)];
  assertClose(
    tape.gradient(loss, x) as tf.Tensor,
    s.map((v, i) => v - flat(z)[i]),
    1e-14,
  );
  const ls = [...refSoftmax([1, 2, 3], [3], 0, true), ...refSoftmax([0.5, -1, 2], [3], 0, true)];
  assertClose(
    tape.gradient(loss, z) as tf.Tensor,
    ls.map((v) => -v),
    1e-14,
  );
  for (const axis of [-1, 0]) {
    const xx = rand([3, 4], 21);
    const zz = tf.nn.softmax(rand([3, 4], 22), axis);
    checkGradients((a, b) => tf.nn.softmaxCrossEntropyWithLogits(a, b, axis), [zz, xx]);
    checkSecondOrder((b) => tf.nn.softmaxCrossEntropyWithLogits(zz, b, axis), xx);
  }
});

test("softmaxCrossEntropyWithLogits second order by nested tapes (Hessian-vector product)", () => {
  // d^2/dx^2 of the loss: the Hessian of log-sum-exp, diag(s) - s s^T, applied to v.
  const x = tf.constant([0.3, -1.2, 2.0, 0.1], "float64");
  const z = tf.constant([0.1, 0.2, 0.3, 0.4], "float64");
  const v = tf.constant([1, -2, 0.5, 3], "float64");
  const outer = new tf.GradientTape();
  outer.watch(x);
  const hv = outer.record(() => {
    const inner = new tf.GradientTape();
    inner.watch(x);
    const loss = inner.record(() => tf.nn.softmaxCrossEntropyWithLogits(z, x));
    const g = inner.gradient(loss, x) as tf.Tensor;
    return tf.reduceSum(tf.multiply(g, v));
  });
  const h = outer.gradient(hv, x) as tf.Tensor;
  const s = refSoftmax(flat(x), [4], 0, false);
  const vv = flat(v);
  const sv = s.reduce((acc, si, i) => acc + si * vv[i], 0);
  assertClose(
    h,
    s.map((si, i) => si * vv[i] - si * sv),
    1e-13,
  );
});

test("softmaxCrossEntropyWithLogits rejects mismatched labels", () => {
  assert.throws(
    () => tf.nn.softmaxCrossEntropyWithLogits(tf.zeros([2, 3]), tf.zeros([2, 4])),
    (e: unknown) => {
      assert.ok(e instanceof tf.errors.InvalidArgumentError);
      assert.match(e.message, /SoftmaxCrossEntropyWithLogits.*\[2,4\].*\[2,3\]/);
      return true;
    },
  );
  assert.throws(
    () => tf.nn.softmaxCrossEntropyWithLogits(tf.zeros([2], "int32"), tf.zeros([2], "int32")),
    /SoftmaxCrossEntropyWithLogits.*float32 or float64.*int32/,
  );
  assert.throws(
    () => tf.nn.softmaxCrossEntropyWithLogits(1, 2),
    /SoftmaxCrossEntropyWithLogits.*at least 1/,
  );
  assert.throws(() => tf.nn.softmaxCrossEntropyWithLogits([1, 0], [1, 2], 1), /axis 1/);
});

test("sparseSoftmaxCrossEntropyWithLogits picks -logSoftmax at the label", () => {
  for (const dtype of DTYPES) {
    const x = rand([4, 5], 31, dtype, -3, 3);
    const labels = [0, 4, 2, 2];
    const loss = tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant(labels, "int32"), x);
    assert.equal(loss.dtype, dtype);
    assert.deepEqual(loss.shape, [4]);
    const ls = refSoftmax(flat(x), [4, 5], 1, true);
    assertClose(
      loss,
      labels.map((l, r) => -ls[r * 5 + l]),
      dtype === "float32" ? 2e-6 : 1e-13,
    );
    // The same as the dense op with one-hot labels.
    const oneHot = labels.flatMap((l) => [0, 1, 2, 3, 4].map((k) => (k === l ? 1 : 0)));
    const dense = tf.nn.softmaxCrossEntropyWithLogits(
      tf.reshape(tf.constant(oneHot, dtype), [4, 5]),
      x,
    );
    assertClose(loss, flat(dense), dtype === "float32" ? 2e-6 : 1e-13);
  }
  // Extra leading dimensions, and a JS array of labels (int32).
  const x3 = rand([2, 3, 4], 32);
  const l3 = tf.nn.sparseSoftmaxCrossEntropyWithLogits(
    [
      [0, 1, 3],
      [2, 2, 0],
    ],
    x3,
  );
  assert.deepEqual(l3.shape, [2, 3]);
  // Rank-1 logits with a scalar label.
  const l0 = tf.nn.sparseSoftmaxCrossEntropyWithLogits(1, tf.constant([0, 0], "float64"));
  assert.deepEqual(l0.shape, []);
  assertClose(l0, [Math.LN2], 1e-15);
});

test("sparseSoftmaxCrossEntropyWithLogits gradient, first and second order", () => {
  const x = tf.constant(
    [
      [1, 2, 3],
      [0, 0, 0],
    ],
    "float64",
  );
  const labels = tf.constant([2, 0], "int32");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const loss = tape.record(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits(labels, x));
  const s = [...refSoftmax([1, 2, 3], [3], 0, false), 1 / 3, 1 / 3, 1 / 3];
  assertClose(
    tape.gradient(loss, x) as tf.Tensor,
    s.map((v, i) => v - (i === 2 || i === 3 ? 1 : 0)),
    1e-14,
  );
  const xx = rand([3, 4], 41);
  const ll = tf.constant([3, 0, 1], "int32");
  checkGradients((t) => tf.nn.sparseSoftmaxCrossEntropyWithLogits(ll, t), [xx]);
  checkSecondOrder((t) => tf.nn.sparseSoftmaxCrossEntropyWithLogits(ll, t), xx);
});

test("sparseSoftmaxCrossEntropyWithLogits rejects bad labels", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([0, 3], "int32"), x),
    (e: unknown) => {
      assert.ok(e instanceof tf.errors.InvalidArgumentError);
      assert.match(
        e.message,
        /SparseSoftmaxCrossEntropyWithLogits.*label value of 3.*\[0, 3\).*3 classes/,
      );
      return true;
    },
  );
  assert.throws(
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([-1, 0], "int32"), x),
    /label value of -1/,
  );
  assert.throws(
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([0, 1], "float32"), x),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /SparseSoftmaxCrossEntropyWithLogits.*int32.*\[2\] float32/);
      return true;
    },
  );
  assert.throws(
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits(tf.constant([0, 1, 2], "int32"), x),
    /SparseSoftmaxCrossEntropyWithLogits.*labels \[3\].*logits \[2,3\]/,
  );
  assert.throws(
    () =>
      tf.nn.sparseSoftmaxCrossEntropyWithLogits(
        tf.constant([0, 1], "int32"),
        tf.zeros([2, 3], "int32"),
      ),
    /SparseSoftmaxCrossEntropyWithLogits.*logits.*int32/,
  );
});

test("l2Loss is sum(t^2) / 2", () => {
  for (const dtype of DTYPES) {
    const t = tf.constant(
      [
        [1, -2],
        [3, 0.5],
      ],
      dtype,
    );
    const l = tf.nn.l2Loss(t);
    assert.deepEqual(l.shape, []);
    assert.equal(l.dtype, dtype);
    assertClose(l, [(1 + 4 + 9 + 0.25) / 2], tolOf(dtype));
  }
  assert.equal(tf.nn.l2Loss(tf.zeros([0])).numpy(), 0);
  checkGradients((t) => tf.nn.l2Loss(t), [rand([2, 3], 51)]);
  assert.throws(() => tf.nn.l2Loss(tf.constant([1], "int32")), /l2Loss.*int32/);
});

// --- biasAdd and moments ----------------------------------------------------------------------

test("biasAdd adds along the channels, last or second", () => {
  const x = tf.reshape(tf.range(12, null, 1, "float64"), [2, 3, 2]);
  const b = tf.constant([10, 20], "float64");
  const y = tf.nn.biasAdd(x, b);
  assert.deepEqual(
    flat(y),
    flat(x).map((v, i) => v + (i % 2 === 0 ? 10 : 20)),
  );
  const bc = tf.constant([100, 200, 300], "float64");
  const yc = tf.nn.biasAdd(tf.reshape(x, [2, 3, 2]), bc, { dataFormat: "NCW" });
  assert.deepEqual(
    flat(yc),
    flat(x).map((v, i) => v + [100, 200, 300][Math.floor(i / 2) % 3]),
  );
  const y4 = tf.nn.biasAdd(tf.zeros([1, 3, 2, 2]), [1, 2, 3], { dataFormat: "NCHW" });
  assert.deepEqual(flat(y4), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  checkGradients((xx, bb) => tf.nn.biasAdd(xx, bb), [rand([2, 3], 61), rand([3], 62)]);
  assert.throws(() => tf.nn.biasAdd(tf.zeros([2, 3]), tf.zeros([2])), /BiasAdd.*\[2\].*\[2,3\]/);
  assert.throws(() => tf.nn.biasAdd(tf.zeros([3]), tf.zeros([3])), /BiasAdd.*at least 2-D.*\[3\]/);
  assert.throws(() => tf.nn.biasAdd(tf.zeros([2, 3]), tf.zeros([1, 3])), /BiasAdd.*\[1,3\]/);
});

test("moments gives the mean and the population variance", () => {
  for (const dtype of DTYPES) {
    const x = rand([3, 4], 71, dtype);
    const v = flat(x);
    const [m0, v0] = tf.nn.moments(x, [0]);
    assert.deepEqual(m0.shape, [4]);
    const mean = [0, 1, 2, 3].map((j) => (v[j] + v[4 + j] + v[8 + j]) / 3);
    const variance = [0, 1, 2, 3].map(
      (j) => ((v[j] - mean[j]) ** 2 + (v[4 + j] - mean[j]) ** 2 + (v[8 + j] - mean[j]) ** 2) / 3,
    );
    assertClose(m0, mean, dtype === "float32" ? 1e-6 : 1e-14);
    assertClose(v0, variance, dtype === "float32" ? 1e-6 : 1e-14);
    const [mAll, vAll] = tf.nn.moments(x, [0, 1], { keepdims: true });
    assert.deepEqual(mAll.shape, [1, 1]);
    assert.deepEqual(vAll.shape, [1, 1]);
    const mu = v.reduce((a, c) => a + c, 0) / 12;
    assertClose(
      vAll,
      [v.reduce((a, c) => a + (c - mu) ** 2, 0) / 12],
      dtype === "float32" ? 1e-6 : 1e-14,
    );
  }
  const x = rand([3, 4], 72);
  checkGradients((t) => tf.nn.moments(t, [1])[0], [x]);
  checkGradients((t) => tf.nn.moments(t, [1])[1], [x]);
  checkGradients((t) => tf.nn.moments(t, [0, 1], { keepdims: true })[1], [x]);
  assert.throws(() => tf.nn.moments(tf.zeros([2, 2]), [2]), /moments.*2/);
  assert.throws(() => tf.nn.moments(tf.zeros([2], "int32"), [0]), /moments.*int32/);
});
