/**
 * The complex-number functions whose first argument is the tensor, as Tensor methods
 * (`z.real()`, `z.conj()`), installed from their tags.
 */
import { installMethods, type MethodsOf } from "./api.js";
import * as complexOps from "./complex.js";

type ComplexMethods = MethodsOf<typeof complexOps>;

declare module "../tensor/tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the ops' tags
  interface Tensor extends ComplexMethods {}
}

installMethods(complexOps);
