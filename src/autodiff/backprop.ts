/**
 * Reverse mode over a list of recorded nodes: walks only the nodes between the sources and the
 * targets, last to first, summing cotangents. Gradient rules run as ordinary ops, so any tape
 * that is recording meanwhile records them (that is how higher derivatives are taken).
 */
import { gradientOf } from "../engine/op.js";
import { gradientScopes, type TapeNode } from "../engine/recorder.js";
import { isDifferentiable } from "../tensor/dtype.js";
import { InternalError, LookupError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "../ops/elementwise.js";
import { zeros } from "../ops/creation.js";

/**
 * Cotangents of `sourceIds` given the seed cotangents of the targets (id -> cotangent).
 * Returns a map holding an entry only for connected sources.
 */
export function backprop(
  nodes: readonly TapeNode[],
  seeds: ReadonlyMap<number, Tensor>,
  sourceIds: ReadonlySet<number>,
): Map<number, Tensor> {
  // Forward pass over ids: which nodes depend on a source.
  const reached = new Set<number>(sourceIds);
  const fromSource = new Array<boolean>(nodes.length).fill(false);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.inputIds.some((id) => reached.has(id))) {
      fromSource[i] = true;
      for (const id of node.outputIds) reached.add(id);
    }
  }
  // Backward pass: of those, which lead to a target.
  const needed = new Set<number>(seeds.keys());
  const relevant = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (fromSource[i] && node.outputIds.some((id) => needed.has(id))) {
      relevant[i] = true;
      for (const id of node.inputIds) needed.add(id);
    }
  }

  const cotangents = new Map<number, Tensor>(seeds);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!relevant[i]) continue;
    const node = nodes[i];
    let any = false;
    const dys = node.outputIds.map((id, k) => {
      const g = cotangents.get(id);
      if (g !== undefined) {
        any = true;
        return g;
      }
      // An output nobody used still needs a cotangent for the rule: zeros, as TensorFlow gives.
      return zeros(
        node.outputShapes[k],
        isDifferentiable(node.outputDtypes[k]) ? node.outputDtypes[k] : "float32",
      );
    });
    if (!any) continue;
    const grad = gradientOf(node.op);
    if (grad === null) throw new LookupError(`gradient registry has no entry for: ${node.op.name}`);
    if (grad === "none") continue;
    // Only inputs reached from a source need a cotangent; the rule may skip the others.
    const needsInputGrad = node.inputIds.map(
      (id, k) => reached.has(id) && isDifferentiable(node.inputDtypes[k]),
    );
    // The rule's ops run inside this op's gradient (tf.debugging.enableCheckNumerics says so).
    gradientScopes.push(node.op.name);
    let inputGrads: readonly (Tensor | null)[];
    try {
      inputGrads = grad(dys, {
        inputs: node.inputs,
        outputs: node.outputs,
        attrs: node.attrs,
        inputShapes: node.inputShapes,
        inputDtypes: node.inputDtypes,
        needsInputGrad,
      });
    } finally {
      gradientScopes.pop();
    }
    // The outputs' cotangents are spent, unless an output is itself a source.
    for (const id of node.outputIds) if (!sourceIds.has(id)) cotangents.delete(id);
    for (let k = 0; k < node.inputIds.length; k++) {
      const g = inputGrads[k];
      if (g === null || g === undefined || !needsInputGrad[k]) continue;
      if (!shapesEqual(g.shape, node.inputShapes[k])) {
        throw new InternalError(
          `${node.op.name}: the gradient rule gave a cotangent of shape ${shapeMsg(g.shape)} for input ${k} of shape ${shapeMsg(node.inputShapes[k])}`,
        );
      }
      const id = node.inputIds[k];
      const prev = cotangents.get(id);
      cotangents.set(id, prev === undefined ? g : add(prev, g));
    }
  }
  const out = new Map<number, Tensor>();
  for (const id of sourceIds) {
    const g = cotangents.get(id);
    if (g !== undefined) out.set(id, g);
  }
  return out;
}
