/**
 * `tf.keras.initializers`: what a layer fills a new weight with. `init.call(shape, dtype)`
 * gives the tensor; `get()` accepts an initializer, a function `(shape, dtype) => Tensor`, or a
 * name in either spelling (`"glorotUniform"`, `"glorot_uniform"`, `"GlorotUniform"`).
 *
 * Seeds follow Keras: a seeded initializer gives the same values every call (a stateless draw
 * keyed by the seed); an unseeded one draws from tf.random's streams, so `tf.random.setSeed`
 * makes a whole program's initial weights reproducible.
 */
import { backend } from "../backend/index.js";
import { type DType, type FloatDType, isFloating } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, sizeOf, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { fill, ones, zeros } from "../ops/creation.js";
import {
  normal,
  randomNormalArray,
  randomUniformArray,
  type SeedPair,
  truncatedNormal,
  truncatedNormalArray,
  uniform,
} from "../ops/random.js";
import { normalizeName } from "./activations.js";
import { optionsArg, shapeArg } from "../tensor/args.js";

/** A function form of an initializer. */
export type InitializerFunction = (shape: Shape, dtype: DType) => Tensor;

export abstract class Initializer {
  /** A tensor of this shape and dtype (default float32). */
  abstract call(shape: Shape, dtype?: DType): Tensor;

  /** The constructor options, as Keras's get_config. */
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** What initializer options accept. */
export type InitializerIdentifier = Initializer | InitializerFunction | string;

function checkedShape(op: string, shape: Shape): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(
      `${op}: shape must be a list of non-negative integers, got ${Array.isArray(shape) ? shapeMsg(shape) : String(shape)}`,
    );
  }
  return shape.slice();
}

function floatOnly(op: string, dtype: DType): FloatDType {
  if (!isFloating(dtype)) throw new TypeError(`${op}: expected a float dtype, got ${dtype}`);
  return dtype;
}

export class Zeros extends Initializer {
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    return zeros(checkedShape("Zeros", shape), dtype);
  }
}

export class Ones extends Initializer {
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    return ones(checkedShape("Ones", shape), dtype);
  }
}

/** Every element `value`. */
export class Constant extends Initializer {
  readonly value: number;
  constructor(value = 0) {
    super();
    if (typeof value !== "number")
      throw new TypeError(`Constant: value must be a number, got ${String(value)}`);
    this.value = value;
  }
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    return fill(checkedShape("Constant", shape), this.value, dtype);
  }
  override getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** The seed options of the random initializers; a bare number is the seed too. */
export interface SeedOptions {
  seed?: number | null;
}

function seedOf(arg: number | SeedOptions | null | undefined): number | null {
  const seed = typeof arg === "number" ? arg : (arg?.seed ?? null);
  if (seed !== null && !Number.isSafeInteger(seed)) {
    throw new TypeError(`initializer seed must be an integer or null, got ${String(seed)}`);
  }
  return seed;
}

type Distribution = "uniform" | "normal" | "truncatedNormal";

/**
 * Draws `shape` from a standard distribution, scaled: lo + (hi - lo) u for uniform, mean +
 * stddev z for the normals. Seeded: a stateless draw keyed by [seed, 0]; unseeded: tf.random's
 * own ops, stream and global seed included.
 */
function draw(
  dist: Distribution,
  shape: number[],
  dtype: FloatDType,
  seed: number | null,
  a: number,
  b: number,
): Tensor {
  if (seed === null) {
    if (dist === "uniform") return uniform(shape, { minval: a, maxval: b, dtype });
    const opts = { mean: a, stddev: b, dtype };
    return dist === "normal" ? normal(shape, opts) : truncatedNormal(shape, opts);
  }
  const MAX = 2147483647;
  const pair: SeedPair = [((seed % MAX) + MAX) % MAX, 0];
  const n = sizeOf(shape);
  const z =
    dist === "uniform"
      ? randomUniformArray(n, pair, dtype)
      : dist === "normal"
        ? randomNormalArray(n, pair, dtype)
        : truncatedNormalArray(n, pair, dtype);
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  if (dist === "uniform") for (let i = 0; i < n; i++) out[i] = a + (b - a) * z[i];
  else for (let i = 0; i < n; i++) out[i] = a + b * z[i];
  return new Tensor(out, shape, dtype);
}

export interface RandomNormalOptions extends SeedOptions {
  /** Default 0. */
  mean?: number;
  /** Default 0.05. */
  stddev?: number;
}

