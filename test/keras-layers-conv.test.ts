/**
 * Keras convolution and pooling layers: forward values against explicit loops, output shapes,
 * weight names and shapes, configs, bad inputs, and float64 gradients against finite differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { close, names, T } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";
import { checkLayerGradients, setWeights, values } from "./helpers/layer-gradcheck.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const { layers } = tf.keras;
/** TensorFlow's SAME padding before: floor(max((out - 1) s + k_eff - in, 0) / 2). */
function samePad(inSize: number, k: number, s: number, d: number): [number, number] {
  const eff = (k - 1) * d + 1;
  const out = Math.ceil(inSize / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - inSize, 0) / 2)];
}

/** A direct grouped 2-D convolution, NHWC x HWIO, with loops. */
function convRef(
  x: number[],
  [B, H, W, C]: number[],
  k: number[],
  [KH, KW, CG, F]: number[],
  s: number[],
  d: number[],
  padding: "same" | "valid",
  groups = 1,
): { y: number[]; shape: number[] } {
  let OH: number, OW: number, pt: number, pl: number;
  if (padding === "same") {
    [OH, pt] = samePad(H, KH, s[0], d[0]);
    [OW, pl] = samePad(W, KW, s[1], d[1]);
  } else {
    OH = Math.floor((H - ((KH - 1) * d[0] + 1)) / s[0]) + 1;
    OW = Math.floor((W - ((KW - 1) * d[1] + 1)) / s[1]) + 1;
    pt = pl = 0;
  }
  assert.equal(CG * groups, C);
  const FG = F / groups;
  const y = new Array<number>(B * OH * OW * F).fill(0);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let f = 0; f < F; f++) {
          const g = Math.floor(f / FG);
          let acc = 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const ih = oh * s[0] + kh * d[0] - pt;
              const iw = ow * s[1] + kw * d[1] - pl;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (let c = 0; c < CG; c++) {
                acc +=
                  x[((b * H + ih) * W + iw) * C + g * CG + c] *
                  k[((kh * KW + kw) * CG + c) * F + f];
              }
            }
          y[((b * OH + oh) * OW + ow) * F + f] = acc;
        }
  return { y, shape: [B, OH, OW, F] };
}

test("Conv2D: kernel [kh, kw, in, filters] and bias, forward values against loops", () => {
  const cases: {
    opts: tf.keras.layers.ConvOptions;
    ks: [number, number];
    shape: number[];
    filters: number;
  }[] = [
    { opts: {}, ks: [3, 3], shape: [2, 5, 6, 3], filters: 4 },
    { opts: { padding: "same", strides: 2 }, ks: [3, 2], shape: [1, 7, 6, 2], filters: 3 },
    { opts: { padding: "same", dilationRate: 2 }, ks: [2, 3], shape: [1, 6, 7, 2], filters: 2 },
    { opts: { groups: 2 }, ks: [2, 2], shape: [2, 4, 4, 4], filters: 6 },
  ];
  for (const { opts, ks, shape, filters } of cases) {
    const layer = new layers.Conv2D(filters, ks, opts);
    const xv = values(
      shape.reduce((a, b) => a * b),
      3,
    );
    const x = T(xv, shape);
    layer.build(shape);
    const groups = opts.groups ?? 1;
    const kshape = [ks[0], ks[1], shape[3] / groups, filters];
    assert.deepEqual(layer.kernel.shape, kshape);
    assert.deepEqual(layer.bias?.shape, [filters]);
    assert.deepEqual(names(layer.weights), [`${layer.name}/kernel:0`, `${layer.name}/bias:0`]);
    const kv = values(
      kshape.reduce((a, b) => a * b),
      5,
    );
    const bv = values(filters, 7);
    setWeights(layer, [kv, bv]);
    const y = layer.apply(x);
    const s = typeof opts.strides === "number" ? [opts.strides, opts.strides] : [1, 1];
    const d =
      typeof opts.dilationRate === "number" ? [opts.dilationRate, opts.dilationRate] : [1, 1];
    const ref = convRef(
      xv,
      shape,
      kv,
      kshape,
      s,
      d,
      opts.padding === "same" ? "same" : "valid",
      groups,
    );
    assert.deepEqual(y.shape, ref.shape);
    close(
      y,
      ref.y.map((v, i) => v + bv[i % filters]),
      1e-5,
    );
  }
});

