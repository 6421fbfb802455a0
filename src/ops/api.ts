/**
 * Where a public op function appears, said once, on the function itself: its Tensor method names
 * and the `tf.math` / `tf.nn` / ... namespaces that hold it. The Tensor methods and the
 * namespaces are built from these tags (with exact types, through the mapped types below), so
 * an op's name is never listed a second time by hand.
 */
import type { TensorLike } from "../tensor/convert.js";
import { Tensor } from "../tensor/tensor.js";

/** TensorFlow's op namespaces. */
export type NamespaceName = "math" | "nn" | "linalg" | "image" | "random" | "signal";

export interface ApiTags<M extends string = string, N extends NamespaceName = NamespaceName> {
  /** Tensor method names: `x.exp()`; the tensor is the function's first argument. */
  readonly methods: readonly M[];
  /** Namespaces that hold the function besides `tf` itself. */
  readonly namespaces: readonly N[];
}

/** A public function with its tags. */
export type Tagged<F, M extends string, N extends NamespaceName> = F & {
  readonly api: ApiTags<M, N>;
};

/** Tags a public function: `api(fn, {methods: ["sum"], namespaces: ["math"]})`. */
export function api<
  F extends object,
  const M extends string = never,
  const N extends NamespaceName = never,
>(fn: F, tags: { methods?: readonly M[]; namespaces?: readonly N[] }): Tagged<F, M, N> {
  const api: ApiTags<M, N> = { methods: tags.methods ?? [], namespaces: tags.namespaces ?? [] };
  return Object.assign(fn, { api });
}

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  i: infer I,
) => void
  ? I
  : never;

/** The method form of a function whose first argument is the tensor. */
type MethodOf<F> = F extends (self: TensorLike, ...rest: infer P) => infer R
  ? (...args: P) => R
  : never;

/** The Tensor methods a module's tagged functions define, by method name. */
export type MethodsOf<Mod> = UnionToIntersection<
  {
    [K in keyof Mod]: Mod[K] extends { readonly api: ApiTags<infer M, NamespaceName> }
      ? [M] extends [never]
        ? never
        : { [Name in M]: MethodOf<Mod[K]> }
      : never;
  }[keyof Mod]
>;

/** The functions of a module that namespace N holds, by export name. */
export type NamespaceOf<Mod, N extends NamespaceName> = {
  [
    K in keyof Mod as Mod[K] extends { readonly api: ApiTags<string, infer U> }
      ? N extends U
        ? K
        : never
      : never
  ]: Mod[K];
};

function tagsOf(v: unknown): ApiTags | undefined {
  return typeof v === "function" && "api" in v ? (v as { api: ApiTags }).api : undefined;
}

/** Puts every tagged function of the modules on Tensor.prototype under its method names. */
export function installMethods(...mods: readonly object[]): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const mod of mods) {
    for (const fn of Object.values(mod)) {
      const tags = tagsOf(fn);
      if (tags === undefined) continue;
      const f = fn as (self: Tensor, ...rest: unknown[]) => unknown;
      for (const name of tags.methods) {
        if (Object.prototype.hasOwnProperty.call(proto, name) && proto[name] !== undefined) {
          const prior = proto[name] as { source?: unknown };
          if (prior.source !== f) throw new Error(`Tensor method ${name} is defined twice`);
          continue;
        }
        const method = function (this: Tensor, ...rest: unknown[]): unknown {
          return f(this, ...rest);
        };
        proto[name] = Object.assign(method, { source: f });
      }
    }
  }
}

/** The namespace N: every function of `mod` tagged with N, under its export name. */
export function namespaceOf<Mod extends object, N extends NamespaceName>(
  mod: Mod,
  ns: N,
): NamespaceOf<Mod, N> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(mod)) {
    if (tagsOf(fn)?.namespaces.includes(ns)) out[name] = fn;
  }
  return out as NamespaceOf<Mod, N>;
}
