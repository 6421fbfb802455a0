/**
 * `tf.random`: random tensors drawn the way TensorFlow's stateful random kernels draw them, so
 * that `tf.random.setSeed(g)` with an op seed gives TensorFlow's own numbers (checked against
 * TensorFlow's outputs for uniform float32/float64/int32 and normal float32; the other ops follow
 * the same kernels' algorithms).
 *
 * Ops: each public function checks its arguments and runs one registry entry through runOp
 * (RandomStandardNormal, TruncatedNormal, RandomUniform, RandomUniformInt, RandomShuffle,
 * Multinomial). They are stateful, so tf.function traces them as ops that draw afresh each time
 * the graph runs (not as constants), and not differentiable: a tape's gradient stops at them.
 *
 * Seeds, as TensorFlow's `get_seed` resolves them into a kernel's (seed, seed2) pair:
 *   global g and op seed o   -> (g, o), both taken mod 2^31-1 as TensorFlow truncates them;
 *   global g, no op seed     -> (g, o') where o' is the next draw of Python's `random.Random(g)`
 *                               (TF eager's internal operation seed): the same global seed and
 *                               the same sequence of calls give the same numbers;
 *   op seed o, no global     -> (87654321, o), TensorFlow's DEFAULT_GRAPH_SEED;
 *   neither                  -> no pair: the kernel is keyed once from node:crypto, so numbers
 *                               differ between runs.
 * Streams: TensorFlow eager caches one kernel per (op, dtype, seed, seed2), and the kernel keeps
 * its generator, so calling the same op with the same seeds again continues its stream (the "A1,
 * A2" of tf.random.set_seed's docs). So do we; `setSeed` forgets every stream and restarts the
 * internal op seeds.
 *
 * Generator: Philox4x32-10 with TensorFlow's layout and distributions (random-philox.ts).
 *
 * Internal API for other ops (dropout, Keras initializers) and tf.function:
 *   - `standardUniform(op, shape, dtype, seed)`: `tf.random.uniform(shape, {seed, dtype})`, the
 *     RandomUniform op; `tf.nn.dropout(x, rate, {seed})` draws its mask with it, as TensorFlow.
 *   - `captureRandomState()`: a way back to the generators' present state (a dry trace by
 *     getConcreteFunction draws nothing).
 *   - `nextSeed(opSeed?)`: resolves an op seed as above into a concrete `SeedPair` (a fresh
 *     one from crypto when there is no seed at all). Consumes one internal op seed when a global
 *     seed is set and `opSeed` is absent, exactly as a random op would.
 *   - `randomUniformArray(n, seed?, dtype?)`, `randomNormalArray`, `truncatedNormalArray`: n
 *     standard draws (uniform in [0, 1), normal N(0, 1), normal cut to (-2, 2)) as a
 *     Float64Array, at `dtype`'s precision (float32 by default). With a number or
 *     nothing as `seed`, they are exactly what `tf.random.uniform([n], {seed, dtype})` etc.
 *     would give, stream and all, but are plain arrays that no tf.function traces. With a
 *     `SeedPair` they are stateless: the same pair gives the same numbers every call (a seeded
 *     Keras initializer).
 */
import { getRandomValues } from "node:crypto";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { DType, FloatDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { checkShape, shapeMsg, sizeOf, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkInteger, describe, toTensor, type TensorLike } from "./checks.js";
import {
  type Fill,
  fillNormal,
  fillTruncated,
  fillUniform,
  type FloatArray,
  Philox,
  PyRandom,
  u64ToDouble,
} from "./random-philox.js";

// ---------------------------------------------------------------------------------------------
// Seeds and streams

/** A kernel's resolved (seed, seed2). */
export type SeedPair = readonly [number, number];

const MAXINT32 = 2147483647;
const DEFAULT_GRAPH_SEED = 87654321;

let globalSeed: number | null = null;
let opSeedSource: PyRandom | null = null;
/** One generator per (kernel, dtype, seed pair): TensorFlow eager's kernel cache. */
const streams = new Map<string, Philox>();

/** TensorFlow's _truncate_seed: Python's seed % (2^31 - 1), never negative. */
function truncateSeed(seed: number): number {
  return ((seed % MAXINT32) + MAXINT32) % MAXINT32;
}

function seedArg(op: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new TypeError(`${op}: seed must be an integer or null, got ${String(seed)}`);
  }
  return seed;
}

