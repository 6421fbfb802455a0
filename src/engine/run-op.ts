/** runOp: check and infer, allocate, call the kernel, record on the active tapes. */
import { backend } from "../backend/index.js";
import { type DType, isDifferentiable } from "../tensor/dtype.js";
import { type Shape, shapeMsg, sizeOf } from "../tensor/shape.js";
import { ResourceExhaustedError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { readValue, Variable } from "../tensor/variable.js";
import { type AnyOpDef, defineOp, gradientOf, type OpDef } from "./op.js";
import { anyComplex, complexVariant, supportsComplex } from "./complex.js";
import { activeRecorders, differentiating, type Recorder, type TapeNode } from "./recorder.js";

/**
 * What tf.function's tracer hears: every op runOp runs, in order, before any tape records it.
 * The engine knows only this interface; function/ implements it (engine must not import it).
 */
export interface OpTracer {
  traceOp(
    op: AnyOpDef,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    attrs: unknown,
  ): void;
  /**
   * Ops ran that this tracer did not hear (a control-flow node runs its sub-graphs with every
   * tracer deaf and reports only to tf.function's tracers): `what` names the node.
   */
  opaque?(what: string): void;
}

/** The tracers now active, innermost last (empty outside tf.function tracing). */
export const activeTracers: OpTracer[] = [];

function traceOp<A>(
  op: OpDef<A>,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: A,
): void {
  for (const t of activeTracers) t.traceOp(op, inputs, outputs, attrs);
}

/**
 * What hears every op's outputs right after its kernel ran (tf.debugging.enableCheckNumerics):
 * it may throw to stop the computation at the op that went wrong. Empty unless enabled.
 */
export interface OpChecker {
  checkOp(op: AnyOpDef, inputs: readonly Tensor[], outputs: readonly Tensor[]): void;
}

export const activeCheckers: OpChecker[] = [];

/** Runs an op and returns all its outputs. */
export function runOp<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: NoInfer<A>): Tensor[] {
  // Complex tensors go only to ops that know their interleaved storage (engine/complex.ts).
  if (anyComplex(inputs)) op = complexVariant(op, inputs);
  let specs = op.infer(inputs, attrs);
  if (anyComplex(specs)) {
    const v = complexVariant(op, inputs, specs);
    if (v !== op) specs = (op = v).infer(inputs, attrs);
  }
  // Recorded for a gradient: an op with an expansion runs as it (OpDef.expand).
  if (op.expand !== undefined && activeRecorders.length > 0 && differentiating(inputs))
    return op.expand(inputs, attrs);
  const b = backend();
  if (op.viewOf !== undefined) {
    // Storage is never written after creation, so a view can share it safely.
    const s = specs[0];
    const view = [new Tensor(b.read(inputs[op.viewOf]), s.shape, s.dtype)];
    if (activeTracers.length > 0) traceOp(op, inputs, view, attrs);
    if (activeRecorders.length > 0) recordOp(op, inputs, view, attrs);
    return view;
  }
  const outputs = new Array<Tensor>(specs.length);
  const uninitialized = op.overwritesOutputs === true;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    let storage;
    try {
      storage = b.allocate(s.dtype, sizeOf(s.shape), uninitialized);
    } catch (e) {
      throw new ResourceExhaustedError(
        `${op.name}: output ${i} of shape ${shapeMsg(s.shape)}: ${(e as Error).message}`,
      );
    }
    outputs[i] = new Tensor(storage, s.shape, s.dtype);
  }
  op.kernel(b, inputs, outputs, attrs);
  if (activeCheckers.length > 0) for (const c of activeCheckers) c.checkOp(op, inputs, outputs);
  // Traced before recorded: the tracer tells its own runOp ops from customGradient's recordOp.
  if (activeTracers.length > 0) traceOp(op, inputs, outputs, attrs);
  if (activeRecorders.length > 0) recordOp(op, inputs, outputs, attrs);
  return outputs;
}

/** Runs an op with one output. */
export function runOp1<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: NoInfer<A>): Tensor {
  return runOp(op, inputs, attrs)[0];
}

/**
 * TensorFlow's ReadVariableOp: the value of a variable when an op read it. Gradient rules read a
 * variable input through this snapshot (a tensor of its own, so that a later assign cannot change
 * what the tape holds), and recordOp records the read on every recorder that watches the
 * variable: the ops a rule runs on the snapshot then lead back to the variable, so an outer tape
 * (or a persistent tape recording its own gradient) differentiates them, and second derivatives
 * of variables are not lost. d read(v) = dy.
 */
