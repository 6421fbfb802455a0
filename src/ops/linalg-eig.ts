/**
 * `tf.linalg.eig` and `tf.linalg.eigvals`: eigenvalues and eigenvectors of general (not
 * necessarily symmetric) real or complex square matrices, which are complex in general. The
 * kernel (backend/eig.ts) is Hessenberg reduction plus shifted complex QR in float64.
 *
 * The gradient is TensorFlow's (linalg_grad.py, _EigGrad), with V^H written vt:
 *   F_ij = conj(1 / (e_j - e_i)) off the diagonal, 0 on it
 *   mid  = diag(de) + F * (V^H dV - V^H V diag(Re diag(V^H dV)))
 *   dA   = V^-H mid V^H      (its real part for a real A)
 * It needs V invertible (A diagonalizable) and distinct eigenvalues, as TensorFlow's does.
 */
import { eigBatch } from "../backend/eig.js";
import { supportsComplex } from "../engine/complex.js";
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { complexDType, isComplex, isFloating, type NumArray, realDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { describe, toTensor, type TensorLike } from "./checks.js";
import { complex, conj, imag, real } from "./complex.js";
import { eye } from "./creation.js";
import { add, cast, multiply, subtract } from "./elementwise/basic.js";
import { reciprocal } from "./elementwise/math.js";
import { matmul } from "./linalg.js";
import { solve } from "./linalg-solve.js";
import { concat, expandDims, transpose } from "./movement-core.js";
import { slice } from "./movement-slice.js";

export interface EigAttrs {
  readonly computeV: boolean;
}

function checkSquare(op: string, x: Tensor): void {
  if (!isFloating(x.dtype) && !isComplex(x.dtype)) {
    throw new TypeError(
      `${op}: input must be float32, float64, complex64 or complex128, got ${describe(x)}`,
    );
  }
  if (x.rank < 2 || x.shape[x.rank - 1] !== x.shape[x.rank - 2]) {
    throw new InvalidArgumentError(
      `${op}: input must be a square matrix (or a batch of them) [..., n, n], got ${describe(x)}`,
    );
  }
}

/** The last two axes swapped and conjugated. */
function adjoint(x: Tensor): Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return conj(transpose(x, perm));
}

/**
 * X with A X = B for complex A, B, through the real system [[Ar, -Ai], [Ai, Ar]] [Xr; Xi] =
 * [Br; Bi] (so MatrixSolve's own gradient carries through).
 */
function complexSolve(a: Tensor, b: Tensor): Tensor {
  const r = a.rank;
  const ar = real(a);
  const ai = imag(a);
  const big = concat([concat([ar, multiply(ai, -1)], r - 1), concat([ai, ar], r - 1)], r - 2);
  const rhs = concat([real(b), imag(b)], r - 2);
  const x = solve(big, rhs);
  const n = a.shape[r - 1];
  const begin = new Array<number>(r).fill(0);
  const size = x.shape.slice();
  size[r - 2] = n;
  const re = slice(x, begin, size);
  begin[r - 2] = n;
  return complex(re, slice(x, begin, size));
}

export const Eig: OpDef<EigAttrs> = defineOp<EigAttrs>({
  name: "Eig",
  kind: "other",
  infer: ([x], { computeV }) => {
    checkSquare("Eig", x);
    const dtype = isComplex(x.dtype) ? x.dtype : complexDType(x.dtype as "float32");
    const n = x.shape[x.rank - 1];
    const e = { shape: [...x.shape.slice(0, -2), n], dtype };
    return computeV ? [e, { shape: x.shape, dtype }] : [e];
  },
  kernel: (b, [x], [e, v]) => {
    const n = x.shape[x.rank - 1];
    const batch = n === 0 ? 0 : sizeOf(x.shape) / (n * n);
    const ok = eigBatch(
      b.read(x) as NumArray,
      isComplex(x.dtype),
      batch,
      n,
      b.read(e) as NumArray,
      v === undefined ? null : (b.read(v) as NumArray),
    );
    if (!ok) {
      throw new InvalidArgumentError(
        `Eig: the QR algorithm did not converge for input ${describe(x)} (a matrix with NaN or Inf?)`,
      );
    }
  },
  saveOutputs: [0, 1],
  grad: ([de, dv], c): Grads => {
    const e = c.outputs[0] as Tensor;
    const v = c.outputs[1];
    if (v === null || v === undefined) {
      throw new InvalidArgumentError(
        "Eig: the gradient needs the eigenvectors: use tf.linalg.eig, not eigvals, under a tape",
      );
    }
    const n = e.shape[e.rank - 1];
    const I = cast(eye(n), e.dtype);
    const vt = adjoint(v);
    // F_ij = conj(1 / (e_j - e_i)) off the diagonal (the diagonal shifted by 1 to stay finite,
    // then masked), 0 on it
    const diff = subtract(expandDims(e, -2), expandDims(e, -1));
    const offDiagonal = cast(subtract(1, eye(n)), e.dtype);
    const F = conj(multiply(reciprocal(add(diff, I)), offDiagonal));
    const vgv = matmul(vt, dv);
    const realDiag = multiply(cast(real(vgv), e.dtype), I);
    const mid = add(
      multiply(expandDims(de, -2), I),
      multiply(F, subtract(vgv, matmul(matmul(vt, v), realDiag))),
    );
    const da = complexSolve(vt, matmul(mid, vt));
    const input = c.inputDtypes[0];
    return [isComplex(input) ? da : cast(real(da), realDType(complexDType(input as "float32")))];
  },
  check: { skip: "complex outputs: checked by finite differences in test/linalg-eig.test.ts" },
});
supportsComplex(Eig);

/**
 * `tf.linalg.eig(tensor)`: [e, v], the eigenvalues [..., n] and eigenvectors [..., n, n] (as
 * columns, A v_j = e_j v_j) of each inner square matrix, complex64 for float32 / complex64
 * input, complex128 for float64 / complex128. Eigenvalues come in increasing modulus (then real,
 * then imaginary part); each
 * eigenvector has unit norm and its largest component real and positive.
 */
export const eig = api(
  function eig(tensor: TensorLike): [Tensor, Tensor] {
    const x = toTensor(tensor, "eig");
    checkSquare("eig", x);
    const [e, v] = runOp(Eig, [x], { computeV: true });
    return [e, v];
  },
  { namespaces: ["linalg"] },
);

/** `tf.linalg.eigvals(tensor)`: the eigenvalues of each inner square matrix, as eig gives them. */
export const eigvals = api(
  function eigvals(tensor: TensorLike): Tensor {
    const x = toTensor(tensor, "eigvals");
    checkSquare("eigvals", x);
    // with the vectors, so that a tape can differentiate the values (as TensorFlow does)
    return runOp(Eig, [x], { computeV: true })[0];
  },
  { namespaces: ["linalg"] },
);
