/**
 * pfor: a straight-line program of registry ops, traced from one run of a function, and run
 * again over a batch of inputs stacked along a new leading axis, every op at once.
 *
 * Tracing listens to the engine (as tf.function's tracer does) while the function runs once on
 * one example. Each tensor an op reads is a slot (an input, or an earlier op's output) or, made
 * elsewhere, a constant (by reference; it is the same for every example). Running batched, an
 * op none of whose inputs depends on the batch runs once as traced; the others run through a
 * batching rule: the same op with its attrs shifted past the new axis (reductions, transposes,
 * reshapes, concatenations, softmax, ...), with operands of lower rank given unit axes so that
 * NumPy broadcasting still pairs the right elements (elementwise ops), or a batched matmul.
 * An op without a rule, a stateful op (random draws), control flow (whose sub-graphs the trace
 * cannot see) or a tensor read into JS makes the program unbatchable, and callers fall back to
 * a loop (TensorFlow's pfor falls back to a while loop the same way).
 *
 * The batched run goes through runOp, so tapes record it: gradients through a vectorized
 * computation are those of its batched ops.
 */
import type { AnyOpDef } from "../engine/op.js";
import { withoutRecording } from "../engine/recorder.js";
import { activeTracers, type OpTracer, runOp } from "../engine/run-op.js";
import { broadcastTo, reshape } from "../ops/broadcast.js";
import { matmul } from "../ops/linalg.js";
import { expandDims, transpose } from "../ops/movement-core.js";
import { Tensor } from "../tensor/tensor.js";
import { OneHot, oneHotOp } from "./pfor-onehot.js";

/** An op input: a slot of the program, or a tensor made outside it (the same for every example). */
type Ref = number | Tensor;

interface Step {
  readonly op: AnyOpDef;
  readonly attrs: unknown;
  readonly inputs: readonly Ref[];
  readonly outputs: readonly number[];
}

export interface Program {
  readonly numSlots: number;
  readonly inputs: readonly number[];
  readonly steps: readonly Step[];
  readonly outputs: readonly (Ref | null)[];
  /** Why the program cannot be batched (null: it may be, rule by rule). */
  readonly failure: string | null;
}

class ProgramTracer implements OpTracer {
  private readonly slotOf = new Map<number, number>();
  numSlots = 0;
  readonly steps: Step[] = [];
  failure: string | null = null;

  define(t: Tensor): number {
    const s = this.numSlots++;
    this.slotOf.set(t.id, s);
    return s;
  }

  ref(t: Tensor): Ref {
    return this.slotOf.get(t.id) ?? t;
  }

  traceOp(
    op: AnyOpDef,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    attrs: unknown,
  ): void {
    if (op.stateful === true) this.failure ??= `${op.name} is stateful`;
    this.steps.push({
      op,
      attrs,
      inputs: inputs.map((t) => this.ref(t)),
      outputs: outputs.map((t) => this.define(t)),
    });
  }

  opaque(what: string): void {
    this.failure ??= `${what} (control flow) cannot be vectorized`;
  }
}

/**
 * Runs `fn` once on `inputs` (one example each) and records its ops. Nothing is recorded on
 * tapes, and enclosing traces do not hear it.
 */