/** N(mean, stddev^2). */
export class RandomNormal extends Initializer {
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | null;
  constructor(options: RandomNormalOptions = {}) {
    super();
    options = optionsArg("RandomNormal", options);
    this.mean = options.mean ?? 0;
    this.stddev = options.stddev ?? 0.05;
    this.seed = seedOf(options);
  }
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    const op = this.constructor.name;
    return draw(
      this.kind(),
      checkedShape(op, shape),
      floatOnly(op, dtype),
      this.seed,
      this.mean,
      this.stddev,
    );
  }
  protected kind(): Distribution {
    return "normal";
  }
  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/** N(mean, stddev^2) with values more than two stddevs from the mean redrawn. */
export class TruncatedNormal extends RandomNormal {
  protected override kind(): Distribution {
    return "truncatedNormal";
  }
}

export interface RandomUniformOptions extends SeedOptions {
  /** Default -0.05. */
  minval?: number;
  /** Default 0.05. */
  maxval?: number;
}

/** Uniform in [minval, maxval). */
export class RandomUniform extends Initializer {
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | null;
  constructor(options: RandomUniformOptions = {}) {
    super();
    options = optionsArg("RandomUniform", options);
    this.minval = options.minval ?? -0.05;
    this.maxval = options.maxval ?? 0.05;
    this.seed = seedOf(options);
  }
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    const op = "RandomUniform";
    return draw(
      "uniform",
      checkedShape(op, shape),
      floatOnly(op, dtype),
      this.seed,
      this.minval,
      this.maxval,
    );
  }
  override getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

/**
 * Keras's _compute_fans: a kernel [..., fanIn, fanOut] with its leading (receptive field)
 * dimensions multiplying both; a vector's fans are its length, a scalar's 1.
 */
export function computeFans(shape: Shape): [number, number] {
  shapeArg("initializers.computeFans", shape);
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

export type FanMode = "fanIn" | "fanOut" | "fanAvg";

export interface VarianceScalingOptions extends SeedOptions {
  /** Default 1. */
  scale?: number;
  /** Default "fanIn" ("fan_in" also accepted). */
  mode?: FanMode | "fan_in" | "fan_out" | "fan_avg";
  /** Default "truncatedNormal" ("truncated_normal", "untruncated_normal", "normal", "uniform"). */
  distribution?: string;
}

/** stddev of N(0, 1) cut to (-2, 2): the truncated normal is widened by 1 / this. */
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * Variance scale / n with n = fanIn, fanOut or their mean: a truncated normal of stddev
 * sqrt(scale / n) / 0.8796..., a normal of stddev sqrt(scale / n), or uniform in +-sqrt(3 scale / n).
 */
export class VarianceScaling extends Initializer {
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  readonly seed: number | null;

  constructor(options: VarianceScalingOptions = {}) {
    super();
    options = optionsArg("VarianceScaling", options);
    const op = this.constructor.name;
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0)) throw new RangeError(`${op}: scale must be positive, got ${this.scale}`);
    const mode = normalizeName(options.mode ?? "fanIn");
    const modes: Record<string, FanMode> = { fanin: "fanIn", fanout: "fanOut", fanavg: "fanAvg" };
    if (!(mode in modes)) {
      throw new RangeError(
        `${op}: mode must be "fanIn", "fanOut" or "fanAvg", got ${String(options.mode)}`,
      );
    }
    this.mode = modes[mode];
    const dist = normalizeName(options.distribution ?? "truncatedNormal");
    const dists: Record<string, Distribution> = {
      truncatednormal: "truncatedNormal",
      normal: "truncatedNormal", // Keras's "normal" means truncated
      untruncatednormal: "normal",
      uniform: "uniform",
    };
    if (!(dist in dists)) {
      throw new RangeError(
        `${op}: distribution must be "truncatedNormal", "untruncatedNormal" or "uniform", got ${String(options.distribution)}`,
      );
    }
    this.distribution = dists[dist];
    this.seed = seedOf(options);
  }

  call(shape: Shape, dtype: DType = "float32"): Tensor {
    const op = this.constructor.name;
    const dims = checkedShape(op, shape);
    const d = floatOnly(op, dtype);
    const [fanIn, fanOut] = computeFans(dims);
    const n =
      this.mode === "fanIn" ? fanIn : this.mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, n);
    if (this.distribution === "uniform") {
      const limit = Math.sqrt(3 * scale);
      return draw("uniform", dims, d, this.seed, -limit, limit);
    }
    const stddev =
      this.distribution === "truncatedNormal"
        ? Math.sqrt(scale) / TRUNCATED_STDDEV
        : Math.sqrt(scale);
    return draw(this.distribution, dims, d, this.seed, 0, stddev);
  }

  override getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

/** Glorot (Xavier) uniform: uniform in +-sqrt(6 / (fanIn + fanOut)). */
export class GlorotUniform extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 1, mode: "fanAvg", distribution: "uniform", seed: seedOf(seed) });
  }
}