test("Conv2D: activation, useBias false, config keys as Keras writes them", () => {
  const layer = new layers.Conv2D(2, 1, { activation: "relu", useBias: false, name: "c" });
  layer.build([null, 2, 2, 1]);
  setWeights(layer, [[1, -1]]);
  const y = layer.apply(T([1, -2, 3, -4], [1, 2, 2, 1]));
  close(y, [1, 0, 0, 2, 3, 0, 0, 4]);
  assert.deepEqual(names(layer.weights), ["c/kernel:0"]);
  const config = layer.getConfig();
  assert.deepEqual(Object.keys(config), [
    "name",
    "trainable",
    "dtype",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
  ]);
  assert.equal(config.name, "c");
  assert.deepEqual(config.kernel_size, [1, 1]);
  assert.deepEqual(config.strides, [1, 1]);
  assert.equal(config.padding, "valid");
  assert.equal(config.activation, "relu");
  assert.equal(config.use_bias, false);
  assert.deepEqual(config.kernel_initializer, {
    module: "keras.initializers",
    class_name: "GlorotUniform",
    config: { seed: null },
    registered_name: null,
  });
});

test("Conv2D: bad arguments and inputs name the layer and the shapes", () => {
  assert.throws(() => new layers.Conv2D(0, 3), /Conv2D.*filters/);
  assert.throws(() => new layers.Conv2D(2, [3]), /kernel_size/);
  assert.throws(() => new layers.Conv2D(2, 3, { padding: "full" }), /padding/);
  assert.throws(() => new layers.Conv2D(2, 3, { strides: 2, dilationRate: 2 }), /dilation_rate/);
  assert.throws(() => new layers.Conv2D(3, 3, { groups: 2 }), /groups/);
  const c = new layers.Conv2D(2, 3, { name: "conv_bad" });
  assert.throws(
    () => c.apply(tf.ones([4, 4, 1])),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /conv_bad/.test(e.message) &&
      /ndim=4/.test(e.message) &&
      /\(4, 4, 1\)/.test(e.message),
  );
  c.apply(tf.ones([1, 4, 4, 1]));
  assert.throws(() => c.apply(tf.ones([1, 4, 4, 2])), /conv_bad.*axis -1.*value 1/);
  const g = new layers.Conv2D(4, 1, { groups: 2 });
  assert.throws(() => g.apply(tf.ones([1, 2, 2, 3])), /divisible by the number of groups/);
});

test("Conv1D: valid, same, causal and strides against loops (as Conv2D over height 1)", () => {
  const B = 2;
  const L = 7;
  const C = 2;
  const F = 3;
  const K = 3;
  const xv = values(B * L * C, 11);
  const kv = values(K * C * F, 12);
  const bv = values(F, 13);
  for (const [padding, stride, dil] of [
    ["valid", 1, 1],
    ["same", 2, 1],
    ["causal", 1, 2],
  ] as const) {
    const layer = new layers.Conv1D(F, K, { padding, strides: stride, dilationRate: dil });
    layer.build([null, L, C]);
    assert.deepEqual(layer.kernel.shape, [K, C, F]);
    setWeights(layer, [kv, bv]);
    const y = layer.apply(T(xv, [B, L, C]));
    // Reference: explicit 1-D loops; causal pads (K - 1) d on the left only.
    const left =
      padding === "causal" ? (K - 1) * dil : padding === "same" ? samePad(L, K, stride, dil)[1] : 0;
    const out =
      padding === "causal"
        ? L
        : padding === "same"
          ? Math.ceil(L / stride)
          : Math.floor((L - (K - 1) * dil - 1) / stride) + 1;
    const ref: number[] = [];
    for (let b = 0; b < B; b++)
      for (let t = 0; t < out; t++)
        for (let f = 0; f < F; f++) {
          let acc = bv[f];
          for (let k = 0; k < K; k++) {
            const i = t * stride + k * dil - left;
            if (i < 0 || i >= L) continue;
            for (let c = 0; c < C; c++) acc += xv[(b * L + i) * C + c] * kv[(k * C + c) * F + f];
          }
          ref.push(acc);
        }
    assert.deepEqual(y.shape, [B, out, F]);
    close(y, ref);
  }
});

