/**
 * tf.nn.conv2d, conv2dTranspose, maxPool2d and avgPool2d: forward values against naive float64
 * loops written here, gradients (first and second order, through Conv2DBackpropInput,
 * Conv2DBackpropFilter, MaxPoolGrad, MaxPoolGradGrad and AvgPoolGrad) against finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, checkSecondOrder } from "./helpers/gradcheck.js";
import { flat } from "./helpers/reference.js";
import { assertClose, DTYPES, type DT, randFloat } from "./helpers/tolerance.js";

const rand = (shape: number[], seed: number, dtype: DT = "float64"): tf.Tensor =>
  randFloat(shape, seed, dtype, -1, 1);

type Pad = "SAME" | "VALID" | [[number, number], [number, number]];

/**
 * One spatial dimension the way TensorFlow documents it: output size and padding before.
 * `k` is the effective window, (size - 1) * dilation + 1.
 */
function dim(n: number, k: number, s: number, pad: "SAME" | "VALID" | [number, number]) {
  if (pad === "SAME") {
    const out = Math.ceil(n / s);
    const needed = Math.max(0, (out - 1) * s + k - n);
    return { out, before: Math.floor(needed / 2) };
  }
  if (pad === "VALID") return { out: Math.ceil((n - k + 1) / s), before: 0 };
  return { out: Math.floor((n + pad[0] + pad[1] - k) / s) + 1, before: pad[0] };
}

interface ConvCase {
  x: number[]; // [n, h, w, c]
  f: number[]; // [fh, fw, c, o]
  s: [number, number];
  d: [number, number];
  pad: Pad;
}

/** The naive direct convolution: for every output element, the sum over taps and channels. */
function refConv(x: number[], xs: number[], w: number[], ws: number[], c: ConvCase) {
  const [n, h, wd, ci] = xs;
  const [fh, fw, , co] = ws;
  const hd = dim(h, (fh - 1) * c.d[0] + 1, c.s[0], typeof c.pad === "string" ? c.pad : c.pad[0]);
  const wdm = dim(wd, (fw - 1) * c.d[1] + 1, c.s[1], typeof c.pad === "string" ? c.pad : c.pad[1]);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < hd.out; i++)
      for (let j = 0; j < wdm.out; j++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let p = 0; p < fh; p++)
            for (let q = 0; q < fw; q++) {
              const ii = i * c.s[0] + p * c.d[0] - hd.before;
              const jj = j * c.s[1] + q * c.d[1] - wdm.before;
              if (ii < 0 || ii >= h || jj < 0 || jj >= wd) continue;
              for (let k = 0; k < ci; k++)
                s += x[((b * h + ii) * wd + jj) * ci + k] * w[((p * fw + q) * ci + k) * co + o];
            }
          out.push(s);
        }
  return { out, shape: [n, hd.out, wdm.out, co] };
}

const CASES: ConvCase[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], s: [1, 1], d: [1, 1], pad: "VALID" },
  { x: [2, 5, 6, 3], f: [3, 2, 3, 4], s: [1, 1], d: [1, 1], pad: "SAME" },
  { x: [2, 7, 6, 2], f: [3, 3, 2, 3], s: [2, 2], d: [1, 1], pad: "SAME" },
  { x: [1, 8, 7, 2], f: [2, 3, 2, 2], s: [3, 2], d: [1, 1], pad: "VALID" },
  { x: [1, 7, 7, 2], f: [3, 3, 2, 2], s: [1, 1], d: [2, 2], pad: "SAME" },
  { x: [2, 6, 5, 1], f: [2, 2, 1, 3], s: [2, 1], d: [1, 2], pad: "VALID" },
  {
    x: [1, 4, 5, 2],
    f: [3, 3, 2, 2],
    s: [2, 2],
    d: [1, 1],
    pad: [
      [1, 2],
      [0, 1],
    ],
  },
  { x: [1, 1, 1, 3], f: [1, 1, 3, 2], s: [1, 1], d: [1, 1], pad: "SAME" },
  { x: [1, 2, 2, 1], f: [3, 3, 1, 1], s: [1, 1], d: [1, 1], pad: "SAME" },
];

