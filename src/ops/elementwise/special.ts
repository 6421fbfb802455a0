/**
 * Special functions and the "safe" arithmetic of `tf.math`: erfc, erfinv, ndtri, lgamma,
 * digamma, polygamma, zeta, the exponentially scaled Bessel functions, xlogy / xdivy / xlog1py,
 * the NoNan divisions and products, rint, isInf, logicalXor, nextafter, and the composites
 * TensorFlow builds from them (logSigmoid, reciprocalNoNan, lbeta, silu). The scalar functions
 * are in backend/js/scalar-math.ts; each entry's comment gives its derivative.
 */
import type { Grads } from "../../engine/op.js";
import type { Tensor } from "../../tensor/tensor.js";
import { api } from "../api.js";
import { checkDType, saved, toOperands, toTensor, type TensorLike } from "../checks.js";
import { reduceSum, unbroadcast } from "../broadcast.js";
import { sigmoid, softplus } from "./activation.js";
import {
  add,
  cast,
  divide,
  equal,
  multiply as mul,
  negative as neg,
  notEqual,
  square,
  subtract as sub,
  where,
} from "./basic.js";
import { binaryOp, type Domain, unaryOp } from "./define.js";
import { abs, exp, floorDiv, floorMod, sign } from "./math.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * A unary special function of tf.math: a costly float op whose scalar function has the public
 * function's name; its gradient reads x or y (the output) and is checked on `domain`.
 */
function specialUnary<const F extends string>(
  name: string,
  fn: F,
  reads: "x" | "y",
  domain: Domain,
  grad: (dy: Tensor, v: Tensor) => Tensor,
) {
  return unaryOp({
    name,
    fn,
    js: `${fn}(x)`,
    costly: true,
    dtypes: "float",
    reads,
    grad: ([dy], c): Grads => [grad(dy, saved(reads === "x" ? c.inputs[0] : c.outputs[0]))],
    domain,
    methods: [fn],
    namespaces: ["math"],
  });
}

// d erfc x = -2/sqrt(pi) e^(-x^2)
export const erfc = specialUnary("Erfc", "erfc", "x", [-1, 1], (dy, x): Tensor =>
  mul(dy, mul(exp(neg(square(x))), -TWO_OVER_SQRT_PI)),
);
// d erfinv x = sqrt(pi)/2 e^(erfinv(x)^2), from the output y = erfinv(x)
export const erfinv = specialUnary("Erfinv", "erfinv", "y", [-0.9, 0.9], (dy, y): Tensor =>
  mul(dy, mul(exp(square(y)), Math.sqrt(Math.PI) / 2)),
);
// d ndtri p = sqrt(2 pi) e^(ndtri(p)^2 / 2), from the output
export const ndtri = specialUnary("Ndtri", "ndtri", "y", [0.05, 0.95], (dy, y): Tensor =>
  mul(dy, mul(exp(mul(square(y), 0.5)), Math.sqrt(2 * Math.PI))),
);
// d lgamma x = digamma x
export const lgamma = specialUnary("Lgamma", "lgamma", "x", [0.5, 4], (dy, x): Tensor =>
  mul(dy, digamma(x)),
);
// d digamma x = polygamma(1, x)
export const digamma = specialUnary("Digamma", "digamma", "x", [0.5, 4], (dy, x): Tensor =>
  mul(dy, polygamma(cast(1, x.dtype), x)),
);
/**
 * A binary op of tf.math differentiable in its second operand only: the first is an order or
 * exponent (TensorFlow registers no gradient for it), fixed in the gradient check to `first`.
 * `dx` gives d op(p, x) / dx.
 */
function secondOperandOnly<const F extends string>(
  name: string,
  fn: F,
  first: readonly number[],
  dx: (p: Tensor, x: Tensor) => Tensor,
) {
  return binaryOp({
    name,
    fn,
    methods: [fn],
    js: `${fn}(a, b)`,
    costly: true,
    dtypes: "float",
    reads: "inputs",
    grad: ([dy], c): Grads => [
      null,
      unbroadcast(mul(dy, dx(saved(c.inputs[0]), saved(c.inputs[1]))), c, 1),
    ],
    check: {
      cases: [
        {
          inputs: [
            { value: first, dtype: "float64" },
            { shape: [2, 3], range: [0.5, 3] },
          ],
          attrs: {},
        },
      ],
    },
    namespaces: ["math"],
  });
}

