/**
 * `tf.data.Dataset`: a re-iterable sequence of elements (tensors or nests of them) built by a
 * chain of transformations, as in TensorFlow:
 *
 * ```ts
 * const ds = tf.data.Dataset.fromTensorSlices([x, y]).shuffle(1000, { seed: 1 }).batch(32);
 * for (const [xb, yb] of ds) { ... }      // a fresh pass each time it is iterated
 * model.fit(ds, { epochs: 3 });           // elements are [x, y] pairs
 * ```
 *
 * Each `for ... of` (each `[Symbol.iterator]()` call) starts a new pass over the pipeline, so a
 * dataset can be iterated once per epoch; `shuffle` reshuffles on each pass by default.
 *
 * A dataset made by `fromTensorSlices` is iterated by index until an element-wise transformation
 * (`map`, `filter`, `cache`) needs the elements: `shuffle`, `take`, `skip` and `repeat` then move
 * indices, and `batch` cuts each batch with one `slice` (consecutive indices) or one `gather`
 * per component instead of slicing every row and stacking them. The elements are the same
 * either way; only the number of ops differs.
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeStr } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { constant, gather, slice } from "../ops/index.js";
import { nextSeed } from "../ops/random.js";
import { Philox } from "../ops/random-philox.js";
import {
  type Element,
  type ElementLike,
  type ElementOf,
  type NumpyOf,
  leaves,
  mapLeaves,
  stackElements,
  toElement,
  toNumpy,
} from "./structure.js";

/** `tf.data.INFINITE_CARDINALITY`: the cardinality of a dataset that never ends. */
export const INFINITE_CARDINALITY = -1;
/** `tf.data.UNKNOWN_CARDINALITY`: the cardinality when it cannot be known without iterating. */
export const UNKNOWN_CARDINALITY = -2;
/** `tf.data.AUTOTUNE`: let the runtime choose (for `prefetch` and parallelism arguments). */
export const AUTOTUNE = -1;

/** The arguments `map` and `filter` pass: a tuple element is spread, as TensorFlow unpacks it. */
export type ArgsOf<T> = T extends readonly Element[] ? T : [T];

export interface BatchOptions {
  /** Drop the last batch when it has fewer than `batchSize` elements (default false). */
  dropRemainder?: boolean;
}

export interface ShuffleOptions {
  /** An op seed, resolved against `tf.random.setSeed` as TensorFlow does; same seed, same order. */
  seed?: number | null;
  /** A new order on each pass over the dataset (default true). */
  reshuffleEachIteration?: boolean;
}

/** The rows of the tensors given to fromTensorSlices, read by index. */
class Slices {
  constructor(
    readonly components: Element,
    readonly length: number,
  ) {}

  /** Row i of every component. */
  row(i: number): Element {
    return mapLeaves(this.components, (t) => gather(t, i));
  }

  /** The rows at `indices`, stacked: one slice for a consecutive run, else one gather. */
  rows(indices: readonly number[]): Element {
    const first = indices[0];
    const consecutive = indices.every((v, k) => v === first + k);
    if (consecutive) {
      return mapLeaves(this.components, (t) =>
        slice(t, [first, ...t.shape.slice(1).map(() => 0)], [indices.length, ...t.shape.slice(1)]),
      );
    }
    const idx = Int32Array.from(indices);
    return mapLeaves(this.components, (t) => gather(t, idx));
  }
}

/** A pipeline still moving row indices of a Slices source (see the file comment). */
interface IndexPlan {
  readonly slices: Slices;
  /** A new pass: the row indices in order. */
  readonly indices: () => Iterator<number>;
}

function checkCount(where: string, arg: string, n: unknown, min: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new RangeError(
      `${where}: \`${arg}\` must be an integer >= ${min}, got ${typeof n === "number" ? n : String(n)}`,
    );
  }
  return n;
}

function checkOptions(where: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`${where}: options must be an object, got ${String(options)}`);
  }
}

function checkFunction(where: string, fn: unknown): void {
  if (typeof fn !== "function") {
    throw new TypeError(`${where}: expected a function, got ${fn === null ? "null" : typeof fn}`);
  }
}

