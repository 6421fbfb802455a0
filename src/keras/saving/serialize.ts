/**
 * Keras 3's serialization of layers and models (serialization_lib.serialize_keras_object):
 * `{module, class_name, config, registered_name, build_config}` with snake_case config keys, as
 * a .keras file's config.json holds them, and the way back through a registry of layer classes
 * by class name.
 *
 * A layer's config comes from its `getConfig()` when it has one (Keras's keys), else from the
 * built-in codecs below for the core layers. Either way it is normalized to what Python Keras
 * reads: the dtype as a DTypePolicy, initializers with Keras's config keys and values.
 */
import { describeValue } from "../../tensor/describe-value.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import * as activations from "../activations.js";
import * as initializers from "../initializers.js";
import type { BuildShape, Layer, LayerInputs, LayerOutputs } from "../layer.js";
import * as layers from "../layers/index.js";

type AnyLayer = Layer<LayerInputs, LayerOutputs>;
export type Config = Record<string, unknown>;

/** One serialized object, as Keras writes it. */
export interface Serialized {
  module: string;
  class_name: string;
  config: Config;
  registered_name: string | null;
  build_config?: { input_shape: BuildShape | BuildShape[] };
  [key: string]: unknown;
}

/** How to rebuild a layer class from its (snake_case) config. */
export type LayerFactory = (config: Config) => AnyLayer;

interface Registration {
  readonly module: string;
  readonly factory: LayerFactory;
  readonly registeredName: string | null;
}

const registry = new Map<string, Registration>();

/** Keras's activations by name, to write a layer's activation function by its name. */
const ACTIVATION_NAMES = [
  "linear",
  "relu",
  "relu6",
  "sigmoid",
  "softmax",
  "tanh",
  "elu",
  "selu",
  "gelu",
  "softplus",
  "softsign",
  "swish",
  "silu",
  "mish",
  "exponential",
  "hard_sigmoid",
  "log_softmax",
];

/** The Keras name of an activation function (a custom function: its JS name). */
export function activationName(fn: activations.Activation): string {
  for (const name of ACTIVATION_NAMES) {
    try {
      if (activations.get(name) === fn) return name;
    } catch {
      // a name this build of tapeflow does not have
    }
  }
  return fn.name || "custom";
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Keras's initializer classes whose whole config is `{seed}`. */
const SEED_ONLY = new Set([
  "GlorotUniform",
  "GlorotNormal",
  "HeNormal",
  "HeUniform",
  "LecunNormal",
  "LecunUniform",
]);

/** An initializer identifier as Keras 3 serializes it. */
export function serializeInitializer(id: initializers.InitializerIdentifier): unknown {
  if (typeof id === "string") {
    const known = Object.keys(initializers).find(
      (k) => k.toLowerCase() === id.replace(/_/g, "").toLowerCase(),
    );
    const cls = known ?? id;
    return normalizeInitializer({
      module: "keras.initializers",
      class_name: cls,
      config: {},
      registered_name: null,
    });
  }
  if (id instanceof initializers.Initializer) {
    return normalizeInitializer({
      module: "keras.initializers",
      class_name: id.constructor.name,
      config: id.getConfig(),
      registered_name: null,
    });
  }
  return id.name || "custom";
}

/** Keras's config for an initializer: seed-only classes keep just the seed, values in snake_case. */
function normalizeInitializer(s: Serialized): Serialized {
  const config = { ...s.config };
  if (SEED_ONLY.has(s.class_name)) return { ...s, config: { seed: config.seed ?? null } };
  if (s.class_name === "VarianceScaling") {
    for (const k of ["mode", "distribution"]) {
      if (typeof config[k] === "string") config[k] = snake(config[k] as string);
    }
  }
  if (
    ["RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling"].includes(s.class_name)
  ) {
    config.seed ??= null;
  }
  return { ...s, config };
}

/** Keras 3's DTypePolicy for a dtype name. */
function dtypePolicy(name: string): Serialized {
  return { module: "keras", class_name: "DTypePolicy", config: { name }, registered_name: null };
}

function isSerialized(x: unknown): x is Serialized {
  return (
    x !== null &&
    typeof x === "object" &&
    !Array.isArray(x) &&
    typeof (x as Serialized).class_name === "string" &&
    typeof (x as Serialized).config === "object"
  );
}

/** Puts a config in the form Python Keras reads (see the file comment). */
function normalizeConfig(config: Config, className: string): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === "dtype" && typeof v === "string" && className !== "InputLayer")
      out[k] = dtypePolicy(v);
    else if (isSerialized(v) && v.module === "keras.initializers") out[k] = normalizeInitializer(v);
    else out[k] = v;
  }
  return out;
}

