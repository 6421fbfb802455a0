/**
 * The native Backend: the JS backend with the kernels that pay for a call into C++ overridden.
 * Each wrapper calls the addon only for float data above a size measured on an AVX2 machine
 * (bench/thresholds.ts prints the crossovers): below it the JS loop finishes before the call
 * into C++ would (about 0.3 us plus argument checks). Everything else (int32 and bool data,
 * strings, kernels the addon lacks) goes to the JS kernel, so both backends always agree.
 */
import type { Backend } from "../types.js";
import type { ReduceFn } from "../reduce.js";
import type { Conv2DParams, Pool2DParams } from "../nn.js";
import type { DataArray, NumArray } from "../../tensor/dtype.js";
import type { FloatArray, NativeAddon } from "./addon.js";
import { nativeExtras } from "./extras.js";
import { nativeMovement } from "./movement.js";
import { nativeNnFused } from "./nn-fused.js";
import { nativeRnn } from "./rnn.js";
import { nativeNn3d } from "./nn3d.js";
import { nativeSpecial } from "./special.js";
import { nativeConvFused } from "./conv-fused.js";
import { nativeDropout } from "./dropout.js";

/**
 * Crossover sizes, in elements (multiply-adds for matmul and conv), measured with
 * bench/thresholds.ts on the AVX2 machine: a call into C++ costs about 0.3 us (unary) to 0.8 us
 * (binary, whose shapes are read), cheap JS loops about 1.5 ns per element, Math.exp and friends
 * 10 to 20 ns.
 */
export const THRESHOLDS = {
  unaryCheap: 512,
  unaryCostly: 64,
  binary: 512,
  binaryCostly: 128,
  reduce: 512,
  cast: 2048,
  select: 1024,
  matmulMacs: 8 * 8 * 8,
  /** Elements of the softmax input (an exp each). */
  softmax: 128,
  convMacs: 16 * 16 * 16,
  /** Output elements times window size. */
  pool: 4096,
};

/** Multiply-adds of a convolution: every output value sums filterH * filterW * inC products. */
function convMacs(p: Conv2DParams): number {
  return p.batch * p.outH * p.outW * p.outC * p.filterH * p.filterW * p.inC;
}

function poolWork(p: Pool2DParams): number {
  return p.batch * p.outH * p.outW * p.channels * p.windowH * p.windowW;
}

function indexOf<K extends string>(names: readonly string[]): Map<K, number> {
  return new Map(names.map((n, i) => [n as K, i]));
}

function isFloat(x: DataArray): x is FloatArray {
  return x instanceof Float32Array || x instanceof Float64Array;
}

/** Same float dtype for both. */
function sameFloat(a: DataArray, b: DataArray): boolean {
  return isFloat(a) && a.constructor === b.constructor;
}

function isNum(x: DataArray): x is NumArray {
  return !Array.isArray(x);
}

/** All float arrays of one dtype (the first one's). */
function allSameFloat(...xs: DataArray[]): boolean {
  const first = xs[0];
  return isFloat(first) && xs.every((x) => x.constructor === first.constructor);
}

/**
 * The convolution and pooling kernels, as one table: each calls the addon when its work (`work`
 * of its params) reaches THRESHOLDS[threshold] and its `arrays` arrays (every argument before
 * the params) are float of one dtype, and the JS kernel otherwise.
 */
const WINDOW_KERNELS = [
  { method: "conv2d", arrays: 3, work: convMacs, threshold: "convMacs" },
  { method: "conv2dBackpropInput", arrays: 3, work: convMacs, threshold: "convMacs" },
  { method: "conv2dBackpropFilter", arrays: 3, work: convMacs, threshold: "convMacs" },
  { method: "maxPool", arrays: 2, work: poolWork, threshold: "pool" },
  { method: "avgPool", arrays: 2, work: poolWork, threshold: "pool" },
  { method: "maxPoolGrad", arrays: 3, work: poolWork, threshold: "pool" },
  { method: "maxPoolGradGrad", arrays: 3, work: poolWork, threshold: "pool" },
  { method: "avgPoolGrad", arrays: 2, work: poolWork, threshold: "pool" },
] as const satisfies readonly {
  method: keyof NativeAddon & keyof Backend;
  arrays: 2 | 3;
  work: (p: never) => number;
  threshold: keyof typeof THRESHOLDS;
}[];

type WindowMethod = (typeof WINDOW_KERNELS)[number]["method"];
type Kernel = (...args: unknown[]) => void;

/** The wrappers of WINDOW_KERNELS. */
function windowKernels(addon: NativeAddon, js: Backend): Pick<Backend, WindowMethod> {
  const wrappers: Partial<Record<WindowMethod, (...args: never[]) => void>> = {};
  for (const { method, arrays, work, threshold } of WINDOW_KERNELS) {
    const workOf = work as (p: unknown) => number;
    // The threshold and the kernels are looked up at each call, as a written-out wrapper would:
    // tests and bench/thresholds.ts change THRESHOLDS, and tests count the addon's calls.
    wrappers[method] =
      arrays === 2
        ? (a: DataArray, b: DataArray, p: unknown) => {
            if (workOf(p) >= THRESHOLDS[threshold] && allSameFloat(a, b))
              (addon[method] as Kernel)(a, b, p);
            else (js[method] as Kernel)(a, b, p);
          }
        : (a: DataArray, b: DataArray, c: DataArray, p: unknown) => {
            if (workOf(p) >= THRESHOLDS[threshold] && allSameFloat(a, b, c))
              (addon[method] as Kernel)(a, b, c, p);
            else (js[method] as Kernel)(a, b, c, p);
          };
  }
  // Each entry's wrapper has its method's signature: the arrays, then the params.
  return wrappers as unknown as Pick<Backend, WindowMethod>;
}

