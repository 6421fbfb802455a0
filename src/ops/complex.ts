/**
 * The complex-number family: `tf.complex`, `tf.math.real`, `imag`, `conj`, `angle`.
 *
 * complex64 and complex128 tensors are stored as interleaved (re, im) pairs (tensor/dtype.ts).
 * Gradients follow TensorFlow's convention: for a real loss L of a complex z = x + iy the tape
 * returns dL/dx + i dL/dy (the conjugate of the Wirtinger derivative 2 dL/dz), so for a
 * holomorphic f the rule is dz = dy * conj(f'(z)).
 */
import { complexToReal, makeComplex } from "../backend/complex.js";
import { supportsComplex } from "../engine/complex.js";
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import { complexDType, isComplex, isFloating, type NumArray, realDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { sumToShape } from "./broadcast.js";
import {
  describe,
  NO_ATTRS,
  type NoAttrs,
  toOperands,
  toTensor,
  type TensorLike,
} from "./checks.js";
import { zerosLike } from "./creation.js";
import { divide, negative } from "./elementwise/basic.js";

/** Complex(re, im): both float32 or both float64, broadcast. */
export const Complex: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "Complex",
  kind: "binary",
  overwritesOutputs: true,
  infer: ([re, im]) => {
    if (!isFloating(re.dtype) || re.dtype !== im.dtype) {
      throw new InvalidArgumentError(
        `Complex: real and imag must both be float32 or both float64, got ${describe(re)} and ${describe(im)}`,
      );
    }
    return [
      {
        shape: broadcastShapes("Complex", re.shape, im.shape, re.dtype),
        dtype: complexDType(re.dtype),
      },
    ];
  },
  kernel: (b, [re, im], [z]) =>
    makeComplex(
      b.read(re) as NumArray,
      re.shape,
      b.read(im) as NumArray,
      im.shape,
      b.read(z) as NumArray,
      z.shape,
    ),
  // z = x + iy: dx = Re dz, dy = Im dz (summed over broadcast axes).
  grad: ([dz], c): Grads => [
    sumToShape(real(dz), c.inputShapes[0]),
    sumToShape(imag(dz), c.inputShapes[1]),
  ],
  check: { skip: "complex output: checked in test/complex.test.ts" },
});

function partOp(name: "Real" | "Imag" | "Angle", fn: "real" | "imag" | "angle"): OpDef<NoAttrs> {
  const op = defineOp<NoAttrs>({
    name,
    kind: "unary",
    overwritesOutputs: true,
    infer: ([z]) => {
      if (!isComplex(z.dtype))
        throw new InvalidArgumentError(
          `${name}: input must be complex64 or complex128, got ${describe(z)}`,
        );
      return [{ shape: z.shape, dtype: realDType(z.dtype) }];
    },
    kernel: (b, [z], [y]) => complexToReal(fn, b.read(z) as NumArray, b.read(y) as NumArray),
    grad:
      name === "Real"
        ? // d Re z: the cotangent goes to the real part
          ([dy]): Grads => [complex(dy, zerosLike(dy))]
        : name === "Imag"
          ? ([dy]): Grads => [complex(zerosLike(dy), dy)]
          : // d arg z = (-y dx + x dy) / |z|^2, i.e. dz = -dy / (Im z + i Re z) (TensorFlow's AngleGrad)
            ([dy], c): Grads => {
              const z = c.inputs[0] as Tensor;
              const w = complex(imag(z), real(z));
              return [negative(divide(complex(dy, zerosLike(dy)), w))];
            },
    saveInputs: name === "Angle" ? [0] : undefined,
    check: { skip: "complex input: checked in test/complex.test.ts" },
  });
  supportsComplex(op);
  return op;
}

export const Real = partOp("Real", "real");
export const Imag = partOp("Imag", "imag");
export const Angle = partOp("Angle", "angle");
supportsComplex(Complex);

/** Conj: (a, b) -> (a, -b); d conj = conj dy. */
export const Conj: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "Conj",
  kind: "unary",
  overwritesOutputs: true,
  infer: ([z]) => {
    if (!isComplex(z.dtype))
      throw new InvalidArgumentError(
        `Conj: input must be complex64 or complex128, got ${describe(z)}`,
      );
    return [{ shape: z.shape, dtype: z.dtype }];
  },
  kernel: (b, [z], [y]) => {
    const x = b.read(z) as NumArray;
    const o = b.read(y) as NumArray;
    for (let i = 0; i < x.length; i += 2) {
      o[i] = x[i];
      o[i + 1] = -x[i + 1];
    }
  },
  grad: ([dy]): Grads => [conj(dy)],
  check: { skip: "complex input: checked in test/complex.test.ts" },
});
supportsComplex(Conj);

function numericOrComplex(fn: string, x: Tensor): void {
  if (x.dtype === "string")
    throw new TypeError(`${fn}: input must be a number or complex tensor, got ${describe(x)}`);
}

/**
 * `tf.complex(real, imag)`: the complex tensor real + i imag (float32 parts make complex64,
 * float64 complex128), the two parts broadcast. JS numbers are float32 unless beside a tensor.
 */
export const complex = api(function complex(real: TensorLike, imag: TensorLike): Tensor {
  const [re, im] = toOperands("complex", real, imag);
  return runOp1(Complex, [re, im], NO_ATTRS);
}, {});

/** `tf.math.real(x)`: the real part (a real tensor is returned as it is). */
export const real = api(
  function real(input: TensorLike): Tensor {
    const x = toTensor(input, "real");
    numericOrComplex("real", x);
    return isComplex(x.dtype) ? runOp1(Real, [x], NO_ATTRS) : x;
  },
  { methods: ["real"], namespaces: ["math"] },
);

/** `tf.math.imag(x)`: the imaginary part (zeros for a real tensor). */
export const imag = api(
  function imag(input: TensorLike): Tensor {
    const x = toTensor(input, "imag");
    numericOrComplex("imag", x);
    return isComplex(x.dtype) ? runOp1(Imag, [x], NO_ATTRS) : zerosLike(x);
  },
  { methods: ["imag"], namespaces: ["math"] },
);

/** `tf.math.conj(x)`: the complex conjugate (a real tensor is returned as it is). */
export const conj = api(
  function conj(input: TensorLike): Tensor {
    const x = toTensor(input, "conj");
    numericOrComplex("conj", x);
    return isComplex(x.dtype) ? runOp1(Conj, [x], NO_ATTRS) : x;
  },
  { methods: ["conj"], namespaces: ["math"] },
);

/**
 * `tf.math.angle(x)`: the argument atan2(Im, Re) in (-pi, pi]; for a real tensor, pi where
 * x < 0 and 0 elsewhere, as TensorFlow gives.
 */
export const angle = api(
  function angle(input: TensorLike): Tensor {
    const x = toTensor(input, "angle");
    if (isComplex(x.dtype)) return runOp1(Angle, [x], NO_ATTRS);
    if (!isFloating(x.dtype))
      throw new TypeError(`angle: input must be float or complex, got ${describe(x)}`);
    return runOp1(Angle, [runOp1(Complex, [x, zerosLike(x)], NO_ATTRS)], NO_ATTRS);
  },
  { methods: ["angle"], namespaces: ["math"] },
);
