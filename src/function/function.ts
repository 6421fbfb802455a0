/**
 * `tf.function(fn)`: traces `fn` into a graph once per input signature and runs the graph on
 * later calls with that signature.
 *
 * Tracing runs `fn` eagerly, once, on the call's own values (there are no symbolic tensors), so
 * the first call's results are the eager results and its side effects happen once, as they
 * should. Meanwhile every op run through the engine, every variable read and assign, and every
 * customGradient is captured. Later calls replay the captured ops through runOp with the new
 * inputs: active tapes record them as in eager mode, so gradients through a tf.function (of any
 * order, with respect to its inputs or the variables it reads) are the eager gradients.
 *
 * What a trace fixes, as TensorFlow without AutoGraph does:
 * - JS control flow (if, for, while) on tensor values takes the branch it took while tracing;
 *   only a new input signature retraces (there is no AutoGraph to rewrite it). Reading a tensor
 *   into JS (numpy(), dataSync()) while tracing logs a warning saying so and naming tf.cond,
 *   tf.switchCase and tf.whileLoop, which become graph nodes decided on every call
 *   (control-flow.ts).
 * - JS state read by the body (counters, Date.now(), Math.random(), `optimizer.iterations` as
 *   a number) is read at trace time. (Keras optimizers keep their step in a variable, so a
 *   traced training step advances Adam's bias correction and learning-rate schedules.)
 * - Tensors made from JS values (tf.constant, tf.zeros) are constants of the graph.
 * - Variables created in the body are created once, on the first trace (TensorFlow's rule for
 *   tf.function: variables are singletons), and the graph captures them; the ops that only
 *   computed their initial values (an initializer's random draw) are not part of the graph.
 * What it does not fix: variables are captured by reference, so `v.assign()` between calls is
 * seen, and `assign`/`assignAdd`/`assignSub` in the body become assign nodes that run on every
 * call, in order with the reads around them. Random ops (tf.random.*, nn.dropout's mask) are
 * stateful ops of the graph: each call draws afresh, the numbers the eager calls of the body
 * would draw under the same tf.random.setSeed (a dry trace by getConcreteFunction draws none).
 */
import { warn } from "../engine/logging.js";
import { runOp } from "../engine/run-op.js";
import { Identity } from "../ops/movement-core.js";
import { captureRandomState } from "../ops/random.js";
import { convertToTensor } from "../tensor/convert.js";
import { allocate } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import {
  type AnyFunction,
  type ConcreteFunction,
  ConcreteImpl,
  makeConcreteFunction,
} from "./concrete.js";
import {
  describeArgs,
  flattenStructure,
  type Flattened,
  isPlainObject,
  leafSpecOf,
  packStructure,
  TensorSpec,
} from "./structure.js";
import { type JitCheck, jitChecks } from "./jit.js";
import { bakesIn, differingDims, sameGraph } from "./relax.js";
import { Tracer } from "./tracer.js";

/** A tf.TensorSpec may stand wherever the function takes a tensor (getConcreteFunction). */
export type SpecArgs<P extends readonly unknown[]> = {
  [K in keyof P]: P[K] extends Tensor ? P[K] | TensorSpec : P[K];
};

export interface FunctionOptions {
  /**
   * The arguments' specs (tf.TensorSpec, one per argument; a null dimension accepts any size).
   * Calls whose arguments do not fit throw; JS numbers and arrays are converted to the spec's
   * dtype. One trace serves every size of the null dimensions when its graph bakes none of
   * the traced sizes in (relax.ts; else a trace is made per concrete shape). The body must
   * not steer its JS code by those sizes (as TensorFlow, where they are None).
   */
  inputSignature?: readonly TensorSpec[];
  /**
   * TensorFlow compiles such a function with XLA or fails. Here: the function is traced into
   * one graph with every pass run, and a trace that cannot be a static graph throws
   * InvalidArgumentError naming the cause (an op whose output shape depends on input values,
   * an op calling a JS function, a tensor value read into JS while tracing); the failed call
   * leaves variables and random streams as they were.
   */
  jitCompile?: boolean;
  /**
   * Relax shapes (TensorFlow's reduce_retracing): when a call's tensor shapes differ from an
   * earlier trace's only in some dimensions and the two traces give the same graph, that
   * graph serves every size of those dimensions from then on (relax.ts).
   */
  reduceRetracing?: boolean;
}

/** A graph that serves calls whose shapes differ from its trace's in the `dims` marked. */
interface Relaxed {
  readonly traced: Traced;
  readonly shapes: readonly (readonly number[])[];
  readonly dims: readonly (readonly boolean[])[];
}

