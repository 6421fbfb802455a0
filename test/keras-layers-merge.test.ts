/**
 * Merging (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate) and reshaping
 * (Reshape, Permute, RepeatVector, ZeroPadding, Cropping, UpSampling) layers: values against
 * plain loops, symbolic shapes, configs, bad inputs and float64 gradients.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, T } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { values } from "./helpers/layer-gradcheck.js";

const { layers } = tf.keras;
test("merge layers: elementwise sum, difference, product, mean, max, min of the inputs", () => {
  const av = values(6, 1);
  const bv = values(6, 2);
  const cv = values(6, 3);
  const [a, b, c] = [T(av, [2, 3]), T(bv, [2, 3]), T(cv, [2, 3])];
  const at = (f: (x: number, y: number, z: number) => number) =>
    av.map((x, i) => f(x, bv[i], cv[i]));
  close(
    new layers.Add().apply([a, b, c]),
    at((x, y, z) => x + y + z),
  );
  close(
    new layers.Subtract().apply([a, b]),
    at((x, y) => x - y),
  );
  close(
    new layers.Multiply().apply([a, b, c]),
    at((x, y, z) => x * y * z),
  );
  close(
    new layers.Average().apply([a, b, c]),
    at((x, y, z) => (x + y + z) / 3),
  );
  close(
    new layers.Maximum().apply([a, b, c]),
    at((x, y, z) => Math.max(x, y, z)),
  );
  close(
    new layers.Minimum().apply([a, b]),
    at((x, y) => Math.min(x, y)),
  );
  // Broadcasting, as Keras 3 allows.
  close(
    new layers.Add().apply([a, T([1, 2, 3], [1, 3])]),
    av.map((x, i) => x + (i % 3) + 1),
  );
  assert.throws(() => new layers.Subtract().apply([a, b, c]), /exactly 2 inputs/);
  assert.throws(() => new layers.Add({ name: "add_one" }).apply([a]), /add_one.*at least 2/);
  assert.throws(
    () => new layers.Add({ name: "add_bad" }).apply([a, tf.ones([2, 4])]),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError && /add_bad.*\(2, 3\), \(2, 4\)/.test(e.message),
  );
  assert.deepEqual(new layers.Add({ name: "s" }).getConfig(), {
    name: "s",
    trainable: true,
    dtype: "float32",
  });
});

test("Concatenate: along the axis (default -1), other dimensions must agree", () => {
  const a = T([1, 2, 3, 4], [2, 2]);
  const b = T([5, 6], [2, 1]);
  assert.deepEqual(flat(new layers.Concatenate().apply([a, b])), [1, 2, 5, 3, 4, 6]);
  const c = new layers.Concatenate({ axis: 0 });
  assert.deepEqual(flat(c.apply([a, T([7, 8], [1, 2])])), [1, 2, 3, 4, 7, 8]);
  assert.equal(c.getConfig().axis, 0);
  assert.throws(() => new layers.Concatenate({ axis: 0 }).apply([a, b]), /matching shapes.*axis=0/);
});

test("merge layers on symbolic inputs: functional shapes", () => {
  const x = tf.keras.Input({ shape: [4] });
  const y = tf.keras.Input({ shape: [2] });
  const s = new layers.Add().apply([x, x]);
  assert.deepEqual(s.shape, [null, 4]);
  const c = new layers.Concatenate().apply([x, y]);
  assert.deepEqual(c.shape, [null, 6]);
});

test("merge layers: float64 gradients in every input", () => {
  const a = randomTensor([2, 3], 4);
  const b = randomTensor([2, 3], 5);
  const c = randomTensor([2, 2], 6);
  const dtype = "float64" as const;
  for (const layer of [
    new layers.Add({ dtype }),
    new layers.Subtract({ dtype }),
    new layers.Multiply({ dtype }),
    new layers.Average({ dtype }),
    new layers.Maximum({ dtype }),
  ]) {
    checkGradients((x, y) => layer.apply([x, y]), [a, b]);
  }
  checkGradients((x, y) => new layers.Concatenate({ dtype }).apply([x, y]), [a, c]);
});

test("Reshape, Permute, RepeatVector: the batch axis kept", () => {
  const x = T(values(24, 7), [2, 3, 4]);
  const r = new layers.Reshape([4, -1]);
  assert.deepEqual(r.apply(x).shape, [2, 4, 3]);
  assert.deepEqual(flat(r.apply(x)), flat(x));
  assert.deepEqual(r.getConfig().target_shape, [4, -1]);
  assert.throws(
    () => new layers.Reshape([5]).apply(x),
    /total size of the new array must be unchanged/,
  );
  assert.throws(() => new layers.Reshape([-1, -1]), /at most one -1/);

  const p = new layers.Permute([2, 1]);
  const y = p.apply(x);
  assert.deepEqual(y.shape, [2, 4, 3]);
  const xs = x.arraySync() as number[][][];
  const ref: number[] = [];
  for (let b = 0; b < 2; b++)
    for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) ref.push(xs[b][i][j]);
  close(y, ref);
  assert.throws(() => new layers.Permute([0, 1]), /permutation/);
  assert.throws(() => p.apply(tf.ones([2, 3])), /ndim=3, found ndim=2/);

  const rv = new layers.RepeatVector(3);
  const z = rv.apply(T([1, 2, 3, 4], [2, 2]));
  assert.deepEqual(z.shape, [2, 3, 2]);
  assert.deepEqual(flat(z), [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  assert.equal(rv.getConfig().n, 3);
});

test("ZeroPadding2D, Cropping2D, UpSampling2D (nearest) and their 1-D forms against loops", () => {
  const [B, H, W, C] = [1, 2, 3, 2];
  const xv = values(B * H * W * C, 8);
  const x = T(xv, [B, H, W, C]);
  const at = (h: number, w: number, c: number) => xv[(h * W + w) * C + c];

  const zp = new layers.ZeroPadding2D([
    [1, 0],
    [2, 1],
  ]);
  const p = zp.apply(x);
  assert.deepEqual(p.shape, [1, 3, 6, 2]);
  const pref: number[] = [];
  for (let h = 0; h < 3; h++)
    for (let w = 0; w < 6; w++)
      for (let c = 0; c < C; c++) {
        const ih = h - 1;
        const iw = w - 2;
        pref.push(ih >= 0 && ih < H && iw >= 0 && iw < W ? at(ih, iw, c) : 0);
      }
  close(p, pref);
  assert.deepEqual(zp.getConfig().padding, [
    [1, 0],
    [2, 1],
  ]);
  assert.deepEqual(new layers.ZeroPadding2D().apply(x).shape, [1, 4, 5, 2]);
  assert.deepEqual(new layers.ZeroPadding2D([1, 2]).apply(x).shape, [1, 4, 7, 2]);

  const cr = new layers.Cropping2D([
    [1, 0],
    [0, 1],
  ]);
  const q = cr.apply(x);
  assert.deepEqual(q.shape, [1, 1, 2, 2]);
  close(q, [at(1, 0, 0), at(1, 0, 1), at(1, 1, 0), at(1, 1, 1)]);
  assert.throws(() => new layers.Cropping2D(1).apply(x), /leaves nothing/);

  const up = new layers.UpSampling2D([2, 3]);
  const u = up.apply(x);
  assert.deepEqual(u.shape, [1, 4, 9, 2]);
  const uref: number[] = [];
  for (let h = 0; h < 4; h++)
    for (let w = 0; w < 9; w++)
      for (let c = 0; c < C; c++) uref.push(at(Math.floor(h / 2), Math.floor(w / 3), c));
  close(u, uref);
  assert.deepEqual(up.getConfig().size, [2, 3]);
  assert.equal(up.getConfig().interpolation, "nearest");
  assert.throws(() => new layers.UpSampling2D(2, { interpolation: "bilinear" }), /nearest/);

  const s = T([1, 2, 3, 4, 5, 6], [1, 3, 2]);
  assert.deepEqual(
    flat(new layers.ZeroPadding1D([1, 2]).apply(s)),
    [0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0],
  );
  assert.deepEqual(flat(new layers.Cropping1D([1, 1]).apply(s)), [3, 4]);
  assert.deepEqual(flat(new layers.UpSampling1D(2).apply(s)), [1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6]);
});

test("reshaping layers: float64 gradients", () => {
  const x = randomTensor([1, 2, 3, 2], 9);
  const dtype = "float64" as const;
  for (const layer of [
    new layers.ZeroPadding2D(1, { dtype }),
    new layers.Cropping2D(
      [
        [1, 0],
        [1, 1],
      ],
      { dtype },
    ),
    new layers.UpSampling2D(2, { dtype }),
    new layers.Permute([3, 1, 2], { dtype }),
    new layers.Reshape([-1], { dtype }),
  ]) {
    checkGradients((v) => layer.apply(v), [x]);
  }
  checkGradients((v) => new layers.RepeatVector(2, { dtype }).apply(v), [randomTensor([2, 3], 10)]);
});
