/**
 * The bits under `tf.random` (random.ts): the Philox4x32-10 generator, TensorFlow's
 * distributions over its words, and CPython's MT19937, which TF eager draws its internal op
 * seeds from.
 *
 * Generator: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011),
 * with TensorFlow's layout: key = seed (low, high words), counter words 2-3 = seed2. Each call
 * reserves 256 blocks per output element, as TensorFlow's ReserveRandomOutputs does.
 */
import { backend } from "../backend/index.js";
import { nativeAddon } from "../backend/native/index.js";
import type { FloatDType } from "../tensor/dtype.js";

// ---------------------------------------------------------------------------------------------
// Philox4x32-10

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9; // golden ratio, the key schedule's Weyl increments
const PHILOX_W1 = 0xbb67ae85; // sqrt(3) - 1
const TWO32 = 4294967296;

/** High word of the 64-bit product of two uint32s, from 16-bit halves so every step is exact. */
function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const carry = (((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff)) >>> 16;
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + carry) >>> 0;
}

/** The Philox4x32-10 bijection of one 128-bit counter under a 64-bit key, into `out`. */
export function philox4x32(ctr: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array): void {
  let c0 = ctr[0] >>> 0;
  let c1 = ctr[1] >>> 0;
  let c2 = ctr[2] >>> 0;
  let c3 = ctr[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi0 = mulhi32(PHILOX_M0, c0);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    const hi1 = mulhi32(PHILOX_M1, c2);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** A Philox generator: a key and a 128-bit counter that advances one block per draw. */
export class Philox {
  readonly key: Uint32Array;
  readonly ctr: Uint32Array;
  private readonly block = new Uint32Array(4);
  private used = 4; // words of `block` handed out one at a time (TF's SingleSampleAdapter)

  constructor(key: Uint32Array, ctr: Uint32Array) {
    this.key = key;
    this.ctr = ctr;
  }

  /** TensorFlow's PhiloxRandom(seed, seed2): key = seed, counter high words = seed2. */
  static fromSeeds(seed: number, seed2: number): Philox {
    const key = Uint32Array.of(seed % TWO32, Math.floor(seed / TWO32));
    const ctr = Uint32Array.of(0, 0, seed2 % TWO32, Math.floor(seed2 / TWO32));
    return new Philox(key, ctr);
  }

  clone(): Philox {
    return new Philox(this.key.slice(), this.ctr.slice());
  }

  /** Advances the counter by `count` blocks (count < 2^53), carrying through all 128 bits. */
  skip(count: number): void {
    const c = this.ctr;
    const s0 = c[0] + (count % TWO32);
    let carry = Math.floor(count / TWO32) + (s0 >= TWO32 ? 1 : 0);
    c[0] = s0; // Uint32Array stores mod 2^32
    for (let w = 1; w < 4 && carry > 0; w++) {
      const s = c[w] + carry;
      c[w] = s;
      carry = s >= TWO32 ? 1 : 0;
    }
  }

  /** The block at the counter, then the counter moves on by one. The array is reused. */
  next(): Uint32Array {
    philox4x32(this.ctr, this.key, this.block);
    this.skip(1);
    this.used = 4;
    return this.block;
  }

  /** One uint32 at a time, a block's four words in order. */
  nextU32(): number {
    if (this.used === 4) {
      philox4x32(this.ctr, this.key, this.block);
      this.skip(1);
      this.used = 0;
    }
    return this.block[this.used++];
  }

  /** Moves past `count` blocks that were used outside (the native fill), as `next` would. */
  advance(count: number): void {
    this.skip(count);
    this.used = 4;
  }

  /** Takes `count` blocks for one op call: returns a generator at the start, skips past them. */
  reserve(count: number): Philox {
    const local = this.clone();
    this.skip(count);
    return local;
  }
}

// ---------------------------------------------------------------------------------------------
// Python's random.Random(seed): MT19937 seeded by init_by_array, for TF eager's op seeds.

export class PyRandom {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    // CPython keys MT19937 with the 32-bit words of |seed|, least significant first.
    let n = Math.abs(seed);
    const key: number[] = [];
    do {
      key.push(n % TWO32);
      n = Math.floor(n / TWO32);
    } while (n > 0);
    const mt = this.mt;
    mt[0] = 19650218;
    for (let i = 1; i < 624; i++) {
      mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i;
      i++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** A copy in the same state: it draws what this one would draw next. */
  clone(): PyRandom {
    const c = new PyRandom(0);
    c.mt.set(this.mt);
    c.index = this.index;
    return c;
  }

  /** genrand_uint32. */
  nextU32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** randint(0, 2^31 - 1): getrandbits(32) until it falls below 2^31, as CPython does. */
  randint31(): number {
    for (;;) {
      const r = this.nextU32();
      if (r < 0x80000000) return r;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Distributions: TensorFlow's random_distributions.h, step for step

/** A float array that receives draws: a float32 output's storage, or float64 (either dtype's). */
export type FloatArray = Float32Array | Float64Array;

/**
 * Fills `out` with standard draws at `dtype`'s precision from a generator. Each draw is a value
 * of `dtype` (float32 steps are rounded to float32), so a Float32Array holds float32 draws
 * exactly and a Float64Array holds either dtype's.
 */
export type Fill = (gen: Philox, out: FloatArray, dtype: FloatDType) => void;

const TWO_PI = 2 * Math.PI;

/** Uint32ToFloat: the low 23 bits as a float32 mantissa in [1, 2), minus 1: k / 2^23. */
function u32ToFloat(x: number): number {
  return (x & 0x7fffff) / 8388608;
}

/** Uint64ToDouble: 20 bits of the first word and all of the second as a mantissa: k / 2^52. */
export function u64ToDouble(x0: number, x1: number): number {
  return ((x0 & 0xfffff) * TWO32 + x1) / 4503599627370496;
}

const fround = Math.fround;
const EPS32 = fround(1e-7);

/**
 * Box-Muller: z0, z1 = sqrt(-2 ln u1) * (sin, cos)(2 pi u2), into out[i] and out[i + 1] (when
 * it exists), with u1 held above 1e-7 so ln u1 is finite. float32 rounds each step to float32
 * exactly as TensorFlow's BoxMullerFloat does, so seeded results are TensorFlow's own numbers
 * (e.g. its docs' tf.random.normal([2,2], seed=1) under set_seed(5)); a float64 pipeline would
 * be off from them by about an ulp with no gain a random number could show.
 */
function boxMuller32(x0: number, x1: number, out: FloatArray, i: number): void {
  const u1 = Math.max(u32ToFloat(x0), EPS32);
  const v = fround(TWO_PI * u32ToFloat(x1));
  const r = fround(Math.sqrt(fround(-2 * fround(Math.log(u1)))));
  out[i] = fround(fround(Math.sin(v)) * r);
  if (i + 1 < out.length) out[i + 1] = fround(fround(Math.cos(v)) * r);
}

/** Box-Muller in float64 from two 52-bit uniforms (TensorFlow's BoxMullerDouble). */
function boxMuller64(x: Uint32Array | number[], out: FloatArray, i: number): void {
  const u1 = Math.max(u64ToDouble(x[0], x[1]), 1e-7);
  const v = TWO_PI * u64ToDouble(x[2], x[3]);
  const r = Math.sqrt(-2 * Math.log(u1));
  out[i] = r * Math.sin(v);
  if (i + 1 < out.length) out[i + 1] = r * Math.cos(v);
}

/**
 * Fills below this many draws stay in JS (a native call costs about a microsecond, a JS block
 * about 40 ns); above it, on the native backend, the addon's philoxUniform makes the same bits
 * (a dropout mask of 200k draws: about 10 ms in JS, well under 1 ms native).
 */
const NATIVE_UNIFORM_MIN = 256;

/** Uniform [0, 1): float32 takes four draws a block, float64 two. */
export function fillUniform(gen: Philox, out: FloatArray, dtype: FloatDType): void {
  const n = out.length;
  if (n >= NATIVE_UNIFORM_MIN && backend().name === "native") {
    const fill = nativeAddon()?.philoxUniform;
    if (fill !== undefined) {
      const f32 = dtype === "float32";
      const [k0, k1] = gen.key;
      const [c0, c1, c2, c3] = gen.ctr;
      fill(k0, k1, c0, c1, c2, c3, out, f32);
      gen.advance(Math.ceil(n / (f32 ? 4 : 2)));
      return;
    }
  }
  if (dtype === "float32") {
    for (let i = 0; i < n; i += 4) {
      const b = gen.next();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = u32ToFloat(b[j]);
    }
  } else {
    for (let i = 0; i < n; i += 2) {
      const b = gen.next();
      out[i] = u64ToDouble(b[0], b[1]);
      if (i + 1 < n) out[i + 1] = u64ToDouble(b[2], b[3]);
    }
  }
}

/** N(0, 1): float32 makes two Box-Muller pairs a block, float64 one pair from 64-bit uniforms. */
export function fillNormal(gen: Philox, out: FloatArray, dtype: FloatDType): void {
  const n = out.length;
  if (dtype === "float32") {
    for (let i = 0; i < n; i += 4) {
      const b = gen.next();
      boxMuller32(b[0], b[1], out, i);
      if (i + 2 < n) boxMuller32(b[2], b[3], out, i + 2);
    }
  } else {
    for (let i = 0; i < n; i += 2) {
      const b = gen.next();
      boxMuller64(b, out, i);
    }
  }
}

/**
 * N(0, 1) conditioned on |z| < 2, by rejection (about 4.6% of draws are redrawn). As in
 * TensorFlow, each group of outputs (4 for float32, 2 for float64) starts at its own offset of
 * 256 words per output, so a group's values do not depend on how many draws earlier ones took.
 */
export function fillTruncated(base: Philox, out: FloatArray, dtype: FloatDType): void {
  const n = out.length;
  const group = dtype === "float32" ? 4 : 2;
  const pair = new Float64Array(2);
  for (let g = 0; g * group < n; g++) {
    const gen = base.clone();
    gen.skip((g * group * 256) / 4);
    let k = g * group;
    const end = Math.min(n, k + group);
    while (k < end) {
      if (dtype === "float32") boxMuller32(gen.nextU32(), gen.nextU32(), pair, 0);
      else boxMuller64([gen.nextU32(), gen.nextU32(), gen.nextU32(), gen.nextU32()], pair, 0);
      for (let j = 0; j < 2 && k < end; j++) if (Math.abs(pair[j]) < 2) out[k++] = pair[j];
    }
  }
}
