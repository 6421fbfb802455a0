/**
 * A traced graph and its executor. Values live in numbered slots: the inputs, the captured
 * constants (copied in at trace time) and variables (held by reference, so they are read when
 * the graph runs), and the outputs of nodes. Running the graph calls runOp for each node in
 * order with fresh inputs, so active tapes record every op as they would in eager mode.
 */
import { backend, type Backend } from "../backend/index.js";
import type { AnyOpDef, OpDef } from "../engine/op.js";
import { activeRecorders, differentiating, withoutRecording } from "../engine/recorder.js";
import { activeCheckers, activeTracers, recordOp, runOp } from "../engine/run-op.js";
import { type DataArray, dtypeOfArray } from "../tensor/dtype.js";
import { ResourceExhaustedError } from "../tensor/errors.js";
import { shapeMsg, shapeStr, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { type FusedOp, fusedRunnable, runFused } from "./fusion.js";
import {
  BufferPool,
  inferIsStatic,
  POOL_MIN_SIZE,
  sameSpec,
  Recording,
  RunPlan,
  type SlotSpec,
} from "./plan.js";

/** Run plans a graph keeps (input shapes it runs with, for a shape-relaxed graph). */
const MAX_PLANS = 8;

/** An op run through runOp. `paused`: it ran with every tape paused at trace time (assignAdd's arithmetic, customGradient's forward pass), so it runs so again. */
export interface OpNode {
  readonly kind: "op";
  readonly op: AnyOpDef;
  readonly attrs: unknown;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly paused: boolean;
}

/** `v.value()`: a snapshot of a variable, taken at this point of the graph. */
export interface ReadNode {
  readonly kind: "read";
  readonly variable: number;
  readonly output: number;
}

/** `v.assign(value)`: a stateful node, always kept. */
export interface AssignNode {
  readonly kind: "assign";
  readonly variable: number;
  readonly value: number;
}

/**
 * A node recorded on tapes without running (tf.customGradient): its outputs were computed by
 * earlier (paused) nodes; this node tells the tapes that they come from `inputs` and that their
 * gradient is `gradient`, a graph traced from the user's gradient function whose inputs are the
 * output cotangents and whose `outer` values are `outer` slots of this graph. An Error instead
 * of a graph: the gradient could not be traced, and asking for it throws that error.
 */
export interface CustomNode {
  readonly kind: "custom";
  readonly name: string;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly outer: readonly number[];
  readonly gradient: Graph | Error;
}

/** TensorFlow's functional control flow ops (If, Case, While) as graph nodes. */
export type ControlOp = "If" | "Case" | "While";

export interface ControlAttrs {
  /** While: at most this many iterations (null: no limit). */
  readonly maximumIterations: number | null;
  /** While: whether graphs[0] is the loop condition (else the loop runs until a limit). */
  readonly hasCond: boolean;
  /** While: how many of the inputs are sliced along axis 0, one slice per iteration (TensorArray.unstack). */
  readonly sliced: number;
  /** While: the last `accumulate` body results are stacked over the iterations (TensorArray.stack). */
  readonly accumulate: number;
  /** While: the shapes and dtypes of the stacked results' elements (for a loop that runs no iteration). */
  readonly accShapes: readonly (readonly number[])[];
  readonly accDtypes: readonly string[];
}

/**
 * Control flow (tf.cond, tf.switchCase, tf.whileLoop): sub-graphs run by the control-flow
 * runtime (control-flow.ts) through the engine, so tapes record the ops of the branch taken or
 * of each iteration run. If: inputs [pred], graphs [then, else]. Case: inputs [index], graphs
 * the branches (an index out of range takes the last). While: inputs the loop variables then
 * the sliced tensors, graphs [cond?, body]. `outer[g]`: the slots of this graph that fill
 * graph g's outer values.
 */
export interface ControlNode {
  readonly kind: "control";
  readonly op: ControlOp;
  readonly graphs: readonly Graph[];
  readonly outer: readonly (readonly number[])[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly attrs: ControlAttrs;
  readonly paused: boolean;
}

/**
 * Elementwise ops fused into one loop (fusion.ts): `ops` is the tree the loop computes from
 * `inputs`, `nodes` the original op nodes, which run instead where the loop may not (under a
 * tape or a trace, on the native backend). Saved as those nodes.
 */
export interface FusedNode {
  readonly kind: "fused";
  readonly inputs: readonly number[];
  readonly output: number;
  readonly ops: readonly FusedOp[];
  readonly nodes: readonly OpNode[];
}

export type GraphNode = OpNode | ReadNode | AssignNode | CustomNode | ControlNode | FusedNode;

/** How the control-flow runtime runs a control node; set by control-flow.ts (it imports this file). */
export type ControlRunner = (
  node: ControlNode,
  inputs: readonly Tensor[],
  outer: readonly (readonly Tensor[])[],
) => Tensor[];

let controlRunner: ControlRunner | null = null;

export function setControlRunner(r: ControlRunner): void {
  controlRunner = r;
}

export interface CapturedConstant {
  readonly slot: number;
  readonly tensor: Tensor;
}

export interface CapturedVariable {
  readonly slot: number;
  readonly variable: Variable;
}

export interface GraphParts {
  readonly numSlots: number;
  /** Slots of the flattened argument leaves, in order (a variable argument's slot is also a captured variable's). */
  readonly inputs: readonly number[];
  /** For a gradient graph: slots filled from values of the enclosing graph. */
  readonly outer: readonly number[];
  readonly constants: readonly CapturedConstant[];
  readonly variables: readonly CapturedVariable[];
  readonly nodes: readonly GraphNode[];
  /** Slots of the flattened results; null for a missing gradient in a gradient graph. */
  readonly outputs: readonly (number | null)[];
}

export class Graph implements GraphParts {
  readonly numSlots: number;
  readonly inputs: readonly number[];
  readonly outer: readonly number[];
  readonly constants: readonly CapturedConstant[];
  readonly variables: readonly CapturedVariable[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly (number | null)[];
  /** The slots every run starts from: the constants and the captured variables. */
  private readonly template: Tensor[];
  /**
   * For each node, the slots it reads for the last time (not results, constants or variables):
   * a run lets go of them there, so an intermediate's storage can be reclaimed and reused as
   * soon as nothing needs it, as in eager code (buffer reuse by lifetime).
   */
  private readonly release: readonly (readonly number[])[];
  /**
   * Run plans (plan.ts), one per input shapes the graph has run with (a shape-relaxed graph,
   * relax.ts, runs with several): each made by the first run with its shapes, up to MAX_PLANS.
   */
  private plans: RunPlan[] = [];
  /** Free storage of dead temporaries, for the planned nodes of later runs. */
  private readonly pool = new BufferPool();

  constructor(parts: GraphParts) {
    this.numSlots = parts.numSlots;
    this.inputs = parts.inputs;
    this.outer = parts.outer;
    this.constants = parts.constants;
    this.variables = parts.variables;
    this.nodes = parts.nodes;
    this.outputs = parts.outputs;
    this.template = new Array<Tensor>(parts.numSlots);
    for (const c of parts.constants) this.template[c.slot] = c.tensor;
    for (const v of parts.variables) this.template[v.slot] = v.variable;
    this.release = lastUses(parts);
  }

  /** Runs the graph; returns its flattened results. */
  run(inputs: readonly Tensor[], outer: readonly Tensor[] = []): (Tensor | null)[] {
    // A tracer must hear every op (a graph run inside a trace becomes part of that graph).
    if (activeTracers.length > 0) return this.exec(inputs, outer, null, null);
    const plan = this.plans.find((p) => p.matches(inputs, outer));
    if (plan === undefined) {
      if (this.plans.length >= MAX_PLANS) return this.exec(inputs, outer, null, null);
      // The first run with these shapes records the specs the plan is made of.
      const rec = new Recording(this.numSlots, this.nodes.length);
      const results = this.exec(inputs, outer, null, rec);
      this.plans.push(
        new RunPlan(
          this,
          this.inputs.map((s) => rec.slots[s]),
          this.outer.map((s) => rec.slots[s]),
          rec,
        ),
      );
      return results;
    }
    return this.exec(inputs, outer, plan, null);
  }

  /** Whether the results of unplanned node n have the specs the rest of the plan assumes. */
  private keepsPlan(plan: RunPlan, n: number, results: readonly (Tensor | null)[]): boolean {
    if (plan.guard[n] === 0) return true;
    const node = this.nodes[n] as OpNode | ControlNode;
    const expected = plan.slotSpecs;
    for (let i = 0; i < results.length; i++) {
      const t = results[i];
      if (t === null || !sameSpec(t, expected[node.outputs[i]])) return false;
    }
    return true;
  }

  /** The run plan (plan.ts) once the graph has run, else null. */
  get runPlan(): RunPlan | null {
    return this.plans[0] ?? null;
  }

  /** How many run plans the graph has (one per input shapes it ran with). */
  get runPlanCount(): number {
    return this.plans.length;
  }

  /** How many buffers wait in this graph's pool (for tests). */
  get pooledBuffers(): number {
    return this.pool.size;
  }

  /**
   * One run: op by op through runOp, noting specs in `rec` when given; or following `plan`
   * (planned op nodes skip the shape rule, the engine's bookkeeping and, for temporaries,
   * the allocation).
   */
  private exec(
    inputs: readonly Tensor[],
    outer: readonly Tensor[],
    plan: RunPlan | null,
    rec: Recording | null,
  ): (Tensor | null)[] {
    const env = this.template.slice();
    const ins = this.inputs;
    for (let i = 0; i < ins.length; i++) env[ins[i]] = inputs[i];
    const out = this.outer;
    for (let i = 0; i < out.length; i++) env[out[i]] = outer[i];
    if (rec !== null) {
      for (let i = 0; i < ins.length; i++) rec.note(ins[i], inputs[i]);
      for (let i = 0; i < out.length; i++) rec.note(out[i], outer[i]);
    }
    // Pooling: only where nothing outside the run can hold an intermediate (no tape).
    let pool = plan !== null && activeRecorders.length === 0 ? this.pool : null;
    const held: DataArray[] | null = pool !== null ? new Array<DataArray>(this.numSlots) : null;
    const b = plan !== null ? backend() : null;
    const nodes = this.nodes;
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n];
      switch (node.kind) {
        case "op": {
          const slots = node.inputs;
          const args = new Array<Tensor>(slots.length);
          for (let i = 0; i < slots.length; i++) args[i] = env[slots[i]];
          const specs = plan !== null ? plan.specs[n] : null;
          if (specs !== null) {
            runPlanned(node, args, specs, env, b as Backend, pool, held, (plan as RunPlan).pooled);
            break;
          }
          const results = node.paused
            ? withoutRecording(() => runOp(node.op, args, node.attrs))
            : runOp(node.op, args, node.attrs);
          const outSlots = node.outputs;
          for (let i = 0; i < outSlots.length; i++) env[outSlots[i]] = results[i];
          if (plan !== null && !this.keepsPlan(plan, n, results)) {
            plan = null;
            pool = null;
          }
          if (pool !== null && plan !== null) {
            // A checked node's fresh results may go to the pool when they die, too.
            const h = held as DataArray[];
            for (let i = 0; i < outSlots.length; i++)
              if (plan.pooled[outSlots[i]] === 1) h[outSlots[i]] = (b as Backend).read(results[i]);
          }
          if (rec !== null) {
            for (let i = 0; i < outSlots.length; i++) rec.note(outSlots[i], results[i]);
            rec.staticInfer[n] = inferIsStatic(node.op.infer, args, node.attrs, results);
          }
          break;
        }
        case "read":
          env[node.output] = (env[node.variable] as Variable).value();
          break;
        case "assign":
          (env[node.variable] as Variable).assign(env[node.value]);
          break;
        case "custom":
          // Only tapes care about this node: with none recording it is nothing to do.
          if (activeRecorders.length > 0) recordCustom(node, env);
          break;
        case "fused": {
          const fused = fusedRunnable()
            ? runFused(
                node,
                node.inputs.map((s) => env[s]),
              )
            : null;
          if (fused !== null) {
            env[node.output] = fused;
            break;
          }
          // One by one; each intermediate is read once, by a later op of the tree, and let go
          // of there (inputs of the node itself are not the tree's to release).
          const ins = node.inputs;
          for (const inner of node.nodes) {
            const slots = inner.inputs;
            const args = new Array<Tensor>(slots.length);
            for (let i = 0; i < slots.length; i++) {
              args[i] = env[slots[i]];
              if (!ins.includes(slots[i])) env[slots[i]] = undefined as unknown as Tensor;
            }
            env[inner.outputs[0]] = runOp(inner.op, args, inner.attrs)[0];
          }
          break;
        }
        case "control": {
          if (controlRunner === null) throw new Error(`${node.op}: control flow is not loaded`);
          const run = controlRunner;
          const args = node.inputs.map((s) => env[s]);
          const outer = node.outer.map((slots) => slots.map((s) => env[s]));
          const results = node.paused
            ? withoutRecording(() => run(node, args, outer))
            : run(node, args, outer);
          const outSlots = node.outputs;
          for (let i = 0; i < outSlots.length; i++) env[outSlots[i]] = results[i];
          if (rec !== null)
            for (let i = 0; i < outSlots.length; i++) rec.note(outSlots[i], results[i]);
          if (plan !== null && !this.keepsPlan(plan, n, results)) {
            plan = null;
            pool = null;
          }
          break;
        }
      }
      const dead = this.release[n];
      for (let i = 0; i < dead.length; i++) env[dead[i]] = undefined as unknown as Tensor;
      if (pool !== null && plan !== null) {
        const free = plan.poolAt[n];
        if (free !== null) {
          const h = held as DataArray[];
          for (let i = 0; i < free.length; i++) {
            const s = free[i];
            const storage = h[s];
            if (storage !== undefined) {
              pool.give(dtypeOfArray(storage), storage);
              h[s] = undefined as unknown as DataArray;
            }
          }
        }
      }
    }
    const outputs = this.outputs;
    const results = new Array<Tensor | null>(outputs.length);
    for (let i = 0; i < outputs.length; i++) {
      const s = outputs[i];
      results[i] = s === null ? null : env[s];
    }
    return results;
  }

  /** Every variable the graph reads or writes, its gradient graphs' included, once each. */
  allVariables(): Variable[] {
    const seen = new Set<Variable>();
    const walk = (g: Graph): void => {
      for (const v of g.variables) seen.add(v.variable);
      for (const n of g.nodes) {
        if (n.kind === "custom" && n.gradient instanceof Graph) walk(n.gradient);
        if (n.kind === "control") for (const sub of n.graphs) walk(sub);
      }
    };
    walk(this);
    return [...seen];
  }

  /** A listing, one node a line: `%5 = MatMul(%0, %3)`. */
  toString(): string {
    const lines: string[] = [];
    this.describe(lines, "");
    return lines.join("\n");
  }

  private describe(lines: string[], indent: string): void {
    const s = (slot: number | null): string => (slot === null ? "None" : `%${slot}`);
    if (this.inputs.length > 0) lines.push(`${indent}inputs: ${this.inputs.map(s).join(", ")}`);
    if (this.outer.length > 0) lines.push(`${indent}outer: ${this.outer.map(s).join(", ")}`);
    for (const c of this.constants) {
      lines.push(
        `${indent}${s(c.slot)} = Const(shape=${shapeStr(c.tensor.shape)}, dtype=${c.tensor.dtype})`,
      );
    }
    for (const v of this.variables)
      lines.push(`${indent}${s(v.slot)} = Variable('${v.variable.name}')`);
    for (const n of this.nodes) {
      switch (n.kind) {
        case "op": {
          // Inputs then attrs; a random op has only attrs.
          const args = [...n.inputs.map(s), ...attrsList(n.attrs)].join(", ");
          lines.push(
            `${indent}${n.outputs.map(s).join(", ")} = ${n.op.name}(${args})${n.paused ? " [not recorded]" : ""}`,
          );
          break;
        }
        case "read":
          lines.push(`${indent}${s(n.output)} = ReadVariableOp(${s(n.variable)})`);
          break;
        case "assign":
          lines.push(`${indent}AssignVariableOp(${s(n.variable)}, ${s(n.value)})`);
          break;
        case "custom":
          lines.push(
            `${indent}${n.name}(${n.inputs.map(s).join(", ")}) -> ${n.outputs.map(s).join(", ")}, gradient${n.outer.length > 0 ? ` (outer ${n.outer.map(s).join(", ")})` : ""}:`,
          );
          if (n.gradient instanceof Graph) n.gradient.describe(lines, `${indent}    `);
          else lines.push(`${indent}    (not traced: ${n.gradient.message})`);
          break;
        case "fused":
          lines.push(
            `${indent}${s(n.output)} = Fused[${n.nodes.map((x) => x.op.name).join(", ")}](${n.inputs.map(s).join(", ")})`,
          );
          break;
        case "control": {
          const a = n.attrs;
          const extra =
            n.op === "While"
              ? `, maximumIterations=${a.maximumIterations === null ? "None" : a.maximumIterations}${a.sliced > 0 ? `, sliced=${a.sliced}` : ""}${a.accumulate > 0 ? `, accumulate=${a.accumulate}` : ""}`
              : "";
          lines.push(
            `${indent}${n.outputs.map(s).join(", ")} = ${n.op}(${n.inputs.map(s).join(", ")}${extra})${n.paused ? " [not recorded]" : ""}:`,
          );
          const names =
            n.op === "If"
              ? ["then", "else"]
              : n.op === "While"
                ? a.hasCond
                  ? ["cond", "body"]
                  : ["body"]
                : n.graphs.map((_, i) => `branch ${i}`);
          n.graphs.forEach((g, i) => {
            const o = n.outer[i];
            lines.push(
              `${indent}  ${names[i]}${o.length > 0 ? ` (outer ${o.map(s).join(", ")})` : ""}:`,
            );
            g.describe(lines, `${indent}    `);
          });
          break;
        }
      }
    }
    lines.push(`${indent}return ${this.outputs.map(s).join(", ")}`);
  }
}

/**
 * A planned op node (plan.ts): the kernel on outputs of the recorded specs, their storage
 * taken from the pool where a dead temporary of the same dtype and size waits; the checkers
 * and the tapes hear it as runOp would tell them (the tracers are never there: a run under a
 * trace takes the unplanned path).
 */
function runPlanned(
  node: OpNode,
  args: readonly Tensor[],
  specs: readonly SlotSpec[],
  env: Tensor[],
  b: Backend,
  pool: BufferPool | null,
  held: DataArray[] | null,
  pooled: Uint8Array,
): void {
  const op = node.op;
  const outSlots = node.outputs;
  let outputs: Tensor[];
  if (
    op.expand !== undefined &&
    !node.paused &&
    activeRecorders.length > 0 &&
    differentiating(args)
  ) {
    // A tape records this node: its expansion's ops run (and are recorded) instead.
    outputs = op.expand(args, node.attrs);
    for (let i = 0; i < outSlots.length; i++) env[outSlots[i]] = outputs[i];
    return;
  }
  if (op.viewOf !== undefined) {
    const s = specs[0];
    outputs = [new Tensor(b.read(args[op.viewOf]), s.shape, s.dtype)];
  } else {
    outputs = new Array<Tensor>(specs.length);
    const uninitialized = op.overwritesOutputs === true;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i];
      const size = sizeOf(s.shape);
      let storage = pool !== null && size >= POOL_MIN_SIZE ? pool.take(s.dtype, size) : undefined;
      if (storage === undefined) {
        try {
          storage = b.allocate(s.dtype, size, uninitialized);
        } catch (e) {
          throw new ResourceExhaustedError(
            `${op.name}: output ${i} of shape ${shapeMsg(s.shape)}: ${(e as Error).message}`,
          );
        }
      } else if (!uninitialized) (storage as Exclude<DataArray, string[]>).fill(0);
      if (held !== null && pooled[outSlots[i]] === 1) held[outSlots[i]] = storage;
      outputs[i] = new Tensor(storage, s.shape, s.dtype);
    }
    op.kernel(b, args, outputs, node.attrs);
    if (activeCheckers.length > 0) for (const c of activeCheckers) c.checkOp(op, args, outputs);
  }
  if (!node.paused && activeRecorders.length > 0) recordOp(op, args, outputs, node.attrs);
  for (let i = 0; i < outSlots.length; i++) env[outSlots[i]] = outputs[i];
}

