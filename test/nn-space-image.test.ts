/**
 * spaceToBatchND / batchToSpaceND, maxPoolWithArgmax, dilation2d / erosion2d,
 * tf.image.extractPatches and tf.image.cropAndResize: values against TensorFlow's documented
 * examples and hand-computed cases, identities (batchToSpace inverts spaceToBatch, patches are a
 * one-hot conv2d), gradients of the composites, and bad inputs. The registry test gradchecks
 * every entry (SpaceToBatchND, BatchToSpaceND, MaxPoolWithArgmax and its routing ops,
 * Dilation2D, CropAndResize, ExtractImagePatches and its adjoint).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { InvalidArgumentError } from "../src/tensor/errors.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { assertClose, randFloat } from "./helpers/tolerance.js";

const rand = (shape: number[], seed: number): tf.Tensor => randFloat(shape, seed, "float64", -1, 1);
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);
const iota = (shape: number[], start = 1, dtype: "float32" | "float64" | "int32" = "float32") =>
  tf.reshape(tf.range(start, start + shape.reduce((a, b) => a * b, 1), 1, dtype), shape);

test("spaceToBatchND and batchToSpaceND: TensorFlow's documented examples", () => {
  const a = tf.spaceToBatchND(
    iota([1, 2, 2, 1]),
    [2, 2],
    [
      [0, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(a.shape, [4, 1, 1, 1]);
  assert.deepEqual(vals(a), [1, 2, 3, 4]);
  const b = tf.spaceToBatchND(
    iota([1, 2, 2, 3]),
    [2, 2],
    [
      [0, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(b.shape, [4, 1, 1, 3]);
  assert.deepEqual(vals(b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const c = tf.spaceToBatchND(
    iota([1, 4, 4, 1]),
    [2, 2],
    [
      [0, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(c.shape, [4, 2, 2, 1]);
  assert.deepEqual(vals(c), [1, 3, 9, 11, 2, 4, 10, 12, 5, 7, 13, 15, 6, 8, 14, 16]);
  const d = tf.spaceToBatchND(
    iota([2, 2, 4, 1]),
    [2, 2],
    [
      [0, 0],
      [2, 0],
    ],
  );
  assert.deepEqual(d.shape, [8, 1, 3, 1]);
  assert.deepEqual(
    vals(d),
    [0, 1, 3, 0, 9, 11, 0, 2, 4, 0, 10, 12, 0, 5, 7, 0, 13, 15, 0, 6, 8, 0, 14, 16],
  );
  // batchToSpace undoes each, the crops removing the padding.
  assert.deepEqual(
    vals(
      tf.batchToSpaceND(
        a,
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    ),
    [1, 2, 3, 4],
  );
  const back = tf.batchToSpaceND(
    d,
    [2, 2],
    [
      [0, 0],
      [2, 0],
    ],
  );
  assert.deepEqual(back.shape, [2, 2, 4, 1]);
  assert.deepEqual(vals(back), vals(iota([2, 2, 4, 1])));
  // The aliases.
  assert.deepEqual(
    vals(
      tf.nn.spaceToBatch(
        iota([1, 4, 4, 1]),
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    ),
    vals(c),
  );
  assert.deepEqual(
    vals(
      tf.batchToSpace(
        c,
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    ),
    vals(iota([1, 4, 4, 1])),
  );
  assert.equal(typeof tf.nn.batchToSpace, "function");
});

test("batchToSpaceND(spaceToBatchND(x)) = x: 1-D and 3-D blocks, remaining dims, int32, tensor args", () => {
  const x = iota([3, 5, 2], 0, "int32");
  const s = tf.spaceToBatchND(x, [3], [[1, 0]]);
  assert.deepEqual(s.shape, [9, 2, 2]);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(vals(tf.batchToSpaceND(s, [3], [[1, 0]])), vals(x));
  const y = rand([2, 3, 4, 2, 3], 1);
  const pads = tf.constant(
    [
      [1, 2],
      [0, 0],
      [2, 0],
    ],
    "int32",
  );
  const t = tf.spaceToBatchND(y, tf.constant([2, 2, 2], "int32"), pads);
  assert.deepEqual(t.shape, [16, 3, 2, 2, 3]);
  assertClose(tf.batchToSpaceND(t, [2, 2, 2], pads), vals(y), 0);
  // The padding cells are zeros: their sum is the input's.
  assert.ok(
    Math.abs((tf.reduceSum(t).numpy() as number) - (tf.reduceSum(y).numpy() as number)) < 1e-12,
  );
  checkGradients(
    (u) =>
      tf.spaceToBatchND(
        u,
        [2, 2, 2],
        [
          [1, 2],
          [0, 0],
          [2, 0],
        ],
      ),
    [y],
  );
});

test("maxPoolWithArgmax: hand-computed maxima and TensorFlow's flattened argmax", () => {
  const x = tf.constant([1, 5, 3, 2, 7, 0, 4, 9], "float32", [2, 2, 2, 1]);
  const r = tf.nn.maxPoolWithArgmax(x, 2, 2, "VALID");
  assert.deepEqual(vals(r.output), [5, 9]);
  assert.equal(r.argmax.dtype, "int32");
  assert.deepEqual(vals(r.argmax), [1, 3]);
  const rb = tf.nn.maxPoolWithArgmax(x, 2, 2, "VALID", { includeBatchInIndex: true });
  assert.deepEqual(vals(rb.argmax), [1, 7]);
  // Channels interleave: index (y * width + x) * channels + c.
  const z = rand([2, 5, 4, 3], 2);
  const q = tf.nn.maxPoolWithArgmax(z, [3, 2], [2, 2], "SAME", { includeBatchInIndex: true });
  assertClose(q.output, vals(tf.nn.maxPool2d(z, [3, 2], [2, 2], "SAME")), 0);
  const zv = vals(z);
  vals(q.argmax).forEach((i, k) => assert.equal(zv[i], vals(q.output)[k]));
  // The gradient of the output sum puts one at each argmax.
  const tape = new tf.GradientTape();
  tape.watch(z);
  const loss = tape.record(() =>
    tf.reduceSum(tf.nn.maxPoolWithArgmax(z, [3, 2], [2, 2], "SAME").output),
  );
  const [g] = tape.gradient(loss, [z]);
  const want = new Array<number>(zv.length).fill(0);
  for (const i of vals(q.argmax)) want[i] += 1;
  assert.deepEqual(vals(g as tf.Tensor), want);
});

test("dilation2d and erosion2d: hand-computed windows, SAME and VALID, rates", () => {
  const x = iota([1, 3, 3, 1]);
  const zero = tf.zeros([2, 2, 1]);
  assert.deepEqual(vals(tf.nn.dilation2d(x, zero, 1, "VALID")), [5, 6, 8, 9]);
  assert.deepEqual(vals(tf.nn.dilation2d(x, zero, 1, "SAME")), [5, 6, 6, 8, 9, 9, 8, 9, 9]);
  const w = tf.constant([0, 10, 0, 0], "float32", [2, 2, 1]);
  assert.deepEqual(vals(tf.nn.dilation2d(x, w, 1, "VALID")), [12, 13, 15, 16]);
  assert.deepEqual(vals(tf.nn.erosion2d(x, zero, 1, "VALID")), [1, 2, 4, 5]);
  // Erosion subtracts the filter reversed (TensorFlow's -dilation2d(-x, reverse(w))):
  // min(x[i, j] - 0, x[i, j+1] - 0, x[i+1, j] - 10, x[i+1, j+1] - 0).
  assert.deepEqual(vals(tf.nn.erosion2d(x, w, 1, "VALID")), [-6, -5, -3, -2]);
  assert.deepEqual(vals(tf.nn.erosion2d(x, zero, 1, "SAME")), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Rate 2 with a 2x2 filter reads the corners of each 3x3 window.
  assert.deepEqual(vals(tf.nn.dilation2d(iota([1, 3, 3, 1]), zero, 1, "VALID", "NHWC", 2)), [9]);
  // The gradient goes to each window's maximizing pixel and tap.
  const xs = tf.cast(x, "float64");
  const ws = tf.cast(w, "float64");
  const tape = new tf.GradientTape({ persistent: true });
  tape.watch([xs, ws]);
  const y = tape.record(() => tf.reduceSum(tf.nn.dilation2d(xs, ws, 1, "VALID")));
  const [gx, gw] = tape.gradient(y, [xs, ws]);
  assert.deepEqual(vals(gx as tf.Tensor), [0, 1, 1, 0, 1, 1, 0, 0, 0]);
  assert.deepEqual(vals(gw as tf.Tensor), [0, 4, 0, 0]);
  checkGradients(
    (u, v) => tf.nn.erosion2d(u, v, [1, 2], "SAME"),
    [rand([1, 4, 5, 2], 3), rand([2, 3, 2], 4)],
  );
});

test("extractPatches: TensorFlow's documented example, rates, and a one-hot conv2d", () => {
  const img = iota([1, 10, 10, 1]);
  const p = tf.image.extractPatches(img, [1, 3, 3, 1], [1, 5, 5, 1], [1, 1, 1, 1], "VALID");
  assert.deepEqual(p.shape, [1, 2, 2, 9]);
  assert.deepEqual(
    vals(p).slice(0, 18),
    [1, 2, 3, 11, 12, 13, 21, 22, 23, 6, 7, 8, 16, 17, 18, 26, 27, 28],
  );
  const r = tf.image.extractPatches(img, [1, 3, 3, 1], [1, 5, 5, 1], [1, 2, 2, 1], "VALID");
  assert.deepEqual(r.shape, [1, 2, 2, 9]);
  assert.deepEqual(
    vals(r).slice(0, 18),
    [1, 3, 5, 21, 23, 25, 41, 43, 45, 6, 8, 10, 26, 28, 30, 46, 48, 50],
  );
  // Patches in (row, col, channel) order are conv2d with the one-hot filter E[r, c, d, (r kc + c) D + d].
  const x = rand([2, 5, 6, 2], 5);
  const [kr, kc, D] = [2, 3, 2];
  const e = new Float64Array(kr * kc * D * kr * kc * D);
  for (let i = 0; i < kr * kc * D; i++) e[i * kr * kc * D + i] = 1;
  const E = tf.constant(e, "float64", [kr, kc, D, kr * kc * D]);
  for (const pad of ["SAME", "VALID"] as const) {
    const got = tf.image.extractPatches(x, [kr, kc], [2, 1], [1, 2], pad);
    const want = tf.nn.conv2d(x, E, [2, 1], pad, { dilations: [1, 2] });
    assert.deepEqual(got.shape, want.shape);
    assertClose(got, vals(want), 1e-15, pad);
  }
});

test("cropAndResize: hand-computed bilinear and nearest crops, extrapolation, flipped boxes", () => {
  const img = tf.constant([0, 1, 2, 3], "float32", [1, 2, 2, 1]);
  const full = tf.image.cropAndResize(img, [[0, 0, 1, 1]], [0], [3, 3]);
  assert.deepEqual(full.shape, [1, 3, 3, 1]);
  assert.equal(full.dtype, "float32");
  assert.deepEqual(vals(full), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  assert.deepEqual(vals(tf.image.cropAndResize(img, [[0, 0, 1, 1]], [0], [1, 1])), [1.5]);
  assert.deepEqual(
    vals(tf.image.cropAndResize(img, [[0, 0, 2, 2]], [0], [3, 3], "bilinear", -1)),
    [0, 1, -1, 2, 3, -1, -1, -1, -1],
  );
  assert.deepEqual(
    vals(tf.image.cropAndResize(img, [[0, 0, 1, 1]], [0], [3, 3], "nearest")),
    [0, 1, 1, 2, 3, 3, 2, 3, 3],
  );
  assert.deepEqual(vals(tf.image.cropAndResize(img, [[1, 0, 0, 1]], [0], [2, 2])), [2, 3, 0, 1]);
  // A full box at the image's size is the image; box_indices pick the image.
  const two = rand([2, 4, 3, 2], 6);
  const back = tf.image.cropAndResize(two, tf.constant([[0, 0, 1, 1]], "float64"), [1], [4, 3]);
  assertClose(back, vals(tf.slice(two, [1, 0, 0, 0], [1, 4, 3, 2])), 1e-15);
  // The image gradient of a sum counts each pixel's bilinear weights: 3x3 from 2x2 spreads 9.
  const x = tf.cast(img, "float64");
  const tape = new tf.GradientTape();
  tape.watch(x);
  const s = tape.record(() =>
    tf.reduceSum(tf.image.cropAndResize(x, tf.constant([[0, 0, 1, 1]], "float64"), [0], [3, 3])),
  );
  const [g] = tape.gradient(s, [x]);
  assert.deepEqual(vals(g as tf.Tensor), [2.25, 2.25, 2.25, 2.25]);
});

test("the new ops' bad inputs throw errors naming the op, shapes and dtypes", () => {
  const x = tf.zeros([1, 4, 4, 1]);
  assert.throws(
    () =>
      tf.spaceToBatchND(
        x,
        [3, 3],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    (e: Error) =>
      e instanceof InvalidArgumentError &&
      /SpaceToBatchND: padded size 4 of spatial dimension 0 of input \[1,4,4,1\].*block_shape\[0\] = 3/.test(
        e.message,
      ),
  );
  assert.throws(
    () => tf.spaceToBatchND(x, [2, 2], [[0, 0]]),
    /SpaceToBatchND: paddings must be \[2, 2\]/,
  );
  assert.throws(
    () =>
      tf.spaceToBatchND(
        x,
        [0, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    /SpaceToBatchND: block_shape must be/,
  );
  assert.throws(
    () => tf.spaceToBatchND(tf.zeros([4]), [2], [[0, 0]]),
    /SpaceToBatchND: input rank must be at least 1 \+ len\(block_shape\) = 2, got \[4\] float32/,
  );
  assert.throws(
    () =>
      tf.batchToSpaceND(
        tf.zeros([3, 2, 2, 1]),
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ),
    /BatchToSpaceND: input batch 3 of \[3,2,2,1\] must be divisible by prod\(block_shape\) = 4/,
  );
  assert.throws(
    () =>
      tf.batchToSpaceND(
        tf.zeros([4, 1, 1, 1]),
        [2, 2],
        [
          [2, 1],
          [0, 0],
        ],
      ),
    /BatchToSpaceND: crops \[2,1\] are larger/,
  );
  assert.throws(
    () => tf.nn.maxPoolWithArgmax(tf.zeros([1, 4, 4, 1], "int32"), 2, 2, "SAME"),
    (e: Error) => e instanceof TypeError && /MaxPoolWithArgmax.*int32/.test(e.message),
  );
  assert.throws(
    () => tf.nn.maxPoolWithArgmax(x, 2, 2, "SAME", { outputDtype: "int64" as "int32" }),
    /outputDtype must be "int32"/,
  );
  assert.throws(
    () => tf.nn.maxPoolWithArgmax(tf.zeros([4, 4]), 2, 2, "SAME"),
    /MaxPoolWithArgmax: input must be 4-dimensional/,
  );
  assert.throws(
    () => tf.nn.dilation2d(x, tf.zeros([2, 2, 3]), 1, "SAME"),
    /Dilation2D: filter must be \[filter_height, filter_width, depth\] with the input's depth 1, got \[2,2,3\]/,
  );
  assert.throws(
    () =>
      tf.nn.dilation2d(x, tf.zeros([2, 2, 1]), 1, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ] as unknown as "SAME"),
    /Dilation2D: padding must be "SAME" or "VALID"/,
  );
  assert.throws(
    () => tf.image.extractPatches(x, [1, 2, 2, 2], 1, 1, "SAME"),
    /ExtractImagePatches: sizes must be \[1, rows, cols, 1\]/,
  );
  assert.throws(
    () => tf.image.extractPatches(tf.zeros([4, 4, 1]), 2, 1, 1, "SAME"),
    /ExtractImagePatches: images must be 4-dimensional/,
  );
  assert.throws(
    () => tf.image.extractPatches(x, 5, 1, 1, "VALID"),
    /ExtractImagePatches: computed output size would be negative/,
  );
  assert.throws(
    () => tf.image.cropAndResize(x, [[0, 0, 1]], [0], [2, 2]),
    /CropAndResize: boxes must be \[num_boxes, 4\] of dtype float32, got \[1,3\] float32/,
  );
  assert.throws(
    () => tf.image.cropAndResize(x, [[0, 0, 1, 1]], [0, 0], [2, 2]),
    /CropAndResize: box_indices must be int32 \[1\]/,
  );
  assert.throws(
    () => tf.image.cropAndResize(x, [[0, 0, 1, 1]], [1], [2, 2]),
    /CropAndResize: box_indices has values outside \[0, batch_size = 1\): 1/,
  );
  assert.throws(
    () => tf.image.cropAndResize(x, [[0, 0, 1, 1]], [0], [0, 2]),
    /CropAndResize: crop_height must be an integer >= 1/,
  );
  assert.throws(
    () => tf.image.cropAndResize(x, [[0, 0, 1, 1]], [0], [2, 2], "bicubic" as "nearest"),
    /CropAndResize: method must be "bilinear" or "nearest"/,
  );
});
