/**
 * One-hot batched values for pfor (pfor.ts): the seeds of a vectorized Jacobian are one-hot, and
 * the first ops of a reverse pass keep them so (TanhGrad of a one-hot seed is one-hot, scaled).
 * Holding such a value as its per-example scale instead of the dense [batch, ...shape] stack
 * turns the first matrix product of the pass, a [batch*rows, k] x [k, n] matmul against a
 * matrix that has one nonzero per row, into a scaling of the other operand's rows:
 * O(batch*rows*n) instead of O(batch*rows*k*n). For a 16x256 -> 256 batchJacobian that is one
 * of the pass's two 268M multiply-add products.
 *
 * A OneHot with per-example shape P, axis a and scale s (shape P) stands for the stack
 *   value[i, p] = (p[a] == i) ? s[p] : 0,   i < P[a],
 * where every axis of P after a has size 1 (so the one-hot index is p's flat position within
 * the block of axes a.., and reshapes that only move unit axes keep it).
 *
 * The rules below keep the form through elementwise ops that map a zero in the one-hot operand
 * to zero whatever the other operands are (Mul, TanhGrad's dy, ReluGrad's gradients, Neg, ...),
 * unit-axis reshapes, and a matmul against an unbatched matrix; anything else gets the dense
 * stack. Results equal the dense computation's except where a forward value is inf or NaN: off
 * the one-hot positions the dense pass computes 0 * inf = NaN and this one keeps 0.
 */
import type { AnyOpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { reshape } from "../ops/broadcast.js";
import { eye } from "../ops/creation.js";
import { multiply } from "../ops/elementwise.js";
import { transpose } from "../ops/movement-core.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export class OneHot {
  constructor(
    /** The per-example scale, of the per-example shape. */
    readonly scale: Tensor,
    /** The axis of the per-example shape that holds the one-hot index. */
    readonly axis: number,
  ) {}

  get shape(): readonly number[] {
    return this.scale.shape;
  }

  /** The batch size: the length of the one-hot axis. */
  get batch(): number {
    return this.scale.shape[this.axis];
  }

  /** The dense stack [batch, ...shape]: scale times the identity placed on (batch, axis). */
  dense(): Tensor {
    const n = this.batch;
    const r = this.scale.rank;
    const mask = reshape(eye(n, n, this.scale.dtype), [
      n,
      ...ones(this.axis),
      n,
      ...ones(r - this.axis - 1),
    ]);
    return multiply(mask, this.scale);
  }
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}

/**
 * Input slots at which a zero gives a zero output whatever the other operands (finite) are: the
 * one-hot form passes through them with the op applied to the scale.
 */
const ZERO_PRESERVING: Record<string, readonly number[]> = {
  Mul: [0, 1],
  Neg: [0],
  Identity: [0],
  StopGradient: [0],
  Cast: [0],
  TanhGrad: [1],
  SigmoidGrad: [1],
  ReluGrad: [0],
  Relu6Grad: [0],
  EluGrad: [0],
};

/**
 * The op on one-hot operands `oh` (the others unbatched in `xs`), kept one-hot, or null when the
 * op needs the dense stack.
 */
export function oneHotOp(
  op: AnyOpDef,
  attrs: unknown,
  xs: readonly (Tensor | OneHot)[],
  batched: readonly boolean[],
): OneHot | Tensor | null {
  const ohIdx = xs.flatMap((x, i) => (x instanceof OneHot ? [i] : []));
  // Every batched operand must be one-hot (a dense batched one makes the result dense).
  if (batched.some((b, i) => b && !(xs[i] instanceof OneHot))) return null;
  const first = xs[ohIdx[0]] as OneHot;
  const slots = ZERO_PRESERVING[op.name];
  if (slots !== undefined && ohIdx.length === 1 && slots.includes(ohIdx[0])) {
    const args = xs.map((x) => (x instanceof OneHot ? x.scale : x));
    const [out] = runOp(op, args, attrs as never);
    // Broadcasting against a larger operand would move the one-hot axis: dense then.
    return shapesEqual(out.shape, first.shape) ? new OneHot(out, first.axis) : null;
  }
  if (op.name === "Reshape" && ohIdx.length === 1 && ohIdx[0] === 0) {
    const shape = (attrs as { shape: readonly number[] }).shape;
    const axis = unitAxisReshape(first, shape);
    return axis === null ? null : new OneHot(reshape(first.scale, shape), axis);
  }
  if (op.name === "BatchMatMulV2" && ohIdx.length === 1) {
    const a = attrs as { transposeA: boolean; transposeB: boolean };
    return ohIdx[0] === 0
      ? matmulLeft(first, xs[1] as Tensor, a.transposeA, a.transposeB)
      : matmulRight(xs[0] as Tensor, first, a.transposeA, a.transposeB);
  }
  return null;
}

/** The one-hot axis after reshaping `oh` to `shape`, or null when the reshape breaks the form. */
function unitAxisReshape(oh: OneHot, shape: readonly number[]): number | null {
  if (shape.some((d) => d < 0)) return null;
  const lead = oh.shape.slice(0, oh.axis).reduce((p, d) => p * d, 1);
  let p = 1;
  for (let k = 0; k < shape.length; k++) {
    if (p === lead && shape[k] === oh.batch && shape.slice(k + 1).every((d) => d === 1)) {
      return k;
    }
    p *= shape[k];
  }
  return null;
}

/**
 * x @ op(y), x one-hot [..., m, k] on its last axis k, y an unbatched matrix:
 *   out[i, ..., m, :] = sum_k x[i, ..., m, k] op(y)[k, :] = s[..., m, i] * op(y)[i, :].
 */
function matmulLeft(x: OneHot, y: Tensor, ta: boolean, tb: boolean): Tensor | null {
  const r = x.shape.length;
  if (ta || r < 2 || x.axis !== r - 1 || y.rank !== 2) return null;
  const k = x.batch;
  const opY = tb ? transpose(y, [1, 0]) : y;
  if (opY.shape[0] !== k) return null;
  const perm = [r - 1, ...Array.from({ length: r - 1 }, (_, i) => i)];
  const sT = reshape(transpose(x.scale, perm), [k, ...x.shape.slice(0, r - 1), 1]);
  return multiply(sT, reshape(opY, [k, ...ones(r - 1), opY.shape[1]]));
}

/**
 * op(x) @ y, x an unbatched matrix [m, k], y one-hot [k, 1] on axis 0 (a vector as a column):
 *   out[i, :, 0] = op(x)[:, i] * s[i, 0].
 */
function matmulRight(x: Tensor, y: OneHot, ta: boolean, tb: boolean): Tensor | null {
  if (tb || x.rank !== 2 || y.shape.length !== 2 || y.axis !== 0 || y.shape[1] !== 1) {
    return null;
  }
  // op(x)^T, [k, m]: x itself when op transposes.
  const xT = ta ? x : transpose(x, [1, 0]);
  if (xT.shape[0] !== y.batch) return null;
  const out = multiply(xT, y.scale);
  return reshape(out, [out.shape[0], out.shape[1], 1]);
}
