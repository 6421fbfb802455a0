/**
 * tf.random's standard draws as plain arrays, for Keras initializers: with a number (or no)
 * seed they are what tf.random.uniform / normal / truncatedNormal would draw, stream and all;
 * with a resolved `SeedPair` they are stateless (the same pair gives the same numbers).
 */
import { checkInteger } from "./checks.js";
import type { DType, FloatDType } from "../tensor/dtype.js";
import { type Fill, fillNormal, fillTruncated, fillUniform, Philox } from "./random-philox.js";
import { floatDType, generator, resolveSeed, type SeedPair } from "./random-seeds.js";

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
// Standard draws as plain arrays (stateless with a SeedPair)

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
