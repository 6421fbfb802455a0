/**
 * `.keras` files: Keras 3's zip of `metadata.json`, `config.json` (the model serialized as
 * serialization_lib writes it) and `model.weights.h5` (the weights file of weights.ts), for
 * Sequential and functional models made of registered layers.
 *
 * `saveModel` writes a temporary file and renames it into place. `loadModel` checks the zip,
 * parses the config, rebuilds the model and reads every weight before it returns the model, so
 * a bad file gives an error and no model.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { describeValue } from "../../tensor/describe-value.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { InputLayer, Input } from "../input-layer.js";
import { KerasTensor } from "../keras-tensor.js";
import type { BuildShape, Layer, LayerInputs, LayerOutputs } from "../layer.js";
import { Model } from "../model.js";
import { Sequential } from "../sequential.js";
import { type H5Lib, h5Sync, hdf5Reason, openForReading, ready } from "./h5.js";
import {
  type Config,
  type Serialized,
  deserializeLayer,
  isSerialized,
  serializeLayer,
} from "./serialize.js";
import { saveableNodes } from "./walk.js";
import { readNodes, writeAtomically, writeWeightsFile } from "./weights.js";

type AnyLayer = Layer<LayerInputs, LayerOutputs>;

const CONFIG = "config.json";
const METADATA = "metadata.json";
const WEIGHTS = "model.weights.h5";
/** The Keras release whose file layout this writes (vars groups named with a `name` attribute). */
const KERAS_VERSION = "3.6.0";

function dtypePolicy(name: string): Serialized {
  return { module: "keras", class_name: "DTypePolicy", config: { name }, registered_name: null };
}

/** The functional graph of a functional Model (protected there; read for serialization). */
interface GraphView {
  readonly inputs: readonly KerasTensor[];
  readonly outputs: readonly KerasTensor[];
  readonly nodes: readonly {
    readonly layer: AnyLayer;
    readonly inputs: KerasTensor | Tensor | readonly (KerasTensor | Tensor)[];
    readonly outputs: KerasTensor | readonly KerasTensor[];
  }[];
  readonly layers: readonly AnyLayer[];
}

function functionalGraph(model: Model): GraphView | null {
  return (model as unknown as { graph: GraphView | null }).graph;
}

/** The Sequential's input shape with the batch, if known (from an Input or a first call). */
function sequentialInput(model: Sequential): KerasTensor | null {
  try {
    return model.inputs[0] ?? null;
  } catch {
    return null;
  }
}

