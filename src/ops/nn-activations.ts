/**
 * Activations of tf.nn built from elementwise primitives (relu, elu, selu, sigmoid, softplus
 * and tanh are primitives in elementwise.ts): their gradients come from the pieces.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkDType, toTensor, type TensorLike } from "./checks.js";
import { greater, maximum, mul, where } from "./elementwise.js";
import { geluApproximate, geluExact } from "./elementwise/gelu.js";
import { api } from "./api.js";

/**
 * `tf.nn.gelu(features, approximate = false)`: x * Phi(x) with Phi the standard normal CDF,
 * 0.5 x (1 + erf(x / sqrt 2)); approximate: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * Each form is one op with a fused gradient (Gelu, GeluApproximate in elementwise/gelu.ts).
 */
export const gelu = api(
  function gelu(features: TensorLike, approximate = false): Tensor {
    const x = toTensor(features, "gelu");
    checkDType("gelu", x, "float", "features");
    if (typeof approximate !== "boolean") {
      throw new TypeError(`gelu: approximate must be a boolean, got ${String(approximate)}`);
    }
    // One elementwise op each (elementwise/gelu.ts), with fused gradients.
    return approximate ? geluApproximate(x) : geluExact(x);
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
