/**
 * Shape-relaxed traces: one graph replayed for arguments whose shapes differ from the traced
 * ones in some dimensions (an inputSignature's null dimensions, or, with reduceRetracing, the
 * dimensions in which two traces differed), instead of a trace per shape.
 *
 * A trace runs the body on concrete values, so a graph may have the traced sizes baked in: a
 * reshape to [32, -1] (an attr), tf.zeros([x.shape[0], 4]) (a constant of that shape), a loss
 * divided by x.shape[0] (a constant holding the size). Replayed at another size such a graph
 * would fail or, worse, compute something else. Two checks keep relaxation to graphs that do
 * not depend on the sizes:
 * - `bakesIn` (one trace, the inputSignature case): no op attr holds a relaxed dimension's
 *   traced size as a number, no captured constant has it as a dimension, and no small
 *   constant holds it as a value. Conservative: a hidden size equal to the batch size also
 *   stops relaxation (the function is then traced per shape, as without it).
 * - `sameGraph` (two traces at different sizes, the reduceRetracing case): the graphs are
 *   equal node for node, attrs and constants included, so nothing in them depends on the size.
 * What neither can see: JS code that decides something from a relaxed size without it
 * reaching an op (`if (x.shape[0] > 16)`): as with TensorFlow's None dimensions, a relaxed
 * dimension's size must not steer the JS code of the body.
 */
import { backend } from "../backend/index.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { Graph, type GraphNode } from "./graph.js";

/** Constants up to this many elements are searched for a relaxed size among their values. */
const SMALL_CONSTANT = 64;

function attrMentions(v: unknown, sizes: ReadonlySet<number>, seen: Set<unknown>): boolean {
  if (typeof v === "number") return sizes.has(v);
  if (v === null || typeof v !== "object" || seen.has(v)) return false;
  seen.add(v);
  if (v instanceof Tensor) return tensorMentions(v, sizes);
  if (Array.isArray(v)) return v.some((x) => attrMentions(x, sizes, seen));
  if (ArrayBuffer.isView(v)) return false;
  return Object.values(v).some((x) => attrMentions(x, sizes, seen));
}

function tensorMentions(t: Tensor, sizes: ReadonlySet<number>): boolean {
  if (t.shape.some((d) => sizes.has(d))) return true;
  if (t.size > SMALL_CONSTANT || t.dtype === "string" || t.dtype === "bool") return false;
  if (t.dtype === "complex64" || t.dtype === "complex128") return false;
  const values = backend().read(t) as ArrayLike<number>;
  for (let i = 0; i < values.length; i++) if (sizes.has(values[i])) return true;
  return false;
}

/**
 * Whether the graph may depend on the relaxed sizes (see above). Control-flow and custom-
 * gradient nodes, whose sub-graphs this does not inspect, count as depending on them.
 */
export function bakesIn(graph: Graph, sizes: ReadonlySet<number>): boolean {
  if ([...sizes].some((s) => s < 2)) return true;
  for (const c of graph.constants) if (tensorMentions(c.tensor, sizes)) return true;
  const seen = new Set<unknown>();
  const nodeMentions = (n: GraphNode): boolean => {
    switch (n.kind) {
      case "op":
        return attrMentions(n.attrs, sizes, seen);
      case "fused":
        return n.nodes.some(nodeMentions);
      case "read":
      case "assign":
        return false;
      case "control":
      case "custom":
        return true;
    }
  };
  return graph.nodes.some(nodeMentions);
}

/**
 * Structural equality of two traces' graphs: the same nodes (ops by identity, attrs by value),
 * slots, variables (by identity) and constants (by dtype, shape and values), sub-graphs alike.
 */
export function sameGraph(a: Graph, b: Graph): boolean {
  return same(a, b, new Set<unknown>());
}

function same(x: unknown, y: unknown, seen: Set<unknown>): boolean {
  if (x === y) return true;
  if (typeof x === "number" && typeof y === "number") return Object.is(x, y) || x === y;
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
  if (x instanceof Variable || y instanceof Variable) return false; // by identity only
  if (x instanceof Tensor || y instanceof Tensor) {
    if (!(x instanceof Tensor && y instanceof Tensor)) return false;
    if (x.dtype !== y.dtype || x.shape.length !== y.shape.length) return false;
    if (x.shape.some((d, i) => d !== y.shape[i])) return false;
    const u = backend().read(x) as ArrayLike<unknown>;
    const v = backend().read(y) as ArrayLike<unknown>;
    if (u.length !== v.length) return false;
    for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) return false;
    return true;
  }
  if (seen.has(x)) return true;
  seen.add(x);
  if (x instanceof Graph || y instanceof Graph) {
    if (!(x instanceof Graph && y instanceof Graph)) return false;
    const parts = ["numSlots", "inputs", "outer", "constants", "variables", "nodes", "outputs"];
    return parts.every((k) =>
      same(
        (x as unknown as Record<string, unknown>)[k],
        (y as unknown as Record<string, unknown>)[k],
        seen,
      ),
    );
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    return x.every((v, i) => same(v, y[i], seen));
  }
  if (ArrayBuffer.isView(x) || ArrayBuffer.isView(y)) {
    const u = x as unknown as ArrayLike<unknown>;
    const v = y as unknown as ArrayLike<unknown>;
    if (u.length !== v.length) return false;
    for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  return kx.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(y, k) &&
      same((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], seen),
  );
}

/**
 * The dimensions in which `shapes` differ from `traced` (same ranks), or null when some leaf's
 * rank differs or a differing size is below 2 (a size of 1 broadcasts differently).
 */
export function differingDims(
  traced: readonly (readonly number[])[],
  shapes: readonly (readonly number[])[],
): boolean[][] | null {
  if (traced.length !== shapes.length) return null;
  const dims: boolean[][] = [];
  for (let i = 0; i < traced.length; i++) {
    const a = traced[i];
    const b = shapes[i];
    if (a.length !== b.length) return null;
    const d = a.map((n, k) => n !== b[k]);
    if (d.some((x, k) => x && (a[k] < 2 || b[k] < 2))) return null;
    dims.push(d);
  }
  return dims;
}