test("conv2d matches a naive direct convolution", () => {
  for (const dtype of DTYPES) {
    CASES.forEach((c, k) => {
      const x = rand(c.x, 100 + k, dtype);
      const w = rand(c.f, 200 + k, dtype);
      const y = tf.nn.conv2d(x, w, c.s, c.pad, { dilations: c.d });
      const ref = refConv(flat(x), c.x, flat(w), c.f, c);
      assert.equal(y.dtype, dtype);
      assert.deepEqual(y.shape, ref.shape, `case ${k}`);
      assertClose(y, ref.out, dtype === "float32" ? 1e-5 : 1e-13, `case ${k} ${dtype}`);
    });
  }
});

test("conv2d takes strides, dilations and padding in TensorFlow's forms", () => {
  const x = rand([1, 6, 6, 2], 1);
  const w = rand([3, 3, 2, 2], 2);
  const base = tf.nn.conv2d(x, w, [2, 2], "SAME");
  for (const strides of [2, [2], [1, 2, 2, 1]]) {
    assert.deepEqual(tf.nn.conv2d(x, w, strides, "SAME").numpy(), base.numpy());
  }
  assert.deepEqual(tf.nn.conv2d(x, w, 2, "same").numpy(), base.numpy());
  const explicit = tf.nn.conv2d(x, w, 1, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  assert.deepEqual(explicit.numpy(), tf.nn.conv2d(x, w, 1, "SAME").numpy());
  assert.deepEqual(
    tf.nn.conv2d(x, w, 1, "VALID", { dilations: [1, 2, 2, 1] }).numpy(),
    tf.nn.conv2d(x, w, 1, "VALID", { dilations: 2 }).numpy(),
  );
  // Leading batch dimensions beyond one.
  const x5 = rand([2, 3, 4, 4, 2], 3);
  const y5 = tf.nn.conv2d(x5, w, 1, "SAME");
  assert.deepEqual(y5.shape, [2, 3, 4, 4, 2]);
  const y4 = tf.nn.conv2d(tf.reshape(x5, [6, 4, 4, 2]), w, 1, "SAME");
  assert.deepEqual(flat(y5), flat(y4));
  // Empty batch.
  assert.deepEqual(
    tf.nn.conv2d(tf.zeros([0, 4, 4, 2]), tf.zeros([3, 3, 2, 5]), 1, "SAME").shape,
    [0, 4, 4, 5],
  );
});

test("conv2d rejects bad inputs, naming the op, shapes and dtypes", () => {
  const x = tf.zeros([1, 5, 5, 3]);
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 2, 4]), 1, "SAME"),
    (e: unknown) => {
      assert.ok(e instanceof tf.errors.InvalidArgumentError);
      assert.match(e.message, /Conv2D.*\[1,5,5,3\].*3 channels.*\[3,3,2,4\].*2/);
      return true;
    },
  );
  assert.throws(
    () => tf.nn.conv2d(tf.zeros([5, 5, 3]), tf.zeros([3, 3, 3, 1]), 1, "SAME"),
    /Conv2D.*4-dimensional.*\[5,5,3\]/,
  );
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 3]), 1, "SAME"),
    /Conv2D.*filter.*4-dimensional.*\[3,3,3\]/,
  );
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([6, 6, 3, 1]), 1, "VALID"),
    /Conv2D.*negative.*input_size: 5.*effective_filter_size: 6/,
  );
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), 1, "FULL" as "SAME"),
    /Conv2D.*padding.*FULL/,
  );
  assert.throws(() => tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), 0, "SAME"), /Conv2D.*strides.*0/);
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), [2, 1, 1, 1], "SAME"),
    /Conv2D.*strides.*batch/,
  );
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1], "float64"), 1, "SAME"),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /Conv2D.*float32.*float64/);
      return true;
    },
  );
  assert.throws(
    () => tf.nn.conv2d(tf.zeros([1, 5, 5, 3], "int32"), tf.zeros([3, 3, 3, 1], "int32"), 1, "SAME"),
    /Conv2D.*float32 or float64.*int32/,
  );
  assert.throws(
    () => tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), 1, "SAME", { dataFormat: "NCHW" as "NHWC" }),
    /Conv2D.*NHWC.*NCHW/,
  );
  assert.throws(
    () =>
      tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), 1, [
        [1, 1],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    /Conv2D.*batch and channel/,
  );
});

