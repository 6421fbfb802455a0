/**
 * _FusedConv2DReluBackprop: the gradient of _FusedConv2D with relu as one op, (x, w, dy, y) ->
 * (dx, dw, db), or (dw, db) when the input's gradient is not wanted. With dz = ReluGrad(dy, y)
 * (dy where y > 0, y the fused op's output):
 *
 *   dx = Conv2DBackpropInput(w, dz)   dw = Conv2DBackpropFilter(x, dz)   db = sum(dz, [0, 1, 2])
 *
 * the same values as the unfused rule, but dz is never a tensor: the kernel masks dy into a
 * scratch buffer and sums the bias gradient in the same pass. (dz is as big as the layer's
 * output, 11 MB in the MNIST convnet's first layer; as a tensor it was one more JS ArrayBuffer
 * per step toward V8's next full collection, plus a ReluGrad and a Sum kernel.)
 *
 * Its own gradient, for higher orders, with upstream (gdx, gdw, gdb): every output is linear in
 * dz, and Conv2DBackpropInput / Conv2DBackpropFilter are the adjoints of conv2d in its input and
 * filter, so <gdx, BPI(w, dz)> = <conv2d(gdx, w), dz> = <w, BPF(gdx, dz)> and
 * <gdw, BPF(x, dz)> = <conv2d(x, gdw), dz> = <x, BPI(gdw, dz)>. Hence
 *
 *   d/dx = BPI(gdw, dz)   d/dw = BPF(gdx, dz)
 *   d/ddy = ReluGrad(conv2d(gdx, w) + conv2d(x, gdw) + gdb, y)   d/dy = 0 (the mask is
 *   piecewise constant in y, as ReluGrad's own gradient says)
 *
 * all public ops with gradients of their own.
 */
import type { Grads, OpDef } from "../engine/op.js";
import { defineOp } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { NumArray } from "../tensor/dtype.js";
import { describe, saved } from "./checks.js";
import { add } from "./elementwise.js";
import { reluGrad } from "./elementwise/grad.js";
import { checkFloatPair } from "./nn-conv-family.js";
import {
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  type ConvAttrs,
  convParams,
} from "./nn-conv.js";

export interface FusedConv2DReluBackpropAttrs extends ConvAttrs {
  /** Whether the op computes dx (its first output); without it the outputs are (dw, db). */
  readonly inputGrad: boolean;
}

const NAME = "_FusedConv2DReluBackprop";

// y for the gradient check: fixed, of both signs and with zeros, so that the mask is exercised
// and no finite-difference step crosses it; nested arrays of the given shape.
function yValues(shape: readonly number[], start = 0): unknown[] {
  const [d, ...rest] = shape;
  const stride = rest.reduce((p, n) => p * n, 1);
  return Array.from({ length: d }, (_, i) => {
    const k = start + i * stride;
    return rest.length > 0 ? yValues(rest, k) : [0, 0.5 + k / 64, -0.5][k % 3];
  });
}

export const FusedConv2DReluBackprop: OpDef<FusedConv2DReluBackpropAttrs> =
  defineOp<FusedConv2DReluBackpropAttrs>({
    name: NAME,
    kind: "contraction",
    check: {
      cases: [
        {
          inputs: [
            { shape: [2, 4, 4, 2] },
            { shape: [2, 2, 2, 3] },
            { shape: [2, 3, 3, 3] },
            { value: yValues([2, 3, 3, 3]), dtype: "float64" },
          ],
          attrs: { strides: [1, 1], dilations: [1, 1], padding: "VALID", inputGrad: true },
        },
        {
          inputs: [
            { shape: [1, 5, 5, 2] },
            { shape: [3, 3, 2, 2] },
            { shape: [1, 3, 3, 2] },
            { value: yValues([1, 3, 3, 2]), dtype: "float64" },
          ],
          attrs: { strides: [2, 2], dilations: [1, 1], padding: "SAME", inputGrad: false },
        },
      ],
    },
    infer: ([x, w, dy, y], a) => {
      checkFloatPair(NAME, x, "input", w, "filter");
      const p = convParams(NAME, x.shape, w.shape, a);
      const outShape = [p.batch, p.outH, p.outW, p.outC];
      for (const [t, what] of [
        [dy, "dy"],
        [y, "y"],
      ] as const) {
        if (t.dtype !== x.dtype || !shapesEqual(t.shape, outShape)) {
          throw new InvalidArgumentError(
            `${NAME}: ${what} must have the convolution's output shape ${shapeMsg(outShape)} and dtype ${x.dtype}, got ${describe(t)}`,
          );
        }
      }
      const dw = { shape: w.shape, dtype: x.dtype };
      const db = { shape: [p.outC], dtype: x.dtype };
      return a.inputGrad ? [{ shape: x.shape, dtype: x.dtype }, dw, db] : [dw, db];
    },
    kernel: (b, [x, w, dy, y], outs, a) => {
      const dx = a.inputGrad ? outs[0] : null;
      const [dw, db] = a.inputGrad ? [outs[1], outs[2]] : [outs[0], outs[1]];
      b.conv2dReluBackprop(
        b.read(x) as NumArray,
        b.read(w) as NumArray,
        b.read(dy) as NumArray,
        b.read(y) as NumArray,
        dx === null ? null : (b.read(dx) as NumArray),
        b.read(dw) as NumArray,
        b.read(db) as NumArray,
        convParams(NAME, x.shape, w.shape, a),
      );
    },
    // Both backends write every element of every output.
    overwritesOutputs: true,
    saveInputs: [0, 1, 2, 3],
    grad: (gs, c): Grads => {
      const x = saved(c.inputs[0]);
      const w = saved(c.inputs[1]);
      const y = saved(c.inputs[3]);
      const { inputGrad, ...conv } = c.attrs;
      const gdx = inputGrad ? gs[0] : null;
      const [gdw, gdb] = inputGrad ? [gs[1], gs[2]] : [gs[0], gs[1]];
      const dz = reluGrad(saved(c.inputs[2]), y);
      const need = c.needsInputGrad ?? [true, true, true, false];
      // The cotangent of dz: each output's adjoint in dz, summed.
      let gdz = add(runOp1(Conv2D, [x, gdw], conv), gdb);
      if (gdx !== null) gdz = add(gdz, runOp1(Conv2D, [gdx, w], conv));
      return [
        need[0] ? runOp1(Conv2DBackpropInput, [gdw, dz], { ...conv, inputShape: x.shape }) : null,
        need[1] && gdx !== null
          ? runOp1(Conv2DBackpropFilter, [gdx, dz], { ...conv, filterShape: w.shape })
          : null,
        need[2] ? reluGrad(gdz, y) : null,
        null,
      ];
    },
  });

/**
 * The gradients of fusedConv2d(x, w, bias, relu) from its output y and the cotangent dy:
 * [dx, dw, db], dx null unless `inputGrad`.
 */
export function fusedConv2dReluBackprop(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  y: Tensor,
  attrs: ConvAttrs,
  inputGrad: boolean,
): [Tensor | null, Tensor, Tensor] {
  const outs = runOp(FusedConv2DReluBackprop, [x, w, dy, y], { ...attrs, inputGrad });
  return inputGrad ? [outs[0], outs[1], outs[2]] : [null, outs[0], outs[1]];
}
