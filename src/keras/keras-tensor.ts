/**
 * Symbolic tensors of the functional API. `tf.keras.Input({shape})` makes a KerasTensor: a shape
 * (null for an unknown dimension, the batch first), a dtype and a name, no data. Applying a layer
 * to KerasTensors records a Node (the layer, its inputs, the call's other options) and returns
 * KerasTensors for the outputs; a functional Model replays the nodes on real tensors.
 *
 * Output shapes come from the layer's computeOutputShape when it gives one; otherwise the layer
 * runs on zeros, twice, with unknown dimensions taken as 1 and 2 (the batch) or 32 and 33 (any
 * other): a dimension of the output that differs between the two runs is unknown (None).
 */
import { optionsArg } from "../tensor/args.js";
import type { DType } from "../tensor/dtype.js";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../ops/creation.js";
import type { BuildShape, CallOptions, Layer, LayerInputs, LayerOutputs } from "./layer.js";

/** A recorded application of a layer to symbolic inputs. */
export interface Node {
  readonly layer: Layer<LayerInputs, LayerOutputs>;
  /** The call's inputs: one entry, or a list (a multi-input layer); concrete entries are constants. */
  readonly inputs: KerasTensor | Tensor | readonly (KerasTensor | Tensor)[];
  /** The symbolic inputs among them, in order. */
  readonly parents: readonly KerasTensor[];
  /** The call's outputs, as the layer returns them (one or a list). */
  readonly outputs: KerasTensor | readonly KerasTensor[];
  /** The options of the call other than `training` (which the model's caller decides). */
  readonly options: Omit<CallOptions, "training">;
}

const nameCounts = new Map<string, number>();

/** `keras_tensor`, `keras_tensor_1`, ... as Keras 3 names its symbolic tensors. */
function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export class KerasTensor {
  readonly shape: readonly (number | null)[];
  readonly dtype: DType;
  readonly name: string;
  /** The node that made it (an InputLayer's for tf.keras.Input); null for a free tensor. */
  readonly node: Node | null;
  /** Its position among the node's outputs (0 for a single output). */
  readonly index: number;

  constructor(
    shape: BuildShape,
    dtype: DType,
    options: { name?: string | null; node?: Node | null; index?: number } = {},
  ) {
    if (!Array.isArray(shape)) {
      throw new TypeError(`KerasTensor: shape must be a list, got ${describeValue(shape)}`);
    }
    options = optionsArg("KerasTensor", options);
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.name = options.name ?? uniqueName("keras_tensor");
    this.node = options.node ?? null;
    this.index = options.index ?? 0;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Keras 3's repr: `<KerasTensor shape=(None, 3), dtype=float32, sparse=False, name=x>`. */
  toString(): string {
    const dims = this.shape.map((d) => (d === null ? "None" : String(d)));
    const s = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
    return `<KerasTensor shape=${s}, dtype=${this.dtype}, sparse=False, name=${this.name}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

export function isKerasTensor(x: unknown): x is KerasTensor {
  return x instanceof KerasTensor;
}

/** Whether a layer's inputs are symbolic: a KerasTensor or a list holding one. */
export function isSymbolic(inputs: unknown): boolean {
  return inputs instanceof KerasTensor || (Array.isArray(inputs) && inputs.some(isKerasTensor));
}

type Entry = KerasTensor | Tensor;

function shapeOf(x: Entry): BuildShape {
  return x.shape;
}

/** Zeros standing in for a symbolic input; unknown dimensions take `batch` (axis 0) or `other`. */
function standIn(x: Entry, batch: number, other: number): Tensor {
  if (x instanceof Tensor) return x;
  return zeros(
    x.shape.map((d, i) => d ?? (i === 0 ? batch : other)),
    x.dtype,
  );
}

function outputList(out: unknown, layer: string): Tensor[] {
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `Layer '${layer}': call() must return a tensor or a list of tensors, got ${String(t)}`,
      );
    }
  }
  return list as Tensor[];
}

/** Dimension by dimension: equal in both runs is known, different is unknown (None). */
function mergeShapes(a: readonly number[], b: readonly number[], layer: string): BuildShape {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(
      `Layer '${layer}': the rank of its output depends on the input's unknown dimensions (${a.length} vs ${b.length}); define computeOutputShape`,
    );
  }
  return a.map((d, i) => (d === b[i] ? d : null));
}

/**
 * Applies `layer` to symbolic inputs: infers the output shapes and dtypes, records a Node and
 * returns the symbolic outputs, one or a list as the layer's call returns them.
 */
export function applySymbolic(
  layer: Layer<LayerInputs, LayerOutputs>,
  inputs: Entry | readonly Entry[],
  options: CallOptions,
  run: (concrete: Tensor | Tensor[], options: CallOptions) => LayerOutputs,
): KerasTensor | KerasTensor[] {
  const list = Array.isArray(inputs) ? (inputs as readonly Entry[]) : [inputs as Entry];
  const single = !Array.isArray(inputs);
  const { training: _training, ...rest } = options;
  const concrete = (batch: number, other: number): Tensor | Tensor[] => {
    const ts = list.map((x) => standIn(x, batch, other));
    return single ? ts[0] : ts;
  };
  let shapes: BuildShape[];
  let dtypes: DType[];
  let many: boolean;
  const declared = layer.computeOutputShape(single ? shapeOf(list[0]) : list.map(shapeOf)) as
    BuildShape | BuildShape[] | null;
  if (declared !== null) {
    // Build on the symbolic shapes (the layer checks them), then run once to learn the dtypes.
    const out = outputList(run(concrete(1, 32), { ...rest, training: false }), layer.name);
    many = declared.length > 0 && Array.isArray(declared[0]);
    shapes = many ? (declared as BuildShape[]) : [declared as BuildShape];
    dtypes = out.map((t) => t.dtype);
  } else {
    const first = run(concrete(1, 32), { ...rest, training: false });
    const hasUnknown = list.some((x) => x instanceof KerasTensor && x.shape.includes(null));
    const a = outputList(first, layer.name);
    const b = hasUnknown
      ? outputList(run(concrete(2, 33), { ...rest, training: false }), layer.name)
      : a;
    many = Array.isArray(first);
    shapes = a.map((t, i) => mergeShapes(t.shape, b[i].shape, layer.name));
    dtypes = a.map((t) => t.dtype);
  }
  const parents = list.filter(isKerasTensor);
  const node: {
    layer: Layer<LayerInputs, LayerOutputs>;
    inputs: Node["inputs"];
    parents: readonly KerasTensor[];
    outputs: Node["outputs"];
    options: Omit<CallOptions, "training">;
  } = { layer, inputs: single ? list[0] : list.slice(), parents, outputs: [], options: rest };
  const outs = shapes.map((s, i) => new KerasTensor(s, dtypes[i], { node, index: i }));
  node.outputs = many ? outs : outs[0];
  return many ? outs : outs[0];
}
