/**
 * Graph passes, run once per trace: merge equal constants and common subexpressions, fold the
 * ops whose inputs are all constants into constants, drop the nodes no result (and no assign
 * or stateful op) depends on, and renumber the slots densely.
 */
import { backend } from "../backend/index.js";
import { withoutRecording } from "../engine/recorder.js";
import { activeTracers, runOp } from "../engine/run-op.js";
import type { Tensor } from "../tensor/tensor.js";
import { type CapturedConstant, Graph, type GraphNode, type GraphParts } from "./graph.js";
import { encodeValue } from "./encode.js";
import { fuseElementwise } from "./fusion.js";

/** Constants up to this many elements are compared by value when merging. */
const MERGE_CONSTANT_MAX_SIZE = 1024;

/**
 * `initSlots`: slots whose values became the initial values of variables the trace created
 * (see eliminateDeadCode).
 */
export function optimize(parts: GraphParts, initSlots: readonly number[] = []): Graph {
  const { merged, canon } = mergeCommon(parts);
  return new Graph(
    fuseElementwise(
      compact(
        eliminateDeadCode(
          foldConstants(merged),
          Array.from(initSlots, (s) => canon[s]),
        ),
      ),
    ),
  );
}

/** Folded results larger than this many elements stay computed (a graph should not carry them). */
const FOLD_MAX_SIZE = 1 << 18;

/**
 * Constant folding: an op node whose inputs are all constants (captured tensors, or results
 * folded before it) runs now, once, and its outputs become constants of the graph. Not folded:
 * stateful ops (a random draw is drawn on every call), nodes that ran with tapes paused (a
 * customGradient's forward pass, whose outputs a custom node relabels), and results over
 * FOLD_MAX_SIZE elements. A constant has no gradient to give (captured constants are copies no
 * tape watches), so folding changes nothing a tape can see. The ops run with every tracer deaf
 * and no tape recording: the folding is no part of any graph being traced around it.
 */
export function foldConstants(parts: GraphParts): GraphParts {
  const known = new Map<number, Tensor>();
  for (const c of parts.constants) known.set(c.slot, c.tensor);
  const constants: CapturedConstant[] = [...parts.constants];
  const nodes: GraphNode[] = [];
  const saved = activeTracers.splice(0);
  try {
    for (const node of parts.nodes) {
      if (
        node.kind !== "op" ||
        node.paused ||
        node.op.stateful === true ||
        node.inputs.length === 0 ||
        !node.inputs.every((s) => known.has(s))
      ) {
        nodes.push(node);
        continue;
      }
      const args = node.inputs.map((s) => known.get(s) as Tensor);
      let outs: Tensor[] | null;
      try {
        outs = withoutRecording(() => runOp(node.op, args, node.attrs));
      } catch {
        // Left for the replay to report, with the error it gives there.
        outs = null;
      }
      if (outs === null || outs.some((t) => t.size > FOLD_MAX_SIZE)) {
        nodes.push(node);
        continue;
      }
      node.outputs.forEach((slot, i) => {
        known.set(slot, (outs as Tensor[])[i]);
        constants.push({ slot, tensor: (outs as Tensor[])[i] });
      });
    }
  } finally {
    activeTracers.push(...saved);
  }
  return { ...parts, constants, nodes };
}

/**
 * Common subexpressions: an op node with the same op, attrs and inputs as an earlier one
 * reuses its outputs; so does a read of a variable not assigned in between, and a constant
 * equal to an earlier one. Ops are pure functions of their inputs (kernels write only their
 * outputs), so this is safe, except for stateful ops (two random draws are two draws, however
 * alike) and nodes that ran with tapes paused (a customGradient's forward pass): their outputs
 * are relabelled by a custom node, and merging two of them would give one tensor two producers
 * on a tape. `canon` maps each slot to the one that stands for it.
 */
