/**
 * What the layer families share: argument parsing with errors that name the layer, the rank
 * check every layer makes on its input, and the pieces of Keras 3's config (`get_config`) that
 * are the same for every layer (name, trainable, dtype; activations and initializers by name).
 */
import { describeValue } from "../../tensor/describe-value.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type * as activations from "../activations.js";
import * as initializers from "../initializers.js";
import type { DType } from "../../tensor/dtype.js";

/** A layer's config as Keras writes it in config.json: snake_case keys, JSON values. */
export type LayerConfig = Record<string, unknown>;

/** What the helpers here read of a layer (any Layer<I, O, C>). */
export interface LayerLike {
  readonly name: string;
  readonly trainable: boolean;
  readonly dtype: DType;
}

/** The keys every Keras layer's get_config starts with. */
export function baseConfig(layer: LayerLike): LayerConfig {
  return { name: layer.name, trainable: layer.trainable, dtype: layer.dtype };
}

/**
 * Keras's standardize_tuple: a positive integer, or a list of `n` of them, as a list of `n`.
 * `allowZero` admits 0 (paddings, croppings).
 */
export function intTuple(
  layer: string,
  arg: string,
  value: number | readonly number[],
  n: number,
  allowZero = false,
): number[] {
  if (typeof value !== "number" && !Array.isArray(value)) {
    throw new TypeError(
      `${layer}: the \`${arg}\` argument must be an integer or a tuple of ${n} integers. Received: ${arg}=${describeValue(value)}`,
    );
  }
  const list = typeof value === "number" ? Array<number>(n).fill(value) : [...value];
  const ok = (v: unknown) =>
    typeof v === "number" && Number.isInteger(v) && (allowZero ? v >= 0 : v > 0);
  if (!Array.isArray(list) || list.length !== n || !list.every(ok)) {
    throw new RangeError(
      `${layer}: the \`${arg}\` argument must be a tuple of ${n} ${allowZero ? "non-negative" : "positive"} integers (or one integer). Received: ${arg}=${JSON.stringify(value)}`,
    );
  }
  return list;
}

/** A positive integer argument (units, filters, numHeads ...). */
export function positiveInt(layer: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `${layer}: received an invalid value for \`${arg}\`, expected a positive integer. Received: ${arg}=${String(value)}`,
    );
  }
  return value;
}

/** A rate in [0, 1) (dropout, recurrentDropout). */
export function rateArg(layer: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new RangeError(
      `${layer}: invalid value received for argument \`${arg}\`. Expected a float value in [0, 1). Received: ${arg}=${String(value)}`,
    );
  }
  return value;
}

export type PaddingMode = "valid" | "same";

/** "valid" or "same" in any case, as Keras takes them; `extra` admits "causal" for Conv1D. */
export function paddingArg<E extends string = never>(
  layer: string,
  value: string | undefined,
  extra: readonly E[] = [],
): PaddingMode | E {
  const p = (value ?? "valid").toLowerCase();
  if (p === "valid" || p === "same") return p;
  if ((extra as readonly string[]).includes(p)) return p as E;
  throw new RangeError(
    `${layer}: the \`padding\` argument must be one of "valid", "same"${extra.map((e) => `, "${e}"`).join("")}. Received: padding=${String(value)}`,
  );
}

/** Only channels_last is supported (TensorFlow's CPU convolutions are NHWC only). */
export function dataFormatArg(layer: string, value: string | undefined): "channels_last" {
  const f = value ?? "channels_last";
  if (f !== "channels_last") {
    throw new RangeError(
      `${layer}: only dataFormat "channels_last" is supported (TensorFlow's CPU kernels are NHWC), got ${JSON.stringify(value)}`,
    );
  }
  return f;
}

/** Keras's InputSpec check for a rank, with its error naming the layer and the shape received. */
export function incompatible(
  layer: LayerLike,
  detail: string,
  shape: readonly number[],
): InvalidArgumentError {
  return new InvalidArgumentError(
    `Input 0 of layer "${layer.name}" is incompatible with the layer: ${detail}. Full shape received: ${shapeStr(shape)}`,
  );
}

export function checkRank(layer: LayerLike, x: Tensor, rank: number): void {
  if (x.rank !== rank)
    throw incompatible(layer, `expected ndim=${rank}, found ndim=${x.rank}`, x.shape);
}

export function checkMinRank(layer: LayerLike, x: Tensor, rank: number): void {
  if (x.rank < rank) {
    throw incompatible(layer, `expected min_ndim=${rank}, found ndim=${x.rank}`, x.shape);
  }
}

/** The build shape's rank and last dimension (which must be known), for layers that build on it. */
export function lastDim(
  layer: LayerLike,
  shape: readonly (number | null)[],
  rank: number | null,
  what = "channel",
): number {
  if (rank !== null && shape.length !== rank) {
    throw incompatible(
      layer,
      `expected ndim=${rank}, found ndim=${shape.length}`,
      shape.map((d) => d ?? -1),
    );
  }
  const d = shape[shape.length - 1];
  if (d === null || d === undefined || !Number.isInteger(d) || d <= 0) {
    throw new InvalidArgumentError(
      `Layer "${layer.name}": the ${what} dimension of the inputs should be defined and positive. Found ${d === null ? "None" : String(d)} in shape [${shape.map((v) => (v === null ? "None" : String(v))).join(", ")}]`,
    );
  }
  return d;
}

/** Keras's activation serialization: its registered name (`"relu"`, `"linear"` for none). */
export function activationConfig(id: activations.ActivationIdentifier): string {
  if (id === null || id === undefined) return "linear";
  if (typeof id === "string") return id.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  return id.name || "custom";
}

/** Keras's initializer names to their class names: `glorot_uniform` -> `GlorotUniform`. */
const INITIALIZER_CLASSES: Record<string, string> = {
  zeros: "Zeros",
  ones: "Ones",
  constant: "Constant",
  uniform: "RandomUniform",
  normal: "RandomNormal",
  randomnormal: "RandomNormal",
  randomuniform: "RandomUniform",
  truncatednormal: "TruncatedNormal",
  variancescaling: "VarianceScaling",
  glorotuniform: "GlorotUniform",
  glorotnormal: "GlorotNormal",
  henormal: "HeNormal",
  heuniform: "HeUniform",
  lecunnormal: "LecunNormal",
  lecununiform: "LecunUniform",
  orthogonal: "Orthogonal",
};

/**
 * Keras 3's serialized initializer: `{module: "keras.initializers", class_name, config,
 * registered_name: null}` (a plain function has no config and is written by its name).
 */
export function initializerConfig(id: initializers.InitializerIdentifier): unknown {
  if (typeof id === "string") {
    const cls = INITIALIZER_CLASSES[id.replace(/_/g, "").toLowerCase()] ?? id;
    const seeded = !["Zeros", "Ones", "Constant"].includes(cls);
    return {
      module: "keras.initializers",
      class_name: cls,
      config: cls === "Constant" ? { value: 0 } : seeded ? { seed: null } : {},
      registered_name: null,
    };
  }
  if (id instanceof initializers.Initializer) {
    return {
      module: "keras.initializers",
      class_name: id.constructor.name,
      config: id.getConfig(),
      registered_name: null,
    };
  }
  return id.name || "custom";
}
