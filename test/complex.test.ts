/**
 * complex64 / complex128: storage, printing as TensorFlow prints, creation, the complex ops
 * against JS complex arithmetic, movement ops keeping (re, im) pairs together, every other op
 * refusing complex inputs, and gradients in TensorFlow's convention (dL/dRe + i dL/dIm) checked
 * by finite differences on the real and imaginary parts in float64.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";

type C = [number, number];
const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);
/** A complex128 tensor from (re, im) pairs. */
function c128(pairs: C[], shape = [pairs.length]): tf.Tensor {
  return tf.reshape(tf.complex(f64(pairs.map((p) => p[0])), f64(pairs.map((p) => p[1]))), shape);
}
function pairs(t: tf.Tensor): C[] {
  const v = t.dataSync() as Float64Array;
  return Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i], v[2 * i + 1]]);
}
function nearPairs(got: tf.Tensor, want: C[], tol = 1e-12): void {
  const g = pairs(got);
  assert.equal(g.length, want.length);
  g.forEach(([a, b], i) => {
    const s = Math.max(1, Math.abs(want[i][0]), Math.abs(want[i][1]));
    assert.ok(
      Math.abs(a - want[i][0]) <= tol * s && Math.abs(b - want[i][1]) <= tol * s,
      `[${i}]: (${a}, ${b}), want (${want[i][0]}, ${want[i][1]})`,
    );
  });
}
const cmul = ([a, b]: C, [c, d]: C): C => [a * c - b * d, a * d + b * c];
const cdiv = ([a, b]: C, [c, d]: C): C => {
  const q = c * c + d * d;
  return [(a * c + b * d) / q, (b * c - a * d) / q];
};
const cexp = ([a, b]: C): C => [Math.exp(a) * Math.cos(b), Math.exp(a) * Math.sin(b)];
const clog = ([a, b]: C): C => [Math.log(Math.hypot(a, b)), Math.atan2(b, a)];

const Z: C[] = [
  [1, 2],
  [3, -1],
  [-0.5, 0.25],
  [-2, -3],
];
const W: C[] = [
  [0.5, -1],
  [2, 2],
  [-1, 0.5],
  [0.25, -4],
];

test("storage, printing, numpy and creation", () => {
  const z = tf.complex([1, 3], [2, -1]);
  assert.equal(z.dtype, "complex64");
  assert.deepEqual(Array.from(z.dataSync() as Float32Array), [1, 2, 3, -1]);
  assert.equal(String(z), "tf.Tensor([1.+2.j 3.-1.j], shape=(2,), dtype=complex64)");
  assert.equal(String(tf.complex(1.5, 2)), "tf.Tensor((1.5+2j), shape=(), dtype=complex64)");
  assert.equal(String(tf.complex(0, -2)), "tf.Tensor(-2j, shape=(), dtype=complex64)");
  assert.equal(
    String(
      tf.reshape(
        c128([
          [1, 0],
          [0, 1],
          [2.5, -1],
          [0, 0],
        ]),
        [2, 2],
      ),
    ),
    "tf.Tensor(\n[[1. +0.j 0. +1.j]\n [2.5-1.j 0. +0.j]], shape=(2, 2), dtype=complex128)",
  );
  assert.equal(
    String(new tf.Variable(z)),
    "<tf.Variable 'Variable:0' shape=(2,) dtype=complex64, numpy=array([1.+2.j, 3.-1.j], dtype=complex64)>",
  );
  assert.deepEqual(z.numpy(), [
    { re: 1, im: 2 },
    { re: 3, im: -1 },
  ]);
  nearPairs(tf.constant([{ re: 1, im: 2 }, 3], "complex128"), [
    [1, 2],
    [3, 0],
  ]);
  assert.equal(tf.constant([{ re: 1, im: 2 }]).dtype, "complex64");
  nearPairs(tf.zeros([2], "complex128"), [
    [0, 0],
    [0, 0],
  ]);
  nearPairs(tf.ones([2], "complex128"), [
    [1, 0],
    [1, 0],
  ]);
  nearPairs(
    tf.onesLike(c128(Z)),
    Z.map((): C => [1, 0]),
  );
  nearPairs(tf.fill([2], 4, "complex128"), [
    [4, 0],
    [4, 0],
  ]);
  nearPairs(tf.constant(2, "complex128", [3]), [
    [2, 0],
    [2, 0],
    [2, 0],
  ]);
});

