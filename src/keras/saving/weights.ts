/**
 * `model.saveWeights("m.weights.h5")` / `loadWeights`: Keras 3's weights file (saving_lib's
 * H5IOStore layout, see walk.ts), so Python Keras reads tapeflow's files and the reverse.
 *
 * Saving writes a temporary file beside the target and renames it into place, so a crash
 * mid-save leaves the previous file whole. Loading reads and checks every dataset (present,
 * numeric, of the variable's shape) before assigning any, so a bad file changes nothing.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError } from "../../tensor/errors.js";
import type { DType } from "../../tensor/dtype.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { constant } from "../../ops/index.js";
import { warn } from "../../engine/logging.js";
import { Layer, type LayerInputs, type LayerOutputs } from "../layer.js";

type AnyLayer = Layer<LayerInputs, LayerOutputs>;
import {
  type H5File,
  type H5Group,
  type H5Lib,
  type H5Dataset,
  groupAt,
  isDataset,
  h5Sync,
  hdf5Reason,
  makeGroups,
  openForReading,
  ready,
} from "./h5.js";
import { type SaveableNode, saveableNodes } from "./walk.js";

/** h5py's dtype strings for tapeflow's dtypes (numpy's: little-endian f4, f8, i4, bool as u1). */
const H5_DTYPE: Partial<Record<DType, string>> = {
  float32: "<f",
  float64: "<d",
  int32: "<i",
  bool: "|u1",
};

function checkModel(where: string, model: unknown): AnyLayer {
  if (!(model instanceof Layer)) {
    throw new TypeError(
      `${where}: expected a Keras model or layer, got ${model === null ? "null" : typeof model === "object" ? (model as object).constructor.name : typeof model}`,
    );
  }
  if (!model.built) {
    throw new InvalidArgumentError(
      `${where}: the model '${model.name}' has not been built yet, so it has no weights. Build it first by calling it on data or with build(inputShape)`,
    );
  }
  return model;
}

function checkPath(where: string, filepath: unknown, suffix: string): string {
  if (typeof filepath !== "string" || filepath === "") {
    throw new TypeError(
      `${where}: the file path must be a non-empty string, got ${String(filepath)}`,
    );
  }
  if (!filepath.endsWith(suffix)) {
    throw new InvalidArgumentError(
      `${where}: the filename must end in \`${suffix}\`. Received: filepath=${filepath}`,
    );
  }
  return resolve(filepath);
}

/**
 * Runs `write(tmp)` on a temporary path beside `target`, flushes it to disk and renames it over
 * `target`; on any error the temporary file is removed and `target` is left as it was.
 */
