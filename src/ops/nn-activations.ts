/**
 * Activations of tf.nn built from elementwise primitives (relu, elu, selu, sigmoid, softplus
 * and tanh are primitives in elementwise.ts): their gradients come from the pieces.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, toTensor, type TensorLike } from "./checks.js";
import { add, erf, greater, maximum, mul, square, tanh, where } from "./elementwise.js";
import { api } from "./api.js";

/**
 * `tf.nn.gelu(features, approximate = false)`: x * Phi(x) with Phi the standard normal CDF,
 * 0.5 x (1 + erf(x / sqrt 2)); approximate: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export const gelu = api(
  function gelu(features: TensorLike, approximate = false): Tensor {
    const x = toTensor(features, "gelu");
    checkDType("gelu", x, "float", "features");
    if (approximate) {
      const inner = mul(add(x, mul(mul(square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(x, 0.5), add(tanh(inner), 1));
    }
    return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
  },
  { methods: [], namespaces: ["nn"] },
);

/**
 * `tf.nn.leakyRelu(features, alpha = 0.2)`: x for x > 0, alpha x otherwise. For alpha <= 1 that
 * is max(alpha x, x); alpha x comes first so a tie at x = 0 sends the gradient there, giving
 * alpha, as TensorFlow's LeakyReluGrad does.
 */
export const leakyRelu = api(
  function leakyRelu(features: TensorLike, alpha = 0.2): Tensor {
    const x = toTensor(features, "leakyRelu");
    checkDType("leakyRelu", x, "float", "features");
    if (typeof alpha !== "number" || Number.isNaN(alpha)) {
      throw new InvalidArgumentError(`leakyRelu: alpha must be a number, got ${String(alpha)}`);
    }
    if (alpha <= 1) return maximum(mul(x, alpha), x);
    return where(greater(x, 0), x, mul(x, alpha));
  },
  { methods: [], namespaces: ["nn"] },
);
