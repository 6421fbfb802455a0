/**
 * SpaceToBatchND and BatchToSpaceND, TensorFlow's block rearrangements of the spatial
 * dimensions into the batch and back. Both are index maps (each output element copies one input
 * element, or is a zero of the padding), computed here from the shapes and run by the backend's
 * indexGather kernel. Each is the other's adjoint, so each one's gradient is the other, as in
 * TensorFlow, and every order of derivative stays among them.
 */
import { backend } from "../backend/index.js";
import { defineOp, type OpDef } from "../engine/op.js";
import { runOp1 } from "../engine/run-op.js";
import type { NumArray } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { describe, toTensor, type TensorLike } from "./checks.js";

export interface SpaceToBatchAttrs {
  /** The block size of each of the M spatial dimensions (1 .. M after the batch). */
  readonly blockShape: readonly number[];
  /** [before, after] zero padding of each spatial dimension (SpaceToBatchND), or crops (BatchToSpaceND). */
  readonly paddings: readonly (readonly [number, number])[];
}

const prod = (xs: readonly number[]): number => xs.reduce((p, d) => p * d, 1);

function checkAttrs(op: string, x: Tensor, a: SpaceToBatchAttrs, what: string): void {
  const M = a.blockShape.length;
  if (x.dtype === "string") {
    throw new TypeError(`${op}: input must be numeric or bool, got ${describe(x)}`);
  }
  if (M < 1 || !a.blockShape.every((b) => Number.isInteger(b) && b >= 1)) {
    throw new InvalidArgumentError(
      `${op}: block_shape must be a non-empty list of integers >= 1, got [${a.blockShape.join(", ")}]`,
    );
  }
  if (
    a.paddings.length !== M ||
    !a.paddings.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))
  ) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be [${M}, 2] non-negative integers (one pair per block dimension), got ${JSON.stringify(a.paddings)}`,
    );
  }
  if (x.rank < M + 1) {
    throw new InvalidArgumentError(
      `${op}: input rank must be at least 1 + len(block_shape) = ${M + 1}, got ${describe(x)}`,
    );
  }
}

/** SpaceToBatchND's output shape; checks the padded sizes divide by the blocks. */
function spaceToBatchShape(op: string, x: Shape, a: SpaceToBatchAttrs): number[] {
  const M = a.blockShape.length;
  const out = [x[0] * prod(a.blockShape)];
  for (let i = 0; i < M; i++) {
    const padded = x[i + 1] + a.paddings[i][0] + a.paddings[i][1];
    if (padded % a.blockShape[i] !== 0) {
      throw new InvalidArgumentError(
        `${op}: padded size ${padded} of spatial dimension ${i} of input ${shapeMsg(x)} (paddings ${JSON.stringify(a.paddings[i])}) must be divisible by block_shape[${i}] = ${a.blockShape[i]}`,
      );
    }
    out.push(padded / a.blockShape[i]);
  }
  return [...out, ...x.slice(M + 1)];
}

/** BatchToSpaceND's output shape; checks the batch divides and the crops fit. */
function batchToSpaceShape(op: string, x: Shape, a: SpaceToBatchAttrs): number[] {
  const M = a.blockShape.length;
  const blocks = prod(a.blockShape);
  if (x[0] % blocks !== 0) {
    throw new InvalidArgumentError(
      `${op}: input batch ${x[0]} of ${shapeMsg(x)} must be divisible by prod(block_shape) = ${blocks}`,
    );
  }
  const out = [x[0] / blocks];
  for (let i = 0; i < M; i++) {
    const full = x[i + 1] * a.blockShape[i];
    const size = full - a.paddings[i][0] - a.paddings[i][1];
    if (size < 0) {
      throw new InvalidArgumentError(
        `${op}: crops ${JSON.stringify(a.paddings[i])} are larger than spatial dimension ${i} (${full} = ${x[i + 1]} * block ${a.blockShape[i]}) of input ${shapeMsg(x)}`,
      );
    }
    out.push(size);
  }
  return [...out, ...x.slice(M + 1)];
}

/**
 * The index in the SpaceToBatchND input of each element of its output (-1 in the padding).
 * Output batch ob = block * batch + b, the block offsets (o_1..o_M) row-major in `block`;
 * output position q_i reads padded position q_i * block_i + o_i, input position
 * that minus pad_before_i.
 */
function spaceToBatchMap(x: Shape, y: Shape, a: SpaceToBatchAttrs): Int32Array {
  const M = a.blockShape.length;
  const batch = x[0];
  const inner = prod(x.slice(M + 1));
  const ySpatial = y.slice(1, M + 1);
  const xSpatial = x.slice(1, M + 1);
  const map = new Int32Array(prod(y));
  const q = new Array<number>(M).fill(0);
  const o = new Array<number>(M).fill(0);
  const cells = prod(ySpatial);
  let at = 0;
  for (let ob = 0; ob < y[0]; ob++) {
    const b = ob % batch;
    let blk = Math.floor(ob / batch);
    for (let i = M - 1; i >= 0; i--) {
      o[i] = blk % a.blockShape[i];
      blk = Math.floor(blk / a.blockShape[i]);
    }
    for (let cell = 0; cell < cells; cell++) {
      let r = cell;
      for (let i = M - 1; i >= 0; i--) {
        q[i] = r % ySpatial[i];
        r = Math.floor(r / ySpatial[i]);
      }
      let src = b;
      let inside = true;
      for (let i = 0; i < M; i++) {
        const p = q[i] * a.blockShape[i] + o[i] - a.paddings[i][0];
        if (p < 0 || p >= xSpatial[i]) inside = false;
        src = src * xSpatial[i] + p;
      }
      for (let k = 0; k < inner; k++) map[at++] = inside ? src * inner + k : -1;
    }
  }
  return map;
}

/** The index in the BatchToSpaceND input of each element of its output (the inverse map). */
function batchToSpaceMap(x: Shape, y: Shape, a: SpaceToBatchAttrs): Int32Array {
  const M = a.blockShape.length;
  const batch = y[0];
  const inner = prod(x.slice(M + 1));
  const ySpatial = y.slice(1, M + 1);
  const xSpatial = x.slice(1, M + 1);
  const map = new Int32Array(prod(y));
  const cells = prod(ySpatial);
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let cell = 0; cell < cells; cell++) {
      let r = cell;
      let blk = 0;
      let pos = 0;
      let scale = 1;
      let blkScale = 1;
      for (let i = M - 1; i >= 0; i--) {
        const p = (r % ySpatial[i]) + a.paddings[i][0];
        r = Math.floor(r / ySpatial[i]);
        blk += (p % a.blockShape[i]) * blkScale;
        blkScale *= a.blockShape[i];
        pos += Math.floor(p / a.blockShape[i]) * scale;
        scale *= xSpatial[i];
      }
      const src = ((blk * batch + b) * scale + pos) * inner;
      for (let k = 0; k < inner; k++) map[at++] = src + k;
    }
  }
  return map;
}

const CASE: SpaceToBatchAttrs = {
  blockShape: [2, 3],
  paddings: [
    [1, 0],
    [2, 1],
  ],
};

export const SpaceToBatchND: OpDef<SpaceToBatchAttrs> = defineOp<SpaceToBatchAttrs>({
  name: "SpaceToBatchND",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [2, 3, 3, 2] }], attrs: CASE }] },
  infer: ([x], a) => {
    checkAttrs("SpaceToBatchND", x, a, "paddings");
    return [{ shape: spaceToBatchShape("SpaceToBatchND", x.shape, a), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.indexGather(
      b.read(x) as NumArray,
      spaceToBatchMap(x.shape, y.shape, a),
      b.read(y) as NumArray,
      { blockOut: 1, blockIn: 0 },
    ),
  overwritesOutputs: true,
  // Linear; its adjoint drops the padding and puts the blocks back: BatchToSpaceND.
  grad: ([dy], c) => [runOp1(BatchToSpaceND, [dy], c.attrs)],
});

export const BatchToSpaceND: OpDef<SpaceToBatchAttrs> = defineOp<SpaceToBatchAttrs>({
  name: "BatchToSpaceND",
  kind: "movement",
  check: { cases: [{ inputs: [{ shape: [12, 2, 2, 2] }], attrs: CASE }] },
  infer: ([x], a) => {
    checkAttrs("BatchToSpaceND", x, a, "crops");
    return [{ shape: batchToSpaceShape("BatchToSpaceND", x.shape, a), dtype: x.dtype }];
  },
  kernel: (b, [x], [y], a) =>
    b.indexGather(
      b.read(x) as NumArray,
      batchToSpaceMap(x.shape, y.shape, a),
      b.read(y) as NumArray,
      { blockOut: 1, blockIn: 0 },
    ),
  overwritesOutputs: true,
  // Linear; its adjoint scatters back and zero-fills the cropped cells: SpaceToBatchND.
  grad: ([dy], c) => [runOp1(SpaceToBatchND, [dy], c.attrs)],
});

/** A list of integers given as an array or an int32 tensor. */
function intList(fn: string, what: string, v: readonly number[] | Tensor): number[] {
  const arr = v instanceof Tensor ? Array.from(backend().read(v) as ArrayLike<number>, Number) : v;
  if (!Array.isArray(arr) && !(v instanceof Tensor)) {
    throw new TypeError(`${fn}: ${what} must be a list of integers, got ${String(v)}`);
  }
  return [...arr];
}

/** Pairs given as [[a, b], ...], a flat tensor [M, 2], or a tensor. */
function pairList(
  fn: string,
  what: string,
  v: readonly (readonly number[])[] | Tensor,
  m: number,
): [number, number][] {
  if (v instanceof Tensor) {
    if (v.rank !== 2 || v.shape[1] !== 2) {
      throw new InvalidArgumentError(
        `${fn}: ${what} must have shape [${m}, 2], got ${describe(v)}`,
      );
    }
    const f = intList(fn, what, v);
    return Array.from({ length: v.shape[0] }, (_, i) => [f[2 * i], f[2 * i + 1]]);
  }
  if (!Array.isArray(v) || !v.every((p) => Array.isArray(p) && p.length === 2)) {
    throw new InvalidArgumentError(
      `${fn}: ${what} must be [${m}, 2] (one [before, after] pair per block dimension), got ${JSON.stringify(v)}`,
    );
  }
  return v.map((p) => [p[0], p[1]]);
}

function attrsOf(
  fn: string,
  what: string,
  blockShape: readonly number[] | Tensor,
  pairs: readonly (readonly number[])[] | Tensor,
): SpaceToBatchAttrs {
  const block = intList(fn, "block_shape", blockShape);
  return { blockShape: block, paddings: pairList(fn, what, pairs, block.length) };
}

/**
 * `tf.spaceToBatchND(input, blockShape, paddings)`: zero-pads the M spatial dimensions after
 * the batch by paddings [M, 2], splits each into blocks of blockShape[i], and moves the block
 * offsets into the batch: output [batch * prod(blockShape), padded_1 / block_1, ...,
 * remaining dims], the block offset the outer part of the output batch.
 */
export const spaceToBatchND = api(
  function spaceToBatchND(
    input: TensorLike,
    blockShape: readonly number[] | Tensor,
    paddings: readonly (readonly number[])[] | Tensor,
  ): Tensor {
    const x = toTensor(input, "spaceToBatchND");
    return runOp1(SpaceToBatchND, [x], attrsOf("SpaceToBatchND", "paddings", blockShape, paddings));
  },
  { namespaces: [] },
);

/**
 * `tf.batchToSpaceND(input, blockShape, crops)`: the inverse of spaceToBatchND: moves the
 * block offsets from the batch back into the spatial dimensions and crops them by crops [M, 2].
 */
export const batchToSpaceND = api(
  function batchToSpaceND(
    input: TensorLike,
    blockShape: readonly number[] | Tensor,
    crops: readonly (readonly number[])[] | Tensor,
  ): Tensor {
    const x = toTensor(input, "batchToSpaceND");
    return runOp1(BatchToSpaceND, [x], attrsOf("BatchToSpaceND", "crops", blockShape, crops));
  },
  { namespaces: [] },
);

/** `tf.spaceToBatch(input, blockShape, paddings)` (and `tf.nn.spaceToBatch`): spaceToBatchND. */
export const spaceToBatch = api(
  function spaceToBatch(
    input: TensorLike,
    blockShape: readonly number[] | Tensor,
    paddings: readonly (readonly number[])[] | Tensor,
  ): Tensor {
    return spaceToBatchND(input, blockShape, paddings);
  },
  { namespaces: ["nn"] },
);

/** `tf.batchToSpace(input, blockShape, crops)` (and `tf.nn.batchToSpace`): batchToSpaceND. */
export const batchToSpace = api(
  function batchToSpace(
    input: TensorLike,
    blockShape: readonly number[] | Tensor,
    crops: readonly (readonly number[])[] | Tensor,
  ): Tensor {
    return batchToSpaceND(input, blockShape, crops);
  },
  { namespaces: ["nn"] },
);
