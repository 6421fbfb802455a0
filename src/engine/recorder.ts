/**
 * The one place where active tapes (and forward accumulators) hear about ops. The engine knows
 * only this interface; autodiff/ implements it.
 */
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Variable } from "../tensor/variable.js";
import type { AnyOpDef } from "./op.js";

/** One recorded op: what the backward pass needs, and nothing more. */
export interface TapeNode {
  readonly op: AnyOpDef;
  readonly attrs: unknown;
  readonly inputIds: readonly number[];
  readonly outputIds: readonly number[];
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly (Tensor | null)[];
  readonly inputShapes: readonly Shape[];
  readonly inputDtypes: readonly DType[];
  readonly outputShapes: readonly Shape[];
  readonly outputDtypes: readonly DType[];
}

export interface Recorder {
  /** Whether this recorder keeps every input and output (a persistent tape does). */
  readonly keepsAll: boolean;
  /**
   * A tf.function tracer's listener: it hears ops to build a graph and differentiates nothing
   * (ops need not take the form a tape can differentiate for it; see OpDef.expand).
   */
  readonly tracing?: boolean;
  /** A trainable variable was read by an op while this recorder was active. */
  variableRead(v: Variable): void;
  /** Whether an op with these inputs concerns this recorder (some input is watched and floating). */
  wants(inputs: readonly Tensor[]): boolean;
  /** The op ran; `node` is shared between recorders and must not be changed. */
  recordNode(node: TapeNode, inputs: readonly Tensor[], outputs: readonly Tensor[]): void;
}

/**
 * The ops whose gradient rules are running now, innermost last (backprop pushes and pops), so
 * that a message about an op can say it ran inside the gradient of another.
 */
export const gradientScopes: string[] = [];

/** The recorders now active, innermost last. */
export const activeRecorders: Recorder[] = [];

/** Whether a tape or forward accumulator (not a tracer) records an op with these inputs. */
export function differentiating(inputs: readonly Tensor[]): boolean {
  for (let i = 0; i < activeRecorders.length; i++) {
    const r = activeRecorders[i];
    if (r.tracing !== true && r.wants(inputs)) return true;
  }
  return false;
}

export function pushRecorder(r: Recorder): void {
  activeRecorders.push(r);
}

export function popRecorder(r: Recorder): void {
  // Usually the innermost: pop, without splice's array of removed elements.
  if (activeRecorders[activeRecorders.length - 1] === r) {
    activeRecorders.pop();
    return;
  }
  const i = activeRecorders.lastIndexOf(r);
  if (i >= 0) activeRecorders.splice(i, 1);
}

/**
 * Runs `fn` with no recorder active (tape.stopRecording, and the tape's own bookkeeping).
 * `only` limits the pause to the given recorders.
 */
export function withoutRecording<T>(fn: () => T, only?: readonly Recorder[]): T {
  const saved = activeRecorders.slice();
  const keep = only === undefined ? [] : saved.filter((r) => !only.includes(r));
  activeRecorders.length = 0;
  activeRecorders.push(...keep);
  try {
    return fn();
  } finally {
    activeRecorders.length = 0;
    activeRecorders.push(...saved);
  }
}
