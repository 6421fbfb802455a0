/**
 * The object graph a checkpoint saves, as TensorFlow's object-based checkpoints name it: every
 * variable reachable from the checkpoint's root, keyed by the path of attribute names that
 * leads to it (`model/layers/0/kernel`), and each optimizer slot keyed by its variable's path
 * (`model/layers/0/kernel/.OPTIMIZER_SLOT/optimizer/m`). Paths, not variable names, so that a
 * model built again (whose variables get new unique names) restores from the same file.
 */
import { Module, TRACKED } from "../keras/module.js";
import { Optimizer } from "../keras/optimizers.js";
import { Variable } from "../tensor/variable.js";

/** What a checkpoint may hold: variables, modules (layers, models), optimizers, and nestings of them. */
export type Trackable = Variable | Module | Optimizer | readonly Trackable[] | TrackableObject;
export interface TrackableObject {
  readonly [key: string]: Trackable | unknown;
}

export interface GraphEntries {
  /** Path -> variable, each variable once (at the first path that reaches it). */
  readonly variables: Map<string, Variable>;
  /** Path -> optimizer, each once. */
  readonly optimizers: Map<string, Optimizer>;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A path component: `/` would split it, so it is escaped (as `.S`, with `.` itself as `..`). */
function escape(key: string): string {
  return key.replace(/\./g, "..").replace(/\//g, ".S");
}

/** A weight's key inside its layer: its name's last component (`dense_1/kernel:0` -> `kernel`). */
function shortName(v: Variable): string {
  const base = v.name.replace(/:\d+$/, "");
  return base.slice(base.lastIndexOf("/") + 1);
}

/**
 * Walks the object graph from `root` (attributes in sorted order, as TensorFlow's), depth
 * first; an object met again (shared or cyclic) is not walked again.
 */
export function walkObjectGraph(root: Record<string, unknown>): GraphEntries {
  const variables = new Map<string, Variable>();
  const optimizers = new Map<string, Optimizer>();
  const seen = new Set<unknown>();
  const visit = (x: unknown, path: string): void => {
    if (x === null || typeof x !== "object") return;
    if (seen.has(x)) return;
    seen.add(x);
    if (x instanceof Variable) {
      variables.set(path, x);
      return;
    }
    if (x instanceof Optimizer) {
      optimizers.set(path, x);
      visit(x.iterationsVariable, `${path}/iter`);
      return;
    }
    if (x instanceof Module) {
      // A layer's weights live in a private field: named by their own short names.
      const used = new Set<string>();
      let sub = 0;
      for (const leaf of x[TRACKED]()) {
        // Sublayers a model holds outside its properties (a Sequential's list): by position,
        // as names differ between two instances of the same model.
        if (leaf instanceof Module) {
          visit(leaf, `${path}/layers/${sub++}`);
          continue;
        }
        if (!(leaf instanceof Variable)) continue;
        let key = escape(shortName(leaf));
        for (let i = 1; used.has(key); i++) key = `${escape(shortName(leaf))}_${i}`;
        used.add(key);
        visit(leaf, `${path}/${key}`);
      }
      for (const key of Object.keys(x).sort()) {
        visit((x as unknown as Record<string, unknown>)[key], `${path}/${escape(key)}`);
      }
      return;
    }
    if (Array.isArray(x)) {
      x.forEach((item, i) => visit(item, `${path}/${i}`));
      return;
    }
    if (x instanceof Map) {
      for (const [k, item] of x) visit(item, `${path}/${escape(String(k))}`);
      return;
    }
    if (isPlainObject(x)) {
      for (const key of Object.keys(x).sort()) visit(x[key], `${path}/${escape(key)}`);
    }
    // Anything else (numbers, strings, functions, tensors) is not state: skipped.
  };
  for (const key of Object.keys(root).sort()) visit(root[key], escape(key));
  return { variables, optimizers };
}

export const SLOT_MARK = "/.OPTIMIZER_SLOT/";

/** The key of an optimizer slot: `<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>`. */
export function slotKey(variablePath: string, optimizerPath: string, slot: string): string {
  return `${variablePath}${SLOT_MARK}${optimizerPath}/${escape(slot)}`;
}