/** Keras 3's config for a model: Sequential or Functional. */
export function serializeModel(model: AnyLayer, where = "serializeModel"): Serialized {
  if (typeof model !== "object" || model === null) {
    throw new TypeError(`${where}: expected a model, got ${describeValue(model)}`);
  }
  if (model instanceof Sequential) {
    const input = sequentialInput(model);
    const layers: Serialized[] = [];
    if (input !== null && input.node?.layer instanceof InputLayer) {
      layers.push(serializeLayer(input.node.layer));
    }
    for (const l of model.layers) layers.push(serializeLayer(l));
    const config: Config = {
      name: model.name,
      trainable: model.trainable,
      dtype: dtypePolicy(model.dtype),
      layers,
    };
    const out: Serialized = {
      module: "keras",
      class_name: "Sequential",
      config,
      registered_name: null,
    };
    if (input !== null) {
      config.build_input_shape = [...input.shape];
      out.build_config = { input_shape: [...input.shape] };
    }
    return out;
  }
  const graph = model instanceof Model ? functionalGraph(model) : null;
  if (graph === null) {
    throw new InvalidArgumentError(
      `${where}: only Sequential and functional models can be saved as .keras by tapeflow; '${model.name}' is a ${model.constructor.name} (save its weights with saveWeights instead)`,
    );
  }
  // keras_history [layer name, node index among the layer's calls, output index].
  const history = new Map<KerasTensor, [string, number, number]>();
  const callsOf = new Map<AnyLayer, number>();
  const inbound = new Map<AnyLayer, unknown[]>();
  const tensorConfig = (t: KerasTensor | Tensor): unknown => {
    const h = history.get(t as KerasTensor);
    if (!(t instanceof KerasTensor) || h === undefined) {
      throw new InvalidArgumentError(
        `${where}: model '${model.name}' feeds a constant tensor to a layer, which a .keras config cannot hold`,
      );
    }
    return {
      class_name: "__keras_tensor__",
      config: { shape: [...t.shape], dtype: t.dtype, keras_history: h },
    };
  };
  for (const node of graph.nodes) {
    const k = callsOf.get(node.layer) ?? 0;
    callsOf.set(node.layer, k + 1);
    const outs = Array.isArray(node.outputs) ? node.outputs : [node.outputs];
    outs.forEach((t, i) => history.set(t as KerasTensor, [node.layer.name, k, i]));
    if (node.layer instanceof InputLayer) continue;
    const args = Array.isArray(node.inputs)
      ? [(node.inputs as readonly (KerasTensor | Tensor)[]).map(tensorConfig)]
      : [tensorConfig(node.inputs as KerasTensor | Tensor)];
    const list = inbound.get(node.layer) ?? [];
    list.push({ args, kwargs: {} });
    inbound.set(node.layer, list);
  }
  const layers = graph.layers.map((l) => ({
    ...serializeLayer(l),
    name: l.name,
    inbound_nodes: inbound.get(l) ?? [],
  }));
  const ref = (t: KerasTensor) => history.get(t) as [string, number, number];
  const ends = (ts: readonly KerasTensor[]) => (ts.length === 1 ? ref(ts[0]) : ts.map(ref));
  return {
    module: "keras.src.models.functional",
    class_name: "Functional",
    config: {
      name: model.name,
      trainable: model.trainable,
      layers,
      input_layers: ends(graph.inputs),
      output_layers: ends(graph.outputs),
    },
    registered_name: "Functional",
  };
}

function inputFromConfig(config: Config): KerasTensor {
  const shape = (config.batch_shape ?? config.batch_input_shape) as (number | null)[] | undefined;
  if (!Array.isArray(shape)) {
    throw new InvalidArgumentError(
      `loadModel: InputLayer config without batch_shape: ${JSON.stringify(config)}`,
    );
  }
  const dtype =
    typeof config.dtype === "string"
      ? config.dtype
      : isSerialized(config.dtype)
        ? (config.dtype.config.name as string)
        : "float32";
  return Input({
    batchShape: shape,
    dtype: dtype as "float32",
    name: config.name as string | undefined,
  });
}

/** A model back from its Keras config (Sequential or Functional). */
export function deserializeModel(s: unknown, where: string): AnyLayer {
  if (!isSerialized(s))
    throw new InvalidArgumentError(`${where}: config.json does not hold a serialized model`);
  const config = s.config;
  if (s.class_name === "Sequential") {
    const items = config.layers;
    if (!Array.isArray(items))
      throw new InvalidArgumentError(`${where}: Sequential config without layers`);
    const stack: (AnyLayer | KerasTensor)[] = [];
    for (const item of items) {
      if (isSerialized(item) && item.class_name === "InputLayer")
        stack.push(inputFromConfig(item.config));
      else stack.push(deserializeLayer(item, where));
    }
    const model = new Sequential(stack, { name: config.name as string | undefined });
    const shape = config.build_input_shape ?? s.build_config?.input_shape;
    if (!(stack[0] instanceof KerasTensor) && Array.isArray(shape))
      model.build(shape as BuildShape);
    return model;
  }
  if (s.class_name === "Functional" || s.class_name === "Model") {
    return functionalFromConfig(config, where);
  }
  throw new InvalidArgumentError(
    `${where}: cannot rebuild a model of class '${s.class_name}' (tapeflow loads Sequential and Functional models)`,
  );
}

