/**
 * Fused trees on the native backend: a fused node's elementwise ops (and its final reduction)
 * become a program for the addon's fused program kernel (native/fused_program.h), encoded once
 * per node, so a replay is one native call. The kernel runs each op's own eager loop over
 * L1-sized tiles, threaded, with one output allocation: the result is the eager native one bit
 * for bit (a fused reduction adds in another order). Ops without an instruction (the special
 * functions computed by the JS backend's scalar code, which C's libm need not match to the
 * last bit) run eagerly between native pieces of the tree (see Piece).
 *
 * Inputs are passed in place when they have the output's shape, are one element, or broadcast
 * as one contiguous block of the output's axes (a row [C] or a column [R, 1] of [R, C]: the
 * kernel reads element i at (i / rep) % per); any other broadcast is materialized first.
 */
import type { FloatArray, NativeAddon } from "../backend/native/addon.js";
import { THRESHOLDS } from "../backend/native/backend.js";
import { nativeAddon } from "../backend/native/index.js";
import { backend } from "../backend/index.js";
import { runOp } from "../engine/run-op.js";
import { BroadcastTo } from "../ops/broadcast.js";
import { allocateUninitialized } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { ReduceAttrs } from "../ops/broadcast.js";
import type { FusedOp, TreeReduction } from "./fusion.js";
import type { FusedNode } from "./graph.js";

/**
 * Below this many elements the fused node runs the JS loop: the eager native backend runs its
 * JS kernels there too (its smallest crossover), so the results stay the eager ones.
 */
export const NATIVE_MIN_ELEMENTS = THRESHOLDS.unaryCostly;

const REDUCE_CODE = { Sum: 1, Mean: 2, Max: 3 } as const;

interface Program {
  readonly addon: NativeAddon;
  /** The encoded program; code[2] (the reduction) is set at each call. */
  readonly code: Int32Array;
}

/** Where a piece's input comes from: the node's input k, or an earlier piece's value. */
type Ref = { readonly leaf: number } | { readonly piece: number };

/**
 * A tree is run as pieces: native programs, and the ops the kernel has no instruction for
 * (the special functions whose JS scalar code calls V8's Math.log / Math.exp, which the C
 * library need not match bit for bit) run eagerly between them, each on the values of the
 * pieces before it. A tree whose every op has an instruction is one piece, one native call.
 */
type Piece =
  | { readonly kind: "native"; readonly program: Program; readonly inputs: readonly Ref[] }
  | { readonly kind: "eager"; readonly op: FusedOp["op"]; readonly inputs: readonly Ref[] };

/** Each node's pieces, in order (the last computes the tree's value), or null without the addon. */
const plans = new WeakMap<FusedNode, Piece[] | null>();
let names: { addon: NativeAddon; unary: Map<string, number>; binary: Map<string, number> } | null =
  null;

function opNames(addon: NativeAddon): NonNullable<typeof names> {
  if (names === null || names.addon !== addon) {
    // The eager loops' names, then the program's own instructions (fused_program_ops.cc).
    const extra = addon.fusedProgramNames?.() ?? { unary: [], binary: [] };
    names = {
      addon,
      unary: new Map([...addon.unaryNames, ...extra.unary].map((n, i): [string, number] => [n, i])),
      binary: new Map(
        [...addon.binaryNames, ...extra.binary].map((n, i): [string, number] => [n, i]),
      ),
    };
  }
  return names;
}

/** The instruction index of an op, or undefined where the kernel has none. */
function fnOf(o: FusedOp, nm: NonNullable<typeof names>): number | undefined {
  const name = o.op.scalar?.name ?? o.op.name;
  return (o.op.kind === "unary" ? nm.unary : nm.binary).get(name);
}

/** Encodes ops (args: leaves 0..k-1, or earlier ops) as a program of k inputs. */
function encode(addon: NativeAddon, k: number, ops: readonly FusedOp[]): Program {
  const nm = opNames(addon);
  const code = new Int32Array(3 + 4 * ops.length);
  code[0] = k;
  code[1] = ops.length;
  for (let j = 0; j < ops.length; j++) {
    const o = ops[j];
    const operand = (a: FusedOp["args"][number]): number => ("leaf" in a ? a.leaf : k + a.op);
    const at = 3 + 4 * j;
    code[at] = o.op.kind === "unary" ? 0 : 1;
    code[at + 1] = fnOf(o, nm) as number;
    code[at + 2] = operand(o.args[0]);
    code[at + 3] = o.op.kind === "unary" ? -1 : operand(o.args[1]);
  }
  return { addon, code };
}

