/**
 * `tf.savedModel.save(f, dir)` and `tf.savedModel.load(dir)`: traced graphs on disk, runnable
 * without the code that traced them.
 *
 * A directory holds two files:
 *   saved_model.json  the graphs: op names (the registry's TensorFlow names) and attrs, the
 *                     wiring in slots, each function's input signature and result structure,
 *                     and the variables (name, trainable) shared by the functions; and the
 *                     name, length and CRC-32 of the data file;
 *   tensors-<id>.bin  the values of the constants and variables, each at an 8-byte aligned
 *                     offset, little-endian (strings are in the JSON). Version 1 called it
 *                     tensors.bin and recorded no length or checksum; it is still read.
 * Loading finds each op in the registry by name and rebuilds the variables (one per saved
 * variable, shared by all the functions, as TensorFlow restores them).
 *
 * Saving is crash-safe: the data file gets a new name each time, and saved_model.json, which
 * names it, is replaced atomically (written to a temporary file, fsynced, renamed) only once the
 * data file is on the disk. Until that rename a reader sees the previous save, whole; after it,
 * the new one. Data files no longer named are removed afterwards.
 */
import { backend } from "../backend/index.js";
import { mkdirSync, readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { lookupOp } from "../engine/op.js";
import {
  crc32,
  freshId,
  fsyncDir,
  isTempOf,
  removeStale,
  writeFileAtomic,
} from "../io/safe-files.js";
import { type DType, isDType, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import {
  type AnyFunction,
  type ConcreteFunction,
  ConcreteImpl,
  concreteImplOf,
  makeConcreteFunction,
} from "./concrete.js";
import { decodeValue, encodeValue, type Json, UnserializableError } from "./encode.js";
import { functionImplOf } from "./function.js";
import { type ControlAttrs, Graph, type GraphNode, type GraphParts } from "./graph.js";
import { fuseElementwise } from "./fusion.js";
import {
  describeArgs,
  type LeafSpec,
  type Literal,
  type Structure,
  TensorSpec,
} from "./structure.js";

const FORMAT = "tapeflow.savedModel";
const VERSION = 2;
/** The versions this tapeflow reads. */
const READS_VERSIONS = [1, 2];
const JSON_FILE = "saved_model.json";
/** Version 1's data file. */
const BIN_FILE_V1 = "tensors.bin";
const BIN_FILE_PATTERN = /^tensors(-[0-9a-f]{12})?\.bin$/;

// ---------------------------------------------------------------------------------------------
// Loaded functions

export interface LoadedFunction<F extends AnyFunction = (...args: unknown[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  readonly name: string;
  /** The saved concrete functions; a call runs the first whose signature the arguments match. */
  readonly concreteFunctions: readonly ConcreteFunction<F>[];
  /** The restored variables, shared by the functions (assign to them and the functions see it). */
  readonly variables: readonly Variable[];
  readonly trainableVariables: readonly Variable[];
  prettyPrintedSignature(): string;
}

const loadedImpls = new WeakMap<object, readonly ConcreteImpl[]>();

function makeLoaded<F extends AnyFunction>(
  name: string,
  impls: readonly ConcreteImpl[],
  variables: readonly Variable[],
): LoadedFunction<F> {
  const f = function (...args: unknown[]): unknown {
    const reasons: string[] = [];
    for (const impl of impls) {
      const m = impl.match(args);
      if ("leaves" in m) return impl.runLeaves(m.leaves);
      reasons.push(m.reason);
    }
    const expected = impls.map((i) => `${i.name}${i.signature()}`).join(" or ");
    throw new TypeError(
      `${name}: the arguments ${describeArgs(args)} match no saved signature; expected ${expected}${impls.length === 1 ? ` (${reasons[0]})` : ""}`,
    );
  };
  Object.defineProperties(f, {
    name: { value: name },
    concreteFunctions: { value: impls.map((i) => makeConcreteFunction(i)), enumerable: true },
    variables: { value: variables, enumerable: true },
    trainableVariables: { value: variables.filter((v) => v.trainable), enumerable: true },
    prettyPrintedSignature: {
      value: () => impls.map((i) => i.prettyPrintedSignature()).join("\n"),
    },
  });
  loadedImpls.set(f, impls);
  return f as unknown as LoadedFunction<F>;
}

// ---------------------------------------------------------------------------------------------
// Save

/** Where a tensor's values are: in tensors.bin, or (strings) in the JSON. */
type TensorJson =
  | { dtype: DType; shape: number[]; offset: number; byteLength: number }
  | { dtype: "string"; shape: number[]; strings: string[] };

class TensorWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(t: Tensor): TensorJson {
    const shape = [...t.shape];
    if (t.dtype === "string")
      return { dtype: "string", shape, strings: [...(backend().read(t) as string[])] };
    const pad = (8 - (this.size % 8)) % 8;
    if (pad > 0) this.push(Buffer.alloc(pad));
    const v = backend().read(t) as NumArray;
    const offset = this.size;
    this.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return { dtype: t.dtype, shape, offset, byteLength: v.byteLength };
  }

  private push(b: Buffer): void {
    // Copied: the tensor's storage may be a view into a larger buffer.
    this.chunks.push(Buffer.from(b));
    this.size += b.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function saveError(fn: string, node: number, op: string, why: string): Error {
  return new TypeError(
    `tf.savedModel.save: cannot save op '${op}' (node ${node} of function '${fn}'): ${why}`,
  );
}

/**
 * `tf.savedModel.save(f, dir)`: writes every concrete function of a tf.function (those traced
 * so far; with an inputSignature and no trace yet, it traces one), a concrete function, or a
 * loaded function, with the variables they use, to the directory `dir`.
 */
export function save(f: unknown, dir: string): void {
  const { name, impls } = concretesOf(f);
  const variables: Variable[] = [];
  const variableIndex = new Map<Variable, number>();
  for (const impl of impls) {
    for (const v of impl.graph.allVariables()) {
      if (!variableIndex.has(v)) {
        variableIndex.set(v, variables.length);
        variables.push(v);
      }
    }
  }
  const writer = new TensorWriter();
  const functions = impls.map((impl) => ({
    name: impl.name,
    args: structureJson(impl.args),
    argSpecs: impl.argSpecs.map(leafSpecJson),
    outputs: structureJson(impl.outputs),
    outputSpecs: impl.outputSpecs.map(leafSpecJson),
    graph: graphJson(impl.graph, impl.name, writer, variableIndex),
  }));
  const variableJson = variables.map((v) => ({
    name: v.name,
    trainable: v.trainable,
    value: writer.add(v.value()),
  }));
  if (endianness() !== "LE")
    throw new Error("tf.savedModel.save: big-endian hosts are not supported");
  // Every tensor is in the writer now (functions and variables): the data file is complete.
  const bytes = writer.bytes();
  const binFile = `tensors-${freshId()}.bin`;
  const json = {
    format: FORMAT,
    version: VERSION,
    name,
    tensors: { file: binFile, byteLength: bytes.length, crc32: crc32(bytes) },
    variables: variableJson,
    functions,
  };
  mkdirSync(dir, { recursive: true });
  // The data first, under a name no reader uses yet; then the index that names it, atomically.
  writeFileAtomic(join(dir, binFile), bytes, { syncDir: false });
  writeFileAtomic(join(dir, JSON_FILE), JSON.stringify(json));
  removeStale(
    dir,
    (n) => BIN_FILE_PATTERN.test(n) || isTempOf(n, JSON_FILE) || n.startsWith(".tensors"),
    (n) => n === binFile,
  );
  fsyncDir(dir);
}

function concretesOf(f: unknown): { name: string; impls: readonly ConcreteImpl[] } {
  const concrete = concreteImplOf(f);
  if (concrete !== undefined) return { name: concrete.name, impls: [concrete] };
  const loaded = typeof f === "function" ? loadedImpls.get(f) : undefined;
  if (loaded !== undefined) return { name: (f as { name: string }).name, impls: loaded };
  const poly = functionImplOf(f);
  if (poly !== undefined) {
    let traced = poly.list();
    if (traced.length === 0 && poly.inputSignature !== null) traced = [poly.getConcrete([])];
    if (traced.length === 0) {
      throw new TypeError(
        `tf.savedModel.save: '${poly.name}' has not been traced yet; call it (or getConcreteFunction) first, or give tf.function an inputSignature`,
      );
    }
    return { name: poly.name, impls: traced.map((t) => t.impl) };
  }
  throw new TypeError(
    `tf.savedModel.save: expected a tf.function, a concrete function or a loaded function, got ${typeof f}`,
  );
}

function structureJson(s: Structure): Json {
  switch (s.kind) {
    case "leaf":
      return { leaf: s.index };
    case "literal":
      return { literal: encodeValue(s.value, "") };
    case "array":
      return { array: s.items.map(structureJson) };
    case "object":
      return { object: s.entries.map(([k, v]) => [k, structureJson(v)]) };
  }
}

function leafSpecJson(l: LeafSpec): Json {
  return { kind: l.kind, shape: l.spec.shape.map((d) => d), dtype: l.spec.dtype };
}

function graphJson(
  g: Graph,
  fn: string,
  writer: TensorWriter,
  variableIndex: ReadonlyMap<Variable, number>,
): Json {
  // A fused node is saved as the op nodes it fuses (a load fuses them again).
  const flat = g.nodes.flatMap((node): GraphNode[] =>
    node.kind === "fused" ? [...node.nodes] : [node],
  );
  const nodes = flat.map((node, i): Json => {
    switch (node.kind) {
      case "op": {
        const registered = lookupOp(node.op.name);
        if (registered !== node.op) {
          throw saveError(
            fn,
            i,
            node.op.name,
            "it is not in the op registry, so a loaded graph could not find it",
          );
        }
        let attrs: Json;
        try {
          attrs = encodeValue(node.attrs, "attrs");
        } catch (e) {
          if (!(e instanceof UnserializableError)) throw e;
          throw saveError(
            fn,
            i,
            node.op.name,
            `its attribute ${e.path.replace(/^attrs\.?/, "") || "(attrs)"} is ${e.what}; only numbers, strings, booleans, null and arrays or plain objects of them can be saved`,
          );
        }
        return {
          kind: "op",
          op: node.op.name,
          attrs,
          inputs: [...node.inputs],
          outputs: [...node.outputs],
          ...(node.paused ? { paused: true } : {}),
        };
      }
      case "read":
        return { kind: "read", variable: node.variable, output: node.output };
      case "assign":
        return { kind: "assign", variable: node.variable, value: node.value };
      case "custom": {
        if (!(node.gradient instanceof Graph)) {
          throw saveError(
            fn,
            i,
            node.name,
            `its gradient could not be traced (${node.gradient.message})`,
          );
        }
        return {
          kind: "custom",
          name: node.name,
          inputs: [...node.inputs],
          outputs: [...node.outputs],
          outer: [...node.outer],
          gradient: graphJson(node.gradient, `${fn}/${node.name}`, writer, variableIndex),
        };
      }
      case "control":
        return {
          kind: "control",
          op: node.op,
          inputs: [...node.inputs],
          outputs: [...node.outputs],
          outer: node.outer.map((o) => [...o]),
          attrs: encodeValue(node.attrs, "attrs"),
          graphs: node.graphs.map((g, k) =>
            graphJson(g, `${fn}/${node.op}${i}.${k}`, writer, variableIndex),
          ),
          ...(node.paused ? { paused: true } : {}),
        };
      case "fused":
        throw new Error("unreachable: fused nodes are saved as their op nodes");
    }
  });
  return {
    numSlots: g.numSlots,
    inputs: [...g.inputs],
    outer: [...g.outer],
    constants: g.constants.map((c) => ({ slot: c.slot, value: writer.add(c.tensor) })),
    variables: g.variables.map((v) => ({
      slot: v.slot,
      index: variableIndex.get(v.variable) as number,
    })),
    nodes,
    outputs: [...g.outputs],
  };
}

// ---------------------------------------------------------------------------------------------
// Load

/** Reading a JSON file we did not necessarily write: every access is checked. */
function bad(dir: string, what: string): Error {
  return new InvalidArgumentError(
    `tf.savedModel.load: ${dir} is not a valid saved function: ${what} (in ${join(dir, JSON_FILE)})`,
  );
}

type JsonObject = { [key: string]: Json };

function obj(j: Json | undefined, dir: string, what: string): JsonObject {
  if (j === null || j === undefined || typeof j !== "object" || Array.isArray(j))
    throw bad(dir, `${what} is not an object`);
  return j;
}

function arr(j: Json | undefined, dir: string, what: string): Json[] {
  if (!Array.isArray(j)) throw bad(dir, `${what} is not an array`);
  return j;
}

function int(j: Json | undefined, dir: string, what: string): number {
  if (typeof j !== "number" || !Number.isInteger(j) || j < 0)
    throw bad(dir, `${what} is not an index`);
  return j;
}

function ints(j: Json | undefined, dir: string, what: string): number[] {
  return arr(j, dir, what).map((x, i) => int(x, dir, `${what}[${i}]`));
}

function str(j: Json | undefined, dir: string, what: string): string {
  if (typeof j !== "string") throw bad(dir, `${what} is not a string`);
  return j;
}

/**
 * `tf.savedModel.load(dir)`: the saved function, callable with the signatures it was saved
 * with (give its type as `load<typeof f>(dir)`), running the saved graphs.
 */
export function load<F extends AnyFunction = (...args: unknown[]) => unknown>(
  dir: string,
): LoadedFunction<F> {
  if (typeof dir !== "string") {
    throw new TypeError(`tf.savedModel.load: dir must be a string path, got ${typeof dir}`);
  }
  if (endianness() !== "LE")
    throw new Error("tf.savedModel.load: big-endian hosts are not supported");
  const text = readOrThrow(join(dir, JSON_FILE)).toString("utf8");
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (e) {
    throw bad(
      dir,
      `it is not JSON, perhaps truncated or not a tapeflow file (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const root = obj(parsed, dir, "the file");
  if (root.format !== FORMAT)
    throw bad(dir, `format is ${JSON.stringify(root.format)}, not ${FORMAT}`);
  if (typeof root.version !== "number" || !READS_VERSIONS.includes(root.version)) {
    throw bad(
      dir,
      `version ${JSON.stringify(root.version)} is not supported (this tapeflow reads versions ${READS_VERSIONS.join(", ")})`,
    );
  }
  const bin = readTensorsFile(dir, root);
  const readTensor = (j: Json | undefined, what: string): Tensor => tensorFrom(j, bin, dir, what);
  const variables = arr(root.variables, dir, "variables").map((vj, i) => {
    const v = obj(vj, dir, `variables[${i}]`);
    const name = str(v.name, dir, `variables[${i}].name`).replace(/:0$/, "");
    return new Variable(readTensor(v.value, `variables[${i}].value`), {
      name,
      trainable: v.trainable !== false,
    });
  });
  const impls = arr(root.functions, dir, "functions").map((fj, i) => {
    const f = obj(fj, dir, `functions[${i}]`);
    const fname = str(f.name, dir, `functions[${i}].name`);
    const what = `functions[${i}]`;
    const args = structureFrom(f.args, dir, `${what}.args`);
    const outputs = structureFrom(f.outputs, dir, `${what}.outputs`);
    const graph = graphFrom(f.graph, dir, `${what}.graph`, variables, readTensor);
    return new ConcreteImpl(
      fname,
      graph,
      args,
      arr(f.argSpecs, dir, `${what}.argSpecs`).map((s, k) =>
        leafSpecFrom(s, dir, `${what}.argSpecs[${k}]`),
      ),
      outputs,
      arr(f.outputSpecs, dir, `${what}.outputSpecs`).map((s, k) =>
        leafSpecFrom(s, dir, `${what}.outputSpecs[${k}]`),
      ),
    );
  });
  if (impls.length === 0) throw bad(dir, "it holds no function");
  const name = typeof root.name === "string" ? root.name : impls[0].name;
  return makeLoaded<F>(name, impls, variables);
}

function readOrThrow(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InvalidArgumentError(
      `tf.savedModel.load: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The data file the index names, checked against the length and CRC-32 the index records. */
function readTensorsFile(dir: string, root: JsonObject): Buffer {
  if (root.version === 1) return readOrThrow(join(dir, BIN_FILE_V1));
  const t = obj(root.tensors, dir, "tensors");
  const file = str(t.file, dir, "tensors.file");
  if (!BIN_FILE_PATTERN.test(file))
    throw bad(dir, `tensors.file ${JSON.stringify(file)} is not a data file name`);
  const byteLength = int(t.byteLength, dir, "tensors.byteLength");
  const sum = int(t.crc32, dir, "tensors.crc32");
  const path = join(dir, file);
  const bin = readOrThrow(path);
  if (bin.length !== byteLength) {
    throw new InvalidArgumentError(
      `tf.savedModel.load: ${path} has ${bin.length} bytes where ${JSON_FILE} says ${byteLength}: the file is truncated or was replaced`,
    );
  }
  if (crc32(bin) !== sum) {
    throw new InvalidArgumentError(
      `tf.savedModel.load: ${path} is corrupt: its CRC-32 is ${crc32(bin)}, ${JSON_FILE} says ${sum}`,
    );
  }
  return bin;
}

function tensorFrom(j: Json | undefined, bin: Buffer, dir: string, what: string): Tensor {
  const t = obj(j, dir, what);
  const dtype = t.dtype;
  if (!isDType(dtype)) throw bad(dir, `${what}.dtype ${JSON.stringify(dtype)} is not a dtype`);
  const shape = ints(t.shape, dir, `${what}.shape`);
  const size = sizeOf(shape);
  if (dtype === "string") {
    const strings = arr(t.strings, dir, `${what}.strings`).map((s, i) =>
      str(s, dir, `${what}.strings[${i}]`),
    );
    if (strings.length !== size)
      throw bad(dir, `${what} has ${strings.length} strings for shape [${shape}]`);
    return new Tensor(strings, shape, dtype);
  }
  const offset = int(t.offset, dir, `${what}.offset`);
  const byteLength = int(t.byteLength, dir, `${what}.byteLength`);
  const Ctor = {
    float32: Float32Array,
    float64: Float64Array,
    int32: Int32Array,
    bool: Uint8Array,
    complex64: Float32Array, // interleaved (re, im): two per element
    complex128: Float64Array,
  }[dtype];
  const slots = dtype === "complex64" || dtype === "complex128" ? 2 * size : size;
  if (byteLength !== slots * Ctor.BYTES_PER_ELEMENT || offset + byteLength > bin.length) {
    throw bad(
      dir,
      `${what} does not fit the data file (${byteLength} bytes at ${offset}, shape [${shape}] ${dtype})`,
    );
  }
  // Copied into a buffer of its own: properly aligned, and not shared with the file's.
  const bytes = new Uint8Array(byteLength);
  bytes.set(bin.subarray(offset, offset + byteLength));
  return new Tensor(new Ctor(bytes.buffer), shape, dtype);
}

function structureFrom(j: Json | undefined, dir: string, what: string): Structure {
  const s = obj(j, dir, what);
  if ("leaf" in s) return { kind: "leaf", index: int(s.leaf, dir, `${what}.leaf`) };
  if ("literal" in s) return { kind: "literal", value: decodeValue(s.literal) as Literal };
  if ("array" in s) {
    return {
      kind: "array",
      items: arr(s.array, dir, what).map((x, i) => structureFrom(x, dir, `${what}[${i}]`)),
    };
  }
  if ("object" in s) {
    const entries = arr(s.object, dir, what).map((e, i) => {
      const pair = arr(e, dir, `${what}.object[${i}]`);
      return [
        str(pair[0], dir, `${what}.object[${i}][0]`),
        structureFrom(pair[1], dir, `${what}.${String(pair[0])}`),
      ] as const;
    });
    return { kind: "object", entries };
  }
  throw bad(dir, `${what} is not a structure`);
}

function leafSpecFrom(j: Json, dir: string, what: string): LeafSpec {
  const s = obj(j, dir, what);
  const dtype = s.dtype;
  if (!isDType(dtype)) throw bad(dir, `${what}.dtype is not a dtype`);
  const kind = s.kind === "variable" ? "variable" : "tensor";
  return { kind, spec: new TensorSpec(ints(s.shape, dir, `${what}.shape`), dtype) };
}

function controlAttrsFrom(x: unknown, dir: string, what: string): ControlAttrs {
  const a = x as Partial<Record<keyof ControlAttrs, unknown>>;
  const count = (v: unknown, w: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      throw bad(dir, `${what}.${w} is not a count`);
    return v;
  };
  const max = a.maximumIterations ?? null;
  const shapes = a.accShapes ?? [];
  const dtypes = a.accDtypes ?? [];
  if (
    !Array.isArray(shapes) ||
    !shapes.every(
      (s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && (d as number) >= 0),
    ) ||
    !Array.isArray(dtypes) ||
    !dtypes.every((d) => isDType(d)) ||
    shapes.length !== dtypes.length
  ) {
    throw bad(dir, `${what}: accShapes and accDtypes do not describe tensors`);
  }
  return {
    maximumIterations: max === null ? null : count(max, "maximumIterations"),
    hasCond: a.hasCond === true,
    sliced: count(a.sliced ?? 0, "sliced"),
    accumulate: count(a.accumulate ?? 0, "accumulate"),
    accShapes: shapes as number[][],
    accDtypes: dtypes as string[],
  };
}

function graphFrom(
  j: Json | undefined,
  dir: string,
  what: string,
  variables: readonly Variable[],
  readTensor: (j: Json | undefined, what: string) => Tensor,
): Graph {
  const g = obj(j, dir, what);
  const numSlots = int(g.numSlots, dir, `${what}.numSlots`);
  const slot = (x: Json | undefined, w: string): number => {
    const s = int(x, dir, w);
    if (s >= numSlots) throw bad(dir, `${w} = ${s} is not a slot (the graph has ${numSlots})`);
    return s;
  };
  const slots = (x: Json | undefined, w: string): number[] =>
    arr(x, dir, w).map((s, i) => slot(s, `${w}[${i}]`));
  const nodes = arr(g.nodes, dir, `${what}.nodes`).map((nj, i): GraphNode => {
    const w = `${what}.nodes[${i}]`;
    const n = obj(nj, dir, w);
    switch (n.kind) {
      case "op": {
        const name = str(n.op, dir, `${w}.op`);
        const op = lookupOp(name);
        if (op === undefined) {
          throw bad(dir, `${w} runs op '${name}', which this tapeflow does not have`);
        }
        return {
          kind: "op",
          op,
          attrs: decodeValue(n.attrs ?? {}),
          inputs: slots(n.inputs, `${w}.inputs`),
          outputs: slots(n.outputs, `${w}.outputs`),
          paused: n.paused === true,
        };
      }
      case "read":
        return {
          kind: "read",
          variable: slot(n.variable, `${w}.variable`),
          output: slot(n.output, `${w}.output`),
        };
      case "assign":
        return {
          kind: "assign",
          variable: slot(n.variable, `${w}.variable`),
          value: slot(n.value, `${w}.value`),
        };
      case "custom":
        return {
          kind: "custom",
          name: str(n.name, dir, `${w}.name`),
          inputs: slots(n.inputs, `${w}.inputs`),
          outputs: slots(n.outputs, `${w}.outputs`),
          outer: slots(n.outer, `${w}.outer`),
          gradient: graphFrom(n.gradient, dir, `${w}.gradient`, variables, readTensor),
        };
      case "control": {
        const op = n.op;
        if (op !== "If" && op !== "Case" && op !== "While")
          throw bad(dir, `${w}.op ${JSON.stringify(op)} is not If, Case or While`);
        const graphs = arr(n.graphs, dir, `${w}.graphs`).map((gj, k) =>
          graphFrom(gj, dir, `${w}.graphs[${k}]`, variables, readTensor),
        );
        const outer = arr(n.outer, dir, `${w}.outer`).map((o, k) => slots(o, `${w}.outer[${k}]`));
        if (outer.length !== graphs.length)
          throw bad(dir, `${w} has ${graphs.length} graphs and ${outer.length} outer lists`);
        return {
          kind: "control",
          op,
          graphs,
          outer,
          inputs: slots(n.inputs, `${w}.inputs`),
          outputs: slots(n.outputs, `${w}.outputs`),
          attrs: controlAttrsFrom(decodeValue(n.attrs ?? {}), dir, `${w}.attrs`),
          paused: n.paused === true,
        };
      }
      default:
        throw bad(dir, `${w} has unknown kind ${JSON.stringify(n.kind)}`);
    }
  });
  const outputs = arr(g.outputs, dir, `${what}.outputs`).map((s, i) =>
    s === null ? null : slot(s, `${what}.outputs[${i}]`),
  );
  const parts: GraphParts = {
    numSlots,
    inputs: slots(g.inputs, `${what}.inputs`),
    outer: slots(g.outer, `${what}.outer`),
    constants: arr(g.constants, dir, `${what}.constants`).map((cj, i) => {
      const c = obj(cj, dir, `${what}.constants[${i}]`);
      return {
        slot: slot(c.slot, `${what}.constants[${i}].slot`),
        tensor: readTensor(c.value, `${what}.constants[${i}].value`),
      };
    }),
    variables: arr(g.variables, dir, `${what}.variables`).map((vj, i) => {
      const v = obj(vj, dir, `${what}.variables[${i}]`);
      const index = int(v.index, dir, `${what}.variables[${i}].index`);
      if (index >= variables.length)
        throw bad(dir, `${what}.variables[${i}] names variable ${index} of ${variables.length}`);
      return { slot: slot(v.slot, `${what}.variables[${i}].slot`), variable: variables[index] };
    }),
    nodes,
    outputs,
  };
  return new Graph(fuseElementwise(parts));
}
