/**
 * The existing ops that take complex tensors, and how (engine/complex.ts): every other op
 * refuses a complex input with an InvalidArgumentError naming it.
 *
 * - Ops that only move elements, and the linear ones with real coefficients (add, sub, neg,
 *   sum, mean), run their own kernels on the (re, im) pairs viewed as a trailing axis of 2.
 * - Genuinely complex arithmetic (mul, div, exp, log, sqrt, square, reciprocal, pow, matmul,
 *   abs, equal, cast) has kernels in backend/complex.ts.
 * - Gradients, in TensorFlow's convention dz = dy * conj(f'(z)): every op here has real
 *   coefficients (f(conj z) = conj f(z)), so its real gradient rule, run on the conjugates of the
 *   values it saved, is its complex rule (`conjugated`). Linear ops save nothing and keep theirs.
 */
import {
  castToComplex,
  complexBinary,
  type ComplexBinaryFn,
  complexCompare,
  complexMatmul,
  complexToReal,
  complexUnary,
  type ComplexUnaryFn,
} from "../backend/complex.js";
import { allowComplex, type ComplexRule, supportsComplex } from "../engine/complex.js";
import {
  type AnyOpDef,
  type GradContext,
  type GradFn,
  type Grads,
  lookupOp,
  type OpDef,
  type OutputSpec,
} from "../engine/op.js";
import { isComplex, isDifferentiable, type NumArray, realDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { broadcastShapes, shapeMsg, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { backend } from "../backend/index.js";
import { unbroadcast } from "./broadcast.js";
import { describe, saved } from "./checks.js";
import { complex, conj, real } from "./complex.js";
import { divide, multiply, subtract } from "./elementwise/basic.js";
import { log, pow } from "./elementwise/math.js";
import { divideNoNan } from "./elementwise/special.js";
import { zerosLike } from "./creation.js";
import { cast } from "./elementwise/basic.js";

function op(name: string): AnyOpDef {
  const o = lookupOp(name);
  if (o === undefined) throw new Error(`internal: op ${name} is not registered`);
  return o;
}

const cj = (t: Tensor | null): Tensor | null => (t !== null && isComplex(t.dtype) ? conj(t) : t);

/** The op's real gradient rule on the conjugates of what it saved (see the file's comment). */
function conjugated<A>(grad: OpDef<A>["grad"]): OpDef<A>["grad"] {
  if (typeof grad !== "function") return grad;
  return (dys, c: GradContext<A>) =>
    grad(dys, { ...c, inputs: c.inputs.map(cj), outputs: c.outputs.map(cj) });
}

// --- views and movement: the pairs, or the storage as it is -------------------------------------

for (const name of ["Reshape", "ExpandDims", "Squeeze", "Identity", "StopGradient"]) {
  supportsComplex(op(name));
}

type Attrs = Record<string, unknown>;
/** Movement ops whose attrs need nothing for the trailing pair axis (axes are non-negative). */
const sameAttrs = (a: Attrs): Attrs => a;
const movement: Record<string, (a: Attrs, inputs: readonly Tensor[]) => Attrs> = {
  // the pair axis stays last
  Transpose: (a) => ({ ...a, perm: [...(a.perm as number[]), (a.perm as number[]).length] }),
  ConcatV2: sameAttrs,
  Pack: sameAttrs,
  Unpack: sameAttrs,
  Split: sameAttrs,
  SplitV: sameAttrs,
  ReverseV2: sameAttrs,
  GatherV2: sameAttrs,
  GatherNd: sameAttrs,
  UnsortedSegmentSum: sameAttrs,
  Tile: (a) => ({ ...a, multiples: [...(a.multiples as number[]), 1] }),
  Slice: (a) => ({
    ...a,
    begin: [...(a.begin as number[]), 0],
    size: [...(a.size as number[]), 2],
  }),
  BroadcastTo: (a) => ({ ...a, shape: [...(a.shape as number[]), 2] }),
  ScatterNd: (a) => ({ ...a, shape: [...(a.shape as number[]), 2] }),
  PadV2: (a) => ({
    ...a,
    before: [...(a.before as number[]), 0],
    after: [...(a.after as number[]), 0],
  }),
  // re and im summed (averaged) separately over the same axes
  Sum: sameAttrs,
  Mean: sameAttrs,
};
for (const [name, pairs] of Object.entries(movement)) {
  const o = op(name);
  if (o.kind === "reduction" || name === "UnsortedSegmentSum") {
    // their infer checks for a real dtype: run it on the pair views
    allowComplex<Attrs>(o, { infer: "pairs", pairs });
  } else if (name === "PadV2") {
    allowComplex<Attrs>(o, {
      pairs,
      infer: (inputs, attrs) => {
        const c = backend().read(inputs[1]) as NumArray;
        if (c[0] !== 0 || c[1] !== 0) {
          throw new InvalidArgumentError(
            `PadV2: padding a complex tensor ${describe(inputs[0])} with a constant other than 0 is not supported`,
          );
        }
        return o.infer(inputs, attrs) as OutputSpec[];
      },
    });
  } else {
    allowComplex<Attrs>(o, { pairs });
  }
}

// --- elementwise --------------------------------------------------------------------------------

function unaryInfer() {
  return ([x]: readonly Tensor[]): OutputSpec[] => [{ shape: x.shape, dtype: x.dtype }];
}

function binaryInfer(name: string, boolOut = false) {
  return ([a, b]: readonly Tensor[]): OutputSpec[] => {
    if (a.dtype !== b.dtype) {
      throw new InvalidArgumentError(
        `${name}: both operands must have the same dtype, got ${a.dtype} ${shapeMsg(a.shape)} and ${b.dtype} ${shapeMsg(b.shape)}`,
      );
    }
    return [
      {
        shape: broadcastShapes(name, a.shape, b.shape, a.dtype),
        dtype: boolOut ? "bool" : a.dtype,
      },
    ];
  };
}

// Linear: the real kernels on the pairs (a scalar broadcast against pairs keeps its own pair).
for (const name of ["Add", "Sub"]) {
  allowComplex<Attrs>(op(name), { infer: binaryInfer(name), pairs: sameAttrs });
}
allowComplex<Attrs>(op("Neg"), { infer: unaryInfer(), pairs: sameAttrs });

const unaryKernels: Record<string, ComplexUnaryFn> = {
  Exp: "exp",
  Log: "log",
  Sqrt: "sqrt",
  Square: "square",
  Reciprocal: "reciprocal",
};
/** The complex constant c + 0i in t's complex dtype. */
const complexScalar = (c: number, t: Tensor): Tensor => cast(complex(c, 0), t.dtype);
// Sqrt and Reciprocal's real gradients are the fused SqrtGrad / ReciprocalGrad ops, which take
// real tensors only: on complex tensors their formulas in public ops, conjugated as the others:
//   d sqrt(z) = dy / (2 conj(y)),   d (1/z) = -dy conj(y)^2.
const complexGrads: Record<string, GradFn<Attrs>> = {
  // Square's real gradient is the fused SquareGrad (real only): d z^2 = 2 dy conj(z).
  Square: ([dy], c): Grads => {
    const x = cj(saved(c.inputs[0])) as Tensor;
    return [multiply(dy, multiply(complexScalar(2, x), x))];
  },
  Sqrt: ([dy], c): Grads => {
    const y = cj(saved(c.outputs[0])) as Tensor;
    return [divide(dy, multiply(complexScalar(2, y), y))];
  },
  Reciprocal: ([dy], c): Grads => {
    const y = cj(saved(c.outputs[0])) as Tensor;
    return [multiply(multiply(complexScalar(-1, y), dy), multiply(y, y))];
  },
};
for (const [name, fn] of Object.entries(unaryKernels)) {
  const o = op(name);
  allowComplex<Attrs>(o, {
    infer: unaryInfer(),
    kernel: (b, [x], [y]) => complexUnary(fn, b.read(x) as NumArray, b.read(y) as NumArray),
    grad: complexGrads[name] ?? conjugated(o.grad),
  });
}

// Div's real gradient ends in the fused DivGrad (real only): on complex tensors its formula in
// public ops, conjugated as the others: dy / conj(b) for a, -(dy / conj(b)) conj(y) for b.
const divComplexGrad: GradFn<Attrs> = ([dy], c): Grads => {
  const [b, y] = [cj(saved(c.inputs[1])) as Tensor, cj(saved(c.outputs[0])) as Tensor];
  const dx = divide(dy, b);
  return [
    unbroadcast(dx, c, 0),
    unbroadcast(multiply(complexScalar(-1, y), multiply(dx, y)), c, 1),
  ];
};
const binaryKernels: Record<string, ComplexBinaryFn> = { Mul: "mul", Div: "div" };
for (const [name, fn] of Object.entries(binaryKernels)) {
  const o = op(name);
  allowComplex<Attrs>(o, {
    infer: binaryInfer(name),
    kernel: (b, [x, y], [z]) =>
      complexBinary(
        fn,
        b.read(x) as NumArray,
        x.shape,
        b.read(y) as NumArray,
        y.shape,
        b.read(z) as NumArray,
        z.shape,
      ),
    grad: name === "Div" ? divComplexGrad : conjugated(o.grad),
  });
}

// d a^b = b a^(b-1) da + a^b log(a) db; conjugated as the others (NaN for db at a = 0).
const powGrad: GradFn<Attrs> = ([dy], c): Grads => {
  const [a, b, y] = [
    cj(saved(c.inputs[0])) as Tensor,
    cj(saved(c.inputs[1])) as Tensor,
    cj(saved(c.outputs[0])) as Tensor,
  ];
  const one = complex(1, 0);
  const da = multiply(dy, multiply(b, pow(a, subtract(b, cast(one, b.dtype)))));
  const db = multiply(dy, multiply(y, log(a)));
  return [unbroadcast(da, c, 0), unbroadcast(db, c, 1)];
};
allowComplex<Attrs>(op("Pow"), {
  infer: binaryInfer("Pow"),
  kernel: (b, [x, y], [z]) =>
    complexBinary(
      "pow",
      b.read(x) as NumArray,
      x.shape,
      b.read(y) as NumArray,
      y.shape,
      b.read(z) as NumArray,
      z.shape,
    ),
  grad: powGrad,
});

for (const name of ["Equal", "NotEqual"]) {
  allowComplex<Attrs>(op(name), {
    infer: binaryInfer(name, true),
    kernel: (b, [x, y], [z]) =>
      complexCompare(
        name === "NotEqual",
        b.read(x) as NumArray,
        x.shape,
        b.read(y) as NumArray,
        y.shape,
        b.read(z) as NumArray,
        z.shape,
      ),
  });
}

// |z| (TensorFlow's ComplexAbs): d|z| = Re(conj(z) dz)/|z|, so dz = dy z / |z| (0 at z = 0).
allowComplex<Attrs>(op("Abs"), {
  infer: ([z]) => [{ shape: z.shape, dtype: realDType(z.dtype as "complex64") }],
  kernel: (b, [z], [y]) => complexToReal("abs", b.read(z) as NumArray, b.read(y) as NumArray),
  saveInputs: [0],
  saveOutputs: [0],
  grad: ([dy], c): Grads => {
    const z = saved(c.inputs[0]);
    const r = saved(c.outputs[0]);
    const s = divideNoNan(dy, r);
    return [multiply(complex(s, zerosLike(s)), z)];
  },
});

// Cast to or from complex: complex -> real keeps the real part (TensorFlow drops the imaginary
// part); real -> complex has a zero imaginary part. The cotangent is cast back (Re dz for a
// real input, as TensorFlow's CastGrad does between floating and complex dtypes).
const Cast = op("Cast");
const castRule: ComplexRule<Attrs> = {
  kernel: (b, [x], [y]) => {
    const xs = b.read(x) as NumArray;
    const ys = b.read(y) as NumArray;
    if (isComplex(y.dtype)) castToComplex(xs, isComplex(x.dtype), ys);
    else {
      const re = new Float64Array(ys.length);
      complexToReal("real", xs, re);
      const rt = realDType(x.dtype as "complex64");
      // to a float dtype directly; to int32 or bool through the backend's cast, which rounds
      // and clamps as for any float
      if (y.dtype === rt || y.dtype === "float64" || y.dtype === "float32") ys.set(re);
      else b.cast(re, ys);
    }
  },
  grad: ([dy], c): Grads => [
    isDifferentiable(c.inputDtypes[0]) && isDifferentiable(dy.dtype)
      ? isComplex(c.inputDtypes[0]) || !isComplex(dy.dtype)
        ? cast(dy, c.inputDtypes[0])
        : real(dy).dtype === c.inputDtypes[0]
          ? real(dy)
          : cast(real(dy), c.inputDtypes[0])
      : null,
  ],
};
allowComplex<Attrs>(Cast, castRule);

// --- matmul ---------------------------------------------------------------------------------

const MatMul = op("BatchMatMulV2");
allowComplex<Attrs>(MatMul, {
  infer: ([a, b], attrs) => {
    if (a.dtype !== b.dtype) {
      throw new InvalidArgumentError(
        `BatchMatMulV2: In[0] and In[1] must have the same dtype, got ${describe(a)} and ${describe(b)}`,
      );
    }
    // The real rule on the pair views' shapes: same checks, same output shape.
    const fake = (t: Tensor): Tensor =>
      ({ shape: t.shape, dtype: "float64", rank: t.rank }) as Tensor;
    return [
      { shape: (MatMul.infer([fake(a), fake(b)], attrs) as OutputSpec[])[0].shape, dtype: a.dtype },
    ];
  },
  kernel: (be, [a, b], [c], attrs) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const [m, n] = c.shape.slice(-2);
    const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
    const batchOf = (t: Tensor) => sizeOf(t.shape.slice(0, -2));
    complexMatmul(be.read(a) as NumArray, be.read(b) as NumArray, be.read(c) as NumArray, {
      batch: sizeOf(c.shape.slice(0, -2)),
      m,
      n,
      k,
      transposeA,
      transposeB,
      aBatchStride: batchOf(a) === 1 ? 0 : m * k,
      bBatchStride: batchOf(b) === 1 ? 0 : k * n,
    });
  },
  // dA = dC B^H, dB = A^H dC (TensorFlow conjugates the inputs of MatMul's gradient)
  grad: conjugated(MatMul.grad),
});

export {};
