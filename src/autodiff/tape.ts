/** tf.GradientTape: records ops on watched tensors and differentiates them in reverse mode. */
import { backend } from "../backend/index.js";
import {
  popRecorder,
  pushRecorder,
  type Recorder,
  type TapeNode,
  withoutRecording,
} from "../engine/recorder.js";
import { warn, warnOnce } from "../engine/logging.js";
import { isDifferentiable, isFloating, tfName } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { onesLike, zeros } from "../ops/creation.js";
import { add, cast } from "../ops/elementwise.js";
import { reshape } from "../ops/broadcast.js";
import { stack } from "../ops/movement.js";
import { backprop } from "./backprop.js";
import { IdMap, IdSet } from "./id-set.js";
import { pforBatchJacobian, pforJacobian } from "./jacobian-pfor.js";
import { flatten, type GradientOf, isTensor, type Nested, packLike } from "./nest.js";
import { functionArg, optionsArg } from "../tensor/args.js";
import { describeValue } from "../tensor/describe-value.js";

export interface GradientTapeOptions {
  /** Allow several gradient() calls; the tape then keeps every input and output. */
  persistent?: boolean;
  /** Watch trainable variables as soon as an op reads them (default true). */
  watchAccessedVariables?: boolean;
}

/** What tape.gradient gives for a source the target does not depend on. */
export const UnconnectedGradients = { NONE: "none", ZERO: "zero" } as const;
export type UnconnectedGradients = (typeof UnconnectedGradients)[keyof typeof UnconnectedGradients];

export interface GradientOptions<Z extends UnconnectedGradients = UnconnectedGradients> {
  /** Cotangents of the targets (the same structure); ones by default. */
  outputGradients?: Nested<Tensor | null> | null;
  unconnectedGradients?: Z;
}

/** A gradient's result type: null for unconnected sources unless they are zeros. */
export type GradientResult<S, Z> = GradientOf<S, Z extends "zero" ? Tensor : Tensor | null>;

const NON_PERSISTENT_USED =
  "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)";

/** Options of jacobian and batchJacobian. */
export interface JacobianOptions<Z extends UnconnectedGradients = UnconnectedGradients> {
  unconnectedGradients?: Z;
  /**
   * Batch the reverse pass over all the seeds at once (TensorFlow's pfor; default true): the
   * pass is traced once and its ops run on a stack of one-hot seeds. A pass with an op that
   * cannot be batched falls back to one pass per element, as does false.
   */
  experimentalUsePfor?: boolean;
}

export class GradientTape implements Recorder {
  readonly persistent: boolean;
  readonly watchAccessedVariables: boolean;
  private nodes: TapeNode[] = [];
  /** Ids of the tensors on the tape: watched ones and the floating outputs of recorded ops. */
  // A Set, not an IdSet: a long tape adds every op's outputs, and wants() runs on every op.
  private tracked = new Set<number>();
  /** Watched variables by id (made on the first one: most tapes of a step watch none by hand). */
  private variables: Map<number, Variable> | null = null;
  private recording = false;
  private used = false;

  constructor(options: GradientTapeOptions = {}) {
    options = optionsArg("GradientTape", options);
    this.persistent = options.persistent ?? false;
    this.watchAccessedVariables = options.watchAccessedVariables ?? true;
  }

  get keepsAll(): boolean {
    return this.persistent;
  }

  /**
   * Runs `fn` with this tape recording (TensorFlow's `with tape:` block) and returns what it
   * returns. May be called again: recording resumes. Async functions are refused: the tape
   * would record whatever else runs while they wait.
   */
  record<T>(fn: () => T): T {
    if (typeof fn !== "function")
      throw new TypeError(`GradientTape.record: expected a function, got ${typeof fn}`);
    if (fn.constructor.name === "AsyncFunction") {
      throw new TypeError(
        "GradientTape.record: the function is async; a tape records synchronous code only (await outside record, and record the synchronous part)",
      );
    }
    if (this.recording) return fn();
    this.checkUsable();
    this.recording = true;
    pushRecorder(this);
    let result: T;
    try {
      result = fn();
    } finally {
      this.stop();
    }
    if (
      result !== null &&
      typeof result === "object" &&
      typeof (result as { then?: unknown }).then === "function"
    ) {
      throw new TypeError(
        "GradientTape.record: the function returned a Promise; a tape records synchronous code only",
      );
    }
    return result;
  }

  /** Runs `fn` with this tape paused (TensorFlow's `with tape.stop_recording():`). */
  stopRecording<T>(fn: () => T): T {
    functionArg("GradientTape.stopRecording", fn);
    if (!this.recording) return fn();
    return withoutRecording(fn, [this]);
  }

