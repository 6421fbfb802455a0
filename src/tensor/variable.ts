/** Variables: mutable state whose storage assign() replaces (the old storage is never written). */
import { convertToTensor, type TensorLike } from "./convert.js";
import type { DataArray, DType } from "./dtype.js";
import { InvalidArgumentError } from "./errors.js";
import { formatVariable } from "./format.js";
import { shapeMsg, shapesEqual } from "./shape.js";
import { Tensor } from "./tensor.js";
import { optionsArg } from "./args.js";

function initialValue(initial: TensorLike, dtype: DType | undefined): Tensor {
  if (initial instanceof Variable) initial = initial.value();
  if (initial instanceof Tensor) {
    if (dtype !== undefined && dtype !== initial.dtype) {
      throw new InvalidArgumentError(
        `Variable: initial value has dtype ${initial.dtype}, not the requested ${dtype} (cast it first)`,
      );
    }
    return initial;
  }
  return convertToTensor(initial, dtype, "Variable");
}

/** Where a tensor is used read-only by the engine: a Variable hands out a snapshot of its value. */
export function readValue(t: Tensor): Tensor {
  return t instanceof Variable ? t.value() : t;
}

// ---------------------------------------------------------------------------------------------
// Variables

const nameScopes: string[] = [];

/** Runs `fn` with `name` pushed on the name scope stack: variables made inside are `name/...`. */
export function withNameScope<T>(name: string, fn: () => T): T {
  nameScopes.push(name);
  try {
    return fn();
  } finally {
    nameScopes.pop();
  }
}

export function currentNameScope(): string {
  return nameScopes.length === 0 ? "" : nameScopes.join("/") + "/";
}

/** A projection applied to a variable after each optimizer update: value in, new value out. */
export type VariableConstraint = (value: Tensor) => Tensor;

export interface VariableOptions {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
  /**
   * TensorFlow's `constraint`: a function the Keras optimizers apply after each update
   * (`v.assign(constraint(v))`), e.g. a Keras constraint's projection; default none.
   */
  constraint?: VariableConstraint | null;
}

let variableCount = 0;

/**
 * Mutable state. A Variable is a Tensor whose storage can be replaced by assign(); the old
 * storage is never written, so snapshots taken by tapes stay valid.
 */
export class Variable extends Tensor {
  readonly name: string;
  readonly trainable: boolean;
  /** The projection the Keras optimizers apply after updating it, or null. */
  constraint: VariableConstraint | null;
  /** Creation order, for watchedVariables(). */
  readonly creationIndex: number;
  private snapshot: Tensor | null = null;

  constructor(initial: TensorLike, options: VariableOptions = {}) {
    options = optionsArg("Variable", options);
    const t = initialValue(initial, options.dtype);
    super(t.values, t.shape, t.dtype);
    this.name = `${currentNameScope()}${options.name ?? "Variable"}:0`;
    this.trainable = options.trainable ?? true;
    const constraint = options.constraint ?? null;
    if (constraint !== null && typeof constraint !== "function") {
      throw new TypeError(
        `Variable: constraint must be a function of the value, got ${typeof constraint}`,
      );
    }
    this.constraint = constraint;
    this.creationIndex = variableCount++;
  }

  /** The current value, as an immutable tensor sharing the storage. */
  value(): Tensor {
    if (this.snapshot === null) this.snapshot = new Tensor(this.values, this.shape, this.dtype);
    return this.snapshot;
  }

  /** Replaces the value (TensorFlow's assign): same shape and dtype. Not differentiated through. */
  assign(value: TensorLike): this {
    const next =
      value instanceof Tensor
        ? value instanceof Variable
          ? value.value()
          : value
        : convertToTensor(value, this.dtype, "assign");
    if (next.dtype !== this.dtype || !shapesEqual(next.shape, this.shape)) {
      throw new InvalidArgumentError(
        `assign: variable '${this.name}' has shape ${shapeMsg(this.shape)} and dtype ${this.dtype}, the value has shape ${shapeMsg(next.shape)} and dtype ${next.dtype}`,
      );
    }
    this.replaceValue(next);
    return this;
  }

  /** @internal Replaces the storage; the caller has checked shape and dtype. */
  replaceValue(next: Tensor): void {
    const self = this as { values: DataArray };
    self.values = next.values;
    // The next read makes a fresh snapshot: `next` itself may have a history on a tape, which a
    // read of the variable must not inherit (state stops gradients).
    this.snapshot = null;
  }

  override toString(): string {
    return formatVariable(this);
  }
}
