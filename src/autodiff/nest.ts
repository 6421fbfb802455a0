/**
 * `tf.nest` for tapes: structures of tensors nested in arrays and plain objects, flattened in a
 * fixed order (arrays by index, objects by sorted key, as TensorFlow sorts dict keys) and
 * rebuilt with the same shape.
 */
import { Tensor } from "../tensor/tensor.js";

export type Nested<T> = T | readonly Nested<T>[] | { readonly [key: string]: Nested<T> };

/** The gradient of a structure of sources: the same structure, tensors (or null) in place of sources. */
export type GradientOf<S, Leaf = Tensor | null> = S extends Tensor
  ? Leaf
  : S extends readonly unknown[]
    ? { -readonly [K in keyof S]: GradientOf<S[K], Leaf> }
    : S extends object
      ? { -readonly [K in keyof S]: GradientOf<S[K], Leaf> }
      : never;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Flattens a structure into its leaves. `what` names the argument in errors. */
export function flatten<T>(structure: unknown, isLeaf: (x: unknown) => x is T, what: string): T[] {
  // The common cases (one leaf, a flat array of leaves) without the walk's closure and paths:
  // this runs on every gradient() call.
  if (isLeaf(structure)) return [structure];
  if (Array.isArray(structure) && allLeaves(structure, isLeaf)) return structure.slice() as T[];
  const out: T[] = [];
  const walk = (x: unknown, path: string): void => {
    if (isLeaf(x)) out.push(x);
    else if (Array.isArray(x)) x.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isPlainObject(x)) for (const k of Object.keys(x).sort()) walk(x[k], `${path}.${k}`);
    else {
      throw new TypeError(
        `${what}${path}: expected a tensor, a variable, or arrays and plain objects of them, got ${x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x}`,
      );
    }
  };
  walk(structure, "");
  return out;
}

/** Rebuilds `structure`'s shape with `leaves` (in flatten's order) in place of its leaves. */
export function packLike<R>(
  structure: unknown,
  leaves: readonly unknown[],
  isLeaf: (x: unknown) => boolean,
): R {
  if (isLeaf(structure)) return leaves[0] as R;
  if (Array.isArray(structure) && allLeaves(structure, isLeaf))
    return leaves.slice(0, structure.length) as R;
  let i = 0;
  const build = (x: unknown): unknown => {
    if (isLeaf(x)) return leaves[i++];
    if (Array.isArray(x)) return x.map(build);
    const obj = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // Fill in sorted order (the order of the leaves) but keep the caller's key order.
    const filled = new Map<string, unknown>();
    for (const k of Object.keys(obj).sort()) filled.set(k, build(obj[k]));
    for (const k of Object.keys(obj)) out[k] = filled.get(k);
    return out;
  };
  return build(structure) as R;
}

/** Whether every element of a dense array is a leaf (a hole is not: the walk skips holes). */
function allLeaves(xs: readonly unknown[], isLeaf: (x: unknown) => boolean): boolean {
  for (let i = 0; i < xs.length; i++) if (!(i in xs) || !isLeaf(xs[i])) return false;
  return true;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