/** Splits the tree into pieces (see Piece). */
function plan(ops: readonly FusedOp[]): Piece[] | null {
  const addon = nativeAddon();
  if (addon === null || addon.fusedProgram === undefined) return null;
  const nm = opNames(addon);
  const missing = ops.map((o) => fnOf(o, nm) === undefined);
  const pieces: Piece[] = [];
  const pieceOf = new Map<number, number>(); // op index -> the piece computing its value
  // The native piece computing op `root`: its subtree down to leaves and earlier pieces.
  const nativePiece = (root: number): number => {
    const inputs: Ref[] = [];
    const local: FusedOp[] = [];
    const input = (r: Ref): number => {
      const k = inputs.findIndex((x) =>
        "leaf" in r ? "leaf" in x && x.leaf === r.leaf : "piece" in x && x.piece === r.piece,
      );
      return k >= 0 ? k : inputs.push(r) - 1;
    };
    // Post-order, as the tree's own order: operands before the op reading them.
    const visit = (j: number): FusedOp["args"][number] => {
      const done = pieceOf.get(j);
      if (done !== undefined) return { leaf: input({ piece: done }) };
      const args = ops[j].args.map((a) => ("leaf" in a ? { leaf: input(a) } : visit(a.op)));
      return { op: local.push({ op: ops[j].op, args }) - 1 };
    };
    const top = visit(root);
    if ("leaf" in top) return (inputs[top.leaf] as { piece: number }).piece;
    // Leaves are numbered as they were met; the program's operands k.. are its own results.
    pieces.push({ kind: "native", program: encode(addon, inputs.length, local), inputs });
    pieceOf.set(root, pieces.length - 1);
    return pieces.length - 1;
  };
  for (let j = 0; j < ops.length; j++) {
    if (!missing[j]) continue;
    const inputs = ops[j].args.map((a): Ref => ("leaf" in a ? a : { piece: nativePiece(a.op) }));
    pieces.push({ kind: "eager", op: ops[j].op, inputs });
    pieceOf.set(j, pieces.length - 1);
  }
  const last = ops.length - 1;
  if (!pieceOf.has(last)) nativePiece(last);
  return pieces;
}

/**
 * How the kernel reads an input of shape `s` broadcast to `out` (n > 0 elements): [rep, per]
 * when its axes of more than one element are one contiguous block of out's axes, else null.
 */
function layoutOf(s: readonly number[], out: readonly number[]): [number, number] | null {
  const offset = out.length - s.length;
  let lo = -1;
  let hi = -1;
  for (let d = 0; d < out.length; d++) {
    const sd = d >= offset ? s[d - offset] : 1;
    if (sd !== 1) {
      if (lo < 0) lo = d;
      hi = d;
    }
  }
  if (lo < 0) return [1, 1];
  let per = 1;
  for (let d = lo; d <= hi; d++) {
    const sd = d >= offset ? s[d - offset] : 1;
    if (sd !== out[d]) return null; // a broadcast axis inside the block
    per *= out[d];
  }
  let rep = 1;
  for (let d = hi + 1; d < out.length; d++) rep *= out[d];
  return [rep, per];
}

/**
 * The tree's result through the native kernel (its pieces, see Piece), or null where it must
 * run op by op (no addon), or where its last op runs eagerly and the caller must reduce.
 */
export function runFusedNative(
  node: FusedNode,
  ops: readonly FusedOp[],
  args: readonly Tensor[],
  shape: readonly number[],
  dtype: "float32" | "float64",
  red: TreeReduction | null,
): Tensor | null {
  let pieces = plans.get(node);
  if (pieces === undefined) {
    pieces = plan(ops);
    plans.set(node, pieces);
  }
  if (pieces === null) return null;
  const values: Tensor[] = [];
  const val = (r: Ref): Tensor => ("leaf" in r ? args[r.leaf] : values[r.piece]);
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p];
    const lastPiece = p === pieces.length - 1;
    const ins = piece.inputs.map(val);
    if (piece.kind === "eager") {
      const t = runOp(piece.op, ins, {})[0];
      // A reduction after an eager last op: the op, then the reduction, as op by op.
      values.push(lastPiece && red !== null ? reduceEagerly(node, t) : t);
    } else {
      values.push(runProgram(piece.program, ins, shape, dtype, lastPiece ? red : null));
    }
  }
  return values[values.length - 1];
}

/** The node's final reduction of `t`, as its op. */
function reduceEagerly(node: FusedNode, t: Tensor): Tensor {
  const last = node.ops[node.ops.length - 1];
  return runOp(last.op, [t], last.reduce as ReduceAttrs)[0];
}

/** One native program over the iteration space `shape`, reduced as `red` says. */
function runProgram(
  program: Program,
  args: readonly Tensor[],
  shape: readonly number[],
  dtype: "float32" | "float64",
  red: TreeReduction | null,
): Tensor {
  const n = sizeOf(shape);
  const layout = new Float64Array(2 * args.length);
  const ins = new Array<FloatArray>(args.length);
  const b = backend();
  for (let q = 0; q < args.length; q++) {
    let t = args[q];
    let l = t.size === 1 ? ([1, 1] as [number, number]) : layoutOf(t.shape, shape);
    if (l === null) {
      t = runOp(BroadcastTo, [t], { shape })[0];
      l = [1, n];
    }
    layout[2 * q] = l[0];
    layout[2 * q + 1] = l[1];
    ins[q] = b.read(t) as FloatArray;
  }
  const { code, addon } = program;
  code[2] = red === null ? 0 : REDUCE_CODE[red.fn];
  const outShape = red === null ? shape : red.shape;
  const out = allocateUninitialized(dtype, red === null ? n : sizeOf(red.shape)) as FloatArray;
  (addon.fusedProgram as NonNullable<NativeAddon["fusedProgram"]>)(
    code,
    layout,
    out,
    n,
    red === null ? 0 : red.rowLen,
    ...ins,
  );
  return new Tensor(out, [...outShape], dtype);
}
