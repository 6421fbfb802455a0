/**
 * Elementwise fusion: a tree of elementwise ops (each intermediate read once, by the next op of
 * the tree) runs as one generated JavaScript kernel over cache-sized tiles of the inputs, with
 * one output allocation and no intermediate tensors. The loop is built from each op's scalar expression in its
 * registry entry (`op.scalar.js`, the expression the JS backend compiles its own loops from),
 * one block per op: `let t2; { const a = t0, b = t1; t2 = Math.fround(a * b); }` (Math.fround
 * written out: TurboFan inlines it only when it sees the builtin itself, not a captured copy).
 *
 * A reduction (Sum, Mean or Max) of a tree's result is fused into the tree too: the loop
 * accumulates each tile's values instead of storing them, so reduceSum(tanh(x * a + b)) makes
 * no intermediate tensor.
 *
 * On the native backend the tree runs as one call of the addon's fused program kernel
 * (fusion-native.ts: the per-op vectorized loops over L1-sized tiles, threaded); on the JS
 * backend, and on the native one below NATIVE_MIN_ELEMENTS (where the eager native backend
 * runs its JS kernels too), as the generated loop.
 *
 * A fused node keeps its original op nodes. It runs them one by one, exactly as unfused, when
 * the fused loop would not be the same computation:
 *   - a tape or a trace is listening (they must see each op: gradients are the eager ones);
 *   - an op checker is active (tf.debugging.enableCheckNumerics: it checks each op's output);
 *   - the inputs are not all one floating dtype;
 *   - on the native backend, an op of the tree has no native kernel.
 * For float32 each op's result is rounded to float32 (Math.fround), as storing it in eager
 * mode would, so the fused result equals the eager one bit for bit on the JS backend; the
 * native program calls each op's eager kernel loop, so it is bitwise the eager native result.
 * A fused reduction adds in another order than the eager one (float rounding apart).
 * Inputs broadcast: an input of the output's shape is read at i, a one-element input once
 * before the loop, and any other is first broadcast by BroadcastTo (natively, a row or a
 * column broadcast is read in place).
 */
import { backend, getBackend } from "../backend/index.js";
import * as scalarMath from "../backend/js/scalar-math.js";
import type { AnyOpDef } from "../engine/op.js";
import { activeRecorders } from "../engine/recorder.js";
import { activeCheckers, activeTracers, runOp } from "../engine/run-op.js";
import { BroadcastTo, type ReduceAttrs, reducedShape } from "../ops/broadcast.js";
import { allocateUninitialized, type NumArray } from "../tensor/dtype.js";
import { shapesEqual, sizeOf, tryBroadcastShapes } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { FusedNode, GraphNode, GraphParts, OpNode } from "./graph.js";
import { NATIVE_MIN_ELEMENTS, runFusedNative } from "./fusion-native.js";

/**
 * One op of a fused tree: its arguments are leaves (inputs of the node) or earlier ops. The
 * last op may be a reduction (Sum, Mean, Max) of the op before it: then `reduce` is its attrs.
 */
export interface FusedOp {
  readonly op: AnyOpDef;
  /** Each argument: `{leaf: k}` (the node's input k) or `{op: j}` (the j-th op's value). */
  readonly args: readonly ({ readonly leaf: number } | { readonly op: number })[];
  readonly reduce?: ReduceAttrs;
}

/** The reductions a tree may end with. */
export const FUSED_REDUCTIONS = ["Sum", "Mean", "Max"] as const;
export type FusedReduction = (typeof FUSED_REDUCTIONS)[number];

function isFusedReduction(op: AnyOpDef): boolean {
  return op.kind === "reduction" && (FUSED_REDUCTIONS as readonly string[]).includes(op.name);
}

const sameDtype = new Map<AnyOpDef, boolean>();

/** An elementwise op with a scalar expression whose output has its inputs' dtype (not a comparison). */
function fusible(op: AnyOpDef): boolean {
  let ok = sameDtype.get(op);
  if (ok === undefined) {
    ok = false;
    if (op.scalar !== undefined && (op.kind === "unary" || op.kind === "binary")) {
      try {
        const n = op.kind === "unary" ? 1 : 2;
        const probe = Array.from(
          { length: n },
          () => new Tensor(new Float32Array(1), [], "float32"),
        );
        const specs = op.infer(probe, {});
        ok = specs.length === 1 && specs[0].dtype === "float32";
      } catch {
        ok = false;
      }
    }
    sameDtype.set(op, ok);
  }
  return ok;
}

function readsOf(node: GraphNode): readonly number[] {
  switch (node.kind) {
    case "op":
      return node.inputs;
    case "read":
      return [node.variable];
    case "assign":
      return [node.variable, node.value];
    case "custom":
      return [...node.inputs, ...node.outputs, ...node.outer];
    case "control":
      return [...node.inputs, ...node.outer.flat()];
    case "fused":
      return node.inputs;
  }
}