export function makeNativeBackend(addon: NativeAddon, js: Backend): Backend {
  const unaryIdx = indexOf<string>(addon.unaryNames);
  const binaryIdx = indexOf<string>(addon.binaryNames);
  const reduceIdx = indexOf<ReduceFn>(addon.reduceNames);
  const T = THRESHOLDS;

  return {
    ...js,
    ...nativeExtras(addon, js),
    ...nativeMovement(addon, js),
    ...nativeNnFused(addon, js),
    ...nativeRnn(addon, js),
    ...nativeNn3d(addon, js),
    ...nativeSpecial(addon, js),
    ...nativeConvFused(addon, js, THRESHOLDS),
    ...nativeDropout(addon, js),
    name: "native",
    ...windowKernels(addon, js),

    // Each wrapper rejects small sizes first, with one comparison: tiny tensors (the common
    // case in a training loop's bookkeeping) reach the JS kernel at almost no extra cost.
    unary(fn, x, out) {
      if (x.length < T.unaryCostly) return js.unary(fn, x, out);
      const i = unaryIdx.get(fn.name);
      const min = fn.costly ? T.unaryCostly : T.unaryCheap;
      if (
        i !== undefined &&
        x.length >= min &&
        isFloat(x) &&
        (out.constructor === x.constructor || out instanceof Uint8Array)
      ) {
        addon.unary(i, x, out);
      } else {
        js.unary(fn, x, out);
      }
    },

    binary(fn, a, aShape, b, bShape, out, outShape) {
      if (out.length < T.binaryCostly) return js.binary(fn, a, aShape, b, bShape, out, outShape);
      const i = binaryIdx.get(fn.name);
      const min = fn.costly ? T.binaryCostly : T.binary;
      if (
        i !== undefined &&
        out.length >= min &&
        isFloat(a) &&
        sameFloat(a, b) &&
        (out.constructor === a.constructor || out instanceof Uint8Array)
      ) {
        const n = out.length;
        // Inputs of out's length are laid out as out (the op checked the broadcast): no shapes.
        if ((a.length === n || a.length === 1) && (b.length === n || b.length === 1))
          addon.binaryFlat(i, a, b as FloatArray, out);
        else addon.binary(i, a, aShape, b as FloatArray, bShape, out, outShape);
      } else {
        js.binary(fn, a, aShape, b, bShape, out, outShape);
      }
    },

    select(cond, condShape, x, xShape, y, yShape, out, outShape) {
      if (
        out.length >= T.select &&
        cond instanceof Uint8Array &&
        isNum(x) &&
        isNum(y) &&
        isNum(out) &&
        x.constructor === y.constructor &&
        x.constructor === out.constructor
      ) {
        addon.select(cond, condShape, x, xShape, y, yShape, out, outShape);
      } else {
        js.select(cond, condShape, x, xShape, y, yShape, out, outShape);
      }
    },

    cast(x, out) {
      if (x.length >= T.cast) addon.cast(x, out);
      else js.cast(x, out);
    },

    reduce(fn, x, shape, axes, out) {
      if (x.length < T.reduce) return js.reduce(fn, x, shape, axes, out);
      const i = reduceIdx.get(fn);
      if (i !== undefined && isFloat(x) && sameFloat(x, out)) {
        addon.reduce(i, x, shape, axes, out as FloatArray);
      } else {
        js.reduce(fn, x, shape, axes, out);
      }
    },

    softmax(x, out, p) {
      if (x.length >= T.softmax && allSameFloat(x, out))
        addon.softmax(x as FloatArray, out as FloatArray, p, false);
      else js.softmax(x, out, p);
    },

    logSoftmax(x, out, p) {
      if (x.length >= T.softmax && allSameFloat(x, out))
        addon.softmax(x as FloatArray, out as FloatArray, p, true);
      else js.logSoftmax(x, out, p);
    },

    softmaxCrossEntropy(labels, logits, loss, backprop, p) {
      if (logits.length >= T.softmax && allSameFloat(logits, labels, loss, backprop)) {
        addon.softmaxCrossEntropy(
          labels as FloatArray,
          logits as FloatArray,
          loss as FloatArray,
          backprop as FloatArray,
          p,
        );
      } else {
        js.softmaxCrossEntropy(labels, logits, loss, backprop, p);
      }
    },

    sparseSoftmaxCrossEntropy(labels, logits, loss, backprop, rows, classes) {
      if (logits.length >= T.softmax && allSameFloat(logits, loss, backprop)) {
        addon.sparseSoftmaxCrossEntropy(
          labels,
          logits as FloatArray,
          loss as FloatArray,
          backprop as FloatArray,
          rows,
          classes,
        );
      } else {
        js.sparseSoftmaxCrossEntropy(labels, logits, loss, backprop, rows, classes);
      }
    },

    matmul(a, b, out, p) {
      if (
        p.batch * p.m * p.n * p.k >= T.matmulMacs &&
        isFloat(a) &&
        sameFloat(a, b) &&
        sameFloat(a, out)
      ) {
        addon.matmul(
          a,
          b as FloatArray,
          out as FloatArray,
          p.batch,
          p.m,
          p.n,
          p.k,
          p.transposeA,
          p.transposeB,
          p.aBatchStride,
          p.bBatchStride,
        );
      } else {
        js.matmul(a, b, out, p);
      }
    },
  };
}
