/**
 * tf.linalg composites built on the primitives of linalg-solve.ts and linalg-decomp.ts:
 * logdet, luSolve, luReconstruct, lstsq, pinv, matrixRank, norm, normalize, globalNorm, cross,
 * tensorDiag and expm. They need no gradient rules of their own: the tape differentiates the
 * ops they are made of.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import {
  abs,
  add,
  cast,
  divide,
  greater,
  log,
  multiply,
  pow,
  sqrt,
  square,
  subtract,
  where,
} from "./elementwise.js";
import { cholesky, svd } from "./linalg-decomp.js";
import { batchEye, checkMatrix, checkSameDType, setDiag, bandPart } from "./linalg-helpers.js";
import { choleskySolve, solve, triangularSolve } from "./linalg-solve.js";
import { diag, diagPart, matmul } from "./linalg.js";
import { stack, stopGradient, transpose, unstack } from "./movement.js";
import { oneHot } from "./movement-gather.js";
import { reduceMax } from "./reduce.js";
import { onesLike } from "./creation.js";
import { api } from "./api.js";

const EPS: Record<"float32" | "float64", number> = {
  float32: 1.1920928955078125e-7,
  float64: 2.220446049250313e-16,
};

function floatDType(op: string, t: Tensor): "float32" | "float64" {
  checkDType(op, t, "float");
  return t.dtype as "float32" | "float64";
}

/**
 * `tf.linalg.logdet(matrix)`: log(det(matrix)) of Hermitian positive definite [..., n, n],
 * as 2 sum(log(diag(cholesky(matrix)))): no overflow, and its gradient is matrix^-1.
 */
export const logdet = api(
  function logdet(matrix: TensorLike): Tensor {
    const l = cholesky(toTensor(matrix, "logdet"));
    return multiply(reduceSum(log(diagPart(l)), -1), 2);
  },
  { namespaces: ["linalg"] },
);

/** The permutation matrices P [..., n, n] with P[i, perm[i]] = 1, so P x = x[perm]. */
function permutationMatrix(perm: Tensor, dtype: "float32" | "float64"): Tensor {
  return oneHot(perm, perm.shape[perm.rank - 1], 1, 0, -1, dtype);
}

/** The unit lower and the upper triangles of a packed LU. */
function unpackLu(lu: Tensor): [Tensor, Tensor] {
  const lower = setDiag(bandPart(lu, -1, 0), onesLike(diagPart(lu)));
  return [lower, bandPart(lu, 0, -1)];
}

/**
 * `tf.linalg.luSolve(lowerUpper, perm, rhs)`: X with A X = rhs, from [lowerUpper, perm] =
 * lu(A): L U X = rhs[..., perm, :], two triangular solves. Differentiable in lowerUpper and rhs.
 */
export const luSolve = api(
  function luSolve(lowerUpper: TensorLike, perm: TensorLike, rhs: TensorLike): Tensor {
    const op = "luSolve";
    const lu = toTensor(lowerUpper, op);
    const dtype = floatDType(op, lu);
    checkMatrix(op, lu, "lowerUpper");
    const p = toTensor(perm, op, "int32");
    const b = toTensor(rhs, op, lu.dtype);
    checkMatrix(op, b, "rhs", false);
    checkSameDType(op, lu, b, "lowerUpper and rhs");
    const n = lu.shape[lu.rank - 1];
    if (p.dtype !== "int32" || p.rank < 1 || p.shape[p.rank - 1] !== n) {
      throw new InvalidArgumentError(
        `${op}: perm must be int32 [..., ${n}] for lowerUpper ${describe(lu)}, got ${describe(p)}`,
      );
    }
    const [lower, upper] = unpackLu(lu);
    const permuted = matmul(permutationMatrix(p, dtype), b);
    const y = triangularSolve(lower, permuted, { lower: true });
    return triangularSolve(upper, y, { lower: false });
  },
  { namespaces: ["linalg"] },
);

