/**
 * The elementwise kernel family: one scalar-function table per backend serves every unary and
 * binary op (the names are TensorFlow's raw-op names).
 */
import type { DataArray, NumArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";

/**
 * An elementwise op as a backend sees it, taken from the op's registry entry: its name (by which
 * a native kernel is found) and its scalar expression (from which the JS loop is compiled).
 */
export interface ScalarFn {
  /** TensorFlow's raw-op name: `Exp`, `Add`. */
  readonly name: string;
  /**
   * The value of one element as a JavaScript expression in `x` (unary) or `a` and `b` (binary),
   * over numbers; it may call the helpers of backend/js/scalar-math.ts (erf, floorMod, ...).
   * Comparisons give 1 or 0 (the output is bool storage).
   */
  readonly js: string;
  /** Each element costs a transcendental call (exp, sin): worth the native call at small sizes. */
  readonly costly: boolean;
}

export interface ElementwiseKernels {
  /** out[i] = f(x[i]); out may have another dtype (IsNan writes bool). */
  unary(fn: ScalarFn, x: NumArray, out: NumArray): void;
  /** out = f(a, b) with NumPy broadcasting of aShape and bShape to outShape. */
  binary(
    fn: ScalarFn,
    a: DataArray,
    aShape: Shape,
    b: DataArray,
    bShape: Shape,
    out: NumArray,
    outShape: Shape,
  ): void;
  /** out = cond ? x : y, the three broadcast to outShape. */
  select(
    cond: NumArray,
    condShape: Shape,
    x: DataArray,
    xShape: Shape,
    y: DataArray,
    yShape: Shape,
    out: DataArray,
    outShape: Shape,
  ): void;
  /** Converts between numeric dtypes (to bool: x != 0; to int32: truncation toward zero). */
  cast(x: NumArray, out: NumArray): void;
}
