/**
 * What the engine knows of an op: one registry entry per primitive, holding its TensorFlow
 * name, its shape and dtype rule, its kernel, what its gradient reads, and its gradient.
 */
import type { Backend } from "../backend/index.js";
import type { ScalarFn } from "../backend/elementwise.js";
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export interface OutputSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What a gradient rule sees of the forward op: only what the entry asked to save. */
export interface GradContext<A> {
  /** Saved inputs (null where the entry did not ask for them). */
  readonly inputs: readonly (Tensor | null)[];
  /** Saved outputs (null where the entry did not ask for them). */
  readonly outputs: readonly (Tensor | null)[];
  readonly attrs: A;
  readonly inputShapes: readonly Shape[];
  readonly inputDtypes: readonly DType[];
  /**
   * Which inputs' cotangents the caller will use (TensorFlow's skip_input_indices, inverted):
   * a rule may return null for the others and skip their work (a matmul's gradient for its
   * data input, when only the weights are sources). Absent means all are needed.
   */
  readonly needsInputGrad?: readonly boolean[];
}

/**
 * A gradient rule: the cotangents of the outputs in, the cotangents of the inputs out (null for
 * an input with no gradient, such as indices). Written with public ops, so that an outer tape
 * records it and higher derivatives come for free.
 */
export type GradFn<A> = (dys: readonly Tensor[], ctx: GradContext<A>) => readonly (Tensor | null)[];

/** What a gradient rule returns: one cotangent (or null) per input. */
export type Grads = readonly (Tensor | null)[];

/** `"none"` registers the op as not differentiable (it stops gradients quietly). */
export type GradEntry<A> = GradFn<A> | "none" | null;

/** The op's family, which says how it maps elements (and so how the compiler may fuse it). */
export type OpKind =
  | "unary" // elementwise, one input
  | "binary" // elementwise, two inputs, NumPy broadcasting
  | "reduction" // folds axes
  | "scan" // cumulative along an axis
  | "movement" // rearranges or selects elements (reshape, transpose, gather, pad)
  | "contraction" // sums products (matmul, conv)
  | "nn" // fused neural-network kernels (softmax, pooling, losses)
  | "random" // draws from a generator
  | "state" // reads or writes variables
  | "other";

/** One input of a gradient-check case. */
export type CheckInput =
  /** A random float64 tensor of this shape, uniform in `range` (default [-1, 1]). */
  | { readonly shape: readonly number[]; readonly range?: readonly [number, number] }
  /** A fixed value (indices, labels, masks), not differentiated. */
  | { readonly value: unknown; readonly dtype: DType };

export interface CheckCase<A> {
  readonly inputs: readonly CheckInput[];
  readonly attrs: A;
}

/**
 * How the every-op gradient check (test/registry.test.ts) exercises this op: the tape's gradient
 * of `runOp(op, inputs, attrs)` against central finite differences in float64, for each case.
 */
export interface OpCheck<A> {
  readonly cases: readonly CheckCase<A>[];
  /** Relative and absolute tolerances (defaults 1e-5 and 1e-7). */
  readonly rtol?: number;
  readonly atol?: number;
  /** Also check the gradient of the gradient (default true). */
  readonly secondOrder?: boolean;
}

export interface OpDef<A = Record<string, never>> {
  /** TensorFlow's raw-op name: `Exp`, `MatMul`, `Sum`. */
  readonly name: string;
  /** The op's family. */
  readonly kind: OpKind;
  /** Elementwise ops (kind unary or binary): the scalar function the backends compile. */
  readonly scalar?: ScalarFn;
  /**
   * Inputs on which the every-op test checks the gradient (required of every op whose gradient
   * is a function), or the reason there is no such check.
   */
  readonly check?: OpCheck<A> | { readonly skip: string };
  /** Checks the inputs and attrs (throwing errors that name the op, shapes and dtypes) and gives the outputs. */
  readonly infer: (inputs: readonly Tensor[], attrs: A) => readonly OutputSpec[];
  /** Writes the outputs, whose storage the engine has allocated. */
  readonly kernel: (
    backend: Backend,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    attrs: A,
  ) => void;
  /**
   * For ops that only reinterpret the shape (Reshape, ExpandDims, Squeeze, Identity): the one
   * output shares this input's storage, and no kernel runs.
   */
  readonly viewOf?: number;
  /**
   * The kernel writes every element of every output, so the engine may hand it storage that is
   * not zeroed (elementwise ops, matmul, softmax). Kernels that accumulate into their outputs
   * (scatter, segment sums, backprops) leave this unset and get zeros.
   */
  readonly overwritesOutputs?: boolean;
  /**
   * The kernel reads or changes state other than its inputs (a random generator's stream), so
   * its outputs are not a function of its inputs and attrs, and running it is itself an effect.
   * tf.function's passes neither merge two such nodes nor drop one whose outputs are unused
   * (as they keep variable assigns).
   */
  readonly stateful?: boolean;
  /**
   * The same function written with public ops whose gradients are known, run in place of the
   * kernel wherever a tape or forward accumulator records the op (one of them wants an input):
   * for a gradient kernel (FusedGRUSequenceGrad: the whole backward loop in one native call)
   * that has no gradient of its own. Unrecorded, and in tf.function's graphs (a tracer records
   * no gradients), the kernel runs; a graph replayed under a tape expands the node then, so
   * gradients of any order stay the eager ones.
   */
  readonly expand?: (inputs: readonly Tensor[], attrs: A) => Tensor[];
  /** The gradient; null means none is registered (differentiating through it is a LookupError). */
  readonly grad: GradEntry<A>;
  /** Indices of the inputs the gradient reads. */
  readonly saveInputs?: readonly number[];
  /** Indices of the outputs the gradient reads. */
  readonly saveOutputs?: readonly number[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds entries of every attrs type
export type AnyOpDef = OpDef<any>;

const registry = new Map<string, AnyOpDef>();
const gradientOverrides = new Map<string, GradEntry<unknown>>();

/** Adds an entry to the registry; the name must be new. */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  if (registry.has(def.name)) throw new Error(`op ${def.name} is defined twice`);
  registry.set(def.name, def);
  return def;
}

export function lookupOp(name: string): AnyOpDef | undefined {
  return registry.get(name);
}

export function registeredOpNames(): string[] {
  return [...registry.keys()];
}

/** `tf.registerGradient(name, fn)`: replaces the gradient of an op (TensorFlow's RegisterGradient). */
export function registerGradient<A = Record<string, unknown>>(name: string, grad: GradFn<A>): void {
  if (!registry.has(name))
    throw new TypeError(
      `registerGradient: no op named '${name}' (known ops: ${[...registry.keys()].join(", ")})`,
    );
  gradientOverrides.set(name, grad as GradEntry<unknown>);
}

/** `tf.noGradient(name)`: registers the op as not differentiable. */
export function noGradient(name: string): void {
  if (!registry.has(name)) throw new TypeError(`noGradient: no op named '${name}'`);
  gradientOverrides.set(name, "none");
}

/** The gradient in force for an op: a registered override, else the entry's own. */
export function gradientOf<A>(op: OpDef<A>): GradEntry<A> {
  const o = gradientOverrides.get(op.name);
  return o === undefined ? op.grad : (o as GradEntry<A>);
}

/** The scalar function of a registered elementwise op (for kernels, benches and tests). */
export function scalarOf(name: string): ScalarFn {
  const s = registry.get(name)?.scalar;
  if (s === undefined)
    throw new TypeError(`scalarOf: '${name}' is not a registered elementwise op`);
  return s;
}