/**
 * The fusion pass: each elementwise op node whose output is read once, by another elementwise
 * op node (and is no result of the graph), is merged into that node's tree; a Sum, Mean or Max
 * node whose input is such a tree's root (read only by it) becomes the tree's new root; trees
 * of two or more ops become fused nodes at the place of their root.
 */
export function fuseElementwise(parts: GraphParts): GraphParts {
  const uses = new Int32Array(parts.numSlots);
  for (const node of parts.nodes) for (const s of readsOf(node)) uses[s]++;
  for (const s of parts.outputs) if (s !== null) uses[s] += 2;
  const variableSlots = new Set(parts.variables.map((v) => v.slot));
  const candidate = (n: GraphNode): n is OpNode =>
    n.kind === "op" &&
    !n.paused &&
    n.outputs.length === 1 &&
    fusible(n.op) &&
    !n.inputs.some((s) => variableSlots.has(s));
  const reduction = (n: GraphNode): n is OpNode =>
    n.kind === "op" &&
    !n.paused &&
    n.outputs.length === 1 &&
    n.inputs.length === 1 &&
    isFusedReduction(n.op) &&
    !variableSlots.has(n.inputs[0]);
  // The node producing each slot, when it is a candidate.
  const producer = new Map<number, number>();
  parts.nodes.forEach((n, i) => {
    if (candidate(n)) producer.set(n.outputs[0], i);
  });
  const absorbed = new Uint8Array(parts.nodes.length);
  const trees = new Map<number, FusedNode>();
  // Roots last: walk backwards, so a node absorbed into a later tree is not a root itself.
  for (let i = parts.nodes.length - 1; i >= 0; i--) {
    const root = parts.nodes[i];
    if (absorbed[i] === 1) continue;
    const reduces = reduction(root);
    if (!reduces && !candidate(root)) continue;
    const ops: FusedOp[] = [];
    const inner: OpNode[] = [];
    const inputs: number[] = [];
    const build = (n: OpNode): number => {
      const args = n.inputs.map((s) => {
        const p = producer.get(s);
        if (p !== undefined && uses[s] === 1 && absorbed[p] === 0) {
          absorbed[p] = 1;
          return { op: build(parts.nodes[p] as OpNode) };
        }
        let k = inputs.indexOf(s);
        if (k < 0) k = inputs.push(s) - 1;
        return { leaf: k };
      });
      inner.push(n);
      return ops.push({ op: n.op, args }) - 1;
    };
    if (reduces) {
      // The reduction's input must be a tree of its own: an elementwise node read only here.
      const s = root.inputs[0];
      const p = producer.get(s);
      if (p === undefined || uses[s] !== 1 || absorbed[p] === 1) continue;
      absorbed[p] = 1;
      const j = build(parts.nodes[p] as OpNode);
      inner.push(root);
      ops.push({ op: root.op, args: [{ op: j }], reduce: root.attrs as ReduceAttrs });
    } else build(root);
    if (ops.length < 2) continue;
    // build() pushed producers before consumers: `inner` is an order the ops can run in.
    trees.set(i, {
      kind: "fused",
      inputs,
      output: root.outputs[0],
      ops,
      nodes: inner,
    });
  }
  if (trees.size === 0) return parts;
  const nodes: GraphNode[] = [];
  parts.nodes.forEach((n, i) => {
    const t = trees.get(i);
    if (t !== undefined) nodes.push(t);
    else if (absorbed[i] === 0) nodes.push(n);
  });
  return { ...parts, nodes };
}

// ---------------------------------------------------------------------------------------------
// Running a fused node

/**
 * The generated loop. With `sink` (a fused reduction) the last op's values go to `out`, a
 * TILE-long buffer, and sink(o, m) takes each tile's m values for elements o..o+m-1; without
 * it, they go to out[o + i].
 */
type FusedLoop = (
  ins: readonly NumArray[],
  scalars: readonly number[],
  out: NumArray,
  n: number,
  sink: ((o: number, m: number) => void) | null,
) => void;

const SCOPE_NAMES = Object.keys(scalarMath);
const SCOPE_VALUES = Object.values(scalarMath);
const loops = new Map<string, FusedLoop>();

/** Elements per tile: the stages' scratch buffers stay in the L1 cache. */
const TILE = 1024;