export const ReadVariableOp = defineOp<Record<string, never>>({
  name: "ReadVariableOp",
  kind: "state",
  check: { skip: "reads a variable: checked through variables in test/tape.test.ts" },
  infer: ([v]) => [{ shape: v.shape, dtype: v.dtype }],
  kernel: () => undefined,
  viewOf: 0,
  grad: ([dy]) => [dy],
});
supportsComplex(ReadVariableOp);

/** Records `snapshot` as a read of `v` on the recorders that watch `v` and do not know it yet. */
function recordRead(v: Tensor, snapshot: Tensor, recorders: readonly Recorder[]): void {
  const read = [snapshot];
  let node: TapeNode | null = null;
  for (let i = 0; i < recorders.length; i++) {
    const r = recorders[i];
    // Known already: the usual case, as a snapshot lives until the variable's next assign.
    if (r.wants(read)) continue;
    if (!r.wants([v])) continue;
    node ??= {
      op: ReadVariableOp,
      attrs: {},
      inputIds: [v.id],
      outputIds: [snapshot.id],
      inputs: [null],
      outputs: [null],
      inputShapes: [v.shape],
      inputDtypes: [v.dtype],
      outputShapes: [v.shape],
      outputDtypes: [v.dtype],
    };
    r.recordNode(node, [v], read);
  }
}

/** Records an op that already ran on the active tapes (runOp does; so does customGradient). */
export function recordOp<A>(
  op: OpDef<A>,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: A,
): void {
  // Reading a trainable variable makes tapes watch it, whatever the op.
  const nIn = inputs.length;
  let readsVariable = false;
  for (let i = 0; i < nIn; i++) {
    const t = inputs[i];
    if (t instanceof Variable) {
      readsVariable = true;
      if (t.trainable) for (const r of activeRecorders) r.variableRead(t);
    }
  }
  // Not differentiable, or nothing floating comes out: the gradient stops here, quietly.
  if (gradientOf(op) === "none" || !outputs.some((t) => isDifferentiable(t.dtype))) return;
  let wanting: Recorder[] | null = null;
  let keepAll = false;
  for (const r of activeRecorders) {
    if (r.wants(inputs)) {
      (wanting ??= []).push(r);
      keepAll ||= r.keepsAll;
    }
  }
  if (wanting === null) return;
  // Plain loops: this runs once per recorded op, and is most of what recording costs.
  const saveIn = op.saveInputs;
  const saveOut = op.saveOutputs;
  const nOut = outputs.length;
  const inputIds = new Array<number>(nIn);
  const savedIn = new Array<Tensor | null>(nIn);
  const inputShapes = new Array<Shape>(nIn);
  const inputDtypes = new Array<DType>(nIn);
  for (let i = 0; i < nIn; i++) {
    const t = inputs[i];
    inputIds[i] = t.id;
    savedIn[i] = keepAll || (saveIn !== undefined && saveIn.includes(i)) ? readValue(t) : null;
    inputShapes[i] = t.shape;
    inputDtypes[i] = t.dtype;
  }
  const outputIds = new Array<number>(nOut);
  const savedOut = new Array<Tensor | null>(nOut);
  const outputShapes = new Array<Shape>(nOut);
  const outputDtypes = new Array<DType>(nOut);
  for (let i = 0; i < nOut; i++) {
    const t = outputs[i];
    outputIds[i] = t.id;
    savedOut[i] = keepAll || (saveOut !== undefined && saveOut.includes(i)) ? t : null;
    outputShapes[i] = t.shape;
    outputDtypes[i] = t.dtype;
  }
  const node: TapeNode = {
    op,
    attrs,
    inputIds,
    outputIds,
    inputs: savedIn,
    outputs: savedOut,
    inputShapes,
    inputDtypes,
    outputShapes,
    outputDtypes,
  };
  for (const r of wanting) r.recordNode(node, inputs, outputs);
  if (readsVariable) {
    // A saved input that is not the input itself is a variable's snapshot (readValue).
    for (let i = 0; i < nIn; i++) {
      const s = savedIn[i];
      if (s !== null && s !== inputs[i]) recordRead(inputs[i], s, wanting);
    }
  }
}
