/**
 * The run plan of a graph: what its replay can know once instead of finding out on every call.
 *
 * A graph is traced for concrete shapes and dtypes, so the shape and dtype of almost every
 * value it computes is fixed. The first run of a graph is a recording run (the ordinary path,
 * op by op through runOp) that notes the shape and dtype of every slot, and, for each op node,
 * whether its shape rule (`infer`) looks only at shapes, dtypes and attrs (it is called once
 * more on stand-in tensors that say when their values are read). Later runs whose inputs have
 * the recorded shapes and dtypes then skip, for each planned op node, what eager dispatch does
 * per op: the shape rule and its checks (they passed on the same shapes), the engine's
 * bookkeeping for tracers and tapes that are not there, and, for temporaries, the allocation:
 * the storage of an intermediate nothing can reach once it is dead (by lifetime: its last
 * reader ran, and no view, result, variable or control-flow node holds it) goes to the graph's
 * buffer pool, and a later node (of this run or the next) that needs a buffer of that dtype and
 * size takes it instead of allocating.
 *
 * Not planned (they run through runOp as before): op nodes whose shape rule reads values
 * (CheckNumerics, the asserts, ops whose output shape depends on values). Their results, and
 * those of control-flow nodes (a While loop's stacked results have as many rows as it ran
 * iterations), are checked against the recorded specs when they are made; where one differs,
 * the rest of that run leaves the plan and goes op by op through runOp.
 */
