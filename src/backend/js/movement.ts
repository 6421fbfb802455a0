/**
 * JS data movement kernels. They copy values without looking at them, so one loop serves every
 * storage (typed arrays and the string[] of string tensors): writes go through an `unknown[]`
 * view of the output, which is the same object at run time.
 */
import type { MovementKernels } from "../movement.js";
import type { DataArray, NumArray } from "../../tensor/dtype.js";
import { stridesOf, type Shape } from "../../tensor/shape.js";
import { broadcastStrides, forEachBroadcastRow } from "./elementwise.js";

/** Below this many elements a plain loop beats making a subarray for TypedArray.set. */
const SET_THRESHOLD = 64;

/** dst[d .. d+n) = src[s .. s+n): TypedArray.set for long numeric runs, a loop otherwise. */
function copyRun(src: DataArray, s: number, dst: DataArray, d: number, n: number): void {
  if (n >= SET_THRESHOLD && !Array.isArray(src) && !Array.isArray(dst)) {
    (dst as Float64Array).set((src as Float64Array).subarray(s, s + n), d);
    return;
  }
  const w = dst as unknown[];
  for (let i = 0; i < n; i++) w[d + i] = src[s + i];
}

/**
 * Drops size-1 axes and merges neighbours that are contiguous in the source (stride[a] =
 * stride[a+1] * shape[a+1]), so loops run over as few and as long axes as possible.
 */
function mergeAxes(shape: Shape, strides: readonly number[]): [number[], number[]] {
  const s: number[] = [];
  const t: number[] = [];
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && t[k] === strides[a] * shape[a]) {
      s[k] *= shape[a];
      t[k] = strides[a];
    } else {
      s.push(shape[a]);
      t.push(strides[a]);
    }
  }
  return [s, t];
}

/**
 * out (of outShape) = x read at base + sum_a i_a strides[a]: the one strided gather behind
 * transpose and stridedSlice. Rows of the output are contiguous; the inner loop reads with the
 * last axis' stride (a straight copy when that is 1).
 */
function stridedRead(
  x: DataArray,
  base: number,
  strides: readonly number[],
  out: DataArray,
  outShape: Shape,
): void {
  const [shape, st] = mergeAxes(outShape, strides);
  const w = out as unknown[];
  const r = shape.length;
  if (r === 0) {
    w[0] = x[base];
    return;
  }
  const inner = shape[r - 1];
  const s = st[r - 1];
  if (r >= 2 && st[r - 2] === 1 && s !== 1 && inner >= 16 && shape[r - 2] >= 16) {
    // A batch of matrix transposes (the source's contiguous axis is the output's second to
    // last): copy in square tiles so both sides stay in cache.
    blockedTranspose(x, base, shape, st, w);
    return;
  }
  forEachBroadcastRow(shape, [st], (off, oo) => {
    const o = base + off[0];
    if (s === 1) copyRun(x, o, out, oo, inner);
    else for (let i = 0; i < inner; i++) w[oo + i] = x[o + i * s];
  });
}

const TILE = 32;

/** out[..., i, j] = x[base + ... + i + j * st[r-1]] in TILE x TILE blocks. */
function blockedTranspose(
  x: DataArray,
  base: number,
  shape: readonly number[],
  st: readonly number[],
  w: unknown[],
): void {
  const r = shape.length;
  const rows = shape[r - 2];
  const cols = shape[r - 1];
  const cs = st[r - 1];
  const mat = rows * cols;
  // Walk the batch axes with a row walker over [...batch, 1]: one call per matrix.
  const batchShape = [...shape.slice(0, r - 2), 1];
  const batchStrides = [...st.slice(0, r - 2), 0];
  let m = 0;
  forEachBroadcastRow(batchShape, [batchStrides], (off) => {
    const xo = base + off[0];
    const oo = m++ * mat;
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          const orow = oo + i * cols;
          const xrow = xo + i;
          for (let j = j0; j < j1; j++) w[orow + j] = x[xrow + j * cs];
        }
      }
    }
  });
}

/** Row walker over outShape where axis a's offset is maps[a][i_a]: calls row(offset, outOffset). */
function forEachMappedRow(
  outShape: Shape,
  maps: readonly Int32Array[],
  row: (offset: number, outOffset: number) => void,
): void {
  const r = outShape.length;
  const inner = outShape[r - 1];
  let rows = 1;
  for (let a = 0; a < r - 1; a++) rows *= outShape[a];
  if (inner === 0 || rows === 0) return;
  const idx = new Int32Array(r);
  let off = 0;
  for (let a = 0; a < r - 1; a++) off += maps[a][0];
  for (let k = 0; k < rows; k++) {
    row(off, k * inner);
    for (let a = r - 2; a >= 0; a--) {
      const m = maps[a];
      off -= m[idx[a]];
      if (++idx[a] < outShape[a]) {
        off += m[idx[a]];
        break;
      }
      idx[a] = 0;
      off += m[0];
    }
  }
}

