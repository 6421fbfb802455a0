/** Which backend runs the kernels. The native one is chosen when its addon loads. */
import type { Backend } from "./types.js";
import { jsBackend } from "./js/index.js";
// For its effect: V8 frees dead tensor storage on the main thread (see v8-heap.ts).
import "./v8-heap.js";

export type BackendName = Backend["name"];
export type { Backend } from "./types.js";

let current: Backend = jsBackend;
const registry = new Map<BackendName, () => Backend | null>([["js", () => jsBackend]]);

/** Registers a backend factory; returns null when that backend cannot load here. */
export function registerBackend(name: BackendName, factory: () => Backend | null): void {
  registry.set(name, factory);
}

export function backend(): Backend {
  return current;
}

/** `tf.setBackend("js" | "native")`: returns false (and keeps the current one) if it cannot load. */
export function setBackend(name: BackendName): boolean {
  const factory = registry.get(name);
  if (factory === undefined) {
    throw new TypeError(
      `setBackend: unknown backend '${String(name)}' (expected "js" or "native")`,
    );
  }
  const b = factory();
  if (b === null) return false;
  current = b;
  return true;
}

/** `tf.getBackend()`: the name of the backend now in use. */
export function getBackend(): BackendName {
  return current.name;
}