/** `tf.linalg.luReconstruct(lowerUpper, perm)`: the A with lu(A) = [lowerUpper, perm]. */
export const luReconstruct = api(
  function luReconstruct(lowerUpper: TensorLike, perm: TensorLike): Tensor {
    const op = "luReconstruct";
    const lu = toTensor(lowerUpper, op);
    const dtype = floatDType(op, lu);
    checkMatrix(op, lu, "lowerUpper");
    const p = toTensor(perm, op, "int32");
    const [lower, upper] = unpackLu(lu);
    // L U = P A, so A = P^T (L U).
    return matmul(permutationMatrix(p, dtype), matmul(lower, upper), { transposeA: true });
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.lstsq(matrix, rhs, l2Regularizer = 0, fast = true)`: X minimizing
 * |matrix X - rhs|^2 + l2Regularizer |X|^2 for matrix [..., m, n], rhs [..., m, k]. fast: the
 * normal equations by Cholesky, (A^T A + l2 I)^-1 A^T B for m >= n and A^T (A A^T + l2 I)^-1 B
 * (the minimum-norm solution) for m < n; needs full rank when l2Regularizer is 0. fast = false:
 * through the SVD, V diag(s / (s^2 + l2)) U^T B, valid for rank-deficient matrices (singular
 * values below TensorFlow's pinv cutoff count as zero).
 */
export const lstsq = api(
  function lstsq(
    matrix: TensorLike,
    rhs: TensorLike,
    l2Regularizer: number = 0,
    fast = true,
  ): Tensor {
    const op = "lstsq";
    const a = toTensor(matrix, op);
    const dtype = floatDType(op, a);
    checkMatrix(op, a, "matrix", false);
    const b = toTensor(rhs, op, a.dtype);
    checkMatrix(op, b, "rhs", false);
    checkSameDType(op, a, b, "matrix and rhs");
    const [m, n] = a.shape.slice(-2);
    if (b.shape[b.rank - 2] !== m || !shapesEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
      throw new InvalidArgumentError(
        `${op}: rhs must be [..., ${m}, k] with matrix's batch dimensions, got matrix ${describe(a)} and rhs ${describe(b)}`,
      );
    }
    if (typeof l2Regularizer !== "number" || !(l2Regularizer >= 0)) {
      throw new RangeError(
        `${op}: l2Regularizer must be a number >= 0, got ${String(l2Regularizer)}`,
      );
    }
    const batch = a.shape.slice(0, -2);
    if (fast) {
      if (m >= n) {
        const gram = add(
          matmul(a, a, { transposeA: true }),
          multiply(batchEye(n, batch, dtype), l2Regularizer),
        );
        return choleskySolve(cholesky(gram), matmul(a, b, { transposeA: true }));
      }
      const gram = add(
        matmul(a, a, { transposeB: true }),
        multiply(batchEye(m, batch, dtype), l2Regularizer),
      );
      return matmul(a, choleskySolve(cholesky(gram), b), { transposeA: true });
    }
    const [s, u, v] = svd(a);
    const cutoff = multiply(reduceMax(stopGradient(s), -1, true), 10 * Math.max(m, n) * EPS[dtype]);
    const keep = greater(s, cutoff);
    const safe = where(keep, s, 1);
    const factor = where(keep, divide(safe, add(square(safe), l2Regularizer)), 0);
    const utb = matmul(u, b, { transposeA: true }); // [..., p, k]
    return matmul(v, multiply(reshape(factor, [...factor.shape, 1]), utb));
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.pinv(a, rcond?)`: the Moore-Penrose pseudo-inverse [..., n, m] of [..., m, n],
 * through the SVD: singular values at or below rcond * max(s) (rcond defaults to
 * 10 * max(m, n) * eps of the dtype) are treated as zero.
 */
export const pinv = api(
  function pinv(a: TensorLike, rcond: number | null = null): Tensor {
    const op = "pinv";
    const x = toTensor(a, op);
    const dtype = floatDType(op, x);
    checkMatrix(op, x, "a", false);
    const [m, n] = x.shape.slice(-2);
    const rc = rcond ?? 10 * Math.max(m, n) * EPS[dtype];
    if (typeof rc !== "number" || !(rc >= 0)) {
      throw new RangeError(`${op}: rcond must be a number >= 0, got ${String(rcond)}`);
    }
    const [s, u, v] = svd(x);
    const cutoff = multiply(reduceMax(stopGradient(s), -1, true), rc);
    const keep = greater(s, cutoff);
    const inv = where(keep, divide(1, where(keep, s, 1)), 0);
    // pinv = V diag(1/s) U^T.
    return matmul(
      multiply(v, reshape(inv, [...inv.shape.slice(0, -1), 1, inv.shape[inv.rank - 1]])),
      u,
      {
        transposeB: true,
      },
    );
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.matrixRank(a, tol?)`: int32 [...], the number of singular values above tol
 * (default max(s) * max(m, n) * eps of the dtype).
 */
