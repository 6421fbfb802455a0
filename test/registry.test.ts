/**
 * The every-op tests, driven by the registry alone: each differentiable op's gradient (and its
 * gradient's gradient) against central finite differences in float64 on the cases its entry
 * gives, and each elementwise op's native kernel against its JS loop. A new op is covered the
 * moment it is registered, and one registered without a gradient check fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import {
  type AnyOpDef,
  type CheckInput,
  gradientOf,
  lookupOp,
  registeredOpNames,
} from "../src/engine/op.js";
import { runOp } from "../src/engine/run-op.js";
import { isFloating, type NumArray } from "../src/tensor/dtype.js";
import { jsBackend } from "../src/backend/js/index.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { checkGradients, checkWeightedGradient, randomTensor, rng } from "./helpers/gradcheck.js";

const ops = (): AnyOpDef[] => registeredOpNames().map((n) => lookupOp(n) as AnyOpDef);

function makeInput(c: CheckInput, seed: number): tf.Tensor {
  if ("shape" in c) {
    const [lo, hi] = c.range ?? [-1, 1];
    return randomTensor([...c.shape], seed, lo, hi);
  }
  return tf.constant(c.value as number[], c.dtype);
}

/** The op's floating outputs, flattened and joined, so one weighted sum covers them all. */
function floatingOutputs(outs: readonly tf.Tensor[]): tf.Tensor {
  const fl = outs.filter((o) => isFloating(o.dtype)).map((o) => tf.reshape(o, [-1]));
  return fl.length === 1 ? fl[0] : tf.concat(fl, 0);
}

test("every differentiable op has a gradient check case (or says why not)", () => {
  const missing = ops()
    .filter((op) => typeof gradientOf(op) === "function" && op.check === undefined)
    .map((op) => op.name);
  assert.deepEqual(missing, [], `ops with a gradient but no check: ${missing.join(", ")}`);
});

test("every registered op's gradient matches finite differences, first and second order", () => {
  let checked = 0;
  const names: string[] = [];
  for (const op of ops()) {
    if (typeof gradientOf(op) !== "function" || op.check === undefined) continue;
    if ("skip" in op.check) continue;
    const { cases, rtol, atol, secondOrder } = op.check;
    for (const [ci, c] of cases.entries()) {
      const inputs = c.inputs.map((inp, i) => makeInput(inp, 1000 * ci + i + 1));
      const skip = c.inputs.flatMap((inp, i) => ("shape" in inp ? [] : [i]));
      const f = (...xs: tf.Tensor[]) => floatingOutputs(runOp(op, xs, c.attrs));
      const opts = { rtol: rtol ?? 1e-5, atol: atol ?? 1e-7, skip };
      const where = `${op.name} case ${ci}`;
      try {
        checkGradients(f, inputs, opts);
        if (secondOrder !== false) {
          checkWeightedGradient(f, inputs, {
            ...opts,
            rtol: opts.rtol * 10,
            atol: opts.atol * 10,
          });
        }
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
      }
    }
    checked++;
    names.push(op.name);
  }
  console.log(`gradient-checked ${checked} ops: ${names.join(", ")}`);
  assert.ok(checked >= 60, `only ${checked} ops checked`);
});

test("every elementwise op's native kernel agrees with its JS loop (both float dtypes)", (t) => {
  const addon = nativeAddon();
  if (addon === null) {
    t.skip("the native addon is not loaded here (JS backend only)");
    return;
  }
  const r = rng(7);
  const jsOnly: string[] = [];
  let compared = 0;
  for (const op of ops()) {
    const scalar = op.scalar;
    if (scalar === undefined) continue;
    const unary = op.kind === "unary";
    const idx = (unary ? addon.unaryNames : addon.binaryNames).indexOf(op.name);
    if (idx < 0) {
      jsOnly.push(op.name);
      continue;
    }
    const domains = op.check !== undefined && "cases" in op.check ? op.check.cases[0].inputs : [];
    const range = (i: number): readonly [number, number] => {
      const d = domains[i];
      return d !== undefined && "shape" in d && d.range !== undefined ? d.range : [-3, 3];
    };
    for (const F of [Float32Array, Float64Array]) {
      const n = 1031; // odd, above every native threshold, not a multiple of the vector width
      const fill = (i: number) => {
        const [lo, hi] = range(i);
        const v = new F(n);
        for (let k = 0; k < n; k++) v[k] = lo + (hi - lo) * r();
        return v;
      };
      const isBool = op.name.startsWith("Is") || /Equal|Less|Greater|Logical/.test(op.name);
      if (/Logical/.test(op.name)) continue; // bool inputs: no float kernel
      const out = () => (isBool ? new Uint8Array(n) : new F(n));
      const want = out();
      const got = out();
      if (unary) {
        const x = fill(0);
        jsBackend.unary(scalar, x, want as NumArray);
        addon.unary(idx, x, got as NumArray);
      } else {
        const a = fill(0);
        const b = fill(1);
        jsBackend.binary(scalar, a, [n], b, [n], want as NumArray, [n]);
        addon.binaryFlat(idx, a, b, got as NumArray);
      }
      // float32: the hand-vectorized formulas (GeluGrad's) are within a few ulp, as
      // test/native-fused-grads.test.ts bounds them (6e-7).
      const rtol = F === Float32Array ? 6e-7 : 4e-15;
      for (let i = 0; i < n; i++) {
        const [w, g] = [want[i], got[i]];
        const ok =
          (Number.isNaN(w) && Number.isNaN(g)) ||
          Math.abs(w - g) <= rtol * Math.max(Math.abs(w), Math.abs(g)) + 1e-38;
        assert.ok(ok, `${op.name} ${F.name}[${i}]: native ${g}, JS ${w}`);
      }
      compared++;
    }
  }
  console.log(
    `native = JS on ${compared / 2} elementwise ops; JS only: ${jsOnly.join(", ") || "none"}`,
  );
  assert.ok(compared > 0);
});
