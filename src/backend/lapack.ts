/**
 * The dense factorization kernel family (LAPACK's share of tf.linalg): Cholesky, LU, triangular
 * and general solves, inverse, determinants, QR, the symmetric eigenproblem, the SVD and the
 * tridiagonal solve. Every kernel works on a batch of row-major matrices stored one after the
 * other, reads float32 or float64 and computes in float64 (a float32 result is rounded once).
 * Kernels that can fail on a batch member (not positive definite, singular) return the index of
 * the first such member, or -1; the op turns that into TensorFlow's error.
 */
export type FloatArray = Float32Array | Float64Array;

export interface LapackKernels {
  /** out[b] = L with L L^T = A[b], reading the lower triangle of A[b] only; zeros above. */
  cholesky(a: FloatArray, out: FloatArray, batch: number, n: number): number;
  /**
   * Packed LU with partial pivoting (LAPACK getrf): P A = L U, L unit lower (below the
   * diagonal of lu), U upper (on and above it); perm[b*n + i] is the row of A that row i of
   * P A comes from. Never fails: a zero pivot leaves U singular.
   */
  lu(a: FloatArray, lu: FloatArray, perm: Int32Array, batch: number, n: number): void;
  /**
   * X = op(A)^-1 B for triangular A [n, n] (lower or upper; the other triangle is not read),
   * op = transpose when adjoint; B and X [n, k]. A zero on the diagonal gives Inf/NaN, as
   * LAPACK's trtrs without its check (TensorFlow does the same).
   */
  triangularSolve(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    batch: number,
    n: number,
    k: number,
    lower: boolean,
    adjoint: boolean,
  ): void;
  /** X = op(A)^-1 B by LU with partial pivoting. */
  matrixSolve(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    batch: number,
    n: number,
    k: number,
    adjoint: boolean,
  ): number;
  /** out = op(A)^-1 by LU with partial pivoting. */
  matrixInverse(a: FloatArray, out: FloatArray, batch: number, n: number, adjoint: boolean): number;
  /** out[b] = det(A[b]), the product of the LU pivots with the permutation's sign. */
  determinant(a: FloatArray, out: FloatArray, batch: number, n: number): void;
  /** sign[b], logAbs[b] with det = sign * exp(logAbs); a singular matrix gives 0, -Inf. */
  logDeterminant(
    a: FloatArray,
    sign: FloatArray,
    logAbs: FloatArray,
    batch: number,
    n: number,
  ): void;
  /**
   * Householder QR: A [m, n] = Q R; Q [m, m] and R [m, n] when full, else Q [m, p] and
   * R [p, n] with p = min(m, n).
   */
  qr(
    a: FloatArray,
    q: FloatArray,
    r: FloatArray,
    batch: number,
    m: number,
    n: number,
    full: boolean,
  ): void;
  /** Symmetric eigendecomposition of the lower triangle: e ascending [n], v [n, n] columns. */
  eigh(a: FloatArray, e: FloatArray, v: FloatArray | null, batch: number, n: number): void;
  /**
   * A [m, n] = U diag(s) V^T, s descending [p], p = min(m, n); U [m, m] / V [n, n] when full,
   * else U [m, p] / V [n, p]; u and v null when the vectors are not wanted.
   */
  svd(
    a: FloatArray,
    s: FloatArray,
    u: FloatArray | null,
    v: FloatArray | null,
    batch: number,
    m: number,
    n: number,
    full: boolean,
  ): void;
  /**
   * Solves the tridiagonal systems given in compact form diags [3, m] (superdiagonal with its
   * last entry unused, diagonal, subdiagonal with its first entry unused) for rhs [m, k].
   */
  tridiagonalSolve(
    diags: FloatArray,
    rhs: FloatArray,
    out: FloatArray,
    batch: number,
    m: number,
    k: number,
    partialPivoting: boolean,
  ): number;
  /**
   * out = the principal square root of A [n, n] (eigenvalues in the open right half-plane for
   * the root's); returns the first batch index where it does not exist or was not found.
   */
  sqrtm(a: FloatArray, out: FloatArray, batch: number, n: number): number;
}
