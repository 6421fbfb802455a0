/**
 * tf.random's distributions: the stateful random ops (RandomStandardNormal, TruncatedNormal,
 * RandomUniform, RandomUniformInt, RandomShuffle, Multinomial) and the public functions that run
 * them (normal, truncatedNormal, uniform, standardUniform, shuffle, categorical). See random.ts
 * for how seeds resolve.
 */
import { backend } from "../backend/index.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { DataArray, DType, FloatDType } from "../tensor/dtype.js";
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
  u64ToDouble,
} from "./random-philox.js";
import { floatDType, generator, MAXINT32, resolveSeed, seedArg } from "./random-seeds.js";
import { optionsArg } from "../tensor/args.js";

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
    shape instanceof Tensor ? Array.from(backend().read(shape) as Int32Array) : shape,
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
    v = Number(backend().read(v)[0]);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  }
  return v;
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
  kernel: (out: DataArray, attrs: A) => void,
): OpDef<A> {
  return defineOp<A>({
    name,
    kind: "random",
    infer: (_inputs, a) => [{ shape: a.shape, dtype: a.dtype }],
    kernel: (b, _inputs, outputs, a) => kernel(b.read(outputs[0]), a),
    overwritesOutputs: true,
    stateful: true,
    grad: "none",
  });
}

/** The kernel of RandomStandardNormal or TruncatedNormal: its stream's draws, scaled. */
function normalKernel(name: string, fill: Fill) {
  return (out: DataArray, a: NormalAttrs): void => {
    const values = out as FloatArray;
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
  const values = out as FloatArray;
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
  const values = out as Int32Array;
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
export const RandomShuffle: OpDef<SeedAttrs> = defineOp<SeedAttrs>({
  name: "RandomShuffle",
  kind: "random",
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  kernel: (b, [x], [out], a) => {
    const seed = resolveSeed("RandomShuffle", a.seed);
    const n = x.rank === 0 ? 1 : x.shape[0];
    const dst = b.read(out) as unknown[];
    const src = b.read(x) as ArrayLike<unknown>;
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
export const Multinomial: OpDef<MultinomialAttrs> = defineOp<MultinomialAttrs>({
  name: "Multinomial",
  kind: "random",
  infer: ([x], a) => [{ shape: [x.shape[0], a.numSamples], dtype: "int32" }],
  kernel: (be, [x], [o], a) => {
    const numSamples = a.numSamples;
    const [batch, classes] = x.shape;
    const seed = resolveSeed("Multinomial", a.seed);
    // CPU kernel: two words per double, samples rounded up to 4, 256 blocks per output.
    const perRow = Math.ceil(numSamples / 4) * 4 * 2;
    const gen = generator(seed, "Multinomial", x.dtype, batch * perRow * 256);
    const out = be.read(o) as Int32Array;
    const cdf = new Float64Array(classes);
    const v = be.read(x) as Float32Array | Float64Array;
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
  options = optionsArg("shuffle", options);
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
