/**
 * `tf.linalg.sqrtm`: the primitive MatrixSquareRoot (principal square root) with TensorFlow's
 * gradient: S = sqrt(A) satisfies S dS + dS S = dA, a Sylvester equation solved as the linear
 * system (I kron S^T + S kron I) vec(.) = vec(.) with public ops (solve), so second derivatives
 * come for free. O(n^6) in the gradient, as TensorFlow's.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { reshape } from "./broadcast.js";
import { describe, NO_ATTRS, type NoAttrs, saved, toTensor, type TensorLike } from "./checks.js";
import { add, multiply } from "./elementwise.js";
import { batchEye, batchSize, checkMatrix, floats } from "./linalg-helpers.js";
import { MatrixSolve } from "./linalg-solve.js";
import { matrixTranspose } from "./linalg.js";
import { api } from "./api.js";

/** The Kronecker products of two batches of n x n matrices: [..., n*n, n*n]. */
function kron(b1: Tensor, b2: Tensor): Tensor {
  const n = b1.shape[b1.rank - 1];
  const batch = b1.shape.slice(0, -2);
  const x = reshape(b1, [...batch, n, 1, n, 1]);
  const y = reshape(b2, [...batch, 1, n, 1, n]);
  return reshape(multiply(x, y), [...batch, n * n, n * n]);
}

export const MatrixSquareRoot: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "MatrixSquareRoot",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a]) => {
    checkMatrix("MatrixSquareRoot", a);
    return [{ shape: a.shape, dtype: a.dtype }];
  },
  kernel: (be, [a], [s]) => {
    const bad = be.sqrtm(floats(a), floats(s), batchSize(a), a.shape[a.rank - 1]);
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `MatrixSquareRoot: no principal square root found for matrix ${bad} of the batch (input ${describe(a)}): the matrix must be invertible with no real negative eigenvalue`,
      );
    }
  },
  saveOutputs: [0],
  // TensorFlow's _MatrixSquareRootGrad: with K = I kron S^T + S kron I,
  // vec(dA^T) = K^-1 vec(G^T), all in row-major vec.
  grad: ([g], { outputs }) => {
    const s = saved(outputs[0]);
    const n = s.shape[s.rank - 1];
    const batch = s.shape.slice(0, -2);
    const eye = batchEye(n, batch, s.dtype as "float32" | "float64");
    const k = add(kron(eye, matrixTranspose(s)), kron(s, eye));
    const vecG = reshape(matrixTranspose(g), [...batch, n * n, 1]);
    const vecD = runOp1(MatrixSolve, [k, vecG], { adjoint: false });
    return [matrixTranspose(reshape(vecD, s.shape))];
  },
  // Uniform random matrices may have a real negative eigenvalue (no principal root), so the
  // every-op check runs on 1 x 1 matrices in [0.5, 2]; n > 1 is checked to second order on
  // positive definite inputs in test/linalg-misc.test.ts.
  check: {
    cases: [
      { inputs: [{ shape: [1, 1], range: [0.5, 2] }], attrs: NO_ATTRS },
      { inputs: [{ shape: [3, 1, 1], range: [0.5, 2] }], attrs: NO_ATTRS },
    ],
  },
});

/**
 * `tf.linalg.sqrtm(input)`: the principal square root S (S S = input, eigenvalues in the right
 * half-plane) of each invertible [..., n, n] matrix with no real negative eigenvalue.
 */
export const sqrtm = api(
  function sqrtm(input: TensorLike): Tensor {
    return runOp1(MatrixSquareRoot, [toTensor(input, "sqrtm")], NO_ATTRS);
  },
  { namespaces: ["linalg"] },
);
