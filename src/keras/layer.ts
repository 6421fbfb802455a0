/**
 * `tf.keras.layers.Layer`: a Module that builds its weights from the shape of its first input.
 * `apply(x)` (Keras's `layer(x)`) builds if needed, then runs `call(x)`, both inside the
 * layer's name scope; `layer.call(x)` on an instance does the same, so either may be used.
 *
 * A layer takes one tensor or a list of tensors (`Layer<Tensor[]>`: Add, Concatenate,
 * MultiHeadAttention's [query, value, key]) and returns one or a list; build() then receives
 * one shape or the list of shapes. Applied to symbolic tensors (tf.keras.Input), apply records
 * a node of the functional graph and returns symbolic outputs (see keras-tensor.ts).
 */
import type { TensorLike } from "../tensor/convert.js";
import { type DType, isDType, isFloating } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeStr } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable, withNameScope } from "../tensor/variable.js";
import { toTensor } from "../ops/checks.js";
import { cast } from "../ops/elementwise.js";
import { reduceSum } from "../ops/index.js";
import * as constraints from "./constraints.js";
import * as initializers from "./initializers.js";
import { applySymbolic, isKerasTensor, isSymbolic, KerasTensor } from "./keras-tensor.js";
import * as regularizers from "./regularizers.js";
import { flattenModule, Module, TRACKED } from "./module.js";
import { optionsArg } from "../tensor/args.js";

/** A shape as build() receives it; null for a dimension not known yet (the batch). */
export type BuildShape = readonly (number | null)[];

/** What a layer's call takes: one tensor or a list of them. */
export type LayerInputs = Tensor | readonly Tensor[];
/** What a layer's call returns: one tensor or a list of them. */
export type LayerOutputs = Tensor | Tensor[];

/** build()'s argument for inputs I: one shape, or a list of shapes for a list of inputs. */
export type ShapeOf<I> = I extends readonly Tensor[] ? BuildShape[] : BuildShape;
/** What apply() accepts for inputs I: tensors or JS values that convert to them. */
export type ApplyInputs<I> = I extends readonly Tensor[]
  ? readonly (Tensor | TensorLike)[]
  : Tensor | TensorLike;
/** The symbolic twin of a call's inputs or outputs. */
export type Symbolic<T> = T extends readonly Tensor[] ? KerasTensor[] : KerasTensor;
/** Symbolic inputs for I; in a list, plain tensors are allowed as constants. */
export type SymbolicInputs<I> = I extends readonly Tensor[]
  ? readonly (KerasTensor | Tensor)[]
  : KerasTensor;

