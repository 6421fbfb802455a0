/**
 * Linear algebra: the one primitive BatchMatMulV2 (every matrix product, batched or not), and the
 * composites built on it: matvec, tensordot, trace, diag, diagPart, matrixTranspose. einsum lives
 * in einsum.ts. Gradients are written with public ops, so nested tapes record them and higher
 * derivatives come for free.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, sizeOf, tryBroadcastShapes, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { broadcastTo, reduceSum, reshape, sumToShape } from "./broadcast.js";
import { checkDType, describe, toOperands, toTensor, type TensorLike, saved } from "./checks.js";
import { where } from "./elementwise.js";
import { transpose } from "./movement.js";
import { api } from "./api.js";
import { conj } from "./complex.js";
import { isComplex } from "../tensor/dtype.js";

export interface MatMulAttrs {
  /** Use the transpose of In[0]'s last two axes (TensorFlow's adj_x, real dtypes). */
  readonly transposeA: boolean;
  /** Use the transpose of In[1]'s last two axes (adj_y). */
  readonly transposeB: boolean;
}

/** `tf.matmul`'s flags; adjoint is the conjugate transpose, the transpose for real dtypes. */
export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  adjointA?: boolean;
  adjointB?: boolean;
}

const OP = "BatchMatMulV2";

interface MatmulGeometry {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** The broadcast batch dims of the output. */
  readonly batch: number[];
}

/**
 * The shape rule of a (batched) matrix product: both ranks >= 2, the inner dimensions of
 * op(a) [m, k] and op(b) [k, n] equal, the batch dims (all but the last two) broadcast.
 */
function matmulGeometry(a: Tensor, b: Tensor, attrs: MatMulAttrs): MatmulGeometry {
  if (!isComplex(a.dtype)) checkDType(OP, a, "numeric", "In[0]");
  if (!isComplex(b.dtype)) checkDType(OP, b, "numeric", "In[1]");
  if (a.dtype !== b.dtype) {
    throw new InvalidArgumentError(
      `${OP}: In[0] and In[1] must have the same dtype, got ${describe(a)} and ${describe(b)}`,
    );
  }
  for (const [i, t] of [a, b].entries()) {
    if (t.rank < 2) {
      throw new InvalidArgumentError(
        `${OP}: In[${i}] ndims must be >= 2: ${t.rank} (shape ${describe(t)}; use matvec for a matrix times a vector)`,
      );
    }
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, ka] = attrs.transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = attrs.transposeB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    throw new InvalidArgumentError(
      `${OP}: Matrix size-incompatible: In[0]: ${shapeMsg(a.shape)}, In[1]: ${shapeMsg(b.shape)} ` +
        `(${a.dtype}, transposeA=${attrs.transposeA}, transposeB=${attrs.transposeB}: ` +
        `inner dimensions ${ka} and ${kb} differ)`,
    );
  }
  const batch = tryBroadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (batch === null) {
    throw new InvalidArgumentError(
      `${OP}: In[0] and In[1] must have broadcastable batch dimensions: ${shapeMsg(a.shape)} vs. ${shapeMsg(b.shape)} (${a.dtype})`,
    );
  }
  return { m, n, k: ka, batch };
}

/**
 * Whether an input's batch dims reach the output's batch with a single stride: either they
 * are the output's (left-padded with 1s), or they hold one matrix shared by all (stride 0).
 */
function batchIsStrided(t: Tensor, batch: Shape): boolean {
  const own = t.shape.slice(0, -2);
  if (sizeOf(own) === 1) return true;
  const lead = batch.length - own.length;
  for (let i = 0; i < lead; i++) if (batch[i] !== 1) return false;
  return shapesEqual(own, batch.slice(lead));
}

