/**
 * Arithmetic, comparisons, logic, select and cast: the ops every gradient rule is written with,
 * so their own rules need nothing beyond this file. Each entry's comment gives its derivative.
 */
import { defineOp, type Grads } from "../../engine/op.js";
import { runOp1 } from "../../engine/run-op.js";
import { type DType, isDType, isFloating, type NumArray } from "../../tensor/dtype.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { broadcastShapes, shapeMsg } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { api } from "../api.js";
import { unbroadcast } from "../broadcast.js";
import {
  checkDType,
  NO_ATTRS,
  type NoAttrs,
  saved,
  toOperands,
  toTensor,
  type TensorLike,
} from "../checks.js";
import { binaryOp, unaryOp } from "./define.js";
import { divGrad, squareGrad, wants } from "./grad-basic.js";

export const negative = unaryOp({
  name: "Neg",
  fn: "negative",
  js: "-x",
  dtypes: "numeric",
  grad: ([dy]): Grads => [negative(dy)],
  methods: ["neg", "negative"],
  namespaces: ["math"],
});
// d x^2 = 2x
export const square = unaryOp({
  name: "Square",
  fn: "square",
  js: "x * x",
  dtypes: "numeric",
  reads: "x",
  // One fused op: 2 x dy.
  grad: ([dy], c): Grads => [squareGrad(saved(c.inputs[0]), dy)],
  methods: ["square"],
  namespaces: ["math"],
});

export const add = binaryOp({
  name: "Add",
  fn: "add",
  js: "a + b",
  dtypes: "numeric",
  grad: ([dy], c): Grads => [
    wants(c, 0) ? unbroadcast(dy, c, 0) : null,
    wants(c, 1) ? unbroadcast(dy, c, 1) : null,
  ],
  methods: ["add"],
  namespaces: ["math"],
});
export const subtract = binaryOp({
  name: "Sub",
  fn: "subtract",
  js: "a - b",
  dtypes: "numeric",
  // Negated after the sum back to b's shape: a broadcast b's negation runs on the small side.
  grad: ([dy], c): Grads => [
    wants(c, 0) ? unbroadcast(dy, c, 0) : null,
    wants(c, 1) ? negative(unbroadcast(dy, c, 1)) : null,
  ],
  methods: ["sub", "subtract"],
  namespaces: ["math"],
});
export const multiply = binaryOp({
  name: "Mul",
  fn: "multiply",
  js: "a * b",
  dtypes: "numeric",
  reads: "inputs",
  grad: ([dy], c): Grads => [
    wants(c, 0) ? unbroadcast(multiply(dy, saved(c.inputs[1])), c, 0) : null,
    wants(c, 1) ? unbroadcast(multiply(dy, saved(c.inputs[0])), c, 1) : null,
  ],
  methods: ["mul", "multiply"],
  namespaces: ["math"],
});
// d(a/b) = da/b - a db/b^2. With dx = dy/b and the output y = a/b, the divisor's part
// -dy a/b^2 is -dx y: one DivGrad pass after dy/b.
const realDiv = binaryOp({
  name: "Div",
  fn: "divide",
  js: "a / b",
  dtypes: "numeric",
  reads: "inputs-and-output",
  grad: ([dy], c): Grads => {
    const dx = realDiv(dy, saved(c.inputs[1]));
    return [
      wants(c, 0) ? unbroadcast(dx, c, 0) : null,
      wants(c, 1) ? unbroadcast(divGrad(dx, saved(c.outputs[0])), c, 1) : null,
    ];
  },
  domain: [
    [-1, 1],
    [0.5, 2],
  ],
});

/**
 * `tf.divide(x, y)`: TensorFlow 2's true division (Python 3's `/`): int32 operands are cast to
 * float64 first, so two int32 tensors give a float64 quotient (3 / 2 is 1.5), as TensorFlow's
 * truediv does. Integer division is `floorDiv`.
 */
export const divide = api(
  (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = toOperands("divide", a, b);
    if (ta.dtype === "int32") return realDiv(cast(ta, "float64"), cast(tb, "float64"));
    return realDiv(ta, tb);
  },
  { methods: ["div", "divide"], namespaces: ["math"] },
);

const comparison = <const M extends string>(name: string, fn: M, js: string, any = false) =>
  binaryOp({
    name,
    fn,
    js: `${js} ? 1 : 0`,
    dtypes: any ? "any" : "numeric",
    boolOut: true,
    grad: "none",
    methods: [fn],
    namespaces: ["math"],
  });

export const equal = comparison("Equal", "equal", "a === b", true);
export const notEqual = comparison("NotEqual", "notEqual", "a !== b", true);
export const less = comparison("Less", "less", "a < b");
export const lessEqual = comparison("LessEqual", "lessEqual", "a <= b");
export const greater = comparison("Greater", "greater", "a > b");
export const greaterEqual = comparison("GreaterEqual", "greaterEqual", "a >= b");

