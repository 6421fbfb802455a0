/**
 * Control flow: `tf.cond`, `tf.switchCase` and `tf.whileLoop`, which eager code runs as plain JS
 * and a tf.function trace keeps as graph nodes (TensorFlow's functional If, Case and While),
 * so a traced graph takes the branch its predicate picks, and runs as many iterations as its
 * condition allows, on every call.
 *
 * Outside a trace, `cond(pred, t, f)` reads the predicate and calls one function; the ops it
 * runs are recorded by active tapes as any eager op is, so gradients flow through the branch
 * taken (and through each iteration a loop runs).
 *
 * During a trace, each function is traced once into a sub-graph (every branch, the loop's
 * condition and body), with fresh placeholder inputs, no tape recording and its effects undone
 * (variables assigned and random streams drawn are put back). Tensors of the enclosing trace
 * that a sub-graph reads become its outer values. Then the node runs once, exactly as a replay
 * runs it, with the tapes recording and the tracers deaf, and every tracer gets one control
 * node. Replaying a graph runs the node through the same code (runControl below): eager when no
 * trace listens, traced again into an enclosing trace when one does.
 *
 * The gradient of a control node is the gradient of the ops it ran: a replay runs the taken
 * branch's (each iteration's) ops through the engine, so tapes see them one by one.
 */
