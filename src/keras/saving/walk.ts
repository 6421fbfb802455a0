/**
 * Which variables go where in a Keras 3 weights file: saving_lib's walk of a model's
 * "saveables" (layers and the optimizer), reproduced for tapeflow's objects.
 *
 * - Each saveable owns the group `<path>/vars` (the model itself: `vars` at the root) holding
 *   its own variables as datasets `0`, `1`, ... (trainable ones first, each kind in creation
 *   order: Dense's kernel then bias), with an attribute `name`, the object's name.
 * - A Sequential or functional model's `layers` are visited first, as the container `layers`:
 *   items of a container are named by their class in snake case, numbered when repeated
 *   (`layers/dense`, `layers/dense_1`, `layers/conv2d`), never by their (unreproducible) names.
 * - Then the object's other attributes in sorted order (names starting with `_` last): a layer
 *   or optimizer held in attribute `encoder` is at `<path>/encoder`; arrays and objects of them
 *   are containers. The model's optimizer is at `optimizer`, its variables being Keras's
 *   [iterations, learning_rate (when a number), slots in creation order].
 * - An object met a second time is not saved again.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { Variable } from "../../tensor/variable.js";
import { constant } from "../../ops/index.js";
import { Layer, type LayerInputs, type LayerOutputs } from "../layer.js";

type AnyLayer = Layer<LayerInputs, LayerOutputs>;
import { flattenModule } from "../module.js";
import { Model } from "../model.js";
import { Optimizer } from "../optimizers.js";
import { Sequential } from "../sequential.js";

/** One saveable: where its variables go, and how to read and set them. */
export interface SaveableNode {
  /** The group path without the trailing `/vars`: "" for the model, "layers/dense", "optimizer". */
  readonly path: string;
  /** The object's name, written as the `name` attribute of its vars group. */
  readonly name: string;
  readonly kind: "layer" | "optimizer";
  /** The values to save, in dataset order. */
  readonly values: () => Tensor[];
  /** The variables a load assigns, in dataset order (shapes and dtypes to check against). */
  readonly targets: readonly Target[];
}

/** Something a dataset is loaded into. */
export interface Target {
  readonly shape: readonly number[];
  readonly dtype: Tensor["dtype"];
  /** A description for errors: `variable 'dense/kernel:0'`. */
  readonly what: string;
  readonly assign: (value: Tensor) => void;
}

/** Keras's naming.to_snake_case (for container items): `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** saving_lib's _name_key: attributes starting with `_` sort after the others. */
function nameKey(name: string): string {
  return name.startsWith("_") ? `~${name}` : name;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const isVariable = (x: unknown): x is Variable => x instanceof Variable;

/** A layer's own variables (not its sublayers'): trainable ones, then the others, by creation. */
export function ownVariables(layer: AnyLayer): Variable[] {
  const own = flattenModule(layer, isVariable, false).sort(
    (a, b) => a.creationIndex - b.creationIndex,
  );
  return [...own.filter((v) => v.trainable), ...own.filter((v) => !v.trainable)];
}

function variableTarget(v: Variable): Target {
  return {
    shape: v.shape,
    dtype: v.dtype,
    what: `variable '${v.name}'`,
    assign: (value) => v.assign(value),
  };
}

function layerNode(layer: AnyLayer, path: string): SaveableNode {
  const vars = ownVariables(layer);
  return {
    path,
    name: layer.name,
    kind: "layer",
    values: () => vars.map((v) => v.value()),
    targets: vars.map(variableTarget),
  };
}

/** The optimizer's variables as Keras orders them: iterations, learning rate, slots. */
function optimizerNode(opt: Optimizer, path: string): SaveableNode {
  const all = opt.variables;
  if (all[0] === opt.iterationsVariable) {
    // The optimizer lists its variables in Keras 3's order itself (iteration, learning_rate, slots).
    return {
      path,
      name: opt.name,
      kind: "optimizer",
      values: () => all.map((v) => v.value()),
      targets: all.map(variableTarget),
    };
  }
  const slots = all;
  const it = opt.iterationsVariable;
  const targets: Target[] = [variableTarget(it)];
  const values: (() => Tensor)[] = [() => it.value()];
  if (typeof opt.learningRate === "number") {
    targets.push({
      shape: [],
      dtype: "float32",
      what: `the learning rate of optimizer '${opt.name}'`,
      assign: (value) => {
        opt.learningRate = value.dataSync()[0] as number;
      },
    });
    values.push(() => constant(opt.learningRate as number, "float32"));
  }
  for (const v of slots) {
    targets.push(variableTarget(v));
    values.push(() => v.value());
  }
  return {
    path,
    name: opt.name,
    kind: "optimizer",
    values: () => values.map((f) => f()),
    targets,
  };
}

const join = (a: string, b: string) => (a === "" ? b : `${a}/${b}`);

/**
 * The layers a Sequential or functional model lists, which Keras saves first as `layers`; null
 * for other layers (a subclassed model's `layers` is one attribute among the others).
 */
function modelLayers(layer: AnyLayer): readonly AnyLayer[] | null {
  const functional =
    layer instanceof Model && (layer as unknown as { graph: unknown }).graph !== null;
  return layer instanceof Sequential || functional ? layer.layers : null;
}

/**
 * The attribute names the walk visits on `obj`, sorted as Keras sorts them: own enumerable
 * ones, plus `optimizer` when set, plus a subclassed model's `layers`.
 */
function attributeNames(obj: object): string[] {
  const keys = new Set(Object.keys(obj));
  const opt = (obj as { optimizer?: unknown }).optimizer;
  if (opt instanceof Optimizer) keys.add("optimizer");
  if (obj instanceof Model) keys.add("layers");
  return [...keys].sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));
}

/** Every saveable of `model` in Keras's visiting order, each once. */
export function saveableNodes(model: AnyLayer): SaveableNode[] {
  const out: SaveableNode[] = [];
  const visited = new Set<object>();

  const visit = (obj: AnyLayer | Optimizer, path: string): void => {
    if (visited.has(obj)) return;
    visited.add(obj);
    if (obj instanceof Optimizer) {
      out.push(optimizerNode(obj, path));
      return;
    }
    out.push(layerNode(obj, path));
    const layers = modelLayers(obj);
    if (layers !== null) container(layers, join(path, "layers"), new Set());
    for (const key of attributeNames(obj)) {
      let value: unknown;
      try {
        value = (obj as unknown as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      child(value, join(path, key), new Set());
    }
  };

  const child = (value: unknown, path: string, seen: Set<object>): void => {
    if (value instanceof Layer || value instanceof Optimizer) visit(value, path);
    else if (Array.isArray(value) || isPlainObject(value) || value instanceof Map) {
      container(value, path, seen);
    }
  };

  const container = (value: object, path: string, seen: Set<object>): void => {
    if (seen.has(value)) return;
    seen.add(value);
    const items: unknown[] = Array.isArray(value)
      ? value
      : value instanceof Map
        ? [...value.values()]
        : Object.values(value);
    const used = new Map<string, number>();
    const unique = (name: string): string => {
      const n = used.get(name);
      used.set(name, n === undefined ? 0 : n + 1);
      return n === undefined ? name : `${name}_${n + 1}`;
    };
    for (const item of items) {
      if (item instanceof Layer || item instanceof Optimizer) {
        visit(item, join(path, unique(kerasSnakeCase(item.constructor.name))));
      } else if (Array.isArray(item) || isPlainObject(item) || item instanceof Map) {
        container(item, join(path, unique("container")), seen);
      }
    }
  };

  visit(model, "");
  return out;
}
