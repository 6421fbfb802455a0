/**
 * The elements of a `tf.data.Dataset`: a tensor, or arrays (TensorFlow's tuples) and plain
 * objects (its dicts) of them, nested. Helpers to convert, walk, compare and batch them.
 *
 * JavaScript has one array type where Python has both lists and tuples. The rule here: an array
 * whose leaves are all plain values (numbers, booleans, strings, typed arrays) is one tensor, as
 * `tf.constant` reads it; an array holding a tensor or an object is a tuple of components.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import type { TypedArray, TensorLike } from "../tensor/convert.js";
import { shapeStr } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { NumpyValue } from "../tensor/tensor.js";
import { toTensor } from "../ops/checks.js";
import { stack } from "../ops/index.js";

/** One element of a dataset: a tensor or a nest of them. */
export type Element = Tensor | readonly Element[] | { readonly [key: string]: Element };

/** A leaf value that converts to one tensor. */
export type Plain = number | boolean | string | TypedArray | readonly Plain[];

/** What a dataset is made from, and what `map` may return: tensors, plain values, nested. */
export type ElementLike =
  Tensor | Plain | readonly ElementLike[] | { readonly [k: string]: ElementLike };

/** The element type `ElementLike` `S` becomes: plain values turn into tensors. */
export type ElementOf<S> = S extends Tensor
  ? Tensor
  : S extends Plain
    ? Tensor
    : S extends readonly unknown[]
      ? { -readonly [K in keyof S]: ElementOf<S[K]> }
      : S extends Record<string, unknown>
        ? { -readonly [K in keyof S]: ElementOf<S[K]> }
        : Element;

/** The NumPy-style value of an element: numpy() at every leaf, in the same structure. */
export type NumpyOf<T> = T extends Tensor
  ? NumpyValue
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: NumpyOf<T[K]> }
    : T extends Record<string, unknown>
      ? { -readonly [K in keyof T]: NumpyOf<T[K]> }
      : unknown;

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const isTypedArray = (x: unknown): boolean => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** Whether `x` is an array of plain values only (one tensor), not a tuple of components. */
function isPlainArray(x: readonly unknown[]): boolean {
  for (const item of x) {
    if (Array.isArray(item)) {
      if (!isPlainArray(item)) return false;
    } else if (!["number", "boolean", "string"].includes(typeof item) && !isTypedArray(item)) {
      return false;
    }
  }
  return true;
}

function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return `${typeof x} ${String(x)}`;
}

/**
 * Converts a nest of tensors and plain values into an element, every leaf a tensor. `where`
 * names the function in errors.
 */
export function toElement(x: unknown, where: string, path = ""): Element {
  if (x instanceof Tensor) return x;
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "string") {
    return toTensor(x, where);
  }
  if (isTypedArray(x)) return toTensor(x as TypedArray, where);
  if (Array.isArray(x)) {
    if (x.length > 0 && isPlainArray(x)) {
      try {
        return toTensor(x as TensorLike, where);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        throw new InvalidArgumentError(
          `${e.message}${path ? ` (at ${path})` : ""}. An array of plain values is one tensor; to give several components of different shapes, pass tensors ([tf.constant(a), tf.constant(b)])`,
        );
      }
    }
    if (x.length === 0) {
      throw new InvalidArgumentError(
        `${where}: component ${path || "0"} is an empty array; give a tensor (tf.zeros([0])) for an empty component`,
      );
    }
    return x.map((item, i) => toElement(item, where, `${path}[${i}]`));
  }
  if (isPlainObject(x)) {
    const out: Record<string, Element> = {};
    for (const k of Object.keys(x)) out[k] = toElement(x[k], where, `${path}.${k}`);
    return out;
  }
  throw new TypeError(
    `${where}: expected a tensor, a plain value, or arrays and plain objects of them, got ${describeValue(x)}${path ? ` at ${path}` : ""}`,
  );
}

/** The leaves of an element with their paths (`[0]`, `.image`), arrays by index, objects by sorted key. */
export function leaves(el: Element, path = ""): { path: string; tensor: Tensor }[] {
  if (el instanceof Tensor) return [{ path, tensor: el }];
  const out: { path: string; tensor: Tensor }[] = [];
  if (Array.isArray(el)) {
    (el as readonly Element[]).forEach((item, i) => out.push(...leaves(item, `${path}[${i}]`)));
  } else {
    const obj = el as { readonly [key: string]: Element };
    for (const k of Object.keys(obj).sort()) out.push(...leaves(obj[k], `${path}.${k}`));
  }
  return out;
}

/** Applies `fn` to every leaf, keeping the structure. */
export function mapLeaves(
  el: Element,
  fn: (t: Tensor, path: string) => Element,
  path = "",
): Element {
  if (el instanceof Tensor) return fn(el, path);
  if (Array.isArray(el)) {
    return (el as readonly Element[]).map((item, i) => mapLeaves(item, fn, `${path}[${i}]`));
  }
  const obj = el as { readonly [key: string]: Element };
  const out: Record<string, Element> = {};
  for (const k of Object.keys(obj)) out[k] = mapLeaves(obj[k], fn, `${path}.${k}`);
  return out;
}

/** A structure's description for errors: `(Tensor, {a: Tensor})`. */
export function structureStr(el: Element): string {
  if (el instanceof Tensor) return "Tensor";
  if (Array.isArray(el)) return `(${(el as readonly Element[]).map(structureStr).join(", ")})`;
  const obj = el as { readonly [key: string]: Element };
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${k}: ${structureStr(obj[k])}`)
    .join(", ")}}`;
}

/** The NumPy-style value of an element (numpy() of each leaf). */
export function toNumpy(el: Element): unknown {
  if (el instanceof Tensor) return el.numpy();
  if (Array.isArray(el)) return (el as readonly Element[]).map(toNumpy);
  const obj = el as { readonly [key: string]: Element };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) out[k] = toNumpy(obj[k]);
  return out;
}

/**
 * Stacks elements of one structure into a batch: each leaf gets a new leading axis. Leaves
 * must agree in shape and dtype, with TensorFlow's error otherwise.
 */
export function stackElements(elements: readonly Element[], where: string): Element {
  const first = elements[0];
  const firstLeaves = leaves(first);
  const structure = structureStr(first);
  const columns: Tensor[][] = firstLeaves.map(() => []);
  elements.forEach((el, i) => {
    const ls = leaves(el);
    if (ls.length !== firstLeaves.length || structureStr(el) !== structure) {
      throw new InvalidArgumentError(
        `${where}: cannot batch elements of different structures: the first element is ${structure} and element ${i} is ${structureStr(el)}`,
      );
    }
    ls.forEach(({ tensor }, c) => {
      const ref = firstLeaves[c].tensor;
      if (
        tensor.dtype !== ref.dtype ||
        tensor.rank !== ref.rank ||
        tensor.shape.some((d, a) => d !== ref.shape[a])
      ) {
        throw new InvalidArgumentError(
          `${where}: cannot batch tensors with different shapes in component ${c}. First element had shape ${shapeStr(ref.shape)} (${ref.dtype}) and element ${i} had shape ${shapeStr(tensor.shape)} (${tensor.dtype})`,
        );
      }
      columns[c].push(tensor);
    });
  });
  let c = 0;
  return mapLeaves(first, () => stack(columns[c++], 0));
}
