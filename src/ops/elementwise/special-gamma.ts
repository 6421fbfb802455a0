/**
 * The regularized incomplete gamma and beta functions of `tf.math`: igamma, igammac (binary
 * elementwise ops with NumPy broadcasting) and betainc (ternary; the three operands are
 * broadcast to one shape, then the Betainc kernel runs elementwise). Scalar functions in
 * backend/js/scalar-gamma.ts. Gradients as TensorFlow defines them:
 * - d/dx P(a, x) = x^(a-1) e^-x / Gamma(a), computed in log space;
 * - d/da P(a, x) = IgammaGradA(a, x), the forward-mode derivative of the series / continued
 *   fraction (TensorFlow registers none for IgammaGradA itself; tapeflow gives it one, by the
 *   same forward mode to second order, so second derivatives of igamma exist);
 * - igammac's are the negatives of igamma's;
 * - betainc is differentiable in x only, d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b); a and b
 *   get no gradient (null), as TensorFlow's rule returns None for them.
 */
import { defineOp, type Grads, type OpDef } from "../../engine/op.js";
import { runOp1 } from "../../engine/run-op.js";
import type { FloatArray } from "../../backend/special.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { broadcastShapes, shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { api } from "../api.js";
import { broadcastTo, unbroadcast } from "../broadcast.js";
import {
  checkDType,
  describe,
  NO_ATTRS,
  type NoAttrs,
  saved,
  toTensor,
  type TensorLike,
} from "../checks.js";
import { add, multiply as mul, negative as neg, subtract as sub } from "./basic.js";
import { binaryOp } from "./define.js";
import { exp, log } from "./math.js";
import { digamma, lgamma, xlog1py, xlogy } from "./special.js";

/** d/dx P(a, x) = exp(-x + (a - 1) log x - lgamma(a)) (TensorFlow's partial_x). */
const igammaDx = (a: Tensor, x: Tensor): Tensor =>
  exp(sub(sub(mul(sub(a, 1), log(x)), x), lgamma(a)));

/** The cotangents of (a, x) for P's partials pa and px, signed (igammac's are negated). */
function gammaGrads(dy: Tensor, pa: Tensor, px: Tensor, sign: 1 | -1, c: GradCtx): Grads {
  const s = (t: Tensor): Tensor => (sign === 1 ? t : neg(t));
  return [unbroadcast(s(mul(dy, pa)), c, 0), unbroadcast(s(mul(dy, px)), c, 1)];
}
type GradCtx = { readonly inputShapes: readonly (readonly number[])[] };

// Where igamma and its derivatives are smooth in both operands, on both sides of the series /
// continued-fraction split (x > max(1, a) takes the continued fraction).
const GAMMA_DOMAIN = [
  [0.5, 3],
  [0.3, 4],
] as const;

// d2P/da2 (internal): no gradient registered, so third derivatives in a are a LookupError.
const igammaGradA2 = binaryOp({
  name: "IgammaGradA2",
  fn: "igammaGradA2",
  js: "igammaGradA2(a, b)",
  costly: true,
  dtypes: "float",
  grad: null,
});

// dP/da (TensorFlow's IgammaGradA, internal): d/da = d2P/da2, d/dx = dP/dx (log x - digamma(a)).
const igammaGradA = binaryOp({
  name: "IgammaGradA",
  fn: "igammaGradA",
  js: "igammaGradA(a, b)",
  costly: true,
  dtypes: "float",
  reads: "inputs",
  grad: ([dy], c): Grads => {
    const [a, x] = [saved(c.inputs[0]), saved(c.inputs[1])];
    const px = mul(igammaDx(a, x), sub(log(x), digamma(a)));
    return gammaGrads(dy, igammaGradA2(a, x), px, 1, c);
  },
  // First order: IgammaGradA2 has no gradient (Igamma's own check covers its second order).
  check: {
    cases: [
      {
        inputs: [
          { shape: [2, 3], range: GAMMA_DOMAIN[0] },
          { shape: [2, 3], range: GAMMA_DOMAIN[1] },
        ],
        attrs: NO_ATTRS,
      },
    ],
    secondOrder: false,
  },
});

