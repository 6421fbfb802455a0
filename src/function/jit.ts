/**
 * `tf.function(fn, {jitCompile: true})`: TensorFlow compiles such a function with XLA or fails.
 * tapeflow has no XLA; its equivalent is the whole-function graph with every pass run (fusion,
 * run plans), and the same refusal where a static graph cannot express the function: while
 * tracing, each op is checked, and the first that cannot be compiled is named in the error.
 *   - an op whose output shape depends on its input values: its shape rule reads input values
 *     (plan.ts's probe) and gives another shape for zeros, so a graph would fix the traced one;
 *   - an op handed a JS function (a host callback, as tf.py_function): the graph cannot hold
 *     JS code;
 *   - a tensor value read into JS while tracing (numpy(), dataSync()): JS decisions on values
 *     are fixed at trace time (checked by the caller from the tracer's count).
 */
import type { AnyOpDef, OutputSpec } from "../engine/op.js";
import { allocate } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { inferIsStatic } from "./plan.js";

/** A jitCompile trace in progress: the first reason the function cannot be compiled. */
export interface JitCheck {
  failure: string | null;
}

/** The jitCompile traces in progress (nested tracers of control flow report here too). */
export const jitChecks: JitCheck[] = [];

function hasFunction(attrs: unknown): boolean {
  if (typeof attrs === "function") return true;
  if (attrs === null || typeof attrs !== "object") return false;
  return Object.values(attrs).some((v) => typeof v === "function");
}

/** Why `op` cannot be part of a compiled graph, or null. */
function problem(
  op: AnyOpDef,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: unknown,
): string | null {
  if (hasFunction(attrs)) {
    return `op ${op.name} calls a JS function (a host callback, like tf.py_function), which a compiled graph cannot hold`;
  }
  if (inferIsStatic(op.infer, inputs, attrs, outputs)) return null;
  // The shape rule reads values: to check them (gather's index range, CheckNumerics), which
  // the graph does on every call, or to size the output. Zeros in place of the values tell
  // which: a different output shape (or none) means the shape follows the values.
  const zeros = inputs.map((t) => new Tensor(allocate(t.dtype, t.size), t.shape, t.dtype));
  let specs: readonly OutputSpec[];
  try {
    specs = op.infer(zeros, attrs as never);
  } catch {
    return null; // a check that zeros fail: still a check
  }
  const sameShapes =
    specs.length === outputs.length &&
    specs.every(
      (sp, i) =>
        sp.shape.length === outputs[i].rank && sp.shape.every((d, k) => d === outputs[i].shape[k]),
    );
  return sameShapes
    ? null
    : `op ${op.name} has an output shape that depends on its input values, which a compiled graph would fix at trace time`;
}

/** Called by the tracer for each op it hears. */
export function jitCheckOp(
  op: AnyOpDef,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: unknown,
): void {
  if (jitChecks.every((c) => c.failure !== null)) return;
  const why = problem(op, inputs, outputs, attrs);
  if (why !== null) for (const c of jitChecks) c.failure ??= why;
}
