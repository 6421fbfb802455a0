/**
 * `tf.mapFn`, `tf.foldl`, `tf.foldr`, `tf.scan`: loops over the first axis of tensors, built on
 * the While loop of control-flow.ts with TensorArray-like slicing (one slice of each element
 * tensor per iteration, unstacked once) and accumulation (one value per iteration, stacked
 * once at the end). Eager code runs them in JS; a tf.function holds one While node, so the
 * graph does not grow with the number of elements. Gradients flow through every iteration
 * (Unpack's gradient stacks the slices' cotangents, Pack's unstacks them).
 *
 * Elements and accumulators are a tensor or an array of tensors (the function gets and returns
 * the same kind).
 */
import { reshape } from "../ops/broadcast.js";
import { concat, expandDims, reverse } from "../ops/movement-core.js";
import { slice } from "../ops/movement-slice.js";
import { convertToTensor, type TensorLike } from "../tensor/convert.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { loop } from "./control-flow.js";

export type TensorOrTensors = Tensor | readonly Tensor[];

interface Listed {
  readonly single: boolean;
  readonly list: Tensor[];
}

function listOf(x: TensorLike | readonly TensorLike[], where: string, what: string): Listed {
  if (x instanceof Tensor) return { single: true, list: [x] };
  if (Array.isArray(x) && x.length > 0 && x.every((v) => v instanceof Tensor)) {
    return { single: false, list: [...(x as Tensor[])] };
  }
  if (Array.isArray(x)) {
    throw new TypeError(`${where}: ${what} must be a tensor or a non-empty array of tensors`);
  }
  return { single: true, list: [convertToTensor(x as TensorLike, null, where)] };
}

function unlist(single: boolean, list: readonly Tensor[]): TensorOrTensors {
  return single ? list[0] : list;
}

/** The function's result as a list, checked against the expected kind and count. */
function resultList(
  r: unknown,
  where: string,
  what: string,
  expect: { single: boolean; count: number } | null,
): Tensor[] {
  const list = Array.isArray(r)
    ? (r as unknown[]).map((v) =>
        v instanceof Tensor ? v : convertToTensor(v as TensorLike, null, where),
      )
    : [r instanceof Tensor ? r : convertToTensor(r as TensorLike, null, where)];
  if (expect !== null && (Array.isArray(r) === expect.single || list.length !== expect.count)) {
    throw new TypeError(
      `${where}: ${what} must return ${expect.single ? "one tensor" : `an array of ${expect.count} tensors`}, as the accumulator is`,
    );
  }
  return list;
}

function checkElems(elems: readonly Tensor[], where: string): number {
  for (const e of elems) {
    if (e.rank === 0) {
      throw new InvalidArgumentError(
        `${where}: elems must have a first axis to unstack, got a scalar`,
      );
    }
  }
  const n = elems[0].shape[0];
  if (elems.some((e) => e.shape[0] !== n)) {
    throw new InvalidArgumentError(
      `${where}: every tensor of elems must have the same first dimension, got ${elems.map((e) => `[${e.shape.join(",")}]`).join(", ")}`,
    );
  }
  return n;
}

/** Elements 1.. of each tensor (the first seeds the accumulator). */
function rest(elems: readonly Tensor[]): Tensor[] {
  return elems.map((e) =>
    slice(e, [1, ...e.shape.slice(1).map(() => 0)], [-1, ...e.shape.slice(1).map(() => -1)]),
  );
}

function first(elems: readonly Tensor[]): Tensor[] {
  return elems.map((e) =>
    reshape(
      slice(e, [0, ...e.shape.slice(1).map(() => 0)], [1, ...e.shape.slice(1)]),
      e.shape.slice(1),
    ),
  );
}

/**
 * `tf.mapFn(fn, elems)`: stacks fn(element) for each element along the first axis of `elems`
 * (a tensor, or an array of tensors that fn gets sliced together). fn returns a tensor or an
 * array of tensors, each stacked.
 */