test("parts, abs, angle, conj and cast", () => {
  const z = c128(Z);
  assert.deepEqual(
    vals(tf.real(z)),
    Z.map((p) => p[0]),
  );
  assert.deepEqual(
    vals(tf.imag(z)),
    Z.map((p) => p[1]),
  );
  assert.equal(tf.real(z).dtype, "float64");
  nearPairs(
    tf.conj(z),
    Z.map(([a, b]): C => [a, -b]),
  );
  assert.deepEqual(
    vals(tf.abs(z)),
    Z.map(([a, b]) => Math.hypot(a, b)),
  );
  assert.deepEqual(
    vals(tf.math.angle(z)),
    Z.map(([a, b]) => Math.atan2(b, a)),
  );
  assert.deepEqual(vals(tf.math.angle(f64([-2, 0, 3]))), [Math.PI, 0, 0]);
  // real tensors: real is itself, imag is zeros, conj is itself
  const r = f64([1, -2]);
  assert.equal(tf.real(r), r);
  assert.deepEqual(vals(tf.imag(r)), [0, 0]);
  // cast: complex -> real drops the imaginary part; real -> complex has zero imaginary part
  assert.deepEqual(vals(tf.cast(z, "float32")), [1, 3, -0.5, -2]);
  assert.deepEqual(vals(tf.cast(z, "int32")), [1, 3, 0, -2]);
  nearPairs(tf.cast(f64([1, 2]), "complex128"), [
    [1, 0],
    [2, 0],
  ]);
  const c64 = tf.cast(z, "complex64");
  assert.equal(c64.dtype, "complex64");
  nearPairs(tf.cast(c64, "complex128"), Z);
  // complex() broadcasts its parts
  nearPairs(tf.complex(f64([1, 2]), f64(5)), [
    [1, 5],
    [2, 5],
  ]);
});

test("arithmetic against JS complex numbers", () => {
  const z = c128(Z);
  const w = c128(W);
  nearPairs(
    tf.add(z, w),
    Z.map((p, i): C => [p[0] + W[i][0], p[1] + W[i][1]]),
  );
  nearPairs(
    tf.subtract(z, w),
    Z.map((p, i): C => [p[0] - W[i][0], p[1] - W[i][1]]),
  );
  nearPairs(
    tf.multiply(z, w),
    Z.map((p, i) => cmul(p, W[i])),
  );
  nearPairs(
    tf.divide(z, w),
    Z.map((p, i) => cdiv(p, W[i])),
  );
  nearPairs(
    tf.negative(z),
    Z.map(([a, b]): C => [-a, -b]),
  );
  nearPairs(tf.exp(z), Z.map(cexp));
  nearPairs(tf.log(z), Z.map(clog));
  nearPairs(
    tf.square(z),
    Z.map((p) => cmul(p, p)),
  );
  nearPairs(
    tf.reciprocal(z),
    Z.map((p) => cdiv([1, 0], p)),
  );
  const s = tf.sqrt(z);
  nearPairs(tf.square(s), Z);
  for (const [a] of pairs(s)) assert.ok(a >= 0, "principal root"); // Re sqrt >= 0
  nearPairs(tf.sqrt(c128([[-4, 0]])), [[0, 2]]);
  nearPairs(
    tf.pow(z, w),
    Z.map((p, i) => cexp(cmul(W[i], clog(p)))),
  );
  // a JS number beside a complex tensor is complex, as a Python scalar is
  nearPairs(
    tf.multiply(z, 2),
    Z.map(([a, b]): C => [2 * a, 2 * b]),
  );
  nearPairs(
    tf.add(z, 1),
    Z.map(([a, b]): C => [a + 1, b]),
  );
  // broadcasting: [2, 2] with [2]
  const m = c128(Z, [2, 2]);
  const v = c128(W.slice(0, 2));
  nearPairs(tf.multiply(m, v), [
    cmul(Z[0], W[0]),
    cmul(Z[1], W[1]),
    cmul(Z[2], W[0]),
    cmul(Z[3], W[1]),
  ]);
  assert.deepEqual(vals(tf.equal(z, c128([Z[0], [3, 1], Z[2], [0, 0]]))), [1, 0, 1, 0]);
  assert.deepEqual(vals(tf.notEqual(z, c128([Z[0], [3, 1], Z[2], [0, 0]]))), [0, 1, 0, 1]);
});

