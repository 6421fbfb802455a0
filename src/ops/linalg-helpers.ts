/**
 * Shared pieces of the tf.linalg ops: input checks (float, rank >= 2, square), batch geometry,
 * and the two masking composites every matrix gradient uses, bandPart and setDiag. Both are
 * `where` with a constant mask, so their gradients (and all higher ones) are where's.
 */
import { backend } from "../backend/index.js";
import type { FloatArray } from "../backend/lapack.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, sizeOf, tryBroadcastShapes } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { broadcastTo, reshape } from "./broadcast.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import { where } from "./elementwise.js";
import { diagonalMask } from "./linalg.js";
import { pad, slice } from "./movement-slice.js";
import { api } from "./api.js";

/** The flat float storage of a tensor whose dtype the op's infer has checked. */
export function floats(t: Tensor): FloatArray {
  return backend().read(t) as FloatArray;
}

/** The number of matrices in a [..., m, n] tensor. */
export function batchSize(t: Tensor): number {
  return sizeOf(t.shape.slice(0, -2));
}

/**
 * Checks a matrix input of op: float32/float64, rank >= 2 and, when `square`, [..., n, n].
 * The message names the op, the input and its shape and dtype.
 */
export function checkMatrix(op: string, t: Tensor, what = "input", square = true): void {
  checkDType(op, t, "float", what);
  if (t.rank < 2) {
    throw new InvalidArgumentError(
      `${op}: ${what} must have rank >= 2 (a matrix or a batch of matrices), got ${describe(t)}`,
    );
  }
  if (square && t.shape[t.rank - 1] !== t.shape[t.rank - 2]) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a square matrix (or a batch of them) [..., n, n], got ${describe(t)}`,
    );
  }
}

/** Checks that two inputs of op have the same dtype. */
export function checkSameDType(op: string, a: Tensor, b: Tensor, names: string): void {
  if (a.dtype !== b.dtype) {
    throw new InvalidArgumentError(
      `${op}: ${names} must have the same dtype, got ${describe(a)} and ${describe(b)}`,
    );
  }
}

/**
 * Broadcasts the batch dims (all but the last two) of a and b against each other, as
 * TensorFlow's triangular_solve and matmul do; the matrix dims stay.
 */
export function broadcastBatch(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const batch = tryBroadcastShapes(ba, bb);
  if (batch === null) {
    throw new InvalidArgumentError(
      `${op}: the batch dimensions of ${shapeMsg(a.shape)} and ${shapeMsg(b.shape)} do not broadcast`,
    );
  }
  const to = (t: Tensor) => {
    const want = [...batch, ...t.shape.slice(-2)];
    return want.length === t.rank && want.every((d, i) => d === t.shape[i])
      ? t
      : broadcastTo(t, want);
  };
  return [to(a), to(b)];
}

/** A constant bool [m, n] mask, true where -numLower <= j - i <= numUpper (negative: no bound). */
function bandMask(m: number, n: number, numLower: number, numUpper: number): Tensor {
  const mask = new Uint8Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const inLower = numLower < 0 || i - j <= numLower;
      const inUpper = numUpper < 0 || j - i <= numUpper;
      mask[i * n + j] = inLower && inUpper ? 1 : 0;
    }
  return new Tensor(mask, [m, n], "bool");
}

function bandArg(name: string, v: unknown, t: Tensor): number {
  const x = v instanceof Tensor && v.rank === 0 ? Number(v.numpy()) : v;
  if (typeof x !== "number" || !Number.isInteger(x)) {
    throw new TypeError(
      `bandPart: ${name} must be an integer (negative: keep the whole triangle), got ${String(v)} (input ${describe(t)})`,
    );
  }
  return x;
}

/**
 * `tf.linalg.bandPart(input, numLower, numUpper)`: keeps the band -numLower <= j - i <=
 * numUpper of each inner matrix and zeros the rest; a negative bound keeps that whole triangle
 * (bandPart(x, -1, 0) is the lower triangle, bandPart(x, 0, 0) the diagonal).
 */
export const bandPart = api(
  function bandPart(input: TensorLike, numLower: number, numUpper: number): Tensor {
    const t = toTensor(input, "bandPart");
    checkDType("bandPart", t, "numeric");
    if (t.rank < 2) {
      throw new InvalidArgumentError(`bandPart: input must have rank >= 2, got ${describe(t)}`);
    }
    const [m, n] = t.shape.slice(-2);
    const lo = bandArg("numLower", numLower, t);
    const up = bandArg("numUpper", numUpper, t);
    if (lo > m || up > n) {
      throw new InvalidArgumentError(
        `bandPart: numLower (${lo}) must be <= the rows (${m}) and numUpper (${up}) <= the columns (${n}) of input ${describe(t)}`,
      );
    }
    return where(bandMask(m, n, lo, up), t, 0);
  },
  { namespaces: ["linalg"] },
);

/**
 * `tf.linalg.setDiag(input, diagonal)`: input [..., m, n] with its main diagonal replaced by
 * diagonal [..., min(m, n)]. The diagonal is laid along the columns (padded to n), broadcast
 * down the rows, and picked on the diagonal mask.
 */
export const setDiag = api(
  function setDiag(input: TensorLike, diagonal: TensorLike): Tensor {
    const t = toTensor(input, "setDiag");
    checkDType("setDiag", t, "numeric");
    if (t.rank < 2) {
      throw new InvalidArgumentError(`setDiag: input must have rank >= 2, got ${describe(t)}`);
    }
    const d = toTensor(diagonal, "setDiag", t.dtype);
    const [m, n] = t.shape.slice(-2);
    const k = Math.min(m, n);
    const want = [...t.shape.slice(0, -2), k];
    if (d.dtype !== t.dtype || d.rank !== want.length || d.shape.some((s, i) => s !== want[i])) {
      throw new InvalidArgumentError(
        `setDiag: diagonal must have shape ${shapeMsg(want)} and dtype ${t.dtype} for input ${describe(t)}, got ${describe(d)}`,
      );
    }
    const row = n > k ? pad(d, [...d.shape.slice(0, -1).map(() => [0, 0]), [0, n - k]]) : d;
    const spread = reshape(row, [...row.shape.slice(0, -1), 1, n]);
    return where(diagonalMask(m, n), spread, t);
  },
  { namespaces: ["linalg"] },
);

/** A constant bool [m, n] mask, true on the k-th diagonal (j - i = k). */
export function offsetDiagonalMask(m: number, n: number, k: number): Tensor {
  const mask = new Uint8Array(m * n);
  for (let i = 0; i < m; i++) if (i + k >= 0 && i + k < n) mask[i * n + i + k] = 1;
  return new Tensor(mask, [m, n], "bool");
}

/** n x n identities [...batch, n, n] of the dtype. */
export function batchEye(
  n: number,
  batch: readonly number[],
  dtype: "float32" | "float64",
): Tensor {
  const v = dtype === "float64" ? new Float64Array(n * n) : new Float32Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const e = new Tensor(v, [n, n], dtype);
  return batch.length === 0 ? e : broadcastTo(e, [...batch, n, n]);
}

/** x[..., from : from + len] along the last axis. */
export function sliceLast(x: Tensor, from: number, len: number): Tensor {
  return slice(
    x,
    x.shape.map((_, i) => (i === x.rank - 1 ? from : 0)),
    x.shape.map((s, i) => (i === x.rank - 1 ? len : s)),
  );
}