/** The slots each node reads for the last time (see Graph.release). */
function lastUses(parts: GraphParts): number[][] {
  const keep = new Uint8Array(parts.numSlots);
  for (const s of parts.outputs) if (s !== null) keep[s] = 1;
  for (const c of parts.constants) keep[c.slot] = 1;
  for (const v of parts.variables) keep[v.slot] = 1;
  const last = new Int32Array(parts.numSlots).fill(-1);
  const reads = (node: GraphNode): readonly number[] => {
    switch (node.kind) {
      case "op":
        return node.inputs;
      case "read":
        return [node.variable];
      case "assign":
        return [node.variable, node.value];
      case "custom":
        // Outputs too: the node hands them to the tapes.
        return [...node.inputs, ...node.outputs, ...node.outer];
      case "control":
        return [...node.inputs, ...node.outer.flat()];
      case "fused":
        return node.inputs;
    }
  };
  parts.nodes.forEach((node, n) => {
    for (const s of reads(node)) last[s] = n;
  });
  const release: number[][] = parts.nodes.map(() => []);
  for (let s = 0; s < parts.numSlots; s++)
    if (last[s] >= 0 && keep[s] === 0) release[last[s]].push(s);
  return release;
}

/** `name=value` for each attr. */
function attrsList(attrs: unknown): string[] {
  if (attrs === null || typeof attrs !== "object") return [];
  const entries = Object.entries(attrs);
  const show = (v: unknown): string => {
    if (typeof v === "function") return "<function>";
    if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
    if (v !== null && typeof v === "object") return "{...}";
    return typeof v === "string" ? JSON.stringify(v) : String(v);
  };
  return entries.map(([k, v]) => `${k}=${show(v)}`);
}