test("Conv2DTranspose: kernel [kh, kw, filters, in], output size by Keras's rule, values against a scatter loop", () => {
  for (const [padding, stride, ks] of [
    ["valid", 2, 3],
    ["same", 2, 3],
    ["valid", 1, 2],
    ["same", 3, 2],
  ] as const) {
    const [B, H, W, C, F] = [1, 3, 2, 2, 3];
    const layer = new layers.Conv2DTranspose(F, ks, { padding, strides: stride });
    layer.build([null, H, W, C]);
    assert.deepEqual(layer.kernel.shape, [ks, ks, F, C]);
    const xv = values(B * H * W * C, 21);
    const kv = values(ks * ks * F * C, 22);
    const bv = values(F, 23);
    setWeights(layer, [kv, bv]);
    const y = layer.apply(T(xv, [B, H, W, C]));
    const outLen = (n: number) =>
      padding === "valid" ? n * stride + Math.max(ks - stride, 0) : n * stride;
    const OH = outLen(H);
    const OW = outLen(W);
    assert.deepEqual(y.shape, [B, OH, OW, F]);
    // Each input pixel scatters kernel * x into the output; SAME crops TensorFlow's padding.
    const pt = padding === "same" ? Math.floor(Math.max((H - 1) * stride + ks - OH, 0) / 2) : 0;
    const pl = padding === "same" ? Math.floor(Math.max((W - 1) * stride + ks - OW, 0) / 2) : 0;
    const ref = new Array<number>(B * OH * OW * F).fill(0);
    for (let i = 0; i < ref.length; i++) ref[i] = bv[i % F];
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let kh = 0; kh < ks; kh++)
          for (let kw = 0; kw < ks; kw++) {
            const oh = h * stride + kh - pt;
            const ow = w * stride + kw - pl;
            if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
            for (let f = 0; f < F; f++)
              for (let c = 0; c < C; c++)
                ref[(oh * OW + ow) * F + f] +=
                  xv[(h * W + w) * C + c] * kv[((kh * ks + kw) * F + f) * C + c];
          }
    close(y, ref);
  }
  const t = new layers.Conv2DTranspose(2, 3, { strides: 2, outputPadding: 1 });
  assert.deepEqual(t.apply(tf.ones([1, 3, 3, 1])).shape, [1, 8, 8, 2]);
  assert.equal(t.getConfig().output_padding instanceof Array, true);
  assert.equal("groups" in t.getConfig(), false);
  assert.throws(
    () => new layers.Conv2DTranspose(2, 3, { strides: 2, outputPadding: 2 }),
    /outputPadding/,
  );
});

test("conv layers: float64 gradients in the input, kernel and bias against finite differences", () => {
  const dtype = "float64" as const;
  checkLayerGradients(new layers.Conv2D(2, 2, { dtype, padding: "same", strides: 2 }), [
    randomTensor([2, 3, 4, 2], 1),
  ]);
  checkLayerGradients(new layers.Conv2D(4, 2, { dtype, groups: 2, activation: "tanh" }), [
    randomTensor([1, 3, 3, 4], 2),
  ]);
  checkLayerGradients(new layers.Conv1D(2, 3, { dtype, padding: "causal", dilationRate: 2 }), [
    randomTensor([2, 5, 2], 3),
  ]);
  checkLayerGradients(new layers.Conv2DTranspose(2, 3, { dtype, strides: 2, padding: "same" }), [
    randomTensor([1, 2, 3, 2], 4),
  ]);
});

