/**
 * The tf.math composites whose first argument is the tensor, as Tensor methods
 * (`x.countNonzero()`, `x.l2Normalize(-1)`), installed from their tags.
 */
import { installMethods, type MethodsOf } from "./api.js";
import * as misc from "./math-misc.js";

type MathMiscMethods = MethodsOf<typeof misc>;

declare module "../tensor/tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the ops' tags
  interface Tensor extends MathMiscMethods {}
}

installMethods(misc);
