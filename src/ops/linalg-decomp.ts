/**
 * Matrix decompositions: the primitives Cholesky, Lu, Qr, Svd and SelfAdjointEigV2, with
 * TensorFlow's gradients (tensorflow/python/ops/linalg_grad.py; Giles 2008, Ionescu et al.
 * 2015) written with public ops, so nested tapes see them and second derivatives come for free.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import { UnimplementedError, InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { describe, NO_ATTRS, type NoAttrs, saved, toTensor, type TensorLike } from "./checks.js";
import { add, multiply, reciprocal, square, subtract } from "./elementwise.js";
import { zerosLike } from "./creation.js";
import {
  bandPart,
  batchEye,
  batchSize,
  checkMatrix,
  floats,
  setDiag,
  sliceLast,
} from "./linalg-helpers.js";
import { MatrixTriangularSolve } from "./linalg-solve.js";
import { diag, diagPart, matmul, matrixTranspose } from "./linalg.js";
import { concat, expandDims } from "./movement.js";
import { api } from "./api.js";

/** x / (x^2 + eps): 1/x away from 0, 0 at 0 (TensorFlow's _SafeReciprocal, for repeated values). */
function safeReciprocal(x: Tensor, eps = 1e-20): Tensor {
  return multiply(x, reciprocal(add(multiply(x, x), eps)));
}

/** F[..., i, j] = 1 / (x_j - x_i) off the diagonal, 0 on it (and where x_i = x_j). */
function differenceReciprocals(x: Tensor): Tensor {
  const f = safeReciprocal(subtract(expandDims(x, -2), expandDims(x, -1)));
  return setDiag(f, zerosLike(x));
}

const t = (x: Tensor) => matrixTranspose(x);

// --- Cholesky ---------------------------------------------------------------------------------

export const Cholesky = defineOp<NoAttrs>({
  name: "Cholesky",
  kind: "other",
  infer: ([a]) => {
    checkMatrix("Cholesky", a);
    return [{ shape: a.shape, dtype: a.dtype }];
  },
  kernel: (be, [a], [l]) => {
    const bad = be.cholesky(floats(a), floats(l), batchSize(a), a.shape[a.rank - 1]);
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `Cholesky: Cholesky decomposition was not successful. The input might not be valid. (matrix ${bad} of the batch, input ${describe(a)}, is not symmetric positive definite)`,
      );
    }
  },
  saveOutputs: [0],
  // With A = L L^T and Phi(X) = the lower triangle of X with its diagonal halved:
  // dA = L^-T Phi(L^T dL) L^-1, symmetrized (the gradient for symmetric perturbations).
  grad: ([g], { outputs }) => {
    const l = saved(outputs[0]);
    const n = l.shape[l.rank - 1];
    const eye = batchEye(n, l.shape.slice(0, -2), l.dtype as "float32" | "float64");
    const lInv = runOp1(MatrixTriangularSolve, [l, eye], { lower: true, adjoint: false });
    let middle = matmul(l, g, { transposeA: true });
    middle = setDiag(middle, multiply(diagPart(middle), 0.5));
    middle = bandPart(middle, -1, 0);
    const ga = matmul(matmul(lInv, middle, { transposeA: true }), lInv);
    return [multiply(add(ga, t(ga)), 0.5)];
  },
  check: {
    skip:
      "the gradient is TensorFlow's symmetric one (for symmetric perturbations of A) while the " +
      "kernel reads only the lower triangle, so raw finite differences differ off the diagonal; " +
      "checked to second order on cholesky((X + X^T)/2 + 3I) in test/linalg-decomp.test.ts",
  },
});

// --- Lu ---------------------------------------------------------------------------------------

export const Lu = defineOp<NoAttrs>({
  name: "Lu",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a]) => {
    checkMatrix("Lu", a);
    return [
      { shape: a.shape, dtype: a.dtype },
      { shape: a.shape.slice(0, -1), dtype: "int32" },
    ];
  },
  kernel: (be, [a], [lu, p]) => {
    be.lu(floats(a), floats(lu), be.read(p) as Int32Array, batchSize(a), a.shape[a.rank - 1]);
  },
  // TensorFlow registers no gradient for Lu (differentiate luSolve or the matrix instead).
  grad: null,
  check: { skip: "TensorFlow registers no gradient for Lu" },
});

// --- Qr ---------------------------------------------------------------------------------------

export interface QrAttrs {
  readonly fullMatrices: boolean;
}

/** x R^-T for upper-triangular R: (R^-1 x^T)^T. */
function solveRightTransposed(x: Tensor, r: Tensor): Tensor {
  return t(runOp1(MatrixTriangularSolve, [r, t(x)], { lower: false, adjoint: false }));
}