// ---------------------------------------------------------------------------------------------
// Custom gradients at run time

interface ReplayAttrs {
  readonly gradient: (dys: readonly Tensor[]) => readonly (Tensor | null)[];
}

const replayOps = new Map<string, OpDef<ReplayAttrs>>();

/**
 * The op a custom node is recorded as: never run, only recorded, its gradient the replayed
 * gradient graph. One per name, so that tapes and errors name it as eager mode does.
 */
function replayOp(name: string): OpDef<ReplayAttrs> {
  let op = replayOps.get(name);
  if (op === undefined) {
    op = {
      name,
      kind: "other",
      infer: () => [],
      kernel: () => undefined,
      grad: (dys, ctx) => ctx.attrs.gradient(dys),
    };
    replayOps.set(name, op);
  }
  return op;
}

function recordCustom(node: CustomNode, env: readonly Tensor[]): void {
  const inputs = node.inputs.map((s) => env[s]);
  const outputs = node.outputs.map((s) => env[s]);
  const g = node.gradient;
  let gradient: ReplayAttrs["gradient"];
  if (g instanceof Graph) {
    // Only the values the gradient graph reads are kept alive by the tape, not the whole env.
    const outer = node.outer.map((s) => env[s]);
    gradient = (dys) => g.run(dys, outer);
  } else {
    gradient = () => {
      throw g;
    };
  }
  recordOp(replayOp(node.name), inputs, outputs, { gradient });
}