export const matrixRank = api(
  function matrixRank(a: TensorLike, tol: number | null = null): Tensor {
    const op = "matrixRank";
    const x = toTensor(a, op);
    const dtype = floatDType(op, x);
    checkMatrix(op, x, "a", false);
    const [m, n] = x.shape.slice(-2);
    const s = svd(stopGradient(x), { computeUv: false });
    const t =
      tol === null
        ? multiply(reduceMax(s, -1, true), Math.max(m, n) * EPS[dtype])
        : new Tensor(dtype === "float64" ? Float64Array.of(tol) : Float32Array.of(tol), [], dtype);
    return reduceSum(cast(greater(s, t), "int32"), -1);
  },
  { namespaces: ["linalg"] },
);

export type NormOrd = "euclidean" | "fro" | number;

function normAxes(op: string, x: Tensor, axis: number | readonly number[] | null): number[] | null {
  if (axis === null) return null;
  const list = typeof axis === "number" ? [axis] : [...axis];
  if (list.length < 1 || list.length > 2) {
    throw new InvalidArgumentError(
      `${op}: axis must be null, an integer or a pair of integers, got ${JSON.stringify(axis)} (tensor ${describe(x)})`,
    );
  }
  const out = list.map((a) => normalizeAxis(op, a, x.rank, x));
  if (out.length === 2 && out[0] === out[1]) {
    throw new InvalidArgumentError(
      `${op}: the two axes must differ, got ${JSON.stringify(axis)} (tensor ${describe(x)})`,
    );
  }
  return out;
}

/**
 * `tf.norm(tensor, ord = "euclidean", axis = null, keepdims = false)` (also tf.linalg.norm).
 * axis null: the whole tensor as a vector; an integer: vector norms along it; a pair: matrix
 * norms over those axes. Vector ords: "euclidean" (= 2), 1, Infinity, or any p > 0
 * ((sum |x|^p)^(1/p)). Matrix ords: "euclidean"/"fro" (Frobenius), 1 (largest column sum of
 * |x|), Infinity (largest row sum), 2 (largest singular value).
 */