/** Igamma (sign 1) or Igammac (sign -1): Q's partials are the negatives of P's. */
function incompleteGamma<const F extends string>(name: string, fn: F, sign: 1 | -1) {
  return binaryOp({
    name,
    fn,
    js: `${fn}(a, b)`,
    costly: true,
    dtypes: "float",
    reads: "inputs",
    grad: ([dy], c): Grads => {
      const [a, x] = [saved(c.inputs[0]), saved(c.inputs[1])];
      return gammaGrads(dy, igammaGradA(a, x), igammaDx(a, x), sign, c);
    },
    domain: GAMMA_DOMAIN,
    methods: [fn],
    namespaces: ["math"],
  });
}

/** `tf.math.igamma(a, x)`: the regularized lower incomplete gamma function P(a, x). */
export const igamma = incompleteGamma("Igamma", "igamma", 1);
/** `tf.math.igammac(a, x)`: the regularized upper incomplete gamma function Q = 1 - P. */
export const igammac = incompleteGamma("Igammac", "igammac", -1);

const Betainc: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "Betainc",
  kind: "other",
  overwritesOutputs: true,
  infer: ([a, b, x]) => {
    checkDType("Betainc", x, "float", "x");
    if (a.dtype !== x.dtype || b.dtype !== x.dtype) {
      throw new InvalidArgumentError(
        `Betainc: a, b and x must have the same dtype, got a ${describe(a)}, b ${describe(b)}, x ${describe(x)}`,
      );
    }
    if (!shapesEqual(a.shape, x.shape) || !shapesEqual(b.shape, x.shape)) {
      throw new InvalidArgumentError(
        `Betainc: a, b and x must have the same shape (tf.math.betainc broadcasts them first), got a ${describe(a)}, b ${describe(b)}, x ${describe(x)}`,
      );
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  kernel: (be, [a, b, x], [y]) =>
    be.betainc(
      be.read(a) as FloatArray,
      be.read(b) as FloatArray,
      be.read(x) as FloatArray,
      be.read(y) as FloatArray,
    ),
  saveInputs: [0, 1, 2],
  // d/dx I_x(a, b) = exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - log B(a, b)); xlogy and xlog1py
  // keep the tails at a = 1 or b = 1 finite (TensorFlow's form). None for a and b.
  grad: ([dy], c): Grads => {
    const [a, b, x] = [saved(c.inputs[0]), saved(c.inputs[1]), saved(c.inputs[2])];
    const logBeta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)));
    const dx = exp(sub(add(xlogy(sub(a, 1), x), xlog1py(sub(b, 1), neg(x))), logBeta));
    return [null, null, mul(dy, dx)];
  },
  check: {
    cases: [
      {
        inputs: [
          { value: [0.5, 1, 2.5], dtype: "float64" },
          { value: [1.5, 3, 0.7], dtype: "float64" },
          { shape: [3], range: [0.1, 0.9] },
        ],
        attrs: NO_ATTRS,
      },
    ],
  },
});

/**
 * `tf.math.betainc(a, b, x)`: the regularized incomplete beta function I_x(a, b), the three
 * operands broadcast together (NaN where a <= 0, b <= 0 or x is outside [0, 1]). Differentiable
 * in x only.
 */
export const betainc = api(
  function betainc(a: TensorLike, b: TensorLike, x: TensorLike): Tensor {
    const xt = toTensor(x, "betainc");
    checkDType("betainc", xt, "float", "x");
    const at = toTensor(a, "betainc", xt.dtype);
    const bt = toTensor(b, "betainc", xt.dtype);
    const ab = broadcastShapes("betainc", at.shape, bt.shape, `a and b ${xt.dtype}`);
    const shape = broadcastShapes("betainc", ab, xt.shape, `a, b and x ${xt.dtype}`);
    const grow = (t: Tensor): Tensor => (shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape));
    return runOp1(Betainc, [grow(at), grow(bt), grow(xt)], NO_ATTRS);
  },
  { methods: ["betainc"], namespaces: ["math"] },
);