function functionalFromConfig(config: Config, where: string): AnyLayer {
  const items = config.layers;
  if (!Array.isArray(items))
    throw new InvalidArgumentError(`${where}: Functional config without layers`);
  const created = new Map<string, AnyLayer>();
  const outputs = new Map<string, KerasTensor[][]>();
  type Pending = { name: string; layer: AnyLayer; args: unknown[] };
  let pending: Pending[] = [];
  for (const item of items as Serialized[]) {
    const name = (item.name ?? item.config?.name) as string;
    if (isSerialized(item) && item.class_name === "InputLayer") {
      const t = inputFromConfig(item.config);
      outputs.set(name, [[t]]);
      continue;
    }
    const layer = deserializeLayer(item, where);
    created.set(name, layer);
    for (const node of (item.inbound_nodes as { args: unknown[] }[] | undefined) ?? []) {
      pending.push({ name, layer, args: node.args });
    }
  }
  const resolveTensor = (x: unknown): KerasTensor | null => {
    const h = (x as { config?: { keras_history?: [string, number, number] } }).config
      ?.keras_history;
    if (!Array.isArray(h))
      throw new InvalidArgumentError(`${where}: bad inbound node argument ${JSON.stringify(x)}`);
    return outputs.get(h[0])?.[h[1]]?.[h[2]] ?? null;
  };
  // Keras's queue: a node runs once every tensor it reads exists; stop when no node can run.
  while (pending.length > 0) {
    const next: Pending[] = [];
    for (const p of pending) {
      const arg = p.args[0];
      const list = Array.isArray(arg) ? arg.map(resolveTensor) : [resolveTensor(arg)];
      if (list.some((t) => t === null)) {
        next.push(p);
        continue;
      }
      const ins = Array.isArray(arg) ? (list as KerasTensor[]) : (list[0] as KerasTensor);
      const out = p.layer.apply(ins as never) as unknown;
      const outs = (Array.isArray(out) ? out : [out]) as KerasTensor[];
      const calls = outputs.get(p.name) ?? [];
      calls.push(outs);
      outputs.set(p.name, calls);
    }
    if (next.length === pending.length) {
      throw new InvalidArgumentError(
        `${where}: the functional config cannot be rebuilt: layers ${next.map((p) => `'${p.name}'`).join(", ")} read tensors no layer makes`,
      );
    }
    pending = next;
  }
  const ends = (spec: unknown): KerasTensor | KerasTensor[] => {
    const one = (h: unknown) => {
      const [n, k, i] = h as [string, number, number];
      const t = outputs.get(n)?.[k]?.[i];
      if (t === undefined)
        throw new InvalidArgumentError(`${where}: unknown model input/output ${JSON.stringify(h)}`);
      return t;
    };
    return Array.isArray(spec) && typeof spec[0] === "string"
      ? one(spec)
      : (spec as unknown[]).map(one);
  };
  return new Model({
    inputs: ends(config.input_layers),
    outputs: ends(config.output_layers),
    name: config.name as string | undefined,
  });
}

function checkKerasPath(where: string, filepath: unknown): string {
  if (typeof filepath !== "string" || filepath === "") {
    throw new TypeError(
      `${where}: the file path must be a non-empty string, got ${String(filepath)}`,
    );
  }
  if (!filepath.endsWith(".keras")) {
    const hint = filepath.endsWith(".weights.h5")
      ? " (use saveWeights/loadWeights for .weights.h5 files)"
      : filepath.endsWith(".h5")
        ? " (the legacy Keras 2 HDF5 model format is not supported)"
        : "";
    throw new InvalidArgumentError(
      `${where}: the filename must end in \`.keras\`. Received: filepath=${filepath}${hint}`,
    );
  }
  return resolve(filepath);
}

