/**
 * Elementwise math: powers, exponentials, logarithms, trigonometry, rounding, and the binary
 * functions beyond arithmetic. Each entry's comment gives its derivative; gradient rules give
 * d/dx f(x) times the incoming cotangent dy.
 */
import { isFloating } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { api } from "../api.js";
import type { Grads } from "../../engine/op.js";
import { saved, toTensor, type TensorLike } from "../checks.js";
import { zerosLike } from "../creation.js";
import {
  add,
  greater,
  greaterEqual,
  lessEqual,
  multiply as mul,
  negative as neg,
  divide as div,
  square,
  subtract as sub,
  where,
} from "./basic.js";
import { unbroadcast } from "../broadcast.js";
import { binaryOp, unaryOp } from "./define.js";
import { squareGrad, wants } from "./grad-basic.js";
import { reciprocalGrad, rsqrtGrad, sqrtGrad, tanGrad, tanhGrad } from "./grad.js";

const POSITIVE = [0.5, 2] as const;

export const abs = unaryOp({
  name: "Abs",
  fn: "abs",
  js: "Math.abs(x)",
  dtypes: "numeric",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, sign(saved(c.inputs[0])))],
  methods: ["abs"],
  namespaces: ["math"],
});
// d sign(x) = 0 almost everywhere: TensorFlow returns zeros rather than stopping.
export const sign = unaryOp({
  name: "Sign",
  fn: "sign",
  js: "Math.sign(x)",
  dtypes: "numeric",
  grad: ([dy]): Grads => [zerosLike(dy)],
  methods: ["sign"],
  namespaces: ["math"],
});
// d sqrt(x) = 1 / (2 sqrt(x))
export const sqrt = unaryOp({
  name: "Sqrt",
  fn: "sqrt",
  js: "Math.sqrt(x)",
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [sqrtGrad(saved(c.outputs[0]), dy)],
  domain: POSITIVE,
  methods: ["sqrt"],
  namespaces: ["math"],
});
// d x^-1/2 = -1/2 x^-3/2 = -1/2 y^3
export const rsqrt = unaryOp({
  name: "Rsqrt",
  fn: "rsqrt",
  js: "1 / Math.sqrt(x)",
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [rsqrtGrad(saved(c.outputs[0]), dy)],
  domain: POSITIVE,
  methods: ["rsqrt"],
  namespaces: ["math"],
});
// d 1/x = -1/x^2 = -y^2
export const reciprocal = unaryOp({
  name: "Reciprocal",
  fn: "reciprocal",
  js: "1 / x",
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [reciprocalGrad(saved(c.outputs[0]), dy)],
  domain: POSITIVE,
  methods: ["reciprocal"],
  namespaces: ["math"],
});
// d e^x = e^x = y
export const exp = unaryOp({
  name: "Exp",
  fn: "exp",
  js: "Math.exp(x)",
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [mul(dy, saved(c.outputs[0]))],
  methods: ["exp"],
  namespaces: ["math"],
});
// d (e^x - 1) = e^x = y + 1
export const expm1 = unaryOp({
  name: "Expm1",
  fn: "expm1",
  js: "Math.expm1(x)",
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [mul(dy, add(saved(c.outputs[0]), 1))],
  methods: ["expm1"],
  namespaces: ["math"],
});
// d log x = 1/x
export const log = unaryOp({
  name: "Log",
  fn: "log",
  js: "Math.log(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [div(dy, saved(c.inputs[0]))],
  domain: POSITIVE,
  methods: ["log"],
  namespaces: ["math"],
});
// d log(1 + x) = 1/(1 + x)
export const log1p = unaryOp({
  name: "Log1p",
  fn: "log1p",
  js: "Math.log1p(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [div(dy, add(saved(c.inputs[0]), 1))],
  domain: [-0.5, 1],
  methods: ["log1p"],
  namespaces: ["math"],
});
// d sin x = cos x
export const sin = unaryOp({
  name: "Sin",
  fn: "sin",
  js: "Math.sin(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, cos(saved(c.inputs[0])))],
  methods: ["sin"],
  namespaces: ["math"],
});
// d cos x = -sin x
export const cos = unaryOp({
  name: "Cos",
  fn: "cos",
  js: "Math.cos(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [neg(mul(dy, sin(saved(c.inputs[0]))))],
  methods: ["cos"],
  namespaces: ["math"],
});
// d tan x = 1 + tan^2 x
export const tan = unaryOp({
  name: "Tan",
  fn: "tan",
  js: "Math.tan(x)",
  costly: true,
  dtypes: "float",
  reads: "y",
  // One fused op: dy (1 + y^2).
  grad: ([dy], c): Grads => [tanGrad(saved(c.outputs[0]), dy)],
  methods: ["tan"],
  namespaces: ["math"],
});
const INSIDE_UNIT = [-0.8, 0.8] as const;
// d asin x = 1/sqrt(1 - x^2)
export const asin = unaryOp({
  name: "Asin",
  fn: "asin",
  js: "Math.asin(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, rsqrt(sub(1, square(saved(c.inputs[0])))))],
  domain: INSIDE_UNIT,
  methods: ["asin"],
  namespaces: ["math"],
});
// d acos x = -1/sqrt(1 - x^2)
export const acos = unaryOp({
  name: "Acos",
  fn: "acos",
  js: "Math.acos(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [neg(mul(dy, rsqrt(sub(1, square(saved(c.inputs[0]))))))],
  domain: INSIDE_UNIT,
  methods: ["acos"],
  namespaces: ["math"],
});
// d atan x = 1/(1 + x^2)
export const atan = unaryOp({
  name: "Atan",
  fn: "atan",
  js: "Math.atan(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [div(dy, add(square(saved(c.inputs[0])), 1))],
  methods: ["atan"],
  namespaces: ["math"],
});
// d sinh x = cosh x
export const sinh = unaryOp({
  name: "Sinh",
  fn: "sinh",
  js: "Math.sinh(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, cosh(saved(c.inputs[0])))],
  methods: ["sinh"],
  namespaces: ["math"],
});
// d cosh x = sinh x
export const cosh = unaryOp({
  name: "Cosh",
  fn: "cosh",
  js: "Math.cosh(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, sinh(saved(c.inputs[0])))],
  methods: ["cosh"],
  namespaces: ["math"],
});
// d tanh x = 1 - tanh^2 x
export const tanh = unaryOp({
  name: "Tanh",
  fn: "tanh",
  js: "Math.tanh(x)",
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [tanhGrad(saved(c.outputs[0]), dy)],
  methods: ["tanh"],
  namespaces: ["math", "nn"],
});
// d asinh x = 1/sqrt(x^2 + 1)
export const asinh = unaryOp({
  name: "Asinh",
  fn: "asinh",
  js: "Math.asinh(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, rsqrt(add(square(saved(c.inputs[0])), 1)))],
  methods: ["asinh"],
  namespaces: ["math"],
});
// d acosh x = 1/sqrt(x^2 - 1), for x > 1
export const acosh = unaryOp({
  name: "Acosh",
  fn: "acosh",
  js: "Math.acosh(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, rsqrt(sub(square(saved(c.inputs[0])), 1)))],
  domain: [1.2, 3],
  methods: ["acosh"],
  namespaces: ["math"],
});
// d atanh x = 1/(1 - x^2), for |x| < 1
export const atanh = unaryOp({
  name: "Atanh",
  fn: "atanh",
  js: "Math.atanh(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [div(dy, sub(1, square(saved(c.inputs[0]))))],
  domain: INSIDE_UNIT,
  methods: ["atanh"],
  namespaces: ["math"],
});
// d erf x = 2/sqrt(pi) e^(-x^2)
export const erf = unaryOp({
  name: "Erf",
  fn: "erf",
  js: "erf(x)",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [
    mul(dy, mul(exp(neg(square(saved(c.inputs[0])))), 2 / Math.sqrt(Math.PI))),
  ],
  methods: ["erf"],
  namespaces: ["math"],
});