function* mapIterator<A, B>(it: Iterator<A>, fn: (a: A) => B): Generator<B> {
  for (let r = it.next(); !r.done; r = it.next()) yield fn(r.value);
}

/** Each element once; cardinality as TensorFlow counts it (-1 infinite, -2 unknown). */
export class Dataset<T = Element> implements Iterable<T> {
  readonly #pass: () => Iterator<T>;
  readonly #cardinality: number;
  readonly #plan: IndexPlan | null;

  /** @internal Use the static constructors (fromTensorSlices, fromTensors, range, ...). */
  protected constructor(
    pass: () => Iterator<T>,
    cardinality: number,
    plan: IndexPlan | null = null,
  ) {
    this.#pass = pass;
    this.#cardinality = cardinality;
    this.#plan = plan;
  }

  static #fromPlan<T>(plan: IndexPlan, cardinality: number): Dataset<T> {
    const pass = () => mapIterator(plan.indices(), (i) => plan.slices.row(i) as T);
    return new Dataset<T>(pass, cardinality, plan);
  }

  // ---------------------------------------------------------------------------------------
  // Sources

  /**
   * `Dataset.fromTensorSlices(tensors)`: one element per row of the first axis. `tensors` is a
   * tensor (or plain values, one tensor), an array of components (a tuple: `[x, y]` gives
   * `[x[i], y[i]]`) or an object of them (`{image, label}`), nested; every component must
   * have the same first dimension.
   */
  static fromTensorSlices<const S extends ElementLike>(tensors: S): Dataset<ElementOf<S>> {
    const where = "Dataset.fromTensorSlices";
    const components = toElement(tensors, where);
    const ls = leaves(components);
    let n = -1;
    let firstPath = "";
    for (const { path, tensor } of ls) {
      if (tensor.rank === 0) {
        throw new InvalidArgumentError(
          `${where}: unbatching a tensor is only supported for rank >= 1, got a scalar${path ? ` at ${path}` : ""}`,
        );
      }
      if (n === -1) {
        n = tensor.shape[0];
        firstPath = path;
      } else if (tensor.shape[0] !== n) {
        throw new InvalidArgumentError(
          `${where}: all components must have the same size in the first dimension; component ${firstPath || "0"} has ${n} and component ${path} has ${tensor.shape[0]} (shape ${shapeStr(tensor.shape)})`,
        );
      }
    }
    const slices = new Slices(components, n);
    const plan: IndexPlan = {
      slices,
      indices: function* () {
        for (let i = 0; i < n; i++) yield i;
      },
    };
    return Dataset.#fromPlan<ElementOf<S>>(plan, n);
  }

  /** `Dataset.fromTensors(tensors)`: a dataset of exactly one element, the whole input. */
  static fromTensors<const S extends ElementLike>(tensors: S): Dataset<ElementOf<S>> {
    const el = toElement(tensors, "Dataset.fromTensors");
    return new Dataset<ElementOf<S>>(function* () {
      yield el as ElementOf<S>;
    }, 1);
  }

  /**
   * `Dataset.fromGenerator(generator)`: elements from a function returning an iterable (a
   * generator function), called anew on each pass; its values are converted to tensors.
   * Cardinality is unknown.
   */
  static fromGenerator<S extends ElementLike>(generator: () => Iterable<S>): Dataset<ElementOf<S>> {
    checkFunction("Dataset.fromGenerator", generator);
    return new Dataset<ElementOf<S>>(() => {
      const iterable = generator();
      if (iterable === null || typeof iterable !== "object" || !(Symbol.iterator in iterable)) {
        throw new TypeError(
          `Dataset.fromGenerator: the generator must return an iterable, got ${String(iterable)}`,
        );
      }
      return mapIterator(
        iterable[Symbol.iterator](),
        (v) => toElement(v, "Dataset.fromGenerator") as ElementOf<S>,
      );
    }, UNKNOWN_CARDINALITY);
  }

  /**
   * `Dataset.range(stop)` / `range(start, stop, step = 1)`: int32 scalars, as Python's range
   * (TensorFlow makes int64, which tapeflow does not have).
   */
  static range(start: number, stop?: number, step = 1): Dataset<Tensor> {
    const where = "Dataset.range";
    const [a, b] = stop === undefined ? [0, start] : [start, stop];
    for (const [name, v] of [
      ["start", a],
      ["stop", b],
      ["step", step],
    ] as const) {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new TypeError(`${where}: \`${name}\` must be an integer, got ${String(v)}`);
      }
    }
    if (step === 0) throw new RangeError(`${where}: step must not be zero`);
    const n = Math.max(0, Math.ceil((b - a) / step));
    return new Dataset<Tensor>(function* () {
      for (let i = 0; i < n; i++) yield constant(a + i * step, "int32");
    }, n);
  }

  /**
   * `Dataset.zip(datasets)`: an array (or object) of datasets gives elements that are arrays
   * (objects) of their elements, until the shortest ends.
   */
  static zip<const D extends readonly Dataset[] | { readonly [k: string]: Dataset }>(
    datasets: D,
  ): Dataset<{ -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never } & Element> {
    const where = "Dataset.zip";
    const isArray = Array.isArray(datasets);
    if (datasets === null || typeof datasets !== "object") {
      throw new TypeError(
        `${where}: expected an array or object of datasets, got ${String(datasets)}`,
      );
    }
    const keys = Object.keys(datasets);
    const parts = keys.map((k) => (datasets as Record<string, unknown>)[k]);
    parts.forEach((d, i) => {
      if (!(d instanceof Dataset)) {
        throw new TypeError(`${where}: component ${keys[i]} is not a Dataset, got ${String(d)}`);
      }
    });
    const ds = parts as Dataset[];
    const cards = ds.map((d) => d.cardinality());
    const finite = cards.filter((c) => c >= 0);
    const card =
      ds.length === 0
        ? 0
        : finite.length > 0
          ? Math.min(...finite)
          : cards.includes(UNKNOWN_CARDINALITY)
            ? UNKNOWN_CARDINALITY
            : INFINITE_CARDINALITY;
    type Z = { -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never } & Element;
    return new Dataset<Z>(function* () {
      if (ds.length === 0) return;
      const its = ds.map((d) => d[Symbol.iterator]());
      for (;;) {
        const rs = its.map((it) => it.next());
        if (rs.some((r) => r.done)) return;
        if (isArray) yield rs.map((r) => r.value) as unknown as Z;
        else {
          const out: Record<string, Element> = {};
          keys.forEach((k, i) => (out[k] = rs[i].value as Element));
          yield out as unknown as Z;
        }
      }
    }, card);
  }

  // ---------------------------------------------------------------------------------------
  // Iteration

  /** A new pass over the dataset. */
  [Symbol.iterator](): Iterator<T> {
    return this.#pass();
  }

  /** Every element, as tensors (Python's `list(ds)`); the dataset must be finite. */
  toArray(): T[] {
    if (this.#cardinality === INFINITE_CARDINALITY) {
      throw new InvalidArgumentError(
        "Dataset.toArray: the dataset is infinite (use take(n) first)",
      );
    }
    return [...this];
  }

  /** `ds.as_numpy_iterator()`: each element as NumPy-style values (numbers, nested arrays). */
  *asNumpyIterator(): Generator<NumpyOf<T>> {
    for (const el of this) yield toNumpy(el as Element) as NumpyOf<T>;
  }

  /** The number of elements; INFINITE_CARDINALITY (-1) or UNKNOWN_CARDINALITY (-2) if not known. */
  cardinality(): number {
    return this.#cardinality;
  }

  // ---------------------------------------------------------------------------------------
  // Transformations

  /**
   * `ds.batch(batchSize, {dropRemainder})`: consecutive elements stacked along a new first
   * axis; the last batch may be smaller unless `dropRemainder`.
   */
  batch(batchSize: number, options: BatchOptions = {}): Dataset<T> {
    const where = "Dataset.batch";
    checkCount(where, "batchSize", batchSize, 1);
    checkOptions(where, options);
    const drop = options.dropRemainder ?? false;
    const c = this.#cardinality;
    const card = c < 0 ? c : drop ? Math.floor(c / batchSize) : Math.ceil(c / batchSize);
    const plan = this.#plan;
    if (plan !== null) {
      return new Dataset<T>(function* () {
        const it = plan.indices();
        for (;;) {
          const idx: number[] = [];
          for (let r = it.next(); !r.done; r = it.next()) {
            idx.push(r.value);
            if (idx.length === batchSize) break;
          }
          if (idx.length === 0 || (drop && idx.length < batchSize)) return;
          yield plan.slices.rows(idx) as T;
          if (idx.length < batchSize) return;
        }
      }, card);
    }
    const self = (): Iterable<T> => this;
    return new Dataset<T>(function* () {
      let buf: Element[] = [];
      for (const el of self()) {
        buf.push(el as Element);
        if (buf.length === batchSize) {
          yield stackElements(buf, where) as T;
          buf = [];
        }
      }
      if (buf.length > 0 && !drop) yield stackElements(buf, where) as T;
    }, card);
  }

  /**
   * `ds.unbatch()`: splits each element along its first axis (the inverse of batch); every
   * component must have the same first dimension.
   */
  unbatch(): Dataset<T> {
    const self = (): Iterable<T> => this;
    return new Dataset<T>(function* () {
      for (const el of self()) {
        const rows = Dataset.fromTensorSlices(el as Element as Tensor) as Dataset<unknown>;
        yield* rows as Iterable<T>;
      }
    }, UNKNOWN_CARDINALITY);
  }

  /**
   * `ds.shuffle(bufferSize, {seed, reshuffleEachIteration})`, TensorFlow's buffer semantics:
   * the first `bufferSize` elements fill a buffer; each output is drawn uniformly from the
   * buffer and its slot is refilled with the next input element; when the input ends the
   * buffer drains in random order. A buffer at least the dataset's size is a full uniform
   * shuffle. The seed is resolved when shuffle() is called (against tf.random.setSeed), so the
   * same seeds give the same orders; pass k uses stream k of that seed unless
   * `reshuffleEachIteration` is false, in which case every pass has the first pass's order.
   */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Dataset<T> {
    const where = "Dataset.shuffle";
    checkCount(where, "bufferSize", bufferSize, 1);
    checkOptions(where, options);
    const [s0, s1] = nextSeed(options.seed ?? null);
    const reshuffle = options.reshuffleEachIteration ?? true;
    let passes = 0;
    const newGenerator = (): (() => number) => {
      const gen = Philox.fromSeeds(s0, s1);
      // Pass k reads the stream 2^40 blocks further on: disjoint for any realistic pass length.
      if (reshuffle) gen.skip(passes++ * 2 ** 40);
      // A uniform double in [0, 1) from 53 random bits.
      return () => (gen.nextU32() * 2 ** 21 + (gen.nextU32() >>> 11)) / 2 ** 53;
    };
    const shuffled = <E>(source: () => Iterator<E>) =>
      function* (): Generator<E> {
        const uniform = newGenerator();
        const it = source();
        const buffer: E[] = [];
        let r = it.next();
        while (!r.done && buffer.length < bufferSize) {
          buffer.push(r.value);
          r = it.next();
        }
        while (buffer.length > 0) {
          const k = Math.floor(uniform() * buffer.length);
          const out = buffer[k];
          if (!r.done) {
            buffer[k] = r.value;
            r = it.next();
          } else {
            buffer[k] = buffer[buffer.length - 1];
            buffer.pop();
          }
          yield out;
        }
      };
    const plan = this.#plan;
    if (plan !== null) {
      return Dataset.#fromPlan<T>(
        { slices: plan.slices, indices: shuffled(plan.indices) },
        this.#cardinality,
      );
    }
    return new Dataset<T>(
      shuffled(() => this[Symbol.iterator]()),
      this.#cardinality,
    );
  }

  /**
   * `ds.map(fn)`: `fn` applied to each element; a tuple element is spread into arguments
   * (`ds.map((x, y) => [x.div(255), y])`), as TensorFlow unpacks tuples. Plain values in the
   * result become tensors.
   */
  map<R extends ElementLike>(fn: (...args: ArgsOf<T>) => R): Dataset<ElementOf<R>> {
    const where = "Dataset.map";
    checkFunction(where, fn);
    const self = (): Iterable<T> => this;
    return new Dataset<ElementOf<R>>(function* () {
      for (const el of self()) {
        const args = (Array.isArray(el) ? el : [el]) as unknown as ArgsOf<T>;
        const out = fn(...args);
        yield toElement(out, `${where} (the function's result)`) as ElementOf<R>;
      }
    }, this.#cardinality);
  }

  /**
   * `ds.filter(predicate)`: the elements for which `predicate` (spread like map's) returns
   * true or a scalar boolean tensor.
   */
  filter(predicate: (...args: ArgsOf<T>) => boolean | Tensor): Dataset<T> {
    const where = "Dataset.filter";
    checkFunction(where, predicate);
    const self = (): Iterable<T> => this;
    return new Dataset<T>(
      function* () {
        for (const el of self()) {
          const args = (Array.isArray(el) ? el : [el]) as unknown as ArgsOf<T>;
          const keep = predicate(...args);
          let flag: boolean;
          if (typeof keep === "boolean") flag = keep;
          else if (
            keep !== null &&
            typeof keep === "object" &&
            "dtype" in keep &&
            keep.dtype === "bool" &&
            keep.rank === 0
          ) {
            flag = keep.dataSync()[0] !== 0;
          } else {
            const got =
              keep !== null && typeof keep === "object" && "dtype" in keep
                ? `a ${keep.dtype} tensor of shape ${shapeStr(keep.shape)}`
                : String(keep);
            throw new TypeError(
              `${where}: the predicate must return a boolean or a scalar bool tensor, got ${got}`,
            );
          }
          if (flag) yield el;
        }
      },
      this.#cardinality === INFINITE_CARDINALITY ? INFINITE_CARDINALITY : UNKNOWN_CARDINALITY,
    );
  }

  /** `ds.take(count)`: the first `count` elements (all of them for -1). */
  take(count: number): Dataset<T> {
    checkCount("Dataset.take", "count", count, -1);
    const c = this.#cardinality;
    const card =
      count === -1 ? c : c === UNKNOWN_CARDINALITY ? c : c === -1 ? count : Math.min(c, count);
    const limit = count === -1 ? Infinity : count;
    const taken = <E>(source: () => Iterator<E>) =>
      function* (): Generator<E> {
        if (limit === 0) return;
        const it = source();
        let k = 0;
        for (let r = it.next(); !r.done; r = it.next()) {
          yield r.value;
          if (++k >= limit) return;
        }
      };
    const plan = this.#plan;
    if (plan !== null)
      return Dataset.#fromPlan<T>({ slices: plan.slices, indices: taken(plan.indices) }, card);
    return new Dataset<T>(
      taken(() => this[Symbol.iterator]()),
      card,
    );
  }

  /** `ds.skip(count)`: all but the first `count` elements (none for -1). */
  skip(count: number): Dataset<T> {
    checkCount("Dataset.skip", "count", count, -1);
    const c = this.#cardinality;
    const card =
      count === -1 ? (c === INFINITE_CARDINALITY ? c : 0) : c < 0 ? c : Math.max(0, c - count);
    const skipped = <E>(source: () => Iterator<E>) =>
      function* (): Generator<E> {
        if (count === -1) return;
        const it = source();
        let k = 0;
        for (let r = it.next(); !r.done; r = it.next()) if (k++ >= count) yield r.value;
      };
    const plan = this.#plan;
    if (plan !== null)
      return Dataset.#fromPlan<T>({ slices: plan.slices, indices: skipped(plan.indices) }, card);
    return new Dataset<T>(
      skipped(() => this[Symbol.iterator]()),
      card,
    );
  }

  /**
   * `ds.repeat(count)`: the dataset `count` times over (forever for null, undefined or -1),
   * each repetition a new pass (so a shuffle before it reshuffles).
   */
  repeat(count: number | null = null): Dataset<T> {
    const n =
      count === null || count === -1 ? -1 : checkCount("Dataset.repeat", "count", count, -1);
    const c = this.#cardinality;
    const card =
      c === 0
        ? 0
        : n === -1
          ? c === UNKNOWN_CARDINALITY
            ? c
            : INFINITE_CARDINALITY
          : c < 0
            ? c
            : c * n;
    const repeated = <E>(source: () => Iterator<E>) =>
      function* (): Generator<E> {
        for (let k = 0; n === -1 || k < n; k++) {
          const it = source();
          let any = false;
          for (let r = it.next(); !r.done; r = it.next()) {
            any = true;
            yield r.value;
          }
          // An empty dataset repeated forever is empty, not a hang (TensorFlow does the same).
          if (!any) return;
        }
      };
    const plan = this.#plan;
    if (plan !== null)
      return Dataset.#fromPlan<T>({ slices: plan.slices, indices: repeated(plan.indices) }, card);
    return new Dataset<T>(
      repeated(() => this[Symbol.iterator]()),
      card,
    );
  }

  /**
   * `ds.cache()`: the first complete pass keeps the elements in memory and later passes replay
   * them (so a shuffle before cache() is frozen, one after it still reshuffles). A pass left
   * unfinished keeps nothing, as TensorFlow discards a partial in-memory cache. Caching to a
   * file (`cache(filename)`) is not supported.
   */
  cache(filename = ""): Dataset<T> {
    if (filename !== "") {
      throw new InvalidArgumentError(
        `Dataset.cache: caching to a file is not supported in tapeflow (got filename ${JSON.stringify(filename)}); call cache() for the in-memory cache`,
      );
    }
    let stored: T[] | null = null;
    const self = (): Iterable<T> => this;
    return new Dataset<T>(function* () {
      if (stored !== null) {
        yield* stored;
        return;
      }
      const pending: T[] = [];
      for (const el of self()) {
        pending.push(el);
        yield el;
      }
      stored = pending;
    }, this.#cardinality);
  }

  /**
   * `ds.prefetch(bufferSize)`: in TensorFlow a background thread prepares the next elements
   * while the current one is used. tapeflow's pipeline runs synchronously on the thread that
   * iterates it, so reading ahead would do the same work on the same thread in a different
   * order and gain nothing: the dataset is returned unchanged (after checking the argument),
   * so code written for TensorFlow runs as is.
   */
  prefetch(bufferSize: number): Dataset<T> {
    if (bufferSize !== AUTOTUNE) checkCount("Dataset.prefetch", "bufferSize", bufferSize, 0);
    return this;
  }

  /** `ds.concatenate(other)`: this dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) {
      throw new TypeError(`Dataset.concatenate: expected a Dataset, got ${String(other)}`);
    }
    const a = this.#cardinality;
    const b = other.cardinality();
    const card =
      a === INFINITE_CARDINALITY || b === INFINITE_CARDINALITY
        ? INFINITE_CARDINALITY
        : a < 0 || b < 0
          ? UNKNOWN_CARDINALITY
          : a + b;
    const self = (): Iterable<T> => this;
    return new Dataset<T>(function* () {
      yield* self();
      yield* other;
    }, card);
  }

  /** `ds.enumerate(start)`: elements become `[index, element]` with an int32 index. */
  enumerate(start = 0): Dataset<[Tensor, T]> {
    if (typeof start !== "number" || !Number.isInteger(start)) {
      throw new TypeError(`Dataset.enumerate: \`start\` must be an integer, got ${String(start)}`);
    }
    const self = (): Iterable<T> => this;
    return new Dataset<[Tensor, T]>(function* () {
      let i = start;
      for (const el of self()) yield [constant(i++, "int32"), el];
    }, this.#cardinality);
  }

  toString(): string {
    return `<Dataset cardinality=${this.#cardinality}>`;
  }
}