/** Max or mean over each window of an NHWC input, padded positions excluded. */
function poolRef(
  x: number[],
  [B, H, W, C]: number[],
  [ph, pw]: number[],
  [sh, sw]: number[],
  padding: "same" | "valid",
  mode: "max" | "avg",
): { y: number[]; shape: number[] } {
  let OH: number, OW: number, pt: number, pl: number;
  if (padding === "same") {
    [OH, pt] = samePad(H, ph, sh, 1);
    [OW, pl] = samePad(W, pw, sw, 1);
  } else {
    OH = Math.floor((H - ph) / sh) + 1;
    OW = Math.floor((W - pw) / sw) + 1;
    pt = pl = 0;
  }
  const y: number[] = [];
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const vs: number[] = [];
          for (let i = 0; i < ph; i++)
            for (let j = 0; j < pw; j++) {
              const h = oh * sh + i - pt;
              const w = ow * sw + j - pl;
              if (h >= 0 && h < H && w >= 0 && w < W) vs.push(x[((b * H + h) * W + w) * C + c]);
            }
          y.push(mode === "max" ? Math.max(...vs) : vs.reduce((a, v) => a + v, 0) / vs.length);
        }
  return { y, shape: [B, OH, OW, C] };
}

test("MaxPooling2D / AveragePooling2D: default pool 2, strides = poolSize, same and valid, against loops", () => {
  const shape = [2, 5, 5, 3];
  const xv = values(
    shape.reduce((a, b) => a * b),
    31,
  );
  const x = T(xv, shape);
  for (const mode of ["max", "avg"] as const) {
    const Cls = mode === "max" ? layers.MaxPooling2D : layers.AveragePooling2D;
    const a = new Cls();
    const ra = poolRef(xv, shape, [2, 2], [2, 2], "valid", mode);
    const ya = a.apply(x);
    assert.deepEqual(ya.shape, ra.shape);
    assert.deepEqual(ya.shape, [2, 2, 2, 3]);
    close(ya, ra.y);
    const b = new Cls([3, 2], { strides: [2, 1], padding: "same" });
    const rb = poolRef(xv, shape, [3, 2], [2, 1], "same", mode);
    const yb = b.apply(x);
    assert.deepEqual(yb.shape, rb.shape);
    close(yb, rb.y);
    assert.deepEqual(b.getConfig(), {
      name: b.name,
      trainable: true,
      dtype: "float32",
      pool_size: [3, 2],
      padding: "same",
      strides: [2, 1],
      data_format: "channels_last",
    });
    assert.deepEqual(b.weights, []);
  }
  assert.throws(() => new layers.MaxPooling2D().apply(tf.ones([2, 3, 3])), /max_pooling2d.*ndim=4/);
});

test("MaxPooling1D / AveragePooling1D against loops", () => {
  const [B, L, C] = [2, 7, 2];
  const xv = values(B * L * C, 41);
  const x = T(xv, [B, L, C]);
  for (const mode of ["max", "avg"] as const) {
    const Cls = mode === "max" ? layers.MaxPooling1D : layers.AveragePooling1D;
    for (const [p, s, pad] of [
      [2, 2, "valid"],
      [3, 2, "same"],
    ] as const) {
      const y = new Cls(p, { strides: s, padding: pad }).apply(x);
      // A 1-D pool is the 2-D one over [B, L, 1, C] with windows [p, 1].
      const ref = poolRef(xv, [B, L, 1, C], [p, 1], [s, 1], pad, mode);
      assert.deepEqual(y.shape, [B, ref.shape[1], C]);
      close(y, ref.y);
    }
  }
  assert.deepEqual(new layers.MaxPooling1D().getConfig().pool_size, [2]);
});

