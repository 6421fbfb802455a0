/**
 * Vectorized Jacobians (TensorFlow's experimental_use_pfor): the reverse pass traced once as a
 * function of its seed (the cotangent of the target), then run once on all the seeds at once,
 * stacked along a new leading axis (pfor.ts). Row i of the Jacobian is the vector-Jacobian
 * product with the i-th one-hot seed, so the seeds are the identity matrix: the backward pass
 * becomes matrix-matrix work (a matvec per layer becomes a matmul) instead of target.size
 * passes of matrix-vector work.
 */
import { broadcastTo, reshape } from "../ops/broadcast.js";
import { eye, ones } from "../ops/creation.js";
import { transpose } from "../ops/movement-core.js";
import type { Tensor } from "../tensor/tensor.js";
import { runBatched, traceProgram } from "./pfor.js";
import { OneHot } from "./pfor-onehot.js";

type Vjp = (seed: Tensor) => (Tensor | null)[];

/**
 * The Jacobian of `target` for each source, [...target.shape, ...source.shape] (null where
 * unconnected), or null when the reverse pass cannot be batched (the caller loops).
 * `seed0`: the one-hot seed of element 0, used to trace the pass.
 */
export function pforJacobian(
  target: Tensor,
  sources: readonly Tensor[],
  seed0: Tensor,
  vjp: Vjp,
): (Tensor | null)[] | null {
  const n = target.size;
  const { program } = traceProgram(([v]) => vjp(v), [seed0]);
  // A vector target's seeds are one-hot on its axis (pfor-onehot.ts); others, the dense stack.
  const seeds =
    target.rank === 1
      ? new OneHot(ones(target.shape, seed0.dtype), 0)
      : reshape(eye(n, n, seed0.dtype), [n, ...target.shape]);
  const r = runBatched(program, [seeds], n);
  if ("reason" in r) return null;
  return r.outputs.map((g, k) =>
    g === null ? null : reshape(g, [...target.shape, ...sources[k].shape]),
  );
}

/**
 * batchJacobian for target [b, ...t] and source [b, ...s]: the seeds are one-hot in the
 * per-example position j and the same for every example, [m, b, ...t]; each result [m, b, ...s]
 * becomes [b, ...t, ...s]. Null when the pass cannot be batched.
 */
export function pforBatchJacobian(
  target: Tensor,
  source: Tensor,
  seed0: Tensor,
  vjp: Vjp,
): Tensor | null | "unconnected" {
  const b = target.shape[0];
  const m = b === 0 ? 0 : target.size / b;
  const { program } = traceProgram(([v]) => vjp(v), [seed0]);
  const perExample = target.shape.slice(1);
  const seeds =
    target.rank === 2
      ? new OneHot(ones(target.shape, seed0.dtype), 1)
      : broadcastTo(reshape(eye(m, m, seed0.dtype), [m, 1, ...perExample]), [m, ...target.shape]);
  const r = runBatched(program, [seeds], m);
  if ("reason" in r) return null;
  const g = r.outputs[0];
  if (g === null) return "unconnected";
  const perm = [1, 0, ...source.shape.slice(1).map((_, i) => i + 2)];
  return reshape(transpose(g, perm), [...target.shape, ...source.shape.slice(1)]);
}
