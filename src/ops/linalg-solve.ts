/**
 * Linear systems, inverses and determinants: the primitives MatrixTriangularSolve, MatrixSolve,
 * MatrixInverse, MatrixDeterminant, LogMatrixDeterminant and TridiagonalSolve, with
 * TensorFlow's gradients (tensorflow/python/ops/linalg_grad.py) written with public ops, so
 * second derivatives come for free. Batch dims everywhere: [..., n, n] matrices, [..., n, k]
 * right-hand sides.
 */
import { defineOp, type OpCheck, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapesEqual, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { reduceSum, reshape } from "./broadcast.js";
import { describe, NO_ATTRS, type NoAttrs, saved, toTensor, type TensorLike } from "./checks.js";
import { multiply, negative, where } from "./elementwise.js";
import {
  bandPart,
  batchSize,
  broadcastBatch,
  checkMatrix,
  checkSameDType,
  floats,
  offsetDiagonalMask,
  sliceLast,
} from "./linalg-helpers.js";
import { matmul, matrixTranspose } from "./linalg.js";
import { concat, expandDims, stack } from "./movement.js";
import { slice } from "./movement-slice.js";
import { api } from "./api.js";

/** Checks the rhs [..., n, k] of a solve against its matrix [..., n, n]. */
function checkRhs(op: string, a: Tensor, b: Tensor, sameBatch: boolean): void {
  checkMatrix(op, b, "rhs", false);
  checkSameDType(op, a, b, "matrix and rhs");
  const n = a.shape[a.rank - 1];
  if (b.shape[b.rank - 2] !== n) {
    throw new InvalidArgumentError(
      `${op}: rhs must have ${n} rows to match matrix ${describe(a)}, got rhs ${describe(b)}`,
    );
  }
  if (sameBatch && !shapesEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
    throw new InvalidArgumentError(
      `${op}: matrix and rhs must have the same batch dimensions, got ${describe(a)} and ${describe(b)}`,
    );
  }
}

// --- MatrixTriangularSolve --------------------------------------------------------------------

export interface TriangularSolveAttrs {
  readonly lower: boolean;
  readonly adjoint: boolean;
}

export const MatrixTriangularSolve: OpDef<TriangularSolveAttrs> = defineOp<TriangularSolveAttrs>({
  name: "MatrixTriangularSolve",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a, b]) => {
    checkMatrix("MatrixTriangularSolve", a, "matrix");
    checkRhs("MatrixTriangularSolve", a, b, true);
    return [{ shape: b.shape, dtype: b.dtype }];
  },
  kernel: (be, [a, b], [x], { lower, adjoint }) => {
    const n = a.shape[a.rank - 1];
    const k = b.shape[b.rank - 1];
    be.triangularSolve(floats(a), floats(b), floats(x), batchSize(a), n, k, lower, adjoint);
  },
  saveInputs: [0],
  saveOutputs: [0],
  // X = op(A)^-1 B: dB = op(A)^-T dX; dA = -dB X^T (or -X dB^T under adjoint), on A's triangle.
  grad: ([dx], { inputs, outputs, attrs }) => {
    const a = saved(inputs[0]);
    const x = saved(outputs[0]);
    const db = runOp1(MatrixTriangularSolve, [a, dx], {
      lower: attrs.lower,
      adjoint: !attrs.adjoint,
    });
    const full = attrs.adjoint
      ? negative(matmul(x, db, { transposeB: true }))
      : negative(matmul(db, x, { transposeB: true }));
    const da = attrs.lower ? bandPart(full, -1, 0) : bandPart(full, 0, -1);
    return [da, db];
  },
  check: {
    cases: [
      {
        // Entries in [1, 2]: the triangle's diagonal is far from 0.
        inputs: [{ shape: [3, 3], range: [1, 2] }, { shape: [3, 2] }],
        attrs: { lower: true, adjoint: false },
      },
      {
        inputs: [{ shape: [2, 3, 3], range: [1, 2] }, { shape: [2, 3, 1] }],
        attrs: { lower: false, adjoint: true },
      },
    ],
  },
});

// --- MatrixSolve ------------------------------------------------------------------------------

