/**
 * The nn and linear-algebra ops as Tensor methods (`x.softmax(axis?)`, `a.matmul(b, opts)`),
 * installed from the method names each public function is tagged with where it is defined.
 */
import { installMethods, type MethodsOf } from "./api.js";
import * as softmax from "./nn-softmax.js";
import * as linalg from "./linalg.js";

type NnMethods = MethodsOf<typeof softmax> & MethodsOf<typeof linalg>;

declare module "../tensor/tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the ops' tags
  interface Tensor extends NnMethods {}
}

installMethods(softmax, linalg);