export function traceProgram(
  fn: (inputs: readonly Tensor[]) => readonly (Tensor | null)[],
  inputs: readonly Tensor[],
): { program: Program; results: (Tensor | null)[] } {
  const tr = new ProgramTracer();
  const slots = inputs.map((t) => tr.define(t));
  // The methods in force now (a tf.function trace may have wrapped them too): put back after.
  const originalNumpy = Tensor.prototype.numpy;
  const originalDataSync = Tensor.prototype.dataSync;
  const saved = activeTracers.splice(0);
  activeTracers.push(tr);
  // A value read into JS may steer the computation per example: not batchable.
  const readsValues = function (this: Tensor): never {
    tr.failure ??= "the function reads tensor values into JS (numpy() or dataSync())";
    return undefined as never;
  };
  Tensor.prototype.numpy = function (this: Tensor) {
    readsValues.call(this);
    return originalNumpy.call(this);
  };
  Tensor.prototype.dataSync = function (this: Tensor) {
    readsValues.call(this);
    return originalDataSync.call(this);
  };
  let results: (Tensor | null)[];
  try {
    results = [...withoutRecording(() => fn(inputs))];
  } finally {
    Tensor.prototype.numpy = originalNumpy;
    Tensor.prototype.dataSync = originalDataSync;
    activeTracers.length = 0;
    activeTracers.push(...saved);
  }
  const program: Program = {
    numSlots: tr.numSlots,
    inputs: slots,
    steps: tr.steps,
    outputs: results.map((t) => (t === null ? null : tr.ref(t))),
    failure: tr.failure,
  };
  return { program, results };
}

/** Thrown inside runBatched when an op depending on the batch has no rule. */
class NoRule extends Error {}

/**
 * Runs the program on `inputs`, each with a leading batch axis of size `batch`. Returns the
 * outputs, each with the leading axis (an output that does not depend on the inputs is
 * broadcast to it), or the reason it cannot.
 */
export function runBatched(
  program: Program,
  inputs: readonly (Tensor | OneHot)[],
  batch: number,
): { outputs: (Tensor | null)[] } | { reason: string } {
  if (program.failure !== null) return { reason: program.failure };
  // The steps the outputs need (a reverse pass also computes gradients nobody asked for, such
  // as a bias's when only the input's are wanted), found backwards from the outputs.
  const needed = new Uint8Array(program.numSlots);
  for (const r of program.outputs) if (typeof r === "number") needed[r] = 1;
  const live = new Array<boolean>(program.steps.length).fill(false);
  for (let k = program.steps.length - 1; k >= 0; k--) {
    const step = program.steps[k];
    if (!step.outputs.some((s) => needed[s] === 1)) continue;
    live[k] = true;
    for (const r of step.inputs) if (typeof r === "number") needed[r] = 1;
  }
  // Which slots depend on the batch, decided before anything runs.
  const batched = new Uint8Array(program.numSlots);
  for (const s of program.inputs) batched[s] = 1;
  for (const [k, step] of program.steps.entries()) {
    if (!live[k] || !step.inputs.some((r) => typeof r === "number" && batched[r] === 1)) {
      continue;
    }
    if (!hasRule(step.op)) return { reason: `${step.op.name} has no batching rule` };
    for (const s of step.outputs) batched[s] = 1;
  }
  const env = new Array<Tensor | OneHot>(program.numSlots);
  program.inputs.forEach((s, i) => (env[s] = inputs[i]));
  // A slot's value as a tensor: a one-hot one made dense (once).
  const val = (r: Ref): Tensor => {
    if (typeof r !== "number") return r;
    const v = env[r];
    if (v instanceof OneHot) return (env[r] = v.dense());
    return v;
  };
  try {
    for (const [k, step] of program.steps.entries()) {
      if (!live[k]) continue;
      const flags = step.inputs.map((r) => typeof r === "number" && batched[r] === 1);
      if (step.inputs.some((r) => typeof r === "number" && env[r] instanceof OneHot)) {
        const raw = step.inputs.map((r) => (typeof r === "number" ? env[r] : r));
        const out = oneHotOp(step.op, step.attrs, raw, flags);
        if (out !== null) {
          env[step.outputs[0]] = out;
          continue;
        }
      }
      const xs = step.inputs.map(val);
      const outs = flags.some((f) => f)
        ? batchedOp(step.op, step.attrs, xs, flags, batch)
        : runOp(step.op, xs, step.attrs as never);
      step.outputs.forEach((s, i) => (env[s] = outs[i]));
    }
  } catch (e) {
    if (e instanceof NoRule) return { reason: e.message };
    throw e;
  }
  const outputs = program.outputs.map((r) => {
    if (r === null) return null;
    const t = val(r);
    if (typeof r === "number" && batched[r] === 1) return t;
    return broadcastTo(expandDims(t, 0), [batch, ...t.shape]);
  });
  return { outputs };
}