/** For each axis, the source offset (index times stride) of every padded output index. */
function mirrorMaps(
  shape: Shape,
  before: readonly number[],
  symmetric: boolean,
  outShape: Shape,
): Int32Array[] {
  const st = stridesOf(shape);
  return outShape.map((m, a) => {
    const n = shape[a];
    const map = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      let k = j - before[a];
      // REFLECT: -1 -> 1, n -> n-2; SYMMETRIC: -1 -> 0, n -> n-1.
      if (k < 0) k = symmetric ? -k - 1 : -k;
      else if (k >= n) k = symmetric ? 2 * n - 1 - k : 2 * n - 2 - k;
      map[j] = k * st[a];
    }
    return map;
  });
}

export const jsMovement: MovementKernels = {
  broadcastTo(x, inShape, out, outShape) {
    const n = out.length;
    if (n === 0) return;
    const w = out as unknown[];
    if (x.length === 1) {
      w.fill(x[0]);
      return;
    }
    if (outShape.length === 0) {
      w[0] = x[0];
      return;
    }
    const strides = broadcastStrides(inShape, outShape);
    const last = outShape.length - 1;
    const inner = outShape[last];
    const s = strides[last];
    forEachBroadcastRow(outShape, [strides], (off, oo) => {
      const o = off[0];
      if (s === 1) copyRun(x, o, out, oo, inner);
      else if (s === 0) w.fill(x[o], oo, oo + inner);
      else for (let i = 0; i < inner; i++) w[oo + i] = x[o + i * s];
    });
  },

  transpose(x, shape, perm, out) {
    if (out.length === 0) return;
    const st = stridesOf(shape);
    stridedRead(
      x,
      0,
      perm.map((p) => st[p]),
      out,
      perm.map((p) => shape[p]),
    );
  },

  stridedSlice(x, shape, begin, strides, out, outShape) {
    if (out.length === 0) return;
    const st = stridesOf(shape);
    let base = 0;
    for (let a = 0; a < shape.length; a++) base += begin[a] * st[a];
    stridedRead(
      x,
      base,
      st.map((s, a) => s * strides[a]),
      out,
      outShape,
    );
  },

  stridedSliceGrad(dy, dyShape, begin, strides, out, shape) {
    if (dy.length === 0) return;
    const st = stridesOf(shape);
    const w = out as unknown[];
    let base = 0;
    for (let a = 0; a < shape.length; a++) base += begin[a] * st[a];
    if (dyShape.length === 0) {
      w[base] = dy[0];
      return;
    }
    const es = st.map((s, a) => s * strides[a]);
    const last = dyShape.length - 1;
    const inner = dyShape[last];
    const s = es[last];
    forEachBroadcastRow(dyShape, [es], (off, dyo) => {
      const o = base + off[0];
      if (s === 1) copyRun(dy, dyo, out, o, inner);
      else for (let i = 0; i < inner; i++) w[o + i * s] = dy[dyo + i];
    });
  },

  concat(xs, outer, inners, out) {
    let total = 0;
    for (const n of inners) total += n;
    for (let k = 0, start = 0; k < xs.length; start += inners[k], k++) {
      const n = inners[k];
      if (n === 0) continue;
      const x = xs[k];
      for (let o = 0; o < outer; o++) copyRun(x, o * n, out, o * total + start, n);
    }
  },

  split(x, outer, inners, outs) {
    let total = 0;
    for (const n of inners) total += n;
    for (let k = 0, start = 0; k < outs.length; start += inners[k], k++) {
      const n = inners[k];
      if (n === 0) continue;
      const y = outs[k];
      for (let o = 0; o < outer; o++) copyRun(x, o * total + start, y, o * n, n);
    }
  },

  pad(x, shape, before, value, out, outShape) {
    if (out.length === 0) return;
    // The op lets this kernel write every element (out may hold garbage): fill, then copy x in.
    if (out.length !== x.length) (out as unknown[]).fill(value);
    if (x.length === 0) return;
    if (shape.length === 0) {
      (out as unknown[])[0] = x[0];
      return;
    }
    const ost = stridesOf(outShape);
    let base = 0;
    for (let a = 0; a < shape.length; a++) base += before[a] * ost[a];
    const inner = shape[shape.length - 1];
    // Walk the rows of x (contiguous in x); each lands contiguously in out.
    forEachBroadcastRow(shape, [ost], (off, xo) => copyRun(x, xo, out, base + off[0], inner));
  },

  mirrorPad(x, shape, before, symmetric, out, outShape) {
    if (out.length === 0) return;
    const w = out as unknown[];
    if (shape.length === 0) {
      w[0] = x[0];
      return;
    }
    const maps = mirrorMaps(shape, before, symmetric, outShape);
    const last = maps[maps.length - 1];
    const inner = last.length;
    forEachMappedRow(outShape, maps, (xo, oo) => {
      for (let i = 0; i < inner; i++) w[oo + i] = x[xo + last[i]];
    });
  },

  mirrorPadGrad(dy, dyShape, before, symmetric, out, shape) {
    if (dy.length === 0) return;
    if (shape.length === 0) {
      out[0] = dy[0];
      return;
    }
    const maps = mirrorMaps(shape, before, symmetric, dyShape);
    const last = maps[maps.length - 1];
    const inner = last.length;
    forEachMappedRow(dyShape, maps, (xo, dyo) => {
      for (let i = 0; i < inner; i++) out[xo + last[i]] += dy[dyo + i];
    });
  },

  gather(params, indices, batch, outer, axisSize, inner, out) {
    const n = indices.length / (batch || 1);
    for (let b = 0; b < batch; b++) {
      const ib = b * n;
      for (let o = 0; o < outer; o++) {
        const src = (b * outer + o) * axisSize;
        const dst = (b * outer + o) * n;
        for (let j = 0; j < n; j++) {
          copyRun(params, (src + indices[ib + j]) * inner, out, (dst + j) * inner, inner);
        }
      }
    }
  },

  gatherNd(params, indices, n, depth, strides, sliceSize, out) {
    for (let i = 0; i < n; i++) {
      let off = 0;
      for (let k = 0; k < depth; k++) off += indices[i * depth + k] * strides[k];
      copyRun(params, off, out, i * sliceSize, sliceSize);
    }
  },

  scatterNd(indices, updates, n, depth, strides, sliceSize, out) {
    for (let i = 0; i < n; i++) {
      let off = 0;
      for (let k = 0; k < depth; k++) off += indices[i * depth + k] * strides[k];
      const u = i * sliceSize;
      if (Array.isArray(out)) {
        const us = updates as string[];
        for (let s = 0; s < sliceSize; s++) out[off + s] += us[u + s];
      } else if (out instanceof Uint8Array) {
        for (let s = 0; s < sliceSize; s++) out[off + s] = out[off + s] || updates[u + s] ? 1 : 0;
      } else {
        const un = updates as NumArray;
        for (let s = 0; s < sliceSize; s++) out[off + s] += un[u + s];
      }
    }
  },

  unsortedSegmentSum(data, ids, inner, out) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0) continue;
      const src = i * inner;
      const dst = id * inner;
      for (let k = 0; k < inner; k++) out[dst + k] += data[src + k];
    }
  },

  unsortedSegmentReduce(reduction, data, ids, inner, out) {
    // The dtype's lowest / highest finite value (numeric_limits<T>::lowest() and max()).
    const big =
      out instanceof Int32Array
        ? 2147483647
        : out instanceof Float32Array
          ? 3.4028234663852886e38
          : Number.MAX_VALUE;
    out.fill(
      reduction === "prod"
        ? 1
        : reduction === "max"
          ? big === 2147483647
            ? -2147483648
            : -big
          : big,
    );
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0) continue;
      const src = i * inner;
      const dst = id * inner;
      if (reduction === "prod") {
        for (let k = 0; k < inner; k++) out[dst + k] *= data[src + k];
      } else if (reduction === "max") {
        for (let k = 0; k < inner; k++) {
          const v = data[src + k];
          if (v > out[dst + k] || v !== v) out[dst + k] = v;
        }
      } else {
        for (let k = 0; k < inner; k++) {
          const v = data[src + k];
          if (v < out[dst + k] || v !== v) out[dst + k] = v;
        }
      }
    }
  },

  oneHot(indices, outer, depth, inner, on, off, out) {
    const w = out as unknown[];
    if (off !== 0 && off !== "") w.fill(off);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const d = indices[o * inner + i];
        if (d >= 0 && d < depth) w[(o * depth + d) * inner + i] = on;
      }
    }
  },
};