export function mapFn(
  fn: (x: Tensor) => Tensor | readonly Tensor[] | TensorLike,
  elems: TensorLike,
): Tensor;
export function mapFn(
  fn: (x: Tensor[]) => TensorLike | readonly TensorLike[],
  elems: readonly Tensor[],
): TensorOrTensors;
export function mapFn(
  fn: (x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
): TensorOrTensors {
  const where = "tf.mapFn";
  if (typeof fn !== "function") throw new TypeError(`${where}: fn must be a function`);
  const e = listOf(elems, where, "elems");
  const n = checkElems(e.list, where);
  let outSingle = true;
  const call = fn as (x: unknown) => unknown;
  if (n === 0) {
    throw new InvalidArgumentError(
      `${where}: elems has no elements along its first axis, so fn's result has no shape to stack`,
    );
  }
  const out = loop({
    cond: null,
    body: (_vars, slices) => {
      const r = call(unlist(e.single, slices));
      outSingle = !Array.isArray(r);
      return { vars: [], acc: resultList(r, where, "fn", null) };
    },
    init: [],
    sliced: e.list,
    maximumIterations: null,
    where,
  });
  return unlist(outSingle, out);
}

function fold(
  where: string,
  fn: (acc: never, x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
  initializer: TensorLike | readonly Tensor[] | null | undefined,
  reversed: boolean,
  keep: boolean,
): TensorOrTensors {
  if (typeof fn !== "function") throw new TypeError(`${where}: fn must be a function`);
  const call = fn as (a: unknown, x: unknown) => unknown;
  const e = listOf(elems, where, "elems");
  let list = e.list;
  const n = checkElems(list, where);
  if (reversed) list = list.map((t) => reverse(t, 0));
  let acc: Listed;
  if (initializer === null || initializer === undefined) {
    if (n === 0) {
      throw new InvalidArgumentError(`${where}: elems is empty and there is no initializer`);
    }
    // TensorFlow's rule: the first element is the initial accumulator.
    acc = { single: e.single, list: first(list) };
    list = rest(list);
  } else {
    acc = listOf(initializer, where, "initializer");
  }
  const nv = acc.list.length;
  const expect = { single: acc.single, count: nv };
  const out = loop(
    {
      cond: null,
      body: (vars, slices) => {
        const next = resultList(
          call(unlist(acc.single, vars), unlist(e.single, slices)),
          where,
          "fn",
          expect,
        );
        return { vars: next, acc: keep ? next : [] };
      },
      init: acc.list,
      sliced: list,
      maximumIterations: null,
      where,
    },
    keep
      ? { shapes: acc.list.map((t) => [...t.shape]), dtypes: acc.list.map((t) => t.dtype) }
      : null,
  );
  if (!keep) return unlist(acc.single, out.slice(0, nv));
  let stacked = out.slice(nv);
  if (initializer === null || initializer === undefined) {
    // Without an initializer the first element is also the first output.
    stacked = stacked.map((s, k) => concat([expandDims(acc.list[k], 0), s], 0));
  }
  if (reversed) stacked = stacked.map((s) => reverse(s, 0));
  return unlist(acc.single, stacked);
}

/** `tf.foldl(fn, elems, initializer?)`: acc = fn(acc, x) for each element, first to last. */
export function foldl<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor) => T,
  elems: TensorLike,
  initializer?: T | null,
): T;
export function foldl<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor[]) => T,
  elems: readonly Tensor[],
  initializer?: T | null,
): T;
export function foldl(
  fn: (acc: never, x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
  initializer: TensorOrTensors | null = null,
): TensorOrTensors {
  return fold("tf.foldl", fn, elems, initializer, false, false);
}

/** `tf.foldr(fn, elems, initializer?)`: acc = fn(acc, x) for each element, last to first. */
export function foldr<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor) => T,
  elems: TensorLike,
  initializer?: T | null,
): T;
export function foldr<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor[]) => T,
  elems: readonly Tensor[],
  initializer?: T | null,
): T;
export function foldr(
  fn: (acc: never, x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
  initializer: TensorOrTensors | null = null,
): TensorOrTensors {
  return fold("tf.foldr", fn, elems, initializer, true, false);
}

export interface ScanOptions {
  /** Scan from the last element to the first (the outputs stay in the elements' order). */
  reverse?: boolean;
}

/**
 * `tf.scan(fn, elems, initializer?, {reverse})`: every accumulator of a fold, stacked (output i
 * is the accumulator after element i).
 */
export function scan<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor) => T,
  elems: TensorLike,
  initializer?: T | null,
  options?: ScanOptions,
): T;
export function scan<T extends TensorOrTensors>(
  fn: (acc: T, x: Tensor[]) => T,
  elems: readonly Tensor[],
  initializer?: T | null,
  options?: ScanOptions,
): T;
export function scan(
  fn: (acc: never, x: never) => unknown,
  elems: TensorLike | readonly Tensor[],
  initializer: TensorOrTensors | null = null,
  options: ScanOptions = {},
): TensorOrTensors {
  return fold("tf.scan", fn, elems, initializer, options.reverse === true, true);
}