/** QR's backward pass for m >= n (reduced): TensorFlow's _QrGradSquareAndDeepMatrices. */
function qrGradDeep(q: Tensor, r: Tensor, dq: Tensor, dr: Tensor): Tensor {
  const qdq = matmul(q, dq, { transposeA: true });
  const qdqSkew = subtract(qdq, t(qdq));
  const rdr = matmul(r, dr, { transposeB: true });
  const rdrSkew = subtract(rdr, t(rdr));
  const tril = bandPart(add(qdqSkew, rdrSkew), -1, 0);
  const ga = matmul(q, add(dr, solveRightTransposed(tril, r)));
  const gb = solveRightTransposed(subtract(dq, matmul(q, qdq)), r);
  return add(ga, gb);
}

export const Qr = defineOp<QrAttrs>({
  name: "Qr",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a], { fullMatrices }) => {
    checkMatrix("Qr", a, "input", false);
    const [m, n] = a.shape.slice(-2);
    const p = Math.min(m, n);
    const batch = a.shape.slice(0, -2);
    return [
      { shape: [...batch, m, fullMatrices ? m : p], dtype: a.dtype },
      { shape: [...batch, fullMatrices ? m : p, n], dtype: a.dtype },
    ];
  },
  kernel: (be, [a], [q, r], { fullMatrices }) => {
    const [m, n] = a.shape.slice(-2);
    be.qr(floats(a), floats(q), floats(r), batchSize(a), m, n, fullMatrices);
  },
  saveInputs: [0],
  saveOutputs: [0, 1],
  grad: ([dq, dr], { inputs, outputs }) => {
    const a = saved(inputs[0]);
    const q = saved(outputs[0]);
    const r = saved(outputs[1]);
    const m = q.shape[q.rank - 2];
    const n = r.shape[r.rank - 1];
    if (r.shape[r.rank - 2] > n && q.shape[q.rank - 1] === m) {
      throw new UnimplementedError(
        `Qr: the gradient is not implemented when rows > columns and fullMatrices is true (input ${describe(a)}), as in TensorFlow`,
      );
    }
    if (m >= n) return [qrGradDeep(q, r, dq, dr)];
    // Wide: A = [X | Y] with X square; R = [U | V]. Y's part goes through Q alone.
    const y = sliceLast(a, m, n - m);
    const u = sliceLast(r, 0, m);
    const dv = sliceLast(dr, m, n - m);
    const du = sliceLast(dr, 0, m);
    const dy = matmul(q, dv);
    const dx = qrGradDeep(q, u, add(dq, matmul(y, dv, { transposeB: true })), du);
    return [concat([dx, dy], -1)];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: { fullMatrices: false } },
      { inputs: [{ shape: [4, 2] }], attrs: { fullMatrices: false } },
      { inputs: [{ shape: [2, 3, 2] }], attrs: { fullMatrices: false } },
      { inputs: [{ shape: [2, 4] }], attrs: { fullMatrices: true } },
    ],
  },
});

// --- Svd --------------------------------------------------------------------------------------

export interface SvdAttrs {
  readonly fullMatrices: boolean;
  readonly computeUv: boolean;
}

