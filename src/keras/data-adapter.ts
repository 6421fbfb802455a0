/**
 * The data fit, evaluate and predict read: in-memory tensors (or JS arrays) cut into batches,
 * shuffled each epoch, or any iterable of [x, y] / [x, y, sampleWeight] batches (a
 * tf.data.Dataset among them).
 */
import type { TensorLike } from "../tensor/convert.js";
import type { DType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { toTensor } from "../ops/checks.js";
import { range } from "../ops/creation.js";
import { gather, slice } from "../ops/index.js";
import { shuffle } from "../ops/random.js";

/** x: one tensor (or JS array), or a list of tensors for a model with several inputs. */
export type DataX = TensorLike | readonly (Tensor | TensorLike)[];
/** A batch an iterable yields: [x, y] or [x, y, sampleWeight]; for predict, x alone. */
export type Batch = readonly [DataX, DataX?, TensorLike?] | Tensor;

export function isTensorList(x: unknown): x is readonly (Tensor | TensorLike)[] {
  return Array.isArray(x) && x.some((t) => t instanceof Tensor);
}

export function isIterableData(x: unknown): x is Iterable<Batch> {
  return (
    x !== null &&
    typeof x === "object" &&
    !Array.isArray(x) &&
    !(x instanceof Tensor) &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

/**
 * One tensor or a list, from tensors or JS values; JS values take the dtype of the matching
 * model input where known (an int32 Input gets int32), else float32.
 */
export function asTensors(where: string, x: DataX, dtypes?: readonly DType[] | null): Tensor[] {
  const list = isTensorList(x) ? x : [x as TensorLike];
  return list.map((t, i) =>
    t instanceof Tensor ? t : toTensor(t, where, dtypes?.[i] ?? "float32"),
  );
}

export function numSamples(where: string, what: string, ts: readonly Tensor[]): number {
  let n: number | null = null;
  for (const t of ts) {
    if (t.rank === 0) {
      throw new InvalidArgumentError(`${where}: ${what} must have a batch dimension, got a scalar`);
    }
    if (n !== null && t.shape[0] !== n) {
      throw new InvalidArgumentError(
        `${where}: all ${what} must have the same number of samples; got sizes ${ts.map((u) => u.shape[0]).join(", ")}`,
      );
    }
    n = t.shape[0];
  }
  return n ?? 0;
}

export function checkPositiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new TypeError(`${where}: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

export interface TensorBatch {
  x: Tensor[];
  y: Tensor[] | null;
  w: Tensor | null;
}

/** Batches of in-memory arrays, shuffled (or not) per epoch. */
export class ArrayData {
  constructor(
    readonly x: Tensor[],
    readonly y: Tensor[] | null,
    readonly w: Tensor | null,
    readonly size: number,
    readonly batchSize: number,
  ) {}

  get steps(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  *batches(shuffleIt: boolean, steps?: number): Generator<TensorBatch> {
    const order = shuffleIt ? shuffle(range(0, this.size, 1, "int32")) : null;
    const total = Math.min(this.steps, steps ?? Infinity);
    for (let s = 0; s < total; s++) {
      const start = s * this.batchSize;
      const end = Math.min(start + this.batchSize, this.size);
      const idx =
        order === null ? range(start, end, 1, "int32") : slice(order, [start], [end - start]);
      const take = (t: Tensor) =>
        start === 0 && end === this.size && order === null ? t : gather(t, idx);
      yield {
        x: this.x.map(take),
        y: this.y === null ? null : this.y.map(take),
        w: this.w === null ? null : take(this.w),
      };
    }
  }

  /** The first (1 - split) of the samples and the rest. */
  split(fraction: number): [ArrayData, ArrayData] {
    const at = Math.floor(this.size * (1 - fraction));
    const head = (t: Tensor) =>
      slice(t, [0, ...t.shape.slice(1).map(() => 0)], [at, ...t.shape.slice(1).map(() => -1)]);
    const tail = (t: Tensor) =>
      slice(
        t,
        [at, ...t.shape.slice(1).map(() => 0)],
        [this.size - at, ...t.shape.slice(1).map(() => -1)],
      );
    const part = (f: (t: Tensor) => Tensor, n: number) =>
      new ArrayData(
        this.x.map(f),
        this.y === null ? null : this.y.map(f),
        this.w === null ? null : f(this.w),
        n,
        this.batchSize,
      );
    return [part(head, at), part(tail, this.size - at)];
  }
}

/** Batches from an iterable of [x, y, sampleWeight?]. */
export class IterableData {
  #it: Iterator<Batch> | null = null;
  constructor(
    readonly source: Iterable<Batch>,
    readonly where: string,
  ) {}

  /** Steps if the source says (a `length` or `cardinality()`), else null. */
  get steps(): number | null {
    const s = this.source as { length?: unknown; cardinality?: unknown };
    if (typeof s.length === "number" && s.length >= 0) return s.length;
    if (typeof s.cardinality === "function") {
      const c: unknown = (s.cardinality as () => unknown).call(this.source);
      const n = c instanceof Tensor ? Number(c.dataSync()[0]) : c;
      if (typeof n === "number" && Number.isInteger(n) && n >= 0) return n;
    }
    return null;
  }

  /** A new pass over the source, or, with `steps`, the next `steps` batches of a continuing one. */
  *batches(_shuffle: boolean, steps?: number): Generator<TensorBatch> {
    if (steps === undefined) this.#it = null;
    let n = 0;
    while (steps === undefined || n < steps) {
      this.#it ??= this.source[Symbol.iterator]();
      const r = this.#it.next();
      if (r.done === true) {
        this.#it = null;
        if (steps === undefined || n === 0) return;
        continue;
      }
      yield this.#convert(r.value);
      n++;
    }
  }

  #convert(b: unknown): TensorBatch {
    // A batch of inputs alone (for predict): a tensor.
    if (b instanceof Tensor) return { x: [b], y: null, w: null };
    if (!Array.isArray(b) || b.length < 1 || b.length > 3) {
      throw new TypeError(
        `${this.where}: an iterable of data must yield [x, y] or [x, y, sampleWeight] batches, got ${String(b)}`,
      );
    }
    const [x, y, w] = b as [DataX, DataX | undefined, TensorLike | undefined];
    return {
      x: asTensors(this.where, x),
      y: y === undefined || y === null ? null : asTensors(this.where, y),
      w:
        w === undefined || w === null
          ? null
          : w instanceof Tensor
            ? w
            : toTensor(w, this.where, "float32"),
    };
  }
}

export type Data = ArrayData | IterableData;