/** The key with each tensor leaf's shape replaced by its rank: traces a relaxed graph may serve. */
function rankKey(flat: Flattened<Tensor>): string {
  let i = 0;
  const leaves = flat.leaves;
  return flat.key.replace(
    /(^| )T(float32|float64|int32|bool|string|complex64|complex128)\[[\d,]*\](?= |$)/g,
    (_m, pre: string, dt: string) => {
      while (i < leaves.length && leaves[i] instanceof Variable) i++;
      const r = i < leaves.length ? leaves[i++].rank : -1;
      return `${pre}T${dt}[rank ${r}]`;
    },
  );
}

function tensorShapes(flat: Flattened<Tensor>): number[][] {
  return flat.leaves.map((t) => (t instanceof Variable ? [] : [...t.shape]));
}

export interface PolymorphicFunction<F extends AnyFunction = AnyFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  readonly name: string;
  /** How many times the function has been traced (TensorFlow's experimental_get_tracing_count). */
  readonly tracingCount: number;
  experimentalGetTracingCount(): number;
  /**
   * The concrete function for these arguments (tf.TensorSpec allowed in place of tensors),
   * traced now if it was not. Such a trace runs the body once; the variables it assigns and
   * the random streams it draws from are put back afterwards.
   */
  getConcreteFunction(...args: SpecArgs<Parameters<F>> | []): ConcreteFunction<F>;
  /** Every concrete function traced so far, in tracing order. */
  listConcreteFunctions(): ConcreteFunction<F>[];
  readonly inputSignature: readonly TensorSpec[] | null;
  /** The original function (TensorFlow's python_function). */
  readonly pythonFunction: F;
}

interface Traced {
  readonly impl: ConcreteImpl;
  readonly callable: ConcreteFunction<AnyFunction>;
}

export class FunctionImpl {
  private readonly cache = new Map<string, Traced>();
  tracingCount = 0;
  private warnedReads = false;
  /** Whether the latest trace read tensor values into JS (numpy(), dataSync()). */
  lastTraceReadValues = false;
  /**
   * Whether such a trace logs the warning; a caller that handles it itself (Keras's fit runs
   * the step eagerly instead) turns it off.
   */
  warnOnValueReads = true;

  /** Shape-relaxed graphs by rankKey (relax.ts). */
  private readonly relaxed = new Map<string, Relaxed>();
  /** Each exact trace's argument shapes, by rankKey (reduceRetracing compares traces). */
  private readonly byRank = new Map<string, { traced: Traced; shapes: number[][] }[]>();
  readonly jitCompile: boolean;
  readonly reduceRetracing: boolean;

  constructor(
    readonly fn: AnyFunction,
    readonly name: string,
    readonly inputSignature: readonly TensorSpec[] | null,
    options: { jitCompile?: boolean; reduceRetracing?: boolean } = {},
  ) {
    this.jitCompile = options.jitCompile ?? false;
    this.reduceRetracing = options.reduceRetracing ?? false;
  }

  /** Whether any relaxation is asked for: reduceRetracing or a null dimension in the signature. */
  private get relaxes(): boolean {
    return (
      this.reduceRetracing ||
      (this.inputSignature?.some((s) => s.shape.some((d) => d === null)) ?? false)
    );
  }

  call(args: unknown[]): unknown {
    const checked = this.checkArgs(args);
    const flat = flattenStructure(checked, this.name, "arguments");
    const hit = this.cache.get(flat.key);
    if (hit !== undefined) return hit.impl.runLeaves(flat.leaves);
    if (this.relaxes) {
      const r = this.relaxed.get(rankKey(flat));
      if (r !== undefined) {
        const dims = differingDims(r.shapes, tensorShapes(flat));
        if (dims !== null && dims.every((d, i) => d.every((x, k) => !x || r.dims[i][k]))) {
          this.cache.set(flat.key, r.traced);
          return r.traced.impl.runLeaves(flat.leaves);
        }
      }
    }
    const { traced, result } = this.trace(flat, false);
    this.cache.set(flat.key, traced);
    if (this.relaxes) this.noteTrace(flat, traced);
    return result;
  }

