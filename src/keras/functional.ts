/**
 * The graph of a functional model: the nodes between its symbolic inputs and outputs, in an
 * order that runs each node after its parents (Keras's nodes by decreasing depth), and its
 * replay on real tensors.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { isKerasTensor, KerasTensor, type Node } from "./keras-tensor.js";
import {
  type BuildShape,
  buildShapeStr,
  type CallOptions,
  type Layer,
  type LayerInputs,
  type LayerOutputs,
} from "./layer.js";
import { InputLayer } from "./input-layer.js";

type AnyLayer = Layer<LayerInputs, LayerOutputs>;

function outputsOf(node: Node): readonly KerasTensor[] {
  return Array.isArray(node.outputs) ? node.outputs : [node.outputs as KerasTensor];
}

function checkSymbolic(what: string, xs: readonly unknown[]): KerasTensor[] {
  if (xs.length === 0) throw new TypeError(`Model: ${what} must not be empty`);
  for (const x of xs) {
    if (!isKerasTensor(x)) {
      throw new TypeError(
        `Model: all ${what} must be symbolic tensors (from tf.keras.Input and layers applied to them); got ${x instanceof Tensor ? "an eager tf.Tensor" : String(x)}`,
      );
    }
  }
  return xs as KerasTensor[];
}

export class FunctionalGraph {
  readonly inputs: readonly KerasTensor[];
  readonly outputs: readonly KerasTensor[];
  /** The nodes in run order, the inputs' InputLayer nodes first. */
  readonly nodes: readonly Node[];
  /** The layers, each once, in Keras's order (by decreasing depth, then first appearance). */
  readonly layers: readonly AnyLayer[];

  constructor(inputs: readonly unknown[], outputs: readonly unknown[]) {
    this.inputs = checkSymbolic("inputs", inputs);
    this.outputs = checkSymbolic("outputs", outputs);
    for (const x of this.inputs) {
      if (x.node === null || !(x.node.layer instanceof InputLayer)) {
        throw new TypeError(
          `Model: an input must come from tf.keras.Input; ${x.name} is the output of layer '${x.node?.layer.name ?? "?"}'`,
        );
      }
    }
    if (new Set(this.inputs).size !== this.inputs.length) {
      throw new TypeError("Model: the same input tensor appears twice in inputs");
    }
    const inputSet = new Set<KerasTensor>(this.inputs);
    // Depth-first from the outputs: post-order is a valid run order; depth (distance from the
    // outputs, the longest path) orders the layers as Keras lists them.
    const order = new Map<Node, number>();
    const depth = new Map<Node, number>();
    const visiting = new Set<Node>();
    const visit = (t: KerasTensor, d: number): void => {
      const node = t.node;
      if (inputSet.has(t)) {
        if (node !== null) {
          depth.set(node, Math.max(depth.get(node) ?? 0, d));
          if (!order.has(node)) order.set(node, order.size);
        }
        return;
      }
      if (node === null || node.layer instanceof InputLayer) {
        throw new InvalidArgumentError(
          `Graph disconnected: cannot find parent for ${t.name} (${buildShapeStr(t.shape)}); the model's inputs do not reach it. Pass it (its tf.keras.Input) in inputs`,
        );
      }
      if (visiting.has(node)) throw new InvalidArgumentError("Model: the graph has a cycle");
      const seenDepth = depth.get(node);
      if (seenDepth !== undefined && seenDepth >= d) return;
      depth.set(node, d);
      visiting.add(node);
      for (const p of node.parents) visit(p, d + 1);
      visiting.delete(node);
      if (!order.has(node)) order.set(node, order.size);
    };
    for (const t of this.outputs) visit(t, 0);
    for (const x of this.inputs) {
      if (x.node !== null && !order.has(x.node)) {
        // An input no output depends on still belongs to the model (Keras keeps it).
        order.set(x.node, order.size);
        depth.set(x.node, Math.max(0, ...depth.values()) + 1);
      }
    }
    const byRun = [...order.keys()].sort((a, b) => order.get(a)! - order.get(b)!);
    // Run order: inputs first (in the model's order), then the others by post-order.
    const inputNodes = this.inputs.map((x) => x.node as Node);
    this.nodes = [...inputNodes, ...byRun.filter((n) => !inputNodes.includes(n))];
    const byDepth = [...byRun].sort(
      (a, b) => depth.get(b)! - depth.get(a)! || order.get(a)! - order.get(b)!,
    );
    const layers: AnyLayer[] = [];
    for (const n of byDepth) if (!layers.includes(n.layer)) layers.push(n.layer);
    this.layers = layers;
    const names = new Map<string, AnyLayer>();
    for (const l of layers) {
      const other = names.get(l.name);
      if (other !== undefined && other !== l) {
        throw new InvalidArgumentError(
          `Model: the name "${l.name}" is used 2 times in the model. All operation names should be unique.`,
        );
      }
      names.set(l.name, l);
    }
  }

  /** The output shapes of a layer's (last) node in this graph; null if it has none here. */
  outputShapes(layer: AnyLayer): BuildShape[] | null {
    let found: Node | null = null;
    for (const n of this.nodes) if (n.layer === layer) found = n;
    return found === null ? null : outputsOf(found).map((t) => t.shape);
  }

  /** The nodes of this graph that a layer's node takes inputs from, as Keras's "Connected to". */
  connections(layer: AnyLayer): string[] {
    const out: string[] = [];
    for (const n of this.nodes) {
      if (n.layer !== layer) continue;
      for (const p of n.parents) {
        const src = p.node as Node;
        const nodeIndex = this.nodes.filter((m) => m.layer === src.layer).indexOf(src);
        out.push(`${src.layer.name}[${Math.max(nodeIndex, 0)}][${p.index}]`);
      }
    }
    return out;
  }

  /** Checks real inputs against the symbolic ones: count, rank and known dimensions. */
  checkInputs(model: string, xs: readonly Tensor[]): void {
    if (xs.length !== this.inputs.length) {
      throw new InvalidArgumentError(
        `Layer "${model}" expects ${this.inputs.length} input(s), but it received ${xs.length} input tensors`,
      );
    }
    xs.forEach((x, i) => {
      const spec = this.inputs[i].shape;
      const ok = x.rank === spec.length && spec.every((d, j) => d === null || d === x.shape[j]);
      if (!ok) {
        throw new InvalidArgumentError(
          `Input ${i} of layer "${model}" is incompatible with the layer: expected shape=${buildShapeStr(spec)}, found shape=${buildShapeStr(x.shape)}`,
        );
      }
    });
  }

  /**
   * Runs the nodes on real inputs (one per symbolic input), returning the outputs' values. Masks
   * travel along: each layer gets its inputs' mask (when there is one) as `options.mask`, and
   * its computeMask gives its outputs'.
   */
  run(xs: readonly Tensor[], options: CallOptions): Tensor[] {
    const values = new Map<KerasTensor, Tensor>();
    const masks = new Map<KerasTensor, Tensor | null>();
    this.inputs.forEach((x, i) => values.set(x, xs[i]));
    const valueOf = (t: KerasTensor | Tensor): Tensor => {
      if (!(t instanceof KerasTensor)) return t;
      const v = values.get(t);
      if (v === undefined) throw new Error(`Model: internal error: ${t.name} not computed`);
      return v;
    };
    const maskOf = (t: KerasTensor | Tensor): Tensor | null =>
      t instanceof KerasTensor ? (masks.get(t) ?? null) : null;
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const list = Array.isArray(node.inputs);
      const entries = list
        ? (node.inputs as readonly (KerasTensor | Tensor)[])
        : [node.inputs as KerasTensor | Tensor];
      const args = list ? entries.map(valueOf) : valueOf(entries[0]);
      const inMasks = entries.map(maskOf);
      const mask =
        node.options.mask ??
        (inMasks.every((m) => m === null) ? undefined : list ? inMasks : inMasks[0]);
      const callOptions: CallOptions = { ...node.options, training: options.training };
      if (mask !== undefined) callOptions.mask = mask;
      const out = node.layer.apply(args, callOptions);
      const outs = Array.isArray(out) ? out : [out];
      const outMask = node.layer.computeMask(args, mask);
      outputsOf(node).forEach((t, i) => {
        values.set(t, outs[i] as Tensor);
        const m = Array.isArray(outMask) ? (outMask[i] ?? null) : outMask;
        if (m !== null) masks.set(t, m);
      });
    }
    return this.outputs.map(valueOf);
  }
}
