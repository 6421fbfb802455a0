/**
 * Second-order helpers in `tf.autodiff` (TensorFlow has tf.hessians in graph mode and
 * forward-over-backward products through ForwardAccumulator; these are the eager versions):
 *
 * - `hessianVectorProduct(f, primals, tangents)`: H v for the Hessian H of the scalar f at
 *   primals, by reverse over reverse: v . grad f differentiated again, d/dx <grad f(x), v>
 *   = H v (H is symmetric). Costs about two gradients, whatever the size of x.
 * - `hessian(f, primals)`: the whole Hessian, the Jacobian of grad f. With pfor (the default)
 *   that Jacobian is one batched reverse pass over the identity's columns, i.e. every
 *   Hessian-vector product H e_i at once.
 */
import { functionArg, optionsArg } from "../tensor/args.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { GradientTape } from "./tape.js";

type Primals = Tensor | readonly Tensor[];

function asList(x: Primals, where: string, what: string): Tensor[] {
  const list = x instanceof Tensor ? [x] : Array.isArray(x) ? [...x] : null;
  if (list === null || list.length === 0 || !list.every((t) => t instanceof Tensor)) {
    throw new TypeError(`${where}: ${what} must be a tensor or a non-empty array of tensors`);
  }
  return list;
}

/** f at primals, checked to be a floating scalar, with the gradient recorded on `outer`. */
function gradientOnTape(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  outer: GradientTape,
  where: string,
): Tensor[] {
  return outer.record(() => {
    const inner = new GradientTape();
    inner.watch(xs);
    const y = inner.record(() => f(...xs));
    if (!(y instanceof Tensor) || y.size !== 1) {
      throw new InvalidArgumentError(
        `${where}: f must return a scalar tensor, got ${y instanceof Tensor ? `shape ${shapeMsg(y.shape)}` : typeof y}`,
      );
    }
    return inner.gradient(y, xs, { unconnectedGradients: "zero" }).map((g) => g as Tensor);
  });
}

/**
 * `tf.autodiff.hessianVectorProduct(f, primals, tangents)`: the product of the Hessian of the
 * scalar f(...primals) with `tangents` (same structure and shapes as primals).
 */
export function hessianVectorProduct(
  f: (...xs: Tensor[]) => Tensor,
  primals: Tensor,
  tangents: Tensor,
): Tensor;
export function hessianVectorProduct(
  f: (...xs: Tensor[]) => Tensor,
  primals: readonly Tensor[],
  tangents: readonly Tensor[],
): Tensor[];
export function hessianVectorProduct(
  f: (...xs: Tensor[]) => Tensor,
  primals: Primals,
  tangents: Primals,
): Tensor | Tensor[] {
  const where = "hessianVectorProduct";
  functionArg(where, f, "f");
  const xs = asList(primals, where, "primals");
  const vs = asList(tangents, where, "tangents");
  if (vs.length !== xs.length || vs.some((v, i) => !shapesEqual(v.shape, xs[i].shape))) {
    throw new InvalidArgumentError(
      `${where}: tangents must match primals, got shapes ${vs.map((v) => shapeMsg(v.shape)).join(", ")} for ${xs.map((x) => shapeMsg(x.shape)).join(", ")}`,
    );
  }
  const outer = new GradientTape();
  outer.watch(xs);
  const grads = gradientOnTape(f, xs, outer, where);
  const hv = outer
    .gradient(grads, xs, { outputGradients: vs, unconnectedGradients: "zero" })
    .map((g) => g as Tensor);
  return primals instanceof Tensor ? hv[0] : hv;
}

/**
 * `tf.autodiff.hessian(f, x, {experimentalUsePfor})`: the Hessian of the scalar f at the tensor
 * x, shape [...x.shape, ...x.shape].
 */
export function hessian(
  f: (x: Tensor) => Tensor,
  x: Tensor,
  options: { experimentalUsePfor?: boolean } | null = {},
): Tensor {
  const where = "hessian";
  functionArg(where, f, "f");
  const opts = optionsArg(where, options);
  const [x0] = asList(x, where, "x");
  const outer = new GradientTape();
  outer.watch(x0);
  const [g] = gradientOnTape((t) => f(t), [x0], outer, where);
  return outer.jacobian(g, x0, {
    unconnectedGradients: "zero",
    experimentalUsePfor: opts.experimentalUsePfor ?? true,
  });
}
