/** What the keras tests share: closeness of layer outputs, weights and losses, and weight names. */
import assert from "node:assert/strict";
import * as tf from "../../src/index.js";
import { flat } from "./reference.js";

/** Elementwise closeness (relative tol, absolute below 1) of a tensor, an array or a number. */
export function close(
  actual: tf.Tensor | number[] | number,
  expected: number[] | number,
  tol = 1e-5,
): void {
  const a = typeof actual === "number" ? [actual] : Array.isArray(actual) ? actual : flat(actual);
  const e = typeof expected === "number" ? [expected] : expected;
  assert.equal(a.length, e.length, `length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])),
      `element ${i}: ${a[i]} vs ${e[i]} (all: ${a.join(", ")} vs ${e.join(", ")})`,
    );
  }
}

/** The names of some variables, in order. */
export const names = (vs: readonly tf.Variable[]): string[] => vs.map((v) => v.name);

/** A tensor of shape `shape` from flat values. */
export const T = (v: number[], shape: number[]): tf.Tensor => tf.reshape(tf.constant(v), shape);
