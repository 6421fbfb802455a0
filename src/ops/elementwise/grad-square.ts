/**
 * SquareGrad(x, dy) = 2 x dy: Square's gradient as one elementwise op (one pass and one
 * allocation instead of multiply(dy, multiply(x, 2))). tapeflow-internal, as the other fused
 * gradients of grad.ts. The product is symmetric, so its own partials are SquareGrad again
 * (upstream g): d/dx = 2 g dy = SquareGrad(g, dy), d/ddy = 2 x g = SquareGrad(x, g).
 * In float32 2ab rounds once (2a is exact), so the native loop, in float, gives the JS loop's
 * value (computed in double, rounded on store).
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

/**
 * Whether the tape uses input i's cotangent (GradContext.needsInputGrad; absent: yes). A rule
 * skips the others' work: a product with a constant or a stopped value costs one op, not two.
 */
export const wants = (c: { readonly needsInputGrad?: readonly boolean[] }, i: number): boolean =>
  c.needsInputGrad?.[i] ?? true;