test("Global pooling 1D/2D: mean and max over the spatial axes, keepdims", () => {
  const x = T(values(2 * 3 * 2 * 2, 51), [2, 3, 2, 2]);
  const xs = x.arraySync() as number[][][][];
  const meanRef: number[] = [];
  const maxRef: number[] = [];
  for (let b = 0; b < 2; b++)
    for (let c = 0; c < 2; c++) {
      const vs = xs[b].flatMap((row) => row.map((px) => px[c]));
      meanRef.push(vs.reduce((a, v) => a + v, 0) / vs.length);
      maxRef.push(Math.max(...vs));
    }
  const gap = new layers.GlobalAveragePooling2D();
  close(gap.apply(x), meanRef);
  assert.deepEqual(gap.apply(x).shape, [2, 2]);
  close(new layers.GlobalMaxPooling2D().apply(x), maxRef);
  assert.deepEqual(
    new layers.GlobalAveragePooling2D({ keepdims: true }).apply(x).shape,
    [2, 1, 1, 2],
  );
  const x1 = tf.reshape(x, [2, 6, 2]);
  close(new layers.GlobalAveragePooling1D().apply(x1), meanRef);
  close(new layers.GlobalMaxPooling1D().apply(x1), maxRef);
  assert.deepEqual(new layers.GlobalMaxPooling1D().getConfig().keepdims, false);
  assert.throws(() => new layers.GlobalAveragePooling1D().apply(x), /ndim=3, found ndim=4/);
});

test("pooling layers: float64 input gradients against finite differences", () => {
  const dtype = "float64" as const;
  const x = randomTensor([1, 4, 5, 2], 61);
  for (const layer of [
    new layers.MaxPooling2D(2, { dtype, padding: "same" }),
    new layers.AveragePooling2D([2, 3], { dtype, strides: 1 }),
    new layers.GlobalAveragePooling2D({ dtype }),
    new layers.GlobalMaxPooling2D({ dtype }),
  ]) {
    tf.keras.backend.clearSession();
    assert.doesNotThrow(() => checkGradientsOf(layer, x));
  }
  const x1 = randomTensor([2, 5, 2], 62);
  for (const layer of [
    new layers.MaxPooling1D(2, { dtype }),
    new layers.AveragePooling1D(3, { dtype, strides: 1, padding: "same" }),
    new layers.GlobalAveragePooling1D({ dtype }),
  ]) {
    checkGradientsOf(layer, x1);
  }
});

function checkGradientsOf(layer: tf.keras.layers.Layer, x: tf.Tensor): void {
  checkGradients((v) => layer.apply(v), [x]);
}

test("the MNIST convnet stack: Conv2D 32 -> MaxPool -> Conv2D 64 -> MaxPool -> Flatten -> Dropout -> Dense", () => {
  const model = new tf.keras.Sequential([
    new layers.Conv2D(32, [3, 3], { activation: "relu" }),
    new layers.MaxPooling2D([2, 2]),
    new layers.Conv2D(64, [3, 3], { activation: "relu" }),
    new layers.MaxPooling2D([2, 2]),
    new layers.Flatten(),
    new layers.Dropout(0.5),
    new layers.Dense(10, { activation: "softmax" }),
  ]);
  const y = model.apply(tf.ones([2, 28, 28, 1]));
  assert.deepEqual(y.shape, [2, 10]);
  const shapes = model.trainableWeights.map((v) => v.shape);
  assert.deepEqual(shapes, [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 10], [10]]);
  // keras.io's summary: 34,826 parameters.
  assert.equal(
    shapes.reduce((a, s) => a + s.reduce((p, d) => p * d, 1), 0),
    34826,
  );
  close(tf.reduceSum(y, 1), [1, 1]);
});