export function writeAtomically(target: string, write: (tmp: string) => void): void {
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    write(tmp);
    const fd = openSync(tmp, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes every node's vars group into an open, empty HDF5 file. */
export function writeNodes(root: H5Group, nodes: readonly SaveableNode[], where: string): void {
  for (const node of nodes) {
    const vars = makeGroups(root, node.path === "" ? "vars" : `${node.path}/vars`);
    vars.create_attribute("name", node.name);
    node.values().forEach((t, i) => {
      const dtype = H5_DTYPE[t.dtype];
      if (dtype === undefined) {
        throw new InvalidArgumentError(
          `${where}: cannot save ${node.path || "the model"}'s variable ${i} of dtype ${t.dtype}`,
        );
      }
      const data =
        t.dtype === "bool" ? Uint8Array.from(t.dataSync() as ArrayLike<number>) : t.dataSync();
      vars.create_dataset({
        name: String(i),
        data: data as Float32Array,
        shape: [...t.shape],
        dtype,
      });
    });
  }
}

/** Writes `model`'s weights to an HDF5 file at `path` (absolute), atomically. */
export function writeWeightsFile(h5: H5Lib, model: AnyLayer, path: string, where: string): void {
  const nodes = saveableNodes(model);
  writeAtomically(path, (tmp) => {
    const file = new h5.File(tmp, "w");
    try {
      writeNodes(file, nodes, where);
    } finally {
      file.close();
    }
  });
}

/** A dataset's values as a tensor of `dtype`, or a description of why it cannot be one. */
function readDataset(ds: H5Dataset, dtype: DType, shape: readonly number[]): Tensor | string {
  const meta = ds.metadata;
  // h5wasm's type classes: 0 integer, 1 float (2 time, 3 string, ... others are not numbers).
  if (meta.type !== 0 && meta.type !== 1 && !(meta.type === 8 && meta.size === 1)) {
    return `is not numeric (HDF5 type class ${meta.type})`;
  }
  const dsShape = ds.shape ?? [];
  if (dsShape.length !== shape.length || dsShape.some((d, i) => d !== shape[i])) {
    return `has shape ${shapeStr(dsShape)}`;
  }
  let raw: unknown;
  try {
    raw = ds.value;
  } catch (e) {
    return `cannot be read (${hdf5Reason(e)})`;
  }
  const flat = ArrayBuffer.isView(raw)
    ? (raw as unknown as ArrayLike<number | bigint>)
    : Array.isArray(raw)
      ? (raw.flat(Infinity) as (number | bigint | boolean)[])
      : [raw as number | bigint | boolean];
  const n = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n) return `holds ${flat.length} values for shape ${shapeStr(dsShape)}`;
  const numbers = Array.from(flat as ArrayLike<number | bigint | boolean>, (v) => Number(v));
  if (dtype === "bool")
    return constant(
      numbers.map((v) => v !== 0),
      "bool",
      [...shape],
    );
  return constant(
    dtype === "float64"
      ? Float64Array.from(numbers)
      : dtype === "int32"
        ? Int32Array.from(numbers)
        : Float32Array.from(numbers),
    dtype,
    [...shape],
  );
}

/**
 * Reads and checks every node's datasets from an open file; returns the assignments to make,
 * or throws naming the file and the first dataset that does not fit. Assigns nothing.
 */
export function readNodes(
  file: H5File,
  nodes: readonly SaveableNode[],
  label: string,
  where: string,
): (() => void)[] {
  const assigns: (() => void)[] = [];
  for (const node of nodes) {
    const groupPath = node.path === "" ? "vars" : `${node.path}/vars`;
    const owner = node.path === "" ? "the model" : `'${node.path}'`;
    const group = groupAt(file, groupPath);
    const keys = group === null ? [] : group.keys();
    if (node.kind === "optimizer") {
      // Keras skips an optimizer whose variable count differs (not built yet), with a warning.
      if (keys.length !== node.targets.length) {
        if (keys.length > 0) {
          warn(
            `${where}: skipping variable loading for optimizer '${node.name}', because it has ${node.targets.length} variables whereas the saved optimizer in '${label}' has ${keys.length} variables`,
          );
        }
        continue;
      }
    } else if (keys.length !== node.targets.length) {
      const found =
        group === null ? `no group '${groupPath}'` : `${keys.length} datasets in '${groupPath}'`;
      throw new InvalidArgumentError(
        `${where}: '${label}' does not match the model: ${owner} (layer '${node.name}') expects ${node.targets.length} variables, the file has ${found}`,
      );
    }
    node.targets.forEach((target, i) => {
      const dsPath = `${groupPath}/${i}`;
      const entry = group === null ? null : keys.includes(String(i)) ? group.get(String(i)) : null;
      if (!isDataset(entry)) {
        throw new InvalidArgumentError(
          `${where}: '${label}' has no dataset '${dsPath}' (for ${target.what})`,
        );
      }
      const value = readDataset(entry, target.dtype, target.shape);
      if (typeof value === "string") {
        throw new InvalidArgumentError(
          `${where}: in '${label}', dataset '${dsPath}' ${value}, but ${target.what} of ${owner} has shape ${shapeStr(target.shape)} and dtype ${target.dtype}`,
        );
      }
      assigns.push(() => target.assign(value));
    });
  }
  return assigns;
}

/** Loads `model`'s weights from the HDF5 file at `path`: all checked first, then all assigned. */
export function readWeightsFile(
  h5: H5Lib,
  model: AnyLayer,
  path: string,
  label: string,
  where: string,
): void {
  const nodes = saveableNodes(model);
  const file = openForReading(h5, path, where);
  let assigns: (() => void)[];
  try {
    assigns = readNodes(file, nodes, label, where);
  } catch (e) {
    if (e instanceof InvalidArgumentError || e instanceof TypeError) throw e;
    throw new InvalidArgumentError(
      `${where}: cannot read '${label}': the HDF5 file is corrupt (${hdf5Reason(e)})`,
    );
  } finally {
    file.close();
  }
  for (const assign of assigns) assign();
}

/**
 * `tf.keras.saving.saveWeightsSync(model, "m.weights.h5")`: needs `await
 * tf.keras.saving.ready()` first.
 */
export function saveWeightsSync(model: AnyLayer, filepath: string): void {
  const where = "saveWeights";
  const m = checkModel(where, model);
  const path = checkPath(where, filepath, ".weights.h5");
  writeWeightsFile(h5Sync(`${where}Sync`), m, path, where);
}

/** `tf.keras.saving.loadWeightsSync(model, "m.weights.h5")`: needs `await tf.keras.saving.ready()` first. */
export function loadWeightsSync(model: AnyLayer, filepath: string): void {
  const where = "loadWeights";
  const m = checkModel(where, model);
  const path = checkPath(where, filepath, ".weights.h5");
  readWeightsFile(h5Sync(`${where}Sync`), m, path, filepath, where);
}

/**
 * `await tf.keras.saving.saveWeights(model, "m.weights.h5")` (what `model.saveWeights` does):
 * the weights of the model's layers and optimizer in Keras 3's HDF5 layout.
 */
export async function saveWeights(model: AnyLayer, filepath: string): Promise<void> {
  checkModel("saveWeights", model);
  checkPath("saveWeights", filepath, ".weights.h5");
  await ready();
  saveWeightsSync(model, filepath);
}

/**
 * `await tf.keras.saving.loadWeights(model, "m.weights.h5")` (what `model.loadWeights` does):
 * the model must be built; every variable is checked against the file before any is set.
 */
export async function loadWeights(model: AnyLayer, filepath: string): Promise<void> {
  checkModel("loadWeights", model);
  checkPath("loadWeights", filepath, ".weights.h5");
  await ready();
  loadWeightsSync(model, filepath);
}
