/**
 * Ops whose outputs are consecutive stretches of their one input's row-major storage (a split
 * or unstack along an axis with only 1s before it: a first-axis split), run as views: each
 * output's storage is a subarray of the input's, and nothing is copied, as the narrow views of
 * PyTorch's split and of its concatenation gradient. Storage is written once, by the kernel
 * that makes it, and never again (tensor/tensor.ts; a variable's assign replaces its storage),
 * so sharing it is as safe as the engine's whole-storage views (Reshape, Identity).
 *
 * Tapes and tracers hear the op itself: its gradient and a traced graph's run (which runs the
 * op's kernel, a copy) are those of the op. What a view costs is memory: it keeps the whole
 * input's buffer alive while any piece lives (the gradients that use this pass on every piece).
 */
import { backend } from "../backend/index.js";
import type { OpDef } from "../engine/op.js";
import { activeRecorders } from "../engine/recorder.js";
import { activeTracers, recordOp } from "../engine/run-op.js";
import { isComplex } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * Runs `op` on `x` with its outputs as views of x's storage, in order (the caller checks that
 * the op's outputs are consecutive stretches of x). Null when x's storage cannot be shared
 * that way (complex data, string arrays): run the op instead.
 */
export function runAsViews<A>(op: OpDef<A>, x: Tensor, attrs: A): Tensor[] | null {
  if (isComplex(x.dtype)) return null;
  const data = backend().read(x);
  if (Array.isArray(data)) return null;
  const specs = op.infer([x], attrs);
  const outs = new Array<Tensor>(specs.length);
  let offset = 0;
  for (let k = 0; k < specs.length; k++) {
    const s = specs[k];
    const n = sizeOf(s.shape);
    outs[k] = new Tensor(data.subarray(offset, offset + n), s.shape, s.dtype);
    offset += n;
  }
  if (offset !== data.length) return null;
  const inputs = [x];
  for (const t of activeTracers) t.traceOp(op, inputs, outs, attrs);
  if (activeRecorders.length > 0) recordOp(op, inputs, outs, attrs);
  return outs;
}