test("reductions and matmul", () => {
  const m = c128(Z, [2, 2]);
  nearPairs(tf.reduceSum(m), [[Z.reduce((s, p) => s + p[0], 0), Z.reduce((s, p) => s + p[1], 0)]]);
  nearPairs(tf.reduceSum(m, 0), [
    [Z[0][0] + Z[2][0], Z[0][1] + Z[2][1]],
    [Z[1][0] + Z[3][0], Z[1][1] + Z[3][1]],
  ]);
  nearPairs(tf.reduceMean(m, 1, true), [
    [(Z[0][0] + Z[1][0]) / 2, (Z[0][1] + Z[1][1]) / 2],
    [(Z[2][0] + Z[3][0]) / 2, (Z[2][1] + Z[3][1]) / 2],
  ]);
  const b = c128(W, [2, 2]);
  const prod = (i: number, j: number, A: C[], B: C[]): C => {
    const x = cmul(A[i * 2], B[j]);
    const y = cmul(A[i * 2 + 1], B[2 + j]);
    return [x[0] + y[0], x[1] + y[1]];
  };
  nearPairs(tf.matmul(m, b), [
    prod(0, 0, Z, W),
    prod(0, 1, Z, W),
    prod(1, 0, Z, W),
    prod(1, 1, Z, W),
  ]);
  // adjoint = conjugate transpose; transpose alone does not conjugate
  const mH = tf.conj(tf.transpose(m));
  nearPairs(tf.matmul(m, b, { adjointA: true }), pairs(tf.matmul(mH, b)));
  nearPairs(tf.matmul(m, b, { transposeA: true }), pairs(tf.matmul(tf.transpose(m), b)));
  nearPairs(tf.matmul(m, b, { adjointB: true }), pairs(tf.matmul(m, tf.conj(tf.transpose(b)))));
});

test("movement ops copy (re, im) pairs", () => {
  const m = c128(
    Array.from({ length: 6 }, (_, i): C => [i, 10 + i]),
    [2, 3],
  );
  const at = (i: number): C => [i, 10 + i];
  nearPairs(tf.transpose(m), [0, 3, 1, 4, 2, 5].map(at));
  nearPairs(tf.concat([m, m], 1), [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5].map(at));
  nearPairs(tf.slice(m, [0, 1], [2, 2]), [1, 2, 4, 5].map(at));
  nearPairs(tf.gather(m, [2, 0], 1), [2, 0, 5, 3].map(at));
  nearPairs(tf.gatherNd(m, [[1, 2]]), [5].map(at));
  nearPairs(tf.stack([m, m]), [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5].map(at));
  assert.deepEqual(tf.stack([m, m], 2).shape, [2, 3, 2]);
  nearPairs(tf.unstack(m, null, 1)[2], [2, 5].map(at));
  nearPairs(tf.expandDims(m, 0), [0, 1, 2, 3, 4, 5].map(at));
  nearPairs(tf.reshape(m, [3, 2]), [0, 1, 2, 3, 4, 5].map(at));
  nearPairs(tf.tile(m, [1, 2]), [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5].map(at));
  nearPairs(tf.reverse(m, [1]), [2, 1, 0, 5, 4, 3].map(at));
  nearPairs(
    tf.pad(m, [
      [0, 0],
      [1, 0],
    ]),
    [[0, 0], at(0), at(1), at(2), [0, 0], at(3), at(4), at(5)],
  );
  nearPairs(tf.split(m, 3, 1)[1], [1, 4].map(at));
  nearPairs(tf.broadcastTo(tf.slice(m, [0, 0], [1, 3]), [2, 3]), [0, 1, 2, 0, 1, 2].map(at));
  nearPairs(tf.squeeze(tf.slice(m, [1, 0], [1, 3])), [3, 4, 5].map(at));
});

test("every other op refuses complex inputs, naming the op and the dtype", () => {
  const z = tf.complex([1, 2], [3, 4]);
  const refuse = (f: () => unknown, op: string) =>
    assert.throws(f, (e: Error) => {
      assert.ok(e instanceof tf.errors.InvalidArgumentError, `${op}: ${e.constructor.name}`);
      assert.match(e.message, new RegExp(`^${op}: .*complex64`));
      return true;
    });
  refuse(() => tf.relu(z), "Relu");
  refuse(() => tf.sin(z), "Sin");
  refuse(() => tf.tanh(z), "Tanh");
  refuse(() => tf.reduceMax(z), "Max");
  refuse(() => tf.maximum(z, z), "Maximum");
  refuse(() => tf.cumsum(z), "Cumsum");
  refuse(() => tf.nn.softmax(z), "Softmax");
  refuse(() => tf.sigmoid(z), "Sigmoid");
  assert.throws(() => tf.less(z, z), /Less.*complex64/);
  assert.throws(
    () => tf.complex(tf.constant([1], "int32"), tf.constant([1], "int32")),
    /Complex: .*int32/,
  );
  assert.throws(() => tf.complex(f64([1]), tf.constant([1])), /float64.*float32|same dtype/);
  assert.throws(
    () =>
      tf.add(
        z,
        c128([
          [1, 1],
          [2, 2],
        ]),
      ),
    /add: .*complex64.*complex128/i,
  );
  assert.throws(() => tf.pad(z, [[1, 1]], "CONSTANT", 2), /PadV2: .*constant other than 0/);
  assert.throws(() => tf.real(tf.constant(["a"])), /real: .*string/);
});