export const Svd: OpDef<SvdAttrs> = defineOp<SvdAttrs>({
  name: "Svd",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a], { fullMatrices, computeUv }) => {
    checkMatrix("Svd", a, "input", false);
    const [m, n] = a.shape.slice(-2);
    const p = Math.min(m, n);
    const batch = a.shape.slice(0, -2);
    return [
      { shape: [...batch, p], dtype: a.dtype },
      { shape: computeUv ? [...batch, m, fullMatrices ? m : p] : [0], dtype: a.dtype },
      { shape: computeUv ? [...batch, n, fullMatrices ? n : p] : [0], dtype: a.dtype },
    ];
  },
  kernel: (be, [a], [s, u, v], { fullMatrices, computeUv }) => {
    const [m, n] = a.shape.slice(-2);
    be.svd(
      floats(a),
      floats(s),
      computeUv ? floats(u) : null,
      computeUv ? floats(v) : null,
      batchSize(a),
      m,
      n,
      fullMatrices,
    );
  },
  saveInputs: [0],
  saveOutputs: [0, 1, 2],
  // TensorFlow's _SvdGrad (real case). With F_ij = 1/(s_j^2 - s_i^2) (0 where they coincide:
  // repeated singular values make the vectors' gradient undefined, and this choice is
  // TensorFlow's), for m <= n:
  //   dA = U [dS + (F o U^T dU + its transpose) S + S (F o V1^T dV1 + its transpose)] V1^T
  //        + U S^-1 (dV1^T - dV1^T V1 V1^T - [full] V1^T dV2 V2^T)
  // and for m > n the same on the transposed problem.
  grad: ([gs, gu, gv], { inputs, outputs, attrs }) => {
    const a = saved(inputs[0]);
    if (!attrs.computeUv) {
      const [, u, v] = runOp(Svd, [a], { fullMatrices: false, computeUv: true });
      return [matmul(u, matmul(diag(gs), v, { transposeB: true }))];
    }
    const s = saved(outputs[0]);
    let u = saved(outputs[1]);
    let v = saved(outputs[2]);
    let [m, n] = a.shape.slice(-2);
    let gU = gu;
    let gV = gv;
    const useAdjoint = m > n;
    if (useAdjoint) {
      [m, n] = [n, m];
      [u, v] = [v, u];
      [gU, gV] = [gV, gU];
    }
    if (attrs.fullMatrices && Math.abs(m - n) > 1) {
      throw new UnimplementedError(
        `Svd: the gradient is not implemented for |m - n| > 1 when fullMatrices is true (input ${describe(a)}), as in TensorFlow`,
      );
    }
    const sMat = diag(s);
    const f = differenceReciprocals(square(s));
    const sInvMat = diag(safeReciprocal(s));
    const v1 = sliceLast(v, 0, m);
    const gv1 = sliceLast(gV, 0, m);
    const fU = multiply(f, matmul(u, gU, { transposeA: true }));
    const fV = multiply(f, matmul(v1, gv1, { transposeA: true }));
    const inner = add(add(diag(gs), matmul(add(fU, t(fU)), sMat)), matmul(sMat, add(fV, t(fV))));
    let ga = matmul(u, matmul(inner, v1, { transposeB: true }));
    if (m !== n) {
      const gv1t = t(gv1);
      let nous = subtract(gv1t, matmul(matmul(gv1t, v1), v1, { transposeB: true }));
      if (attrs.fullMatrices) {
        const v2 = sliceLast(v, m, n - m);
        const gv2 = sliceLast(gV, m, n - m);
        nous = subtract(
          nous,
          matmul(matmul(v1, gv2, { transposeA: true }), v2, { transposeB: true }),
        );
      }
      ga = add(ga, matmul(matmul(u, sInvMat), nous));
    }
    return [useAdjoint ? t(ga) : ga];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: { fullMatrices: false, computeUv: true } },
      { inputs: [{ shape: [4, 2] }], attrs: { fullMatrices: false, computeUv: true } },
      { inputs: [{ shape: [2, 2, 3] }], attrs: { fullMatrices: false, computeUv: true } },
      { inputs: [{ shape: [2, 3] }], attrs: { fullMatrices: true, computeUv: true } },
      { inputs: [{ shape: [3, 2] }], attrs: { fullMatrices: false, computeUv: false } },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
});

// --- SelfAdjointEigV2 -------------------------------------------------------------------------

export interface EighAttrs {
  readonly computeV: boolean;
}

