/**
 * `tf.einsum(equation, ...inputs)`: Einstein summation, a composite of primitives (its gradient
 * comes from theirs). The plan, for each operand:
 * - `...` stands for the broadcast batch dims; an operand's size-1 ellipsis dims are dropped, so
 *   the label is simply absent there and the contraction broadcasts it for free;
 * - a label repeated within one operand takes the diagonal: where(I, x, 0) summed over one of
 *   the two axes (where picks rather than multiplies, so NaNs off the diagonal stay out);
 * then the operands are contracted pairwise, left to right. For a pair X, Y the labels are
 *   B  in both and still needed (in the output or in a later operand): batch dims,
 *   C  in both and needed no more: summed by the product,
 *   Fx, Fy  in one only: free dims (those needed no more are summed first),
 * and the pair is one batched matmul [B, Fx, C] x [B, C, Fy] -> [B, Fx, Fy], each operand
 * transposed (or given the matmul transpose flag) and reshaped into that layout. The last
 * operand sums the labels missing from the output and is transposed into its order.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { reduceSum, reshape } from "./broadcast.js";
import { checkDType, describe, toTensor, type TensorLike } from "./checks.js";
import { where } from "./elementwise.js";
import { diagonalMask, matmul } from "./linalg.js";
import { identity, transpose } from "./movement.js";
import { api } from "./api.js";

/** A subscript: a letter, or `.<i>` for the i-th (from the left) of the broadcast ellipsis dims. */
type Label = string;

interface Operand {
  t: Tensor;
  labels: Label[];
}

const isEllipsis = (l: Label) => l.startsWith(".");

interface Term {
  /** Letters before and after the `...`, or all of them when there is none. */
  readonly before: string[];
  readonly after: string[];
  readonly ellipsis: boolean;
}

function parseTerm(equation: string, term: string, what: string): Term {
  const parts = term.split("...");
  if (parts.length > 2) {
    throw new InvalidArgumentError(
      `einsum: ${what} '${term}' of '${equation}' has more than one ellipsis`,
    );
  }
  const letters = parts.map((p) => {
    for (const ch of p) {
      if (!/[a-zA-Z]/.test(ch)) {
        throw new InvalidArgumentError(
          `einsum: invalid character '${ch}' in ${what} '${term}' of '${equation}' (subscripts are letters and '...')`,
        );
      }
    }
    return [...p];
  });
  return { before: letters[0], after: letters[1] ?? [], ellipsis: parts.length === 2 };
}

interface Plan {
  readonly inputs: Label[][];
  readonly output: Label[];
}