// Piecewise constant: TensorFlow registers no gradient path through them.
const rounding = <const M extends string>(
  name: string,
  fn: M,
  js: string,
  dtypes: "float" | "numeric",
) => unaryOp({ name, fn, js, dtypes, grad: "none", methods: [fn], namespaces: ["math"] });

export const floor = rounding("Floor", "floor", "Math.floor(x)", "float");
export const ceil = rounding("Ceil", "ceil", "Math.ceil(x)", "float");
// Half to even, as TensorFlow (and NumPy) round.
export const round = rounding("Round", "round", "roundHalfEven(x)", "numeric");

export const isNaN = unaryOp({
  name: "IsNan",
  fn: "isNaN",
  js: "x !== x ? 1 : 0",
  dtypes: "float",
  boolOut: true,
  grad: "none",
  methods: ["isNaN"],
  namespaces: ["math"],
});
export const isFinite = unaryOp({
  name: "IsFinite",
  fn: "isFinite",
  js: "Number.isFinite(x) ? 1 : 0",
  dtypes: "float",
  boolOut: true,
  grad: "none",
  methods: ["isFinite"],
  namespaces: ["math"],
});

// --- binary -------------------------------------------------------------------------------

// d(a^b) = b a^(b-1) da + a^b log(a) db, with log(a) taken as 0 where a <= 0 (as TensorFlow does)
export const pow = binaryOp({
  name: "Pow",
  fn: "pow",
  js: "Math.pow(a, b)",
  costly: true,
  dtypes: "numeric",
  reads: "inputs-and-output",
  grad: ([dy], c): Grads => {
    const [a, b, y] = [saved(c.inputs[0]), saved(c.inputs[1]), saved(c.outputs[0])];
    const da = mul(dy, mul(b, pow(a, sub(b, 1))));
    if (!isFloating(a.dtype)) return [unbroadcast(da, c, 0), null];
    const positive = greater(a, 0);
    const logA = where(positive, log(where(positive, a, 1)), 0);
    return [unbroadcast(da, c, 0), unbroadcast(mul(dy, mul(y, logA)), c, 1)];
  },
  domain: [POSITIVE, [-1.5, 1.5]],
  methods: ["pow"],
  namespaces: ["math"],
});
// The cotangent goes to the larger input; ties go to the first, as in TensorFlow.
export const maximum = binaryOp({
  name: "Maximum",
  fn: "maximum",
  js: "a !== a || b !== b ? NaN : (a > b ? a : b)",
  dtypes: "numeric",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const first = greaterEqual(saved(c.inputs[0]), saved(c.inputs[1]));
    return [unbroadcast(where(first, dy, 0), c, 0), unbroadcast(where(first, 0, dy), c, 1)];
  },
  methods: ["maximum"],
  namespaces: ["math"],
});
export const minimum = binaryOp({
  name: "Minimum",
  fn: "minimum",
  js: "a !== a || b !== b ? NaN : (a < b ? a : b)",
  dtypes: "numeric",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const first = lessEqual(saved(c.inputs[0]), saved(c.inputs[1]));
    return [unbroadcast(where(first, dy, 0), c, 0), unbroadcast(where(first, 0, dy), c, 1)];
  },
  methods: ["minimum"],
  namespaces: ["math"],
});
// a mod b = a - floor(a/b) b: d/da = 1, d/db = -floor(a/b)
export const floorMod = binaryOp({
  name: "FloorMod",
  fn: "floorMod",
  js: "floorMod(a, b)",
  costly: true,
  dtypes: "numeric",
  reads: "inputs",
  grad: ([dy], c): Grads => [
    unbroadcast(dy, c, 0),
    unbroadcast(neg(mul(dy, floorDiv(saved(c.inputs[0]), saved(c.inputs[1])))), c, 1),
  ],
  domain: [
    [-3, 3],
    [0.7, 1.3],
  ],
  methods: ["mod", "floorMod"],
  namespaces: ["math"],
});
export const mod = floorMod;
export const floorDiv = binaryOp({
  name: "FloorDiv",
  fn: "floorDiv",
  js: "Math.floor(a / b)",
  dtypes: "numeric",
  grad: "none",
  methods: ["floorDiv"],
  namespaces: ["math"],
});
// d atan2(a, b) = (b da - a db) / (a^2 + b^2)
export const atan2 = binaryOp({
  name: "Atan2",
  fn: "atan2",
  js: "Math.atan2(a, b)",
  costly: true,
  dtypes: "float",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const [a, b] = [saved(c.inputs[0]), saved(c.inputs[1])];
    const scale = div(dy, add(square(a), square(b)));
    return [unbroadcast(mul(scale, b), c, 0), unbroadcast(neg(mul(scale, a)), c, 1)];
  },
  domain: [
    [-1, 1],
    [0.5, 2],
  ],
  methods: ["atan2"],
  namespaces: ["math"],
});
// d (a-b)^2 = 2(a-b) (da - db)
export const squaredDifference = binaryOp({
  name: "SquaredDifference",
  fn: "squaredDifference",
  js: "(a - b) * (a - b)",
  dtypes: "numeric",
  reads: "inputs",
  // 2 (a - b) dy as two ops (a difference, then the fused SquareGrad), the negation for b after
  // the sum back to its shape, and only the cotangents the tape uses (moments' variance has a
  // stopped mean as b).
  grad: ([dy], c): Grads => {
    const g = squareGrad(sub(saved(c.inputs[0]), saved(c.inputs[1])), dy);
    return [
      wants(c, 0) ? unbroadcast(g, c, 0) : null,
      wants(c, 1) ? neg(unbroadcast(g, c, 1)) : null,
    ];
  },
  methods: ["squaredDifference"],
  namespaces: ["math"],
});

/** `tf.clipByValue(x, min, max)`: composite of minimum and maximum. */
export const clipByValue = api(
  (x: TensorLike, clipValueMin: TensorLike, clipValueMax: TensorLike): Tensor => {
    const t = toTensor(x, "clipByValue");
    return minimum(maximum(t, clipValueMin), clipValueMax);
  },
  { methods: ["clipByValue"] },
);
