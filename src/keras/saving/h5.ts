/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly; its Node build reads and writes the real
 * file system). The library takes about a second to instantiate, so it is loaded on first use
 * and not when tapeflow is imported: the async savers load it themselves, and `ready()` loads
 * it for the synchronous ones. After loading, HDF5's errors are thrown as JS exceptions instead
 * of printed to stderr.
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { InvalidArgumentError } from "../../tensor/errors.js";

// The part of h5wasm's API used here, typed structurally, so that tapeflow's declarations do
// not pull h5wasm's (and Emscripten's) typings into a user's compilation.

/** An HDF5 object: `type` is "Group", "Dataset", or a link or other class. */
export interface H5Entity {
  readonly type: string;
}

export interface H5Group extends H5Entity {
  keys(): string[];
  paths(): string[];
  get(name: string): H5Entity | null;
  create_group(name: string): H5Group;
  create_dataset(args: {
    name: string;
    data: Float32Array | Float64Array | Int32Array | Uint8Array;
    shape: number[];
    dtype: string;
  }): unknown;
  create_attribute(name: string, data: string): void;
}

export interface H5File extends H5Group {
  close(): unknown;
}

export interface H5Dataset extends H5Entity {
  /** h5wasm's type class (0 integer, 1 float, 3 string, 8 enum, ...) and element size. */
  readonly metadata: { readonly type: number; readonly size: number };
  readonly shape: number[] | null;
  readonly value: unknown;
}

/** The loaded library: its File class. */
export interface H5Lib {
  readonly File: new (path: string, mode: "r" | "w") => H5File;
}

interface H5Module {
  readonly default: H5Lib & {
    readonly ready: Promise<{ activate_throwing_error_handler(): number }>;
  };
}

let lib: H5Lib | null = null;
let loading: Promise<H5Lib> | null = null;

/** The HDF5 library, loaded once (see ready()). */
export function loadH5(): Promise<H5Lib> {
  if (lib !== null) return Promise.resolve(lib);
  loading ??= (async () => {
    const mod = ((await import("h5wasm/node")) as unknown as H5Module).default;
    const module = await mod.ready;
    module.activate_throwing_error_handler();
    lib = mod;
    return mod;
  })();
  return loading;
}

/**
 * `tf.keras.saving.ready()`: loads the HDF5 library (once). The synchronous functions
 * (saveWeightsSync, loadWeightsSync, ModelCheckpoint inside fit, ...) need it to have
 * resolved; the async ones await it themselves.
 */
export async function ready(): Promise<void> {
  await loadH5();
}

/** Whether ready() has resolved (the synchronous savers can run). */
export function h5Loaded(): boolean {
  return lib !== null;
}

/** The loaded library, or a clear error naming the call that needed it. */
export function h5Sync(where: string): H5Lib {
  if (lib === null) {
    throw new Error(
      `${where}: the HDF5 library is not loaded yet; \`await tf.keras.saving.ready()\` once before the synchronous calls (or use the async ${where.replace(/Sync$/, "")})`,
    );
  }
  return lib;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Whether the file holds HDF5's format signature where the format puts it: at byte 0, 512,
 * 1024, 2048, ... (a user block may precede the superblock).
 */
export function hasHdf5Signature(path: string): boolean {
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, buf, 0, 8, at) === 8 && SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The first line of an HDF5 error stack that says what went wrong, for our messages. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const minors = [...text.matchAll(/minor: (.*)/g)].map((m) => m[1].trim());
  const lines = [...text.matchAll(/#\d+: .* in (\w+\(\)): (.*)/g)].map((m) => `${m[1]}: ${m[2]}`);
  const detail = lines.length > 0 ? lines[lines.length - 1] : text.split("\n")[0];
  return minors.length > 0 ? `${detail} (${minors[minors.length - 1]})` : detail;
}

/**
 * Opens an HDF5 file for reading, with errors that say what is wrong with it: missing, not
 * HDF5 at all (a foreign file), or HDF5 that the library cannot open (truncated, corrupt).
 */
export function openForReading(h5: H5Lib, path: string, where: string): H5File {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new InvalidArgumentError(`${where}: no such file: '${path}'`);
  }
  if (size === 0 || !hasHdf5Signature(path)) {
    throw new InvalidArgumentError(
      `${where}: '${path}' is not an HDF5 file (no HDF5 signature in its ${size} bytes); expected a Keras weights file (.weights.h5)`,
    );
  }
  try {
    return new h5.File(path, "r");
  } catch (e) {
    throw new InvalidArgumentError(
      `${where}: cannot read '${path}': the HDF5 file is truncated or corrupt (${hdf5Reason(e)})`,
    );
  }
}

/** Whether an h5wasm entity is a group (a hard-linked one: links come back as other classes). */
export function isGroup(x: unknown): x is H5Group {
  return x !== null && typeof x === "object" && (x as { type?: unknown }).type === "Group";
}

/** Whether an h5wasm entity is a dataset. */
export function isDataset(x: unknown): x is H5Dataset {
  return x !== null && typeof x === "object" && (x as { type?: unknown }).type === "Dataset";
}

/** The child named `name` of `group` if it is a group (links are refused, as Keras does), else null. */
export function childGroup(group: H5Group, name: string): H5Group | null {
  if (!group.keys().includes(name)) return null;
  const child = group.get(name);
  return isGroup(child) ? child : null;
}

/** The group at a slash-separated path under `root`, or null if any part is missing. */
export function groupAt(root: H5Group, path: string): H5Group | null {
  let g: H5Group | null = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    g = childGroup(g, part);
    if (g === null) return null;
  }
  return g;
}

/** Creates (or opens) the groups along `path` under `root`. */
export function makeGroups(root: H5Group, path: string): H5Group {
  let g = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    g = childGroup(g, part) ?? g.create_group(part);
  }
  return g;
}
