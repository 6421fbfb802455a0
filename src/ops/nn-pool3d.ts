/**
 * 3-D max and average pooling, NDHWC, with TensorFlow's gradient primitives, as the 2-D ones
 * (nn-pool.ts): MaxPool3D -> MaxPool3DGrad -> MaxPool3DGradGrad -> MaxPool3DGrad ... (routing a
 * cotangent to each window's argmax and gathering it back are adjoint, and piecewise constant
 * in the input) and AvgPool3D -> AvgPool3DGrad -> AvgPool3D (spreading and averaging are adjoint).
 */
import type { Pool3DParams } from "../backend/nn3d.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { checkDType, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { zerosLike } from "./creation.js";
import {
  checkNDHWC,
  checkRank5,
  type Padding3D,
  parseDHW,
  parsePadding3D,
  type Triple,
  windowDims3,
} from "./nn-conv3d.js";

export interface Pool3DAttrs {
  readonly ksize: Triple;
  readonly strides: Triple;
  readonly padding: Padding3D;
}
export interface AvgPool3DGradAttrs extends Pool3DAttrs {
  /** The shape of the pooled input, which this op produces. */
  readonly inputShape: Shape;
}

function pool3dParams(op: string, x: Shape, a: Pool3DAttrs): Pool3DParams {
  checkRank5(op, "input", x, "[batch, depth, height, width, channels]");
  const [d, h, w] = windowDims3(op, x, a.ksize, a.strides, a.padding);
  if ((x[1] === 0 || x[2] === 0 || x[3] === 0) && d.out * h.out * w.out > 0) {
    throw new InvalidArgumentError(
      `${op}: every pooling window would be empty: input ${shapeMsg(x)} has no voxels`,
    );
  }
  return {
    batch: x[0],
    inD: x[1],
    inH: x[2],
    inW: x[3],
    channels: x[4],
    outD: d.out,
    outH: h.out,
    outW: w.out,
    windowD: a.ksize[0],
    windowH: a.ksize[1],
    windowW: a.ksize[2],
    strideD: a.strides[0],
    strideH: a.strides[1],
    strideW: a.strides[2],
    padFront: d.padBefore,
    padTop: h.padBefore,
    padLeft: w.padBefore,
  };
}

const outShapeOf = (p: Pool3DParams): number[] => [p.batch, p.outD, p.outH, p.outW, p.channels];

function expectLike(op: string, what: string, t: Tensor, shape: Shape, ref: Tensor): void {
  if (t.dtype !== ref.dtype || !shapesEqual(t.shape, shape)) {
    throw new InvalidArgumentError(
      `${op}: ${what} must have shape ${shapeMsg(shape)} and dtype ${ref.dtype}, got ${describe(t)}`,
    );
  }
}

const MAX_CASE: Pool3DAttrs = { ksize: [2, 2, 2], strides: [2, 1, 2], padding: "SAME" };