export interface AdjointAttrs {
  readonly adjoint: boolean;
}

function notInvertible(op: string, what: string, index: number, a: Tensor): never {
  throw new InvalidArgumentError(
    `${op}: ${what} (matrix ${index} of the batch, input ${describe(a)} is singular: an LU pivot is exactly zero)`,
  );
}

export const MatrixSolve: OpDef<AdjointAttrs> = defineOp<AdjointAttrs>({
  name: "MatrixSolve",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a, b]) => {
    checkMatrix("MatrixSolve", a, "matrix");
    checkRhs("MatrixSolve", a, b, true);
    return [{ shape: b.shape, dtype: b.dtype }];
  },
  kernel: (be, [a, b], [x], { adjoint }) => {
    const n = a.shape[a.rank - 1];
    const k = b.shape[b.rank - 1];
    const bad = be.matrixSolve(floats(a), floats(b), floats(x), batchSize(a), n, k, adjoint);
    if (bad >= 0) notInvertible("MatrixSolve", "Input matrix is not invertible.", bad, a);
  },
  saveInputs: [0],
  saveOutputs: [0],
  // X = op(A)^-1 B: dB = op(A)^-T dX, dA = -dB X^T (or -X dB^T under adjoint).
  grad: ([dx], { inputs, outputs, attrs }) => {
    const a = saved(inputs[0]);
    const x = saved(outputs[0]);
    const db = runOp1(MatrixSolve, [a, dx], { adjoint: !attrs.adjoint });
    const da = attrs.adjoint
      ? negative(matmul(x, db, { transposeB: true }))
      : negative(matmul(db, x, { transposeB: true }));
    return [da, db];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }, { shape: [3, 2] }], attrs: { adjoint: false } },
      {
        inputs: [{ shape: [2, 3, 3] }, { shape: [2, 3, 2] }],
        attrs: { adjoint: true },
      },
    ],
  },
});

// --- MatrixInverse ----------------------------------------------------------------------------

export const MatrixInverse = defineOp<AdjointAttrs>({
  name: "MatrixInverse",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a]) => {
    checkMatrix("MatrixInverse", a);
    return [{ shape: a.shape, dtype: a.dtype }];
  },
  kernel: (be, [a], [inv], { adjoint }) => {
    const n = a.shape[a.rank - 1];
    const bad = be.matrixInverse(floats(a), floats(inv), batchSize(a), n, adjoint);
    if (bad >= 0) notInvertible("MatrixInverse", "Input is not invertible.", bad, a);
  },
  saveOutputs: [0],
  // d(A^-1) = -A^-1 dA A^-1, so dA = -A^-T G A^-T (with op(A) for adjoint).
  grad: ([g], { outputs, attrs }) => {
    const inv = saved(outputs[0]);
    const adj = attrs.adjoint;
    const inner = matmul(g, inv, { transposeA: adj, transposeB: !adj });
    return [negative(matmul(inv, inner, { transposeA: !adj }))];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: { adjoint: false } },
      { inputs: [{ shape: [2, 3, 3] }], attrs: { adjoint: true } },
    ],
  },
});

/** op(A)^-T, the transposed inverse the determinant gradients use. */
function inverseTransposed(a: Tensor): Tensor {
  return runOp1(MatrixInverse, [a], { adjoint: true });
}

// --- MatrixDeterminant, LogMatrixDeterminant --------------------------------------------------

export const MatrixDeterminant = defineOp<NoAttrs>({
  name: "MatrixDeterminant",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a]) => {
    checkMatrix("MatrixDeterminant", a);
    return [{ shape: a.shape.slice(0, -2), dtype: a.dtype }];
  },
  kernel: (be, [a], [d]) => {
    be.determinant(floats(a), floats(d), batchSize(a), a.shape[a.rank - 1]);
  },
  saveInputs: [0],
  saveOutputs: [0],
  // d det(A) / dA = det(A) A^-T (Jacobi's formula; TensorFlow's too, so singular A has none).
  grad: ([g], { inputs, outputs }) => {
    const a = saved(inputs[0]);
    const d = saved(outputs[0]);
    const mult = reshape(multiply(g, d), [...d.shape, 1, 1]);
    return [multiply(mult, inverseTransposed(a))];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: NO_ATTRS },
      { inputs: [{ shape: [2, 2, 2] }], attrs: NO_ATTRS },
    ],
  },
});