test("DepthwiseConv2D: kernel [kh, kw, in, depthMultiplier], bias [in * depthMultiplier], values against loops", () => {
  const [B, H, W, C, M] = [2, 4, 5, 2, 3];
  const layer = new layers.DepthwiseConv2D(3, { depthMultiplier: M, padding: "same", name: "dw" });
  layer.build([null, H, W, C]);
  assert.deepEqual(names(layer.weights), ["dw/kernel:0", "dw/bias:0"]);
  assert.deepEqual(layer.kernel.shape, [3, 3, C, M]);
  assert.deepEqual(layer.bias?.shape, [C * M]);
  const xv = values(B * H * W * C, 71);
  const kv = values(9 * C * M, 72);
  const bv = values(C * M, 73);
  setWeights(layer, [kv, bv]);
  const y = layer.apply(T(xv, [B, H, W, C]));
  assert.deepEqual(y.shape, [B, H, W, C * M]);
  // Depthwise = a grouped conv with one group per channel: kernel [3, 3, 1, C M] with
  // column c M + m taken from (c, m).
  const grouped: number[] = [];
  for (let i = 0; i < 9; i++)
    for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) grouped.push(kv[(i * C + c) * M + m]);
  const ref = convRef(xv, [B, H, W, C], grouped, [3, 3, 1, C * M], [1, 1], [1, 1], "same", C);
  close(
    y,
    ref.y.map((v, i) => v + bv[i % (C * M)]),
    1e-5,
  );
  const config = layer.getConfig();
  assert.equal(config.depth_multiplier, M);
  assert.deepEqual(config.kernel_size, [3, 3]);
  assert.equal("depthwise_initializer" in config, true);
  assert.throws(
    () => layer.apply(tf.ones([1, 4, 5, 3])),
    /dw.*axis -1 of input shape to have value 2/,
  );
  assert.throws(() => new layers.DepthwiseConv2D(3).apply(tf.ones([4, 5, 3])), /ndim=4/);
});

test("SeparableConv2D: depthwise_kernel, pointwise_kernel, bias; equals DepthwiseConv2D then a 1x1 Conv2D", () => {
  const sep = new layers.SeparableConv2D(4, [2, 3], {
    depthMultiplier: 2,
    strides: 2,
    name: "sep",
  });
  sep.build([null, 5, 6, 3]);
  assert.deepEqual(names(sep.weights), [
    "sep/depthwise_kernel:0",
    "sep/pointwise_kernel:0",
    "sep/bias:0",
  ]);
  assert.deepEqual(
    sep.weights.map((w) => w.shape),
    [[2, 3, 3, 2], [1, 1, 6, 4], [4]],
  );
  const w = sep.weights.map((v, i) => values(v.size, 80 + i));
  setWeights(sep, w);
  const x = T(values(2 * 5 * 6 * 3, 81), [2, 5, 6, 3]);
  const dw = new layers.DepthwiseConv2D([2, 3], { depthMultiplier: 2, strides: 2, useBias: false });
  dw.build([null, 5, 6, 3]);
  setWeights(dw, [w[0]]);
  const pw = new layers.Conv2D(4, 1);
  pw.build([null, 2, 2, 6]);
  setWeights(pw, [w[1], w[2]]);
  const y = sep.apply(x);
  assert.deepEqual(y.shape, [2, 2, 2, 4]);
  close(y, flat(pw.apply(dw.apply(x))), 1e-5);
  assert.equal(sep.getConfig().filters, 4);
  assert.equal(
    (sep.getConfig().pointwise_initializer as { class_name: string }).class_name,
    "GlorotUniform",
  );
});

test("DepthwiseConv2D and SeparableConv2D: float64 gradients in the input and every weight", () => {
  const dtype = "float64" as const;
  checkLayerGradients(
    new layers.DepthwiseConv2D(2, { dtype, depthMultiplier: 2, padding: "same" }),
    [randomTensor([1, 3, 4, 2], 91)],
  );
  checkLayerGradients(new layers.SeparableConv2D(3, 2, { dtype, activation: "tanh" }), [
    randomTensor([2, 3, 3, 2], 92),
  ]);
});