  /** Forgets everything recorded so far; the tape keeps recording if it was. */
  reset(): void {
    this.nodes = [];
    this.tracked = new Set<number>();
    this.variables = null;
    this.used = false;
  }

  /** Watches a tensor, a variable, or a nested structure of them. Non-floating ones are not watched. */
  watch(x: Nested<Tensor>): void {
    for (const t of x instanceof Tensor ? [x] : flatten(x, isTensor, "GradientTape.watch")) {
      if (!isDifferentiable(t.dtype)) {
        warn(
          `The dtype of the watched tensor must be floating (e.g. tf.float32), got ${tfName(t.dtype)}`,
        );
        continue;
      }
      this.tracked.add(t.id);
      if (t instanceof Variable) (this.variables ??= new Map()).set(t.id, t);
    }
  }

  /** The variables this tape watches, in creation order. */
  watchedVariables(): Variable[] {
    if (this.variables === null) return [];
    return [...this.variables.values()].sort((a, b) => a.creationIndex - b.creationIndex);
  }

  // --- Recorder -------------------------------------------------------------------------------

  variableRead(v: Variable): void {
    if (this.watchAccessedVariables && !this.tracked.has(v.id) && isDifferentiable(v.dtype)) {
      this.tracked.add(v.id);
      (this.variables ??= new Map()).set(v.id, v);
    }
  }

  wants(inputs: readonly Tensor[]): boolean {
    for (let i = 0; i < inputs.length; i++) {
      if (this.tracked.has(inputs[i].id) && isDifferentiable(inputs[i].dtype)) return true;
    }
    return false;
  }

  recordNode(node: TapeNode): void {
    this.nodes.push(node);
    for (let i = 0; i < node.outputIds.length; i++) {
      if (isDifferentiable(node.outputDtypes[i])) this.tracked.add(node.outputIds[i]);
    }
  }

  // --- gradients ------------------------------------------------------------------------------

  /**
   * d(sum of targets)/d(sources), in the structure of `sources`. Non-scalar targets are summed
   * (or weighted by outputGradients).
   */
  gradient<S, Z extends UnconnectedGradients = "none">(
    target: Nested<Tensor>,
    sources: S,
    options: GradientOptions<Z> = {},
  ): GradientResult<S, Z> {
    options = optionsArg("GradientTape.gradient", options);
    this.checkUsable();
    this.enterGradient();
    try {
      const unconnected = options.unconnectedGradients ?? "none";
      checkUnconnected(unconnected);
      const single = sources instanceof Tensor;
      const sourceList = single
        ? [sources]
        : flatten(sources, isTensor, "GradientTape.gradient sources");
      const grads = this.computeGradient(target, sourceList, options.outputGradients ?? null);
      // computeGradient's array is ours: fill the unconnected sources in place.
      const leaves = grads;
      if (unconnected === "zero") {
        for (let i = 0; i < leaves.length; i++) {
          const src = sourceList[i];
          leaves[i] ??= zeros(src.shape, src.dtype === "float64" ? "float64" : "float32");
        }
      }
      return single
        ? (leaves[0] as GradientResult<S, Z>)
        : packLike<GradientResult<S, Z>>(sources, leaves, isTensor);
    } finally {
      this.leaveGradient();
    }
  }

  /**
   * The Jacobian of `target` with respect to each source: shape target.shape + source.shape.
   * One reverse pass per element of the target.
   */
  jacobian<S, Z extends UnconnectedGradients = "none">(
    target: Tensor,
    sources: S,
    options: JacobianOptions<Z> = {},
  ): GradientResult<S, Z> {
    options = optionsArg("GradientTape.jacobian", options);
    this.checkUsable();
    this.enterGradient();
    try {
      const sourceList = flatten(sources, isTensor, "GradientTape.jacobian sources");
      const unconnected = options.unconnectedGradients ?? "none";
      checkUnconnected(unconnected);
      if ((options.experimentalUsePfor ?? true) && target.size > 1 && isFloating(target.dtype)) {
        const js = pforJacobian(target, sourceList, oneHotLike(target, 0), (v) =>
          this.computeGradient(target, sourceList, v),
        );
        if (js !== null) {
          const leaves = sourceList.map(
            (s, k) =>
              js[k] ??
              (unconnected === "zero"
                ? zeros(
                    [...target.shape, ...s.shape],
                    s.dtype === "float64" ? "float64" : "float32",
                  )
                : null),
          );
          return packLike<GradientResult<S, Z>>(sources, leaves, isTensor);
        }
      }
      const rows = sourceList.map(() => [] as (Tensor | null)[]);
      for (let i = 0; i < target.size; i++) {
        const seed = oneHotLike(target, i);
        const g = this.computeGradient(target, sourceList, seed);
        g.forEach((gi, k) => rows[k].push(gi));
      }
      const leaves = sourceList.map((s, k) =>
        assembleJacobian(target.shape, s, rows[k], unconnected),
      );
      return packLike<GradientResult<S, Z>>(sources, leaves, isTensor);
    } finally {
      this.leaveGradient();
    }
  }

