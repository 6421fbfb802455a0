/**
 * tf.customGradient and tf.recomputeGrad: a function whose forward pass runs unrecorded and
 * whose backward pass is the user's. Recorded as one node on the tapes that watch its inputs.
 */
import { type GradContext, type OpDef } from "../engine/op.js";
import { activeRecorders, type Recorder, withoutRecording } from "../engine/recorder.js";
import { recordOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { GradientTape } from "./tape.js";

/** What the gradient function returns when the forward pass read no variables. */
export type InputGradients = Tensor | null | readonly (Tensor | null)[];

/** When it read variables: gradients for the inputs and for the variables (in the order given). */
export interface InputAndVariableGradients {
  inputs: InputGradients;
  variables: readonly (Tensor | null)[];
}

export interface CustomGradientResult {
  /** The forward value: a tensor or an array of tensors. */
  value: Tensor | readonly Tensor[];
  /**
   * Cotangents of the outputs in, cotangents of the inputs out. `variables` lists the trainable
   * variables the forward pass read; if there were any, return `{inputs, variables}`.
   */
  gradFunc: (
    dys: Tensor[],
    variables: readonly Variable[],
  ) => InputGradients | InputAndVariableGradients;
}

/** Collects the trainable variables read while it is active; records nothing. */
class VariableSpy implements Recorder {
  readonly keepsAll = false;
  readonly read = new Map<number, Variable>();
  variableRead(v: Variable): void {
    this.read.set(v.id, v);
  }
  wants(): boolean {
    return false;
  }
  recordNode(): void {}
}

interface CustomAttrs {
  readonly gradFunc: (dys: readonly Tensor[]) => readonly (Tensor | null)[];
}

function customOp(name: string): OpDef<CustomAttrs> {
  return {
    name,
    kind: "other",
    infer: () => [],
    kernel: () => undefined,
    grad: (dys: readonly Tensor[], ctx: GradContext<CustomAttrs>) => ctx.attrs.gradFunc(dys),
  };
}
const CUSTOM_GRADIENT = customOp("CustomGradient");

/**
 * `tf.customGradient(f)`: f returns `{value, gradFunc}`; the result is a function with f's
 * forward values and gradFunc as its gradient.
 */
export function customGradient<Args extends Tensor[]>(
  f: (...args: Args) => CustomGradientResult,
): (...args: Args) => Tensor | Tensor[] {
  return (...args: Args) => {
    for (const [i, a] of args.entries()) {
      if (!(a instanceof Tensor))
        throw new TypeError(
          `customGradient: argument ${i} must be a Tensor or Variable, got ${typeof a}`,
        );
    }
    const spy = new VariableSpy();
    // The forward pass runs with every tape paused: only its inputs and outputs are recorded.
    const result = withoutRecording(() => {
      activeRecorders.push(spy);
      try {
        return f(...args);
      } finally {
        activeRecorders.pop();
      }
    });
    if (
      result === null ||
      typeof result !== "object" ||
      !("value" in result) ||
      typeof result.gradFunc !== "function"
    ) {
      throw new TypeError("customGradient: the function must return {value, gradFunc}");
    }
    const outputs = Array.isArray(result.value)
      ? [...(result.value as readonly Tensor[])]
      : [result.value as Tensor];
    const variables = [...spy.read.values()].filter((v) => !args.includes(v));
    for (const v of variables) for (const r of activeRecorders) r.variableRead(v);
    const inputs: Tensor[] = [...args, ...variables];
    const gradFunc = (dys: readonly Tensor[]): (Tensor | null)[] => {
      const g = result.gradFunc([...dys], variables);
      let inputGrads: InputGradients;
      let varGrads: readonly (Tensor | null)[] = [];
      if (g !== null && typeof g === "object" && !(g instanceof Tensor) && !Array.isArray(g)) {
        const both = g as InputAndVariableGradients;
        inputGrads = both.inputs;
        varGrads = both.variables;
      } else {
        if (variables.length > 0) {
          throw new InvalidArgumentError(
            `customGradient: the forward pass read variables (${variables.map((v) => v.name).join(", ")}) so gradFunc must return {inputs, variables}`,
          );
        }
        inputGrads = g as InputGradients;
      }
      const list =
        inputGrads === null || inputGrads instanceof Tensor ? [inputGrads] : [...inputGrads];
      if (list.length !== args.length || varGrads.length !== variables.length) {
        throw new InvalidArgumentError(
          `customGradient: gradFunc returned ${list.length} input gradients and ${varGrads.length} variable gradients for ${args.length} inputs and ${variables.length} variables`,
        );
      }
      return [...list, ...varGrads];
    };
    recordOp(CUSTOM_GRADIENT, inputs, outputs, { gradFunc });
    return Array.isArray(result.value) ? outputs : outputs[0];
  };
}

/**
 * `tf.recomputeGrad(f)`: the same values and gradients as f, but nothing of f's inside is kept
 * for the backward pass: it is recomputed then (trading time for memory).
 */
export function recomputeGrad<Args extends Tensor[]>(
  f: (...args: Args) => Tensor,
): (...args: Args) => Tensor {
  const wrapped = customGradient<Args>((...args: Args) => ({
    value: f(...args),
    gradFunc: (dys, variables) => {
      const tape = new GradientTape();
      tape.watch(args);
      const y = tape.record(() => f(...args));
      const grads = tape.gradient(y, [...args, ...variables], { outputGradients: dys[0] });
      if (variables.length === 0) return grads;
      return { inputs: grads.slice(0, args.length), variables: grads.slice(args.length) };
    },
  }));
  return (...args: Args) => wrapped(...args) as Tensor;
}
