/**
 * The elementwise ops as Tensor methods (`x.add(y)`, `x.pow(2)`, `x.cast("int32")`), installed
 * from the method names each op's definition carries, with types derived from the same tags.
 */
import { installMethods, type MethodsOf } from "./api.js";
import * as basic from "./elementwise/basic.js";
import * as math from "./elementwise/math.js";
import * as activation from "./elementwise/activation.js";
import * as special from "./elementwise/special.js";
import * as specialGamma from "./elementwise/special-gamma.js";

type ElementwiseMethods = MethodsOf<typeof basic> &
  MethodsOf<typeof math> &
  MethodsOf<typeof activation> &
  MethodsOf<typeof special> &
  MethodsOf<typeof specialGamma>;

declare module "../tensor/tensor.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the ops' tags
  interface Tensor extends ElementwiseMethods {}
}

installMethods(basic, math, activation, special, specialGamma);
