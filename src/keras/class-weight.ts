/**
 * fit's `classWeight` (Keras's `class_weight`): a weight per class index, turned into a weight
 * per sample from the targets. A sample's class is its integer target (sparse labels, [n] or
 * [n, 1], rounded as Keras does) or the argmax of its one-hot / probability row ([n, classes]);
 * a class the map does not name weighs 1, as in Keras's array adapter. Only for models with one
 * output, and not together with sampleWeight (Keras refuses both).
 */
import { InvalidArgumentError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { constant } from "../ops/creation.js";
import { asTensors, type Batch, type DataX } from "./data-adapter.js";
import type { TensorLike } from "../tensor/convert.js";

/** Class index -> weight (an object with integer keys, or a Map). */
export type ClassWeight = Readonly<Record<number, number>> | ReadonlyMap<number, number>;

/** Checks classWeight and returns it as a lookup. */
export function classWeightLookup(where: string, cw: unknown): (cls: number) => number {
  const entries: [number, number][] = [];
  if (cw instanceof Map) {
    for (const [k, v] of cw as Map<unknown, unknown>) entries.push([k as number, v as number]);
  } else if (cw !== null && typeof cw === "object" && !Array.isArray(cw)) {
    for (const [k, v] of Object.entries(cw)) entries.push([Number(k), v as number]);
  } else {
    throw new TypeError(
      `${where}: classWeight must be an object (or Map) from class index to weight, got ${String(cw)}`,
    );
  }
  const table = new Map<number, number>();
  for (const [k, v] of entries) {
    if (!Number.isInteger(k) || k < 0) {
      throw new TypeError(
        `${where}: classWeight keys must be class indices (integers >= 0), got ${String(k)}`,
      );
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`${where}: classWeight[${k}] must be a finite number, got ${String(v)}`);
    }
    table.set(k, v);
  }
  return (cls) => table.get(cls) ?? 1;
}

/** The class of each sample of targets y: [n] or [n, 1] integer labels, else the row argmax. */
function classesOf(where: string, y: Tensor): Int32Array {
  if (y.rank === 0) {
    throw new InvalidArgumentError(
      `${where}: classWeight needs targets with a batch dimension, got a scalar`,
    );
  }
  if (y.dtype === "string" || y.dtype === "complex64" || y.dtype === "complex128") {
    throw new InvalidArgumentError(`${where}: classWeight needs numeric targets, got ${y.dtype}`);
  }
  const n = y.shape[0];
  const data = y.dataSync() as ArrayLike<number>;
  const out = new Int32Array(n);
  const width = n === 0 ? 0 : data.length / n;
  if (width <= 1) {
    for (let i = 0; i < n; i++) out[i] = Math.round(data[i]);
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (data[i * width + j] > data[i * width + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** The sample weights [n] (float32) that classWeight gives targets y. */
export function classWeightsToSampleWeights(
  where: string,
  y: DataX,
  lookup: (cls: number) => number,
): Tensor {
  const ys = asTensors(where, y);
  if (ys.length !== 1) {
    throw new InvalidArgumentError(
      `${where}: classWeight is only supported for models with a single output, got ${ys.length} targets`,
    );
  }
  const classes = classesOf(where, ys[0]);
  return constant(Float32Array.from(classes, lookup), "float32", [classes.length]);
}

/** Refuses classWeight with sampleWeight, as Keras does. */
export function refuseBoth(where: string, sampleWeight: TensorLike | undefined | null): void {
  if (sampleWeight !== undefined && sampleWeight !== null) {
    throw new TypeError(`${where}: classWeight and sampleWeight cannot be given at the same time`);
  }
}

/** The batches of an iterable, each with its classWeight sample weights. */
export function withClassWeights(
  where: string,
  batches: Iterable<Batch>,
  lookup: (cls: number) => number,
): Iterable<Batch> {
  return {
    *[Symbol.iterator]() {
      for (const b of batches) {
        if (b instanceof Tensor || !Array.isArray(b) || b[1] === undefined || b[1] === null) {
          throw new TypeError(`${where}: classWeight needs batches of [x, y]`);
        }
        refuseBoth(where, b[2]);
        yield [b[0], b[1], classWeightsToSampleWeights(where, b[1], lookup)] as const;
      }
    },
  };
}