  /** After an exact trace: make it (or find it) a shape-relaxed graph where allowed. */
  private noteTrace(flat: Flattened<Tensor>, traced: Traced): void {
    const key = rankKey(flat);
    if (this.relaxed.has(key)) return;
    const shapes = tensorShapes(flat);
    const sig = this.inputSignature;
    if (sig !== null && sig.some((s) => s.shape.some((d) => d === null))) {
      // The signature's leaves are its arguments, one tensor each.
      const dims = sig.map((s) => s.shape.map((d) => d === null));
      const sizes = new Set(dims.flatMap((d, i) => shapes[i].filter((_, k) => d[k])));
      if (!bakesIn(traced.impl.graph, sizes)) {
        this.relaxed.set(key, { traced, shapes, dims });
        return;
      }
    }
    if (!this.reduceRetracing) return;
    const earlier = this.byRank.get(key) ?? [];
    for (const e of earlier) {
      const dims = differingDims(e.shapes, shapes);
      if (dims === null || !dims.some((d) => d.some((x) => x))) continue;
      if (sameGraph(e.traced.impl.graph, traced.impl.graph)) {
        this.relaxed.set(key, { traced, shapes, dims });
        return;
      }
    }
    earlier.push({ traced, shapes });
    this.byRank.set(key, earlier);
  }

  getConcrete(args: unknown[]): Traced {
    const given =
      args.length === 0 && this.inputSignature !== null ? [...this.inputSignature] : args;
    const values = this.checkArgs(given.map((a) => specToTensor(a, this.name)));
    const flat = flattenStructure(values, this.name, "arguments");
    let traced = this.cache.get(flat.key);
    if (traced === undefined) {
      traced = this.trace(flat, true).traced;
      this.cache.set(flat.key, traced);
    }
    return traced;
  }

  list(): Traced[] {
    return [...this.cache.values()];
  }

  /** Arity and input signature. */
  private checkArgs(args: unknown[]): unknown[] {
    const sig = this.inputSignature;
    if (sig === null) {
      if (args.length < this.fn.length) {
        throw new TypeError(
          `${this.name}: expected ${this.fn.length} argument${this.fn.length === 1 ? "" : "s"}, got ${args.length} ${describeArgs(args)}`,
        );
      }
      return args;
    }
    const expected = `(${sig.map(String).join(", ")})`;
    if (args.length !== sig.length) {
      throw new TypeError(
        `${this.name}: expected ${sig.length} argument${sig.length === 1 ? "" : "s"} matching the input signature ${expected}, got ${args.length} ${describeArgs(args)}`,
      );
    }
    return args.map((a, i) => {
      let t: Tensor;
      try {
        t = a instanceof Tensor ? a : convertToTensor(a as never, sig[i].dtype, this.name);
      } catch {
        throw new TypeError(
          `${this.name}: argument ${i} ${describeArgs([a])} does not match the input signature ${expected}`,
        );
      }
      if (!sig[i].isCompatibleWith(t)) {
        throw new TypeError(
          `${this.name}: the arguments ${describeArgs(args)} do not match the input signature ${expected} (argument ${i} is ${TensorSpec.fromTensor(t)})`,
        );
      }
      return t;
    });
  }

