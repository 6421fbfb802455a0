/**
 * The reductions as Tensor methods (`x.sum()`, `x.mean(1, true)`, `x.argmax(1)`,
 * `x.cumsum(0, {reverse: true})`, `x.topK(3)`), installed from the method names each public
 * function is tagged with where it is defined (TensorFlow's name and NumPy's short one).
 */
import { installMethods, type MethodsOf } from "./api.js";
import * as sum from "./broadcast.js";
import * as red from "./reduce.js";
import * as scan from "./reduce-scan.js";

type ReductionMethods = MethodsOf<typeof sum> & MethodsOf<typeof red> & MethodsOf<typeof scan>;

declare module "../tensor/tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the ops' tags
  interface Tensor extends ReductionMethods {}
}

installMethods(sum, red, scan);