import { backend } from "../backend/index.js";
import { activeTracers, runOp } from "../engine/run-op.js";
import { withoutRecording } from "../engine/recorder.js";
import { Identity, stack, unstack } from "../ops/movement-core.js";
import { captureRandomState } from "../ops/random.js";
import { convertToTensor, type TensorLike } from "../tensor/convert.js";
import { allocate, type DType, isDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { Variable } from "../tensor/variable.js";
import {
  type ControlAttrs,
  type ControlNode,
  type ControlOp,
  type Graph,
  setControlRunner,
} from "./graph.js";
import { isPlainObject, packStructure, type Structure } from "./structure.js";
import { Tracer } from "./tracer.js";

// ---------------------------------------------------------------------------------------------
// Structures of tensors

export interface FlatTensors {
  readonly structure: Structure;
  readonly leaves: Tensor[];
}

/** Flattens a function's result: tensors, numbers and booleans (made tensors), arrays and plain objects of them. */
export function flattenTensors(x: unknown, where: string): FlatTensors {
  const leaves: Tensor[] = [];
  const walk = (v: unknown, path: string): Structure => {
    if (v instanceof Tensor || typeof v === "number" || typeof v === "boolean") {
      leaves.push(v instanceof Tensor ? v : convertToTensor(v, null, where));
      return { kind: "leaf", index: leaves.length - 1 };
    }
    if (Array.isArray(v)) {
      return { kind: "array", items: v.map((item: unknown, i) => walk(item, `${path}[${i}]`)) };
    }
    if (isPlainObject(v)) {
      return {
        kind: "object",
        entries: Object.keys(v).map((k) => [k, walk(v[k], `${path}.${k}`)] as const),
      };
    }
    const what = v === null ? "null" : v === undefined ? "undefined" : typeof v;
    throw new TypeError(
      `${where}: ${path} must be a tensor, a number, a boolean, or arrays or plain objects of them; got ${what}`,
    );
  };
  const structure = walk(x, "result");
  return { structure, leaves };
}

function structureKey(f: FlatTensors): string {
  return `${JSON.stringify(f.structure)} ${f.leaves.map((t) => t.dtype).join(",")}`;
}

function describeFlat(f: FlatTensors): string {
  return `${JSON.stringify(
    packStructure(
      f.structure,
      f.leaves.map((t) => `${t.dtype}${shapeMsg(t.shape)}`),
    ),
  )}`;
}

// ---------------------------------------------------------------------------------------------
// Tracing sub-graphs and running control nodes inside a trace

/** Whether some trace listens (a tf.function's, or vectorizedMap's). */
function tracing(): boolean {
  return activeTracers.length > 0;
}

function innermostTracer(): Tracer | null {
  for (let i = activeTracers.length - 1; i >= 0; i--) {
    const t = activeTracers[i];
    if (t instanceof Tracer) return t;
  }
  return null;
}

interface SubTrace {
  readonly graph: Graph;
  /** The enclosing trace's tensors the graph reads (its outer values, in order). */
  readonly outer: readonly Tensor[];
  readonly flat: FlatTensors;
  /** Variables the function assigned (put back since). */
  readonly assigned: readonly Variable[];
}

/**
 * Traces `fn` on fresh placeholders shaped as `inputs` into a sub-graph of the innermost trace:
 * unrecorded, heard by no other tracer, its variable assigns and random draws undone.
 */
function traceSub(
  inputs: readonly Tensor[],
  fn: (ins: Tensor[]) => unknown,
  where: string,
): SubTrace {
  const sub = new Tracer(innermostTracer());
  const ins = inputs.map((t) => new Tensor(backend().read(t), t.shape, t.dtype));
  for (const t of ins) sub.addInput(t);
  const restoreRandom = captureRandomState();
  try {
    const flat = withoutRecording(() => sub.run(() => flattenTensors(fn(ins), where), true));
    const graph = sub.finish(flat.leaves);
    return { graph, outer: [...sub.outerTensors], flat, assigned: [...sub.assigned.keys()] };
  } finally {
    sub.restoreVariables();
    restoreRandom();
  }
}

/**
 * Runs a control node for the first time, inside a trace: `run` executes its sub-graphs with
 * every tracer deaf and the tapes recording; the results pass through Identity so each is a
 * tensor of its own; then each tf.function tracer gets the node. Another tracer (vectorizedMap's)
 * is told it cannot see inside.
 */
function runTraced(
  op: ControlOp,
  subs: readonly SubTrace[],
  inputs: readonly Tensor[],
  attrs: ControlAttrs,
  run: () => readonly Tensor[],
): Tensor[] {
  const saved = activeTracers.splice(0);
  const tracers = saved.filter((t): t is Tracer => t instanceof Tracer);
  for (const t of saved) if (!(t instanceof Tracer)) t.opaque?.(op);
  for (const tr of tracers) for (const s of subs) for (const v of s.assigned) tr.noteAssigned(v);
  let outputs: Tensor[];
  try {
    outputs = withoutRecording(
      () => run().map((t) => runOp(Identity, [t], {})[0]),
      tracers.map((t) => t.recorder),
    );
  } finally {
    activeTracers.push(...saved);
  }
  const graphs = subs.map((s) => s.graph);
  const outer = subs.map((s) => s.outer);
  for (const tr of tracers) tr.addControl(op, graphs, outer, inputs, outputs, attrs);
  return outputs;
}

const BRANCH_ATTRS: ControlAttrs = {
  maximumIterations: null,
  hasCond: false,
  sliced: 0,
  accumulate: 0,
  accShapes: [],
  accDtypes: [],
};

// ---------------------------------------------------------------------------------------------
// Branches: If and Case

/** The value of a scalar predicate or index, read without counting as a read into JS. */
function scalarOf(t: Tensor, where: string, what: string): number {
  if (t.size !== 1 || t.rank > 1) {
    throw new InvalidArgumentError(
      `${where}: ${what} must be a scalar, got shape ${shapeMsg(t.shape)}`,
    );
  }
  return Number(backend().read(t)[0]);
}

function branchIndex(op: "If" | "Case", selector: Tensor, n: number, where: string): number {
  if (op === "If") return scalarOf(selector, where, "pred") !== 0 ? 0 : 1;
  const i = scalarOf(selector, where, "branchIndex");
  // TensorFlow's Case: an index out of range runs the last branch (the default, if given).
  return i >= 0 && i < n ? i : n - 1;
}

/** Runs one of `fns` as `selector` says, or (in a trace) makes the If/Case node. */
function branches(
  op: "If" | "Case",
  selector: Tensor,
  fns: readonly (() => unknown)[],
  where: string,
  names: readonly string[],
): unknown {
  if (!tracing()) return fns[branchIndex(op, selector, fns.length, where)]();
  const subs = fns.map((fn, i) => traceSub([], () => fn(), `${where}: ${names[i]}`));
  const key = structureKey(subs[0].flat);
  subs.forEach((s, i) => {
    if (structureKey(s.flat) !== key) {
      throw new TypeError(
        `${where}: ${names[0]} and ${names[i]} must return the same structure of tensors with the same dtypes; got ${describeFlat(subs[0].flat)} and ${describeFlat(s.flat)}`,
      );
    }
  });
  const k = branchIndex(op, selector, fns.length, where);
  const outputs = runTraced(
    op,
    subs,
    [selector],
    BRANCH_ATTRS,
    () => subs[k].graph.run([], subs[k].outer) as Tensor[],
  );
  return packStructure(subs[k].flat.structure, outputs);
}

function predicate(
  pred: TensorLike,
  where: string,
  what: string,
  dtypes: readonly DType[],
): Tensor {
  const t = pred instanceof Tensor ? pred : convertToTensor(pred, null, where);
  if (!dtypes.includes(t.dtype)) {
    throw new TypeError(
      `${where}: ${what} must be a ${dtypes.join(" or ")} scalar, got dtype ${t.dtype}`,
    );
  }
  if (t.size !== 1 || t.rank > 1) {
    throw new InvalidArgumentError(
      `${where}: ${what} must be a scalar, got shape ${shapeMsg(t.shape)}`,
    );
  }
  return t;
}

function checkFn(f: unknown, where: string, what: string): void {
  if (typeof f !== "function")
    throw new TypeError(`${where}: ${what} must be a function, got ${typeof f}`);
}

/**
 * `tf.cond(pred, trueFn, falseFn)`: trueFn() if the scalar boolean `pred` is true, else
 * falseFn(). In eager code it calls one of them. In a tf.function both are traced and the graph
 * holds an If node, which picks the branch on every call; both must then return the same
 * structure (tensors, numbers, arrays and plain objects of them) with the same dtypes. A JS
 * boolean `pred` is decided at once, in a trace too (as a Python bool is in TensorFlow).
 */
export function cond<T>(pred: Tensor | boolean, trueFn: () => T, falseFn: () => T): T {
  checkFn(trueFn, "tf.cond", "trueFn");
  checkFn(falseFn, "tf.cond", "falseFn");
  if (typeof pred === "boolean") return pred ? trueFn() : falseFn();
  const p = predicate(pred, "tf.cond", "pred", ["bool"]);
  return branches("If", p, [trueFn, falseFn], "tf.cond", ["trueFn", "falseFn"]) as T;
}

/**
 * `tf.switchCase(branchIndex, branchFns, defaultFn?)`: branchFns[branchIndex](); an index out
 * of range runs `defaultFn`, or the last branch when there is none (TensorFlow's rule). A
 * tf.function holds a Case node.
 */
export function switchCase<T>(
  branchIndex: Tensor | number,
  branchFns: readonly (() => T)[],
  defaultFn: (() => T) | null = null,
): T {
  if (!Array.isArray(branchFns) || branchFns.length === 0) {
    throw new InvalidArgumentError(
      "tf.switchCase: branchFns must be a non-empty array of functions",
    );
  }
  branchFns.forEach((f, i) => checkFn(f, "tf.switchCase", `branchFns[${i}]`));
  const fns = defaultFn === null ? [...branchFns] : [...branchFns, defaultFn];
  if (defaultFn !== null) checkFn(defaultFn, "tf.switchCase", "defaultFn");
  const names = fns.map((_, i) => (i < branchFns.length ? `branchFns[${i}]` : "defaultFn"));
  if (typeof branchIndex === "number") {
    if (!Number.isInteger(branchIndex)) {
      throw new TypeError(`tf.switchCase: branchIndex must be an integer, got ${branchIndex}`);
    }
    const i = branchIndex >= 0 && branchIndex < branchFns.length ? branchIndex : fns.length - 1;
    return fns[i]();
  }
  const idx = predicate(branchIndex, "tf.switchCase", "branchIndex", ["int32"]);
  return branches("Case", idx, fns, "tf.switchCase", names) as T;
}

// ---------------------------------------------------------------------------------------------
// Loops: While

/** The body's results for one iteration: the next loop variables, and values to stack. */
export interface LoopStep {
  readonly vars: readonly Tensor[];
  readonly acc: readonly Tensor[];
}

export interface LoopSpec {
  /** The loop condition on the loop variables (null: run until a limit). */
  readonly cond: ((vars: readonly Tensor[]) => unknown) | null;
  /** One iteration: the loop variables and this iteration's slices of the sliced tensors. */
  readonly body: (vars: readonly Tensor[], slices: readonly Tensor[]) => LoopStep;
  readonly init: readonly Tensor[];
  /** Tensors read one slice (along axis 0) per iteration; the loop runs at most their length. */
  readonly sliced: readonly Tensor[];
  readonly maximumIterations: number | null;
  readonly where: string;
}

function truthy(x: unknown, where: string): boolean {
  if (typeof x === "boolean") return x;
  if (!(x instanceof Tensor)) {
    throw new TypeError(
      `${where}: cond must return a boolean or a scalar bool tensor, got ${typeof x}`,
    );
  }
  if (x.dtype !== "bool") {
    throw new TypeError(`${where}: cond must return a scalar bool tensor, got dtype ${x.dtype}`);
  }
  return scalarOf(x, where, "cond's result") !== 0;
}

/** Iterations the sliced tensors allow (Infinity with none). */
function slicedLength(sliced: readonly Tensor[], where: string): number {
  if (sliced.length === 0) return Infinity;
  const n = sliced[0].rank > 0 ? sliced[0].shape[0] : -1;
  for (const s of sliced) {
    if (s.rank === 0 || s.shape[0] !== n) {
      throw new InvalidArgumentError(
        `${where}: the elements must all have the same first dimension, got shapes ${sliced.map((t) => shapeMsg(t.shape)).join(", ")}`,
      );
    }
  }
  return n;
}

/** The loop run eagerly: per-iteration ops go to the tapes; stacked values are Pack ops. */
function runLoop(
  spec: LoopSpec,
  accSpecs: { shapes: readonly (readonly number[])[]; dtypes: readonly string[] } | null,
): Tensor[] {
  const { where } = spec;
  const limit = Math.min(slicedLength(spec.sliced, where), spec.maximumIterations ?? Infinity);
  const pieces = limit > 0 ? spec.sliced.map((s) => unstack(s)) : [];
  let vars = spec.init;
  let accs: Tensor[][] | null = null;
  for (let it = 0; it < limit; it++) {
    if (spec.cond !== null && !truthy(spec.cond(vars), where)) break;
    const step = spec.body(
      vars,
      pieces.map((p) => p[it]),
    );
    if (step.vars.length !== vars.length) {
      throw new TypeError(
        `${where}: body must return ${vars.length} loop variable${vars.length === 1 ? "" : "s"}, got ${step.vars.length}`,
      );
    }
    step.vars.forEach((v, i) => {
      if (v.dtype !== vars[i].dtype) {
        throw new TypeError(
          `${where}: loop variable ${i} enters the loop as ${vars[i].dtype} and comes out of body as ${v.dtype}`,
        );
      }
    });
    vars = step.vars;
    accs ??= step.acc.map(() => []);
    step.acc.forEach((a, k) => (accs as Tensor[][])[k].push(a));
  }
  const stacked = (accs ?? []).map((a) => stack(a));
  if (accs === null && accSpecs !== null) {
    // No iteration ran: the stacked values are empty, shaped as one iteration's would be.
    accSpecs.shapes.forEach((shape, k) => {
      const dtype = accSpecs.dtypes[k] as DType;
      stacked.push(new Tensor(allocate(dtype, 0), [0, ...shape], dtype));
    });
  }
  return [...vars, ...stacked];
}

/** A loop: eager, or (in a trace) a While node. Returns the loop variables then the stacked values. */
export function loop(
  spec: LoopSpec,
  accSpecs: { shapes: readonly (readonly number[])[]; dtypes: readonly string[] } | null = null,
): Tensor[] {
  if (!tracing()) return runLoop(spec, accSpecs);
  const nv = spec.init.length;
  const { where } = spec;
  const condSub =
    spec.cond === null ? null : traceSub(spec.init, (ins) => spec.cond?.(ins), `${where}: cond`);
  if (condSub !== null) {
    const leaves = condSub.flat.leaves;
    if (
      condSub.flat.structure.kind !== "leaf" ||
      leaves[0].dtype !== "bool" ||
      leaves[0].size !== 1
    ) {
      throw new TypeError(
        `${where}: cond must return a scalar bool tensor, got ${describeFlat(condSub.flat)}`,
      );
    }
  }
  const n = slicedLength(spec.sliced, where);
  const sliceTemplates = spec.sliced.map((s) => {
    const shape = s.shape.slice(1);
    const size = shape.reduce((a, b) => a * b, 1);
    return new Tensor(
      n > 0 ? backend().read(s).slice(0, size) : allocate(s.dtype, size),
      shape,
      s.dtype,
    );
  });
  let nAcc = 0;
  const bodySub = traceSub(
    [...spec.init, ...sliceTemplates],
    (ins) => {
      const step = spec.body(ins.slice(0, nv), ins.slice(nv));
      nAcc = step.acc.length;
      return [...step.vars, ...step.acc];
    },
    `${where}: body`,
  );
  const outs = bodySub.flat.leaves;
  if (outs.length - nAcc !== nv) {
    throw new TypeError(
      `${where}: body must return ${nv} loop variables, got ${outs.length - nAcc}`,
    );
  }
  for (let i = 0; i < nv; i++) {
    if (outs[i].dtype !== spec.init[i].dtype) {
      throw new TypeError(
        `${where}: loop variable ${i} enters the loop as ${spec.init[i].dtype} and comes out of body as ${outs[i].dtype}`,
      );
    }
  }
  const accOut = outs.slice(nv);
  const attrs: ControlAttrs = {
    maximumIterations: spec.maximumIterations,
    hasCond: condSub !== null,
    sliced: spec.sliced.length,
    accumulate: nAcc,
    accShapes: accOut.map((t) => [...t.shape]),
    accDtypes: accOut.map((t) => t.dtype),
  };
  const subs = condSub === null ? [bodySub] : [condSub, bodySub];
  return runTraced("While", subs, [...spec.init, ...spec.sliced], attrs, () =>
    runLoop(graphLoop(subs, attrs, spec.init, spec.sliced, where), {
      shapes: attrs.accShapes,
      dtypes: attrs.accDtypes,
    }),
  );
}

/** The LoopSpec that runs a While node's sub-graphs. */
function graphLoop(
  subs: readonly { graph: Graph; outer: readonly Tensor[] }[],
  attrs: ControlAttrs,
  init: readonly Tensor[],
  sliced: readonly Tensor[],
  where: string,
): LoopSpec {
  const nv = init.length;
  const condG = attrs.hasCond ? subs[0] : null;
  const bodyG = subs[subs.length - 1];
  return {
    cond: condG === null ? null : (vars) => condG.graph.run(vars, condG.outer)[0],
    body: (vars, slices) => {
      const out = bodyG.graph.run([...vars, ...slices], bodyG.outer) as Tensor[];
      return { vars: out.slice(0, nv), acc: out.slice(nv) };
    },
    init,
    sliced,
    maximumIterations: attrs.maximumIterations,
    where,
  };
}

export interface WhileLoopOptions {
  /** Stop after this many iterations even if cond still holds (null: no limit). */
  maximumIterations?: number | null;
}

/**
 * `tf.whileLoop(cond, body, loopVars, {maximumIterations})`: while cond(...vars) holds, vars =
 * body(...vars); returns the final vars (an array, or a tensor when `loopVars` is one tensor).
 * Eager code loops in JS; a tf.function holds a While node, which runs as many iterations as
 * the condition asks on each call. Each loop variable keeps its dtype (its shape may change).
 * Gradients flow through the iterations that ran (the ops of each are recorded on the tapes).
 */
export function whileLoop(
  cond: (x: Tensor) => Tensor | boolean,
  body: (x: Tensor) => TensorLike,
  loopVars: Tensor,
  options?: WhileLoopOptions,
): Tensor;
export function whileLoop(
  cond: (...vars: Tensor[]) => Tensor | boolean,
  body: (...vars: Tensor[]) => TensorLike | readonly TensorLike[],
  loopVars: readonly TensorLike[],
  options?: WhileLoopOptions,
): Tensor[];
export function whileLoop(
  cond: (...vars: Tensor[]) => Tensor | boolean,
  body: (...vars: Tensor[]) => TensorLike | readonly TensorLike[],
  loopVars: Tensor | readonly TensorLike[],
  options: WhileLoopOptions = {},
): Tensor | Tensor[] {
  const where = "tf.whileLoop";
  checkFn(cond, where, "cond");
  checkFn(body, where, "body");
  const single = loopVars instanceof Tensor;
  if (!single && !Array.isArray(loopVars)) {
    throw new TypeError(`${where}: loopVars must be a tensor or an array of tensors`);
  }
  const init = single
    ? [loopVars]
    : (loopVars as readonly TensorLike[]).map((v) =>
        v instanceof Tensor ? v : convertToTensor(v, null, where),
      );
  const maxIter = options.maximumIterations ?? null;
  if (maxIter !== null && (!Number.isInteger(maxIter) || maxIter < 0)) {
    throw new InvalidArgumentError(
      `${where}: maximumIterations must be a non-negative integer or null, got ${maxIter}`,
    );
  }
  const out = loop({
    cond: (vars) => cond(...vars),
    body: (vars) => {
      const r = body(...vars);
      const flat = single || !Array.isArray(r) ? [r] : (r as readonly TensorLike[]);
      return {
        vars: flat.map((v) =>
          v instanceof Tensor ? v : convertToTensor(v as TensorLike, null, where),
        ),
        acc: [],
      };
    },
    init,
    sliced: [],
    maximumIterations: maxIter,
    where,
  });
  return single ? out[0] : out;
}

// ---------------------------------------------------------------------------------------------
// Replay

function runControl(
  node: ControlNode,
  inputs: readonly Tensor[],
  outer: readonly (readonly Tensor[])[],
): Tensor[] {
  const where = `tf.function (${node.op})`;
  if (node.op === "If" || node.op === "Case") {
    const fns = node.graphs.map((g, i) => () => g.run([], outer[i]) as Tensor[]);
    const names = fns.map((_, i) => `branch ${i}`);
    return branches(node.op, inputs[0], fns, where, names) as Tensor[];
  }
  const a = node.attrs;
  const nv = inputs.length - a.sliced;
  const subs = node.graphs.map((graph, i) => ({ graph, outer: outer[i] }));
  const spec = graphLoop(subs, a, inputs.slice(0, nv), inputs.slice(nv), where);
  for (const d of a.accDtypes) if (!isDType(d)) throw new TypeError(`${where}: bad dtype ${d}`);
  return loop(spec, { shapes: a.accShapes, dtypes: a.accDtypes });
}

setControlRunner(runControl);
