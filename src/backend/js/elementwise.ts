/**
 * Elementwise kernels over typed arrays. Each op brings its scalar expression (from its registry
 * entry); a loop is compiled from it the first time the op runs, so the hot loops have no
 * per-element calls.
 */
import type { ElementwiseKernels, ScalarFn } from "../elementwise.js";
import type { DataArray, NumArray } from "../../tensor/dtype.js";
import { shapesEqual, type Shape } from "../../tensor/shape.js";
import * as scalarMath from "./scalar-math.js";

type UnaryLoop = (x: NumArray, out: NumArray, n: number) => void;
/** mode 0: same shape; 1: b is one element; 2: a is one element. */
type BinaryLoop = (a: DataArray, b: DataArray, out: NumArray, n: number, mode: number) => void;
/** Inner loop of a general broadcast: n outputs from a and b at offsets and strides. */
type StridedLoop = (
  a: DataArray,
  ao: number,
  as: number,
  b: DataArray,
  bo: number,
  bs: number,
  out: NumArray,
  oo: number,
  n: number,
) => void;

const SCOPE_NAMES = Object.keys(scalarMath);
const SCOPE_VALUES = Object.values(scalarMath);

function compile<F>(params: string[], body: string): F {
  const make = new Function(
    ...SCOPE_NAMES,
    `"use strict"; return function (${params.join(", ")}) { ${body} };`,
  ) as (...scope: unknown[]) => F;
  return make(...SCOPE_VALUES);
}

/** Loops compiled so far, by op name (an op's expression never changes). */
const unaryLoops = new Map<string, UnaryLoop>();
const binaryLoops = new Map<string, [BinaryLoop, StridedLoop]>();

function unaryLoop(fn: ScalarFn): UnaryLoop {
  let loop = unaryLoops.get(fn.name);
  if (loop === undefined) {
    loop = compile<UnaryLoop>(
      ["xs", "out", "n"],
      `for (let i = 0; i < n; i++) { const x = xs[i]; out[i] = ${fn.js}; }`,
    );
    unaryLoops.set(fn.name, loop);
  }
  return loop;
}

function binaryLoop(fn: ScalarFn): [BinaryLoop, StridedLoop] {
  let loops = binaryLoops.get(fn.name);
  if (loops === undefined) {
    const e = fn.js;
    loops = [
      compile<BinaryLoop>(
        ["as", "bs", "out", "n", "mode"],
        `if (mode === 0) { for (let i = 0; i < n; i++) { const a = as[i], b = bs[i]; out[i] = ${e}; } }
         else if (mode === 1) { const b = bs[0]; for (let i = 0; i < n; i++) { const a = as[i]; out[i] = ${e}; } }
         else { const a = as[0]; for (let i = 0; i < n; i++) { const b = bs[i]; out[i] = ${e}; } }`,
      ),
      compile<StridedLoop>(
        ["av", "ao", "as", "bv", "bo", "bs", "out", "oo", "n"],
        `for (let i = 0; i < n; i++) { const a = av[ao + i * as], b = bv[bo + i * bs]; out[oo + i] = ${e}; }`,
      ),
    ];
    binaryLoops.set(fn.name, loops);
  }
  return loops;
}

/**
 * Strides of an input broadcast to `outShape`: 0 along the axes where it is broadcast.
 * Returned for every output axis.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = i + rank - inShape.length;
    strides[o] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  return strides;
}

/**
 * Walks every row (all axes but the last) of a broadcast; calls `row` with each input's
 * offset and the output offset. The last axis is handled by the caller's strided loop.
 */
export function forEachBroadcastRow(
  outShape: Shape,
  inStrides: readonly number[][],
  row: (offsets: number[], outOffset: number) => void,
): void {
  const rank = outShape.length;
  const inner = rank === 0 ? 1 : outShape[rank - 1];
  const rows = inner === 0 ? 0 : outShape.reduce((p, d) => p * d, 1) / inner;
  const counter = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  const offsets = inStrides.map(() => 0);
  for (let r = 0; r < rows; r++) {
    row(offsets, r * inner);
    // Advance the odometer over the outer axes, updating each input's offset.
    for (let ax = rank - 2; ax >= 0; ax--) {
      counter[ax]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += inStrides[k][ax];
      if (counter[ax] < outShape[ax]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= inStrides[k][ax] * outShape[ax];
      counter[ax] = 0;
    }
  }
}

export const jsElementwise: ElementwiseKernels = {
  unary(fn, x, out) {
    unaryLoop(fn)(x, out, out.length);
  },

  binary(fn, a, aShape, b, bShape, out, outShape) {
    const n = out.length;
    if (n === 0) return;
    const [flat, loop] = binaryLoop(fn);
    if (a.length === n && b.length === n && shapesEqual(aShape, bShape))
      return flat(a, b, out, n, 0);
    if (b.length === 1 && a.length === n) return flat(a, b, out, n, 1);
    if (a.length === 1 && b.length === n) return flat(a, b, out, n, 2);
    const sa = broadcastStrides(aShape, outShape);
    const sb = broadcastStrides(bShape, outShape);
    const last = outShape.length - 1;
    const inner = outShape[last];
    forEachBroadcastRow(outShape, [sa, sb], (off, oo) =>
      loop(a, off[0], sa[last], b, off[1], sb[last], out, oo, inner),
    );
  },

  select(cond, condShape, x, xShape, y, yShape, out, outShape) {
    const n = out.length;
    if (n === 0) return;
    const w = out as unknown[];
    if (cond.length === n && x.length === n && y.length === n) {
      for (let i = 0; i < n; i++) w[i] = cond[i] ? x[i] : y[i];
      return;
    }
    const rank = outShape.length;
    if (rank === 0) {
      w[0] = cond[0] ? x[0] : y[0];
      return;
    }
    const strides = [condShape, xShape, yShape].map((s) => broadcastStrides(s, outShape));
    const last = rank - 1;
    const inner = outShape[last];
    const [sc, sx, sy] = [strides[0][last], strides[1][last], strides[2][last]];
    forEachBroadcastRow(outShape, strides, (off, oo) => {
      for (let i = 0; i < inner; i++) {
        w[oo + i] = cond[off[0] + i * sc] ? x[off[1] + i * sx] : y[off[2] + i * sy];
      }
    });
  },

  cast(x, out) {
    if (out instanceof Uint8Array) {
      for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
    } else if (out instanceof Int32Array) {
      // Truncation toward zero (NaN becomes 0).
      for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]) | 0;
    } else {
      out.set(x);
    }
  },
};
