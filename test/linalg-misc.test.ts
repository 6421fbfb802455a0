/**
 * tf.linalg composites: pinv (Moore-Penrose conditions), matrixRank, norm (vector and matrix
 * ords against hand-computed values), normalize, globalNorm, cross, bandPart, setDiag,
 * tensorDiag and expm (diagonal, nilpotent, rotation generator, exp(A) exp(-A) = I), with bad
 * inputs and gradients against float64 finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";
import { eyeLike, near, nums } from "./helpers/linalg-check.js";

const f64 = (v: unknown) => tf.constant(v as tf.TensorLike, "float64");

test("pinv: the four Moore-Penrose conditions on full-rank and rank-deficient matrices", () => {
  for (const a of [
    randomTensor([4, 3], 1),
    randomTensor([2, 3, 5], 2),
    f64([
      [1, 2],
      [2, 4],
      [3, 6],
    ]),
  ]) {
    const p = tf.linalg.pinv(a);
    assert.deepEqual(p.shape, [...a.shape.slice(0, -2), a.shape[a.rank - 1], a.shape[a.rank - 2]]);
    const ap = tf.matmul(a, p);
    const pa = tf.matmul(p, a);
    near(tf.matmul(ap, a), a, 1e-12, "A P A = A");
    near(tf.matmul(pa, p), p, 1e-12, "P A P = P");
    near(ap, tf.linalg.matrixTranspose(ap), 1e-12, "A P symmetric");
    near(pa, tf.linalg.matrixTranspose(pa), 1e-12, "P A symmetric");
  }
  // Known: pinv of the rank-1 matrix x y^T is y x^T / (|x|^2 |y|^2).
  near(
    tf.linalg.pinv(
      f64([
        [1, 2],
        [2, 4],
        [3, 6],
      ]),
    ),
    tf.multiply(
      f64([
        [1, 2, 3],
        [2, 4, 6],
      ]),
      1 / 70,
    ),
    1e-14,
    "rank 1",
  );
  near(tf.linalg.pinv(tf.eye(3, 3, "float64")), tf.eye(3, 3, "float64"), 1e-15, "identity");
  checkGradients((x) => tf.linalg.pinv(x), [randomTensor([3, 2], 3)], { rtol: 1e-4, atol: 1e-6 });
  assert.throws(() => tf.linalg.pinv(tf.zeros([3])), /pinv: a must have rank >= 2/);
});

test("matrixRank: full, deficient, zero, batched, and a tolerance", () => {
  const r = tf.linalg.matrixRank(
    tf.stack([
      randomTensor([3, 3], 4),
      f64([
        [1, 2, 3],
        [2, 4, 6],
        [1, 1, 1],
      ]),
      tf.zeros([3, 3], "float64"),
    ]),
  );
  assert.equal(r.dtype, "int32");
  assert.deepEqual(nums(r), [3, 2, 0]);
  assert.equal(
    Number(
      tf.linalg
        .matrixRank(
          f64([
            [1, 0],
            [0, 1e-3],
          ]),
          1e-2,
        )
        .numpy(),
    ),
    1,
  );
});

test("norm: vector and matrix ords against hand-computed values, keepdims, errors", () => {
  const v = f64([3, -4]);
  near(tf.norm(v), 5, 1e-15, "euclidean");
  near(tf.linalg.norm(v, 1), 7, 0, "l1");
  near(tf.linalg.norm(v, Infinity), 4, 0, "inf");
  near(tf.linalg.norm(v, 3), Math.cbrt(27 + 64), 1e-15, "l3");
  const m = f64([
    [1, -2],
    [3, 4],
  ]);
  near(tf.norm(m), Math.sqrt(30), 1e-15, "whole tensor");
  near(tf.norm(m, "fro", [0, 1]), Math.sqrt(30), 1e-15, "fro");
  near(tf.norm(m, 1, [-2, -1]), 6, 0, "max column sum");
  near(tf.norm(m, Infinity, [-2, -1]), 7, 0, "max row sum");
  // Largest singular value of [[1,-2],[3,4]]: sqrt of the top eigenvalue of A^T A = [[10,10],[10,20]].
  near(tf.norm(m, 2, [0, 1]), Math.sqrt(15 + Math.sqrt(125)), 1e-14, "spectral");
  near(tf.norm(m, "euclidean", 1), [Math.sqrt(5), 5], 1e-15, "rows");
  near(tf.norm(m, "euclidean", 0, true), [[Math.sqrt(10), Math.sqrt(20)]], 1e-15, "keepdims");
  const batch = randomTensor([2, 3, 4], 5);
  assert.deepEqual(tf.norm(batch, 2, [1, 2]).shape, [2]);
  assert.deepEqual(tf.norm(batch, 1, [2, 1], true).shape, [2, 1, 1]);
  near(
    tf.norm(batch, 2, [1, 2]),
    tf.reduceMax(tf.linalg.svd(batch, { computeUv: false }), -1),
    1e-14,
    "ord 2",
  );
  assert.throws(() => tf.norm(v, "fro"), /norm: ord fro is not supported for vector norms/);
  assert.throws(() => tf.norm(m, 3, [0, 1]), /norm: ord 3 is not supported for matrix norms/);
  assert.throws(() => tf.norm(m, -1), /not supported/);
  assert.throws(() => tf.norm(m, 2, [0, 0]), /the two axes must differ/);
  assert.throws(() => tf.norm(tf.constant([1], "int32")), /norm: input must be float32 or float64/);
  checkGradients((x) => tf.norm(x, "euclidean", -1), [randomTensor([2, 3], 6)]);
  checkGradients((x) => tf.norm(x, 3, 0), [randomTensor([3, 2], 7, 0.2, 1)]);
  checkGradients((x) => tf.norm(x, 2, [0, 1]), [randomTensor([3, 3], 8)], { rtol: 1e-4 });
  checkSecondOrder((x) => tf.norm(x, "fro", [0, 1]), randomTensor([2, 3], 9));
});

test("normalize and globalNorm", () => {
  const [n, nrm] = tf.linalg.normalize(
    f64([
      [3, 4],
      [6, 8],
    ]),
    "euclidean",
    1,
  );
  near(
    n,
    [
      [0.6, 0.8],
      [0.6, 0.8],
    ],
    1e-15,
    "normalized rows",
  );
  near(nrm, [[5], [10]], 1e-15, "norms kept");
  near(
    tf.linalg.globalNorm([
      f64([3]),
      f64([
        [4, 0],
        [0, 12],
      ]),
    ]),
    13,
    1e-15,
    "sqrt(9 + 16 + 144)",
  );
  near(tf.linalg.globalNorm([f64([1, 1]), null]), Math.SQRT2, 1e-15, "null skipped");
  assert.throws(() => tf.linalg.globalNorm([]), /globalNorm: tList holds no tensor/);
  assert.throws(
    () => tf.linalg.globalNorm([tf.ones([2]), f64([1])]),
    /globalNorm: all tensors must have the same dtype/,
  );
  checkGradients(
    (a, b) => tf.linalg.globalNorm([a, b]),
    [randomTensor([3], 10), randomTensor([2, 2], 11)],
  );
});

test("cross: known products, batches, shape errors, gradient", () => {
  near(tf.linalg.cross(f64([1, 0, 0]), f64([0, 1, 0])), [0, 0, 1], 0, "x cross y = z");
  near(tf.linalg.cross(f64([[1, 2, 3]]), f64([[4, 5, 6]])), [[-3, 6, -3]], 0, "batch");
  const a = randomTensor([2, 3], 12);
  const b = randomTensor([2, 3], 13);
  near(tf.reduceSum(tf.multiply(tf.linalg.cross(a, b), a), -1), [0, 0], 1e-15, "orthogonal to a");
  assert.throws(
    () => tf.linalg.cross(tf.ones([2]), tf.ones([2])),
    /Cross: a and b must have the same shape \[\.\.\., 3\], got \[2\]/,
  );
  assert.throws(() => tf.linalg.cross(tf.ones([3]), tf.ones([2, 3])), /Cross/);
  checkGradients((x, y) => tf.linalg.cross(x, y), [a, b]);
});

test("bandPart, setDiag, tensorDiag: values, batches, errors, gradients", () => {
  const x = f64([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10, 11, 12],
  ]);
  near(
    tf.linalg.bandPart(x, 1, 0),
    [
      [1, 0, 0, 0],
      [5, 6, 0, 0],
      [0, 10, 11, 0],
    ],
    0,
    "(1, 0)",
  );
  near(
    tf.linalg.bandPart(x, 0, -1),
    [
      [1, 2, 3, 4],
      [0, 6, 7, 8],
      [0, 0, 11, 12],
    ],
    0,
    "upper",
  );
  near(
    tf.linalg.bandPart(x, -1, 1),
    [
      [1, 2, 0, 0],
      [5, 6, 7, 0],
      [9, 10, 11, 12],
    ],
    0,
    "(-1, 1)",
  );
  near(
    tf.linalg.setDiag(x, f64([0, 0, 0])),
    [
      [0, 2, 3, 4],
      [5, 0, 7, 8],
      [9, 10, 0, 12],
    ],
    0,
    "wide",
  );
  near(
    tf.linalg.setDiag(tf.linalg.matrixTranspose(x), f64([-1, -2, -3])),
    [
      [-1, 5, 9],
      [2, -2, 10],
      [3, 7, -3],
      [4, 8, 12],
    ],
    0,
    "tall",
  );
  const b = randomTensor([2, 3, 3], 14);
  near(
    tf.linalg.diagPart(
      tf.linalg.setDiag(
        b,
        f64([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ),
    ),
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    0,
    "batch",
  );
  assert.throws(() => tf.linalg.setDiag(x, f64([1, 2])), /setDiag: diagonal must have shape \[3\]/);
  assert.throws(() => tf.linalg.bandPart(x, 4, 0), /numLower \(4\) must be <= the rows \(3\)/);
  assert.throws(() => tf.linalg.bandPart(f64([1]), 0, 0), /bandPart: input must have rank >= 2/);
  const td = tf.linalg.tensorDiag(
    f64([
      [1, 2],
      [3, 4],
    ]),
  );
  assert.deepEqual(td.shape, [2, 2, 2, 2]);
  const tv = nums(td);
  assert.equal(tv[0], 1);
  assert.equal(tv[5], 2); // [0,1,0,1] = 0*8 + 1*4 + 0*2 + 1
  assert.equal(
    tv.reduce((s, v) => s + v, 0),
    10,
  );
  near(
    tf.linalg.tensorDiag(f64([1, 2])),
    [
      [1, 0],
      [0, 2],
    ],
    0,
    "rank 1",
  );
  assert.throws(() => tf.linalg.tensorDiag(f64(1)), /tensorDiag: input must be at least rank 1/);
  checkGradients((m, d) => tf.linalg.setDiag(m, d), [b, randomTensor([2, 3], 15)]);
  checkGradients((m) => tf.linalg.bandPart(m, 1, 0), [b]);
  checkGradients((d) => tf.linalg.tensorDiag(d), [randomTensor([2, 2], 16)]);
});

test("expm: diagonal, nilpotent, rotation generator, exp(A) exp(-A) = I, float32, gradients", () => {
  near(
    tf.linalg.expm(
      f64([
        [1, 0],
        [0, -2],
      ]),
    ),
    [
      [Math.E, 0],
      [0, Math.exp(-2)],
    ],
    1e-15,
    "diagonal",
  );
  // N nilpotent (N^3 = 0): exp(N) = I + N + N^2 / 2.
  near(
    tf.linalg.expm(
      f64([
        [0, 1, 2],
        [0, 0, 3],
        [0, 0, 0],
      ]),
    ),
    [
      [1, 1, 2 + 1.5],
      [0, 1, 3],
      [0, 0, 1],
    ],
    1e-15,
    "nilpotent",
  );
  // exp(t [[0, -1], [1, 0]]) is the rotation by t: large t exercises scaling and squaring.
  for (const t of [0.001, 0.3, 2, 40]) {
    near(
      tf.linalg.expm(
        f64([
          [0, -t],
          [t, 0],
        ]),
      ),
      [
        [Math.cos(t), -Math.sin(t)],
        [Math.sin(t), Math.cos(t)],
      ],
      1e-13,
      `rotation ${t}`,
    );
  }
  const a = tf.multiply(randomTensor([2, 4, 4], 17), 3);
  near(tf.matmul(tf.linalg.expm(a), tf.linalg.expm(tf.negative(a))), eyeLike(a), 1e-12, "inverse");
  const e32 = tf.linalg.expm(
    tf.constant([
      [0, -2],
      [2, 0],
    ]),
  );
  assert.equal(e32.dtype, "float32");
  near(
    tf.cast(e32, "float64"),
    [
      [Math.cos(2), -Math.sin(2)],
      [Math.sin(2), Math.cos(2)],
    ],
    1e-6,
    "float32",
  );
  assert.throws(() => tf.linalg.expm(tf.zeros([2, 3])), /MatrixExponential.*square.*\[2,3\]/);
  // d/dt trace(exp(t A)) at t = 1 is trace(A exp(A)); the gradient in A is exp(A)^T.
  const x = randomTensor([3, 3], 18);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.linalg.trace(tf.linalg.expm(x)));
  near(
    tape.gradient(y, x) as tf.Tensor,
    tf.linalg.matrixTranspose(tf.linalg.expm(x)),
    1e-12,
    "d trace exp",
  );
  checkGradients((m) => tf.linalg.expm(m), [randomTensor([3, 3], 19)]);
  checkGradients((m) => tf.linalg.expm(m), [tf.multiply(randomTensor([2, 2], 20), 4)], {
    rtol: 1e-4,
  });
  checkSecondOrder((m) => tf.linalg.expm(m), randomTensor([2, 2], 21), { rtol: 1e-4, atol: 1e-6 });
});

test("sqrtm: S S = A, known roots, batches, no root refused, gradient to second order", () => {
  near(
    tf.linalg.sqrtm(
      f64([
        [4, 0],
        [0, 9],
      ]),
    ),
    [
      [2, 0],
      [0, 3],
    ],
    1e-15,
    "diagonal",
  );
  // [[1, 1], [0, 1]]^(1/2) = [[1, 1/2], [0, 1]].
  near(
    tf.linalg.sqrtm(
      f64([
        [1, 1],
        [0, 1],
      ]),
    ),
    [
      [1, 0.5],
      [0, 1],
    ],
    1e-14,
    "Jordan block",
  );
  const a = randomSpd3(2);
  const s = tf.linalg.sqrtm(a);
  near(tf.matmul(s, s), a, 1e-12, "S S = A");
  // A non-symmetric matrix with complex eigenvalues in the right half-plane.
  const r = f64([
    [1, -2],
    [2, 1],
  ]);
  near(tf.matmul(tf.linalg.sqrtm(r), tf.linalg.sqrtm(r)), r, 1e-13, "complex pair");
  const s32 = tf.linalg.sqrtm(
    tf.constant([
      [4, 1],
      [0, 9],
    ]),
  );
  assert.equal(s32.dtype, "float32");
  near(
    tf.cast(tf.matmul(s32, s32), "float64"),
    [
      [4, 1],
      [0, 9],
    ],
    1e-5,
    "float32",
  );
  assert.throws(
    () =>
      tf.linalg.sqrtm(
        f64([
          [-1, 0],
          [0, 1],
        ]),
      ),
    /MatrixSquareRoot: no principal square root found.*\[2,2\] float64/,
  );
  assert.throws(() => tf.linalg.sqrtm(tf.zeros([2, 3])), /MatrixSquareRoot.*square/);
  checkGradients((m) => tf.linalg.sqrtm(m), [randomSpd3(3)]);
  checkSecondOrder((m) => tf.linalg.sqrtm(m), randomSpd3(4), { rtol: 1e-4, atol: 1e-6 });
});

/** X X^T + I for a random 3 x 3 (batch 2) X: symmetric positive definite. */
function randomSpd3(seed: number): tf.Tensor {
  const x = randomTensor([2, 3, 3], seed);
  return tf.add(tf.matmul(x, x, { transposeB: true }), eyeLike(x));
}
