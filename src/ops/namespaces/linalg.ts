/** `tf.linalg`: TensorFlow's linear algebra namespace. */
export {
  adjoint,
  diag,
  diagPart,
  matmul,
  matrixTranspose,
  matvec,
  tensordot,
  trace,
} from "../linalg.js";
export { einsum } from "../einsum.js";
export { eye } from "../creation.js";
export { bandPart, setDiag } from "../linalg-helpers.js";
export {
  triangularSolve,
  solve,
  inv,
  det,
  slogdet,
  choleskySolve,
  tridiagonalSolve,
  type TridiagonalFormat,
} from "../linalg-solve.js";
export { cholesky, lu, qr, svd, eigh, eigvalsh } from "../linalg-decomp.js";
export {
  logdet,
  luSolve,
  luReconstruct,
  lstsq,
  pinv,
  matrixRank,
  norm,
  normalize,
  globalNorm,
  cross,
  tensorDiag,
  expm,
  type NormOrd,
} from "../linalg-misc.js";
export { sqrtm } from "../linalg-sqrtm.js";