export const norm = api(
  function norm(
    tensor: TensorLike,
    ord: NormOrd = "euclidean",
    axis: number | readonly number[] | null = null,
    keepdims = false,
  ): Tensor {
    const op = "norm";
    const x = toTensor(tensor, op);
    floatDType(op, x);
    const axes = normAxes(op, x, axis);
    const isMatrix = axes !== null && axes.length === 2;
    const ordOk = isMatrix
      ? ord === "euclidean" || ord === "fro" || ord === 1 || ord === 2 || ord === Infinity
      : ord === "euclidean" || (typeof ord === "number" && ord > 0);
    if (!ordOk) {
      throw new InvalidArgumentError(
        `${op}: ord ${String(ord)} is not supported for ${isMatrix ? "matrix" : "vector"} norms ` +
          `(${isMatrix ? '"euclidean", "fro", 1, 2, Infinity' : '"euclidean", Infinity, or a number > 0'}; tensor ${describe(x)}, axis ${JSON.stringify(axis)})`,
      );
    }
    const all = x.shape.map((_, i) => i);
    const red = axes ?? all;
    if (!isMatrix) {
      if (ord === "euclidean" || ord === 2) return sqrt(reduceSum(square(x), red, keepdims));
      if (ord === Infinity) return reduceMax(abs(x), red, keepdims);
      if (ord === 1) return reduceSum(abs(x), red, keepdims);
      const p = ord as number;
      return pow(reduceSum(pow(abs(x), p), red, keepdims), 1 / p);
    }
    const [r, c] = axes;
    const squeezeBoth = (y: Tensor) =>
      keepdims
        ? y
        : reshape(
            y,
            x.shape.filter((_, i) => i !== r && i !== c),
          );
    if (ord === "euclidean" || ord === "fro") return sqrt(reduceSum(square(x), [r, c], keepdims));
    if (ord === 1) return squeezeBoth(reduceMax(reduceSum(abs(x), r, true), c, true));
    if (ord === Infinity) return squeezeBoth(reduceMax(reduceSum(abs(x), c, true), r, true));
    // ord 2: the largest singular value, with the two axes moved last.
    const rest = all.filter((i) => i !== r && i !== c);
    const s = svd(transpose(x, [...rest, r, c]), { computeUv: false });
    const top = reduceMax(s, -1);
    if (!keepdims) return top;
    return reshape(
      top,
      x.shape.map((d, i) => (i === r || i === c ? 1 : d)),
    );
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.normalize(tensor, ord = "euclidean", axis = null)`: [tensor / norm, norm], the
 * norm computed with keepdims (so it broadcasts back).
 */
export const normalize = api(
  function normalize(
    tensor: TensorLike,
    ord: NormOrd = "euclidean",
    axis: number | readonly number[] | null = null,
  ): [normalized: Tensor, norm: Tensor] {
    const x = toTensor(tensor, "normalize");
    const n = norm(x, ord, axis, true);
    return [divide(x, n), n];
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.globalNorm(tList)`: sqrt(sum of the squared L2 norms of the tensors), the norm
 * of all of them seen as one vector (null entries are skipped, as TensorFlow does).
 */
export const globalNorm = api(
  function globalNorm(tList: readonly (TensorLike | null)[]): Tensor {
    const op = "globalNorm";
    if (!Array.isArray(tList)) {
      throw new TypeError(`${op}: tList must be an array of tensors, got ${String(tList)}`);
    }
    const ts = tList.filter((t): t is TensorLike => t !== null).map((t) => toTensor(t, op));
    if (ts.length === 0) throw new InvalidArgumentError(`${op}: tList holds no tensor`);
    for (const t of ts) {
      floatDType(op, t);
      checkSameDType(op, ts[0], t, "all tensors");
    }
    const sums = ts.map((t) => reduceSum(square(t)));
    return sqrt(sums.length === 1 ? sums[0] : reduceSum(stack(sums)));
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.cross(a, b)`: the cross products of 3-vectors along the last axis of two tensors
 * of the same shape [..., 3].
 */
export const cross = api(
  function cross(a: TensorLike, b: TensorLike): Tensor {
    const op = "Cross";
    const x = toTensor(a, "cross");
    const y = toTensor(b, "cross", x.dtype);
    checkDType(op, x, "numeric", "a");
    checkSameDType(op, x, y, "a and b");
    if (!shapesEqual(x.shape, y.shape) || x.rank < 1 || x.shape[x.rank - 1] !== 3) {
      throw new InvalidArgumentError(
        `${op}: a and b must have the same shape [..., 3], got ${describe(x)} and ${describe(y)}`,
      );
    }
    const [a0, a1, a2] = unstack(x, 3, -1);
    const [b0, b1, b2] = unstack(y, 3, -1);
    return stack(
      [
        subtract(multiply(a1, b2), multiply(a2, b1)),
        subtract(multiply(a2, b0), multiply(a0, b2)),
        subtract(multiply(a0, b1), multiply(a1, b0)),
      ],
      -1,
    );
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.tensorDiag(diagonal)`: rank k -> rank 2k with output[i1..ik, i1..ik] =
 * diagonal[i1..ik] and zeros elsewhere (the diag of the flattened tensor, reshaped).
 */
export const tensorDiag = api(
  function tensorDiag(diagonal: TensorLike): Tensor {
    const x = toTensor(diagonal, "tensorDiag");
    checkDType("tensorDiag", x, "numeric");
    if (x.rank < 1) {
      throw new InvalidArgumentError(
        `tensorDiag: input must be at least rank 1, got ${describe(x)}`,
      );
    }
    const size = x.size;
    return reshape(diag(reshape(x, [size])), [...x.shape, ...x.shape]);
  },
  { namespaces: ["linalg"] },
);

// --- expm -------------------------------------------------------------------------------------

/** Padé coefficients b_0..b_m of exp (Higham 2005, Table 2.3). */
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000,
    10559470521600, 670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** theta_m: the largest 1-norm for which the degree-m Padé approximant is accurate (Higham). */
const THETA: Record<"float32" | "float64", [number, number][]> = {
  float64: [
    [3, 1.495585217958292e-2],
    [5, 2.53939833006323e-1],
    [7, 9.504178996162932e-1],
    [9, 2.097847961257068],
    [13, 5.371920351148152],
  ],
  float32: [
    [3, 4.258730016922831e-1],
    [5, 1.880152677804762],
    [7, 3.92572478313866],
  ],
};

/**
 * `tf.linalg.expm(input)`: the matrix exponential of [..., n, n] by scaling and squaring with
 * a Padé approximant (Higham 2005, as TensorFlow): the degree and the number of squarings s
 * come from the largest 1-norm in the batch, then exp(A) = r(A / 2^s)^(2^s) with
 * r = (V - U)^-1 (V + U). Reads that one norm eagerly (not traceable into a graph).
 */
export const expm = api(
  function expm(input: TensorLike): Tensor {
    const op = "expm";
    const a = toTensor(input, op);
    const dtype = floatDType(op, a);
    checkMatrix("MatrixExponential", a);
    const n = a.shape[a.rank - 1];
    if (a.size === 0) return a;
    const l1 = reduceMax(reduceSum(abs(stopGradient(a)), -2));
    const norm1 = Number(l1.numpy());
    if (!Number.isFinite(norm1)) {
      throw new InvalidArgumentError(`${op}: input has a NaN or infinite entry (${describe(a)})`);
    }
    const table = THETA[dtype];
    let degree = table[table.length - 1][0];
    let squarings = 0;
    const hit = table.find(([, theta]) => norm1 <= theta);
    if (hit !== undefined) degree = hit[0];
    else {
      const thetaMax = table[table.length - 1][1];
      squarings = Math.max(0, Math.ceil(Math.log2(norm1 / thetaMax)));
    }
    const x = squarings > 0 ? multiply(a, 2 ** -squarings) : a;
    const eye = batchEye(n, a.shape.slice(0, -2), dtype);
    const b = PADE[degree];
    const x2 = matmul(x, x);
    let u: Tensor;
    let v: Tensor;
    if (degree === 13) {
      const x4 = matmul(x2, x2);
      const x6 = matmul(x4, x2);
      const lin = (c: number[], ms: Tensor[]) =>
        c.slice(1).reduce((acc, ci, i) => add(acc, multiply(ms[i + 1], ci)), multiply(ms[0], c[0]));
      u = matmul(
        x,
        add(
          matmul(x6, lin([b[13], b[11], b[9]], [x6, x4, x2])),
          lin([b[7], b[5], b[3], b[1]], [x6, x4, x2, eye]),
        ),
      );
      v = add(
        matmul(x6, lin([b[12], b[10], b[8]], [x6, x4, x2])),
        lin([b[6], b[4], b[2], b[0]], [x6, x4, x2, eye]),
      );
    } else {
      // U = x sum_{odd k} b_k x^(k-1), V = sum_{even k} b_k x^k, with x^(2j) = (x^2)^j.
      let p = eye;
      let uSum = multiply(eye, b[1]);
      v = multiply(eye, b[0]);
      for (let j = 1; 2 * j <= degree; j++) {
        p = j === 1 ? x2 : matmul(p, x2);
        v = add(v, multiply(p, b[2 * j]));
        if (2 * j + 1 <= degree) uSum = add(uSum, multiply(p, b[2 * j + 1]));
      }
      u = matmul(x, uSum);
    }
    let r = solve(subtract(v, u), add(v, u));
    for (let i = 0; i < squarings; i++) r = matmul(r, r);
    return r;
  },
  { namespaces: ["linalg"] },
);
