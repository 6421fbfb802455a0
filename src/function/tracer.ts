/**
 * The tracer: while a tf.function's body runs eagerly once, it hears every op runOp runs (the
 * engine's tracer hook), every variable read and assign (by wrapping Variable's methods for the
 * duration of the trace), and every node a customGradient records on the tapes (through a
 * recorder of its own). It assigns each tensor it meets a slot: op outputs, the inputs, and for
 * tensors made elsewhere, captured constants (values copied) or captured variables (by
 * reference).
 */
import { backend } from "../backend/index.js";
import { gradientOf, type AnyOpDef } from "../engine/op.js";
import {
  activeRecorders,
  popRecorder,
  pushRecorder,
  type Recorder,
  type TapeNode,
  withoutRecording,
} from "../engine/recorder.js";
import { activeTracers, type OpTracer } from "../engine/run-op.js";
import { allocate, isFloating } from "../tensor/dtype.js";
import { LookupError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { readValue, Variable } from "../tensor/variable.js";
import {
  type CapturedConstant,
  type CapturedVariable,
  type ControlAttrs,
  type ControlNode,
  type CustomNode,
  Graph,
  type GraphNode,
} from "./graph.js";
import { jitCheckOp, jitChecks } from "./jit.js";
import { optimize } from "./passes.js";

export class Tracer implements OpTracer {
  private readonly slotOf = new Map<number, number>();
  private numSlots = 0;
  private readonly inputSlots: number[] = [];
  private readonly outerSlots: number[] = [];
  /** For a gradient trace: the enclosing graph's slot behind each outer slot. */
  readonly outerParents: number[] = [];
  /** For a sub-trace: the enclosing graph's tensor behind each outer slot. */
  readonly outerTensors: Tensor[] = [];
  private readonly constants: CapturedConstant[] = [];
  private readonly variables: CapturedVariable[] = [];
  private readonly nodes: GraphNode[] = [];
  /**
   * The output arrays runOp reported: recordOp passes the same array on, so the recorder knows
   * those nodes are not customGradient's (a forward accumulator may run ops in between).
   */
  private readonly fromRunOp = new WeakSet<readonly Tensor[]>();
  /** Each variable assigned during the trace, with its storage before the first assign. */
  readonly assigned = new Map<Variable, Tensor>();
  /**
   * The slot of the op output that first held each storage array: a variable made in the
   * trace from an op's output shares its storage, which is how finish() tells the ops that
   * only initialized it. Weak: the trace keeps no tensor alive by it.
   */
  private readonly producers = new WeakMap<object, number>();
  /** How many times the body read a tensor's values into JS (numpy(), dataSync()). */
  valueReads = 0;
  /**
   * In activeRecorders for the whole trace: an op that runs while it is missing ran under
   * withoutRecording and is marked paused; and recordOp hands it customGradient's nodes. It
   * wants every op: that makes recordOp reach it, and keeps ops from taking shortcuts that are
   * only right when no tape records (the graph may later run under one). It is marked
   * `tracing`: an op with an expansion (OpDef.expand) keeps its kernel in the graph, and the
   * graph runs the expansion in its place when replayed under a tape.
   */
  readonly recorder: Recorder;

  constructor(private readonly parent: Tracer | null = null) {
    this.recorder = {
      keepsAll: false,
      tracing: true,
      variableRead: () => undefined,
      wants: () => true,
      recordNode: (node: TapeNode, inputs: readonly Tensor[], outputs: readonly Tensor[]) => {
        if (!this.fromRunOp.has(outputs)) this.onCustomNode(node, inputs, outputs);
      },
    };
  }

  // --- slots ----------------------------------------------------------------------------------

  private newSlot(): number {
    return this.numSlots++;
  }

  private define(t: Tensor): number {
    const slot = this.newSlot();
    this.slotOf.set(t.id, slot);
    return slot;
  }

  /** The slot of a tensor this trace (or, for a gradient trace, an enclosing one) already knows. */
  private known(t: Tensor): number | undefined {
    const s = this.slotOf.get(t.id);
    if (s !== undefined || this.parent === null) return s;
    const p = this.parent.known(t);
    if (p === undefined) return undefined;
    const slot = this.define(t);
    this.outerSlots.push(slot);
    this.outerParents.push(p);
    this.outerTensors.push(t);
    return slot;
  }

  /** The slot of any tensor an op reads: known, else a captured variable or constant. */
  slotFor(t: Tensor): number {
    const s = this.known(t);
    if (s !== undefined) return s;
    const slot = this.define(t);
    if (t instanceof Variable) {
      this.variables.push({ slot, variable: t });
    } else {
      // Copied: the graph owns its constants (storage is never written, but the copy lets the
      // tensors made during the trace go, and is what gets saved).
      this.constants.push({
        slot,
        tensor: new Tensor(backend().read(t).slice(), t.shape, t.dtype),
      });
    }
    return slot;
  }

  addInput(t: Tensor): void {
    this.inputSlots.push(t instanceof Variable ? this.slotFor(t) : this.define(t));
  }

  // --- what the trace hears -------------------------------------------------------------------

  traceOp(
    op: AnyOpDef,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    attrs: unknown,
  ): void {
    if (jitChecks.length > 0) jitCheckOp(op, inputs, outputs, attrs);
    const ins = inputs.map((t) => this.slotFor(t));
    const outs = outputs.map((t) => this.define(t));
    for (let i = 0; i < outputs.length; i++) {
      const storage = backend().read(outputs[i]);
      if (!this.producers.has(storage)) this.producers.set(storage, outs[i]);
    }
    const paused = !activeRecorders.includes(this.recorder);
    this.nodes.push({ kind: "op", op, attrs, inputs: ins, outputs: outs, paused });
    this.fromRunOp.add(outputs);
  }

  /** `snapshot` is fresh (see tracedValue): each read is a node, merged later where equal. */
  onRead(v: Variable, snapshot: Tensor): void {
    const variable = this.slotFor(v);
    this.nodes.push({ kind: "read", variable, output: this.define(snapshot) });
  }

  onAssign(v: Variable, next: Tensor): void {
    if (!this.assigned.has(v))
      this.assigned.set(v, new Tensor(backend().read(v), v.shape, v.dtype));
    const variable = this.slotFor(v);
    this.nodes.push({ kind: "assign", variable, value: this.slotFor(next) });
  }

  /**
   * A node recorded without running (customGradient). Its gradient function closes over this
   * trace's tensors, so it cannot be kept as it is: it is traced now, with placeholder
   * cotangents, into a graph of its own whose other inputs are values of this graph.
   */
  private onCustomNode(
    node: TapeNode,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
  ): void {
    const ins = inputs.map((t) => this.slotFor(t));
    const outs = outputs.map((t) => this.slotFor(t));
    const grad = gradientOf(node.op);
    let gradient: Graph | Error;
    let outer: number[] = [];
    if (typeof grad !== "function") {
      // "none" never reaches a recorder; null is eager mode's LookupError, at gradient time.
      gradient = new LookupError(`gradient registry has no entry for: ${node.op.name}`);
    } else {
      const sub = new Tracer(this);
      // Cotangents of the outputs: fresh tensors (ones) of the dtypes backprop will pass.
      const dys = outputs.map((o) => {
        const dtype = isFloating(o.dtype) ? o.dtype : "float32";
        const values = allocate(dtype, o.size) as Float32Array | Float64Array;
        values.fill(1);
        return new Tensor(values, o.shape, dtype);
      });
      for (const dy of dys) sub.addInput(dy);
      try {
        // Exclusive and unrecorded: the gradient's ops belong to its own graph only.
        const grads = withoutRecording(() =>
          sub.run(
            () =>
              grad(dys, {
                inputs: inputs.map((t) => readValue(t)),
                outputs,
                attrs: node.attrs,
                inputShapes: node.inputShapes,
                inputDtypes: node.inputDtypes,
              }),
            true,
          ),
        );
        gradient = sub.finish(grads.map((g) => g ?? null));
        outer = sub.outerParents;
      } catch (e) {
        gradient = new Error(
          `tf.function: the gradient of ${node.op.name} failed while it was traced: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
    }
    const custom: CustomNode = {
      kind: "custom",
      name: node.op.name,
      inputs: ins,
      outputs: outs,
      outer,
      gradient,
    };
    this.nodes.push(custom);
  }

  /** A control-flow node (control-flow.ts), its inputs and outer values given as tensors. */
  addControl(
    op: ControlNode["op"],
    graphs: readonly Graph[],
    outer: readonly (readonly Tensor[])[],
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    attrs: ControlAttrs,
  ): void {
    const paused = !activeRecorders.includes(this.recorder);
    const ins = inputs.map((t) => this.slotFor(t));
    const outerSlots = outer.map((ts) => ts.map((t) => this.slotFor(t)));
    const outs = outputs.map((t) => this.define(t));
    this.nodes.push({
      kind: "control",
      op,
      graphs,
      outer: outerSlots,
      inputs: ins,
      outputs: outs,
      attrs,
      paused,
    });
  }

  /** A variable about to be assigned outside this tracer's hearing (by a control node's run). */
  noteAssigned(v: Variable): void {
    if (!this.assigned.has(v))
      this.assigned.set(v, new Tensor(backend().read(v), v.shape, v.dtype));
  }

  // --- running and finishing ------------------------------------------------------------------

  /**
   * Runs `fn` with this tracer listening. `exclusive`: enclosing tracers do not hear it (a
   * gradient trace; its ops are no part of the enclosing graph).
   */
  run<T>(fn: () => T, exclusive = false): T {
    const saved = exclusive ? activeTracers.splice(0) : null;
    activeTracers.push(this);
    pushRecorder(this.recorder);
    patchVariables();
    try {
      return fn();
    } finally {
      unpatchVariables();
      popRecorder(this.recorder);
      const i = activeTracers.lastIndexOf(this);
      if (i >= 0) activeTracers.splice(i, 1);
      if (saved !== null) activeTracers.push(...saved);
    }
  }

  /** The graph: the results' slots (tensors made elsewhere become constants), optimized. */
  finish(outputs: readonly (Tensor | null)[]): Graph {
    const outSlots = outputs.map((t) => (t === null ? null : this.slotFor(t)));
    // The op outputs that became a variable's initial value: the variable was made in the
    // trace (its first storage is an op output of the trace), from that op's result.
    const initSlots: number[] = [];
    for (const { variable } of this.variables) {
      const slot = this.producers.get(backend().read(this.assigned.get(variable) ?? variable));
      if (slot !== undefined) initSlots.push(slot);
    }
    return optimize(
      {
        numSlots: this.numSlots,
        inputs: this.inputSlots,
        outer: this.outerSlots,
        constants: this.constants,
        variables: this.variables,
        nodes: this.nodes,
        outputs: outSlots,
      },
      initSlots,
    );
  }

  /** Puts back the variables the trace assigned (getConcreteFunction traces without effects). */
  restoreVariables(): void {
    for (const [v, before] of this.assigned) originalReplaceValue.call(v, before);
  }
}

// ---------------------------------------------------------------------------------------------
// Variable reads and writes during a trace
//
// Variable.assign replaces the variable's storage directly (no op runs through runOp), and
// assignAdd's arithmetic reads v.value(), a snapshot tensor. So that a traced function assigns
// and reads its variables each time it runs (not once, at trace time), the trace wraps
// value() and replaceValue() while it runs and records read and assign nodes. Tensor reads into
// JS (numpy(), dataSync()) are counted, to warn that control flow on them is fixed.

const originalValue = Variable.prototype.value;
const originalReplaceValue = Variable.prototype.replaceValue;
const originalNumpy = Tensor.prototype.numpy;
const originalDataSync = Tensor.prototype.dataSync;
let patchDepth = 0;

function tracers(): Tracer[] {
  return activeTracers.filter((t): t is Tracer => t instanceof Tracer);
}

/**
 * While tracing, value() hands out a fresh snapshot rather than the cached one: a cached
 * snapshot may also be held by code outside (it would be a constant of the graph), and a read
 * must stay a read of the variable when the graph runs.
 */
function tracedValue(this: Variable): Tensor {
  const t = new Tensor(backend().read(this), this.shape, this.dtype);
  for (const tr of tracers()) tr.onRead(this, t);
  return t;
}

function tracedReplaceValue(this: Variable, next: Tensor): void {
  for (const tr of tracers()) tr.onAssign(this, next);
  originalReplaceValue.call(this, next);
}

function tracedNumpy(this: Tensor): ReturnType<Tensor["numpy"]> {
  for (const tr of tracers()) tr.valueReads++;
  return originalNumpy.call(this);
}

function tracedDataSync(this: Tensor): ReturnType<Tensor["dataSync"]> {
  for (const tr of tracers()) tr.valueReads++;
  return originalDataSync.call(this);
}

function patchVariables(): void {
  if (patchDepth++ > 0) return;
  Variable.prototype.value = tracedValue;
  Variable.prototype.replaceValue = tracedReplaceValue;
  Tensor.prototype.numpy = tracedNumpy;
  Tensor.prototype.dataSync = tracedDataSync;
}

function unpatchVariables(): void {
  if (--patchDepth > 0) return;
  Variable.prototype.value = originalValue;
  Variable.prototype.replaceValue = originalReplaceValue;
  Tensor.prototype.numpy = originalNumpy;
  Tensor.prototype.dataSync = originalDataSync;
}