test("conv2dTranspose is the adjoint of conv2d", () => {
  for (const dtype of DTYPES) {
    CASES.forEach((c, k) => {
      const x = rand(c.x, 300 + k, dtype);
      const w = rand(c.f, 400 + k, dtype);
      const y = tf.nn.conv2d(x, w, c.s, c.pad, { dilations: c.d });
      const g = rand([...y.shape], 500 + k, dtype);
      const xt = tf.nn.conv2dTranspose(g, w, c.x, c.s, c.pad, { dilations: c.d });
      assert.deepEqual(xt.shape, c.x);
      // <conv(x), g> = <x, conv^T(g)>
      const lhs = flat(y).reduce((a, v, i) => a + v * flat(g)[i], 0);
      const rhs = flat(x).reduce((a, v, i) => a + v * flat(xt)[i], 0);
      assert.ok(
        Math.abs(lhs - rhs) <= (dtype === "float32" ? 1e-4 : 1e-12) * Math.max(1, Math.abs(lhs)),
        `case ${k}: ${lhs} vs ${rhs}`,
      );
    });
  }
  assert.throws(
    () =>
      tf.nn.conv2dTranspose(
        tf.zeros([1, 3, 3, 2]),
        tf.zeros([3, 3, 1, 2]),
        [1, 5, 5, 1],
        1,
        "SAME",
      ),
    /Conv2DBackpropInput.*\[1,5,5,2\].*\[1,3,3,2\]/,
  );
});

test("conv2d gradients in the input and the filter", () => {
  for (const c of CASES.slice(0, 8)) {
    const x = rand(c.x, 11);
    const w = rand(c.f, 12);
    checkGradients((a, b) => tf.nn.conv2d(a, b, c.s, c.pad, { dilations: c.d }), [x, w]);
  }
});

test("conv2d second order: Conv2DBackpropInput and Conv2DBackpropFilter are differentiable", () => {
  for (const c of [CASES[1], CASES[2], CASES[6]]) {
    const x = rand(c.x, 21);
    const w = rand(c.f, 22);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.nn.conv2d(a, b, c.s, c.pad, { dilations: c.d });
    // d2/dx2 and d2/dw2 of sum(conv^2).
    checkSecondOrder((a) => tf.square(conv(a, w)), x);
    checkSecondOrder((b) => tf.square(conv(x, b)), w);
    // Mixed: d/dx of (d/dw sum(conv^2)) and d/dw of (d/dx sum(conv^2)), by nested tapes.
    const gradIn = (which: 0 | 1) => (a: tf.Tensor, b: tf.Tensor) => {
      const tape = new tf.GradientTape();
      tape.watch([a, b]);
      const l = tape.record(() => tf.reduceSum(tf.square(conv(a, b))));
      return tape.gradient(l, [a, b])[which] as tf.Tensor;
    };
    checkGradients(gradIn(1), [x, w]);
    checkGradients(gradIn(0), [x, w]);
  }
  // conv2dTranspose (Conv2DBackpropInput run forward) in both its inputs.
  const c = CASES[2];
  const y = tf.nn.conv2d(rand(c.x, 1), rand(c.f, 2), c.s, c.pad);
  checkGradients(
    (g, w) => tf.nn.conv2dTranspose(g, w, c.x, c.s, c.pad),
    [rand([...y.shape], 31), rand(c.f, 32)],
  );
});

// --- pooling ----------------------------------------------------------------------------------

