/**
 * The scans and selections of the reduction family: Cumsum, Cumprod (TensorFlow's exclusive and
 * reverse attrs) and TopKV2. Split from reduce.ts, which imports this file (Prod's gradient is
 * made of exclusive cumprods); this file imports nothing from reduce.ts.
 */
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { normalizeAxis, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { reshape } from "./broadcast.js";
import { checkDType, checkInteger, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { range, zeros } from "./creation.js";
import { add, div, mul } from "./elementwise.js";
import { scatterNd } from "./movement.js";
import { api } from "./api.js";

/** The [outer, n, inner] view of `shape` around `axis` that the kernels work on. */
export function splitAtAxis(
  shape: readonly number[],
  axis: number,
): { outer: number; n: number; inner: number } {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    n: shape[axis],
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

// --- Cumsum and Cumprod -----------------------------------------------------------------------

export interface ScanAttrs {
  /** Non-negative, < rank. */
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

function checkScan(name: string, x: Tensor, { axis }: ScanAttrs): void {
  checkDType(name, x, "numeric");
  if (x.rank === 0 || !Number.isInteger(axis) || axis < 0 || axis >= x.rank) {
    throw new InvalidArgumentError(
      `${name}: expected a scan axis in the range [${-x.rank}, ${x.rank}) of an input of rank >= 1, got axis ${axis} for input ${describe(x)}`,
    );
  }
}

/** The shape rule and kernel Cumsum and Cumprod share: y has x's shape, scanned along axis. */
function scanEntry(
  name: "Cumsum" | "Cumprod",
): Pick<OpDef<ScanAttrs>, "name" | "kind" | "check" | "infer" | "kernel"> {
  // Cumprod's rule divides by x: keep x away from zero.
  const range = name === "Cumprod" ? ([0.5, 1.5] as const) : undefined;
  return {
    name,
    kind: "scan",
    check: {
      cases: [
        {
          inputs: [{ shape: [2, 3], range }],
          attrs: { axis: 1, exclusive: false, reverse: false },
        },
        { inputs: [{ shape: [2, 3], range }], attrs: { axis: 0, exclusive: true, reverse: true } },
      ],
    },
    infer: ([x], attrs) => {
      checkScan(name, x, attrs);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    kernel: (b, [x], [y], { axis, exclusive, reverse }) => {
      const { outer, n, inner } = splitAtAxis(x.shape, axis);
      b.scan(
        name,
        b.read(x) as NumArray,
        outer,
        n,
        inner,
        exclusive,
        reverse,
        b.read(y) as NumArray,
      );
    },
  };
}

export const Cumsum: OpDef<ScanAttrs> = defineOp<ScanAttrs>({
  ...scanEntry("Cumsum"),
  // y_j = sum of x_i over i before j (or up to j): x_i reaches every y_j after it, so its
  // cotangent is the sum of dy_j over those j, a cumsum of dy running the other way.
  grad: ([dy], { attrs }) => [cumsum(dy, attrs.axis, attrs.exclusive, !attrs.reverse)],
});

export const Cumprod: OpDef<ScanAttrs> = defineOp<ScanAttrs>({
  ...scanEntry("Cumprod"),
  saveInputs: [0],
  saveOutputs: [0],
  // TensorFlow's rule: dy_j/dx_i = y_j / x_i for every j that x_i reaches, so
  // dx_i = (sum over those j of y_j dy_j) / x_i = cumsum(y dy, the other way) / x.
  // Like TensorFlow's, it is exact for nonzero x only (a zero x gives inf or NaN).
  grad: ([dy], { inputs, outputs, attrs }) => {
    const x = saved(inputs[0]);
    const y = saved(outputs[0]);
    return [div(cumsum(mul(y, dy), attrs.axis, attrs.exclusive, !attrs.reverse), x)];
  },
});

/** TensorFlow's keyword flags of cumsum and cumprod. */
export interface ScanOptions {
  exclusive?: boolean;
  reverse?: boolean;
}

function scanOp(
  fn: typeof Cumsum,
  name: string,
  x: TensorLike,
  axis: number,
  exclusive: boolean | ScanOptions,
  reverse: boolean,
): Tensor {
  const t = toTensor(x, name);
  const opts: ScanOptions =
    typeof exclusive === "object" && exclusive !== null ? exclusive : { exclusive, reverse };
  const ex = opts.exclusive ?? false;
  const rev = opts.reverse ?? false;
  if (typeof ex !== "boolean" || typeof rev !== "boolean") {
    throw new TypeError(
      `${fn.name}: exclusive and reverse must be booleans, got ${String(ex)} and ${String(rev)}`,
    );
  }
  if (t.rank === 0) {
    throw new InvalidArgumentError(
      `${fn.name}: input must have rank >= 1 to scan along an axis, got ${describe(t)}`,
    );
  }
  const ax = normalizeAxis(fn.name, checkInteger(fn.name, "axis", axis), t.rank, t);
  return runOp1(fn, [t], { axis: ax, exclusive: ex, reverse: rev });
}

/**
 * `tf.cumsum(x, axis=0, exclusive=false, reverse=false)`: running sums along `axis`. With
 * `exclusive` each element gets the sum of those strictly before it; with `reverse` the scan
 * runs from the end. The flags may also come as `{exclusive, reverse}` in third place.
 */
export const cumsum = api(
  function cumsum(
    x: TensorLike,
    axis = 0,
    exclusive: boolean | ScanOptions = false,
    reverse = false,
  ): Tensor {
    return scanOp(Cumsum, "cumsum", x, axis, exclusive, reverse);
  },
  { methods: ["cumsum"], namespaces: ["math"] },
);

/** `tf.math.cumprod(x, axis=0, exclusive=false, reverse=false)`: running products along `axis`. */
export const cumprod = api(
  function cumprod(
    x: TensorLike,
    axis = 0,
    exclusive: boolean | ScanOptions = false,
    reverse = false,
  ): Tensor {
    return scanOp(Cumprod, "cumprod", x, axis, exclusive, reverse);
  },
  { methods: ["cumprod"], namespaces: ["math"] },
);

// --- TopKV2 -----------------------------------------------------------------------------------

export interface TopKAttrs {
  readonly k: number;
  readonly sorted: boolean;
}

export const TopKV2: OpDef<TopKAttrs> = defineOp<TopKAttrs>({
  name: "TopKV2",
  kind: "reduction",
  check: { cases: [{ inputs: [{ shape: [2, 5] }], attrs: { k: 2, sorted: true } }] },
  infer: ([x], { k }) => {
    checkDType("TopKV2", x, "numeric");
    if (x.rank === 0) {
      throw new InvalidArgumentError(
        `TopKV2: input must be at least 1-dimensional, got ${describe(x)}`,
      );
    }
    checkInteger("TopKV2", "k", k, 0);
    const n = x.shape[x.rank - 1];
    if (k > n) {
      throw new InvalidArgumentError(
        `TopKV2: input must have at least k columns. Had ${n}, needed ${k} (input ${describe(x)})`,
      );
    }
    const shape = [...x.shape.slice(0, -1), k];
    return [
      { shape, dtype: x.dtype },
      { shape, dtype: "int32" },
    ];
  },
  kernel: (b, [x], [values, indices], { k, sorted }) => {
    const n = x.shape[x.rank - 1];
    const rows = sizeOf(x.shape.slice(0, -1));
    b.topK(
      b.read(x) as NumArray,
      rows,
      n,
      k,
      sorted,
      b.read(values) as NumArray,
      b.read(indices) as Int32Array,
    );
  },
  saveOutputs: [1],
  // Each value is a copy of one input element: its cotangent goes back to that element's place.
  grad: ([dy], c) => [topKGrad(dy, saved(c.outputs[1]), c.inputShapes[0])],
});

/**
 * TensorFlow's TopKV2 gradient: dy (shape [..., k]) scattered into zeros of the input's shape
 * [..., n] at the selected last-axis indices. Each row r is flattened to positions r * n + index,
 * so one scatterNd into a flat [rows * n] tensor does every row at once.
 */
function topKGrad(dy: Tensor, indices: Tensor, shape: readonly number[]): Tensor {
  const n = shape[shape.length - 1];
  const k = indices.shape[indices.rank - 1];
  const rows = sizeOf(shape.slice(0, -1));
  if (rows * n === 0 || k === 0) return zeros(shape, dy.dtype);
  const offsets = reshape(range(0, rows * n, n, "int32"), [rows, 1]);
  const flat = add(reshape(indices, [rows, k]), offsets);
  const g = scatterNd(reshape(flat, [rows * k, 1]), reshape(dy, [rows * k]), [rows * n]);
  return reshape(g, shape);
}

/** What `tf.math.topK` returns: the k largest values of each row and their indices. */
export interface TopKResult {
  values: Tensor;
  indices: Tensor;
}

/**
 * `tf.math.topK(x, k=1, sorted=true)`: the k largest entries along the last axis, largest first,
 * ties going to the lower index (as TensorFlow's TopKV2), and their int32 indices. `sorted` may
 * also come as `{sorted}`.
 */
export const topK = api(
  function topK(x: TensorLike, k = 1, sorted: boolean | { sorted?: boolean } = true): TopKResult {
    const t = toTensor(x, "topK");
    const s = typeof sorted === "object" && sorted !== null ? (sorted.sorted ?? true) : sorted;
    if (typeof s !== "boolean")
      throw new TypeError(`TopKV2: sorted must be a boolean, got ${String(s)}`);
    const [values, indices] = runOp(TopKV2, [t], { k, sorted: s });
    return { values, indices };
  },
  { methods: ["topK"], namespaces: ["math", "nn"] },
);
