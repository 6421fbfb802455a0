/**
 * Fused trees on the native backend: a fused node's elementwise ops (and its final reduction)
 * become a program for the addon's fused program kernel (native/fused_program.h), encoded once
 * per node, so a replay is one native call. The kernel runs each op's own eager loop over
 * L1-sized tiles, threaded, with one output allocation: the result is the eager native one bit
 * for bit (a fused reduction adds in another order).
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

/** Each node's program, or null when an op has no native kernel (it then runs op by op). */
const programs = new WeakMap<FusedNode, Program | null>();
let names: { addon: NativeAddon; unary: Map<string, number>; binary: Map<string, number> } | null =
  null;

function encode(node: FusedNode, ops: readonly FusedOp[]): Program | null {
  const addon = nativeAddon();
  if (addon === null || addon.fusedProgram === undefined) return null;
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
  const k = node.inputs.length;
  const code = new Int32Array(3 + 4 * ops.length);
  code[0] = k;
  code[1] = ops.length;
  for (let j = 0; j < ops.length; j++) {
    const o = ops[j];
    const name = o.op.scalar?.name ?? o.op.name;
    const fn = (o.op.kind === "unary" ? names.unary : names.binary).get(name);
    if (fn === undefined) return null;
    const operand = (a: FusedOp["args"][number]): number => ("leaf" in a ? a.leaf : k + a.op);
    const at = 3 + 4 * j;
    code[at] = o.op.kind === "unary" ? 0 : 1;
    code[at + 1] = fn;
    code[at + 2] = operand(o.args[0]);
    code[at + 3] = o.op.kind === "unary" ? -1 : operand(o.args[1]);
  }
  return { addon, code };
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

/** The tree's result through the native kernel, or null where it must run op by op. */
export function runFusedNative(
  node: FusedNode,
  ops: readonly FusedOp[],
  args: readonly Tensor[],
  shape: readonly number[],
  dtype: "float32" | "float64",
  red: TreeReduction | null,
): Tensor | null {
  let program = programs.get(node);
  if (program === undefined) {
    program = encode(node, ops);
    programs.set(node, program);
  }
  if (program === null) return null;
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
