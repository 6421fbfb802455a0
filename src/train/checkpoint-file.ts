/**
 * tapeflow's checkpoint file: ONE file, `<path>.ckpt`, so that replacing it is one atomic
 * rename (TensorFlow's own format, an index file and data shards, is not read or written):
 *
 *   bytes 0..7    magic "TFLOWCKP"
 *   bytes 8..11   format version (uint32, little-endian), 1
 *   bytes 12..15  byte length L of the JSON index (uint32 LE)
 *   bytes 16..19  CRC-32 of every byte after the header (uint32 LE)
 *   bytes 20..    the JSON index, L bytes: {entries: [{key, dtype, shape, offset, byteLength}]}
 *                 (string tensors keep their values in the entry)
 *   then          the values, each at an 8-byte aligned offset from the start of this section,
 *                 little-endian.
 *
 * Reading checks the magic, version, lengths and checksum before anything is decoded.
 */
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { crc32 } from "../io/safe-files.js";
import { type DType, isDType, type NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

const MAGIC = "TFLOWCKP";
const VERSION = 1;
const HEADER = 20;
export const CKPT_SUFFIX = ".ckpt";

interface Entry {
  key: string;
  dtype: DType;
  shape: number[];
  offset?: number;
  byteLength?: number;
  strings?: string[];
}

/** The bytes of a checkpoint holding these tensors by key. */
export function encodeCheckpoint(values: ReadonlyMap<string, Tensor>): Buffer {
  if (endianness() !== "LE")
    throw new Error("tf.train.Checkpoint: big-endian hosts are not supported");
  const chunks: Buffer[] = [];
  let size = 0;
  const entries: Entry[] = [];
  for (const [key, t] of values) {
    const data = t.dataSync();
    if (t.dtype === "string") {
      entries.push({ key, dtype: t.dtype, shape: [...t.shape], strings: data as string[] });
      continue;
    }
    const pad = (8 - (size % 8)) % 8;
    if (pad > 0) {
      chunks.push(Buffer.alloc(pad));
      size += pad;
    }
    const v = data as NumArray;
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    entries.push({ key, dtype: t.dtype, shape: [...t.shape], offset: size, byteLength: b.length });
    chunks.push(b);
    size += b.length;
  }
  let json = Buffer.from(JSON.stringify({ entries }), "utf8");
  // Pad the index with spaces so the data starts 8-byte aligned in the file.
  const jsonPad = (8 - ((HEADER + json.length) % 8)) % 8;
  if (jsonPad > 0) json = Buffer.concat([json, Buffer.alloc(jsonPad, 0x20)]);
  const body = Buffer.concat([json, ...chunks], json.length + size);
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(json.length, 12);
  header.writeUInt32LE(crc32(body), 16);
  return Buffer.concat([header, body]);
}

const CTORS: Record<
  Exclude<DType, "string">,
  { new (n: number): NumArray; BYTES_PER_ELEMENT: number }
> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
  complex64: Float32Array, // interleaved (re, im): two per element
  complex128: Float64Array,
};

/**
 * The tensors of the checkpoint file at `file`, by key; every problem (missing, truncated,
 * corrupt, foreign) is an InvalidArgumentError naming the file.
 */
export function decodeCheckpoint(file: string): Map<string, Tensor> {
  const bad = (what: string): Error =>
    new InvalidArgumentError(`tf.train.Checkpoint: ${file} is not a valid checkpoint: ${what}`);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new InvalidArgumentError(
      `tf.train.Checkpoint: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (buf.length < HEADER || buf.toString("latin1", 0, 8) !== MAGIC) {
    throw bad("it does not start with a tapeflow checkpoint header (a foreign or empty file)");
  }
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) {
    throw bad(
      `format version ${version} is not supported (this tapeflow reads version ${VERSION})`,
    );
  }
  const jsonLength = buf.readUInt32LE(12);
  if (HEADER + jsonLength > buf.length) throw bad(`the file is truncated (${buf.length} bytes)`);
  const body = buf.subarray(HEADER);
  if (crc32(body) !== buf.readUInt32LE(16)) {
    throw bad("its checksum does not match: the file is truncated or corrupt");
  }
  let index: unknown;
  try {
    index = JSON.parse(body.toString("utf8", 0, jsonLength));
  } catch (e) {
    throw bad(`its index is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const entries = (index as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw bad("its index has no entries");
  const data = body.subarray(jsonLength);
  const out = new Map<string, Tensor>();
  entries.forEach((raw: unknown, i) => {
    const e = raw as Partial<Entry> | null;
    if (e === null || typeof e !== "object" || typeof e.key !== "string")
      throw bad(`entry ${i} has no key`);
    const what = `entry '${e.key}'`;
    if (!isDType(e.dtype)) throw bad(`${what} has dtype ${JSON.stringify(e.dtype)}`);
    if (
      !Array.isArray(e.shape) ||
      !e.shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)
    ) {
      throw bad(`${what} has shape ${JSON.stringify(e.shape)}`);
    }
    const shape = e.shape;
    const size = sizeOf(shape);
    if (e.dtype === "string") {
      if (
        !Array.isArray(e.strings) ||
        e.strings.length !== size ||
        !e.strings.every((s) => typeof s === "string")
      ) {
        throw bad(`${what} does not hold ${size} strings`);
      }
      out.set(e.key, new Tensor(e.strings.slice(), shape, "string"));
      return;
    }
    const Ctor = CTORS[e.dtype];
    const slots = e.dtype === "complex64" || e.dtype === "complex128" ? 2 * size : size;
    const { offset, byteLength } = e;
    if (
      typeof offset !== "number" ||
      typeof byteLength !== "number" ||
      !Number.isInteger(offset) ||
      offset < 0 ||
      byteLength !== slots * Ctor.BYTES_PER_ELEMENT ||
      offset + byteLength > data.length
    ) {
      throw bad(
        `${what} (${e.dtype} [${shape}]) does not fit the data (${byteLength} bytes at ${offset})`,
      );
    }
    const values = new Ctor(slots);
    new Uint8Array(values.buffer).set(data.subarray(offset, offset + byteLength));
    out.set(e.key, new Tensor(values, shape, e.dtype));
  });
  return out;
}