export const logicalAnd = binaryOp({
  name: "LogicalAnd",
  fn: "logicalAnd",
  js: "a && b ? 1 : 0",
  dtypes: "bool",
  grad: "none",
  methods: ["logicalAnd"],
  namespaces: ["math"],
});
export const logicalOr = binaryOp({
  name: "LogicalOr",
  fn: "logicalOr",
  js: "a || b ? 1 : 0",
  dtypes: "bool",
  grad: "none",
  methods: ["logicalOr"],
  namespaces: ["math"],
});
export const logicalNot = unaryOp({
  name: "LogicalNot",
  fn: "logicalNot",
  js: "x ? 0 : 1",
  dtypes: "bool",
  grad: "none",
  methods: ["logicalNot"],
  namespaces: ["math"],
});

// --- Select (where) and Cast ----------------------------------------------------------------

const SelectV2 = defineOp<NoAttrs>({
  name: "SelectV2",
  kind: "other",
  overwritesOutputs: true,
  infer: ([cond, x, y]) => {
    checkDType("SelectV2", cond, "bool", "condition");
    if (x.dtype !== y.dtype) {
      throw new InvalidArgumentError(
        `SelectV2: x and y must have the same dtype, got ${x.dtype} ${shapeMsg(x.shape)} and ${y.dtype} ${shapeMsg(y.shape)}`,
      );
    }
    const xy = broadcastShapes("SelectV2", x.shape, y.shape, `x and y ${x.dtype}`);
    const shape = broadcastShapes("SelectV2", cond.shape, xy, `condition bool, x and y ${x.dtype}`);
    return [{ shape, dtype: x.dtype }];
  },
  kernel: (b, [c, x, y], [out]) =>
    b.select(
      b.read(c) as NumArray,
      c.shape,
      b.read(x),
      x.shape,
      b.read(y),
      y.shape,
      b.read(out),
      out.shape,
    ),
  saveInputs: [0],
  // The cotangent flows to whichever input was picked.
  grad: ([dy], c): Grads => {
    const cond = saved(c.inputs[0]);
    return [null, unbroadcast(where(cond, dy, 0), c, 1), unbroadcast(where(cond, 0, dy), c, 2)];
  },
  check: {
    cases: [
      {
        inputs: [{ value: [true, false, true], dtype: "bool" }, { shape: [2, 3] }, { shape: [3] }],
        attrs: NO_ATTRS,
      },
    ],
  },
});

export interface CastAttrs {
  readonly dtype: DType;
}

const Cast = defineOp<CastAttrs>({
  name: "Cast",
  kind: "unary",
  overwritesOutputs: true,
  infer: ([x], { dtype }) => {
    if (x.dtype === "string" || dtype === "string") {
      throw new TypeError(
        `Cast: cannot cast ${x.dtype} ${shapeMsg(x.shape)} to ${dtype} (string tensors do not cast)`,
      );
    }
    return [{ shape: x.shape, dtype }];
  },
  kernel: (b, [x], [y]) => b.cast(b.read(x) as NumArray, b.read(y) as NumArray),
  // Between floating dtypes the cotangent is cast back; to or from integers the gradient stops.
  grad: ([dy], c): Grads => [
    isFloating(c.inputDtypes[0]) && isFloating(dy.dtype) ? cast(dy, c.inputDtypes[0]) : null,
  ],
  // float64 -> float32 -> float64 loses digits; float64 -> float64 is the identity cast's path.
  check: { cases: [{ inputs: [{ shape: [2, 3] }], attrs: { dtype: "float64" } }] },
});

/**
 * `tf.where(condition, x, y)`: picks x where condition holds, y elsewhere, all three broadcast.
 * A JS value for x or y takes the other's dtype.
 */
export const where = api((condition: TensorLike, x: TensorLike, y: TensorLike): Tensor => {
  if (x === undefined || y === undefined) {
    // TensorFlow's tf.where(condition) gives the coordinates of the true elements: a shape
    // that depends on the values, which no op here has (README, Limits).
    throw new TypeError(
      "where: x and y are required; the one-argument form tf.where(condition), the indices of the true elements, is not supported",
    );
  }
  const c = toTensor(condition, "where", "bool");
  const [tx, ty] = toOperands("where", x, y);
  return runOp1(SelectV2, [c, tx, ty], NO_ATTRS);
}, {});

/** `tf.cast(x, dtype)`. */
export const cast = api(
  (x: TensorLike, dtype: DType): Tensor => {
    const t = toTensor(x, "cast");
    if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype '${String(dtype)}'`);
    if (t.dtype === dtype) return t;
    return runOp1(Cast, [t], { dtype });
  },
  { methods: ["cast"] },
);