// d/dx polygamma(n, x) = polygamma(n + 1, x)
export const polygamma = secondOperandOnly("Polygamma", "polygamma", [0, 1, 2], (n, x): Tensor =>
  polygamma(add(n, 1), x),
);
// Hurwitz zeta(x, q): d/dq = -x zeta(x + 1, q)
export const zeta = secondOperandOnly("Zeta", "zeta", [2, 3.5, 5], (x, q): Tensor =>
  neg(mul(x, zeta(add(x, 1), q))),
);
// i0e(x) = e^-|x| I0(x): d i0e = i1e - sign(x) i0e
export const besselI0e = specialUnary("BesselI0e", "besselI0e", "x", [-3, 3], (dy, x): Tensor =>
  mul(dy, sub(besselI1e(x), mul(sign(x), besselI0e(x)))),
);
// i1e(x) = e^-|x| I1(x): d i1e = i0e - i1e (sign(x) + 1/x), which is 1/2 at x = 0
export const besselI1e = specialUnary("BesselI1e", "besselI1e", "x", [-3, 3], (dy, x): Tensor => {
  const zero = equal(x, 0);
  const safeX = where(zero, 1, x);
  const d = sub(besselI0e(x), mul(besselI1e(x), add(sign(x), divide(1, safeX))));
  return mul(dy, where(zero, 0.5, d));
});

/** `tf.math.besselI0(x)`: the modified Bessel function I0, as e^|x| i0e(x). */
export const besselI0 = api(
  function besselI0(x: TensorLike): Tensor {
    const t = toTensor(x, "besselI0");
    return mul(exp(abs(t)), besselI0e(t));
  },
  { methods: ["besselI0"], namespaces: ["math"] },
);
/** `tf.math.besselI1(x)`: the modified Bessel function I1, as e^|x| i1e(x). */
export const besselI1 = api(
  function besselI1(x: TensorLike): Tensor {
    const t = toTensor(x, "besselI1");
    return mul(exp(abs(t)), besselI1e(t));
  },
  { methods: ["besselI1"], namespaces: ["math"] },
);

// --- x-weighted logs and the NoNan arithmetic -------------------------------------------------

/** 1 where x != 0, else 0, in x's dtype. */
const nonzero = (x: Tensor): Tensor => cast(notEqual(x, 0), x.dtype);

// xdivy(x, y) = x / y (0 where x = 0): d/dx = xdivy([x != 0], y), d/dy = xdivy(-x, y^2)
export const xdivy = binaryOp({
  name: "Xdivy",
  fn: "xdivy",
  methods: ["xdivy"],
  js: "xdivy(a, b)",
  dtypes: "float",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const [x, y] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(mul(dy, xdivy(nonzero(x), y)), c, 0),
      unbroadcast(mul(dy, xdivy(neg(x), square(y))), c, 1),
    ];
  },
  domain: [
    [-1, 1],
    [0.5, 2],
  ],
  namespaces: ["math"],
});
/**
 * x f(y), 0 where x = 0 (even where f(y) is infinite): d/dx = op([x != 0], y),
 * d/dy = xdivy(x, 1 / f'(y)), with `slope(y)` = 1 / f'(y).
 */
function xWeighted<const F extends string>(
  name: string,
  fn: F,
  yDomain: Domain,
  slope: (y: Tensor) => Tensor,
) {
  const op = binaryOp({
    name,
    fn,
    methods: [fn],
    js: `${fn}(a, b)`,
    costly: true,
    dtypes: "float",
    reads: "inputs",
    grad: ([dy], c): Grads => {
      const [x, y] = [saved(c.inputs[0]), saved(c.inputs[1])];
      return [
        unbroadcast(mul(dy, op(nonzero(x), y)), c, 0),
        unbroadcast(mul(dy, xdivy(x, slope(y))), c, 1),
      ];
    },
    domain: [[-1, 1], yDomain],
    namespaces: ["math"],
  });
  return op;
}
// xlogy(x, y) = x log y: d/dy = xdivy(x, y)
export const xlogy = xWeighted("Xlogy", "xlogy", [0.5, 2], (y): Tensor => y);
// xlog1py(x, y) = x log(1 + y): d/dy = xdivy(x, 1 + y)
export const xlog1py = xWeighted("Xlog1py", "xlog1py", [-0.5, 1], (y): Tensor => add(y, 1));
// a / b, 0 where b = 0 (even for a NaN): d/da = divNoNan(dy, b), d/db = dy divNoNan(divNoNan(-a, b), b)
export const divideNoNan = binaryOp({
  name: "DivNoNan",
  fn: "divideNoNan",
  methods: ["divideNoNan"],
  js: "b === 0 ? 0 : a / b",
  dtypes: "float",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const [a, b] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(divideNoNan(dy, b), c, 0),
      unbroadcast(mul(dy, divideNoNan(divideNoNan(neg(a), b), b)), c, 1),
    ];
  },
  domain: [
    [-1, 1],
    [0.5, 2],
  ],
  namespaces: ["math"],
});
// a b, 0 where b = 0 (even for a NaN or infinite a): d/da = mulNoNan(dy, b), d/db = mulNoNan(a, dy)
export const multiplyNoNan = binaryOp({
  name: "MulNoNan",
  fn: "multiplyNoNan",
  methods: ["multiplyNoNan"],
  js: "b === 0 ? 0 : a * b",
  dtypes: "float",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const [a, b] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [unbroadcast(multiplyNoNan(dy, b), c, 0), unbroadcast(multiplyNoNan(a, dy), c, 1)];
  },
  namespaces: ["math"],
});
/** `tf.math.reciprocalNoNan(x)`: 1/x, 0 where x = 0 (TensorFlow's composite divNoNan(1, x)). */
export const reciprocalNoNan = api(
  function reciprocalNoNan(x: TensorLike): Tensor {
    const t = toTensor(x, "reciprocalNoNan");
    checkDType("reciprocalNoNan", t, "float", "x");
    return divideNoNan(cast(1, t.dtype), t);
  },
  { methods: ["reciprocalNoNan"], namespaces: ["math"] },
);
/** `tf.math.truediv(x, y)`: `tf.divide` (int32 operands give a float64 quotient). */
export const truediv = api(
  function truediv(x: TensorLike, y: TensorLike): Tensor {
    return divide(x, y);
  },
  { methods: ["truediv"], namespaces: ["math"] },
);
/** `tf.math.floordiv(x, y)`: TensorFlow's alias of `floorDiv`. */
export const floordiv = api(
  function floordiv(x: TensorLike, y: TensorLike): Tensor {
    return floorDiv(x, y);
  },
  { methods: ["floordiv"], namespaces: ["math"] },
);
/** `tf.math.floormod(x, y)`: TensorFlow's alias of `floorMod`. */
export const floormod = api(
  function floormod(x: TensorLike, y: TensorLike): Tensor {
    return floorMod(x, y);
  },
  { methods: ["floormod"], namespaces: ["math"] },
);

