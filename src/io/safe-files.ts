/**
 * Files written so that a crash at any moment leaves either the old file or the new one, never
 * a mix: the bytes go to a temporary file in the same directory (so the rename cannot cross a
 * filesystem), are flushed to the disk (fsync), and the temporary file is renamed over the
 * target, which POSIX makes atomic; the directory is then flushed so the rename itself lasts.
 *
 * Node's fs only: this sits below every layer that writes files (savedModel, checkpoints).
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";

/** The prefix of this module's temporary files: `.<name>.tmp-<random>`. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
}

/** Whether `name` is a temporary file that writeFileAtomic left for `target` (after a crash). */
export function isTempOf(name: string, target: string): boolean {
  return name.startsWith(`.${target}.tmp-`);
}

/**
 * Flushes a directory's entries (a rename or unlink in it) to the disk. Some filesystems and
 * platforms cannot open a directory for that (Windows); there it is skipped, as the rename is
 * still atomic for every reader, only perhaps not yet durable.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL / EISDIR on filesystems that do not sync directories.
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: to a temporary file beside it, fsynced, then renamed
 * into place. On any error the temporary file is removed and `path` is as it was.
 * `syncDir` false leaves the directory flush to the caller (who renames several files).
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  { syncDir = true }: { syncDir?: boolean } = {},
): void {
  const tmp = tempName(path);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | null = openSync(tmp, "wx", 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw e;
  }
  if (syncDir) fsyncDir(dirname(path));
}

/**
 * Removes the files of `dir` that `keep` rejects, among those `owned` says this writer made
 * (older data files, temporaries a crash left). Errors are ignored: a file another process
 * removed first is fine.
 */
export function removeStale(
  dir: string,
  owned: (name: string) => boolean,
  keep: (name: string) => boolean,
): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!owned(name) || keep(name)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/** CRC-32 (IEEE, as zip and PNG), to tell a damaged data file from a good one. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

/** A fresh id for a data file name, so that a new save never overwrites the file in use. */
export function freshId(): string {
  return randomBytes(6).toString("hex");
}