/** Parses the equation against the operands' ranks; ellipses expand to `.<i>` labels. */
function plan(equation: string, tensors: readonly Tensor[]): Plan {
  const eq = equation.replace(/\s+/g, "");
  const sides = eq.split("->");
  if (sides.length > 2) {
    throw new InvalidArgumentError(`einsum: equation '${equation}' has more than one '->'`);
  }
  const terms = sides[0].split(",");
  if (terms.length !== tensors.length) {
    throw new InvalidArgumentError(
      `einsum: equation '${equation}' has ${terms.length} input subscript(s) but ${tensors.length} operand(s) were given (${tensors.map(describe).join(", ")})`,
    );
  }
  const parsed = terms.map((t, i) => parseTerm(equation, t, `input subscript ${i}`));
  // The ellipsis of each operand covers the dims its letters leave over; they align right.
  const ellRanks = parsed.map((p, i) => {
    const letters = p.before.length + p.after.length;
    const r = tensors[i].rank - letters;
    if (r < 0 || (!p.ellipsis && r !== 0)) {
      throw new InvalidArgumentError(
        `einsum: operand ${i} ${describe(tensors[i])} has rank ${tensors[i].rank} but its subscripts '${terms[i]}' ` +
          `name ${letters} dims${p.ellipsis ? " and more" : ""} (equation '${equation}')`,
      );
    }
    return r;
  });
  const ellRank = Math.max(0, ...ellRanks);
  const ellLabels = (r: number): Label[] =>
    Array.from({ length: r }, (_, j) => `.${ellRank - r + j}`);
  const inputs = parsed.map((p, i) => [...p.before, ...ellLabels(ellRanks[i]), ...p.after]);

  let output: Label[];
  if (sides.length === 2) {
    const o = parseTerm(equation, sides[1], "output subscript");
    output = [...o.before, ...(o.ellipsis ? ellLabels(ellRank) : []), ...o.after];
    const all = new Set(inputs.flat());
    for (const [i, l] of output.entries()) {
      if (isEllipsis(l)) continue;
      if (output.indexOf(l) !== i) {
        throw new InvalidArgumentError(
          `einsum: output subscript '${l}' appears more than once in '${equation}'`,
        );
      }
      if (!all.has(l)) {
        throw new InvalidArgumentError(
          `einsum: output subscript '${l}' does not appear in the input subscripts of '${equation}'`,
        );
      }
    }
  } else {
    // Implicit output: the ellipsis dims, then the letters that appear exactly once, sorted.
    const counts = new Map<Label, number>();
    for (const l of inputs.flat()) if (!isEllipsis(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l);
    output = [...ellLabels(ellRank), ...once.sort()];
  }
  return { inputs, output };
}

/** The size of each label; letters must agree exactly, ellipsis dims broadcast (1 vs d). */
function labelSizes(equation: string, ops: readonly Operand[]): Map<Label, number> {
  const sizes = new Map<Label, number>();
  const firstSeen = new Map<Label, number>();
  for (const [i, { t, labels }] of ops.entries()) {
    labels.forEach((l, ax) => {
      const d = t.shape[ax];
      const seen = sizes.get(l);
      if (seen === undefined || (isEllipsis(l) && seen === 1)) {
        sizes.set(l, d);
        firstSeen.set(l, i);
      } else if (seen !== d && !(isEllipsis(l) && d === 1)) {
        const j = firstSeen.get(l) ?? i;
        const name = isEllipsis(l) ? "an ellipsis dimension" : `subscript '${l}'`;
        throw new InvalidArgumentError(
          `einsum: ${name} has size ${seen} in operand ${j} ${describe(ops[j].t)} but ${d} in operand ${i} ${describe(t)} (equation '${equation}')`,
        );
      }
    });
  }
  return sizes;
}

/** Sums the operand over the given labels (which it holds). */
function sumOver(op: Operand, gone: readonly Label[]): Operand {
  if (gone.length === 0) return op;
  const axes = gone.map((l) => op.labels.indexOf(l));
  return { t: reduceSum(op.t, axes), labels: op.labels.filter((l) => !gone.includes(l)) };
}

/** Drops size-1 ellipsis dims and takes diagonals over repeated labels. */
function simplify(op: Operand): Operand {
  let { t, labels } = op;
  const ones = labels.filter((l, ax) => isEllipsis(l) && t.shape[ax] === 1);
  if (ones.length > 0) {
    const keep = labels.map((l, ax) => !(isEllipsis(l) && t.shape[ax] === 1));
    t = reshape(
      t,
      t.shape.filter((_, ax) => keep[ax]),
    );
    labels = labels.filter((_, ax) => keep[ax]);
  }
  for (;;) {
    const q = labels.findIndex((l, ax) => labels.indexOf(l) !== ax);
    if (q < 0) break;
    const p = labels.indexOf(labels[q]);
    const n = t.shape[p];
    // Mask of shape [1.., n (at p), 1.., n (at q), 1..], true where the two indices agree.
    const maskShape = t.shape.map((_, ax) => (ax === p || ax === q ? n : 1));
    const picked = where(reshape(diagonalMask(n, n), maskShape), t, 0);
    t = reduceSum(picked, q);
    labels = labels.filter((_, ax) => ax !== q);
  }
  return { t, labels };
}

/**
 * Lays the operand out as [B, first, second] (reshaped to rank 3, or 2 without B) for a matmul:
 * no copy if it already lies so, the transpose flag if it lies as [B, second, first], else a
 * transpose.
 */
function layout(
  op: Operand,
  batch: readonly Label[],
  first: readonly Label[],
  second: readonly Label[],
): [Tensor, boolean] {
  const pos = (ls: readonly Label[]) => ls.map((l) => op.labels.indexOf(l));
  const size = (ls: readonly Label[]) => sizeOf(pos(ls).map((ax) => op.t.shape[ax]));
  const b = batch.length > 0 ? [size(batch)] : [];
  const [f, s] = [size(first), size(second)];
  const straight = [...pos(batch), ...pos(first), ...pos(second)];
  if (straight.every((ax, i) => ax === i)) return [reshape(op.t, [...b, f, s]), false];
  const swapped = [...pos(batch), ...pos(second), ...pos(first)];
  if (swapped.every((ax, i) => ax === i)) return [reshape(op.t, [...b, s, f]), true];
  return [reshape(transpose(op.t, straight), [...b, f, s]), false];
}

function contract(x: Operand, y: Operand, keep: ReadonlySet<Label>): Operand {
  const inY = (l: Label) => y.labels.includes(l);
  const inX = (l: Label) => x.labels.includes(l);
  // Labels of one operand only that nothing needs any more are summed before the product.
  x = sumOver(
    x,
    x.labels.filter((l) => !inY(l) && !keep.has(l)),
  );
  y = sumOver(
    y,
    y.labels.filter((l) => !inX(l) && !keep.has(l)),
  );
  const shared = x.labels.filter(inY);
  const batch = shared.filter((l) => keep.has(l));
  const summed = shared.filter((l) => !keep.has(l));
  const fx = x.labels.filter((l) => !inY(l));
  const fy = y.labels.filter((l) => !inX(l));
  const [mx, transposeA] = layout(x, batch, fx, summed);
  const [my, transposeB] = layout(y, batch, summed, fy);
  const product = matmul(mx, my, { transposeA, transposeB });
  const dim = (op: Operand, l: Label) => op.t.shape[op.labels.indexOf(l)];
  const shape = [
    ...batch.map((l) => dim(x, l)),
    ...fx.map((l) => dim(x, l)),
    ...fy.map((l) => dim(y, l)),
  ];
  return { t: reshape(product, shape), labels: [...batch, ...fx, ...fy] };
}

/**
 * `tf.einsum(equation, ...inputs)`: e.g. `"ij,jk->ik"` (matmul), `"ii->"` (trace), `"ij->ji"`,
 * `"bij,bjk->bik"`, `"...ij,...jk->...ik"`, `"i,i"` (implicit output: the letters that appear
 * once, sorted, after the ellipsis dims). Any number of operands, contracted left to right.
 */
export const einsum = api(
  function einsum(equation: string, ...inputs: TensorLike[]): Tensor {
    if (typeof equation !== "string") {
      throw new TypeError(`einsum: equation must be a string, got ${String(equation)}`);
    }
    if (inputs.length === 0) {
      throw new InvalidArgumentError(`einsum: '${equation}' needs at least one operand`);
    }
    // JS values take the dtype of the first tensor given (as a Python scalar would).
    const first = inputs.find((x): x is Tensor => x instanceof Tensor);
    const tensors = inputs.map((x) => toTensor(x, "einsum", first?.dtype));
    for (const [i, t] of tensors.entries()) {
      checkDType("einsum", t, "numeric", `operand ${i}`);
      if (t.dtype !== tensors[0].dtype) {
        throw new InvalidArgumentError(
          `einsum: all operands must have the same dtype, got ${tensors.map(describe).join(", ")} (equation '${equation}')`,
        );
      }
    }
    const { inputs: labels, output } = plan(equation, tensors);
    const sizes = labelSizes(
      equation,
      tensors.map((t, i) => ({ t, labels: labels[i] })),
    );
    let ops = tensors.map((t, i) => simplify({ t, labels: labels[i] }));
    while (ops.length > 1) {
      const keep = new Set<Label>([...output, ...ops.slice(2).flatMap((o) => o.labels)]);
      ops = [contract(ops[0], ops[1], keep), ...ops.slice(2)];
    }
    const last = sumOver(
      ops[0],
      ops[0].labels.filter((l) => !output.includes(l)),
    );
    // Into the output's order; labels absent here were size-1 ellipsis dims everywhere.
    const present = output.filter((l) => last.labels.includes(l));
    const ordered = transpose(
      last.t,
      present.map((l) => last.labels.indexOf(l)),
    );
    const out = reshape(
      ordered,
      output.map((l) => sizes.get(l) ?? 1),
    );
    // An equation that changes nothing ("ij->ij") must still give a Tensor, not the Variable.
    return out instanceof Variable ? identity(out) : out;
  },
  { methods: [], namespaces: ["linalg"] },
);