  /**
   * Per-example Jacobians: target [b, ...] and source [b, ...] with example i of the target
   * depending only on example i of the source. Result [b, ...target, ...source].
   */
  batchJacobian<Z extends UnconnectedGradients = "none">(
    target: Tensor,
    source: Tensor,
    options: JacobianOptions<Z> = {},
  ): Z extends "zero" ? Tensor : Tensor | null {
    options = optionsArg("GradientTape.batchJacobian", options);
    for (const [t, what] of [
      [target, "target"],
      [source, "source"],
    ] as const) {
      if (!(t instanceof Tensor)) {
        throw new TypeError(`batchJacobian: ${what} must be a Tensor, got ${describeValue(t)}`);
      }
    }
    this.checkUsable();
    if (target.rank < 1 || source.rank < 1 || target.shape[0] !== source.shape[0]) {
      throw new InvalidArgumentError(
        `batchJacobian: target and source need the same first (batch) dimension, got target ${shapeMsg(target.shape)} and source ${shapeMsg(source.shape)}`,
      );
    }
    this.enterGradient();
    try {
      const unconnected = options.unconnectedGradients ?? "none";
      checkUnconnected(unconnected);
      const batch = target.shape[0];
      const perExample = target.size / Math.max(batch, 1);
      if ((options.experimentalUsePfor ?? true) && perExample > 1 && isFloating(target.dtype)) {
        const j = pforBatchJacobian(target, source, seedColumn(target, 0, perExample), (v) =>
          this.computeGradient(target, [source], v),
        );
        if (j !== null) {
          const dtype = source.dtype === "float64" ? "float64" : "float32";
          const result =
            j !== "unconnected"
              ? j
              : unconnected === "zero"
                ? zeros([...target.shape, ...source.shape.slice(1)], dtype)
                : null;
          return result as Z extends "zero" ? Tensor : Tensor | null;
        }
      }
      const rows: (Tensor | null)[] = [];
      for (let j = 0; j < perExample; j++) {
        // Seed element j of every example at once: examples are independent, so the sum's
        // gradient holds each example's row j.
        const seed = seedColumn(target, j, perExample);
        rows.push(this.computeGradient(target, [source], seed)[0]);
      }
      const result = assembleBatchJacobian(target.shape, source, rows, unconnected);
      return result as Z extends "zero" ? Tensor : Tensor | null;
    } finally {
      this.leaveGradient();
    }
  }

  // --- internals ------------------------------------------------------------------------------

  private checkUsable(): void {
    if (this.used) throw new Error(NON_PERSISTENT_USED);
  }

  private stop(): void {
    if (!this.recording) return;
    this.recording = false;
    popRecorder(this);
  }

  private enterGradient(): void {
    if (!this.recording) return;
    if (!this.persistent) {
      // As in TensorFlow: a non-persistent tape stops recording when asked for its gradient.
      this.stop();
    } else {
      warnOnce(
        "persistent-gradient-in-context",
        "Calling GradientTape.gradient on a persistent tape inside its context is significantly less efficient than calling it outside the context (it causes the gradient ops to be recorded on the tape, leading to increased CPU and memory usage). Only call GradientTape.gradient inside the context if you actually want to trace the gradient in order to compute higher order derivatives.",
      );
    }
  }

  private leaveGradient(): void {
    if (!this.persistent) {
      // Let go of everything at once: the nodes hold the saved tensors. The list of watched
      // variables stays, as in TensorFlow (watchedVariables() after gradient()).
      this.used = true;
      this.nodes = [];
      this.tracked.clear();
    }
  }

