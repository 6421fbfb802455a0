/**
 * `tf.train.CheckpointManager`: numbered checkpoints in a directory, the last N kept. The
 * directory's state file (`checkpoint`, JSON here: `{"latest": "ckpt-3", "all": [...]}`) is
 * replaced atomically after each checkpoint is written, and old checkpoints are deleted only
 * after it: a crash leaves a state file that names only checkpoints that exist.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../io/safe-files.js";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { Checkpoint, checkpointFile } from "./checkpoint.js";

const STATE_FILE = "checkpoint";

export interface CheckpointManagerOptions {
  /** How many checkpoints to keep (null: all). Default 5. */
  maxToKeep?: number | null;
  /** The file name prefix (default `ckpt`: `dir/ckpt-1`). */
  checkpointName?: string;
}

interface State {
  latest: string | null;
  all: string[];
}

/** The checkpoints the state file of `directory` lists (names relative to it), or null if none. */
function readState(directory: string): State | null {
  const file = join(directory, STATE_FILE);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidArgumentError(
      `tf.train: ${file} is not a checkpoint state file (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const s = parsed as Partial<State> | null;
  if (
    s === null ||
    typeof s !== "object" ||
    !Array.isArray(s.all) ||
    !s.all.every((n) => typeof n === "string" && !n.includes("/")) ||
    !(s.latest === null || typeof s.latest === "string")
  ) {
    throw new InvalidArgumentError(`tf.train: ${file} is not a checkpoint state file`);
  }
  return { latest: s.latest, all: s.all };
}

/** `tf.train.latestCheckpoint(directory)`: the newest checkpoint's path there, or null. */
export function latestCheckpoint(directory: string): string | null {
  if (typeof directory !== "string") {
    throw new TypeError(
      `tf.train.latestCheckpoint: directory must be a string, got ${describeValue(directory)}`,
    );
  }
  const state = readState(directory);
  if (state === null || state.latest === null) return null;
  const path = join(directory, state.latest);
  return existsSync(checkpointFile(path)) ? path : null;
}

export class CheckpointManager {
  readonly checkpoint: Checkpoint;
  readonly directory: string;
  readonly maxToKeep: number | null;
  readonly checkpointName: string;
  #names: string[];

  /**
   * `new tf.train.CheckpointManager(checkpoint, directory, maxToKeep)` or
   * `(checkpoint, directory, {maxToKeep, checkpointName})`. Picks up the checkpoints a
   * previous run left in the directory.
   */
  constructor(
    checkpoint: Checkpoint,
    directory: string,
    maxToKeep: number | null | CheckpointManagerOptions = 5,
    options: CheckpointManagerOptions = {},
  ) {
    const fn = "tf.train.CheckpointManager";
    if (!(checkpoint instanceof Checkpoint)) {
      throw new TypeError(
        `${fn}: expected a tf.train.Checkpoint, got ${describeValue(checkpoint)}`,
      );
    }
    if (typeof directory !== "string" || directory === "") {
      throw new TypeError(
        `${fn}: directory must be a non-empty string, got ${describeValue(directory)}`,
      );
    }
    const opts: CheckpointManagerOptions =
      maxToKeep !== null && typeof maxToKeep === "object" ? maxToKeep : { ...options, maxToKeep };
    if (opts === null || typeof opts !== "object") {
      throw new TypeError(`${fn}: options must be an object, got ${describeValue(opts)}`);
    }
    const keep = opts.maxToKeep === undefined ? 5 : opts.maxToKeep;
    if (keep !== null && (typeof keep !== "number" || !Number.isInteger(keep) || keep < 1)) {
      throw new RangeError(
        `${fn}: maxToKeep must be an integer >= 1 or null, got ${describeValue(keep)}`,
      );
    }
    const name = opts.checkpointName ?? "ckpt";
    if (typeof name !== "string" || name === "" || name.includes("/")) {
      throw new TypeError(`${fn}: checkpointName must be a file name, got ${describeValue(name)}`);
    }
    this.checkpoint = checkpoint;
    this.directory = directory;
    this.maxToKeep = keep;
    this.checkpointName = name;
    const state = readState(directory);
    this.#names = (state?.all ?? []).filter((n) => existsSync(checkpointFile(join(directory, n))));
  }

  /** The kept checkpoints' paths, oldest first. */
  get checkpoints(): string[] {
    return this.#names.map((n) => join(this.directory, n));
  }

  /** The newest checkpoint's path, or null before the first save. */
  get latestCheckpoint(): string | null {
    const n = this.#names[this.#names.length - 1];
    return n === undefined ? null : join(this.directory, n);
  }

  /**
   * Writes a new checkpoint, `directory/ckpt-<n>` with n the checkpoint's saveCounter after
   * this save (or `checkpointNumber`), records it, and deletes the oldest beyond maxToKeep.
   * Returns its path.
   */
  save(checkpointNumber?: number): string {
    if (
      checkpointNumber !== undefined &&
      (typeof checkpointNumber !== "number" ||
        !Number.isInteger(checkpointNumber) ||
        checkpointNumber < 0)
    ) {
      throw new RangeError(
        `CheckpointManager.save: checkpointNumber must be an integer >= 0, got ${describeValue(checkpointNumber)}`,
      );
    }
    mkdirSync(this.directory, { recursive: true });
    this.checkpoint.saveCounter.assignAdd(1);
    const n = checkpointNumber ?? Number(this.checkpoint.saveCounter.dataSync()[0]);
    const path = this.checkpoint.write(join(this.directory, `${this.checkpointName}-${n}`));
    const name = basename(path);
    const names = this.#names.filter((x) => x !== name);
    names.push(name);
    const removed =
      this.maxToKeep === null ? [] : names.splice(0, Math.max(0, names.length - this.maxToKeep));
    // The state first, so that it never names a deleted file; then the deletions.
    writeFileAtomic(
      join(this.directory, STATE_FILE),
      JSON.stringify({ latest: name, all: names } satisfies State),
    );
    this.#names = names;
    for (const old of removed) rmSync(checkpointFile(join(this.directory, old)), { force: true });
    return path;
  }
}