/**
 * `tf.random.setSeed(seed)`: the global seed. The same global seed and the same sequence of
 * random calls give the same numbers; setting it restarts every stream. `null` goes back to
 * unseeded, run-to-run different numbers.
 */
export function setSeed(seed: number | null): void {
  const s = seedArg("random.setSeed", seed);
  globalSeed = s;
  opSeedSource = s === null ? null : new PyRandom(s);
  streams.clear();
}

/** An op's resolved seed: the kernel's pair (null: unseeded), and whether the pair is one-shot. */
interface Resolved {
  readonly pair: SeedPair | null;
  /** Made from an internal op seed, which every call draws anew: its stream is never reused. */
  readonly oneShot: boolean;
}

/** TensorFlow's get_seed (see the top of this file). */
function resolveSeed(op: string, opSeed: unknown): Resolved {
  const o = seedArg(op, opSeed);
  let pair: [number, number];
  if (globalSeed !== null && opSeedSource !== null) {
    pair = [truncateSeed(globalSeed), truncateSeed(o ?? opSeedSource.randint31())];
  } else if (o !== null) {
    pair = [DEFAULT_GRAPH_SEED, truncateSeed(o)];
  } else {
    return { pair: null, oneShot: false };
  }
  // (0, 0) means "unseeded" to the kernels; TensorFlow moves it aside.
  if (pair[0] === 0 && pair[1] === 0) pair[1] = MAXINT32;
  return { pair, oneShot: globalSeed !== null && o === null };
}

function entropyPair(): SeedPair {
  const w = getRandomValues(new Uint32Array(2));
  return [w[0] & MAXINT32, w[1] & MAXINT32 || 1];
}

/**
 * @internal The generators' state now (global seed, internal op seeds, every stream), and a
 * function that puts it back: tf.function's dry traces (getConcreteFunction) run the body's
 * random kernels, and leave the numbers later calls draw as they were.
 */
export function captureRandomState(): () => void {
  const seed = globalSeed;
  const source = opSeedSource?.clone() ?? null;
  const saved = [...streams].map(([id, s]) => [id, s.clone()] as const);
  return () => {
    globalSeed = seed;
    opSeedSource = source?.clone() ?? null;
    streams.clear();
    for (const [id, s] of saved) streams.set(id, s.clone());
  };
}

/**
 * Resolves an op-level seed against the global one into a concrete seed pair, as a random op
 * would (see the top of this file); with no seed anywhere, a fresh pair from crypto.
 */
export function nextSeed(opSeed?: number | null): SeedPair {
  return resolveSeed("nextSeed", opSeed).pair ?? entropyPair();
}

/**
 * The generator for one op call that takes `blocks` blocks: the kernel's stream, created on
 * first use (unseeded kernels are keyed from crypto) and moved past those blocks. A one-shot
 * pair starts afresh and is not kept, so a long run under a global seed keeps no state per
 * call (TensorFlow's kernel cache would also keep it, for the rare later call that names the
 * same internal op seed explicitly).
 */
function generator(seed: Resolved, kernel: string, dtype: DType, blocks: number): Philox {
  if (seed.oneShot && seed.pair !== null) return Philox.fromSeeds(seed.pair[0], seed.pair[1]);
  const p = seed.pair;
  const id = p === null ? `${kernel}:${dtype}:entropy` : `${kernel}:${dtype}:${p[0]},${p[1]}`;
  let s = streams.get(id);
  if (s === undefined) {
    const [seed0, seed1] = p ?? entropyPair();
    s = Philox.fromSeeds(seed0, seed1);
    streams.set(id, s);
  }
  return s.reserve(blocks);
}

/** A seed as the internal array helpers take it: an op seed, or a resolved pair (stateless). */
type ArraySeed = number | null | undefined | SeedPair;

function arrayGenerator(op: string, kernel: string, dtype: DType, seed: ArraySeed, blocks: number) {
  if (typeof seed === "object" && seed !== null) {
    if (seed.length !== 2 || !seed.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new TypeError(`${op}: a seed pair must be two non-negative integers`);
    }
    return Philox.fromSeeds(seed[0], seed[1]);
  }
  return generator(resolveSeed(op, seed), kernel, dtype, blocks);
}

// ---------------------------------------------------------------------------------------------
// Argument checks

const fround = Math.fround;

/** Elements past int32 cannot be indexed by a typed array anyway; say so naming the op. */
const MAX_ELEMENTS = 2147483647;

