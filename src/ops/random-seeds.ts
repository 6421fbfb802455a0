/**
 * tf.random's seeds and generators: TensorFlow's get_seed (a global seed, op seeds, internal op
 * seeds), and the Philox streams its stateful kernels keep per (kernel, dtype, seed pair). See
 * random.ts for the whole scheme.
 */
import { getRandomValues } from "node:crypto";
import type { DType, FloatDType } from "../tensor/dtype.js";
import { Philox, PyRandom } from "./random-philox.js";

// ---------------------------------------------------------------------------------------------
// Seeds and streams

/** A kernel's resolved (seed, seed2). */
export type SeedPair = readonly [number, number];

export const MAXINT32 = 2147483647;
const DEFAULT_GRAPH_SEED = 87654321;

let globalSeed: number | null = null;
let opSeedSource: PyRandom | null = null;
/** One generator per (kernel, dtype, seed pair): TensorFlow eager's kernel cache. */
const streams = new Map<string, Philox>();

/** TensorFlow's _truncate_seed: Python's seed % (2^31 - 1), never negative. */
function truncateSeed(seed: number): number {
  return ((seed % MAXINT32) + MAXINT32) % MAXINT32;
}

export function seedArg(op: string, seed: unknown): number | null {
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
export interface Resolved {
  readonly pair: SeedPair | null;
  /** Made from an internal op seed, which every call draws anew: its stream is never reused. */
  readonly oneShot: boolean;
}

/** TensorFlow's get_seed (see the top of this file). */
export function resolveSeed(op: string, opSeed: unknown): Resolved {
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
export function generator(seed: Resolved, kernel: string, dtype: DType, blocks: number): Philox {
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

/** A float dtype argument: TypeError naming the op otherwise. */
export function floatDType(op: string, dtype: unknown): FloatDType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${String(dtype)}`);
  }
  return dtype;
}
