/**
 * The fused gradients that basic.ts's own rules use (grad.ts has the rest; these live apart
 * because grad.ts builds on basic.ts). tapeflow-internal, as the other fused gradients.
 *
 * SquareGrad(x, dy) = 2 x dy: Square's gradient as one elementwise op (one pass and one
 * allocation instead of multiply(dy, multiply(x, 2))). The product is symmetric, so its own
 * partials are SquareGrad again (upstream g): d/dx = 2 g dy = SquareGrad(g, dy),
 * d/ddy = 2 x g = SquareGrad(x, g). In float32 2ab rounds once (2a is exact), so the native
 * loop, in float, gives the JS loop's value (computed in double, rounded on store).
 *
 * DivGrad(dx, y) = -dx y: Div's gradient for the divisor. With dx = dy / b (the dividend's
 * gradient) and y = a / b (Div's output), -dx y = -dy a / b^2, so Div's backward is two passes
 * (dy / b, then this) instead of five (dy / b, dy a, b^2, their quotient, its negation). Its own
 * partials: d/ddx = -g y = DivGrad(g, y), d/dy = -g dx = DivGrad(g, dx). The product of two
 * floats is exact in double, so float32 and the JS loop agree bit for bit here too.
 */
import type { Grads } from "../../engine/op.js";
import { unbroadcast } from "../broadcast.js";
import { saved } from "../checks.js";
import { binaryOp } from "./define.js";

export const squareGrad = binaryOp({
  name: "SquareGrad",
  fn: "squareGrad",
  js: "2 * a * b",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => [
    unbroadcast(squareGrad(g, saved(c.inputs[1])), c, 0),
    unbroadcast(squareGrad(saved(c.inputs[0]), g), c, 1),
  ],
});

export const divGrad = binaryOp({
  name: "DivGrad",
  fn: "divGrad",
  js: "-(a * b)",
  dtypes: "float",
  reads: "inputs",
  grad: ([g], c): Grads => [
    unbroadcast(divGrad(g, saved(c.inputs[1])), c, 0),
    unbroadcast(divGrad(g, saved(c.inputs[0])), c, 1),
  ],
});

/**
 * Whether the tape uses input i's cotangent (GradContext.needsInputGrad; absent: yes). A rule
 * skips the others' work: a product with a constant or a stopped value costs one op, not two.
 */
export const wants = (c: { readonly needsInputGrad?: readonly boolean[] }, i: number): boolean =>
  c.needsInputGrad?.[i] ?? true;