  /** One reverse pass: gradients (or null) of the targets, seeded by `outputGradients`, for each source. */
  private computeGradient(
    target: Nested<Tensor>,
    sources: readonly Tensor[],
    outputGradients: Nested<Tensor | null> | null,
  ): (Tensor | null)[] {
    const targets =
      target instanceof Tensor
        ? [target]
        : flatten(target, isTensor, "GradientTape.gradient target");
    const seedsList =
      outputGradients === null
        ? new Array<null>(targets.length).fill(null)
        : flatten(outputGradients, isTensorOrNull, "outputGradients");
    if (seedsList.length !== targets.length) {
      throw new InvalidArgumentError(
        `GradientTape.gradient: outputGradients has ${seedsList.length} tensors for ${targets.length} targets`,
      );
    }
    const seeds = new IdMap<Tensor>();
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (!isDifferentiable(t.dtype)) {
        warn(
          `The dtype of the target tensor must be floating (e.g. tf.float32) when calling GradientTape.gradient, got ${tfName(t.dtype)}`,
        );
        continue;
      }
      const given = seedsList[i];
      if (given !== null && !shapesEqual(given.shape, t.shape)) {
        throw new InvalidArgumentError(
          `GradientTape.gradient: outputGradients[${i}] has shape ${shapeMsg(given.shape)} but its target has shape ${shapeMsg(t.shape)}`,
        );
      }
      const seed =
        given === null ? onesLike(t) : given.dtype === t.dtype ? given : cast(given, t.dtype);
      const prev = seeds.get(t.id);
      seeds.set(t.id, prev === undefined ? seed : add(prev, seed));
    }
    // TensorFlow reads a variable target inside the tape's context, which watches it when the
    // tape watches accessed variables (so gradient(v, v) is ones).
    for (const t of targets) if (t instanceof Variable && t.trainable) this.variableRead(t);
    const sourceIds = new IdSet();
    for (const s of sources) {
      if (!isDifferentiable(s.dtype)) {
        warn(
          `The dtype of the source tensor must be floating (e.g. tf.float32) when calling GradientTape.gradient, got ${tfName(s.dtype)}`,
        );
      } else if (s instanceof Variable && !this.tracked.has(s.id)) {
        // A variable's gradient flows through its reads, and the reads of a variable the tape
        // does not watch (not trainable, or watchAccessedVariables false) are not recorded: its
        // gradient is null even where a recorded op read it, as in TensorFlow.
      } else sourceIds.add(s.id);
    }
    // Snapshot: a persistent tape recording its own gradient appends nodes as we go.
    const nodes = this.persistent ? this.nodes.slice() : this.nodes;
    const grads = backprop(nodes, seeds, sourceIds);
    const out = new Array<Tensor | null>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const id = sources[i].id;
      out[i] = sourceIds.has(id) ? (grads.get(id) ?? null) : null;
    }
    return out;
  }
}

function isTensorOrNull(x: unknown): x is Tensor | null {
  return x === null || isTensor(x);
}

function checkUnconnected(u: string): void {
  if (u !== "none" && u !== "zero") {
    throw new TypeError(
      `unconnectedGradients must be "none" or "zero" (tf.UnconnectedGradients), got '${u}'`,
    );
  }
}

/** A tensor like `t` with a one at flat index i. */
function oneHotLike(t: Tensor, i: number): Tensor {
  const z = zeros(t.shape, t.dtype);
  (backend().read(z) as Float32Array)[i] = 1;
  return z;
}

/** A tensor like `t` ([b, ...]) with a one at flat position j of every example. */
function seedColumn(t: Tensor, j: number, perExample: number): Tensor {
  const z = zeros(t.shape, t.dtype);
  const v = backend().read(z) as Float32Array;
  for (let b = 0; b < t.shape[0]; b++) v[b * perExample + j] = 1;
  return z;
}

/** Stacks per-element gradient rows into target.shape + source.shape. */
function assembleJacobian(
  targetShape: readonly number[],
  source: Tensor,
  rows: readonly (Tensor | null)[],
  unconnected: UnconnectedGradients,
): Tensor | null {
  const dtype = source.dtype === "float64" ? "float64" : "float32";
  if (rows.every((r) => r === null)) {
    return unconnected === "zero" ? zeros([...targetShape, ...source.shape], dtype) : null;
  }
  const filled = rows.map((r) => r ?? zeros(source.shape, dtype));
  if (filled.length === 0) return zeros([...targetShape, ...source.shape], dtype);
  return reshape(stack(filled, 0), [...targetShape, ...source.shape]);
}

/** rows[j] is [b, ...source] for element j of each example: result [b, ...target[1:], ...source[1:]]. */
function assembleBatchJacobian(
  targetShape: readonly number[],
  source: Tensor,
  rows: readonly (Tensor | null)[],
  unconnected: UnconnectedGradients,
): Tensor | null {
  const dtype = source.dtype === "float64" ? "float64" : "float32";
  const outShape = [...targetShape, ...source.shape.slice(1)];
  if (rows.every((r) => r === null)) return unconnected === "zero" ? zeros(outShape, dtype) : null;
  const filled = rows.map((r) => r ?? zeros(source.shape, dtype));
  if (filled.length === 0) return zeros(outShape, dtype);
  return reshape(stack(filled, 1), outShape);
}