/** Glorot (Xavier) normal: truncated normal, stddev sqrt(2 / (fanIn + fanOut)) before the cut. */
export class GlorotNormal extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 1, mode: "fanAvg", distribution: "truncatedNormal", seed: seedOf(seed) });
  }
}

/** He normal: truncated normal, stddev sqrt(2 / fanIn) before the cut. */
export class HeNormal extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 2, mode: "fanIn", distribution: "truncatedNormal", seed: seedOf(seed) });
  }
}

/** He uniform: uniform in +-sqrt(6 / fanIn). */
export class HeUniform extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 2, mode: "fanIn", distribution: "uniform", seed: seedOf(seed) });
  }
}

/** LeCun normal: truncated normal, stddev sqrt(1 / fanIn) before the cut. */
export class LecunNormal extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 1, mode: "fanIn", distribution: "truncatedNormal", seed: seedOf(seed) });
  }
}

/** LeCun uniform: uniform in +-sqrt(3 / fanIn). */
export class LecunUniform extends VarianceScaling {
  constructor(seed?: number | SeedOptions | null) {
    super({ scale: 1, mode: "fanIn", distribution: "uniform", seed: seedOf(seed) });
  }
}

export interface OrthogonalOptions extends SeedOptions {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * Keras's Orthogonal: the shape seen as a matrix [prod(shape[:-1]), shape[-1]], filled with a
 * standard normal draw whose QR factor Q (signs fixed so diag(R) > 0, making Q uniform over
 * the orthogonal matrices) is taken, on the transpose when there are fewer rows than columns
 * (so the rows, or columns, are orthonormal), times gain. QR by modified Gram-Schmidt.
 */
export class Orthogonal extends Initializer {
  readonly gain: number;
  readonly seed: number | null;
  constructor(options: OrthogonalOptions = {}) {
    super();
    options = optionsArg("Orthogonal", options);
    this.gain = options.gain ?? 1;
    this.seed = seedOf(options);
  }
  call(shape: Shape, dtype: DType = "float32"): Tensor {
    const op = "Orthogonal";
    const s = checkedShape(op, shape);
    const fdtype = floatOnly(op, dtype);
    if (s.length < 2) {
      throw new InvalidArgumentError(
        `Orthogonal: the shape must have at least two dimensions, got ${shapeMsg(s)}`,
      );
    }
    const cols = s[s.length - 1];
    const rows = sizeOf(s) / Math.max(cols, 1);
    // Work on a tall m x n matrix (m >= n) whose n columns get orthonormalized.
    const [m, n] = rows < cols ? [cols, rows] : [rows, cols];
    const a = Float64Array.from(
      backend().read(draw("normal", [m * n], "float64", this.seed, 0, 1)) as Float64Array,
    );
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * n + k] * a[i * n + j];
        for (let i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[i * n + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      // Dividing by the positive norm is Q with diag(R) > 0.
      for (let i = 0; i < m; i++) a[i * n + j] /= norm;
    }
    const out = fdtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
    if (rows < cols) {
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) out[j * m + i] = this.gain * a[i * n + j];
    } else {
      for (let i = 0; i < m * n; i++) out[i] = this.gain * a[i];
    }
    return new Tensor(out, s, fdtype);
  }
  override getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed };
  }
}

/** The initializers by name, in Keras's snake_case (get() ignores case and underscores). */
const BY_NAME: Record<string, () => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
  random_normal: () => new RandomNormal(),
  random_uniform: () => new RandomUniform(),
  truncated_normal: () => new TruncatedNormal(),
  variance_scaling: () => new VarianceScaling(),
  glorot_uniform: () => new GlorotUniform(),
  glorot_normal: () => new GlorotNormal(),
  he_normal: () => new HeNormal(),
  he_uniform: () => new HeUniform(),
  lecun_normal: () => new LecunNormal(),
  lecun_uniform: () => new LecunUniform(),
  orthogonal: () => new Orthogonal(),
};
const TABLE = new Map(Object.entries(BY_NAME).map(([k, make]) => [normalizeName(k), make]));

/** The initializer function an option names: an object's call, a function, or by name. */
export function get(identifier: InitializerIdentifier): InitializerFunction {
  if (identifier instanceof Initializer) return (shape, dtype) => identifier.call(shape, dtype);
  if (typeof identifier === "function") return identifier;
  if (typeof identifier === "string") {
    const make = TABLE.get(normalizeName(identifier));
    if (make !== undefined) {
      const init = make();
      return (shape, dtype) => init.call(shape, dtype);
    }
    throw new RangeError(
      `Unknown initializer: '${identifier}' (expected an Initializer, a function or one of ${Object.keys(BY_NAME).join(", ")})`,
    );
  }
  throw new TypeError(
    `Could not interpret initializer identifier: ${String(identifier)} (expected an Initializer, a function or a name)`,
  );
}