export const LogMatrixDeterminant = defineOp<NoAttrs>({
  name: "LogMatrixDeterminant",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a]) => {
    checkMatrix("LogMatrixDeterminant", a);
    const shape = a.shape.slice(0, -2);
    return [
      { shape, dtype: a.dtype },
      { shape, dtype: a.dtype },
    ];
  },
  kernel: (be, [a], [sign, logAbs]) => {
    be.logDeterminant(floats(a), floats(sign), floats(logAbs), batchSize(a), a.shape[a.rank - 1]);
  },
  saveInputs: [0],
  // d log|det A| / dA = A^-T; the sign is piecewise constant.
  grad: ([, g], { inputs }) => {
    const a = saved(inputs[0]);
    return [multiply(reshape(g, [...g.shape, 1, 1]), inverseTransposed(a))];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: NO_ATTRS },
      { inputs: [{ shape: [2, 3, 3] }], attrs: NO_ATTRS },
    ],
  },
});

// --- TridiagonalSolve -------------------------------------------------------------------------

export interface TridiagonalSolveAttrs {
  readonly partialPivoting: boolean;
}

/** Element [..., row, :] of a [..., 3, m] tensor of diagonals, as [..., m]. */
function diagonalRow(d: Tensor, row: number): Tensor {
  const begin = d.shape.map((_, i) => (i === d.rank - 2 ? row : 0));
  const size = d.shape.map((s, i) => (i === d.rank - 2 ? 1 : s));
  const r = slice(d, begin, size);
  return reshape(r, [...d.shape.slice(0, -2), d.shape[d.rank - 1]]);
}

/** Shifts the last axis by one: left (x[1:], 0) or right (0, x[:-1]). */
function shiftLast(x: Tensor, left: boolean): Tensor {
  const m = x.shape[x.rank - 1];
  if (m <= 1) return multiply(x, 0);
  const zero = multiply(sliceLast(x, 0, 1), 0);
  return left
    ? concat([sliceLast(x, 1, m - 1), zero], -1)
    : concat([zero, sliceLast(x, 0, m - 1)], -1);
}

export const TridiagonalSolve: OpDef<TridiagonalSolveAttrs> = defineOp<TridiagonalSolveAttrs>({
  name: "TridiagonalSolve",
  kind: "other",
  overwritesOutputs: true,
  infer: ([d, b]) => {
    checkMatrix("TridiagonalSolve", d, "diagonals", false);
    checkMatrix("TridiagonalSolve", b, "rhs", false);
    checkSameDType("TridiagonalSolve", d, b, "diagonals and rhs");
    const m = d.shape[d.rank - 1];
    if (
      d.shape[d.rank - 2] !== 3 ||
      b.shape[b.rank - 2] !== m ||
      !shapesEqual(d.shape.slice(0, -2), b.shape.slice(0, -2))
    ) {
      throw new InvalidArgumentError(
        `TridiagonalSolve: diagonals must be [..., 3, M] and rhs [..., M, K] with the same batch dimensions, got diagonals ${describe(d)} and rhs ${describe(b)}`,
      );
    }
    return [{ shape: b.shape, dtype: b.dtype }];
  },
  kernel: (be, [d, b], [x], { partialPivoting }) => {
    const m = d.shape[d.rank - 1];
    const k = b.shape[b.rank - 1];
    const bad = be.tridiagonalSolve(
      floats(d),
      floats(b),
      floats(x),
      sizeOf(d.shape.slice(0, -2)),
      m,
      k,
      partialPivoting,
    );
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `TridiagonalSolve: The matrix is not invertible. (matrix ${bad} of the batch, diagonals ${describe(d)}, rhs ${describe(b)}${partialPivoting ? "" : "; without partial pivoting a zero pivot also fails"})`,
      );
    }
  },
  saveInputs: [0],
  saveOutputs: [0],
  // A X = B: dB = A^-T dX (A^T's diagonals: superdiagonal and subdiagonal swapped and shifted),
  // dA = -dB X^T on the three diagonals only.
  grad: ([dx], { inputs, outputs, attrs }) => {
    const d = saved(inputs[0]);
    const x = saved(outputs[0]);
    const sup = diagonalRow(d, 0);
    const main = diagonalRow(d, 1);
    const sub = diagonalRow(d, 2);
    const transposed = stack([shiftLast(sub, true), main, shiftLast(sup, false)], -2);
    const db = runOp1(TridiagonalSolve, [transposed, dx], attrs);
    // (dB X^T)[i, i+1] = sum_k dB[i, k] X[i+1, k], and so on, without forming the product.
    const xt = matrixTranspose(x); // [..., K, M]
    const dbt = matrixTranspose(db);
    const diagOf = (y: Tensor) => reduceSum(multiply(dbt, y), -2);
    const dSup = diagOf(shiftLast(xt, true));
    const dMain = diagOf(xt);
    const dSub = diagOf(shiftLast(xt, false));
    return [negative(stack([dSup, dMain, dSub], -2)), db];
  },
  check: {
    cases: [
      {
        inputs: [{ shape: [3, 4] }, { shape: [4, 2] }],
        attrs: { partialPivoting: true },
      },
    ],
  } satisfies OpCheck<TridiagonalSolveAttrs>,
});

