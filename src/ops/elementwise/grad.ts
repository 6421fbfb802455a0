/**
 * Fused gradient ops: the backward rule of an elementwise op as one elementwise op (one pass,
 * one allocation) instead of a chain of products, with TensorFlow's raw-op names and operand
 * orders. They are tapeflow-internal (not exported as `tf.*`); the forward ops' gradient rules
 * call them. Each has its own gradient (written with public ops, so every order works):
 *   ReluGrad(dy, x)        = dy [x > 0]                 d/ddy = ReluGrad(g, x),   d/dx = 0
 *   Relu6Grad(dy, x)       = dy [0 < x < 6]             d/ddy = Relu6Grad(g, x),  d/dx = 0
 *   EluGrad(dy, y)         = dy (y > 0 ? 1 : y + 1)     d/ddy = EluGrad(g, y),    d/dy = g dy [y <= 0]
 *   SigmoidGrad(y, dy)     = dy y (1 - y)               d/dy = g dy (1 - 2y),     d/ddy = SigmoidGrad(y, g)
 *   TanhGrad(y, dy)        = dy (1 - y^2)               d/dy = -2 g dy y,         d/ddy = TanhGrad(y, g)
 *   SqrtGrad(y, dy)        = dy / (2y)                  d/dy = -g dy / (2y^2),    d/ddy = SqrtGrad(y, g)
 *   RsqrtGrad(y, dy)       = -dy y^3 / 2                d/dy = -3/2 g dy y^2,     d/ddy = RsqrtGrad(y, g)
 *   ReciprocalGrad(y, dy)  = -dy y^2                    d/dy = -2 g dy y,         d/ddy = ReciprocalGrad(y, g)
 *   TanGrad(y, dy)         = dy (1 + y^2)               d/dy = 2 g dy y,          d/ddy = TanGrad(y, g)
 * (y is the forward op's output, x its input, g the upstream cotangent.) 1 - y^2 is taken as
 * (1 - y)(1 + y), which loses no digits for y near +-1.
 */
import type { Grads } from "../../engine/op.js";
import { unbroadcast } from "../broadcast.js";
import { saved } from "../checks.js";
import {
  divide as div,
  greater,
  multiply as mul,
  square,
  subtract as sub,
  where,
} from "./basic.js";
import { binaryOp } from "./define.js";

const UNIT = [-1, 1] as const;
const POSITIVE = [0.5, 2] as const;

export const reluGrad = binaryOp({
  name: "ReluGrad",
  fn: "reluGrad",
  js: "b > 0 ? a : 0",
  dtypes: "numeric",
  reads: "inputs",
  grad: ([g], c): Grads => [unbroadcast(reluGrad(g, saved(c.inputs[1])), c, 0), null],
});

export const relu6Grad = binaryOp({
  name: "Relu6Grad",
  fn: "relu6Grad",
  js: "b > 0 && b < 6 ? a : 0",
  dtypes: "numeric",
  reads: "inputs",
  grad: ([g], c): Grads => [unbroadcast(relu6Grad(g, saved(c.inputs[1])), c, 0), null],
  domain: [UNIT, [-2, 8]],
});

export const eluGrad = binaryOp({
  name: "EluGrad",
  fn: "eluGrad",
  js: "b > 0 ? a : a * (b + 1)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [dy, y] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(eluGrad(g, y), c, 0),
      unbroadcast(where(greater(y, 0), 0, mul(g, dy)), c, 1),
    ];
  },
  domain: [UNIT, [-0.9, 1]],
});

export const sigmoidGrad = binaryOp({
  name: "SigmoidGrad",
  fn: "sigmoidGrad",
  js: "b * a * (1 - a)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(mul(mul(g, dy), sub(1, mul(y, 2))), c, 0),
      unbroadcast(sigmoidGrad(y, g), c, 1),
    ];
  },
  domain: [[0.05, 0.95], UNIT],
});

export const tanhGrad = binaryOp({
  name: "TanhGrad",
  fn: "tanhGrad",
  js: "b * ((1 - a) * (1 + a))",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [unbroadcast(mul(mul(g, dy), mul(y, -2)), c, 0), unbroadcast(tanhGrad(y, g), c, 1)];
  },
  domain: [[-0.95, 0.95], UNIT],
});

export const sqrtGrad = binaryOp({
  name: "SqrtGrad",
  fn: "sqrtGrad",
  js: "b * 0.5 / a",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(div(mul(g, dy), mul(square(y), -2)), c, 0),
      unbroadcast(sqrtGrad(y, g), c, 1),
    ];
  },
  domain: [POSITIVE, UNIT],
});

export const rsqrtGrad = binaryOp({
  name: "RsqrtGrad",
  fn: "rsqrtGrad",
  js: "-0.5 * b * (a * a * a)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(mul(mul(g, dy), mul(square(y), -1.5)), c, 0),
      unbroadcast(rsqrtGrad(y, g), c, 1),
    ];
  },
  domain: [POSITIVE, UNIT],
});

export const reciprocalGrad = binaryOp({
  name: "ReciprocalGrad",
  fn: "reciprocalGrad",
  js: "-b * (a * a)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [
      unbroadcast(mul(mul(g, dy), mul(y, -2)), c, 0),
      unbroadcast(reciprocalGrad(y, g), c, 1),
    ];
  },
  domain: [POSITIVE, UNIT],
});

export const tanGrad = binaryOp({
  name: "TanGrad",
  fn: "tanGrad",
  js: "b * (1 + a * a)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => {
    const [y, dy] = [saved(c.inputs[0]), saved(c.inputs[1])];
    return [unbroadcast(mul(mul(g, dy), mul(y, 2)), c, 0), unbroadcast(tanGrad(y, g), c, 1)];
  },
  domain: [[-2, 2], UNIT],
});
