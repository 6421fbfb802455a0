/**
 * tf.linalg decompositions and solves: values against identities (L L^T = A, Q R = A,
 * U S V^T = A, A V = V diag(e), A solve(A, b) = b, inv(A) A = I, det against known values and
 * LU pivots), bad inputs, and TensorFlow's gradients against float64 finite differences to
 * second order (through each entry's own check cases, and on the transformed inputs the
 * decompositions need: symmetric positive definite for Cholesky).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { Lu, Qr, SelfAdjointEigV2, Svd, Cholesky } from "../src/ops/linalg-decomp.js";
import {
  LogMatrixDeterminant,
  MatrixDeterminant,
  MatrixInverse,
  MatrixSolve,
  MatrixTriangularSolve,
  TridiagonalSolve,
} from "../src/ops/linalg-solve.js";
import { MatrixSquareRoot } from "../src/ops/linalg-sqrtm.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";
import {
  eyeLike,
  near,
  nums,
  randomSpd,
  randomWell,
  runEntryCheck,
} from "./helpers/linalg-check.js";

const T = (x: tf.Tensor) => tf.linalg.matrixTranspose(x);
const sym = (x: tf.Tensor) => tf.multiply(tf.add(x, T(x)), 0.5);

function assertLower(x: tf.Tensor, what: string): void {
  near(tf.linalg.bandPart(x, 0, -1).sub(tf.linalg.bandPart(x, 0, 0)), tf.zerosLike(x), 0, what);
}
function assertUpper(x: tf.Tensor, what: string): void {
  near(tf.linalg.bandPart(x, -1, 0).sub(tf.linalg.bandPart(x, 0, 0)), tf.zerosLike(x), 0, what);
}
/** Columns orthonormal: X^T X = I. */
function assertOrthonormal(x: tf.Tensor, tol: number, what: string): void {
  const g = tf.matmul(x, x, { transposeA: true });
  near(g, eyeLike(g), tol, what);
}

// --- the entries' own check cases ---------------------------------------------------------------

for (const op of [
  MatrixTriangularSolve,
  MatrixSolve,
  MatrixInverse,
  MatrixDeterminant,
  LogMatrixDeterminant,
  TridiagonalSolve,
  Qr,
  Svd,
  SelfAdjointEigV2,
  MatrixSquareRoot,
]) {
  test(`${op.name}: its check cases pass (tape vs finite differences, second order)`, () => {
    assert.equal(op.kind, "other");
    runEntryCheck(op);
  });
}

test("Cholesky and Lu: checks are skipped with a reason, Lu has no gradient as in TensorFlow", () => {
  for (const op of [Cholesky, Lu]) {
    assert.ok(op.check !== undefined && "skip" in op.check && op.check.skip.length > 20);
  }
  assert.equal(Lu.grad, null);
  const x = tf.constant(
    [
      [2, 1],
      [1, 3],
    ],
    "float64",
  );
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => tf.linalg.lu(x)[0]);
  assert.throws(() => tape.gradient(y, x), /gradient registry has no entry for: Lu/);
});

// --- Cholesky -------------------------------------------------------------------------------------

test("cholesky: L L^T = A, L lower with a positive diagonal, batches, float32 and float64", () => {
  const a = tf.constant(
    [
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ],
    "float64",
  );
  // The textbook example: L = [[2,0,0],[6,1,0],[-8,5,3]].
  near(
    tf.linalg.cholesky(a),
    [
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ],
    1e-14,
    "known L",
  );
  for (const dtype of ["float32", "float64"] as const) {
    const spd = tf.cast(randomSpd([2, 3, 4, 4], 5), dtype);
    const l = tf.linalg.cholesky(spd);
    assert.equal(l.dtype, dtype);
    assertLower(l, "L");
    near(tf.matmul(l, l, { transposeB: true }), spd, dtype === "float32" ? 1e-5 : 1e-13, "L L^T");
    assert.ok(nums(tf.linalg.diagPart(l)).every((d) => d > 0));
  }
  // Only the lower triangle is read.
  const junk = tf.linalg
    .bandPart(a, -1, 0)
    .add(
      tf.linalg
        .bandPart(tf.fill([3, 3], 99, "float64"), 0, -1)
        .sub(tf.linalg.bandPart(tf.fill([3, 3], 99, "float64"), 0, 0)),
    );
  near(tf.linalg.cholesky(junk), tf.linalg.cholesky(a), 0, "upper triangle ignored");
});