// ---------------------------------------------------------------------------------------------
// Batching rules

/**
 * Ops mapped elementwise besides the registry's unary and binary kinds: where (three
 * broadcasting operands) and the views that pass their input through.
 */
const ELEMENTWISE = new Set(["SelectV2", "Identity", "StopGradient"]);

type Rule = (
  op: AnyOpDef,
  attrs: Record<string, unknown>,
  xs: readonly Tensor[],
  batched: readonly boolean[],
  batch: number,
) => Tensor[];

const shift = (axes: readonly number[]): number[] => axes.map((a) => a + 1);

/** Every operand batched: the unbatched ones broadcast to the batch. */
function allBatched(xs: readonly Tensor[], batched: readonly boolean[], batch: number): Tensor[] {
  return xs.map((x, i) => (batched[i] ? x : broadcastTo(expandDims(x, 0), [batch, ...x.shape])));
}

/** Rules for ops whose only batch-dependent input is input 0 and whose attrs name axes. */
function firstOnly(
  fix: (attrs: Record<string, unknown>, x: Tensor, batch: number) => Record<string, unknown>,
): Rule {
  return (op, attrs, xs, batched, batch) => {
    if (batched.some((b, i) => b && i > 0)) throw new NoRule(`${op.name}: only input 0 may vary`);
    return runOp(op, xs, fix(attrs, xs[0], batch) as never);
  };
}

const reduceRule = firstOnly((a) => ({ ...a, axes: shift(a.axes as number[]) }));
const axisRule = firstOnly((a) => ({ ...a, axis: (a.axis as number) + 1 }));