export const BatchMatMulV2: OpDef<MatMulAttrs> = defineOp<MatMulAttrs>({
  name: OP,
  kind: "contraction",
  check: {
    cases: [
      {
        inputs: [{ shape: [2, 2, 3] }, { shape: [3, 4] }],
        attrs: { transposeA: false, transposeB: false },
      },
      {
        inputs: [{ shape: [3, 2] }, { shape: [4, 3] }],
        attrs: { transposeA: true, transposeB: true },
      },
    ],
  },
  // Every kernel stores each output element (k = 0 is filled with zeros below).
  overwritesOutputs: true,
  infer: ([a, b], attrs) => {
    const { m, n, batch } = matmulGeometry(a, b, attrs);
    // The kernel takes one batch stride per input (0 or m*k); tf.matmul materializes any
    // other broadcast with broadcastTo before it gets here.
    for (const [i, t] of [a, b].entries()) {
      if (!batchIsStrided(t, batch)) {
        throw new InvalidArgumentError(
          `${OP}: In[${i}] ${describe(t)} has batch dims that broadcast non-trivially to ${shapeMsg(batch)}; broadcast it first (tf.matmul does)`,
        );
      }
    }
    return [{ shape: [...batch, m, n], dtype: a.dtype }];
  },
  kernel: (be, [a, b], [c], { transposeA, transposeB }) => {
    const [m, n] = c.shape.slice(-2);
    const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
    const batch = sizeOf(c.shape.slice(0, -2));
    const batchOf = (t: Tensor) => sizeOf(t.shape.slice(0, -2));
    if (k === 0) {
      (be.read(c) as NumArray).fill(0); // an empty sum
      return;
    }
    be.matmul(be.read(a) as NumArray, be.read(b) as NumArray, be.read(c) as NumArray, {
      batch,
      m,
      n,
      k,
      transposeA,
      transposeB,
      aBatchStride: batchOf(a) === 1 ? 0 : m * k,
      bBatchStride: batchOf(b) === 1 ? 0 : k * n,
    });
  },
  saveInputs: [0, 1],
  // TensorFlow's MatMul gradient table, C = op(A) op(B) with op = transpose or identity:
  //   C = A B      dA = dC B^T     dB = A^T dC
  //   C = A B^T    dA = dC B       dB = dC^T A
  //   C = A^T B    dA = B dC^T     dB = A dC
  //   C = A^T B^T  dA = B^T dC^T   dB = dC^T A^T
  // then summed over the batch dims each input was broadcast along. A cotangent nobody needs
  // (the data input of a layer, when only the weights are sources) is not computed.
  grad: ([dc], { inputs, attrs, inputShapes, needsInputGrad }) => {
    const a = saved(inputs[0]);
    const b = saved(inputs[1]);
    const { transposeA: ta, transposeB: tb } = attrs;
    const wantA = needsInputGrad?.[0] ?? true;
    const wantB = needsInputGrad?.[1] ?? true;
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (!ta && !tb) {
      if (wantA) da = matmul(dc, b, { transposeB: true });
      if (wantB) db = matmul(a, dc, { transposeA: true });
    } else if (!ta) {
      if (wantA) da = matmul(dc, b);
      if (wantB) db = matmul(dc, a, { transposeA: true });
    } else if (!tb) {
      if (wantA) da = matmul(b, dc, { transposeB: true });
      if (wantB) db = matmul(a, dc);
    } else {
      if (wantA) da = matmul(b, dc, { transposeA: true, transposeB: true });
      if (wantB) db = matmul(dc, a, { transposeA: true, transposeB: true });
    }
    return [
      da === null ? null : sumToShape(da, inputShapes[0]),
      db === null ? null : sumToShape(db, inputShapes[1]),
    ];
  },
});

// --- public functions -------------------------------------------------------------------------

/** An optional boolean flag; null (Python's None) and undefined mean false. */
function flag(op: string, name: string, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") {
    throw new TypeError(`${op}: option ${name} must be a boolean, got ${String(v)}`);
  }
  return v;
}

/** transposeX or adjointX (the same thing for real dtypes), but not both, as TensorFlow says. */
function transposeFlag(
  op: string,
  opts: MatmulOptions,
  t: "transposeA" | "transposeB",
  adj: "adjointA" | "adjointB",
): boolean {
  const tr = flag(op, t, opts[t]);
  const ad = flag(op, adj, opts[adj]);
  if (tr && ad) {
    throw new InvalidArgumentError(`${op}: only one of ${t} and ${adj} can be true`);
  }
  return tr || ad;
}

/**
 * `tf.matmul(a, b, {transposeA, transposeB, adjointA, adjointB})`: the product of the last two
 * axes, [..., m, k] x [..., k, n] -> [..., m, n], over batch dims that broadcast (NumPy rules).
 * float32, float64 and int32.
 */
export const matmul = api(
  function matmul(a: TensorLike, b: TensorLike, options: MatmulOptions | null = {}): Tensor {
    let [ta, tb] = toOperands("matmul", a, b);
    const o = options ?? {};
    // adjoint is the conjugate transpose: conjugate here, transpose in the kernel
    if (isComplex(ta.dtype) && o.adjointA === true) ta = conj(ta);
    if (isComplex(tb.dtype) && o.adjointB === true) tb = conj(tb);
    const attrs: MatMulAttrs = {
      transposeA: transposeFlag("matmul", o, "transposeA", "adjointA"),
      transposeB: transposeFlag("matmul", o, "transposeB", "adjointB"),
    };
    const { batch } = matmulGeometry(ta, tb, attrs);
    // A batch that does not reach the output with one stride is materialized (the broadcast's
    // gradient then sums it back), so the kernel sees strides 0 or m*k only.
    const full = (t: Tensor) =>
      batchIsStrided(t, batch) ? t : broadcastTo(t, [...batch, ...t.shape.slice(-2)]);
    return runOp1(BatchMatMulV2, [full(ta), full(tb)], attrs);
  },
  { methods: ["matmul"], namespaces: ["linalg"] },
);