export const SelfAdjointEigV2: OpDef<EighAttrs> = defineOp<EighAttrs>({
  name: "SelfAdjointEigV2",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a], { computeV }) => {
    checkMatrix("SelfAdjointEigV2", a);
    return [
      { shape: a.shape.slice(0, -1), dtype: a.dtype },
      { shape: computeV ? a.shape : [0], dtype: a.dtype },
    ];
  },
  kernel: (be, [a], [e, v], { computeV }) => {
    be.eigh(floats(a), floats(e), computeV ? floats(v) : null, batchSize(a), a.shape[a.rank - 1]);
  },
  saveInputs: [0],
  saveOutputs: [0, 1],
  // A = V diag(e) V^T: dA = V (diag(de) + F o V^T dV) V^T with F_ij = 1/(e_j - e_i) (0 for
  // repeated eigenvalues, TensorFlow's choice), then folded onto the lower triangle the kernel
  // reads: off-diagonal entries get G + G^T, the diagonal G's own.
  grad: ([ge, gv], { inputs, outputs, attrs }) => {
    let ga: Tensor;
    if (attrs.computeV) {
      const e = saved(outputs[0]);
      const v = saved(outputs[1]);
      const f = differenceReciprocals(e);
      const mid = add(diag(ge), multiply(f, matmul(v, gv, { transposeA: true })));
      ga = matmul(v, matmul(mid, v, { transposeB: true }));
    } else {
      const [, v] = runOp(SelfAdjointEigV2, [saved(inputs[0])], { computeV: true });
      ga = matmul(v, matmul(diag(ge), v, { transposeB: true }));
    }
    ga = bandPart(add(ga, t(ga)), -1, 0);
    return [setDiag(ga, multiply(diagPart(ga), 0.5))];
  },
  check: {
    cases: [
      { inputs: [{ shape: [3, 3] }], attrs: { computeV: true } },
      { inputs: [{ shape: [2, 3, 3] }], attrs: { computeV: true } },
      { inputs: [{ shape: [3, 3] }], attrs: { computeV: false } },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
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
 * `tf.linalg.cholesky(input)`: L lower triangular with L L^T = input, for symmetric positive
 * definite [..., n, n] (only the lower triangle is read). Not positive definite:
 * InvalidArgumentError "Cholesky decomposition was not successful. The input might not be valid."
 */
export const cholesky = api(
  function cholesky(input: TensorLike): Tensor {
    return runOp1(Cholesky, [toTensor(input, "cholesky")], NO_ATTRS);
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.lu(input)`: [lu, p], the packed LU with partial pivoting of [..., n, n]: L (unit
 * lower, below the diagonal of lu) and U (upper, on and above it) with L U = input[..., p, :]
 * (p [..., n] int32). Not differentiable, as in TensorFlow.
 */
export const lu = api(
  function lu(input: TensorLike): [lu: Tensor, p: Tensor] {
    const [l, p] = runOp(Lu, [toTensor(input, "lu")], NO_ATTRS);
    return [l, p];
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.qr(input, {fullMatrices = false})`: [q, r] with q r = input [..., m, n], q's
 * columns orthonormal and r upper triangular: q [..., m, p], r [..., p, n] with p = min(m, n),
 * or q [..., m, m], r [..., m, n] when fullMatrices. The gradient is TensorFlow's (not for
 * m > n with fullMatrices).
 */
export const qr = api(
  function qr(
    input: TensorLike,
    options: { fullMatrices?: boolean } | null = {},
  ): [q: Tensor, r: Tensor] {
    const a = toTensor(input, "qr");
    const [q, r] = runOp(Qr, [a], {
      fullMatrices: flag("qr", "fullMatrices", options?.fullMatrices, false),
    });
    return [q, r];
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.svd(tensor, {fullMatrices = false, computeUv = true})`: [s, u, v] with
 * tensor = u diag(s) v^T (v is not transposed, as in TensorFlow), s [..., p] descending with
 * p = min(m, n); u [..., m, p] and v [..., n, p], or [..., m, m] and [..., n, n] when
 * fullMatrices. With computeUv false, s alone (as TensorFlow returns it).
 */
export interface SvdFunction {
  (
    tensor: TensorLike,
    options?: { fullMatrices?: boolean; computeUv?: true } | null,
  ): [s: Tensor, u: Tensor, v: Tensor];
  (tensor: TensorLike, options: { fullMatrices?: boolean; computeUv: false }): Tensor;
  (
    tensor: TensorLike,
    options: { fullMatrices?: boolean; computeUv?: boolean } | null,
  ): [s: Tensor, u: Tensor, v: Tensor] | Tensor;
}
export const svd = api(
  function svd(
    tensor: TensorLike,
    options: { fullMatrices?: boolean; computeUv?: boolean } | null = {},
  ): [s: Tensor, u: Tensor, v: Tensor] | Tensor {
    const a = toTensor(tensor, "svd");
    const computeUv = flag("svd", "computeUv", options?.computeUv, true);
    const fullMatrices = flag("svd", "fullMatrices", options?.fullMatrices, false);
    const [s, u, v] = runOp(Svd, [a], { fullMatrices, computeUv });
    return computeUv ? [s, u, v] : s;
  } as SvdFunction,
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.eigh(tensor)`: [e, v] for self-adjoint [..., n, n] (the lower triangle is read):
 * e [..., n] ascending, v's columns the eigenvectors, tensor = v diag(e) v^T.
 */
export const eigh = api(
  function eigh(tensor: TensorLike): [e: Tensor, v: Tensor] {
    const [e, v] = runOp(SelfAdjointEigV2, [toTensor(tensor, "eigh")], { computeV: true });
    return [e, v];
  },
  { namespaces: ["linalg"] },
);

/** `tf.linalg.eigvalsh(tensor)`: the eigenvalues [..., n] ascending of self-adjoint matrices. */
export const eigvalsh = api(
  function eigvalsh(tensor: TensorLike): Tensor {
    return runOp(SelfAdjointEigV2, [toTensor(tensor, "eigvalsh")], { computeV: false })[0];
  },
  { namespaces: ["linalg"] },
);
