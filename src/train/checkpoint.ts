/**
 * `tf.train.Checkpoint`: saves and restores every variable reachable from the objects given
 * (variables, modules and layers, optimizers with their slots), keyed by object path as
 * TensorFlow's object-based checkpoints are. The file is tapeflow's own (checkpoint-file.ts),
 * written atomically. Restoring checks every shape and dtype before it assigns anything.
 */
import { mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isTempOf, removeStale, writeFileAtomic } from "../io/safe-files.js";
import { Optimizer } from "../keras/optimizers.js";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Variable } from "../tensor/variable.js";
import { CKPT_SUFFIX, decodeCheckpoint, encodeCheckpoint } from "./checkpoint-file.js";
import { SLOT_MARK, slotKey, type Trackable, walkObjectGraph } from "./object-graph.js";

const SAVE_COUNTER = "save_counter";

/** The file a checkpoint path names: `dir/ckpt-3` is `dir/ckpt-3.ckpt`. */
export function checkpointFile(path: string): string {
  return path.endsWith(CKPT_SUFFIX) ? path : `${path}${CKPT_SUFFIX}`;
}

function checkPath(fn: string, path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`${fn}: the path must be a non-empty string, got ${describeValue(path)}`);
  }
  return path;
}

/**
 * What restore() returns, as TensorFlow's load status: what matched, and assertions about it.
 * The values were assigned already; the assertions only check.
 */
export class CheckpointLoadStatus {
  constructor(
    /** The checkpoint's keys no current object took. */
    readonly unusedKeys: readonly string[],
    /** The current variables (by path) the checkpoint had no value for. */
    readonly unmatchedObjects: readonly string[],
    private readonly path: string | null,
  ) {}

  private fail(what: string): never {
    throw new InvalidArgumentError(`tf.train.Checkpoint: ${what}`);
  }

  /** Every value in the checkpoint went to an object, and every object got a value. */
  assertConsumed(): this {
    if (this.path === null) this.fail("no checkpoint was given (path null): nothing was restored");
    if (this.unusedKeys.length > 0) {
      this.fail(
        `unresolved values in ${this.path}: ${this.unusedKeys.join(", ")} (no object at these paths; a layer not built yet has no variables to restore into)`,
      );
    }
    return this.assertExistingObjectsMatched();
  }

  /** Every variable reachable now got a value (the checkpoint may hold more). */
  assertExistingObjectsMatched(): this {
    if (this.path === null) this.fail("no checkpoint was given (path null): nothing was restored");
    if (this.unmatchedObjects.length > 0) {
      this.fail(`no value in ${this.path} for: ${this.unmatchedObjects.join(", ")}`);
    }
    return this;
  }

  /** Some values or objects are expected not to match (TensorFlow's expect_partial). */
  expectPartial(): this {
    return this;
  }
}

export class Checkpoint {
  /** The number of save() calls, saved and restored with the rest (TensorFlow's save_counter). */
  readonly saveCounter: Variable;
  readonly #root: Record<string, unknown>;

  /** `new tf.train.Checkpoint({model, optimizer, step})`: the objects to save, by name. */
  constructor(root: Record<string, Trackable>) {
    if (root === null || typeof root !== "object" || Array.isArray(root)) {
      throw new TypeError(
        `tf.train.Checkpoint: expected an object of named trackables ({model, optimizer, ...}), got ${describeValue(root)}`,
      );
    }
    for (const [k, v] of Object.entries(root)) {
      if (k === SAVE_COUNTER) {
        throw new TypeError(`tf.train.Checkpoint: '${SAVE_COUNTER}' is reserved`);
      }
      if (v === null || typeof v !== "object") {
        throw new TypeError(
          `tf.train.Checkpoint: '${k}' must be a Variable, Module, Layer, Optimizer or a nesting of them, got ${describeValue(v)}`,
        );
      }
    }
    this.saveCounter = new Variable(0, { name: SAVE_COUNTER, dtype: "int32", trainable: false });
    this.#root = { ...root, [SAVE_COUNTER]: this.saveCounter };
  }