export const MaxPool3D: OpDef<Pool3DAttrs> = defineOp<Pool3DAttrs>({
  name: "MaxPool3D",
  kind: "nn",
  check: { cases: [{ inputs: [{ shape: [1, 3, 2, 4, 2] }], attrs: MAX_CASE }] },
  infer: ([x], a) => {
    checkDType("MaxPool3D", x, "float");
    return [{ shape: outShapeOf(pool3dParams("MaxPool3D", x.shape, a)), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.maxPool3d(
      b.read(x) as NumArray,
      b.read(y) as NumArray,
      pool3dParams("MaxPool3D", x.shape, a),
    ),
  saveInputs: [0],
  saveOutputs: [0],
  grad: ([dy], c) => [
    runOp1(MaxPool3DGrad, [saved(c.inputs[0]), saved(c.outputs[0]), dy], c.attrs),
  ],
});

/** A nested array of zeros of the given shape (a fixed check input). */
function nestedZeros(shape: readonly number[]): unknown {
  return shape.length === 0
    ? 0
    : Array.from({ length: shape[0] }, () => nestedZeros(shape.slice(1)));
}

/**
 * MaxPool3DGrad (orig_input, orig_output, grad) -> dx routes each window's cotangent to its
 * argmax; MaxPool3DGradGrad (orig_input, orig_output, g) gathers g back at each argmax. Both
 * are linear in the third input and adjoint; the input and output get zeros.
 */
function routingOp(
  name: "MaxPool3DGrad" | "MaxPool3DGradGrad",
  kernel: "maxPool3dGrad" | "maxPool3dGradGrad",
  adjoint: () => OpDef<Pool3DAttrs>,
): OpDef<Pool3DAttrs> {
  const toInput = name === "MaxPool3DGrad";
  const pooled = [1, 2, 2, 2, 2];
  return defineOp<Pool3DAttrs>({
    name,
    kind: "nn",
    // orig_output only routes (its values are not read): a fixed input here.
    check: {
      cases: [
        {
          inputs: [
            { shape: [1, 3, 2, 4, 2] },
            { value: nestedZeros(pooled), dtype: "float64" },
            { shape: toInput ? pooled : [1, 3, 2, 4, 2] },
          ],
          attrs: MAX_CASE,
        },
      ],
    },
    infer: ([x, y, g], a) => {
      checkDType(name, x, "float", "orig_input");
      const out = outShapeOf(pool3dParams(name, x.shape, a));
      expectLike(name, "orig_output", y, out, x);
      expectLike(name, "grad", g, toInput ? out : x.shape, x);
      return [{ shape: toInput ? x.shape : out, dtype: x.dtype }];
    },
    kernel: (b, [x, , g], [out], a) =>
      b[kernel](
        b.read(x) as NumArray,
        b.read(g) as NumArray,
        b.read(out) as NumArray,
        pool3dParams(name, x.shape, a),
      ),
    saveInputs: [0, 1],
    grad: ([h], c) => {
      const x = saved(c.inputs[0]);
      const y = saved(c.inputs[1]);
      return [zerosLike(x), zerosLike(y), runOp1(adjoint(), [x, y, h], c.attrs)];
    },
  });
}

export const MaxPool3DGrad: OpDef<Pool3DAttrs> = routingOp(
  "MaxPool3DGrad",
  "maxPool3dGrad",
  () => MaxPool3DGradGrad,
);
export const MaxPool3DGradGrad: OpDef<Pool3DAttrs> = routingOp(
  "MaxPool3DGradGrad",
  "maxPool3dGradGrad",
  () => MaxPool3DGrad,
);

const AVG_CASE: Pool3DAttrs = { ksize: [2, 3, 2], strides: [1, 2, 1], padding: "SAME" };

export const AvgPool3D: OpDef<Pool3DAttrs> = defineOp<Pool3DAttrs>({
  name: "AvgPool3D",
  kind: "nn",
  check: { cases: [{ inputs: [{ shape: [2, 3, 3, 2, 2] }], attrs: AVG_CASE }] },
  infer: ([x], a) => {
    checkDType("AvgPool3D", x, "float");
    return [{ shape: outShapeOf(pool3dParams("AvgPool3D", x.shape, a)), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.avgPool3d(
      b.read(x) as NumArray,
      b.read(y) as NumArray,
      pool3dParams("AvgPool3D", x.shape, a),
    ),
  // Linear: the gradient needs only the input's shape.
  grad: ([dy], c) => [runOp1(AvgPool3DGrad, [dy], { ...c.attrs, inputShape: c.inputShapes[0] })],
});

export const AvgPool3DGrad: OpDef<AvgPool3DGradAttrs> = defineOp<AvgPool3DGradAttrs>({
  name: "AvgPool3DGrad",
  kind: "nn",
  check: {
    cases: [
      { inputs: [{ shape: [2, 3, 2, 2, 2] }], attrs: { ...AVG_CASE, inputShape: [2, 3, 3, 2, 2] } },
    ],
  },
  infer: ([dy], a) => {
    checkDType("AvgPool3DGrad", dy, "float", "grad");
    const out = outShapeOf(pool3dParams("AvgPool3DGrad", a.inputShape, a));
    if (!shapesEqual(dy.shape, out)) {
      throw new InvalidArgumentError(
        `AvgPool3DGrad: grad must have the pooled shape ${shapeMsg(out)} of orig_input ${shapeMsg(a.inputShape)}, got ${describe(dy)}`,
      );
    }
    return [{ shape: a.inputShape, dtype: dy.dtype }];
  },
  kernel: (b, [dy], [dx], a) =>
    b.avgPool3dGrad(
      b.read(dy) as NumArray,
      b.read(dx) as NumArray,
      pool3dParams("AvgPool3DGrad", a.inputShape, a),
    ),
  grad: ([g], c) => {
    const { inputShape: _, ...a } = c.attrs;
    return [runOp1(AvgPool3D, [g], a)];
  },
});

function pool3dAttrs(
  op: string,
  ksize: number | readonly number[],
  strides: number | readonly number[],
  padding: string,
  dataFormat: string | undefined,
): Pool3DAttrs {
  checkNDHWC(op, dataFormat);
  return {
    ksize: parseDHW(op, "ksize", ksize),
    strides: parseDHW(op, "strides", strides),
    padding: parsePadding3D(op, padding),
  };
}

/**
 * `tf.nn.maxPool3d(input, ksize, strides, padding, dataFormat = "NDHWC")`: the max of each
 * window of an NDHWC input; ksize and strides a number, [d, h, w] or [1, d, h, w, 1].
 */
export const maxPool3d = api(
  function maxPool3d(
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    dataFormat?: "NDHWC",
  ): Tensor {
    const x = toTensor(input, "maxPool3d");
    return runOp1(MaxPool3D, [x], pool3dAttrs("MaxPool3D", ksize, strides, padding, dataFormat));
  },
  { namespaces: ["nn"] },
);

/**
 * `tf.nn.avgPool3d(input, ksize, strides, padding, dataFormat = "NDHWC")`: the mean of each
 * window over its valid positions (with SAME padding, edge windows average fewer).
 */
export const avgPool3d = api(
  function avgPool3d(
    input: TensorLike,
    ksize: number | readonly number[],
    strides: number | readonly number[],
    padding: Padding3D | "same" | "valid",
    dataFormat?: "NDHWC",
  ): Tensor {
    const x = toTensor(input, "avgPool3d");
    return runOp1(AvgPool3D, [x], pool3dAttrs("AvgPool3D", ksize, strides, padding, dataFormat));
  },
  { namespaces: ["nn"] },
);