/** The .keras archive's bytes for `model`. */
function kerasArchive(h5: H5Lib, model: AnyLayer, where: string): Uint8Array {
  const config = serializeModel(model, where);
  const now = new Date().toISOString();
  const metadata = {
    keras_version: KERAS_VERSION,
    date_saved: `${now.slice(0, 10)}@${now.slice(11, 19)}`,
    saved_by: "tapeflow",
  };
  const dir = mkdtempSync(join(tmpdir(), "tapeflow-keras-"));
  try {
    const weightsPath = join(dir, WEIGHTS);
    writeWeightsFile(h5, model, weightsPath, where);
    return zipSync(
      {
        [METADATA]: strToU8(JSON.stringify(metadata)),
        [CONFIG]: strToU8(JSON.stringify(config)),
        [WEIGHTS]: new Uint8Array(readFileSync(weightsPath)),
      },
      { level: 0 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `tf.keras.saving.saveModelSync(model, "m.keras")`: after `await tf.keras.saving.ready()`. */
export function saveModelSync(model: AnyLayer, filepath: string): void {
  const where = "saveModel";
  const path = checkKerasPath(where, filepath);
  if (!model.built) {
    throw new InvalidArgumentError(`${where}: the model '${model.name}' has not been built yet`);
  }
  const bytes = kerasArchive(h5Sync(`${where}Sync`), model, where);
  writeAtomically(path, (tmp) => writeFileSync(tmp, bytes));
}

/** `tf.keras.models.loadModelSync("m.keras")`: after `await tf.keras.saving.ready()`. */
export function loadModelSync(filepath: string): AnyLayer {
  const where = "loadModel";
  const path = checkKerasPath(where, filepath);
  const h5 = h5Sync(`${where}Sync`);
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new InvalidArgumentError(`${where}: no such file: '${filepath}'`);
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InvalidArgumentError(
      `${where}: '${filepath}' is not a .keras file (not a zip archive)`,
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new InvalidArgumentError(
      `${where}: '${filepath}' is a truncated or corrupt zip archive (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  for (const name of [CONFIG, WEIGHTS]) {
    if (!(name in entries)) {
      throw new InvalidArgumentError(
        `${where}: '${filepath}' has no ${name}; it is not a Keras 3 model file`,
      );
    }
  }
  let config: unknown;
  try {
    config = JSON.parse(strFromU8(entries[CONFIG]));
  } catch (e) {
    throw new InvalidArgumentError(
      `${where}: '${filepath}': config.json is not valid JSON (${String(e)})`,
    );
  }
  const model = deserializeModel(config, where);
  const dir = mkdtempSync(join(tmpdir(), "tapeflow-keras-"));
  try {
    const weightsPath = join(dir, WEIGHTS);
    writeFileSync(weightsPath, entries[WEIGHTS]);
    const file = openForReading(h5, weightsPath, where);
    let assigns: (() => void)[];
    try {
      assigns = readNodes(file, saveableNodes(model), `${filepath}/${WEIGHTS}`, where);
    } catch (e) {
      if (e instanceof InvalidArgumentError || e instanceof TypeError) throw e;
      throw new InvalidArgumentError(
        `${where}: cannot read '${filepath}/${WEIGHTS}' (${hdf5Reason(e)})`,
      );
    } finally {
      file.close();
    }
    for (const assign of assigns) assign();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return model;
}

/** `await tf.keras.saving.saveModel(model, "m.keras")` (what `model.save` does). */
export async function saveModel(model: AnyLayer, filepath: string): Promise<void> {
  checkKerasPath("saveModel", filepath);
  await ready();
  saveModelSync(model, filepath);
}

/** `await tf.keras.models.loadModel("m.keras")`: the model with its weights. */
export async function loadModel(filepath: string): Promise<AnyLayer> {
  checkKerasPath("loadModel", filepath);
  await ready();
  return loadModelSync(filepath);
}