  /** Every value the checkpoint holds now, by key: variables, then optimizer slots. */
  private values(): Map<string, Tensor> {
    const { variables, optimizers } = walkObjectGraph(this.#root);
    const out = new Map<string, Tensor>();
    for (const [path, v] of variables) out.set(path, v.value());
    for (const [optPath, opt] of optimizers) {
      for (const [path, v] of variables) {
        for (const [name, slot] of opt.slotsOf(v))
          out.set(slotKey(path, optPath, name), slot.value());
      }
    }
    return out;
  }

  /**
   * Writes the checkpoint to `path` (the file `path.ckpt`), atomically: a crash leaves the
   * previous file whole. Returns `path`.
   */
  write(path: string): string {
    checkPath("Checkpoint.write", path);
    const file = checkpointFile(path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, encodeCheckpoint(this.values()));
    // Temporaries an earlier, crashed write of this file left behind.
    removeStale(
      dirname(file),
      (n) => isTempOf(n, basename(file)),
      () => false,
    );
    return path;
  }

  /** Advances saveCounter and writes `prefix-<saveCounter>`; returns that path. */
  save(prefix: string): string {
    checkPath("Checkpoint.save", prefix);
    this.saveCounter.assignAdd(1);
    return this.write(`${prefix}-${Number(this.saveCounter.dataSync()[0])}`);
  }

  /**
   * Restores every value of the checkpoint at `path` into the objects at the same paths now
   * (creating optimizer slots that do not exist yet). Every shape and dtype is checked first:
   * on any mismatch nothing is assigned. `null` restores nothing (a manager's latestCheckpoint
   * before the first save).
   */
  restore(path: string | null): CheckpointLoadStatus {
    if (path === null) return new CheckpointLoadStatus([], [], null);
    checkPath("Checkpoint.restore", path);
    const file = checkpointFile(path);
    const saved = decodeCheckpoint(file);
    const { variables, optimizers } = walkObjectGraph(this.#root);
    const plan: (() => void)[] = [];
    const problems: string[] = [];
    const used = new Set<string>();
    const check = (key: string, like: Variable, value: Tensor): boolean => {
      if (like.dtype !== value.dtype || !shapesEqual(like.shape, value.shape)) {
        problems.push(
          `'${key}' is ${value.dtype} ${shapeMsg(value.shape)} in the checkpoint but ${like.dtype} ${shapeMsg(like.shape)} here`,
        );
        return false;
      }
      return true;
    };
    const unmatched: string[] = [];
    for (const [path, v] of variables) {
      const value = saved.get(path);
      if (value === undefined) {
        unmatched.push(path);
        continue;
      }
      used.add(path);
      if (check(path, v, value)) plan.push(() => v.assign(value));
    }
    for (const [key, value] of saved) {
      const at = key.indexOf(SLOT_MARK);
      if (at < 0) continue;
      const v = variables.get(key.slice(0, at));
      const rest = key.slice(at + SLOT_MARK.length);
      const cut = rest.lastIndexOf("/");
      const opt = optimizers.get(rest.slice(0, cut));
      if (v === undefined || !(opt instanceof Optimizer)) continue;
      used.add(key);
      const name = rest
        .slice(cut + 1)
        .replace(/\.S/g, "/")
        .replace(/\.\./g, ".");
      // A slot has its variable's shape and dtype: checked against the variable, made on assign.
      if (check(key, v, value)) plan.push(() => opt.slot(v, name).assign(value));
    }
    if (problems.length > 0) {
      throw new InvalidArgumentError(
        `tf.train.Checkpoint.restore: ${file} does not fit these objects (nothing was restored): ${problems.join("; ")}`,
      );
    }
    for (const assign of plan) assign();
    const unused = [...saved.keys()].filter((k) => !used.has(k));
    return new CheckpointLoadStatus(unused, unmatched, path);
  }

  /** TensorFlow's read(): restore() of a path written by write(). */
  read(path: string): CheckpointLoadStatus {
    checkPath("Checkpoint.read", path);
    return this.restore(path);
  }
}