/**
 * `tf.linalg.matvec(a, b, {transposeA, adjointA})`: [..., m, n] x [..., n] -> [..., m], the
 * batch dims broadcasting; a matmul with b as a column.
 */
export const matvec = api(
  function matvec(
    a: TensorLike,
    b: TensorLike,
    options: Pick<MatmulOptions, "transposeA" | "adjointA"> | null = {},
  ): Tensor {
    const [ta, tb] = toOperands("matvec", a, b);
    if (tb.rank < 1) {
      throw new InvalidArgumentError(
        `matvec: b must be a vector or a batch of vectors (rank >= 1), got ${describe(tb)} (a: ${describe(ta)})`,
      );
    }
    const transposeA = transposeFlag("matvec", options ?? {}, "transposeA", "adjointA");
    const col = reshape(tb, [...tb.shape, 1]);
    const y = matmul(ta, col, { transposeA });
    return reshape(y, y.shape.slice(0, -1));
  },
  { methods: [], namespaces: ["linalg"] },
);

/** TensorFlow's `axes` of tensordot: N (a's last N with b's first N), or a pair of axis lists. */
export type TensordotAxes =
  number | readonly [number | readonly number[], number | readonly number[]];

function tensordotAxes(a: Tensor, b: Tensor, axes: TensordotAxes): [number[], number[]] {
  const shapes = `a: ${describe(a)}, b: ${describe(b)}`;
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0) {
      throw new RangeError(
        `tensordot: axes must be a non-negative integer, got ${axes} (${shapes})`,
      );
    }
    if (axes > a.rank || axes > b.rank) {
      throw new InvalidArgumentError(
        `tensordot: cannot contract ${axes} axes, more than a tensor has (${shapes})`,
      );
    }
    return [
      Array.from({ length: axes }, (_, i) => a.rank - axes + i),
      Array.from({ length: axes }, (_, i) => i),
    ];
  }
  if (!Array.isArray(axes) || axes.length !== 2) {
    throw new TypeError(
      `tensordot: axes must be an integer or a pair of axis lists, got ${JSON.stringify(axes)}`,
    );
  }
  const list = (x: number | readonly number[], t: Tensor, which: string): number[] => {
    const raw = typeof x === "number" ? [x] : x;
    if (!Array.isArray(raw)) {
      throw new TypeError(`tensordot: axes for ${which} must be an integer or a list of integers`);
    }
    const out: number[] = [];
    for (const ax of raw as readonly number[]) {
      if (!Number.isInteger(ax) || ax < -t.rank || ax >= t.rank) {
        throw new InvalidArgumentError(
          `tensordot: axis ${String(ax)} of ${which} is out of range for rank ${t.rank} (${shapes})`,
        );
      }
      const n = ax < 0 ? ax + t.rank : ax;
      if (out.includes(n)) {
        throw new InvalidArgumentError(`tensordot: axis ${ax} of ${which} is repeated (${shapes})`);
      }
      out.push(n);
    }
    return out;
  };
  const aAxes = list(axes[0], a, "a");
  const bAxes = list(axes[1], b, "b");
  if (aAxes.length !== bAxes.length) {
    throw new InvalidArgumentError(
      `tensordot: a and b must contract as many axes, got [${aAxes.join(",")}] and [${bAxes.join(",")}] (${shapes})`,
    );
  }
  return [aAxes, bAxes];
}

const isIdentity = (perm: readonly number[]) => perm.every((p, i) => p === i);

/**
 * Lays `t` out as a matrix [rows, cols] whose row axes are `rowAxes` and column axes `colAxes`
 * (in that order): a reshape when the axes already lie so, a reshape and the matmul transpose
 * flag when they lie swapped, else a transpose first. Returns the matrix and whether to transpose.
 */
function asMatrix(t: Tensor, rowAxes: number[], colAxes: number[]): [Tensor, boolean] {
  const dims = (axes: number[]) => sizeOf(axes.map((ax) => t.shape[ax]));
  const rows = dims(rowAxes);
  const cols = dims(colAxes);
  if (isIdentity([...rowAxes, ...colAxes])) return [reshape(t, [rows, cols]), false];
  if (isIdentity([...colAxes, ...rowAxes])) return [reshape(t, [cols, rows]), true];
  return [reshape(transpose(t, [...rowAxes, ...colAxes]), [rows, cols]), false];
}

/**
 * `tf.tensordot(a, b, axes)`: sums the products of a and b over the paired axes. `axes` is N
 * (a's last N axes with b's first N) or [aAxes, bAxes]. The result has a's free axes then b's,
 * in order; it is computed as one matrix product of the two tensors laid out as matrices.
 */