/**
 * The kernel for a tree, its inputs' modes (full arrays or one-element scalars) and dtype,
 * compiled once and cached by its source text. The output is computed in tiles of TILE
 * elements; within a tile the ops run in stages: consecutive cheap ops share one loop (their
 * intermediates stay in registers), and each costly op (a transcendental call, `scalar.costly`)
 * has a loop of its own, since V8 runs one long loop body full of calls about half as fast as
 * the same calls in short loops. A value crossing stages goes through a tile-sized scratch
 * buffer, so memory traffic is the inputs and the output only.
 */
function compileLoop(
  ops: readonly FusedOp[],
  scalarInput: readonly boolean[],
  f32: boolean,
  tiled: boolean,
): FusedLoop {
  const stageOf: number[] = [];
  let stage = -1;
  let open = false;
  ops.forEach((o, j) => {
    const costly = (o.op.scalar as { costly?: boolean }).costly === true;
    if (costly || !open) stage++;
    open = !costly;
    stageOf[j] = stage;
  });
  const last = ops.length - 1;
  const stored = ops.map(() => false);
  ops.forEach((o, j) => {
    for (const a of o.args) if ("op" in a && stageOf[a.op] !== stageOf[j]) stored[a.op] = true;
  });
  const Arr = f32 ? "Float32Array" : "Float64Array";
  const pre: string[] = [];
  scalarInput.forEach((isScalar, k) =>
    pre.push(isScalar ? `const l${k} = scalars[${k}];` : `const in${k} = ins[${k}];`),
  );
  stored.forEach((st, j) => {
    if (st) pre.push(`const s${j} = new ${Arr}(${TILE});`);
  });
  const loopsSrc: string[] = [];
  for (let st = 0; st <= stage; st++) {
    const body: string[] = [];
    ops.forEach((o, j) => {
      if (stageOf[j] !== st) return;
      const names = o.op.kind === "unary" ? ["x"] : ["a", "b"];
      const ref = (a: FusedOp["args"][number]): string => {
        if ("leaf" in a) return scalarInput[a.leaf] ? `l${a.leaf}` : `in${a.leaf}[o + i]`;
        return stageOf[a.op] === st ? `t${a.op}` : `s${a.op}[i]`;
      };
      const bind = o.args.map((a, q) => `${names[q]} = ${ref(a)}`).join(", ");
      const expr = (o.op.scalar as { js: string }).js;
      body.push(
        `let t${j}; { const ${bind}; t${j} = ${f32 ? `Math.fround(${expr})` : `(${expr})`}; }`,
      );
      if (stored[j]) body.push(`s${j}[i] = t${j};`);
      if (j === last) body.push(tiled ? `out[i] = t${j};` : `out[o + i] = t${j};`);
    });
    loopsSrc.push(`for (let i = 0; i < m; i++) { ${body.join(" ")} }`);
  }
  const src = `${pre.join(" ")} for (let o = 0; o < n; o += ${TILE}) { const m = Math.min(${TILE}, n - o); ${loopsSrc.join(" ")}${tiled ? " sink(o, m);" : ""} }`;
  let loop = loops.get(src);
  if (loop === undefined) {
    const make = new Function(
      ...SCOPE_NAMES,
      `"use strict"; return function (ins, scalars, out, n, sink) { ${src} };`,
    ) as (...scope: unknown[]) => FusedLoop;
    loop = make(...SCOPE_VALUES);
    loops.set(src, loop);
  }
  return loop;
}

/** Each node's loops by input modes, dtype and tiling: a replay builds no source text. */
const nodeLoops = new WeakMap<FusedNode, Map<string, FusedLoop>>();

function loopFor(
  node: FusedNode,
  ops: readonly FusedOp[],
  scalarInput: readonly boolean[],
  f32: boolean,
  tiled: boolean,
): FusedLoop {
  let byKey = nodeLoops.get(node);
  if (byKey === undefined) {
    byKey = new Map();
    nodeLoops.set(node, byKey);
  }
  const key = `${f32 ? "f" : "d"}${tiled ? "r" : "e"}${scalarInput.map((b) => (b ? 1 : 0)).join("")}`;
  let loop = byKey.get(key);
  if (loop === undefined) {
    loop = compileLoop(ops, scalarInput, f32, tiled);
    byKey.set(key, loop);
  }
  return loop;
}

/** Whether a fused node may run fused now (see the file comment). */
export function fusedRunnable(): boolean {
  return activeRecorders.length === 0 && activeTracers.length === 0 && activeCheckers.length === 0;
}

/**
 * The length of the runs a reduction over `axes` of `shape` combines when they are contiguous
 * (the reduced axes of more than one element all come after the kept ones of more than one),
 * else null.
 */
function rowLength(shape: readonly number[], axes: readonly number[]): number | null {
  let rowLen = 1;
  let reducing = false;
  for (let d = 0; d < shape.length; d++) {
    if (axes.includes(d)) {
      rowLen *= shape[d];
      if (shape[d] !== 1) reducing = true;
    } else if (shape[d] !== 1 && reducing) return null;
  }
  return rowLen;
}