const RULES: Record<string, Rule> = {
  Sum: reduceRule,
  Mean: reduceRule,
  Max: reduceRule,
  Min: reduceRule,
  Prod: reduceRule,
  All: reduceRule,
  Any: reduceRule,
  ArgMax: axisRule,
  ArgMin: axisRule,
  Softmax: axisRule,
  LogSoftmax: axisRule,
  Cumsum: axisRule,
  Cumprod: axisRule,
  Unpack: axisRule,
  ExpandDims: axisRule,
  Squeeze: firstOnly((a) => ({ axes: shift(a.axes as number[]) })),
  ReverseV2: firstOnly((a) => ({ axes: shift(a.axes as number[]) })),
  Transpose: firstOnly((a) => ({ perm: [0, ...shift(a.perm as number[])] })),
  Reshape: firstOnly((a, _x, b) => ({ shape: [b, ...(a.shape as number[])] })),
  Tile: firstOnly((a) => ({ multiples: [1, ...(a.multiples as number[])] })),
  Slice: firstOnly((a, _x, b) => ({
    begin: [0, ...(a.begin as number[])],
    size: [b, ...(a.size as number[])],
  })),
  PadV2: firstOnly((a) => ({
    before: [0, ...(a.before as number[])],
    after: [0, ...(a.after as number[])],
  })),
  MirrorPad: firstOnly((a) => ({
    ...a,
    before: [0, ...(a.before as number[])],
    after: [0, ...(a.after as number[])],
  })),
  GatherV2: (op, a, xs, batched) => {
    if (batched[1] || (a.batchDims as number) !== 0) {
      throw new NoRule("GatherV2: batched indices");
    }
    return runOp(op, xs, { ...a, axis: (a.axis as number) + 1 } as never);
  },
  BroadcastTo: (op, a, [x], _b, batch) => {
    const shape = a.shape as number[];
    const r = x.rank - 1;
    const xr =
      r < shape.length ? reshape(x, [batch, ...ones(shape.length - r), ...x.shape.slice(1)]) : x;
    return runOp(op, [xr], { shape: [batch, ...shape] } as never);
  },
  ConcatV2: (op, a, xs, batched, batch) =>
    runOp(op, allBatched(xs, batched, batch), { axis: (a.axis as number) + 1 } as never),
  Pack: (op, a, xs, batched, batch) =>
    runOp(op, allBatched(xs, batched, batch), { axis: (a.axis as number) + 1 } as never),
  BatchMatMulV2: (_op, a, [x, y], batched, batch) => {
    const ta = a.transposeA as boolean;
    const tb = a.transposeB as boolean;
    if (batched[0] && !batched[1] && y.rank === 2 && !ta) {
      // [B, ..., m, k] x [k, n]: one matrix product with the batch folded into the rows.
      const rows = reshape(x, [-1, x.shape[x.rank - 1]]);
      const out = matmul(rows, y, { transposeB: tb });
      return [reshape(out, [...x.shape.slice(0, -1), out.shape[1]])];
    }
    if (!batched[0] && batched[1] && x.rank === 2 && y.rank === 3 && y.shape[tb ? 1 : 2] === 1) {
      // [m, k] x [B, k, 1] (a matrix times a batch of columns): the columns are the rows of a
      // [B, k] matrix, out[b] = op(x) @ y[b] is row b of Y op(x)^T; no transposes.
      const out = matmul(reshape(y, [batch, -1]), x, { transposeB: !ta });
      return [reshape(out, [batch, out.shape[1], 1])];
    }
    if (!batched[0] && batched[1] && x.rank === 2 && y.rank === 3) {
      // [m, k] x [B, k, n]: the batch folded into the columns, [k, B*n], and back.
      const [, k, n] = tb ? [y.shape[0], y.shape[2], y.shape[1]] : y.shape;
      const cols = reshape(transpose(y, tb ? [2, 0, 1] : [1, 0, 2]), [k, batch * n]);
      const out = matmul(x, cols, { transposeA: ta });
      return [transpose(reshape(out, [out.shape[0], batch, n]), [1, 0, 2])];
    }
    // Give the batched operand as many matrix-batch axes as the other, then the batch axis:
    // matmul broadcasts batch dims (materializing where the kernel needs it).
    const nb = Math.max(x.rank - 2 - (batched[0] ? 1 : 0), y.rank - 2 - (batched[1] ? 1 : 0));
    const lift = (t: Tensor, isBatched: boolean): Tensor => {
      if (!isBatched) return t;
      const own = t.rank - 3;
      return own < nb ? reshape(t, [batch, ...ones(nb - own), ...t.shape.slice(1)]) : t;
    };
    return [
      matmul(lift(x, batched[0]), lift(y, batched[1]), {
        transposeA: a.transposeA as boolean,
        transposeB: a.transposeB as boolean,
      }),
    ];
  },
};

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}

function hasRule(op: AnyOpDef): boolean {
  return (
    ELEMENTWISE.has(op.name) || op.kind === "unary" || op.kind === "binary" || op.name in RULES
  );
}

function batchedOp(
  op: AnyOpDef,
  attrs: unknown,
  xs: readonly Tensor[],
  batched: readonly boolean[],
  batch: number,
): Tensor[] {
  const rule = RULES[op.name];
  if (rule !== undefined)
    return rule(op, (attrs ?? {}) as Record<string, unknown>, xs, batched, batch);
  if (!hasRule(op)) throw new NoRule(`${op.name} has no batching rule`);
  // Elementwise with NumPy broadcasting: each batched operand gets unit axes after the batch
  // axis up to the widest operand's rank, so its trailing axes still meet the others'.
  const ranks = xs.map((x, i) => (batched[i] ? x.rank - 1 : x.rank));
  const r = Math.max(...ranks);
  const args = xs.map((x, i) =>
    batched[i] && ranks[i] < r
      ? reshape(x, [batch, ...ones(r - ranks[i]), ...x.shape.slice(1)])
      : x,
  );
  return runOp(op, args, attrs as never);
}