function mergeCommon(parts: GraphParts): { merged: GraphParts; canon: Int32Array } {
  const canon = new Int32Array(parts.numSlots);
  for (let i = 0; i < canon.length; i++) canon[i] = i;
  const c = (s: number): number => canon[s];

  const constants: CapturedConstant[] = [];
  const constKeys = new Map<string, number>();
  for (const k of parts.constants) {
    const t = k.tensor;
    if (t.size <= MERGE_CONSTANT_MAX_SIZE) {
      const values = Array.from(backend().read(t) as ArrayLike<number | string>, (v) =>
        typeof v === "string" ? JSON.stringify(v) : Object.is(v, -0) ? "-0" : String(v),
      );
      const key = `${t.dtype}|${t.shape.join(",")}|${values.join(",")}`;
      const prev = constKeys.get(key);
      if (prev !== undefined) {
        canon[k.slot] = prev;
        continue;
      }
      constKeys.set(key, k.slot);
    }
    constants.push(k);
  }

  const variableSlots = new Set(parts.variables.map((v) => v.slot));
  // A variable's version: bumped by each assign, so reads on either side never merge.
  const version = new Map<number, number>();
  const operand = (s: number): string => {
    const r = c(s);
    return variableSlots.has(r) ? `${r}@${version.get(r) ?? 0}` : String(r);
  };
  const seen = new Map<string, GraphNode>();
  const nodes: GraphNode[] = [];
  for (const node of parts.nodes) {
    switch (node.kind) {
      case "op": {
        const inputs = node.inputs.map(c);
        const attrKey = node.paused || node.op.stateful === true ? null : attrsKey(node.attrs);
        if (attrKey !== null) {
          const key = `op|${node.op.name}|${attrKey}|${node.inputs.map(operand).join(",")}`;
          const prev = seen.get(key);
          if (prev !== undefined && prev.kind === "op" && prev.op === node.op) {
            node.outputs.forEach((s, i) => (canon[s] = prev.outputs[i]));
            continue;
          }
          const merged: GraphNode = { ...node, inputs };
          seen.set(key, merged);
          nodes.push(merged);
        } else {
          nodes.push({ ...node, inputs });
        }
        break;
      }
      case "read": {
        const key = `read|${operand(node.variable)}`;
        const prev = seen.get(key);
        if (prev !== undefined && prev.kind === "read") {
          canon[node.output] = prev.output;
          continue;
        }
        const merged: GraphNode = { ...node, variable: c(node.variable) };
        seen.set(key, merged);
        nodes.push(merged);
        break;
      }
      case "assign": {
        const v = c(node.variable);
        nodes.push({ kind: "assign", variable: v, value: c(node.value) });
        version.set(v, (version.get(v) ?? 0) + 1);
        break;
      }
      case "custom":
        nodes.push({
          ...node,
          inputs: node.inputs.map(c),
          outputs: node.outputs.map(c),
          outer: node.outer.map(c),
        });
        break;
      case "control":
        // Never merged (a loop may assign variables); its sub-graphs may assign any variable.
        nodes.push({ ...node, inputs: node.inputs.map(c), outer: node.outer.map((o) => o.map(c)) });
        for (const g of node.graphs) {
          for (const v of g.allVariables()) {
            const slot = parts.variables.find((x) => x.variable === v)?.slot;
            if (slot !== undefined) version.set(c(slot), (version.get(c(slot)) ?? 0) + 1);
          }
        }
        for (const slots of node.outer) {
          for (const s of slots) {
            const r = c(s);
            if (variableSlots.has(r)) version.set(r, (version.get(r) ?? 0) + 1);
          }
        }
        break;
    }
  }
  const merged = {
    ...parts,
    constants,
    nodes,
    outputs: parts.outputs.map((s) => (s === null ? null : c(s))),
  };
  return { merged, canon };
}

/** attrs as a key, or null where they cannot be compared by value (functions and the like). */
function attrsKey(attrs: unknown): string | null {
  try {
    return JSON.stringify(encodeValue(attrs, ""));
  } catch {
    return null;
  }
}

/**
 * Dead code: walking back from the results, a node stays if a later live node or a result
 * reads one of its outputs. Assigns always stay (they are the point of a stateful function),
 * and so do custom nodes whose outputs are live (they label those outputs for the tapes).
 *
 * Stateful ops (random draws) stay too, read or not: an eager call draws them, so each run of
 * the graph must, or later draws would differ from the eager ones. Except those whose values
 * only went into the initial value of a variable made while tracing (`initSlots`, walked back
 * like liveness): the body creates its variables once, on the first trace (a Keras layer's
 * build, its initializer's draw), so the eager calls after it draw nothing there either, as
 * TensorFlow lifts variable initializers out of the function.
 */