test("cholesky: not positive definite, non-square, rank < 2 and int32 inputs are refused", () => {
  assert.throws(
    () =>
      tf.linalg.cholesky(
        tf.constant([
          [1, 2],
          [2, 1],
        ]),
      ),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /Cholesky decomposition was not successful\. The input might not be valid\./.test(
        e.message,
      ) &&
      /\[2,2\] float32/.test(e.message),
  );
  assert.throws(
    () => tf.linalg.cholesky(tf.zeros([2, 3])),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError && /Cholesky.*square.*\[2,3\]/.test(e.message),
  );
  assert.throws(
    () => tf.linalg.cholesky(tf.zeros([3])),
    /Cholesky: input must have rank >= 2.*\[3\]/,
  );
  assert.throws(() => tf.linalg.cholesky(tf.constant([[1]], "int32")), TypeError);
});

test("cholesky: gradient (TensorFlow's symmetric form) to second order on SPD inputs", () => {
  // f(X) = cholesky(sym(X) + 3I): perturbations of X are symmetric perturbations of A.
  const f = (x: tf.Tensor) => tf.linalg.cholesky(tf.add(sym(x), tf.multiply(eyeLike(x), 3)));
  checkGradients(f, [randomTensor([3, 3], 11)]);
  checkGradients(f, [randomTensor([2, 3, 3], 12)]);
  checkSecondOrder(f, randomTensor([3, 3], 13), { rtol: 1e-4, atol: 1e-6 });
  // logdet through the Cholesky: d/dA log det A = A^-1 (symmetric).
  const a = randomSpd([3, 3], 14);
  const tape = new tf.GradientTape();
  tape.watch(a);
  const y = tape.record(() => tf.linalg.logdet(a));
  near(tape.gradient(y, a) as tf.Tensor, tf.linalg.inv(a), 1e-10, "d logdet");
});

// --- QR -------------------------------------------------------------------------------------------

