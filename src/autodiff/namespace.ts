/** `tf.autodiff`. */
export { ForwardAccumulator } from "./forward.js";
export { hessianVectorProduct, hessian } from "./hessian.js";