function eliminateDeadCode(parts: GraphParts, initSlots: readonly number[]): GraphParts {
  const live = new Uint8Array(parts.numSlots);
  for (const s of parts.outputs) if (s !== null) live[s] = 1;
  const init = new Uint8Array(parts.numSlots);
  for (const s of initSlots) init[s] = 1;
  const kept: GraphNode[] = [];
  for (let i = parts.nodes.length - 1; i >= 0; i--) {
    const node = parts.nodes[i];
    let keep: boolean;
    switch (node.kind) {
      case "op": {
        const used = node.outputs.some((s) => live[s] === 1);
        const initOnly = !used && node.outputs.some((s) => init[s] === 1);
        keep = used || (node.op.stateful === true && !initOnly);
        if (keep) for (const s of node.inputs) live[s] = 1;
        else if (initOnly) for (const s of node.inputs) init[s] = 1;
        break;
      }
      case "read":
        keep = live[node.output] === 1;
        if (keep) live[node.variable] = 1;
        break;
      case "assign":
        keep = true;
        live[node.variable] = 1;
        live[node.value] = 1;
        break;
      case "custom":
        keep = node.outputs.some((s) => live[s] === 1);
        if (keep) for (const s of [...node.inputs, ...node.outer]) live[s] = 1;
        break;
      case "control":
        keep = node.outputs.some((s) => live[s] === 1) || node.graphs.some(hasEffects);
        if (keep) for (const s of [...node.inputs, ...node.outer.flat()]) live[s] = 1;
        break;
      case "fused":
        keep = live[node.output] === 1;
        if (keep) for (const s of node.inputs) live[s] = 1;
        break;
    }
    if (keep) kept.push(node);
  }
  kept.reverse();
  for (const s of parts.inputs) live[s] = 1;
  for (const s of parts.outer) live[s] = 1;
  return {
    ...parts,
    nodes: kept,
    constants: parts.constants.filter((k) => live[k.slot] === 1),
    variables: parts.variables.filter((v) => live[v.slot] === 1),
  };
}

/** Whether running a graph changes state: it assigns a variable or draws random numbers. */
export function hasEffects(g: Graph): boolean {
  return g.nodes.some(
    (n) =>
      n.kind === "assign" ||
      (n.kind === "op" && n.op.stateful === true) ||
      (n.kind === "control" && n.graphs.some(hasEffects)),
  );
}

/**
 * Dense slots, in the order inputs, outer, constants, variables, then node outputs. An output
 * of a multi-output op that nothing reads still gets a slot (the op writes all its outputs).
 */
function compact(parts: GraphParts): GraphParts {
  const map = new Int32Array(parts.numSlots).fill(-1);
  let next = 0;
  const at = (s: number): number => {
    if (map[s] < 0) map[s] = next++;
    return map[s];
  };
  const inputs = parts.inputs.map(at);
  const outer = parts.outer.map(at);
  const constants = parts.constants.map((k) => ({ slot: at(k.slot), tensor: k.tensor }));
  const variables = parts.variables.map((v) => ({ slot: at(v.slot), variable: v.variable }));
  const nodes = parts.nodes.map((node): GraphNode => {
    switch (node.kind) {
      case "op":
        return { ...node, inputs: node.inputs.map(at), outputs: node.outputs.map(at) };
      case "read":
        return { kind: "read", variable: at(node.variable), output: at(node.output) };
      case "assign":
        return { kind: "assign", variable: at(node.variable), value: at(node.value) };
      case "custom":
        return {
          ...node,
          inputs: node.inputs.map(at),
          outputs: node.outputs.map(at),
          outer: node.outer.map(at),
        };
      case "control":
        return {
          ...node,
          inputs: node.inputs.map(at),
          outputs: node.outputs.map(at),
          outer: node.outer.map((o) => o.map(at)),
        };
      case "fused":
        return {
          ...node,
          inputs: node.inputs.map(at),
          output: at(node.output),
          nodes: node.nodes.map((n) => ({
            ...n,
            inputs: n.inputs.map(at),
            outputs: n.outputs.map(at),
          })),
        };
    }
  });
  const outputs = parts.outputs.map((s) => (s === null ? null : at(s)));
  return { numSlots: next, inputs, outer, constants, variables, nodes, outputs };
}