export const tensordot = api(
  function tensordot(a: TensorLike, b: TensorLike, axes: TensordotAxes): Tensor {
    const [ta, tb] = toOperands("tensordot", a, b);
    const [aAxes, bAxes] = tensordotAxes(ta, tb, axes);
    for (let i = 0; i < aAxes.length; i++) {
      if (ta.shape[aAxes[i]] !== tb.shape[bAxes[i]]) {
        throw new InvalidArgumentError(
          `tensordot: axis ${aAxes[i]} of a (size ${ta.shape[aAxes[i]]}) does not match axis ${bAxes[i]} of b (size ${tb.shape[bAxes[i]]}): a: ${describe(ta)}, b: ${describe(tb)}`,
        );
      }
    }
    const freeA = ta.shape.map((_, i) => i).filter((i) => !aAxes.includes(i));
    const freeB = tb.shape.map((_, i) => i).filter((i) => !bAxes.includes(i));
    const [ma, transposeA] = asMatrix(ta, freeA, aAxes);
    const [mb, transposeB] = asMatrix(tb, bAxes, freeB);
    const c = matmul(ma, mb, { transposeA, transposeB });
    return reshape(c, [...freeA.map((i) => ta.shape[i]), ...freeB.map((i) => tb.shape[i])]);
  },
  { methods: [], namespaces: ["linalg"] },
);

/** The permutation that swaps the last two axes of a rank-r tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * `tf.linalg.matrixTranspose(a, {conjugate})`: swaps the last two axes (rank >= 2). Conjugation
 * is a no-op for the real dtypes tapeflow has.
 */
export const matrixTranspose = api(
  function matrixTranspose(a: TensorLike, options: { conjugate?: boolean } | null = {}): Tensor {
    const t = toTensor(a, "matrixTranspose");
    flag("matrixTranspose", "conjugate", options?.conjugate);
    if (t.rank < 2) {
      throw new InvalidArgumentError(
        `matrixTranspose: input must have rank >= 2, got ${describe(t)}`,
      );
    }
    return transpose(t, swapLastTwo(t.rank));
  },
  { methods: [], namespaces: ["linalg"] },
);

/** `tf.linalg.adjoint(a)`: the conjugate transpose of the last two axes, for real dtypes the transpose. */
export const adjoint = api(
  function adjoint(a: TensorLike): Tensor {
    return matrixTranspose(a);
  },
  { methods: [], namespaces: ["linalg"] },
);

/** A constant bool [rows, cols] mask, true on the main diagonal. */
export function diagonalMask(rows: number, cols: number): Tensor {
  const mask = new Uint8Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) mask[i * cols + i] = 1;
  return new Tensor(mask, [rows, cols], "bool");
}

/**
 * `tf.linalg.diagPart(x)`: [..., m, n] -> [..., min(m, n)], the main diagonals. Made as
 * sum(where(I, x, 0)) over the longer axis: `where` picks rather than multiplies, so a NaN or
 * Inf off the diagonal does not leak in, and the gradient lands on the diagonal only.
 */
export const diagPart = api(
  function diagPart(x: TensorLike): Tensor {
    const t = toTensor(x, "diagPart");
    checkDType("diagPart", t, "numeric");
    if (t.rank < 2) {
      throw new InvalidArgumentError(`diagPart: input must have rank >= 2, got ${describe(t)}`);
    }
    const [m, n] = t.shape.slice(-2);
    const picked = where(diagonalMask(m, n), t, 0);
    // Row i < m has its one diagonal entry at column i when m <= n; else sum down the columns.
    return reduceSum(picked, m <= n ? -1 : -2);
  },
  { methods: [], namespaces: ["linalg"] },
);

/** `tf.linalg.trace(x)`: [..., m, n] -> [...], the sums of the main diagonals. */
export const trace = api(
  function trace(x: TensorLike): Tensor {
    const t = toTensor(x, "trace");
    checkDType("trace", t, "numeric");
    if (t.rank < 2) {
      throw new InvalidArgumentError(`trace: input must have rank >= 2, got ${describe(t)}`);
    }
    return reduceSum(diagPart(t), -1);
  },
  { methods: [], namespaces: ["linalg"] },
);

/**
 * `tf.linalg.diag(diagonal)`: [..., n] -> [..., n, n], zero off the diagonal: where(I, v as a
 * column, 0), the column broadcast along the rows.
 */
export const diag = api(
  function diag(diagonal: TensorLike): Tensor {
    const v = toTensor(diagonal, "diag");
    checkDType("diag", v, "numeric");
    if (v.rank < 1) {
      throw new InvalidArgumentError(`diag: diagonal must have rank >= 1, got ${describe(v)}`);
    }
    const n = v.shape[v.rank - 1];
    return where(diagonalMask(n, n), reshape(v, [...v.shape, 1]), 0);
  },
  { methods: [], namespaces: ["linalg"] },
);
