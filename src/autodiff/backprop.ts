/**
 * Reverse mode over a list of recorded nodes: walks only the nodes between the sources and the
 * targets, last to first, summing cotangents. Gradient rules run as ordinary ops, so any tape
 * that is recording meanwhile records them (that is how higher derivatives are taken).
 *
 * This runs once per gradient() call, and for small tensors its bookkeeping is most of the
 * cost: every JS object made here is young-generation garbage, and V8 hands the young
 * generation fresh pages after each scavenge, so each 4 KB of garbage costs a page fault
 * (10-20 us on a loaded VM). Hence plain loops, no closures, and no map or set copied that can
 * be shared.
 */
import { backend } from "../backend/index.js";
import {
  FreshBuffers,
  isFresh,
  recycle,
  recyclingEnabled,
  trackAllocations,
} from "../backend/recycle.js";
import {
  type AnyOpDef,
  type GradContext,
  type GradEntry,
  gradientOf,
  lookupOp,
} from "../engine/op.js";
import { activeRecorders, gradientScopes, type TapeNode } from "../engine/recorder.js";
import { activeTracers } from "../engine/run-op.js";
import { isDifferentiable } from "../tensor/dtype.js";
import { InternalError, LookupError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "../ops/elementwise.js";
import { zeros } from "../ops/creation.js";
import { IdMap, IdSet } from "./id-set.js";

/**
 * Whether backprop may recycle the storage that a node's gradient rule allocates and the
 * cotangents it spends (backend/recycle.ts): only for a built-in rule (an op of the registry
 * with no registerGradient override; custom gradients and tf.function's replayed nodes are not
 * in the registry, and they run user code, which could keep a tensor), and only while no tape
 * records and no tf.function traces (either would keep the tensors the rule reads).
 */
function recyclableRule(op: AnyOpDef, grad: GradEntry<unknown>): boolean {
  return (
    activeRecorders.length === 0 &&
    activeTracers.length === 0 &&
    grad === op.grad &&
    lookupOp(op.name) === op
  );
}

/** Whether any of the tensors has `storage`'s buffer. */
function sharesBuffer(ts: readonly (Tensor | null | undefined)[], buf: ArrayBufferLike): boolean {
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t === null || t === undefined) continue;
    const s = backend().read(t);
    if (ArrayBuffer.isView(s) && s.buffer === buf) return true;
  }
  return false;
}

/** Node flags of the two passes. */
const FROM_SOURCE = 1;
const RELEVANT = 2;

/**
 * Cotangents of `sourceIds` given the seed cotangents of the targets (id -> cotangent; the map
 * is used up: it becomes the result). Returns a map whose entry for a source is its cotangent, absent for an unconnected source
 * (it may hold entries for other ids too: read only the sources).
 */