import type { OutputSpec } from "../engine/op.js";
import type { DType, DataArray } from "../tensor/dtype.js";
import { type Shape, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { GraphNode, GraphParts } from "./graph.js";

export interface SlotSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What a recording run notes: each slot's spec, and each op node's shape-rule probe. */
export class Recording {
  readonly slots: (SlotSpec | undefined)[];
  /** Per node: whether its shape rule gave the same specs without reading any value. */
  readonly staticInfer: boolean[];

  constructor(numSlots: number, numNodes: number) {
    this.slots = new Array<SlotSpec | undefined>(numSlots);
    this.staticInfer = new Array<boolean>(numNodes).fill(false);
  }

  note(slot: number, t: Tensor | null | undefined): void {
    if (t !== null && t !== undefined) this.slots[slot] = { shape: t.shape, dtype: t.dtype };
  }
}

export function sameSpec(t: Tensor, s: SlotSpec | undefined): boolean {
  if (s === undefined || t.dtype !== s.dtype) return false;
  const a = t.shape;
  const b = s.shape;
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `infer` gives `expected` for these inputs without reading any input's values: it is
 * called on stand-ins (proxies of the inputs) that note a read of their storage. Anything odd
 * (a throw, other specs) counts as reading values.
 */
export function inferIsStatic(
  infer: (inputs: readonly Tensor[], attrs: never) => readonly OutputSpec[],
  inputs: readonly Tensor[],
  attrs: unknown,
  expected: readonly Tensor[],
): boolean {
  let read = false;
  const handler: ProxyHandler<Tensor> = {
    get(target, key) {
      if (key === "values") read = true;
      return Reflect.get(target, key, target) as unknown;
    },
  };
  const standIns = inputs.map((t) => new Proxy(t, handler));
  let specs: readonly OutputSpec[];
  try {
    specs = infer(standIns, attrs as never);
  } catch {
    return false;
  }
  if (read || specs.length !== expected.length) return false;
  for (let i = 0; i < specs.length; i++) if (!sameSpec(expected[i], specs[i])) return false;
  return true;
}

/** The slots a node reads (its outputs too, for a custom node: it hands them to the tapes). */
export function readsOf(node: GraphNode): readonly number[] {
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

function writesOf(node: GraphNode): readonly number[] {
  switch (node.kind) {
    case "op":
    case "control":
      return node.outputs;
    case "read":
      return [node.output];
    case "fused":
      return [node.output];
    case "assign":
    case "custom":
      return [];
  }
}

function hasFunction(attrs: unknown): boolean {
  if (attrs === null || typeof attrs !== "object") return typeof attrs === "function";
  return Object.values(attrs).some((v) => typeof v === "function");
}

export class RunPlan {
  /** Per node: the output specs of a planned op node (its shape rule is skipped), else null. */
  readonly specs: (readonly SlotSpec[] | null)[];
  /**
   * Per node: 1 where it runs unplanned (through runOp, or a control-flow node) and its results
   * must have the recorded specs for the rest of the run to follow the plan.
   */
  readonly guard: Uint8Array;
  /** Each slot's recorded spec (undefined for a slot never filled). */
  readonly slotSpecs: readonly (SlotSpec | undefined)[];
  /** Per node: the slots whose storage (a planned op's output) goes to the pool after it. */
  readonly poolAt: (readonly number[] | null)[];
  /** Per slot: the storage of this planned output may go to the pool (kept until then). */
  readonly pooled: Uint8Array;
  /** How many op nodes are planned, and how many slots may be pooled (for tests and listings). */
  readonly plannedOps: number;
  readonly pooledSlots: number;

  constructor(
    parts: GraphParts,
    readonly inputSpecs: readonly (SlotSpec | undefined)[],
    readonly outerSpecs: readonly (SlotSpec | undefined)[],
    rec: Recording,
  ) {
    const n = parts.numSlots;
    // Fixed: a slot whose shape and dtype every run with the recorded inputs gives again.
    const fixed = new Uint8Array(n);
    for (const s of parts.inputs) fixed[s] = 1;
    for (const s of parts.outer) fixed[s] = 1;
    for (const c of parts.constants) fixed[c.slot] = 1;
    // Variables keep their shape and dtype (assign checks both).
    for (const v of parts.variables) fixed[v.slot] = 1;
    const specs: (SlotSpec[] | null)[] = parts.nodes.map(() => null);
    const guard = new Uint8Array(parts.nodes.length);
    let plannedOps = 0;
    parts.nodes.forEach((node, i) => {
      switch (node.kind) {
        case "op": {
          const noted = node.outputs.every((s) => rec.slots[s] !== undefined);
          if (rec.staticInfer[i] && noted && node.inputs.every((s) => fixed[s] === 1)) {
            specs[i] = node.outputs.map((s) => rec.slots[s] as SlotSpec);
            plannedOps++;
            for (const s of node.outputs) fixed[s] = 1;
          } else if (noted) {
            // Run through runOp; its results are checked against the recorded specs.
            guard[i] = 1;
            for (const s of node.outputs) fixed[s] = 1;
          }
          break;
        }
        case "control":
          // A loop's stacked results have as many rows as it ran iterations: checked.
          if (node.outputs.every((s) => rec.slots[s] !== undefined)) {
            guard[i] = 1;
            for (const s of node.outputs) fixed[s] = 1;
          }
          break;
        case "read":
          fixed[node.output] = fixed[node.variable];
          break;
        case "fused":
          // Its result's shape is the broadcast of its inputs' shapes.
          if (node.inputs.every((s) => fixed[s] === 1)) fixed[node.output] = 1;
          break;
        default:
          break;
      }
    });

    // Storage groups: slots that may share storage (views, reads of variables; control-flow
    // results, which may hand an input back). A group's storage is free once every
    // member is dead; it may be pooled only if no member escapes the run.
    const parent = new Int32Array(n);
    for (let s = 0; s < n; s++) parent[s] = s;
    const find = (s: number): number => {
      while (parent[s] !== s) {
        parent[s] = parent[parent[s]];
        s = parent[s];
      }
      return s;
    };
    const union = (a: number, b: number): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent[ra] = rb;
    };
    const escapes = new Uint8Array(n);
    for (const s of parts.outputs) if (s !== null) escapes[s] = 1;
    for (const s of parts.inputs) escapes[s] = 1;
    for (const s of parts.outer) escapes[s] = 1;
    for (const c of parts.constants) escapes[c.slot] = 1;
    for (const v of parts.variables) escapes[v.slot] = 1;
    const root = new Uint8Array(n);
    parts.nodes.forEach((node, i) => {
      switch (node.kind) {
        case "op":
          // Fresh storage: a planned op's, or (through runOp) a checked one's.
          if (node.op.viewOf !== undefined) union(node.outputs[0], node.inputs[node.op.viewOf]);
          else if (specs[i] !== null || guard[i] === 1) for (const s of node.outputs) root[s] = 1;
          // An op given a function (a user callback) may keep what it is handed.
          if (hasFunction(node.attrs)) for (const s of node.inputs) escapes[s] = 1;
          break;
        case "read":
          union(node.output, node.variable);
          break;
        case "assign":
          // The variable takes the value's storage.
          escapes[node.value] = 1;
          break;
        case "custom":
          // What it hands the tapes is held by them (only in runs with tapes, which pool nothing,
          // but the storage must not come back to the pool from a later run either).
          for (const s of [...node.inputs, ...node.outputs, ...node.outer]) escapes[s] = 1;
          break;
        case "control":
          for (const o of node.outputs) for (const s of readsOf(node)) union(o, s);
          break;
        case "fused":
          // Its result is fresh storage (the fused loop's, or its last op's through runOp): a
          // group of its own, which the pool does not take (the plan did not allocate it).
          break;
      }
    });
    // Each group: whether it escapes, and the last node that reads or writes a member.
    const groupEscapes = new Uint8Array(n);
    const death = new Int32Array(n).fill(-1);
    for (let s = 0; s < n; s++) if (escapes[s] === 1) groupEscapes[find(s)] = 1;
    parts.nodes.forEach((node, i) => {
      for (const s of readsOf(node)) death[find(s)] = Math.max(death[find(s)], i);
      for (const s of writesOf(node)) death[find(s)] = Math.max(death[find(s)], i);
    });
    const pooled = new Uint8Array(n);
    const poolAt: (number[] | null)[] = parts.nodes.map(() => null);
    let pooledSlots = 0;
    for (let s = 0; s < n; s++) {
      const g = find(s);
      const spec = rec.slots[s];
      const big =
        spec !== undefined && spec.dtype !== "string" && sizeOf(spec.shape) >= POOL_MIN_SIZE;
      if (root[s] === 1 && big && groupEscapes[g] === 0 && death[g] >= 0) {
        pooled[s] = 1;
        pooledSlots++;
        (poolAt[death[g]] ??= []).push(s);
      }
    }
    this.specs = specs;
    this.guard = guard;
    this.slotSpecs = rec.slots;
    this.poolAt = poolAt;
    this.pooled = pooled;
    this.plannedOps = plannedOps;
    this.pooledSlots = pooledSlots;
  }

  /** Whether a run on these inputs may follow the plan (they have the recorded specs). */
  matches(inputs: readonly Tensor[], outer: readonly Tensor[]): boolean {
    const a = this.inputSpecs;
    if (inputs.length !== a.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameSpec(inputs[i], a[i])) return false;
    const b = this.outerSpecs;
    if (outer.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (!sameSpec(outer[i], b[i])) return false;
    return true;
  }
}

/**
 * Below this many elements a buffer is not pooled: V8 makes small typed arrays on its heap
 * about as fast as a pool hands one out, and collects them young; larger ones are malloc'd
 * off the heap (and counted as external memory, which brings on collections).
 */
export const POOL_MIN_SIZE = 64;

/**
 * Free storage by dtype and size, for a graph's planned temporaries. Only numeric storage: a
 * buffer is in it only while no tensor uses it.
 */
export class BufferPool {
  private readonly free = new Map<DType, Map<number, DataArray[]>>();

  take(dtype: DType, size: number): DataArray | undefined {
    return this.free.get(dtype)?.get(size)?.pop();
  }

  give(dtype: DType, storage: DataArray): void {
    if (dtype === "string") return;
    let bySize = this.free.get(dtype);
    if (bySize === undefined) this.free.set(dtype, (bySize = new Map()));
    const list = bySize.get(storage.length);
    if (list === undefined) bySize.set(storage.length, [storage]);
    else list.push(storage);
  }

  /** How many buffers wait in the pool (for tests). */
  get size(): number {
    let n = 0;
    for (const m of this.free.values()) for (const l of m.values()) n += l.length;
    return n;
  }
}
