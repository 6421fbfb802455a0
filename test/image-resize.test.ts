/**
 * tf.image.resize (bilinear and nearest with TensorFlow 2's half-pixel centers), flips and
 * rgbToGrayscale against hand-computed values; the resize gradient by finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function near(got: tf.Tensor, want: number[], tol = 1e-12): void {
  const g = vals(got);
  assert.equal(g.length, want.length);
  g.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= tol, `[${i}]: ${x}, want ${want[i]}`));
}

test("resize bilinear: 2x2 -> 4x4 with half-pixel centers, identity at the same size", () => {
  const img = f64([
    [[1], [2]],
    [[3], [4]],
  ]);
  const y = tf.image.resize(img, [4, 4]);
  assert.deepEqual(y.shape, [4, 4, 1]);
  near(y, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  const b = randomTensor([2, 3, 5, 2], 1);
  near(tf.image.resize(b, [3, 5]), vals(b));
  // downsampling 4 -> 2 averages the middle pairs: centers at 0.5 and 2.5
  near(tf.image.resize(f64([[[0], [1], [2], [3]]]), [1, 2]), [0.5, 2.5]);
  const ints = tf.image.resize(tf.constant([[[1], [3]]], "int32"), [1, 4]);
  assert.equal(ints.dtype, "float32");
  checkGradients((t) => tf.image.resize(t, [3, 5]), [randomTensor([1, 2, 3, 1], 2)]);
});

test("resize nearest, preserveAspectRatio, bad inputs", () => {
  const row = tf.constant([[[0], [1], [2], [3]]], "int32");
  const n = tf.image.resize(row, [1, 2], "nearest");
  assert.equal(n.dtype, "int32");
  assert.deepEqual(vals(n), [1, 3]);
  assert.deepEqual(vals(tf.image.resize(row, [1, 8], "nearest")), [0, 0, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(
    tf.image.resize(randomTensor([4, 8, 1], 3), [4, 4], "bilinear", { preserveAspectRatio: true })
      .shape,
    [2, 4, 1],
  );
  assert.throws(
    () => tf.image.resize(f64([1, 2]), [2, 2]),
    /resize: images must be \[height, width, channels\]/,
  );
  assert.throws(
    () => tf.image.resize(randomTensor([2, 2, 1], 1), [2, 2], "bicubic" as "nearest"),
    /resize: method must be "bilinear" or "nearest"/,
  );
});

test("flipLeftRight, flipUpDown, rgbToGrayscale", () => {
  const img = f64([
    [[1], [2]],
    [[3], [4]],
  ]);
  near(tf.image.flipLeftRight(img), [2, 1, 4, 3]);
  near(tf.image.flipUpDown(img), [3, 4, 1, 2]);
  near(tf.image.flipLeftRight(tf.reshape(img, [1, 2, 2, 1])), [2, 1, 4, 3]);
  const g = tf.image.rgbToGrayscale(
    f64([
      [
        [1, 0, 0],
        [0.5, 0.5, 0.5],
      ],
    ]),
  );
  assert.deepEqual(g.shape, [1, 2, 1]);
  near(g, [0.2989, 0.4999500000000001]);
  assert.throws(
    () => tf.image.rgbToGrayscale(f64([[1, 2]])),
    /rgbToGrayscale: images must be float with a last axis of 3/,
  );
});