// --- rounding, predicates, bit steps -----------------------------------------------------------

// Round half to even; piecewise constant, no gradient (TensorFlow registers none).
export const rint = unaryOp({
  name: "Rint",
  fn: "rint",
  methods: ["rint"],
  js: "rint(x)",
  dtypes: "float",
  grad: "none",
  namespaces: ["math"],
});
export const isInf = unaryOp({
  name: "IsInf",
  fn: "isInf",
  methods: ["isInf"],
  js: "x === Infinity || x === -Infinity ? 1 : 0",
  dtypes: "float",
  boolOut: true,
  grad: "none",
  namespaces: ["math"],
});
export const logicalXor = binaryOp({
  name: "LogicalXor",
  fn: "logicalXor",
  methods: ["logicalXor"],
  js: "!a !== !b ? 1 : 0",
  dtypes: "bool",
  grad: "none",
  namespaces: ["math"],
});
// The next representable value of a toward b, in the tensor's own precision: the loop writes
// a Float32Array for float32 tensors, and the step is then float32's (C's nextafterf).
export const nextafter = binaryOp({
  name: "NextAfter",
  fn: "nextafter",
  methods: ["nextafter"],
  js: "out instanceof Float32Array ? nextafterf(a, b) : nextafter(a, b)",
  dtypes: "float",
  grad: "none",
  namespaces: ["math"],
});

// --- composites --------------------------------------------------------------------------------

/** `tf.math.logSigmoid(x)`: log(1 / (1 + e^-x)) = -softplus(-x), stable for large |x|. */
export const logSigmoid = api(
  function logSigmoid(x: TensorLike): Tensor {
    const t = toTensor(x, "logSigmoid");
    checkDType("logSigmoid", t, "float", "x");
    return neg(softplus(neg(t)));
  },
  { methods: ["logSigmoid"], namespaces: ["math"] },
);

/**
 * `tf.math.lbeta(x)`: log of the multivariate beta function over the last axis,
 * sum_i lgamma(x_i) - lgamma(sum_i x_i) (an empty last axis gives 0, as TensorFlow).
 */
export const lbeta = api(
  function lbeta(x: TensorLike): Tensor {
    const t = toTensor(x, "lbeta");
    checkDType("lbeta", t, "float", "x");
    if (t.rank === 0) {
      throw new RangeError(`lbeta: x must have rank >= 1, got a scalar ${t.dtype}`);
    }
    const axis = t.rank - 1;
    return sub(reduceSum(lgamma(t), axis), lgamma(reduceSum(t, axis)));
  },
  { methods: ["lbeta"], namespaces: ["math"] },
);

/**
 * `tf.nn.silu(features, beta = 1)`: x sigmoid(beta x) (the swish activation); the gradient
 * follows from the two ops it is made of.
 */
export const silu = api(
  function silu(features: TensorLike, beta: TensorLike = 1): Tensor {
    const [t, b] = toOperands("silu", features, beta);
    checkDType("silu", t, "float", "features");
    return mul(t, sigmoid(mul(b, t)));
  },
  { namespaces: ["nn"] },
);
/** `tf.nn.swish(features, beta = 1)`: the same as `silu`. */
export const swish = api(
  function swish(features: TensorLike, beta: TensorLike = 1): Tensor {
    return silu(features, beta);
  },
  { namespaces: ["nn"] },
);
