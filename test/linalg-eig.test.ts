/**
 * tf.linalg.eig / eigvals: A v = e v for real and complex, batched and float32 inputs, known
 * spectra, the ordering and normalization conventions, TensorFlow's gradient against finite
 * differences (eigenvalues, and phase-invariant functions of the eigenvectors), bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);
const maxAbs = (t: tf.Tensor): number => Math.max(0, ...vals(tf.abs(t)));

/** max |A v - v diag(e)| over a batch, A cast to the eigenvectors' dtype. */
function residual(a: tf.Tensor, e: tf.Tensor, v: tf.Tensor): number {
  const ac = a.dtype === v.dtype ? a : tf.cast(a, v.dtype);
  return maxAbs(tf.subtract(tf.matmul(ac, v), tf.multiply(v, tf.expandDims(e, -2))));
}

test("A v = e v: real, complex, batched, float32", () => {
  for (const n of [1, 2, 3, 5, 8]) {
    const a = randomTensor([n, n], n);
    const [e, v] = tf.linalg.eig(a);
    assert.equal(e.dtype, "complex128");
    assert.deepEqual(v.shape, [n, n]);
    assert.ok(residual(a, e, v) < 1e-12, `real n=${n}: ${residual(a, e, v)}`);
    const c = tf.complex(randomTensor([n, n], 10 + n), randomTensor([n, n], 20 + n));
    const [ec, vc] = tf.linalg.eig(c);
    assert.ok(residual(c, ec, vc) < 1e-12, `complex n=${n}`);
    // unit columns, largest component real and positive
    const norms = vals(tf.reduceSum(tf.square(tf.abs(vc)), 0));
    norms.forEach((x) => assert.ok(Math.abs(x - 1) < 1e-12));
    // increasing modulus
    const mod = vals(tf.abs(ec));
    for (let i = 1; i < n; i++) assert.ok(mod[i] >= mod[i - 1] - 1e-12);
  }
  const batch = randomTensor([2, 3, 4, 4], 7);
  const [eb, vb] = tf.linalg.eig(batch);
  assert.deepEqual(eb.shape, [2, 3, 4]);
  assert.ok(residual(batch, eb, vb) < 1e-12);
  const a32 = tf.cast(randomTensor([4, 4], 8), "float32");
  const [e32, v32] = tf.linalg.eig(a32);
  assert.equal(e32.dtype, "complex64");
  assert.ok(residual(a32, e32, v32) < 1e-5);
  // eigvals is eig's first output
  assert.deepEqual(vals(tf.linalg.eigvals(batch)), vals(eb));
});

test("known spectra", () => {
  // a rotation: +-i; a triangular matrix: its diagonal; a symmetric one: eigh's values
  const rot = tf.linalg.eigvals(
    f64([
      [0, -1],
      [1, 0],
    ]),
  );
  const r = vals(rot);
  assert.ok(Math.abs(r[0]) < 1e-15 && Math.abs(Math.abs(r[1]) - 1) < 1e-15 && r[1] === -r[3]);
  const tri = vals(
    tf.real(
      tf.linalg.eigvals(
        f64([
          [3, 1, 2],
          [0, -1, 4],
          [0, 0, 2],
        ]),
      ),
    ),
  );
  assert.deepEqual(
    tri.map((x) => Math.round(x * 1e12) / 1e12),
    [-1, 2, 3],
  );
  const d = vals(
    tf.linalg.eigvals(
      tf.complex(
        f64([
          [2, 0],
          [0, 1],
        ]),
        f64([
          [1, 0],
          [0, 0],
        ]),
      ),
    ),
  );
  assert.deepEqual(d, [1, 0, 2, 1]);
  // a defective matrix still gives its eigenvalue
  const j = vals(
    tf.linalg.eigvals(
      f64([
        [2, 1],
        [0, 2],
      ]),
    ),
  );
  assert.ok(Math.abs(j[0] - 2) < 1e-12 && Math.abs(j[2] - 2) < 1e-12);
  // the empty matrix
  assert.deepEqual(tf.linalg.eig(tf.zeros([0, 0], "float64"))[0].shape, [0]);
});

test("gradient: TensorFlow's Eig gradient against finite differences", () => {
  // eigenvalues (re and im) and |v|, which does not depend on the eigenvectors' phases
  const f = (a: tf.Tensor): tf.Tensor => {
    const [e, v] = tf.linalg.eig(a);
    return tf.concat([tf.real(e), tf.imag(e), tf.reshape(tf.abs(v), [-1])], 0);
  };
  const a = tf.add(
    randomTensor([3, 3], 3),
    f64([
      [3, 0, 0],
      [0, 0, 0],
      [0, 0, -3],
    ]),
  );
  checkGradients(f, [a], { rtol: 1e-5, atol: 1e-7 });
  checkGradients(f, [randomTensor([4, 4], 4)], { rtol: 1e-5, atol: 1e-7 });
  // a complex input, by its real and imaginary parts
  const g = (re: tf.Tensor, im: tf.Tensor): tf.Tensor => {
    const [e, v] = tf.linalg.eig(tf.complex(re, im));
    return tf.concat([tf.real(e), tf.imag(e), tf.reshape(tf.abs(v), [-1])], 0);
  };
  checkGradients(g, [randomTensor([3, 3], 5), randomTensor([3, 3], 6)], {
    rtol: 1e-5,
    atol: 1e-7,
  });
  // the trace is the sum of the eigenvalues: its gradient is the identity
  const x = new tf.Variable(randomTensor([4, 4], 9));
  const tape = new tf.GradientTape();
  const L = tape.record(() => tf.real(tf.reduceSum(tf.linalg.eigvals(x))));
  const gx = vals(tape.gradient(L, x) as tf.Tensor);
  gx.forEach((v, i) => assert.ok(Math.abs(v - (i % 5 === 0 ? 1 : 0)) < 1e-10, `${i}: ${v}`));
});

test("bad inputs", () => {
  assert.throws(() => tf.linalg.eig(f64([[1, 2, 3]])), /eig: .*square matrix.*\[1,3\]/);
  assert.throws(() => tf.linalg.eigvals(f64([1, 2])), /eigvals: .*square/);
  assert.throws(() => tf.linalg.eig(tf.constant([[1]], "int32")), /eig: .*int32/);
  assert.throws(
    () =>
      tf.linalg.eig(
        f64([
          [NaN, 0],
          [0, 1],
        ]),
      ),
    /Eig: .*did not converge/,
  );
});