/** A fused reduction: its op, the length of the runs it combines and the result's shape. */
export interface TreeReduction {
  readonly fn: FusedReduction;
  readonly rowLen: number;
  readonly shape: readonly number[];
}

const elementwiseOps = new WeakMap<FusedNode, readonly FusedOp[]>();

/** The node's ops without its final reduction. */
function elementwiseOf(node: FusedNode): readonly FusedOp[] {
  let ops = elementwiseOps.get(node);
  if (ops === undefined) {
    const last = node.ops[node.ops.length - 1];
    ops = last.reduce === undefined ? node.ops : node.ops.slice(0, -1);
    elementwiseOps.set(node, ops);
  }
  return ops;
}

/** The fused result, or null where the node must run its ops one by one. */
export function runFused(node: FusedNode, args: readonly Tensor[]): Tensor | null {
  const dtype = args[0].dtype;
  if (dtype !== "float32" && dtype !== "float64") return null;
  let shape: number[] = [];
  for (const t of args) {
    if (t.dtype !== dtype) return null;
    const s = tryBroadcastShapes(shape, t.shape);
    if (s === null) return null; // the ops report the error, one by one
    shape = s;
  }
  const last = node.ops[node.ops.length - 1];
  const attrs = last.reduce;
  if (attrs === undefined) return runTree(node, args, shape, dtype, null);
  const rowLen = rowLength(shape, attrs.axes);
  const outShape = reducedShape(shape, attrs.axes, attrs.keepdims);
  if (rowLen === null) {
    // Not a run of trailing elements: the tree fused, then the reduction as an op.
    const t = runTree(node, args, shape, dtype, null);
    return t === null ? null : runOp(last.op, [t], attrs)[0];
  }
  const fn = last.op.name as FusedReduction;
  return runTree(node, args, shape, dtype, { fn, rowLen, shape: outShape });
}

/** The tree (and its reduction) natively or as the JS loop. */
function runTree(
  node: FusedNode,
  args: readonly Tensor[],
  shape: readonly number[],
  dtype: "float32" | "float64",
  red: TreeReduction | null,
): Tensor | null {
  const ops = elementwiseOf(node);
  const n = sizeOf(shape);
  if (getBackend() === "native" && n >= NATIVE_MIN_ELEMENTS)
    return runFusedNative(node, ops, args, shape, dtype, red);
  const scalarInput = args.map((t) => t.size === 1);
  const ins = args.map((t) =>
    t.size === 1 || shapesEqual(t.shape, shape)
      ? (backend().read(t) as NumArray)
      : (backend().read(runOp(BroadcastTo, [t], { shape })[0]) as NumArray),
  );
  const scalars = args.map((t) => (t.size === 1 ? Number(backend().read(t)[0]) : 0));
  const f32 = dtype === "float32";
  if (red === null) {
    const out = allocateUninitialized(dtype, n) as NumArray;
    if (n > 0) loopFor(node, ops, scalarInput, f32, false)(ins, scalars, out, n, null);
    return new Tensor(out, [...shape], dtype);
  }
  const rows = sizeOf(red.shape);
  const { fn, rowLen } = red;
  const acc = new Float64Array(rows).fill(fn === "Max" ? -Infinity : 0);
  const tile = f32 ? new Float32Array(TILE) : new Float64Array(TILE);
  // Sums accumulate in float64 as the eager kernels do; a NaN maximum stays NaN.
  const sink =
    fn === "Max"
      ? (o: number, m: number): void => {
          let r = Math.floor(o / rowLen);
          let k = o - r * rowLen;
          let a = acc[r];
          for (let i = 0; i < m; i++) {
            const v = tile[i];
            if (v > a || v !== v) a = v;
            if (++k === rowLen) {
              acc[r++] = a;
              a = r < rows ? acc[r] : a;
              k = 0;
            }
          }
          if (r < rows) acc[r] = a;
        }
      : (o: number, m: number): void => {
          let r = Math.floor(o / rowLen);
          let k = o - r * rowLen;
          let a = acc[r];
          for (let i = 0; i < m; i++) {
            a += tile[i];
            if (++k === rowLen) {
              acc[r++] = a;
              a = r < rows ? acc[r] : a;
              k = 0;
            }
          }
          if (r < rows) acc[r] = a;
        };
  if (n > 0) loopFor(node, ops, scalarInput, f32, true)(ins, scalars, tile, n, sink);
  const out = allocateUninitialized(dtype, rows) as NumArray;
  for (let r = 0; r < rows; r++) out[r] = fn === "Mean" ? acc[r] / rowLen : acc[r];
  return new Tensor(out, [...red.shape], dtype);
}