/** The config a core layer without getConfig has (Keras 3's keys and defaults). */
function coreConfig(layer: AnyLayer): Config | null {
  const base: Config = { name: layer.name, trainable: layer.trainable, dtype: layer.dtype };
  if (layer instanceof layers.Dense) {
    return {
      ...base,
      units: layer.units,
      activation: activationName(layer.activation),
      use_bias: layer.useBias,
      kernel_initializer: serializeInitializer(layer.kernelInitializer),
      bias_initializer: serializeInitializer(layer.biasInitializer),
      kernel_regularizer: null,
      bias_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
  if (layer instanceof layers.Activation) {
    return { ...base, activation: activationName(layer.activation) };
  }
  if (layer instanceof layers.ReLU) {
    return {
      ...base,
      max_value: layer.maxValue,
      negative_slope: layer.negativeSlope,
      threshold: layer.threshold,
    };
  }
  if (layer instanceof layers.Flatten) return { ...base, data_format: "channels_last" };
  if (layer instanceof layers.Dropout) {
    return { ...base, rate: layer.rate, seed: layer.seed, noise_shape: layer.noiseShape };
  }
  if (layer instanceof layers.InputLayer) {
    return {
      batch_shape: [...layer.batchShape],
      dtype: layer.dtype,
      sparse: false,
      name: layer.name,
    };
  }
  return null;
}

/** A layer's Keras config: its getConfig(), else the core codec; normalized for Python Keras. */
export function layerConfig(layer: AnyLayer): Config {
  const own = (layer as unknown as { getConfig?: () => Config }).getConfig;
  const config = typeof own === "function" ? own.call(layer) : coreConfig(layer);
  if (config === null) {
    throw new InvalidArgumentError(
      `serialize: layer '${layer.name}' of class ${layer.constructor.name} has no getConfig(); give the class a getConfig() and register it with tf.keras.saving.registerKerasSerializable`,
    );
  }
  return normalizeConfig(config, layer.constructor.name);
}

/** serialize_keras_object for a layer, with build_config when the layer is built. */
export function serializeLayer(layer: AnyLayer): Serialized {
  if (typeof layer !== "object" || layer === null) {
    throw new TypeError(`serializeKerasObject: expected a layer, got ${describeValue(layer)}`);
  }
  const cls = layer.constructor.name;
  const reg = registry.get(cls);
  const out: Serialized = {
    module: reg?.module ?? "keras.layers",
    class_name: cls,
    config: layerConfig(layer),
    registered_name: reg?.registeredName ?? null,
  };
  const shape = layer.buildInputShape;
  if (layer.built && shape !== null && !(layer instanceof layers.InputLayer)) {
    // The batch as Keras's symbolic build has it: unknown (a first call on data fixed it).
    const unbatched = (s: BuildShape): BuildShape => [null, ...s.slice(1)];
    const list = shape.length > 0 && Array.isArray(shape[0]);
    out.build_config = {
      input_shape: list
        ? (shape as unknown as BuildShape[]).map(unbatched)
        : unbatched(shape as BuildShape),
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deserialization

/** A serialized initializer back to one of tapeflow's. */
export function deserializeInitializer(x: unknown): initializers.InitializerIdentifier {
  if (typeof x === "string") return camel(x);
  if (!isSerialized(x))
    throw new InvalidArgumentError(`deserialize: bad initializer ${JSON.stringify(x)}`);
  const c = x.config;
  const seed = (c.seed ?? null) as number | null;
  switch (x.class_name) {
    case "Zeros":
      return new initializers.Zeros();
    case "Ones":
      return new initializers.Ones();
    case "Constant":
      return new initializers.Constant((c.value as number) ?? 0);
    case "RandomNormal":
    case "TruncatedNormal": {
      const Cls =
        x.class_name === "RandomNormal" ? initializers.RandomNormal : initializers.TruncatedNormal;
      return new Cls({ mean: (c.mean as number) ?? 0, stddev: (c.stddev as number) ?? 0.05, seed });
    }
    case "RandomUniform":
      return new initializers.RandomUniform({
        minval: (c.minval as number) ?? -0.05,
        maxval: (c.maxval as number) ?? 0.05,
        seed,
      });
    case "VarianceScaling":
      return new initializers.VarianceScaling({
        scale: (c.scale as number) ?? 1,
        mode: camel((c.mode as string) ?? "fan_in") as initializers.FanMode,
        distribution: camel((c.distribution as string) ?? "truncated_normal"),
        seed,
      });
    default: {
      const Cls = (initializers as unknown as Record<string, unknown>)[x.class_name];
      if (SEED_ONLY.has(x.class_name) && typeof Cls === "function") {
        return new (Cls as new (s: number | null) => initializers.Initializer)(seed);
      }
      throw new InvalidArgumentError(`deserialize: unknown initializer class '${x.class_name}'`);
    }
  }
}

/**
 * A Keras config (snake_case keys) as the options object of tapeflow's layer constructors:
 * camelCase keys, dtype policies as dtype names, initializers rebuilt, nulls left out (the
 * constructor's default), and `omit` (the positional arguments) removed.
 */
export function configToOptions(config: Config, omit: readonly string[] = []): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    if (omit.includes(k) || v === null || v === undefined) continue;
    let value: unknown = v;
    if (k === "dtype" && isSerialized(v)) value = (v.config as { name?: unknown }).name;
    else if (k.endsWith("_initializer")) value = deserializeInitializer(v);
    else if (isSerialized(v)) {
      throw new InvalidArgumentError(
        `deserialize: option '${k}' holds a ${v.class_name} object, which tapeflow cannot rebuild`,
      );
    }
    out[camel(k)] = value;
  }
  return out;
}

/**
 * `tf.keras.saving.registerKerasSerializable(cls, {factory, module, registeredName})`: lets
 * loadModel rebuild layers of this class from config.json. Without a factory, the class is
 * called with the options of configToOptions(config) (constructors taking one options object).
 */
export function registerKerasSerializable(
  cls: abstract new (...args: never[]) => AnyLayer,
  options: { factory?: LayerFactory; module?: string; registeredName?: string | null } = {},
): void {
  if (typeof cls !== "function") {
    throw new TypeError(`registerKerasSerializable: expected a layer class, got ${String(cls)}`);
  }
  const factory =
    options.factory ??
    ((config: Config) =>
      new (cls as unknown as new (o: Config) => AnyLayer)(configToOptions(config)));
  registry.set(cls.name, {
    module: options.module ?? (options.registeredName !== undefined ? "builtins" : "keras.layers"),
    factory,
    registeredName: options.registeredName ?? null,
  });
}

/** Positional constructor arguments of tapeflow's built-in layers, by Keras config key. */
const POSITIONAL: Record<string, readonly string[]> = {
  Dense: ["units"],
  Activation: ["activation"],
  Dropout: ["rate"],
  Conv1D: ["filters", "kernel_size"],
  Conv2D: ["filters", "kernel_size"],
  Conv2DTranspose: ["filters", "kernel_size"],
  Conv3D: ["filters", "kernel_size"],
  Conv1DTranspose: ["filters", "kernel_size"],
  Conv3DTranspose: ["filters", "kernel_size"],
  MaxPooling3D: ["pool_size"],
  AveragePooling3D: ["pool_size"],
  MaxPooling1D: ["pool_size"],
  MaxPooling2D: ["pool_size"],
  AveragePooling1D: ["pool_size"],
  AveragePooling2D: ["pool_size"],
  Embedding: ["input_dim", "output_dim"],
};

/** Every exported layer class of tf.keras.layers, registered with its positional arguments. */
for (const [name, value] of Object.entries(layers)) {
  if (typeof value !== "function" || name === "Layer" || name === "InputLayer") continue;
  const positional = POSITIONAL[name] ?? [];
  const Cls = value as unknown as new (...args: unknown[]) => AnyLayer;
  registry.set(name, {
    module: "keras.layers",
    registeredName: null,
    factory: (config) => {
      const args = positional.map((k) => config[k]);
      const opts = configToOptions(config, positional);
      if (name === "Activation" || name === "Dense") delete opts.activation;
      if (name === "Dense") opts.activation = config.activation ?? null;
      if (name === "Activation") return new Cls(config.activation, opts);
      return new Cls(...args, opts);
    },
  });
}

/** The registered factory for a class name, or a clear error. */
export function layerFactory(className: string, where: string): LayerFactory {
  const reg = registry.get(className);
  if (reg === undefined) {
    throw new InvalidArgumentError(
      `${where}: could not locate class '${className}'. Make sure custom classes are registered with tf.keras.saving.registerKerasSerializable`,
    );
  }
  return reg.factory;
}

/** deserialize_keras_object for a (non-model) layer. */
export function deserializeLayer(s: unknown, where: string): AnyLayer {
  if (!isSerialized(s)) {
    throw new InvalidArgumentError(
      `${where}: expected a serialized layer {class_name, config}, got ${JSON.stringify(s)}`,
    );
  }
  return layerFactory(s.class_name, where)(s.config);
}

export { isSerialized, snake, camel };