test("qr: Q R = A with Q orthonormal and R upper triangular, reduced and full, tall/wide/batched", () => {
  for (const [shape, full] of [
    [[4, 3], false],
    [[4, 3], true],
    [[3, 5], false],
    [[3, 5], true],
    [[2, 3, 3], false],
    [[2, 1, 4, 2], true],
  ] as [number[], boolean][]) {
    const a = randomTensor(shape, 21);
    const [q, r] = tf.linalg.qr(a, { fullMatrices: full });
    const [m, n] = shape.slice(-2);
    const p = Math.min(m, n);
    assert.deepEqual(q.shape, [...shape.slice(0, -2), m, full ? m : p]);
    assert.deepEqual(r.shape, [...shape.slice(0, -2), full ? m : p, n]);
    near(tf.matmul(q, r), a, 1e-13, `QR ${shape} ${full}`);
    assertOrthonormal(q, 1e-13, "Q^T Q");
    assertUpper(r, "R");
  }
  const [q32, r32] = tf.linalg.qr(
    tf.constant([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
  );
  assert.equal(q32.dtype, "float32");
  near(
    tf.cast(tf.matmul(q32, r32), "float64"),
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    1e-5,
    "float32 QR",
  );
});

test("qr: gradients (square, tall, wide) to second order; full tall has none, as in TensorFlow", () => {
  const loss = (x: tf.Tensor, full = false) => {
    const [q, r] = tf.linalg.qr(x, { fullMatrices: full });
    return tf.concat([tf.reshape(q, [-1]), tf.reshape(r, [-1])], 0);
  };
  for (const shape of [
    [3, 3],
    [4, 2],
    [2, 4],
    [2, 3, 2],
  ]) {
    checkGradients((x) => loss(x), [randomTensor(shape, 31)]);
  }
  checkSecondOrder((x) => loss(x), randomTensor([3, 2], 32), { rtol: 1e-4, atol: 1e-6 });
  checkSecondOrder((x) => loss(x), randomTensor([2, 3], 33), { rtol: 1e-4, atol: 1e-6 });
  const x = randomTensor([3, 2], 34);
  const tape = new tf.GradientTape();
  tape.watch(x);
  const y = tape.record(() => loss(x, true));
  assert.throws(
    () => tape.gradient(y, x),
    /Qr: the gradient is not implemented when rows > columns and fullMatrices/,
  );
});

// --- SVD ------------------------------------------------------------------------------------------

test("svd: U diag(S) V^T = A, orthonormal U and V, S descending, full and reduced, batches", () => {
  for (const [shape, full] of [
    [[4, 3], false],
    [[3, 5], false],
    [[4, 3], true],
    [[3, 5], true],
    [[2, 3, 3], false],
  ] as [number[], boolean][]) {
    const a = randomTensor(shape, 41);
    const [s, u, v] = tf.linalg.svd(a, { fullMatrices: full });
    const [m, n] = shape.slice(-2);
    const p = Math.min(m, n);
    assert.deepEqual(s.shape, [...shape.slice(0, -2), p]);
    assert.deepEqual(u.shape, [...shape.slice(0, -2), m, full ? m : p]);
    assert.deepEqual(v.shape, [...shape.slice(0, -2), n, full ? n : p]);
    assertOrthonormal(u, 1e-13, "U");
    assertOrthonormal(v, 1e-13, "V");
    const u1 = tf.slice(
      u,
      shape.map(() => 0),
      [...shape.slice(0, -1), p],
    );
    const v1 = tf.slice(
      v,
      [...shape.slice(0, -2), 0, 0].map(() => 0),
      [...shape.slice(0, -2), n, p],
    );
    near(
      tf.matmul(tf.matmul(u1, tf.linalg.diag(s)), v1, { transposeB: true }),
      a,
      1e-13,
      "U S V^T",
    );
    const sv = nums(s);
    for (let i = 1; i < p; i++) if (i % p !== 0) assert.ok(sv[i - 1] >= sv[i] || i % p === 0);
  }
  // Known singular values: diag(3, -2) has 3, 2; a rank-1 matrix has one nonzero.
  near(
    tf.linalg.svd(
      tf.constant(
        [
          [3, 0],
          [0, -2],
        ],
        "float64",
      ),
      { computeUv: false },
    ),
    [3, 2],
    1e-15,
    "diag",
  );
  near(
    tf.linalg.svd(
      tf.constant(
        [
          [1, 2],
          [2, 4],
          [3, 6],
        ],
        "float64",
      ),
      { computeUv: false },
    ),
    [Math.sqrt(70), 0],
    1e-14,
    "rank 1",
  );
  // Rank deficient, full: U still orthonormal.
  const [, u] = tf.linalg.svd(
    tf.constant(
      [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
      "float64",
    ),
    { fullMatrices: true },
  );
  assertOrthonormal(u, 1e-13, "completed U");
});

test("svd: gradients of s, u and v to second order (distinct singular values)", () => {
  const all = (x: tf.Tensor, full = false) => {
    const [s, u, v] = tf.linalg.svd(x, { fullMatrices: full });
    return tf.concat([tf.reshape(s, [-1]), tf.reshape(u, [-1]), tf.reshape(v, [-1])], 0);
  };
  for (const shape of [
    [3, 3],
    [4, 2],
    [2, 4],
    [2, 3, 2],
  ]) {
    checkGradients((x) => all(x), [randomTensor(shape, 51)], { rtol: 1e-4, atol: 1e-6 });
  }
  checkGradients((x) => all(x, true), [randomTensor([3, 2], 52)], { rtol: 1e-4, atol: 1e-6 });
  checkSecondOrder((x) => tf.linalg.svd(x, { computeUv: false }), randomTensor([3, 2], 53), {
    rtol: 1e-4,
    atol: 1e-6,
  });
  // u u^T is sign-invariant: a smooth function of the vectors.
  checkSecondOrder(
    (x) => {
      const [, u] = tf.linalg.svd(x);
      return tf.matmul(u, u, { transposeB: true });
    },
    randomTensor([3, 2], 54),
    { rtol: 1e-3, atol: 1e-6 },
  );
  // d sum(s) / dA = U V^T (the nuclear norm's gradient).
  const a = randomTensor([3, 3], 55);
  const tape = new tf.GradientTape();
  tape.watch(a);
  const y = tape.record(() => tf.reduceSum(tf.linalg.svd(a, { computeUv: false })));
  const [, u, v] = tf.linalg.svd(a);
  near(tape.gradient(y, a) as tf.Tensor, tf.matmul(u, v, { transposeB: true }), 1e-12, "nuclear");
});

// --- eigh -----------------------------------------------------------------------------------------

test("eigh: A V = V diag(e), e ascending, V orthonormal; eigvalsh; known spectra", () => {
  for (const dtype of ["float64", "float32"] as const) {
    const a = tf.cast(sym(randomTensor([2, 4, 4], 61)), dtype);
    const [e, v] = tf.linalg.eigh(a);
    assert.deepEqual(e.shape, [2, 4]);
    const tol = dtype === "float32" ? 1e-5 : 1e-13;
    near(tf.matmul(a, v), tf.multiply(v, tf.expandDims(e, -2)), tol, "A V = V diag(e)");
    assertOrthonormal(v, tol, "V");
    const ev = nums(e);
    for (let i = 1; i < 4; i++) assert.ok(ev[i - 1] <= ev[i] && ev[4 + i - 1] <= ev[4 + i]);
    near(tf.linalg.eigvalsh(a), e, tol, "eigvalsh");
  }
  near(
    tf.linalg.eigvalsh(
      tf.constant(
        [
          [2, 1],
          [1, 2],
        ],
        "float64",
      ),
    ),
    [1, 3],
    1e-15,
    "[[2,1],[1,2]]",
  );
  // Only the lower triangle is read.
  near(
    tf.linalg.eigvalsh(
      tf.constant(
        [
          [2, 100],
          [1, 2],
        ],
        "float64",
      ),
    ),
    [1, 3],
    1e-15,
    "lower only",
  );
  assert.throws(() => tf.linalg.eigh(tf.zeros([2, 3])), /SelfAdjointEigV2.*square.*\[2,3\]/);
});

test("eigh: gradients to second order (sign-invariant and raw), eigvalsh", () => {
  const f = (x: tf.Tensor) => {
    const [e, v] = tf.linalg.eigh(sym(x));
    return tf.concat([tf.reshape(e, [-1]), tf.reshape(v, [-1])], 0);
  };
  checkGradients(f, [randomTensor([3, 3], 71)], { rtol: 1e-4, atol: 1e-6 });
  checkSecondOrder((x) => tf.linalg.eigvalsh(sym(x)), randomTensor([4, 4], 72), {
    rtol: 1e-4,
    atol: 1e-6,
  });
  checkSecondOrder(
    (x) => {
      const [, v] = tf.linalg.eigh(sym(x));
      return tf.matmul(tf.multiply(v, v), v, { transposeA: true });
    },
    randomTensor([3, 3], 73),
    { rtol: 1e-3, atol: 1e-6 },
  );
});

// --- LU -------------------------------------------------------------------------------------------

test("lu: L U = A[p], luReconstruct, det from the pivots, luSolve", () => {
  const a = randomTensor([2, 4, 4], 81);
  const [lu, p] = tf.linalg.lu(a);
  assert.equal(p.dtype, "int32");
  assert.deepEqual(p.shape, [2, 4]);
  near(tf.linalg.luReconstruct(lu, p), a, 1e-14, "reconstruct");
  const lower = tf.linalg.setDiag(tf.linalg.bandPart(lu, -1, 0), tf.ones([2, 4], "float64"));
  const upper = tf.linalg.bandPart(lu, 0, -1);
  near(tf.matmul(lower, upper), tf.gather(a, p, 1, 1), 1e-14, "L U = A[p]");
  // Partial pivoting: |L| <= 1.
  assert.ok(nums(lower).every((x) => Math.abs(x) <= 1));
  // det = sign(p) * prod(diag(U)).
  const pv = nums(p);
  const dv = nums(tf.linalg.diagPart(lu));
  const dets = nums(tf.linalg.det(a));
  for (let b = 0; b < 2; b++) {
    const perm = pv.slice(4 * b, 4 * b + 4);
    let sign = 1;
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) if (perm[i] > perm[j]) sign = -sign;
    const prod = dv.slice(4 * b, 4 * b + 4).reduce((x, y) => x * y, sign);
    assert.ok(Math.abs(prod - dets[b]) <= 1e-13 * Math.max(1, Math.abs(prod)));
  }
  const rhs = randomTensor([2, 4, 2], 82);
  near(tf.matmul(a, tf.linalg.luSolve(lu, p, rhs)), rhs, 1e-12, "A luSolve = b");
  checkGradients((l, b) => tf.linalg.luSolve(l, p, b), [lu, rhs]);
});

// --- solves, inverse, determinants ----------------------------------------------------------------

test("triangularSolve: op(A) X = B for lower/upper, adjoint, broadcast batches", () => {
  const a = randomWell([2, 3, 3], 91);
  const b = randomTensor([3, 2], 92);
  for (const lower of [true, false])
    for (const adjoint of [false, true]) {
      const x = tf.linalg.triangularSolve(a, b, { lower, adjoint });
      assert.deepEqual(x.shape, [2, 3, 2]);
      const tri = lower ? tf.linalg.bandPart(a, -1, 0) : tf.linalg.bandPart(a, 0, -1);
      near(
        tf.matmul(tri, x, { transposeA: adjoint }),
        tf.broadcastTo(b, [2, 3, 2]),
        1e-13,
        `${lower} ${adjoint}`,
      );
      checkGradients((m, r) => tf.linalg.triangularSolve(m, r, { lower, adjoint }), [a, b]);
    }
  checkSecondOrder((m) => tf.linalg.triangularSolve(m, b, { lower: true }), randomWell([3, 3], 93));
  assert.throws(
    () => tf.linalg.triangularSolve(tf.eye(3), tf.zeros([2, 1])),
    /MatrixTriangularSolve: rhs must have 3 rows.*\[2,1\]/,
  );
  assert.throws(
    () => tf.linalg.triangularSolve(tf.eye(3, 3, "float64"), tf.zeros([3, 1])),
    /must have the same dtype.*float64.*float32/,
  );
});

test("solve and inv: A solve(A, b) = b, adjoint, inv(A) A = I, singular refused, gradients", () => {
  const a = randomWell([2, 4, 4], 101);
  const b = randomTensor([2, 4, 3], 102);
  near(tf.matmul(a, tf.linalg.solve(a, b)), b, 1e-13, "A X = B");
  near(
    tf.matmul(a, tf.linalg.solve(a, b, { adjoint: true }), { transposeA: true }),
    b,
    1e-13,
    "A^T X = B",
  );
  near(tf.matmul(tf.linalg.inv(a), a), eyeLike(a), 1e-13, "inv(A) A");
  near(tf.linalg.inv(a, { adjoint: true }), T(tf.linalg.inv(a)), 1e-13, "inv adjoint");
  near(
    tf.linalg.inv(
      tf.constant(
        [
          [4, 7],
          [2, 6],
        ],
        "float64",
      ),
    ),
    [
      [0.6, -0.7],
      [-0.2, 0.4],
    ],
    1e-15,
    "known inverse",
  );
  const s32 = tf.linalg.solve(
    tf.constant([
      [2, 0],
      [0, 4],
    ]),
    tf.constant([[2], [2]]),
  );
  assert.equal(s32.dtype, "float32");
  near(tf.cast(s32, "float64"), [[1], [0.5]], 1e-7, "float32 solve");
  const singular = tf.constant(
    [
      [1, 2],
      [2, 4],
    ],
    "float64",
  );
  assert.throws(
    () => tf.linalg.solve(singular, tf.ones([2, 1], "float64")),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /MatrixSolve: Input matrix is not invertible\./.test(e.message),
  );
  assert.throws(() => tf.linalg.inv(singular), /MatrixInverse: Input is not invertible\./);
  assert.throws(() => tf.linalg.inv(tf.zeros([2, 3])), /MatrixInverse.*square.*\[2,3\]/);
  assert.throws(() => tf.linalg.solve(tf.eye(2), tf.zeros([3, 2, 1])), /same batch dimensions/);
  checkGradients((m, r) => tf.linalg.solve(m, r), [a, b]);
  checkGradients((m, r) => tf.linalg.solve(m, r, { adjoint: true }), [a, b]);
  checkSecondOrder((m) => tf.linalg.solve(m, b), a);
  checkSecondOrder((m) => tf.linalg.inv(m), randomWell([3, 3], 103));
});

test("det, slogdet, logdet: known values, batches, signs, singular, and gradients", () => {
  near(
    tf.linalg.det(
      tf.constant(
        [
          [1, 2],
          [3, 4],
        ],
        "float64",
      ),
    ),
    -2,
    1e-15,
    "2x2",
  );
  near(
    tf.linalg.det(
      tf.constant(
        [
          [2, 0, 1],
          [1, 3, 2],
          [1, 1, 2],
        ],
        "float64",
      ),
    ),
    6,
    1e-14,
    "3x3",
  );
  near(
    tf.linalg
      .det(
        tf.constant([
          [
            [6, 1, 1],
            [4, -2, 5],
            [2, 8, 7],
          ],
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
        ]),
      )
      .cast("float64"),
    [-306, 1],
    1e-6,
    "batch",
  );
  near(
    tf.linalg.det(
      tf.constant(
        [
          [1, 2],
          [2, 4],
        ],
        "float64",
      ),
    ),
    0,
    0,
    "singular",
  );
  near(tf.linalg.det(tf.zeros([0, 0], "float64")), 1, 0, "empty");
  const [sign, lad] = tf.linalg.slogdet(
    tf.constant(
      [
        [1, 2],
        [3, 4],
      ],
      "float64",
    ),
  );
  near(sign, -1, 0, "sign");
  near(lad, Math.log(2), 1e-15, "log|det|");
  const [s0, l0] = tf.linalg.slogdet(
    tf.constant(
      [
        [1, 2],
        [2, 4],
      ],
      "float64",
    ),
  );
  near(s0, 0, 0, "singular sign");
  assert.equal(l0.dataSync()[0], -Infinity);
  // 60 x 60 times 10: det overflows float32-sized arithmetic nowhere in log space.
  const big = tf.multiply(tf.eye(60, 60, "float64"), 1e10);
  near(tf.linalg.slogdet(big)[1], 600 * Math.log(10), 1e-13, "no overflow");
  near(
    tf.linalg.logdet(
      tf.constant(
        [
          [4, 2],
          [2, 3],
        ],
        "float64",
      ),
    ),
    Math.log(8),
    1e-15,
    "logdet",
  );
  assert.throws(() => tf.linalg.det(tf.zeros([2, 3])), /MatrixDeterminant.*square.*\[2,3\]/);
  assert.throws(
    () => tf.linalg.det(tf.constant([[1]], "int32")),
    /MatrixDeterminant: input must be float32 or float64, got int32/,
  );
  const a = randomWell([2, 3, 3], 111);
  checkGradients((m) => tf.linalg.det(m), [a]);
  checkSecondOrder((m) => tf.linalg.det(m), a);
  checkGradients((m) => tf.linalg.slogdet(m)[1], [a]);
  checkSecondOrder((m) => tf.linalg.slogdet(m)[1], a);
  checkSecondOrder(
    (m) => tf.linalg.logdet(tf.add(tf.matmul(m, m, { transposeB: true }), eyeLike(m))),
    randomTensor([3, 3], 112),
  );
});

test("choleskySolve, lstsq: against the dense solve and the normal equations, gradients", () => {
  const a = randomSpd([2, 3, 3], 121);
  const b = randomTensor([2, 3, 2], 122);
  near(
    tf.linalg.choleskySolve(tf.linalg.cholesky(a), b),
    tf.linalg.solve(a, b),
    1e-12,
    "choleskySolve",
  );
  // Overdetermined: the residual is orthogonal to the columns (A^T (A x - b) = 0).
  const tall = randomTensor([5, 3], 123);
  const rhs = randomTensor([5, 2], 124);
  for (const fast of [true, false]) {
    const x = tf.linalg.lstsq(tall, rhs, 0, fast);
    near(
      tf.matmul(tall, tf.matmul(tall, x).sub(rhs), { transposeA: true }),
      tf.zeros([3, 2], "float64"),
      1e-12,
      `normal eqs ${fast}`,
    );
  }
  // Underdetermined: A x = b exactly, and x is the minimum-norm solution (in A's row space).
  const wide = randomTensor([2, 4], 125);
  const r2 = randomTensor([2, 1], 126);
  const xw = tf.linalg.lstsq(wide, r2);
  near(tf.matmul(wide, xw), r2, 1e-12, "exact");
  near(xw, tf.matmul(tf.linalg.pinv(wide), r2), 1e-12, "minimum norm");
  near(tf.linalg.lstsq(wide, r2, 0, false), xw, 1e-12, "svd path");
  // Regularized: (A^T A + l I) x = A^T b.
  const xr = tf.linalg.lstsq(tall, rhs, 0.5);
  near(
    tf.matmul(
      tf.add(
        tf.matmul(tall, tall, { transposeA: true }),
        tf.multiply(tf.eye(3, 3, "float64"), 0.5),
      ),
      xr,
    ),
    tf.matmul(tall, rhs, { transposeA: true }),
    1e-12,
    "ridge",
  );
  near(tf.linalg.lstsq(tall, rhs, 0.5, false), xr, 1e-12, "ridge svd");
  checkGradients((m, r) => tf.linalg.lstsq(m, r), [tall, rhs]);
  checkGradients((m, r) => tf.linalg.lstsq(m, r), [wide, r2]);
  checkSecondOrder(
    (m) =>
      tf.linalg.choleskySolve(
        tf.linalg.cholesky(tf.add(tf.matmul(m, m, { transposeB: true }), eyeLike(m))),
        b,
      ),
    randomTensor([2, 3, 3], 127),
  );
  assert.throws(
    () => tf.linalg.lstsq(tall, randomTensor([4, 2], 1)),
    /lstsq: rhs must be \[\.\.\., 5, k\]/,
  );
});

test("tridiagonalSolve: against the dense solve, formats, pivoting, singular, gradients", () => {
  const sup = [1, -2, 0.5, 0];
  const main = [0.1, 1, 3, 2]; // a small first pivot: partial pivoting interchanges rows
  const sub = [0, 4, 1, -1];
  const diags = tf.constant([sup, main, sub], "float64");
  const dense = tf.constant(
    [
      [0.1, 1, 0, 0],
      [4, 1, -2, 0],
      [0, 1, 3, 0.5],
      [0, 0, -1, 2],
    ],
    "float64",
  );
  const rhs = randomTensor([4, 3], 131);
  const want = tf.linalg.solve(dense, rhs);
  near(tf.linalg.tridiagonalSolve(diags, rhs), want, 1e-13, "compact");
  near(
    tf.linalg.tridiagonalSolve(diags, rhs, { partialPivoting: false }),
    want,
    1e-12,
    "no pivoting",
  );
  near(
    tf.linalg.tridiagonalSolve(dense, rhs, { diagonalsFormat: "matrix" }),
    want,
    1e-13,
    "matrix",
  );
  near(
    tf.linalg.tridiagonalSolve(
      [tf.constant(sup, "float64"), tf.constant(main, "float64"), tf.constant(sub, "float64")],
      rhs,
      { diagonalsFormat: "sequence" },
    ),
    want,
    1e-13,
    "sequence",
  );
  near(
    tf.linalg.tridiagonalSolve(diags, T(rhs), { transposeRhs: true }),
    T(want),
    1e-13,
    "transposeRhs",
  );
  const vec = tf.constant([1, 2, 3, 4], "float64");
  near(
    tf.linalg.tridiagonalSolve(diags, vec),
    tf.reshape(tf.linalg.solve(dense, tf.reshape(vec, [4, 1])), [4]),
    1e-13,
    "vector rhs",
  );
  assert.throws(
    () =>
      tf.linalg.tridiagonalSolve(
        tf.constant(
          [
            [1, 0],
            [0, 0],
            [0, 0],
          ],
          "float64",
        ),
        tf.ones([2, 1], "float64"),
      ),
    /TridiagonalSolve: The matrix is not invertible/,
  );
  assert.throws(
    () => tf.linalg.tridiagonalSolve(tf.zeros([2, 4]), tf.zeros([4, 1])),
    /diagonals must be \[\.\.\., 3, M\]/,
  );
  checkGradients((d, r) => tf.linalg.tridiagonalSolve(d, r), [diags, rhs]);
  checkSecondOrder((d) => tf.linalg.tridiagonalSolve(d, rhs), diags, { rtol: 1e-4, atol: 1e-6 });
});

test("inv, det and cholesky agree with each other on float32 within float32 accuracy", () => {
  const a = tf.cast(randomSpd([3, 3], 141), "float32");
  const l = tf.linalg.cholesky(a);
  const d = Number(tf.linalg.det(a).numpy());
  const dl = nums(tf.linalg.diagPart(l)).reduce((x, y) => x * y, 1) ** 2;
  assert.ok(Math.abs(d - dl) <= 1e-5 * Math.abs(d));
  assert.equal(tf.linalg.inv(a).dtype, "float32");
});

test("repeated singular values and eigenvalues: finite gradients (TensorFlow's caveat: F = 0 there)", () => {
  const eye = tf.eye(3, 3, "float64");
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch(eye);
  const [s, u, v] = tape.record(() => tf.linalg.svd(eye));
  const sumS = tape.record(() => tf.reduceSum(s));
  const both = tape.record(() => tf.add(tf.reduceSum(u), tf.reduceSum(v)));
  const e = tape.record(() => tf.reduceSum(tf.linalg.eigh(eye)[1]));
  // d sum(s) / dA = U V^T = I for A = I.
  near(tape.gradient(sumS, eye) as tf.Tensor, eye, 1e-14, "nuclear norm at I");
  for (const y of [both, e]) {
    assert.ok(nums(tape.gradient(y, eye) as tf.Tensor).every(Number.isFinite));
  }
});

test("gradients through tf.function: a traced cholesky/solve loss matches eager", () => {
  const a = randomSpd([3, 3], 151);
  const b = randomTensor([3, 1], 152);
  const loss = (m: tf.Tensor) => tf.reduceSum(tf.linalg.choleskySolve(tf.linalg.cholesky(m), b));
  const grad = (m: tf.Tensor) => {
    const tape = new tf.GradientTape();
    tape.watch(m);
    const y = tape.record(() => loss(m));
    return tape.gradient(y, m) as tf.Tensor;
  };
  near(tf.function(grad)(a), grad(a), 1e-12, "traced gradient");
});
