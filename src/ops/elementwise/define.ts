/**
 * The two factories every elementwise op is made with. One call is the whole op: its registry
 * entry (name, scalar expression, dtype rule, what its gradient reads, gradient, gradient-check
 * domain) and its public function, tagged with its Tensor methods and namespaces. The JS loop,
 * the native dispatch, the Tensor methods, `tf.math`/`tf.nn` and the every-op tests all come
 * from here.
 */
import type { ScalarFn } from "../../backend/elementwise.js";
import {
  type CheckInput,
  defineOp,
  type GradFn,
  type OpCheck,
  type OpDef,
} from "../../engine/op.js";
import { runOp1 } from "../../engine/run-op.js";
import type { NumArray } from "../../tensor/dtype.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { broadcastShapes, shapeMsg } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { api, type NamespaceName, type Tagged } from "../api.js";
import {
  checkDType,
  type DTypeClass,
  NO_ATTRS,
  type NoAttrs,
  toOperands,
  toTensor,
  type TensorLike,
} from "../checks.js";

/** A range of inputs on which the op is smooth (the gradient check draws from it). */
export type Domain = readonly [number, number];

/** An elementwise registry entry: an op that carries its scalar function. */
export type ElementwiseOpDef = OpDef<NoAttrs> & { readonly scalar: ScalarFn };

interface ElementwiseSpec<M extends string, N extends NamespaceName> {
  /** TensorFlow's raw-op name. */
  readonly name: string;
  /** The public function's name, as errors print it (`exp`). */
  readonly fn: string;
  /** The scalar expression in JavaScript (see ScalarFn.js). */
  readonly js: string;
  /** Each element calls a transcendental function. */
  readonly costly?: boolean;
  readonly dtypes: DTypeClass;
  /** The output is bool (comparisons, IsNan). */
  readonly boolOut?: boolean;
  /**
   * "none": not differentiable, the gradient stops quietly; null: no gradient registered
   * (differentiating through it is a LookupError).
   */
  readonly grad: GradFn<NoAttrs> | "none" | null;
  readonly methods?: readonly M[];
  readonly namespaces?: readonly N[];
}

interface UnarySpec<M extends string, N extends NamespaceName> extends ElementwiseSpec<M, N> {
  /** The gradient reads x, y (the output), or neither. */
  readonly reads?: "x" | "y";
  /** Where the gradient check draws x (default [-1, 1]). */
  readonly domain?: Domain;
}

interface BinarySpec<M extends string, N extends NamespaceName> extends ElementwiseSpec<M, N> {
  /** The gradient reads the inputs, the output too, or nothing (Add, Sub). */
  readonly reads?: "inputs" | "inputs-and-output";
  /** Where the gradient check draws a and b (default [-1, 1] each). */
  readonly domain?: readonly [Domain, Domain];
  /**
   * The gradient check's cases, where random a and b do not fit: an op differentiable in one
   * input only (Zeta, Polygamma take an order that must be fixed).
   */
  readonly check?: OpCheck<NoAttrs>;
}

const DEFAULT_DOMAIN: Domain = [-1, 1];

export type UnaryFunction = (x: TensorLike) => Tensor;
export type BinaryFunction = (a: TensorLike, b: TensorLike) => Tensor;

/** Defines a unary elementwise op and returns its public function. */
export function unaryOp<const M extends string = never, const N extends NamespaceName = never>(
  spec: UnarySpec<M, N>,
): Tagged<UnaryFunction, M, N> & { readonly op: ElementwiseOpDef } {
  const { name, dtypes, boolOut } = spec;
  const scalar: ScalarFn = { name, js: spec.js, costly: spec.costly ?? false };
  const x: CheckInput = { shape: [2, 3], range: spec.domain ?? DEFAULT_DOMAIN };
  const op = defineOp<NoAttrs>({
    name,
    kind: "unary",
    scalar,
    overwritesOutputs: true,
    infer: ([t]) => {
      checkDType(name, t, dtypes);
      return [{ shape: t.shape, dtype: boolOut === true ? "bool" : t.dtype }];
    },
    kernel: (b, [t], [y]) => b.unary(scalar, b.read(t) as NumArray, b.read(y) as NumArray),
    grad: spec.grad,
    saveInputs: spec.reads === "x" ? [0] : undefined,
    saveOutputs: spec.reads === "y" ? [0] : undefined,
    check: { cases: [{ inputs: [x], attrs: NO_ATTRS }] },
  });
  const fn = spec.fn;
  const f = (t: TensorLike): Tensor => runOp1(op, [toTensor(t, fn)], NO_ATTRS);
  return Object.assign(api(f, spec), { op: op as ElementwiseOpDef });
}

/** Defines a binary elementwise op (NumPy broadcasting) and returns its public function. */
export function binaryOp<const M extends string = never, const N extends NamespaceName = never>(
  spec: BinarySpec<M, N>,
): Tagged<BinaryFunction, M, N> & { readonly op: ElementwiseOpDef } {
  const { name, dtypes, boolOut } = spec;
  const scalar: ScalarFn = { name, js: spec.js, costly: spec.costly ?? false };
  const [da, db] = spec.domain ?? [DEFAULT_DOMAIN, DEFAULT_DOMAIN];
  const op = defineOp<NoAttrs>({
    name,
    kind: "binary",
    scalar,
    overwritesOutputs: true,
    infer: ([a, b]) => {
      checkDType(name, a, dtypes, "x");
      if (a.dtype !== b.dtype) {
        throw new InvalidArgumentError(
          `${name}: both operands must have the same dtype, got ${a.dtype} ${shapeMsg(a.shape)} and ${b.dtype} ${shapeMsg(b.shape)}`,
        );
      }
      const shape = broadcastShapes(name, a.shape, b.shape, a.dtype);
      return [{ shape, dtype: boolOut === true ? "bool" : a.dtype }];
    },
    kernel: (be, [a, b], [y]) =>
      be.binary(scalar, be.read(a), a.shape, be.read(b), b.shape, be.read(y) as NumArray, y.shape),
    grad: spec.grad,
    saveInputs: spec.reads === undefined ? undefined : [0, 1],
    saveOutputs: spec.reads === "inputs-and-output" ? [0] : undefined,
    // Same shapes, and a broadcast of b along the rows, so both gradient paths are checked.
    check: spec.check ?? {
      cases: [
        {
          inputs: [
            { shape: [2, 3], range: da },
            { shape: [2, 3], range: db },
          ],
          attrs: NO_ATTRS,
        },
        {
          inputs: [
            { shape: [2, 3], range: da },
            { shape: [3], range: db },
          ],
          attrs: NO_ATTRS,
        },
      ],
    },
  });
  const fn = spec.fn;
  const f = (a: TensorLike, b: TensorLike): Tensor => runOp1(op, toOperands(fn, a, b), NO_ATTRS);
  return Object.assign(api(f, spec), { op: op as ElementwiseOpDef });
}
