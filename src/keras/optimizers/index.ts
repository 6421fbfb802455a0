/**
 * `tf.keras.optimizers`: SGD, Adam, AdamW, Adamax, Nadam, RMSprop and Adagrad with Keras 3's
 * update rules, clipping and weight decay; `get` by name; `schedules`.
 */
import { Adam, AdamW, Adamax, Nadam } from "./adam.js";
import { Optimizer } from "./base.js";
import { Adagrad, RMSprop } from "./rmsprop.js";
import { deserialize as deserializeSchedule } from "./schedules.js";
import { SGD } from "./sgd.js";

export {
  Optimizer,
  type GradientPair,
  type LearningRate,
  type LearningRateSchedule,
  type OptimizerOptions,
} from "./base.js";
export { SGD, type SGDOptions } from "./sgd.js";
export {
  Adam,
  AdamW,
  Adamax,
  Nadam,
  type AdamOptions,
  type AdamaxOptions,
  type NadamOptions,
} from "./adam.js";
export { RMSprop, Adagrad, type RMSpropOptions, type AdagradOptions } from "./rmsprop.js";
export * as schedules from "./schedules.js";

const BY_NAME: Record<string, new () => Optimizer> = {
  SGD,
  Adam,
  AdamW,
  Adamax,
  Nadam,
  RMSprop,
  Adagrad,
};

/** The names `get` knows: Keras's class names and their lowercase forms ("adam", "rmsprop"). */
export const optimizerNames: readonly string[] = Object.keys(BY_NAME).flatMap((k) =>
  k === k.toLowerCase() ? [k] : [k, k.toLowerCase()],
);

/**
 * `tf.keras.optimizers.get(identifier)`, as compile() resolves its `optimizer`: an Optimizer is
 * returned as is; a name ("sgd", "adam", "adamw", "adamax", "nadam", "rmsprop", "adagrad", or
 * the class name "Adam") gives a new optimizer with Keras's defaults; a config
 * `{className, config}` (or Keras's `{class_name, config}`) one with those options, given in
 * camelCase or as Keras's get_config writes them (`learning_rate`, `beta_1`, a serialized
 * schedule), so `get({class_name, config: opt.getConfig()})` rebuilds `opt` (without its state).
 */
export function get(
  identifier: Optimizer | string | { className?: string; class_name?: string; config?: object },
): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === "string") return make(identifier, undefined);
  if (identifier !== null && typeof identifier === "object") {
    const name = identifier.className ?? identifier.class_name;
    if (typeof name === "string") return make(name, identifier.config);
  }
  throw new TypeError(
    `optimizers.get: Could not interpret optimizer identifier: ${describeIdentifier(identifier)}`,
  );
}

function describeIdentifier(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || typeof x !== "object") return String(x);
  try {
    return JSON.stringify(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

function make(name: string, config: object | undefined): Optimizer {
  const cls = BY_NAME[name] ?? Object.entries(BY_NAME).find(([k]) => k.toLowerCase() === name)?.[1];
  if (cls === undefined) {
    throw new TypeError(
      `optimizers.get: Could not interpret optimizer identifier: ${JSON.stringify(name)} (known: ${optimizerNames.join(", ")})`,
    );
  }
  const Ctor = cls as unknown as new (options?: object) => Optimizer;
  return config === undefined ? new Ctor() : new Ctor(fromKerasConfig(name, config));
}

/**
 * Keras's config keys to options: snake_case to camelCase, a serialized schedule rebuilt, and
 * the Keras-only arguments dropped where they hold their defaults (EMA, loss scaling and
 * gradient accumulation are not implemented, so other values throw).
 */
function fromKerasConfig(name: string, config: object): Record<string, unknown> {
  if (config === null || typeof config !== "object") {
    throw new TypeError(`optimizers.get: the config of '${name}' must be an object`);
  }
  const defaults: Record<string, unknown> = {
    useEma: false,
    emaOverwriteFrequency: null,
    lossScaleFactor: null,
    gradientAccumulationSteps: null,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    const key = k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (key === "emaMomentum" || key === "decay") continue;
    if (key in defaults) {
      if (v !== defaults[key] && v !== undefined) {
        throw new TypeError(
          `optimizers.get: '${k}' = ${JSON.stringify(v)} is not supported by tapeflow's ${name}`,
        );
      }
      continue;
    }
    const isSchedule =
      key === "learningRate" && v !== null && typeof v === "object" && "class_name" in v;
    out[key] = isSchedule
      ? deserializeSchedule(v as { class_name: string; config: Record<string, unknown> })
      : v;
  }
  return out;
}
