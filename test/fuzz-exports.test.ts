/**
 * Every export of the package, called with a table of bad arguments: each call either works or
 * throws a TypeError, RangeError or tf.errors.* whose message is tapeflow's own, never an
 * engine internal ("Cannot read properties of undefined", "x is not a function", ...).
 * Functions in namespaces are walked recursively; classes are constructed with `new`; the
 * methods of a Tensor, a Variable and a GradientTape are called on live instances too. For
 * position p, the arguments are p good tensors then the bad value (`tf.broadcastTo(t, Infinity)`).
 */
import assert from "node:assert/strict";
import test from "node:test";
import * as tf from "../src/index.js";

type AnyFn = (...args: unknown[]) => unknown;

const good = (): tf.Tensor =>
  tf.constant([
    [1, 2],
    [3, 4],
  ]);
const BAD: [string, () => unknown][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["NaN", () => NaN],
  ["Infinity", () => Infinity],
  ["-1", () => -1],
  ["1.5", () => 1.5],
  ['"junk"', () => "junk"],
  ["{}", () => ({})],
  ["[]", () => []],
  ["a function", () => () => 1],
  ["an int32 tensor", () => tf.constant([1, 2], "int32")],
  ["a string tensor", () => tf.constant(["a"])],
];

/** What an internal error looks like: the engine's words, not the library's. */
const INTERNAL =
  /Cannot read propert|is not a function|is not iterable|is not a constructor|Cannot convert undefined or null|Cannot destructure|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|^internal:|Cannot use 'in' operator|Reduce of empty array|Cannot create property/;

function acceptable(e: unknown): string | null {
  if (!(e instanceof Error)) return `threw a non-Error ${String(e)}`;
  const okClass =
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof tf.errors.OpError ||
    e instanceof tf.errors.LookupError;
  if (!okClass) return `${e.constructor.name}: ${e.message.split("\n")[0]}`;
  if (INTERNAL.test(e.message)) return `${e.name} (internal): ${e.message.split("\n")[0]}`;
  if (e.message.trim() === "") return `${e.name} with an empty message`;
  return null;
}

const isClass = (f: AnyFn): boolean => /^class[\s{]/.test(Function.prototype.toString.call(f));

/** Every function reachable from the namespace, by dotted name. */
function collect(ns: object, prefix: string, out: Map<string, AnyFn>, seen: Set<object>): void {
  if (seen.has(ns)) return;
  seen.add(ns);
  for (const key of Object.keys(ns).sort()) {
    const v = (ns as Record<string, unknown>)[key];
    const name = `${prefix}.${key}`;
    if (typeof v === "function") out.set(name, v as AnyFn);
    else if (v !== null && typeof v === "object" && !(v instanceof tf.Tensor)) {
      collect(v, name, out, seen);
    }
  }
}

/** Calls that change global state for the calls after them: undone after each call. */
function cleanup(): void {
  tf.debugging.disableCheckNumerics();
  tf.setBackend(BACKEND);
}
const BACKEND = tf.getBackend();

function tryCall(what: string, call: () => unknown, offenders: string[]): Promise<void> | void {
  let r: unknown;
  try {
    r = call();
  } catch (e) {
    const why = acceptable(e);
    if (why !== null) offenders.push(`${what}: ${why}`);
    return;
  } finally {
    cleanup();
  }
  if (r !== null && typeof r === "object" && typeof (r as Promise<unknown>).then === "function") {
    return (r as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => {
        const why = acceptable(e);
        if (why !== null) offenders.push(`${what} (rejected): ${why}`);
      },
    );
  }
}

function argLists(arity: number): [string, unknown[]][] {
  const lists: [string, unknown[]][] = [];
  const positions = Math.min(Math.max(arity, 1) + 1, 4);
  for (let p = 0; p < positions; p++) {
    for (const [label, make] of BAD) {
      const args = [...Array.from({ length: p }, good), make()];
      lists.push([`${"t, ".repeat(p)}${label}`, args]);
    }
  }
  return lists;
}

/** Exports not made for users (none now: every export is fuzzed). */
const SKIP = new Set<string>();

/**
 * Methods the engine calls, not users (the Recorder interface a tape implements, and the
 * storage swap assign() makes): marked @internal where they are defined.
 */
const INTERNAL_METHODS = new Set([
  "recordNode",
  "wants",
  "variableRead",
  "computeGradient",
  "replaceValue",
]);

test("every exported function and class refuses bad arguments with a clear error", async () => {
  const fns = new Map<string, AnyFn>();
  collect(tf, "tf", fns, new Set());
  assert.ok(fns.size > 200, `found ${fns.size} exports`);
  const offenders: string[] = [];
  let calls = 0;
  for (const [name, f] of fns) {
    if (SKIP.has(name)) continue;
    for (const [label, args] of argLists(f.length)) {
      calls++;
      const pending = isClass(f)
        ? tryCall(`new ${name}(${label})`, () => Reflect.construct(f, args), offenders)
        : tryCall(`${name}(${label})`, () => f(...args), offenders);
      if (pending !== undefined) await pending;
    }
  }
  assert.ok(calls > 2000, `made ${calls} calls`);
  if (process.env.FUZZ_REPORT !== undefined) {
    const { appendFileSync } = await import("node:fs");
    appendFileSync(process.env.FUZZ_REPORT, offenders.join("\n") + "\n");
  }
  assert.deepEqual(offenders, [], `${offenders.length} of ${calls} calls leaked an internal error`);
});

test("the methods of a Tensor, a Variable and a GradientTape refuse bad arguments too", async () => {
  const offenders: string[] = [];
  const instances: [string, () => object][] = [
    ["tensor", good],
    ["variable", () => new tf.Variable(good())],
    ["tape", () => new tf.GradientTape({ persistent: true })],
  ];
  let calls = 0;
  for (const [kind, make] of instances) {
    const proto = Object.getPrototypeOf(make()) as object;
    const names = new Set<string>();
    for (
      let p: object | null = proto;
      p !== null && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const n of Object.getOwnPropertyNames(p)) {
        const d = Object.getOwnPropertyDescriptor(p, n);
        if (INTERNAL_METHODS.has(n)) continue;
        if (n !== "constructor" && d !== undefined && typeof d.value === "function") names.add(n);
      }
    }
    for (const n of [...names].sort()) {
      for (const [label, args] of argLists(2)) {
        calls++;
        const obj = make() as Record<string, AnyFn>;
        const pending = tryCall(`${kind}.${n}(${label})`, () => obj[n](...args), offenders);
        if (pending !== undefined) await pending;
      }
    }
  }
  assert.ok(calls > 500, `made ${calls} calls`);
  if (process.env.FUZZ_REPORT !== undefined) {
    const { appendFileSync } = await import("node:fs");
    appendFileSync(process.env.FUZZ_REPORT, offenders.join("\n") + "\n");
  }
  assert.deepEqual(offenders, [], `${offenders.length} of ${calls} calls leaked an internal error`);
});
