/**
 * Checks of arguments at the public boundary, shared by every layer: each names the function
 * and what it got, and throws TypeError/RangeError (never an engine internal further down).
 */
import { describeValue } from "./describe-value.js";

/**
 * A trailing options object: undefined or null (Python's None) mean "no options"; anything
 * else that is not a plain object (a number, a string, an array, a function) is a TypeError.
 */
export function optionsArg<T extends object>(
  fn: string,
  opts: T | null | undefined,
  what = "options",
): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw new TypeError(`${fn}: ${what} must be an object, got ${describeValue(opts)}`);
  }
  return opts;
}

/** A callback argument. */
export function functionArg<F>(fn: string, f: F, what = "fn"): F {
  if (typeof f !== "function") {
    throw new TypeError(`${fn}: ${what} must be a function, got ${describeValue(f)}`);
  }
  return f;
}

/** A string argument (a name, a path). */
export function stringArg(fn: string, s: unknown, what: string): string {
  if (typeof s !== "string") {
    throw new TypeError(`${fn}: ${what} must be a string, got ${describeValue(s)}`);
  }
  return s;
}

/** A shape: an array of integers >= 0. */
export function shapeArg(fn: string, shape: unknown, what = "shape"): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${fn}: ${what} must be an array of integers, got ${describeValue(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `${fn}: ${what} must hold integers >= 0, got [${shape.map((x) => (typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")}]`,
      );
    }
  }
  return shape as number[];
}
