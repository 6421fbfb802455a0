/**
 * `tf.vectorizedMap(fn, elems)`: fn over the first axis of elems, run as one batched program
 * (pfor.ts) where every op allows it, else (TensorFlow's fallback_to_while_loop) as a loop of
 * calls stacked together.
 */
import { warn } from "../engine/logging.js";
import { reshape } from "../ops/broadcast.js";
import { stack, unstack } from "../ops/movement-core.js";
import { slice } from "../ops/movement-slice.js";
import { withoutRecording } from "../engine/recorder.js";
import { convertToTensor, type TensorLike } from "../tensor/convert.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { runBatched, traceProgram } from "./pfor.js";

export interface VectorizedMapOptions {
  /** Run a loop where fn cannot be vectorized (default true); false throws instead. */
  fallbackToWhileLoop?: boolean;
  /** Log a warning when falling back (default true). */
  warn?: boolean;
}

type Out = Tensor | readonly Tensor[];

function resultList(r: unknown, where: string): { single: boolean; list: Tensor[] } {
  const wrap = (v: unknown): Tensor => {
    if (v instanceof Tensor) return v;
    if (typeof v === "number" || typeof v === "boolean") return convertToTensor(v, null, where);
    throw new TypeError(
      `${where}: fn must return a tensor or an array of tensors, got ${typeof v}`,
    );
  };
  return Array.isArray(r)
    ? { single: false, list: r.map(wrap) }
    : { single: true, list: [wrap(r)] };
}

/**
 * `tf.vectorizedMap(fn, elems, {fallbackToWhileLoop, warn})`: the same as stacking fn(elems[i])
 * for every i (elems a tensor, or an array of tensors sliced together), computed as one batched
 * run of fn's ops: fn is traced once on the first element, and each op runs on the whole batch
 * (elementwise ops broadcast, matmuls batch, reductions and reshapes shift their axes). A
 * function that draws random numbers, uses control flow, reads values into JS or runs an op
 * without a batching rule is run as a loop instead (with a warning), or, with
 * `fallbackToWhileLoop: false`, is an error. fn returns a tensor or an array of tensors.
 */
export function vectorizedMap(
  fn: (x: Tensor) => Tensor,
  elems: TensorLike,
  options?: VectorizedMapOptions,
): Tensor;
export function vectorizedMap(
  fn: (x: Tensor) => readonly Tensor[],
  elems: TensorLike,
  options?: VectorizedMapOptions,
): Tensor[];
export function vectorizedMap(
  fn: (xs: Tensor[]) => Tensor,
  elems: readonly Tensor[],
  options?: VectorizedMapOptions,
): Tensor;
export function vectorizedMap(
  fn: (xs: Tensor[]) => readonly Tensor[],
  elems: readonly Tensor[],
  options?: VectorizedMapOptions,
): Tensor[];
export function vectorizedMap(
  fn: (x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
  options: VectorizedMapOptions = {},
): Out {
  const where = "vectorizedMap";
  if (typeof fn !== "function") throw new TypeError(`${where}: fn must be a function`);
  const call = fn as (x: unknown) => unknown;
  const singleIn = !Array.isArray(elems);
  const list = singleIn
    ? [elems instanceof Tensor ? elems : convertToTensor(elems as TensorLike, null, where)]
    : (elems as readonly unknown[]).map((e) => {
        if (!(e instanceof Tensor))
          throw new TypeError(`${where}: elems must be a tensor or an array of tensors`);
        return e;
      });
  if (list.length === 0) throw new InvalidArgumentError(`${where}: elems is an empty array`);
  for (const e of list) {
    if (e.rank === 0 || e.shape[0] !== list[0].shape[0]) {
      throw new InvalidArgumentError(
        `${where}: every tensor of elems needs the same first dimension, got ${list.map((t) => shapeMsg(t.shape)).join(", ")}`,
      );
    }
  }
  const n = list[0].shape[0];
  if (n === 0)
    throw new InvalidArgumentError(`${where}: elems has no elements along its first axis`);
  const pack = (xs: readonly Tensor[]): unknown => (singleIn ? xs[0] : [...xs]);
  // One example: the first, as fresh tensors.
  const firsts = withoutRecording(() =>
    list.map((e) =>
      reshape(
        slice(
          e,
          e.shape.map(() => 0),
          [1, ...e.shape.slice(1)],
        ),
        e.shape.slice(1),
      ),
    ),
  );
  let single = true;
  const { program } = traceProgram((ins) => {
    const r = resultList(call(pack(ins)), where);
    single = r.single;
    return r.list;
  }, firsts);
  const batched = runBatched(program, list, n);
  if ("outputs" in batched) {
    const outs = batched.outputs as Tensor[];
    return single ? outs[0] : outs;
  }
  if (options.fallbackToWhileLoop === false) {
    throw new InvalidArgumentError(`${where}: fn cannot be vectorized: ${batched.reason}`);
  }
  if (options.warn !== false) {
    warn(`${where}: using a loop, as fn cannot be vectorized: ${batched.reason}`);
  }
  const slices = list.map((e) => unstack(e));
  const results: Tensor[][] = [];
  for (let i = 0; i < n; i++)
    results.push(resultList(call(pack(slices.map((s) => s[i]))), where).list);
  const outs = results[0].map((_, k) => stack(results.map((r) => r[k])));
  return single ? outs[0] : outs;
}
