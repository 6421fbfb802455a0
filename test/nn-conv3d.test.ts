/**
 * tf.nn.conv3d, conv3dTranspose, maxPool3d / avgPool3d (and the N-d maxPool / avgPool on rank
 * 5), conv1dTranspose, atrousConv2d and atrousConv2dTranspose: values against identities with
 * the 2-D ops and hand-computed cases, adjoint identities for the transposes, the native 3-D
 * kernels against the JS ones, and bad inputs. Gradients: test/registry.test.ts (Conv3D,
 * Conv3DBackpropInputV2, Conv3DBackpropFilterV2, MaxPool3D*, AvgPool3D*), plus composites here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import type { Conv3DParams } from "../src/backend/nn3d.js";
import type { FloatArray } from "../src/backend/native/addon.js";
import { InvalidArgumentError } from "../src/tensor/errors.js";
import { checkGradients } from "./helpers/gradcheck.js";
import { assertClose, DTYPES, randFloat } from "./helpers/tolerance.js";
import { rng } from "./helpers/rng.js";
import { forEachIsa, size, withAddon } from "./helpers/native.js";

const rand = (shape: number[], seed: number): tf.Tensor => randFloat(shape, seed, "float64", -1, 1);
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);
const dot = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.reduceSum(tf.multiply(a, b)).numpy() as number;

test("conv3d with a 1-deep filter is conv2d on each depth slice (strides in depth too)", () => {
  const x = rand([2, 5, 4, 3, 2], 1);
  const w = rand([1, 3, 2, 2, 3], 2);
  for (const pad of ["SAME", "VALID"] as const) {
    const y = tf.nn.conv3d(x, w, [2, 1, 2], pad);
    const slices: tf.Tensor[] = [];
    for (let d = 0; d < 5; d += 2) {
      const xd = tf.reshape(tf.slice(x, [0, d, 0, 0, 0], [2, 1, 4, 3, 2]), [2, 4, 3, 2]);
      slices.push(tf.nn.conv2d(xd, tf.reshape(w, [3, 2, 2, 3]), [1, 2], pad));
    }
    const want = tf.stack(slices, 1);
    assert.deepEqual(y.shape, want.shape);
    assertClose(y, vals(want), 1e-12, `conv3d ${pad}`);
  }
});

test("conv3d is the sum over depth taps of conv2d (VALID, strides and dilations)", () => {
  const x = rand([1, 7, 5, 4, 2], 3);
  const w = rand([3, 2, 2, 2, 2], 4);
  const [sd, dd] = [2, 2];
  const y = tf.nn.conv3d(x, w, [sd, 1, 1], "VALID", { dilations: [dd, 2, 1] });
  const outD = Math.ceil((7 - (3 - 1) * dd) / sd);
  assert.deepEqual(y.shape, [1, outD, 3, 3, 2]);
  const want: tf.Tensor[] = [];
  for (let od = 0; od < outD; od++) {
    let s: tf.Tensor | null = null;
    for (let fd = 0; fd < 3; fd++) {
      const xd = tf.reshape(
        tf.slice(x, [0, od * sd + fd * dd, 0, 0, 0], [1, 1, 5, 4, 2]),
        [1, 5, 4, 2],
      );
      const wd = tf.reshape(tf.slice(w, [fd, 0, 0, 0, 0], [1, 2, 2, 2, 2]), [2, 2, 2, 2]);
      const c = tf.nn.conv2d(xd, wd, 1, "VALID", { dilations: [2, 1] });
      s = s === null ? c : tf.add(s, c);
    }
    want.push(s as tf.Tensor);
  }
  assertClose(y, vals(tf.stack(want, 1)), 1e-12, "conv3d depth sum");
});

test("conv3d on ones counts the in-bounds taps (hand-computed, SAME pads after)", () => {
  const x = tf.ones([1, 2, 2, 2, 1], "float32");
  const w = tf.ones([2, 2, 2, 1, 1], "float32");
  assert.deepEqual(vals(tf.nn.conv3d(x, w, 1, "VALID")), [8]);
  // SAME with a 2-wide window pads one after: voxel (d, h, w) sees (2 - d)(2 - h)(2 - w) taps.
  assert.deepEqual(vals(tf.nn.conv3d(x, w, 1, "SAME")), [8, 4, 4, 2, 4, 2, 2, 1]);
});

test("conv3dTranspose is the adjoint of conv3d, and its shape is outputShape", () => {
  for (const pad of ["SAME", "VALID"] as const) {
    const x = rand([2, 5, 4, 5, 2], 5);
    const w = rand([3, 2, 3, 2, 3], 6);
    const y = tf.nn.conv3d(x, w, [2, 1, 2], pad);
    const g = rand([...y.shape], 7);
    const t = tf.nn.conv3dTranspose(g, w, [2, 5, 4, 5, 2], [2, 1, 2], pad);
    assert.deepEqual(t.shape, [2, 5, 4, 5, 2]);
    assert.ok(Math.abs(dot(y, g) - dot(x, t)) < 1e-10, pad);
  }
});

test("conv1dTranspose is the adjoint of conv1d; atrousConv2d is conv2d with a zero-dilated filter", () => {
  const x = rand([2, 9, 3], 8);
  const w = rand([3, 3, 4], 9);
  const y = tf.nn.conv1d(x, w, 2, "SAME", { dilations: 1 });
  const g = rand([...y.shape], 10);
  const t = tf.nn.conv1dTranspose(g, w, [2, 9, 3], 2, "SAME");
  assert.deepEqual(t.shape, [2, 9, 3]);
  assert.ok(Math.abs(dot(y, g) - dot(x, t)) < 1e-10);

  const img = rand([1, 7, 6, 2], 11);
  const f = rand([2, 2, 2, 3], 12);
  // A rate-2 filter is the 3x3 filter with zeros between the taps.
  const fv = vals(f);
  const big = new Float64Array(3 * 3 * 2 * 3);
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++)
      for (let k = 0; k < 6; k++) big[(2 * i * 3 + 2 * j) * 6 + k] = fv[(i * 2 + j) * 6 + k];
  const want = tf.nn.conv2d(img, tf.constant(big, "float64", [3, 3, 2, 3]), 1, "SAME");
  const a = tf.nn.atrousConv2d(img, f, 2, "SAME");
  assertClose(a, vals(want), 1e-12, "atrousConv2d");
  const ga = rand([...a.shape], 13);
  const at = tf.nn.atrousConv2dTranspose(ga, f, [1, 7, 6, 2], 2, "SAME");
  assert.ok(Math.abs(dot(a, ga) - dot(img, at)) < 1e-10);
  // Gradients through the composites.
  checkGradients((u, v) => tf.nn.atrousConv2d(u, v, 2, "VALID"), [img, f]);
  checkGradients(
    (u, v) => tf.nn.conv1dTranspose(u, v, [2, 9, 3], 2, "VALID"),
    [rand([2, 4, 4], 14), w],
  );
});

test("maxPool3d and avgPool3d: 1-deep windows pool each slice as the 2-D ops; hand cases", () => {
  const x = rand([2, 3, 5, 4, 3], 15);
  for (const pad of ["SAME", "VALID"] as const) {
    const mp = tf.nn.maxPool3d(x, [1, 2, 3], [1, 2, 2], pad);
    const ap = tf.nn.avgPool3d(x, [1, 2, 3], [1, 2, 2], pad);
    const x2 = tf.reshape(x, [6, 5, 4, 3]);
    const m2 = tf.nn.maxPool2d(x2, [2, 3], 2, pad);
    const a2 = tf.nn.avgPool2d(x2, [2, 3], 2, pad);
    assertClose(mp, vals(m2), 0, `maxPool3d ${pad}`);
    assertClose(ap, vals(a2), 1e-12, `avgPool3d ${pad}`);
    // The N-d functions take rank 5.
    assertClose(tf.nn.maxPool(x, [1, 2, 3], [1, 2, 2], pad), vals(m2), 0);
    assertClose(tf.nn.avgPool(x, [1, 2, 3], [1, 2, 2], pad), vals(a2), 1e-12);
  }
  // 0..7 in a 2x2x2 cube: the max is 7, the mean 3.5; SAME with a 2-window at stride 2 on a
  // 3-cube pads after and averages only the valid voxels.
  const cube = tf.reshape(tf.range(0, 8, 1, "float32"), [1, 2, 2, 2, 1]);
  assert.deepEqual(vals(tf.nn.maxPool3d(cube, 2, 2, "VALID")), [7]);
  assert.deepEqual(vals(tf.nn.avgPool3d(cube, 2, 2, "VALID")), [3.5]);
  const c3 = tf.reshape(tf.range(0, 27, 1, "float64"), [1, 3, 3, 3, 1]);
  const a = vals(tf.nn.avgPool3d(c3, 2, 2, "SAME"));
  // The last window holds only voxel (2, 2, 2) = 26; the first averages 0,1,3,4,9,10,12,13.
  assert.equal(a.length, 8);
  assert.equal(a[7], 26);
  assert.equal(a[0], (0 + 1 + 3 + 4 + 9 + 10 + 12 + 13) / 8);
  assert.deepEqual(vals(tf.nn.maxPool3d(c3, 2, 2, "SAME")), [13, 14, 16, 17, 22, 23, 25, 26]);
});

test("the 3-D ops' bad inputs throw errors naming the op, shapes and dtypes", () => {
  const x = tf.zeros([1, 3, 3, 3, 2]);
  const w = tf.zeros([2, 2, 2, 2, 1]);
  assert.throws(
    () => tf.nn.conv3d(tf.zeros([1, 3, 3, 2]), w, 1, "SAME"),
    (e: Error) =>
      e instanceof InvalidArgumentError &&
      /Conv3D: input must be 5-dimensional.*\[1,3,3,2\]/.test(e.message),
  );
  assert.throws(
    () => tf.nn.conv3d(x, tf.zeros([2, 2, 2, 3, 1]), 1, "SAME"),
    /Conv3D: input depth must equal filter in_channels.*\[2,2,2,3,1\]/,
  );
  assert.throws(
    () =>
      tf.nn.conv3d(
        tf.zeros([1, 3, 3, 3, 2], "int32"),
        tf.zeros([2, 2, 2, 2, 1], "int32"),
        1,
        "SAME",
      ),
    (e: Error) => e instanceof TypeError && /Conv3D.*int32/.test(e.message),
  );
  assert.throws(() => tf.nn.conv3d(x, w, [1, 1], "SAME"), /Conv3D: strides must be/);
  assert.throws(() => tf.nn.conv3d(x, w, [2, 1, 1, 1, 1], "SAME"), /Conv3D: strides in the batch/);
  assert.throws(
    () => tf.nn.conv3d(x, w, 1, "FULL" as "SAME"),
    /Conv3D: padding must be "SAME" or "VALID"/,
  );
  assert.throws(() => tf.nn.conv3d(x, w, 1, "SAME", { dataFormat: "NCDHW" as "NDHWC" }), /NDHWC/);
  assert.throws(
    () => tf.nn.conv3d(tf.zeros([1, 1, 3, 3, 2]), w, 1, "VALID"),
    /Conv3D: computed output size would be negative/,
  );
  assert.throws(
    () => tf.nn.conv3dTranspose(tf.zeros([1, 3, 3, 3, 1]), w, [1, 3, 3, 4, 2], 1, "SAME"),
    /Conv3DBackpropInputV2: out_backprop must have the convolution's output shape \[1,3,3,4,1\]/,
  );
  assert.throws(
    () => tf.nn.maxPool3d(tf.zeros([1, 3, 3, 3]), 2, 2, "SAME"),
    /MaxPool3D: input must be 5-dimensional/,
  );
  assert.throws(
    () => tf.nn.avgPool3d(tf.zeros([1, 3, 3, 3, 1], "int32"), 2, 2, "SAME"),
    /AvgPool3D: input must be float/,
  );
  assert.throws(
    () => tf.nn.maxPool(tf.zeros([1, 3, 3, 3, 1, 1]), 2, 2, "SAME"),
    /maxPool: input must be NWC \(rank 3\), NHWC \(rank 4\) or NDHWC \(rank 5\)/,
  );
  assert.throws(
    () => tf.nn.conv1dTranspose(tf.zeros([1, 4, 2]), tf.zeros([2, 3, 2]), [1, 8], 2),
    /conv1dTranspose: outputShape must be \[batch, width, out_channels\]/,
  );
  assert.throws(
    () => tf.nn.atrousConv2d(tf.zeros([1, 4, 4, 1]), tf.zeros([2, 2, 1, 1]), 0, "SAME"),
    /atrousConv2d: rate must be an integer >= 1/,
  );
});

function randArray(
  F: typeof Float32Array | typeof Float64Array,
  n: number,
  seed: number,
): FloatArray {
  const r = rng(seed);
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = 2 * r() - 1;
  return a;
}

test("native conv3d kernels agree with the JS ones (odd shapes, both dtypes, both ISA paths)", (t) =>
  withAddon(t, (a) => {
    assert.equal(
      typeof a.conv3d,
      "function",
      "the addon has conv3d (rebuild with npm run build:native)",
    );
    const cases: Conv3DParams[] = [];
    const geo = (
      x: [number, number, number, number, number],
      f: [number, number, number, number],
      s: [number, number, number],
      d: [number, number, number],
      pad: [number, number, number],
    ): Conv3DParams => {
      const out = (n: number, k: number, st: number, dl: number, pb: number) =>
        Math.floor((n + 2 * pb - ((k - 1) * dl + 1)) / st) + 1;
      return {
        batch: x[0],
        inD: x[1],
        inH: x[2],
        inW: x[3],
        inC: x[4],
        outD: out(x[1], f[0], s[0], d[0], pad[0]),
        outH: out(x[2], f[1], s[1], d[1], pad[1]),
        outW: out(x[3], f[2], s[2], d[2], pad[2]),
        outC: f[3],
        filterD: f[0],
        filterH: f[1],
        filterW: f[2],
        strideD: s[0],
        strideH: s[1],
        strideW: s[2],
        dilationD: d[0],
        dilationH: d[1],
        dilationW: d[2],
        padFront: pad[0],
        padTop: pad[1],
        padLeft: pad[2],
      };
    };
    cases.push(geo([2, 5, 7, 6, 3], [3, 3, 2, 5], [1, 2, 1], [1, 1, 2], [1, 1, 0]));
    cases.push(geo([1, 6, 5, 9, 7], [2, 3, 3, 11], [2, 1, 2], [2, 1, 1], [0, 1, 1]));
    cases.push(geo([3, 4, 5, 3, 4], [1, 1, 1, 6], [1, 1, 1], [1, 1, 1], [0, 0, 0])); // pointwise
    forEachIsa(a, (isa) => {
      for (const F of [Float32Array, Float64Array]) {
        const tol = F === Float32Array ? 1e-4 : 1e-11;
        for (const [ci, p] of cases.entries()) {
          const xs = size([p.batch, p.inD, p.inH, p.inW, p.inC]);
          const ws = size([p.filterD, p.filterH, p.filterW, p.inC, p.outC]);
          const ys = size([p.batch, p.outD, p.outH, p.outW, p.outC]);
          const x = randArray(F, xs, 1 + ci);
          const w = randArray(F, ws, 2 + ci);
          const dy = randArray(F, ys, 3 + ci);
          const pairs: [string, number, (o: FloatArray) => void, (o: FloatArray) => void][] = [
            ["conv3d", ys, (o) => a.conv3d?.(x, w, o, p), (o) => jsBackend.conv3d(x, w, o, p)],
            [
              "conv3dBackpropInput",
              xs,
              (o) => a.conv3dBackpropInput?.(w, dy, o, p),
              (o) => jsBackend.conv3dBackpropInput(w, dy, o, p),
            ],
            [
              "conv3dBackpropFilter",
              ws,
              (o) => a.conv3dBackpropFilter?.(x, dy, o, p),
              (o) => jsBackend.conv3dBackpropFilter(x, dy, o, p),
            ],
          ];
          for (const [name, n, nat, js] of pairs) {
            const got = new F(n);
            const want = new F(n);
            nat(got);
            js(want);
            for (let i = 0; i < n; i++) {
              assert.ok(
                Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])),
                `${name} ${isa} ${F.name} case ${ci} [${i}]: ${got[i]} vs ${want[i]}`,
              );
            }
          }
        }
      }
    });
    // Bad arguments throw in C++ instead of reading out of bounds.
    const p = cases[0];
    assert.throws(
      () => a.conv3d?.(new Float32Array(3), new Float32Array(3), new Float32Array(3), p),
      RangeError,
    );
    assert.throws(
      () =>
        a.conv3d?.(new Float32Array(0), new Float64Array(0), new Float32Array(0), {
          ...p,
          batch: 0,
        }),
      TypeError,
    );
  }));

test("conv3d through the native backend matches the JS backend above the crossover", () => {
  const x = rand([2, 6, 7, 5, 4], 20);
  const w = rand([3, 3, 3, 4, 6], 21);
  const before = tf.getBackend();
  for (const dt of DTYPES) {
    const xc = tf.cast(x, dt);
    const wc = tf.cast(w, dt);
    tf.setBackend("js");
    const want = vals(tf.nn.conv3d(xc, wc, [1, 2, 1], "SAME"));
    tf.setBackend(before);
    assertClose(tf.nn.conv3d(xc, wc, [1, 2, 1], "SAME"), want, dt === "float32" ? 1e-4 : 1e-11, dt);
  }
});