/** Naive pooling: max, or mean over the window's positions inside the input. */
function refPool(
  x: number[],
  xs: number[],
  k: [number, number],
  s: [number, number],
  pad: "SAME" | "VALID",
  kind: "max" | "avg",
) {
  const [n, h, w, c] = xs;
  const hd = dim(h, k[0], s[0], pad);
  const wd = dim(w, k[1], s[1], pad);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < hd.out; i++)
      for (let j = 0; j < wd.out; j++)
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          let sum = 0;
          let count = 0;
          for (let p = 0; p < k[0]; p++)
            for (let q = 0; q < k[1]; q++) {
              const ii = i * s[0] + p - hd.before;
              const jj = j * s[1] + q - wd.before;
              if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
              const v = x[((b * h + ii) * w + jj) * c + ch];
              m = Math.max(m, v);
              sum += v;
              count++;
            }
          out.push(kind === "max" ? m : sum / count);
        }
  return { out, shape: [n, hd.out, wd.out, c] };
}

const POOLS: { x: number[]; k: [number, number]; s: [number, number]; pad: "SAME" | "VALID" }[] = [
  { x: [1, 4, 4, 1], k: [2, 2], s: [2, 2], pad: "VALID" },
  { x: [2, 5, 5, 3], k: [3, 3], s: [2, 2], pad: "SAME" },
  { x: [1, 6, 7, 2], k: [3, 2], s: [1, 2], pad: "SAME" },
  { x: [2, 7, 5, 2], k: [2, 3], s: [3, 1], pad: "VALID" },
  { x: [1, 3, 3, 1], k: [5, 5], s: [1, 1], pad: "SAME" },
  { x: [1, 1, 1, 4], k: [1, 1], s: [1, 1], pad: "VALID" },
];

test("maxPool2d and avgPool2d match naive pooling (padding never counts)", () => {
  for (const dtype of DTYPES) {
    POOLS.forEach((p, k) => {
      const x = rand(p.x, 600 + k, dtype);
      for (const kind of ["max", "avg"] as const) {
        const y = (kind === "max" ? tf.nn.maxPool2d : tf.nn.avgPool2d)(x, p.k, p.s, p.pad);
        const ref = refPool(flat(x), p.x, p.k, p.s, p.pad, kind);
        assert.equal(y.dtype, dtype);
        assert.deepEqual(y.shape, ref.shape);
        assertClose(y, ref.out, dtype === "float32" ? 1e-6 : 1e-14, `${kind} case ${k}`);
      }
    });
  }
  // SAME average at a corner of a 2x2 image with a 3x3 window averages the 4 valid pixels.
  const x = tf.constant([1, 2, 3, 4], "float64", [1, 2, 2, 1]);
  assert.deepEqual(flat(tf.nn.avgPool2d(x, 3, 1, "SAME")), [2.5, 2.5, 2.5, 2.5]);
  // Negative values: padding must not win a max.
  assert.deepEqual(flat(tf.nn.maxPool2d(tf.negative(x), 3, 1, "SAME")), [-1, -1, -1, -1]);
  // int32 max pooling.
  const xi = tf.constant([1, 5, 3, 2], "int32", [1, 2, 2, 1]);
  assert.deepEqual(tf.nn.maxPool2d(xi, 2, 2, "VALID").numpy(), [[[[5]]]]);
  // Explicit padding for max pooling.
  const xp = tf.nn.maxPool2d(tf.negative(x), 2, 1, [
    [0, 0],
    [1, 0],
    [1, 0],
    [0, 0],
  ]);
  assert.deepEqual(xp.shape, [1, 2, 2, 1]);
  assert.deepEqual(flat(xp), [-1, -1, -1, -1]);
});