  /** Runs the body eagerly with a tracer listening; returns the concrete function and the body's result. */
  private trace(flat: Flattened<Tensor>, dry: boolean): { traced: Traced; result: unknown } {
    const tracer = new Tracer();
    // A dry trace leaves no effects: the random streams go back as well as the variables (and
    // so does a jitCompile trace that fails).
    const restoreRandom = dry || this.jitCompile ? captureRandomState() : null;
    const jit: JitCheck | null = this.jitCompile ? { failure: null } : null;
    let failed = false;
    // Each tensor argument enters as a fresh tensor (an Identity, recorded on the tapes that
    // watch the argument), so the graph's inputs are distinct even when the caller passes one
    // tensor twice or also closes over it. Variables enter as themselves: the body may assign
    // them, and the signature keys them by identity.
    const inner = flat.leaves.map((t) => (t instanceof Variable ? t : runOp(Identity, [t], {})[0]));
    for (const t of inner) tracer.addInput(t);
    const innerArgs = packStructure(flat.structure, inner) as unknown[];
    const body = this.fn as unknown as (...a: unknown[]) => unknown;
    if (jit !== null) jitChecks.push(jit);
    try {
      let result: unknown;
      try {
        result = tracer.run(() => body(...innerArgs));
      } finally {
        if (jit !== null) jitChecks.splice(jitChecks.indexOf(jit), 1);
      }
      if (jit !== null && (jit.failure !== null || tracer.valueReads > 0)) {
        failed = true;
        const why =
          jit.failure ??
          "the function reads tensor values into JS while it is traced (numpy() or dataSync(), directly or through an op whose output shape depends on values, such as tf.unique, tf.booleanMask or tf.math.bincount), so the graph would fix what was decided from them (for control flow, use tf.cond, tf.switchCase or tf.whileLoop)";
        throw new InvalidArgumentError(
          `tf.function '${this.name}' with jitCompile: true cannot be compiled into a static graph: ${why}`,
        );
      }
      if (
        result !== null &&
        typeof result === "object" &&
        typeof (result as { then?: unknown }).then === "function"
      ) {
        throw new TypeError(
          `${this.name}: tf.function traces synchronous functions only; the function returned a Promise`,
        );
      }
      const out = flattenStructure(result, this.name, "result");
      const graph = tracer.finish(out.leaves);
      const impl = new ConcreteImpl(
        this.name,
        graph,
        flat.structure,
        flat.leaves.map(leafSpecOf),
        out.structure,
        out.leaves.map(leafSpecOf),
      );
      this.tracingCount++;
      this.lastTraceReadValues = tracer.valueReads > 0;
      if (tracer.valueReads > 0 && this.warnOnValueReads && !this.warnedReads) {
        this.warnedReads = true;
        warn(
          `tf.function '${this.name}': the function read tensor values into JS (numpy() or dataSync()) while it was traced. The graph keeps what the JS code decided from them at trace time (control flow on tensor values is fixed); it is retraced only for a new input signature. Use tf.cond, tf.switchCase or tf.whileLoop for control flow that the graph decides on each call.`,
        );
      }
      return { traced: { impl, callable: makeConcreteFunction(impl) }, result };
    } finally {
      if (dry || failed) tracer.restoreVariables();
      if (dry || failed) restoreRandom?.();
    }
  }
}

/** Zeros for a tf.TensorSpec (nested), so getConcreteFunction can trace with them. */
function specToTensor(x: unknown, name: string): unknown {
  if (x instanceof TensorSpec) {
    if (!x.isFullyDefined) {
      throw new TypeError(
        `${name}: getConcreteFunction needs fully defined shapes, got ${x} (tapeflow traces concrete shapes)`,
      );
    }
    const shape = x.shape as number[];
    return new Tensor(
      allocate(
        x.dtype,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape,
      x.dtype,
    );
  }
  if (Array.isArray(x)) return x.map((v: unknown) => specToTensor(v, name));
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = specToTensor(v, name);
    return out;
  }
  return x;
}

const impls = new WeakMap<object, FunctionImpl>();

export function functionImplOf(x: unknown): FunctionImpl | undefined {
  return typeof x === "function" ? impls.get(x) : undefined;
}

/**
 * `tf.function(fn, {inputSignature?})`: a callable with fn's signature that traces fn into a
 * graph once per input signature (tensors by dtype and shape, variables by identity, JS values
 * by value) and replays the graph afterwards.
 */
export function tfFunction<F extends AnyFunction>(
  fn: F,
  options: FunctionOptions = {},
): PolymorphicFunction<F> {
  if (typeof fn !== "function") {
    throw new TypeError(`tf.function: expected a function, got ${typeof fn}`);
  }
  if (fn.constructor.name === "AsyncFunction") {
    throw new TypeError(
      "tf.function: the function is async; a graph is traced from synchronous code only",
    );
  }
  const sig = options.inputSignature ?? null;
  if (sig !== null && (!Array.isArray(sig) || !sig.every((s) => s instanceof TensorSpec))) {
    throw new TypeError("tf.function: inputSignature must be an array of tf.TensorSpec");
  }
  for (const k of ["jitCompile", "reduceRetracing"] as const) {
    const v = options[k];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(`tf.function: ${k} must be a boolean, got ${typeof v}`);
    }
  }
  const impl = new FunctionImpl(fn, fn.name === "" ? "function" : fn.name, sig, {
    jitCompile: options.jitCompile,
    reduceRetracing: options.reduceRetracing,
  });
  const f = function (...args: unknown[]): unknown {
    return impl.call(args);
  };
  Object.defineProperties(f, {
    name: { value: impl.name },
    tracingCount: { get: () => impl.tracingCount, enumerable: true },
    experimentalGetTracingCount: { value: () => impl.tracingCount },
    getConcreteFunction: { value: (...args: unknown[]) => impl.getConcrete(args).callable },
    listConcreteFunctions: { value: () => impl.list().map((t) => t.callable) },
    inputSignature: { value: sig, enumerable: true },
    pythonFunction: { value: fn },
  });
  impls.set(f, impl);
  return f as unknown as PolymorphicFunction<F>;
}