export function backprop(
  nodes: readonly TapeNode[],
  seeds: IdMap<Tensor>,
  sourceIds: IdSet,
): IdMap<Tensor> {
  const n = nodes.length;
  const flags = new Array<number>(n).fill(0);
  // Forward pass over ids: which nodes depend on a source. `reached` starts as the sources.
  const reached = new IdSet();
  sourceIds.forEach((id) => reached.add(id));
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    const ins = node.inputIds;
    let hit = false;
    for (let k = 0; k < ins.length; k++) {
      if (reached.has(ins[k])) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    flags[i] = FROM_SOURCE;
    const outs = node.outputIds;
    for (let k = 0; k < outs.length; k++) reached.add(outs[k]);
  }
  // Backward pass: of those, which lead to a target.
  const needed = new IdSet();
  seeds.forEachKey((id) => needed.add(id));
  for (let i = n - 1; i >= 0; i--) {
    if (flags[i] !== FROM_SOURCE) continue;
    const node = nodes[i];
    const outs = node.outputIds;
    let hit = false;
    for (let k = 0; k < outs.length; k++) {
      if (needed.has(outs[k])) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    flags[i] = RELEVANT;
    const ins = node.inputIds;
    for (let k = 0; k < ins.length; k++) needed.add(ins[k]);
  }

  // The seeds map becomes the cotangents map (the caller made it for this call).
  const cotangents = seeds;
  // The buffers built-in rules allocate in this call (backend/recycle.ts): spent cotangents
  // among them go back to the pool.
  const fresh = recyclingEnabled() ? new FreshBuffers() : null;
  for (let i = n - 1; i >= 0; i--) {
    if (flags[i] !== RELEVANT) continue;
    const node = nodes[i];
    const outs = node.outputIds;
    const nOut = outs.length;
    let any = false;
    const dys = new Array<Tensor>(nOut);
    for (let k = 0; k < nOut; k++) {
      const g = cotangents.get(outs[k]);
      if (g !== undefined) {
        any = true;
        dys[k] = g;
      }
    }
    if (!any) continue;
    const grad = gradientOf(node.op);
    if (grad === null) throw new LookupError(`gradient registry has no entry for: ${node.op.name}`);
    if (grad === "none") continue;
    // An output nobody used still needs a cotangent for the rule: zeros, as TensorFlow gives.
    for (let k = 0; k < nOut; k++) {
      if (dys[k] !== undefined) continue;
      const d = node.outputDtypes[k];
      dys[k] = zeros(node.outputShapes[k], isDifferentiable(d) ? d : "float32");
    }
    // Only inputs reached from a source need a cotangent; the rule may skip the others.
    const ins = node.inputIds;
    const nIn = ins.length;
    const needsInputGrad = new Array<boolean>(nIn);
    for (let k = 0; k < nIn; k++)
      needsInputGrad[k] = reached.has(ins[k]) && isDifferentiable(node.inputDtypes[k]);
    const ctx: GradContext<unknown> = {
      inputs: node.inputs,
      outputs: node.outputs,
      attrs: node.attrs,
      inputShapes: node.inputShapes,
      inputDtypes: node.inputDtypes,
      needsInputGrad,
    };
    // The rule's ops run inside this op's gradient (tf.debugging.enableCheckNumerics says so).
    gradientScopes.push(node.op.name);
    const recycling = fresh !== null && recyclableRule(node.op, grad);
    let inputGrads: readonly (Tensor | null)[];
    try {
      if (recycling) trackAllocations(fresh);
      inputGrads = grad(dys, ctx);
    } finally {
      if (recycling) trackAllocations(null);
      gradientScopes.pop();
    }
    // The outputs' cotangents are spent, unless an output is itself a source.
    for (let k = 0; k < nOut; k++) if (!sourceIds.has(outs[k])) cotangents.delete(outs[k]);
    for (let k = 0; k < nIn; k++) {
      const g = inputGrads[k];
      if (g === null || g === undefined || !needsInputGrad[k]) continue;
      if (!shapesEqual(g.shape, node.inputShapes[k])) {
        throw new InternalError(
          `${node.op.name}: the gradient rule gave a cotangent of shape ${shapeMsg(g.shape)} for input ${k} of shape ${shapeMsg(node.inputShapes[k])}`,
        );
      }
      const id = ins[k];
      const prev = cotangents.get(id);
      cotangents.set(id, prev === undefined ? g : add(prev, g));
    }
    // Nothing to release until a rule has allocated a buffer of pooled size.
    if (fresh !== null && fresh.set !== null)
      releaseSpent(fresh, recycling, node, dys, inputGrads, cotangents, sourceIds);
  }
  return cotangents;
}

/**
 * After a node's rule ran: its outputs' cotangents are spent. Each one whose buffer a built-in
 * rule allocated in this call, and that no live cotangent and no gradient the rule returned
 * shares (views share their input's buffer), goes back to the pool. After a rule that is not
 * built in (user code saw the cotangents), their buffers are never recycled.
 */
function releaseSpent(
  fresh: FreshBuffers,
  recycling: boolean,
  node: TapeNode,
  dys: readonly Tensor[],
  inputGrads: readonly (Tensor | null)[],
  cotangents: IdMap<Tensor>,
  sourceIds: IdSet,
): void {
  const set = fresh.set;
  if (set === null) return;
  const outs = node.outputIds;
  for (let k = 0; k < dys.length; k++) {
    if (sourceIds.has(outs[k])) continue;
    const storage = backend().read(dys[k]);
    if (!isFresh(fresh, storage)) continue;
    const buf = (storage as Float32Array).buffer;
    if (!recycling) {
      set.delete(buf);
      continue;
    }
    if (sharesBuffer(inputGrads, buf)) continue;
    let live = false;
    cotangents.forEachKey((id) => {
      if (!live) live = sharesBuffer([cotangents.get(id)], buf);
    });
    if (live) continue;
    set.delete(buf);
    recycle(dys[k].dtype, storage);
  }
}