function shapeArg(op: string, shape: Shape | Tensor): number[] {
  if (shape instanceof Tensor && (shape.rank > 1 || shape.dtype !== "int32")) {
    throw new TypeError(`${op}: a shape tensor must be a 1-D int32 tensor, got ${describe(shape)}`);
  }
  const dims = checkShape(
    op,
    shape instanceof Tensor ? Array.from(shape.values as Int32Array) : shape,
  );
  if (sizeOf(dims) > MAX_ELEMENTS) {
    throw new RangeError(`${op}: shape ${shapeMsg(dims)} has more than 2^31-1 elements`);
  }
  return dims;
}

function scalarArg(op: string, name: string, v: unknown): number {
  if (v instanceof Tensor) {
    if (v.size !== 1 || v.dtype === "string" || v.dtype === "bool") {
      throw new InvalidArgumentError(`${op}: ${name} must be a numeric scalar, got ${describe(v)}`);
    }
    v = Number(v.values[0]);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
}

function floatDType(op: string, dtype: unknown): FloatDType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${String(dtype)}`);
  }
  return dtype;
}

/**
 * out <- out * scale + shift, in place. float32 rounds the product and the sum, as TensorFlow's
 * float32 multiply and add do (`rnd * stddev + mean`, `rnd * (max - min) + min`).
 */
function scaleInPlace(out: FloatArray, dtype: FloatDType, scale: number, shift: number): void {
  // The identity: skipped (a draw is never -0, so adding 0 would change nothing either).
  if (scale === 1 && shift === 0) return;
  const n = out.length;
  if (dtype === "float32") for (let i = 0; i < n; i++) out[i] = fround(out[i] * scale) + shift;
  else for (let i = 0; i < n; i++) out[i] = out[i] * scale + shift;
}

// ---------------------------------------------------------------------------------------------
// The ops: registry entries, so tf.function traces them as ops, not as constants
//
// Each is stateful (it moves a stream or takes an internal op seed each time it runs), so
// tf.function's passes keep every one and merge none, and a replayed graph draws afresh on each
// call. Attrs are plain JSON data, so a saved graph keeps them. Not differentiable, as in
// TensorFlow: the gradient stops quietly.
//
// TensorFlow's kernels take the resolved (seed, seed2) pair as attrs, fixed when the op is
// built. Here `seed` is the op seed as the caller gave it (null: none) and the kernel resolves
// it against the global seed each time it runs, as an eager call does: so a traced function
// called n times after `setSeed(g)` draws exactly what n eager calls of its body would (the
// next internal op seeds, or the next numbers of an op seed's stream).
//
// TensorFlow draws the standard distribution in the kernel and scales it with Mul and Add ops;
// here the scaling (mean and stddev, minval and maxval) is fused into the kernel, with the same
// float32 rounding of each step, so an eager call stays one op and as fast as before.

interface RandomAttrs {
  readonly shape: Shape;
  readonly dtype: FloatDType;
  /** The op seed, resolved against the global seed when the kernel runs; null: none. */
  readonly seed: number | null;
}

interface NormalAttrs extends RandomAttrs {
  /** Rounded to `dtype` already: TensorFlow makes them dtype tensors first. */
  readonly mean: number;
  readonly stddev: number;
}

interface UniformAttrs extends RandomAttrs {
  /** Rounded to `dtype` already. */
  readonly minval: number;
  readonly maxval: number;
}

interface UniformIntAttrs {
  readonly shape: Shape;
  readonly dtype: "int32";
  readonly seed: number | null;
  /** minval < maxval, both int32: the values are minval + (w mod (maxval - minval)). */
  readonly minval: number;
  readonly maxval: number;
}

/** A random op of no inputs: its output is `attrs.shape` of `attrs.dtype`. */
function randomOp<A extends { readonly shape: Shape; readonly dtype: DType }>(
  name: string,
  kernel: (out: Tensor, attrs: A) => void,
): OpDef<A> {
  return defineOp<A>({
    name,
    kind: "random",
    infer: (_inputs, a) => [{ shape: a.shape, dtype: a.dtype }],
    kernel: (_backend, _inputs, outputs, a) => kernel(outputs[0], a),
    overwritesOutputs: true,
    stateful: true,
    grad: "none",
  });
}

/** The kernel of RandomStandardNormal or TruncatedNormal: its stream's draws, scaled. */
function normalKernel(name: string, fill: Fill) {
  return (out: Tensor, a: NormalAttrs): void => {
    const values = out.values as FloatArray;
    fill(generator(resolveSeed(name, a.seed), name, a.dtype, values.length * 256), values, a.dtype);
    scaleInPlace(values, a.dtype, a.stddev, a.mean);
  };
}

/** `tf.random.normal`'s op: N(mean, stddev^2). */
export const RandomStandardNormal = randomOp<NormalAttrs>(
  "RandomStandardNormal",
  normalKernel("RandomStandardNormal", fillNormal),
);

/** `tf.random.truncatedNormal`'s op: N(mean, stddev^2) cut to two standard deviations. */
export const TruncatedNormal = randomOp<NormalAttrs>(
  "TruncatedNormal",
  normalKernel("TruncatedNormal", fillTruncated),
);

/** `tf.random.uniform`'s op for floats: [minval, maxval). */
export const RandomUniform = randomOp<UniformAttrs>("RandomUniform", (out, a) => {
  const values = out.values as FloatArray;
  const gen = generator(
    resolveSeed("RandomUniform", a.seed),
    "RandomUniform",
    a.dtype,
    values.length * 256,
  );
  fillUniform(gen, values, a.dtype);
  const range = a.dtype === "float32" ? fround(a.maxval - a.minval) : a.maxval - a.minval;
  scaleInPlace(values, a.dtype, range, a.minval);
});

/** `tf.random.uniform`'s op for int32: minval + (w mod range) for uniform 32-bit words w. */
export const RandomUniformInt = randomOp<UniformIntAttrs>("RandomUniformInt", (out, a) => {
  const values = out.values as Int32Array;
  const n = values.length;
  const gen = generator(
    resolveSeed("RandomUniformInt", a.seed),
    "RandomUniformInt",
    a.dtype,
    n * 256,
  );
  const lo = a.minval;
  const range = a.maxval - lo; // < 2^32, so w % range is exact
  for (let i = 0; i < n; i += 4) {
    const b = gen.next();
    for (let j = 0; j < 4 && i + j < n; j++) values[i + j] = lo + (b[j] % range);
  }
});

interface SeedAttrs {
  readonly seed: number | null;
}

/**
 * `tf.random.shuffle`'s op: the slices along the first axis in a random order (Fisher-Yates
 * with TensorFlow's draws: position i swaps with i + (w mod (n - i))).
 */
export const RandomShuffle = defineOp<SeedAttrs>({
  name: "RandomShuffle",
  kind: "random",
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  kernel: (_backend, [x], [out], a) => {
    const seed = resolveSeed("RandomShuffle", a.seed);
    const n = x.rank === 0 ? 1 : x.shape[0];
    const dst = out.values as unknown[];
    const src = x.values as ArrayLike<unknown>;
    if (n <= 1 || x.size <= 1) {
      // Nothing to permute (TensorFlow hands back the input): no words are drawn.
      for (let i = 0; i < src.length; i++) dst[i] = src[i];
      return;
    }
    // TensorFlow reserves n - 1 words, rounded up to whole blocks.
    const gen = generator(seed, "RandomShuffle", x.dtype, Math.ceil((n - 1) / 4));
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const j = i + (gen.nextU32() % (n - i));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    gatherRows<unknown>(src, dst, perm, x.size / n);
  },
  overwritesOutputs: true,
  stateful: true,
  grad: "none",
});

/** dst's row i is src's row perm[i], rows of `inner` elements. */
function gatherRows<T>(
  src: ArrayLike<T>,
  dst: { [i: number]: T },
  perm: Int32Array,
  inner: number,
) {
  for (let i = 0; i < perm.length; i++) {
    const from = perm[i] * inner;
    for (let k = 0; k < inner; k++) dst[i * inner + k] = src[from + k];
  }
}

interface MultinomialAttrs extends SeedAttrs {
  readonly numSamples: number;
}

/**
 * `tf.random.categorical`'s op: inverse CDF sampling on exp(logit - max) in float64, as
 * TensorFlow's CPU kernel does; non-finite logits are never drawn.
 */
export const Multinomial = defineOp<MultinomialAttrs>({
  name: "Multinomial",
  kind: "random",
  infer: ([x], a) => [{ shape: [x.shape[0], a.numSamples], dtype: "int32" }],
  kernel: (_backend, [x], [o], a) => {
    const numSamples = a.numSamples;
    const [batch, classes] = x.shape;
    const seed = resolveSeed("Multinomial", a.seed);
    // CPU kernel: two words per double, samples rounded up to 4, 256 blocks per output.
    const perRow = Math.ceil(numSamples / 4) * 4 * 2;
    const gen = generator(seed, "Multinomial", x.dtype, batch * perRow * 256);
    const out = o.values as Int32Array;
    const cdf = new Float64Array(classes);
    const v = x.values as Float32Array | Float64Array;
    for (let b = 0; b < batch; b++) {
      const row = b * classes;
      let max = -Infinity;
      for (let j = 0; j < classes; j++)
        if (Number.isFinite(v[row + j])) max = Math.max(max, v[row + j]);
      // Unnormalised CDF of exp(logit - max); non-finite logits add nothing.
      let total = 0;
      for (let j = 0; j < classes; j++) {
        if (Number.isFinite(v[row + j])) total += Math.exp(v[row + j] - max);
        cdf[j] = total;
      }
      for (let s = 0; s < numSamples; s++) {
        const target = u64ToDouble(gen.nextU32(), gen.nextU32()) * total;
        // upper_bound: the first class whose cumulative mass exceeds the target.
        let lo = 0;
        let hi = classes;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] <= target) lo = mid + 1;
          else hi = mid;
        }
        out[b * numSamples + s] = lo;
      }
    }
  },
  overwritesOutputs: true,
  stateful: true,
  grad: "none",
});

// ---------------------------------------------------------------------------------------------
// Public ops

export interface NormalOptions {
  mean?: number | Tensor;
  stddev?: number | Tensor;
  dtype?: FloatDType;
  seed?: number | null;
}

export interface UniformOptions {
  minval?: number | Tensor;
  /** Defaults to 1 for floats; required for int32, as in TensorFlow. */
  maxval?: number | Tensor | null;
  dtype?: "float32" | "float64" | "int32";
  seed?: number | null;
}

export interface SeedOptions {
  seed?: number | null;
}

export interface CategoricalOptions {
  /** The index dtype; TensorFlow's default int64 is int32 here. */
  dtype?: "int32";
  seed?: number | null;
}

function normalLike(
  op: string,
  def: OpDef<NormalAttrs>,
  shape: Shape | Tensor,
  options: NormalOptions,
): Tensor {
  const dims = shapeArg(op, shape);
  const dtype = floatDType(op, options.dtype ?? "float32");
  const mean = scalarArg(op, "mean", options.mean ?? 0);
  const std = scalarArg(op, "stddev", options.stddev ?? 1);
  if (std < 0) throw new InvalidArgumentError(`${op}: stddev must be >= 0, got ${std}`);
  const seed = seedArg(op, options.seed);
  // mean and stddev become dtype tensors first.
  const round = dtype === "float32" ? fround : (v: number) => v;
  return runOp1(def, [], { shape: dims, dtype, seed, mean: round(mean), stddev: round(std) });
}

/** `tf.random.normal(shape, {mean = 0, stddev = 1, dtype = "float32", seed})`. */
export function normal(shape: Shape | Tensor, options: NormalOptions = {}): Tensor {
  return normalLike("random.normal", RandomStandardNormal, shape, options);
}

/**
 * `tf.random.truncatedNormal(shape, {mean, stddev, dtype, seed})`: normal values more than two
 * standard deviations from the mean are dropped and redrawn.
 */
export function truncatedNormal(shape: Shape | Tensor, options: NormalOptions = {}): Tensor {
  return normalLike("random.truncatedNormal", TruncatedNormal, shape, options);
}

/**
 * `tf.random.uniform(shape, {minval = 0, maxval = 1, dtype = "float32", seed})`: values in
 * [minval, maxval). For int32, maxval is required and the values are minval + (w mod range) for
 * uniform 32-bit words w (TensorFlow's way: biased by at most range / 2^32).
 */
export function uniform(shape: Shape | Tensor, options: UniformOptions = {}): Tensor {
  const op = "random.uniform";
  const dims = shapeArg(op, shape);
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32") {
    throw new TypeError(`${op}: dtype must be float32, float64 or int32, got ${String(dtype)}`);
  }
  if (dtype === "int32" && (options.maxval === undefined || options.maxval === null)) {
    throw new InvalidArgumentError(`${op}: maxval must be given for an int32 dtype`);
  }
  let lo = scalarArg(op, "minval", options.minval ?? 0);
  let hi = scalarArg(op, "maxval", options.maxval ?? 1);
  if (dtype === "int32") {
    checkInteger(op, "minval", lo, -2147483648);
    checkInteger(op, "maxval", hi, -2147483648);
    if (hi > MAXINT32) throw new RangeError(`${op}: maxval ${hi} does not fit in int32`);
  } else if (dtype === "float32") {
    lo = fround(lo); // the bounds become float32 tensors first
    hi = fround(hi);
  }
  if (!(lo < hi)) {
    throw new InvalidArgumentError(`${op}: need minval < maxval, got ${lo} >= ${hi}`);
  }
  const seed = seedArg(op, options.seed);
  if (dtype === "int32") {
    return runOp1(RandomUniformInt, [], { shape: dims, dtype, seed, minval: lo, maxval: hi });
  }
  return runOp1(RandomUniform, [], { shape: dims, dtype, seed, minval: lo, maxval: hi });
}

/**
 * @internal `tf.random.uniform(shape, {seed, dtype})` for other ops (dropout's mask), with
 * `op` named in a bad seed's error.
 */
export function standardUniform(
  op: string,
  shape: Shape,
  dtype: FloatDType,
  seed: number | null | undefined,
): Tensor {
  return runOp1(RandomUniform, [], {
    shape,
    dtype,
    seed: seedArg(op, seed),
    minval: 0,
    maxval: 1,
  });
}

/**
 * `tf.random.shuffle(value, {seed})`: the slices along the first axis in a random order
 * (Fisher-Yates with TensorFlow's draws: position i swaps with i + (w mod (n - i))).
 */
export function shuffle(value: TensorLike, options: SeedOptions = {}): Tensor {
  const op = "random.shuffle";
  const x = toTensor(value, op);
  return runOp1(RandomShuffle, [x], { seed: seedArg(op, options.seed) });
}

/**
 * `tf.random.categorical(logits, numSamples, {dtype, seed})`: for each row of the [batch,
 * classes] logits, `numSamples` class indices drawn with probabilities softmax(row). Inverse
 * CDF sampling on exp(logit - max) in float64, as TensorFlow's CPU kernel does; classes with
 * non-finite logits are never drawn (a row with none finite gives `classes`, as there).
 */
export function categorical(
  logits: TensorLike,
  numSamples: number,
  options: CategoricalOptions = {},
): Tensor {
  const op = "random.categorical";
  const x = toTensor(logits, op);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new TypeError(`${op}: logits must be float32 or float64, got ${describe(x)}`);
  }
  if (x.rank !== 2) {
    throw new InvalidArgumentError(
      `${op}: logits must be 2-D [batch, classes], got ${describe(x)}`,
    );
  }
  checkInteger(op, "numSamples", numSamples, 0);
  const dtype = options.dtype ?? "int32";
  if (dtype !== "int32") throw new TypeError(`${op}: dtype must be int32, got ${String(dtype)}`);
  const [batch, classes] = x.shape;
  if (classes === 0 && batch > 0) {
    throw new InvalidArgumentError(
      `${op}: logits must have at least one class, got ${describe(x)}`,
    );
  }
  return runOp1(Multinomial, [x], { numSamples, seed: seedArg(op, options.seed) });
}

// ---------------------------------------------------------------------------------------------
// Internal API (see the top of this file)

function standardArray(
  name: string,
  kernel: string,
  fill: Fill,
  n: number,
  seed: ArraySeed,
  dtype: FloatDType,
): Float64Array {
  checkInteger(name, "n", n, 0);
  const d = floatDType(name, dtype);
  const out = new Float64Array(n);
  fill(arrayGenerator(name, kernel, d, seed, n * 256), out, d);
  return out;
}

/** n uniform draws in [0, 1): `tf.random.uniform([n], {seed, dtype})`'s values. */
export function randomUniformArray(
  n: number,
  seed?: ArraySeed,
  dtype: FloatDType = "float32",
): Float64Array {
  return standardArray("randomUniformArray", "RandomUniform", fillUniform, n, seed, dtype);
}

/** n N(0, 1) draws: `tf.random.normal([n], {seed, dtype})`'s values. */
export function randomNormalArray(
  n: number,
  seed?: ArraySeed,
  dtype: FloatDType = "float32",
): Float64Array {
  return standardArray("randomNormalArray", "RandomStandardNormal", fillNormal, n, seed, dtype);
}

/** n N(0, 1) draws within (-2, 2): `tf.random.truncatedNormal([n], {seed, dtype})`'s values. */
export function truncatedNormalArray(
  n: number,
  seed?: ArraySeed,
  dtype: FloatDType = "float32",
): Float64Array {
  return standardArray("truncatedNormalArray", "TruncatedNormal", fillTruncated, n, seed, dtype);
}