/** A build shape as Python prints it: `(None, 3)`. */
export function buildShapeStr(shape: BuildShape): string {
  const dims = shape.map((d) => (d === null ? "None" : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
}

export interface LayerOptions {
  /** Unique per process by default: `dense`, `dense_1`, ... */
  name?: string;
  /** Whether the layer's weights are trained (default true). */
  trainable?: boolean;
  /** The dtype of the weights and of the computation (default float32). */
  dtype?: DType;
  /** A penalty on the layer's output, added to `losses` on each call (default none). */
  activityRegularizer?: regularizers.RegularizerIdentifier;
}

export interface CallOptions {
  /** Training mode (Dropout drops only then); default false, inference. */
  training?: boolean;
  /** A mask for the inputs (one per input for a list), as Keras passes `mask=`. */
  mask?: Tensor | readonly (Tensor | null)[] | null;
}

export interface AddWeightOptions {
  /** An initializer object, function or name; default glorotUniform for floats, zeros otherwise. */
  initializer?: initializers.InitializerIdentifier;
  /** Default true. */
  trainable?: boolean;
  /** Default: the layer's dtype. */
  dtype?: DType;
  /** A penalty on the weight, reported in `layer.losses` (default none). */
  regularizer?: regularizers.RegularizerIdentifier;
  /** A projection the optimizer applies to the weight after each update (default none). */
  constraint?: constraints.ConstraintIdentifier;
}

/** Keras's to_snake_case for layer names: `Dense` -> `dense`, `ReLU` -> `re_lu`. */
export function toSnakeCase(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
  return s.startsWith("_") ? `private${s}` : s;
}

const nameCounts = new Map<string, number>();

/** Keras's unique_object_name: `dense` the first time, then `dense_1`, `dense_2`, ... */
export function uniqueLayerName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Forgets the names given so far (Keras's `tf.keras.backend.clear_session()`). */
export function resetLayerNames(): void {
  nameCounts.clear();
}

/** The training flag of the applies in progress: a layer applied inside another inherits it. */
let currentTraining: boolean | undefined;

/**
 * Runs `fn` with `training` (or, when undefined, the flag of the enclosing apply, else false)
 * as the flag sublayers inherit, as Keras propagates `training` through nested calls.
 */
export function withTraining<T>(training: boolean | undefined, fn: (training: boolean) => T): T {
  const outer = currentTraining;
  const resolved = training ?? outer ?? false;
  currentTraining = resolved;
  try {
    return fn(resolved);
  } finally {
    currentTraining = outer;
  }
}

const isVariableOrModule = (x: unknown): x is Variable | Module =>
  x instanceof Variable || x instanceof Module;

/** The regularizer of each weight made by addWeight with one. */
const weightRegularizers = new WeakMap<Variable, regularizers.Regularizer>();

/** How many applies are running: losses are cleared when the outermost one starts, as Keras. */
let applyDepth = 0;

/** Object.keys: JS keeps assignment order, which is how Keras tracks a layer's attributes. */
const assignmentOrder = (obj: object): string[] => Object.keys(obj);

/**
 * `I`: what call takes (Tensor, or Tensor[] for a multi-input layer); `O`: what it returns;
 * `C`: its options (CallOptions, extended by layers with more call arguments).
 */
export abstract class Layer<
  I extends LayerInputs = Tensor,
  O extends LayerOutputs = Tensor,
  C extends CallOptions = CallOptions,
> extends Module {
  readonly dtype: DType;
  /** False freezes every weight of the layer and its sublayers. */
  trainable: boolean;
  /** Whether build() has run. */
  built = false;
  /** Whether computeMask passes the input's mask through (Keras's supports_masking). */
  supportsMasking = false;
  #buildInputShape: ShapeOf<I> | null = null;
  /** The penalty on the output added to `losses` on each call, or null. */
  readonly activityRegularizer: regularizers.Regularizer | null;
  #ownWeights: Variable[] = [];
  /** Losses added during the last outermost call (addLoss, the activity regularizer). */
  #callLosses: Tensor[] = [];
  /** Whether this layer's name scope is the innermost one open (inside apply). */
  #inScope = false;
  /** The subclass's call, which `apply` runs; `this.call` is replaced by a building wrapper. */
  // Typed without I, O, C so that every Layer<I, O, C> is a Layer<LayerInputs, LayerOutputs>.
  readonly #forward: AnyCall | undefined;
  readonly #callWrapper: AnyCall;

  constructor(options: LayerOptions = {}) {
    options = optionsArg("Layer", options);
    super(options.name ?? null);
    const dtype = options.dtype ?? "float32";
    if (!isDType(dtype))
      throw new TypeError(`Layer '${this.name}': unknown dtype '${String(dtype)}'`);
    this.dtype = dtype;
    this.trainable = options.trainable ?? true;
    this.activityRegularizer = regularizers.get(options.activityRegularizer);
    // `layer.call(x)` builds on first use too: the instance gets a wrapper that goes through
    // apply(), which runs the class's own call (the prototype method saved here).
    this.#forward = this.call as unknown as AnyCall | undefined;
    this.#callWrapper = ((inputs: ApplyInputs<I>, opts?: C) =>
      this.apply(inputs, opts)) as unknown as AnyCall;
    Object.defineProperty(this, "call", {
      value: this.#callWrapper,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }

  protected override defaultName(): string {
    return uniqueLayerName(toSnakeCase(this.constructor.name || "Layer") || "layer");
  }

  /** Keras accepts any non-empty name without a scope separator. */
  protected override checkName(name: string): void {
    if (typeof name !== "string" || name === "" || name.includes("/")) {
      throw new TypeError(
        `Layer: invalid name ${JSON.stringify(name)} (a non-empty string without '/')`,
      );
    }
  }

  /** The weights made by addWeight, for the Module walk (they live in a private field). */
  override [TRACKED](): readonly unknown[] {
    return this.#ownWeights;
  }

  /**
   * Creates the weights for inputs of this shape (a list of shapes for a list of inputs);
   * subclasses override and call super.build.
   */
  build(_inputShape: ShapeOf<I>): void {
    this.built = true;
  }

  /** The input shape apply() built the layer with (Keras's build shapes); null before. */
  get buildInputShape(): ShapeOf<I> | null {
    return this.#buildInputShape;
  }

  /** The forward computation on a built layer. */
  abstract call(inputs: I, options?: C): O;

  /**
   * The mask of the outputs, given the inputs and their mask (Keras's compute_mask): by default
   * the input mask passes through where `supportsMasking` is set, else there is none. Models
   * (functional and Sequential) carry masks from layer to layer with it and hand each layer its
   * input's mask as `options.mask`; a layer that makes a mask (Embedding with maskZero)
   * overrides it.
   */
  computeMask(_inputs: I, mask?: CallOptions["mask"]): Tensor | (Tensor | null)[] | null {
    if (!this.supportsMasking || mask === undefined || mask === null) return null;
    return mask instanceof Tensor ? mask : mask.slice();
  }

  /**
   * The output shape (or list of shapes) for inputs of this shape, null for unknown: the
   * functional API then finds it by running the layer on zeros. Override where that is costly.
   */
  computeOutputShape(_inputShape: ShapeOf<I>): BuildShape | BuildShape[] | null {
    return null;
  }

  /**
   * Keras's `layer(x)`: converts the input, builds on the first call, then runs call(). On
   * symbolic inputs (from tf.keras.Input) it records a node and returns symbolic outputs.
   */
  apply(inputs: ApplyInputs<I>, options?: C): O;
  apply(inputs: SymbolicInputs<I>, options?: C): Symbolic<O>;
  apply(inputs: ApplyInputs<I> | SymbolicInputs<I>, options?: C): O | Symbolic<O>;
  apply(inputs: ApplyInputs<I> | SymbolicInputs<I>, options: C = {} as C): O | Symbolic<O> {
    if (isSymbolic(inputs)) {
      return applySymbolic(
        this as unknown as Layer<LayerInputs, LayerOutputs>,
        inputs as KerasTensor | readonly (KerasTensor | Tensor)[],
        options,
        (concrete, opts) => this.applyConcrete(concrete as ApplyInputs<I>, opts as C),
      ) as Symbolic<O>;
    }
    return this.applyConcrete(inputs as ApplyInputs<I>, options);
  }

  /** apply() on real tensors: convert, build once, call, in the layer's scope. */
  protected applyConcrete(inputs: ApplyInputs<I>, options: C = {} as C): O {
    const x = this.convertInputs(inputs);
    return this.#applying(options.training, (training) =>
      this.inNameScope(() => {
        if (!this.built) {
          const shape = Array.isArray(x) ? x.map((t: Tensor) => t.shape) : (x as Tensor).shape;
          this.#buildInputShape = shape as ShapeOf<I>;
          this.build(shape as ShapeOf<I>);
          this.built = true;
        }
        const own = this.call as unknown as AnyCall;
        const forward = own === this.#callWrapper ? this.#forward : own;
        if (forward === undefined) throw new TypeError(`Layer '${this.name}' has no call method`);
        return forward.call(this, x, { ...options, training }) as O;
      }),
    );
  }

  /**
   * One input, or each of a list (an array with a tensor at its top level), converted with
   * convertInput. A nested array of numbers is one input.
   */
  protected convertInputs(inputs: ApplyInputs<I>): I {
    if (isTensorList(inputs)) return inputs.map((t) => this.convertInput(t)) as unknown as I;
    return this.convertInput(inputs as Tensor | TensorLike) as unknown as I;
  }

  /**
   * Runs one apply under withTraining, keeping the losses of calls: the outermost apply first
   * clears those of this layer and its sublayers (Keras clears them per top-level call, so a
   * sublayer called twice inside it keeps both); after the call, the activity regularizer's
   * penalty on the output is added.
   */
  #applying(training: boolean | undefined, fn: (training: boolean) => O): O {
    if (applyDepth === 0) {
      this.#callLosses = [];
      for (const l of this.#sublayers()) l.#callLosses = [];
    }
    applyDepth++;
    let y: O;
    try {
      y = withTraining(training, fn);
    } finally {
      applyDepth--;
    }
    const reg = this.activityRegularizer;
    if (reg !== null) {
      // On each output of a layer with several.
      for (const t of Array.isArray(y) ? y : [y as Tensor]) this.addLoss(reg.call(t));
    }
    return y;
  }

  /** Every Layer reachable from this one through properties (not itself), each once. */
  #sublayers(): AnyLayer[] {
    return flattenModule(
      this,
      (m: unknown): m is AnyLayer => m instanceof Layer,
      true,
      assignmentOrder,
    );
  }

  /**
   * Keras's add_loss: a loss added to `losses` until the next outermost call (a model's
   * training loss adds `losses`); a non-scalar is summed, as Keras sums each when it totals
   * them. Call it from call() with a tensor computed there, so it is on the tape.
   */
  addLoss(loss: Tensor | number): void {
    const op = `Layer '${this.name}'.addLoss`;
    const t = loss instanceof Tensor ? loss : toTensor(loss, op, this.dtype);
    if (!isFloating(t.dtype)) {
      throw new TypeError(`${op}: a loss must be a floating tensor, got dtype ${t.dtype}`);
    }
    this.#callLosses.push(t.rank === 0 ? t : reduceSum(t));
  }

  /**
   * Keras's `layer.losses`: the losses added in the last call (addLoss, activity regularizers)
   * of this layer and its sublayers, then each trainable weight's regularization penalty,
   * computed now from the current weights (so, read inside `tape.record`, it is differentiable
   * with respect to them).
   */
  get losses(): Tensor[] {
    const out = [...this.#callLosses];
    for (const l of this.#sublayers()) out.push(...l.#callLosses);
    for (const v of this.trainableWeights) {
      const r = weightRegularizers.get(v);
      if (r !== undefined) out.push(r.call(v));
    }
    return out;
  }

  /** JS values become tensors of the layer's dtype; floating inputs are cast to it (Keras's autocast). */
  protected convertInput(inputs: Tensor | TensorLike): Tensor {
    const x = inputs instanceof Tensor ? inputs : toTensor(inputs, this.name, this.dtype);
    return isFloating(x.dtype) && x.dtype !== this.dtype ? cast(x, this.dtype) : x;
  }

  /** Runs `fn` in this layer's name scope, noting that it is the innermost one. */
  protected inNameScope<T>(fn: () => T): T {
    const outer = this.#inScope;
    this.#inScope = true;
    try {
      return this.withNameScope(fn);
    } finally {
      this.#inScope = outer;
    }
  }

  /**
   * Creates a weight of this layer, named inside its scope (`dense/kernel:0`) whether build()
   * runs from apply() or is called directly.
   */
  addWeight(name: string, shape: readonly number[], options: AddWeightOptions = {}): Variable {
    const dtype = options.dtype ?? this.dtype;
    const init = initializers.get(
      options.initializer ?? (isFloating(dtype) ? "glorotUniform" : "zeros"),
    );
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new InvalidArgumentError(
          `Layer '${this.name}': weight '${name}' must have a fully defined shape, got ${shapeStr(shape)}`,
        );
      }
    }
    const regularizer = regularizers.get(options.regularizer);
    const c = constraints.get(options.constraint);
    const constraint = c === null ? null : (w: Tensor) => c.call(w);
    const make = () =>
      new Variable(init(shape, dtype), {
        name,
        trainable: options.trainable ?? true,
        dtype,
        constraint,
      });
    const v = this.#inScope ? make() : withNameScope(this.name, make);
    this.#ownWeights.push(v);
    if (regularizer !== null) weightRegularizers.set(v, regularizer);
    return v;
  }

  /**
   * Own variables (from addWeight and held in properties) by creation order, then each
   * sublayer's (or plain Module's), in the order they were assigned; each once.
   */
  #collect(kind: WeightKind): Variable[] {
    // A layer reached again through its own sublayers (a cycle) adds nothing the second time.
    if (collecting.has(this)) return [];
    collecting.add(this);
    try {
      return this.#collectOnce(kind);
    } finally {
      collecting.delete(this);
    }
  }

  #collectOnce(kind: WeightKind): Variable[] {
    const direct = flattenModule(this, isVariableOrModule, false, assignmentOrder);
    const mine = new Set<Variable>(this.#ownWeights);
    for (const x of direct) if (x instanceof Variable) mine.add(x);
    const keep = (v: Variable) => kind === "all" || v.trainable === (kind === "trainable");
    const out = [...mine].filter(keep).sort((a, b) => a.creationIndex - b.creationIndex);
    const seen = new Set<Variable>(out);
    for (const x of direct) {
      if (!(x instanceof Module)) continue;
      for (const v of weightsOf(x, kind)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push(v);
      }
    }
    return out;
  }

  /** Keras's trainable_weights: none if the layer is frozen. */
  get trainableWeights(): Variable[] {
    return this.trainable ? this.#collect("trainable") : [];
  }

  /** Keras's non_trainable_weights: every weight if the layer is frozen. */
  get nonTrainableWeights(): Variable[] {
    return this.#collect(this.trainable ? "nonTrainable" : "all");
  }

  /** trainableWeights then nonTrainableWeights. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  override get trainableVariables(): Variable[] {
    return this.trainableWeights;
  }

  override get nonTrainableVariables(): Variable[] {
    return this.nonTrainableWeights;
  }

  override get variables(): Variable[] {
    return this.weights;
  }

  /** Keras's error for an input that does not fit: names the layer and the shape received. */
  protected incompatible(detail: string, x: Tensor): InvalidArgumentError {
    return new InvalidArgumentError(
      `Input 0 of layer "${this.name}" is incompatible with the layer: ${detail}. Full shape received: ${shapeStr(x.shape)}`,
    );
  }
}

/**
 * A list of inputs: an array holding a tensor at its top level (its other entries are converted
 * one by one). An array of numbers (or of arrays of numbers) is one input.
 */
function isTensorList(x: unknown): x is readonly (Tensor | TensorLike)[] {
  return Array.isArray(x) && x.some((t) => t instanceof Tensor || isKerasTensor(t));
}

type AnyLayer = Layer<LayerInputs, LayerOutputs>;
type AnyCall = (this: unknown, inputs: unknown, options?: CallOptions) => unknown;

const collecting = new Set<AnyLayer>();

type WeightKind = "trainable" | "nonTrainable" | "all";

function weightsOf(m: Module, kind: WeightKind): Variable[] {
  if (kind === "trainable") return m instanceof Layer ? m.trainableWeights : m.trainableVariables;
  if (kind === "nonTrainable") {
    return m instanceof Layer ? m.nonTrainableWeights : m.nonTrainableVariables;
  }
  return m instanceof Layer ? m.weights : m.variables;
}