// --- public functions -------------------------------------------------------------------------

function flag(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") {
    throw new TypeError(`${op}: option ${name} must be a boolean, got ${String(v)}`);
  }
  return v;
}

/**
 * `tf.linalg.triangularSolve(matrix, rhs, {lower = true, adjoint = false})`: X with
 * op(matrix) X = rhs for triangular matrix [..., n, n] (only its lower or upper triangle is
 * read) and rhs [..., n, k]; the batch dims broadcast.
 */
export const triangularSolve = api(
  function triangularSolve(
    matrix: TensorLike,
    rhs: TensorLike,
    options: { lower?: boolean; adjoint?: boolean } | null = {},
  ): Tensor {
    const a = toTensor(matrix, "triangularSolve");
    const b = toTensor(rhs, "triangularSolve", a.dtype);
    checkMatrix("MatrixTriangularSolve", a, "matrix");
    checkRhs("MatrixTriangularSolve", a, b, false);
    const lower = flag("triangularSolve", "lower", options?.lower, true);
    const adjoint = flag("triangularSolve", "adjoint", options?.adjoint, false);
    const [ab, bb] = broadcastBatch("MatrixTriangularSolve", a, b);
    return runOp1(MatrixTriangularSolve, [ab, bb], { lower, adjoint });
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.solve(matrix, rhs, {adjoint = false})` (TensorFlow's matrix_solve): X with
 * op(matrix) X = rhs, by LU with partial pivoting; matrix [..., n, n], rhs [..., n, k] with the
 * same batch dims. A singular matrix is an InvalidArgumentError.
 */
export const solve = api(
  function solve(
    matrix: TensorLike,
    rhs: TensorLike,
    options: { adjoint?: boolean } | null = {},
  ): Tensor {
    const a = toTensor(matrix, "solve");
    const b = toTensor(rhs, "solve", a.dtype);
    const adjoint = flag("solve", "adjoint", options?.adjoint, false);
    return runOp1(MatrixSolve, [a, b], { adjoint });
  },
  { namespaces: ["linalg"] },
);

/** `tf.linalg.inv(input, {adjoint = false})`: the inverse of each inner matrix (of its adjoint). */
export const inv = api(
  function inv(input: TensorLike, options: { adjoint?: boolean } | null = {}): Tensor {
    const a = toTensor(input, "inv");
    const adjoint = flag("inv", "adjoint", options?.adjoint, false);
    return runOp1(MatrixInverse, [a], { adjoint });
  },
  { namespaces: ["linalg"] },
);

/** `tf.linalg.det(input)`: [..., n, n] -> [...], the determinants. */
export const det = api(
  function det(input: TensorLike): Tensor {
    return runOp1(MatrixDeterminant, [toTensor(input, "det")], NO_ATTRS);
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.slogdet(input)`: [sign, logAbsDeterminant], each [...], with det = sign *
 * exp(logAbsDeterminant): no overflow where the determinant itself would. Singular: 0, -Inf.
 */
export const slogdet = api(
  function slogdet(input: TensorLike): [sign: Tensor, logAbsDeterminant: Tensor] {
    const [s, l] = runOp(LogMatrixDeterminant, [toTensor(input, "slogdet")], NO_ATTRS);
    return [s, l];
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.choleskySolve(chol, rhs)`: X with A X = rhs given chol = cholesky(A) [..., n, n]:
 * two triangular solves, L Y = rhs and L^T X = Y.
 */
export const choleskySolve = api(
  function choleskySolve(chol: TensorLike, rhs: TensorLike): Tensor {
    const l = toTensor(chol, "choleskySolve");
    const y = triangularSolve(l, rhs, { lower: true, adjoint: false });
    return triangularSolve(l, y, { lower: true, adjoint: true });
  },
  { namespaces: ["linalg"] },
);

export type TridiagonalFormat = "compact" | "sequence" | "matrix";

/**
 * `tf.linalg.tridiagonalSolve(diagonals, rhs, {diagonalsFormat = "compact", transposeRhs,
 * conjugateRhs, partialPivoting = true})`. diagonals: compact [..., 3, M] (superdiagonal with
 * its last entry unused, diagonal, subdiagonal with its first entry unused), sequence [super,
 * main, sub] of [..., M], or the full matrix [..., M, M] (only its three diagonals read). rhs
 * [..., M, K] or [..., M] (or [..., K, M] with transposeRhs). perturb_singular is not offered.
 */
export const tridiagonalSolve = api(
  function tridiagonalSolve(
    diagonals: TensorLike | readonly TensorLike[],
    rhs: TensorLike,
    options: {
      diagonalsFormat?: TridiagonalFormat;
      transposeRhs?: boolean;
      conjugateRhs?: boolean;
      partialPivoting?: boolean;
    } | null = {},
  ): Tensor {
    const op = "tridiagonalSolve";
    const format = options?.diagonalsFormat ?? "compact";
    let d: Tensor;
    if (format === "sequence") {
      if (!Array.isArray(diagonals) || diagonals.length !== 3) {
        throw new TypeError(
          `${op}: diagonalsFormat "sequence" takes [superdiag, maindiag, subdiag], got ${String(diagonals)}`,
        );
      }
      d = stack(
        (diagonals as readonly TensorLike[]).map((x) => toTensor(x, op)),
        -2,
      );
    } else if (format === "matrix") {
      const a = toTensor(diagonals as TensorLike, op);
      checkMatrix("TridiagonalSolve", a, "diagonals");
      d = stack(compactOfMatrix(a), -2);
    } else if (format === "compact") {
      d = toTensor(diagonals as TensorLike, op);
    } else {
      throw new InvalidArgumentError(
        `${op}: diagonalsFormat must be "compact", "sequence" or "matrix", got ${String(format)}`,
      );
    }
    let b = toTensor(rhs, op, d.dtype);
    const transposeRhs = flag(op, "transposeRhs", options?.transposeRhs, false);
    flag(op, "conjugateRhs", options?.conjugateRhs, false); // a no-op for real dtypes
    const partialPivoting = flag(op, "partialPivoting", options?.partialPivoting, true);
    const vector = b.rank === d.rank - 1;
    if (vector) b = expandDims(b, -1);
    else if (transposeRhs) b = matrixTranspose(b);
    const x = runOp1(TridiagonalSolve, [d, b], { partialPivoting });
    if (vector) return reshape(x, x.shape.slice(0, -1));
    return transposeRhs ? matrixTranspose(x) : x;
  },
  { namespaces: ["linalg"] },
);

/** The compact diagonals [super, main, sub] of a [..., M, M] matrix, each [..., M]. */
function compactOfMatrix(a: Tensor): Tensor[] {
  const m = a.shape[a.rank - 1];
  // Row i of where(mask_k, A, 0) holds only A[i, i + k]: its row sum is that entry (0 off the edge).
  const pick = (k: number) => reduceSum(where(offsetDiagonalMask(m, m, k), a, 0), -1);
  return [pick(1), pick(0), pick(-1)];
}
