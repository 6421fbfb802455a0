/**
 * The elementwise activations of `tf.nn` (and sigmoid in `tf.math` too). Rules that can read
 * the output do, so a tape keeps only y (relu, sigmoid, elu, selu).
 */
import type { Grads } from "../../engine/op.js";
import { saved } from "../checks.js";
import { abs } from "./math.js";
import { add, divide as div, greater, multiply as mul, square, where } from "./basic.js";
import { unaryOp } from "./define.js";
import { eluGrad, relu6Grad, reluGrad, sigmoidGrad } from "./grad.js";

// d sigmoid x = sigmoid x (1 - sigmoid x)
export const sigmoid = unaryOp({
  name: "Sigmoid",
  fn: "sigmoid",
  // 1 / (1 + e^-x); exp overflows to Infinity for very negative x, giving 0 as it should.
  js: "1 / (1 + Math.exp(-x))",
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [sigmoidGrad(saved(c.outputs[0]), dy)],
  domain: [-3, 3],
  methods: ["sigmoid"],
  namespaces: ["math", "nn"],
});
// d log(1 + e^x) = sigmoid x
export const softplus = unaryOp({
  name: "Softplus",
  fn: "softplus",
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x.
  js: "Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))",
  costly: true,
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [mul(dy, sigmoid(saved(c.inputs[0])))],
  domain: [-3, 3],
  methods: ["softplus"],
  namespaces: ["math", "nn"],
});
// d relu x = [x > 0] (read from the output, so the input need not be kept); NaN stays NaN.
export const relu = unaryOp({
  name: "Relu",
  fn: "relu",
  js: "x > 0 ? x : (x === x ? 0 : x)",
  dtypes: "numeric",
  reads: "y",
  grad: ([dy], c): Grads => [reluGrad(dy, saved(c.outputs[0]))],
  methods: ["relu"],
  namespaces: ["nn"],
});
// d relu6 x = [0 < x < 6]
export const relu6 = unaryOp({
  name: "Relu6",
  fn: "relu6",
  js: "x > 0 ? (x < 6 ? x : 6) : (x === x ? 0 : x)",
  dtypes: "numeric",
  reads: "y",
  grad: ([dy], c): Grads => [relu6Grad(dy, saved(c.outputs[0]))],
  domain: [-2, 8],
  methods: ["relu6"],
  namespaces: ["nn"],
});
// d elu x = 1 for x > 0, e^x = y + 1 otherwise
export const elu = unaryOp({
  name: "Elu",
  fn: "elu",
  js: "x > 0 ? x : Math.expm1(x)",
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => [eluGrad(dy, saved(c.outputs[0]))],
  methods: ["elu"],
  namespaces: ["nn"],
});
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
// d selu x = scale for x > 0, scale alpha e^x = y + scale alpha otherwise
export const selu = unaryOp({
  name: "Selu",
  fn: "selu",
  js: `x > 0 ? ${SELU_SCALE} * x : ${SELU_SCALE * SELU_ALPHA} * Math.expm1(x)`,
  costly: true,
  dtypes: "float",
  reads: "y",
  grad: ([dy], c): Grads => {
    const y = saved(c.outputs[0]);
    return [where(greater(y, 0), mul(dy, SELU_SCALE), mul(dy, add(y, SELU_SCALE * SELU_ALPHA)))];
  },
  methods: ["selu"],
  namespaces: ["nn"],
});
// softsign x = x / (1 + |x|); d/dx = 1 / (1 + |x|)^2
export const softsign = unaryOp({
  name: "Softsign",
  fn: "softsign",
  js: "x / (1 + Math.abs(x))",
  dtypes: "float",
  reads: "x",
  grad: ([dy], c): Grads => [div(dy, square(add(abs(saved(c.inputs[0])), 1)))],
  methods: ["softsign"],
  namespaces: ["math", "nn"],
});
