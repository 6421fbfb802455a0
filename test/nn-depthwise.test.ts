/**
 * tf.nn.depthwiseConv2d (DepthwiseConv2dNative) and its two backprop ops: forward values
 * against a direct loop, first and second derivatives against finite differences in float64,
 * the registry entries' own gradient-check cases, separableConv2d, and bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { lookupOp } from "../src/engine/op.js";
import { runOp1 } from "../src/engine/run-op.js";
import { checkGradients, checkSecondOrder, randomTensor } from "./helpers/gradcheck.js";
import { close } from "./helpers/keras.js";
import { flat } from "./helpers/reference.js";

/** y[b, oh, ow, c M + m] by loops; SAME padding by TensorFlow's rule. */
function depthwiseRef(
  x: number[],
  [B, H, W, C]: number[],
  w: number[],
  [KH, KW, , M]: number[],
  [sh, sw]: number[],
  [dh, dw]: number[],
  same: boolean,
): { y: number[]; shape: number[] } {
  const dim = (n: number, k: number, s: number, d: number): [number, number] => {
    const eff = (k - 1) * d + 1;
    if (!same) return [Math.floor((n - eff) / s) + 1, 0];
    const out = Math.ceil(n / s);
    return [out, Math.floor(Math.max((out - 1) * s + eff - n, 0) / 2)];
  };
  const [OH, pt] = dim(H, KH, sh, dh);
  const [OW, pl] = dim(W, KW, sw, dw);
  const y: number[] = [];
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++)
          for (let m = 0; m < M; m++) {
            let acc = 0;
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const ih = oh * sh + i * dh - pt;
                const iw = ow * sw + j * dw - pl;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += x[((b * H + ih) * W + iw) * C + c] * w[((i * KW + j) * C + c) * M + m];
              }
            y.push(acc);
          }
  return { y, shape: [B, OH, OW, C * M] };
}

test("depthwiseConv2d: each channel through its own filters, against loops", () => {
  for (const [xs, ws, s, d, same] of [
    [[2, 5, 4, 3], [3, 3, 3, 2], [1, 1], [1, 1], false],
    [[1, 6, 5, 2], [3, 2, 2, 1], [2, 2], [1, 1], true],
    [[1, 7, 6, 2], [2, 2, 2, 3], [1, 1], [2, 3], true],
  ] as const) {
    const x = randomTensor([...xs], 1);
    const w = randomTensor([...ws], 2);
    const y = tf.nn.depthwiseConv2d(x, w, [...s], same ? "SAME" : "VALID", { dilations: [...d] });
    const ref = depthwiseRef(flat(x), [...xs], flat(w), [...ws], [...s], [...d], same);
    assert.deepEqual(y.shape, ref.shape);
    close(y, ref.y, 1e-12);
    // float32 too, summed in float64.
    const y32 = tf.nn.depthwiseConv2d(
      tf.cast(x, "float32"),
      tf.cast(w, "float32"),
      [...s],
      same ? "SAME" : "VALID",
      {
        dilations: [...d],
      },
    );
    close(y32, ref.y, 1e-5);
  }
});

test("depthwiseConv2d: first and second derivatives in input and filter (float64)", () => {
  const x = randomTensor([2, 4, 3, 2], 3);
  const w = randomTensor([2, 2, 2, 3], 4);
  checkGradients((a, b) => tf.nn.depthwiseConv2d(a, b, [2, 1], "SAME"), [x, w]);
  checkGradients(
    (a, b) => tf.nn.depthwiseConv2d(a, b, 1, "VALID", { dilations: [2, 1] }),
    [randomTensor([1, 5, 3, 2], 5), randomTensor([2, 2, 2, 1], 6)],
  );
  checkSecondOrder((a) => tf.square(tf.nn.depthwiseConv2d(a, w, 1, "SAME")), x);
  checkSecondOrder((b) => tf.square(tf.nn.depthwiseConv2d(x, b, 1, "SAME")), w);
});

test("Depthwise registry entries: kind and check cases, each case gradchecked", () => {
  for (const name of [
    "DepthwiseConv2dNative",
    "DepthwiseConv2dNativeBackpropInput",
    "DepthwiseConv2dNativeBackpropFilter",
  ]) {
    const op = lookupOp(name);
    assert.ok(op !== undefined, name);
    assert.equal(op.kind, "contraction");
    const check = op.check;
    assert.ok(check !== undefined && "cases" in check, `${name} has check cases`);
    check.cases.forEach((c, i) => {
      const inputs = c.inputs.map((spec, k) => {
        assert.ok("shape" in spec);
        return randomTensor([...spec.shape], 10 * i + k);
      });
      checkGradients((...xs) => runOp1(op, xs, c.attrs), inputs);
    });
  }
});

test("separableConv2d: depthwise then a 1x1 convolution; gradients", () => {
  const x = randomTensor([1, 4, 4, 2], 7);
  const dw = randomTensor([3, 3, 2, 2], 8);
  const pw = randomTensor([1, 1, 4, 3], 9);
  const y = tf.nn.separableConv2d(x, dw, pw, 1, "SAME");
  const ref = tf.nn.conv2d(tf.nn.depthwiseConv2d(x, dw, 1, "SAME"), pw, 1, "VALID");
  close(y, flat(ref), 1e-12);
  assert.deepEqual(y.shape, [1, 4, 4, 3]);
  checkGradients((a, b, c) => tf.nn.separableConv2d(a, b, c, 1, "SAME"), [x, dw, pw]);
  assert.throws(
    () => tf.nn.separableConv2d(x, dw, randomTensor([1, 1, 3, 3], 1), 1, "SAME"),
    /pointwiseFilter must be \[1, 1, 4/,
  );
});

test("depthwiseConv2d: bad inputs name the op, shapes and dtypes", () => {
  const x = tf.ones([1, 4, 4, 2]);
  assert.throws(
    () => tf.nn.depthwiseConv2d(x, tf.ones([2, 2, 3, 1]), 1, "VALID"),
    /DepthwiseConv2dNative: input depth must equal filter in_channels/,
  );
  assert.throws(
    () => tf.nn.depthwiseConv2d(tf.ones([4, 4, 2]), tf.ones([2, 2, 2, 1]), 1, "VALID"),
    /DepthwiseConv2dNative: input must be 4-dimensional/,
  );
  assert.throws(
    () =>
      tf.nn.depthwiseConv2d(
        tf.ones([1, 4, 4, 2], "int32"),
        tf.ones([2, 2, 2, 1], "int32"),
        1,
        "VALID",
      ),
    /DepthwiseConv2dNative/,
  );
  assert.throws(
    () => tf.nn.depthwiseConv2d(x, tf.ones([5, 5, 2, 1]), 1, "VALID"),
    /DepthwiseConv2dNative: computed output size would be negative/,
  );
  assert.throws(() => tf.nn.depthwiseConv2d(x, tf.ones([2, 2, 2, 1]), 0, "VALID"), /strides/);
});
