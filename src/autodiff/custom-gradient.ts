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
import { describeValue } from "../tensor/describe-value.js";
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

/** What TensorFlow's form of the gradient function is told besides the output cotangents. */
export interface GradFnOptions {
  /** The trainable variables the forward pass read (empty when none). */
  variables: readonly Variable[];
}

/**
 * TensorFlow's own form: `gradFn(...dys, {variables})`, one cotangent per output, returning the
 * input gradients (a tensor or one per input) or, when the forward pass read variables,
 * `[inputGradients, variableGradients]` as TensorFlow's `(grad_xs, grad_vars)`.
 */
export type GradFn = (
  dy: Tensor,
  // Typed `never` so that any arity fits: `(dy) => ...`, `(dy1, dy2, {variables}) => ...`.
  ...rest: never[]
) => InputGradients | readonly [InputGradients, readonly (Tensor | null)[]];

/** How gradFn is called: the cotangents, then the options. */
type GradFnCall = (
  ...args: (Tensor | GradFnOptions)[]
) => InputGradients | readonly [InputGradients, readonly (Tensor | null)[]];

/** `f`'s result in TensorFlow's form: `[y, gradFn]`. */
export type CustomGradientPair = readonly [Tensor | readonly Tensor[], GradFn];

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
 * Puts TensorFlow's `[y, gradFn]` into the `{value, gradFunc}` form (one gradient rule below).
 * `gradFn(...dys, {variables})` returns the input gradients, or `[inputs, variables]` when the
 * forward pass read variables.
 */
function fromPair(pair: readonly unknown[]): CustomGradientResult {
  const [value, gradFn] = pair as CustomGradientPair;
  return {
    value,
    gradFunc: (dys, variables) => {
      const g = (gradFn as unknown as GradFnCall)(...dys, { variables });
      if (variables.length === 0) return g as InputGradients;
      if (!Array.isArray(g) || g.length !== 2 || !Array.isArray(g[1])) {
        throw new InvalidArgumentError(
          `customGradient: the forward pass read variables (${variables.map((v) => v.name).join(", ")}) so gradFn must return [inputGradients, variableGradients]`,
        );
      }
      const [inputs, vars] = g as unknown as readonly [InputGradients, readonly (Tensor | null)[]];
      return { inputs, variables: vars };
    },
  };
}

function checkGradient(g: unknown, what: string): void {
  if (g !== null && !(g instanceof Tensor)) {
    throw new TypeError(
      `customGradient: ${what} must be a Tensor or null, got ${g === undefined ? "undefined" : typeof g}`,
    );
  }
}

/**
 * `tf.customGradient(f)`: f returns `[y, gradFn]` (TensorFlow's form) or `{value, gradFunc}`;
 * the result is a function with f's forward values and the user's rule as its gradient.
 */
export function customGradient<Args extends Tensor[]>(
  f: (...args: Args) => CustomGradientResult | CustomGradientPair,
): (...args: Args) => Tensor | Tensor[] {
  if (typeof f !== "function") {
    throw new TypeError(`customGradient: f must be a function, got ${describeValue(f)}`);
  }
  return (...args: Args) => {
    for (const [i, a] of args.entries()) {
      if (!(a instanceof Tensor))
        throw new TypeError(
          `customGradient: argument ${i} must be a Tensor or Variable, got ${describeValue(a)}`,
        );
    }
    const spy = new VariableSpy();
    // The forward pass runs with every tape paused: only its inputs and outputs are recorded.
    const raw = withoutRecording(() => {
      activeRecorders.push(spy);
      try {
        return f(...args) as unknown;
      } finally {
        activeRecorders.pop();
      }
    });
    let result: CustomGradientResult;
    if (Array.isArray(raw) && raw.length === 2 && typeof raw[1] === "function") {
      result = fromPair(raw);
    } else if (
      raw !== null &&
      typeof raw === "object" &&
      "value" in raw &&
      typeof (raw as CustomGradientResult).gradFunc === "function"
    ) {
      result = raw as CustomGradientResult;
    } else {
      throw new TypeError(
        "customGradient: the function must return [y, gradFn] or {value, gradFunc}",
      );
    }
    const isList = Array.isArray(result.value);
    const outputs = isList ? [...(result.value as readonly Tensor[])] : [result.value as Tensor];
    for (const [i, o] of outputs.entries()) {
      if (!(o instanceof Tensor))
        throw new TypeError(
          `customGradient: output ${i} of the forward pass must be a Tensor, got ${describeValue(o)}`,
        );
    }
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
        inputGrads === null || inputGrads instanceof Tensor
          ? [inputGrads]
          : Array.isArray(inputGrads)
            ? [...(inputGrads as readonly (Tensor | null)[])]
            : [inputGrads as unknown as Tensor];
      if (!Array.isArray(varGrads)) {
        throw new TypeError(
          `customGradient: the variable gradients must be an array, got ${describeValue(varGrads)}`,
        );
      }
      if (list.length !== args.length || varGrads.length !== variables.length) {
        throw new InvalidArgumentError(
          `customGradient: the gradient function returned ${list.length} input gradients and ${varGrads.length} variable gradients for ${args.length} inputs and ${variables.length} variables`,
        );
      }
      list.forEach((t, i) => checkGradient(t, `the gradient of input ${i}`));
      varGrads.forEach((t, i) => checkGradient(t, `the gradient of variable ${variables[i].name}`));
      return [...list, ...varGrads];
    };
    recordOp(CUSTOM_GRADIENT, inputs, outputs, { gradFunc });
    return isList ? outputs : outputs[0];
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
