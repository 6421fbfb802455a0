/**
 * The IDX file format of the MNIST distribution (yann.lecun.com/exdb/mnist): a 4-byte magic
 * number (two zero bytes, the element type, the number of dimensions), each dimension as a
 * big-endian uint32, then the elements in row-major order. Only unsigned bytes (type 0x08), the
 * type MNIST uses, are read.
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../tensor/errors.js";

export interface IdxArray {
  readonly shape: number[];
  readonly data: Uint8Array;
}

/** Parses IDX bytes; `label` names the source in errors. */
export function parseIdx(bytes: Uint8Array, label: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InvalidArgumentError(`readIdx: '${label}' is not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== 0x08) {
    throw new InvalidArgumentError(
      `readIdx: '${label}' holds IDX element type 0x${bytes[2].toString(16)}; only unsigned bytes (0x08) are supported`,
    );
  }
  const ndims = bytes[3];
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new InvalidArgumentError(`readIdx: '${label}' is truncated (header of ${header} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new InvalidArgumentError(
      `readIdx: '${label}' has ${bytes.length - header} data bytes, but its header says [${shape.join(", ")}] (${size}): the file is truncated or corrupt`,
    );
  }
  return { shape, data: bytes.subarray(header) };
}

/** Reads an IDX file. */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new InvalidArgumentError(`readIdx: no such file: '${path}'`);
  }
  return parseIdx(bytes, path);
}
