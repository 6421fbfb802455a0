/**
 * The movement ops as Tensor methods (`x.transpose()`, `x.expandDims(0)`, `x.gather(idx)`),
 * installed from the method names each public function is tagged with where it is defined;
 * concat and stack, whose method takes the other tensors, are written here.
 */
import { Tensor } from "../tensor/tensor.js";
import { installMethods, type MethodsOf } from "./api.js";
import type { TensorLike } from "./checks.js";
import * as core from "./movement-core.js";
import * as slicing from "./movement-slice.js";
import * as gathering from "./movement-gather.js";

type MovementMethods = MethodsOf<typeof core> &
  MethodsOf<typeof slicing> &
  MethodsOf<typeof gathering>;

declare module "../tensor/tensor.js" {
  interface Tensor extends MovementMethods {
    /** `x.concat(others, axis)` is `tf.concat([x, ...others], axis)`. */
    concat(others: TensorLike | readonly TensorLike[], axis: number): Tensor;
    /** `x.stack(others, axis)` is `tf.stack([x, ...others], axis)`. */
    stack(others: TensorLike | readonly TensorLike[], axis?: number): Tensor;
  }
}

installMethods(core, slicing, gathering);

/** `others` as a list: a Tensor or a JS scalar is one tensor; a JS array is a list of them. */
function asList(others: TensorLike | readonly TensorLike[]): readonly TensorLike[] {
  return others instanceof Tensor || !Array.isArray(others) ? [others as TensorLike] : others;
}

Tensor.prototype.concat = function (
  this: Tensor,
  others: TensorLike | readonly TensorLike[],
  axis: number,
) {
  return core.concat([this, ...asList(others)], axis);
};
Tensor.prototype.stack = function (
  this: Tensor,
  others: TensorLike | readonly TensorLike[],
  axis = 0,
) {
  return core.stack([this, ...asList(others)], axis);
};