test("pooling rejects bad inputs", () => {
  const x = tf.zeros([1, 4, 4, 2]);
  assert.throws(
    () => tf.nn.maxPool2d(tf.zeros([4, 4, 2]), 2, 2, "VALID"),
    /MaxPool.*4-dimensional.*\[4,4,2\]/,
  );
  assert.throws(() => tf.nn.avgPool2d(x, 5, 1, "VALID"), /AvgPool.*negative.*input_size: 4/);
  assert.throws(
    () => tf.nn.avgPool2d(tf.zeros([1, 4, 4, 2], "int32"), 2, 2, "VALID"),
    /AvgPool.*float32 or float64.*int32/,
  );
  assert.throws(() => tf.nn.maxPool2d(x, [2, 2, 2], 2, "VALID"), /MaxPool.*ksize/);
  assert.throws(() => tf.nn.maxPool2d(x, [2, 2, 2, 2], 2, "VALID"), /MaxPool.*ksize.*batch/);
  assert.throws(() => tf.nn.maxPool2d(x, 2, -1, "VALID"), /MaxPool.*strides.*-1/);
  assert.throws(
    () =>
      tf.nn.maxPool2d(x, 2, 1, [
        [2, 0],
        [0, 0],
      ]),
    /MaxPool.*padding.*smaller than the window/,
  );
  assert.throws(() => tf.nn.maxPool2d(tf.constant(["a"]), 1, 1, "VALID"), /MaxPool.*string/);
});

test("maxPool2d gradient goes to the window's max, first one on ties", () => {
  const x = tf.constant([1, 3, 3, 0, 2, 3, 1, 1, 5], "float64", [1, 3, 3, 1]);
  const tape = new tf.GradientTape();
  tape.watch(x);
  // Overlapping 2x2 windows, stride 1: [1,3,0,2] -> (0,1); [3,3,2,3] -> (0,1), the first of
  // three ties; [0,2,1,1] -> (1,1); [2,3,1,5] -> (2,2).
  const weights = tf.constant([1, 10, 100, 1000], "float64", [1, 2, 2, 1]);
  const y = tape.record(() => tf.nn.maxPool2d(x, 2, 1, "VALID"));
  assert.deepEqual(flat(y), [3, 3, 2, 5]);
  const g = tape.gradient(y, x, { outputGradients: weights });
  assert.deepEqual(flat(g as tf.Tensor), [0, 11, 0, 0, 100, 0, 0, 0, 1000]);
});

test("pooling gradients, first and second order", () => {
  for (const p of POOLS.slice(0, 5)) {
    // Distinct values (a permutation, scaled) so that no max is tied and finite differences are clean.
    const n = p.x.reduce((a, b) => a * b, 1);
    const perm = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n - 0.5);
    const x = tf.constant(perm, "float64", p.x);
    checkGradients((t) => tf.nn.maxPool2d(t, p.k, p.s, p.pad), [x], { eps: 1e-7 });
    checkGradients((t) => tf.nn.avgPool2d(t, p.k, p.s, p.pad), [x]);
    checkSecondOrder((t) => tf.square(tf.nn.maxPool2d(t, p.k, p.s, p.pad)), x, { eps: 1e-7 });
    checkSecondOrder((t) => tf.square(tf.nn.avgPool2d(t, p.k, p.s, p.pad)), x);
  }
});

test("third order through MaxPoolGradGrad and AvgPoolGrad's gradient", () => {
  const x = tf.constant(
    [0.1, -0.4, 0.7, 0.3, -0.2, 0.9, 0.5, -0.8, 0.6, 0.2, -0.1, 0.4, 0.8, -0.6, 0.05, -0.3],
    "float64",
    [1, 4, 4, 1],
  );
  for (const pool of [tf.nn.maxPool2d, tf.nn.avgPool2d]) {
    // g(x) = d/dx sum(pool(x)^3) = PoolGrad(3 pool(x)^2); its second derivative needs the
    // gradients of MaxPoolGrad / MaxPoolGradGrad (or AvgPoolGrad / AvgPool).
    const firstGrad = (t: tf.Tensor) => {
      const tape = new tf.GradientTape();
      tape.watch(t);
      const l = tape.record(() => tf.reduceSum(tf.pow(pool(t, 2, 1, "SAME"), 3)));
      return tape.gradient(l, t) as tf.Tensor;
    };
    checkSecondOrder((t) => tf.square(firstGrad(t)), x, { eps: 1e-7 });
  }
});