/** f of a complex input, as a real function of its parts for finite differences. */
function viaParts(f: (z: tf.Tensor) => tf.Tensor, shape: number[]) {
  return (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const y = f(tf.reshape(tf.complex(a, b), shape));
    return y.dtype === "complex128"
      ? tf.concat([tf.reshape(tf.real(y), [-1]), tf.reshape(tf.imag(y), [-1])], 0)
      : y;
  };
}

test("gradients: TensorFlow's conjugate convention, by finite differences on re and im", () => {
  const a = randomTensor([4], 1);
  const b = randomTensor([4], 2);
  const pos = randomTensor([4], 3, 0.5, 2);
  const cases: [string, (z: tf.Tensor) => tf.Tensor][] = [
    ["exp", tf.exp],
    ["log", tf.log],
    ["sqrt", tf.sqrt],
    ["square", tf.square],
    ["reciprocal", tf.reciprocal],
    ["abs", tf.abs],
    ["angle", tf.math.angle],
    ["real", tf.real],
    ["imag", tf.imag],
    ["conj", tf.conj],
    ["neg", tf.negative],
    ["mul", (z) => tf.multiply(z, tf.reverse(z, [0]))],
    ["div", (z) => tf.divide(tf.reverse(z, [0]), tf.add(z, 3))],
    ["add/sub", (z) => tf.subtract(tf.add(z, tf.reverse(z, [0])), tf.multiply(z, 2))],
    ["pow", (z) => tf.pow(tf.add(z, 2), tf.reverse(z, [0]))],
    ["sum/mean", (z) => tf.add(tf.reduceSum(tf.square(z)), tf.reduceMean(z))],
    ["cast", (z) => tf.cast(tf.cast(tf.square(z), "float64"), "complex128")],
    [
      "matmul",
      (z) => tf.reshape(tf.matmul(tf.reshape(z, [2, 2]), tf.reshape(tf.square(z), [2, 2])), [4]),
    ],
    [
      "matmul adjoint",
      (z) =>
        tf.reshape(
          tf.matmul(tf.reshape(z, [2, 2]), tf.reshape(z, [2, 2]), { adjointA: true }),
          [4],
        ),
    ],
    [
      "movement",
      (z) =>
        tf.reshape(
          tf.transpose(
            tf.concat([tf.reshape(z, [2, 2]), tf.gather(tf.reshape(z, [2, 2]), [1], 0)], 0),
          ),
          [6],
        ),
    ],
    ["slice/tile/pad", (z) => tf.pad(tf.tile(tf.slice(z, [1], [2]), [2]), [[1, 2]])],
    ["stack/unstack", (z) => tf.unstack(tf.stack([z, tf.square(z)], 1), null, 1)[1]],
  ];
  for (const [name, f] of cases) {
    const at = name === "log" || name === "sqrt" ? [pos, b] : [a, b];
    try {
      checkGradients(viaParts(f, [4]), at, { rtol: 1e-6, atol: 1e-8 });
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
  // the convention itself: L = |z|^2 has gradient dL/dRe + i dL/dIm = 2 z
  const z = c128(Z);
  const tape = new tf.GradientTape();
  tape.watch(z);
  const L = tape.record(() => tf.reduceSum(tf.square(tf.abs(z))));
  nearPairs(
    tape.gradient(L, z) as tf.Tensor,
    Z.map(([x, y]): C => [2 * x, 2 * y]),
  );
  // and through a variable: L = Re(z w) gives conj(w)
  const v = new tf.Variable(c128(Z));
  const t2 = new tf.GradientTape();
  const L2 = t2.record(() => tf.reduceSum(tf.real(tf.multiply(v, c128(W)))));
  nearPairs(
    t2.gradient(L2, v) as tf.Tensor,
    W.map(([x, y]): C => [x, -y]),
  );
});

test("second-order gradients through complex ops", () => {
  const x = randomTensor([2, 3], 7, 0.5, 1.5);
  const f = (p: tf.Tensor): tf.Tensor => {
    const [a, b] = tf.unstack(p);
    const z = tf.complex(a, b);
    return tf.real(tf.multiply(tf.exp(z), tf.log(tf.multiply(z, z))));
  };
  checkSecondOrder(f, x, { rtol: 1e-5, atol: 1e-7 });
});
