/**
 * A traced graph and its executor. Values live in numbered slots: the inputs, the captured
 * constants (copied in at trace time) and variables (held by reference, so they are read when
 * the graph runs), and the outputs of nodes. Running the graph calls runOp for each node in
 * order with fresh inputs, so active tapes record every op as they would in eager mode.
 */
import type { AnyOpDef, OpDef } from "../engine/op.js";
import { activeRecorders, withoutRecording } from "../engine/recorder.js";
import { recordOp, runOp } from "../engine/run-op.js";
import { shapeStr } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";

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

export type GraphNode = OpNode | ReadNode | AssignNode | CustomNode;

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
  }

  /** Runs the graph; returns its flattened results. */
  run(inputs: readonly Tensor[], outer: readonly Tensor[] = []): (Tensor | null)[] {
    const env = this.template.slice();
    const ins = this.inputs;
    for (let i = 0; i < ins.length; i++) env[ins[i]] = inputs[i];
    const out = this.outer;
    for (let i = 0; i < out.length; i++) env[out[i]] = outer[i];
    const nodes = this.nodes;
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n];
      switch (node.kind) {
        case "op": {
          const slots = node.inputs;
          const args = new Array<Tensor>(slots.length);
          for (let i = 0; i < slots.length; i++) args[i] = env[slots[i]];
          const results = node.paused
            ? withoutRecording(() => runOp(node.op, args, node.attrs))
            : runOp(node.op, args, node.attrs);
          const outSlots = node.outputs;
          for (let i = 0; i < outSlots.length; i++) env[outSlots[i]] = results[i];
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
      for (const n of g.nodes)
        if (n.kind === "custom" && n.gradient instanceof Graph) walk(n.gradient);
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
      }
    }
    lines.push(`${indent}return ${this.outputs.map(s).join(", ")}`);
  }
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
