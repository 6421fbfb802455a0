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

export function makeNativeBackend(addon: NativeAddon, js: Backend): Backend {
  const unaryIdx = indexOf<string>(addon.unaryNames);
  const binaryIdx = indexOf<string>(addon.binaryNames);
  const reduceIdx = indexOf<ReduceFn>(addon.reduceNames);
  const T = THRESHOLDS;

  return {
    ...js,
    ...nativeExtras(addon, js),
    name: "native",

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

    conv2d(x, w, y, p) {
      if (convMacs(p) >= T.convMacs && allSameFloat(x, w, y))
        addon.conv2d(x as FloatArray, w as FloatArray, y as FloatArray, p);
      else js.conv2d(x, w, y, p);
    },

    conv2dBackpropInput(w, dy, dx, p) {
      if (convMacs(p) >= T.convMacs && allSameFloat(w, dy, dx))
        addon.conv2dBackpropInput(w as FloatArray, dy as FloatArray, dx as FloatArray, p);
      else js.conv2dBackpropInput(w, dy, dx, p);
    },

    conv2dBackpropFilter(x, dy, dw, p) {
      if (convMacs(p) >= T.convMacs && allSameFloat(x, dy, dw))
        addon.conv2dBackpropFilter(x as FloatArray, dy as FloatArray, dw as FloatArray, p);
      else js.conv2dBackpropFilter(x, dy, dw, p);
    },

    maxPool(x, y, p) {
      if (poolWork(p) >= T.pool && allSameFloat(x, y))
        addon.maxPool(x as FloatArray, y as FloatArray, p);
      else js.maxPool(x, y, p);
    },

    avgPool(x, y, p) {
      if (poolWork(p) >= T.pool && allSameFloat(x, y))
        addon.avgPool(x as FloatArray, y as FloatArray, p);
      else js.avgPool(x, y, p);
    },

    maxPoolGrad(x, dy, dx, p) {
      if (poolWork(p) >= T.pool && allSameFloat(x, dy, dx))
        addon.maxPoolGrad(x as FloatArray, dy as FloatArray, dx as FloatArray, p);
      else js.maxPoolGrad(x, dy, dx, p);
    },

    maxPoolGradGrad(x, g, out, p) {
      if (poolWork(p) >= T.pool && allSameFloat(x, g, out))
        addon.maxPoolGradGrad(x as FloatArray, g as FloatArray, out as FloatArray, p);
      else js.maxPoolGradGrad(x, g, out, p);
    },

    avgPoolGrad(dy, dx, p) {
      if (poolWork(p) >= T.pool && allSameFloat(dy, dx))
        addon.avgPoolGrad(dy as FloatArray, dx as FloatArray, p);
      else js.avgPoolGrad(dy, dx, p);
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
