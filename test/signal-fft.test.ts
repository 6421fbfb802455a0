/**
 * tf.signal on complex tensors: fft / ifft against a direct DFT at power-of-two, odd and prime
 * lengths in complex64 and complex128, ifft(fft(x)) = x, the native kernel against the JS
 * reference (odd shapes, both dtypes, both ISA paths), the 2-D / 3-D and real transforms
 * against compositions of 1-D ones, stft / inverseStft round trips, overlapAndAdd, gradients by
 * finite differences on the real and imaginary parts, and bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { fftRowsJs } from "../src/backend/fft.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { checkGradients, randomTensor, rng } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);

function near(got: number[], want: number[], tol: number, what = ""): void {
  assert.equal(got.length, want.length, `${what} length`);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((x, i) =>
    assert.ok(Math.abs(x - want[i]) <= tol * scale, `${what}[${i}]: ${x}, want ${want[i]}`),
  );
}

/** The DFT by its definition, angles reduced mod n so the reference keeps its digits. */
function directDft(re: number[], im: number[], inverse = false): number[] {
  const n = re.length;
  const out: number[] = [];
  const s = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let a = 0;
    let b = 0;
    for (let t = 0; t < n; t++) {
      const w = (s * 2 * Math.PI * ((k * t) % n)) / n;
      a += re[t] * Math.cos(w) - im[t] * Math.sin(w);
      b += re[t] * Math.sin(w) + im[t] * Math.cos(w);
    }
    out.push(inverse ? a / n : a, inverse ? b / n : b);
  }
  return out;
}

const random = (n: number, seed: number): number[] => {
  const r = rng(seed);
  return Array.from({ length: n }, () => r() * 2 - 1);
};

test("fft and ifft against the direct DFT, every kind of length, both dtypes", () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 60, 64, 97, 128, 243]) {
    const re = random(n, n);
    const im = random(n, n + 1000);
    for (const dtype of ["float64", "float32"] as const) {
      const z = tf.complex(tf.constant(re, dtype), tf.constant(im, dtype));
      const tol = dtype === "float64" ? 1e-12 : 2e-5;
      const y = tf.signal.fft(z);
      assert.equal(y.dtype, dtype === "float64" ? "complex128" : "complex64");
      near(vals(y), directDft(re, im), tol * Math.log2(n + 1), `fft n=${n} ${dtype}`);
      near(vals(tf.signal.ifft(z)), directDft(re, im, true), tol, `ifft n=${n} ${dtype}`);
      const back = tf.signal.ifft(y);
      near(vals(back), vals(z), tol, `ifft(fft) n=${n} ${dtype}`);
    }
  }
  // batched: every row transformed on its own
  const x = tf.complex(randomTensor([3, 2, 5], 1), randomTensor([3, 2, 5], 2));
  const rows = tf.reshape(x, [6, 5]);
  const y = tf.reshape(tf.signal.fft(x), [6, 5]);
  for (let r = 0; r < 6; r++) {
    const row = tf.slice(rows, [r, 0], [1, 5]);
    near(vals(tf.slice(y, [r, 0], [1, 5])), vals(tf.signal.fft(row)), 1e-13, `row ${r}`);
  }
  // the pair form: a pair in, a pair out; a real tensor alone is taken as complex
  const p = tf.signal.fft(f64([1, 0, 0, 0]), null);
  near(vals(p.real), [1, 1, 1, 1], 0);
  const s = tf.signal.fft(f64([0, 1, 0, 0]));
  assert.equal(s.dtype, "complex128");
  near(vals(s.imag()), [0, -1, 0, 1], 1e-15);
  const q = tf.signal.ifft({ real: s.real(), imag: s.imag() });
  near(vals(q.real), [0, 1, 0, 0], 1e-15);
  near(vals(s.conj().imag()), [0, 1, 0, -1], 1e-15);
});

test("the native FFT kernel matches the JS reference (odd shapes, both dtypes and ISA paths)", (t) => {
  const addon = nativeAddon();
  if (addon === null || addon.fft === undefined) {
    t.skip("native addon without fft");
    return;
  }
  const isa0 = addon.isa();
  try {
    for (const isa of ["scalar", isa0] as const) {
      addon.setIsa(isa);
      for (const [rows, n] of [
        [1, 1],
        [3, 7],
        [5, 64],
        [2, 97],
        [7, 100],
        [1, 1024],
        [4, 1000],
      ]) {
        for (const Ctor of [Float32Array, Float64Array]) {
          const r = rng(rows * 1000 + n);
          const x = new Ctor(2 * rows * n).map(() => r() * 2 - 1);
          for (const inverse of [false, true]) {
            const js = new Ctor(x.length);
            const nat = new Ctor(x.length);
            fftRowsJs(x, js, rows, n, inverse);
            addon.fft(x, nat, rows, n, inverse);
            const tol = Ctor === Float32Array ? 1e-5 : 1e-12;
            near(Array.from(nat), Array.from(js), tol, `${isa} ${Ctor.name} ${rows}x${n}`);
          }
        }
      }
    }
  } finally {
    addon.setIsa(isa0);
  }
  assert.throws(
    () => addon.fft?.(new Float32Array(4), new Float64Array(4), 1, 2, false),
    /fft \(native\)/,
  );
  assert.throws(
    () => addon.fft?.(new Float32Array(4), new Float32Array(6), 1, 2, false),
    RangeError,
  );
});

test("2-D, 3-D and real transforms against 1-D ones", () => {
  const x = tf.complex(randomTensor([2, 3, 5], 3), randomTensor([2, 3, 5], 4));
  // fft2d = fft along the last axis, then along the one before
  const alongRows = tf.signal.fft(x);
  const twoD = tf.transpose(tf.signal.fft(tf.transpose(alongRows, [0, 2, 1])), [0, 2, 1]);
  near(vals(tf.signal.fft2d(x)), vals(twoD), 1e-12, "fft2d");
  near(vals(tf.signal.ifft2d(tf.signal.fft2d(x))), vals(x), 1e-13, "ifft2d(fft2d)");
  const threeD = tf.transpose(tf.signal.fft(tf.transpose(twoD, [2, 1, 0])), [2, 1, 0]);
  near(vals(tf.signal.fft3d(x)), vals(threeD), 1e-12, "fft3d");
  near(vals(tf.signal.ifft3d(tf.signal.fft3d(x))), vals(x), 1e-13, "ifft3d(fft3d)");

  for (const n of [6, 7, 8, 9]) {
    const r = randomTensor([2, n], n);
    const full = tf.signal.fft(tf.cast(r, "complex128"));
    const half = tf.signal.rfft(r);
    const bins = Math.floor(n / 2) + 1;
    assert.deepEqual(half.shape, [2, bins]);
    near(vals(half), vals(tf.slice(full, [0, 0], [2, bins])), 1e-13, `rfft n=${n}`);
    near(vals(tf.signal.irfft(half, n)), vals(r), 1e-13, `irfft(rfft) n=${n}`);
  }
  // fftLength crops or pads; irfft's default length is 2 (bins - 1)
  near(vals(tf.signal.rfft(f64([1, 2]), [4])), [3, 0, 1, -2, -1, 0], 1e-15);
  near(vals(tf.signal.irfft(tf.complex(f64([3, 1, -1]), f64([0, -2, 0])))), [1, 2, 0, 0], 1e-15);
  // imaginary parts of the zero and Nyquist bins are ignored
  near(vals(tf.signal.irfft(tf.complex(f64([3, 1, -1]), f64([5, -2, 7])))), [1, 2, 0, 0], 1e-15);

  const img = randomTensor([2, 4, 6], 9);
  const r2 = tf.signal.rfft2d(img);
  assert.deepEqual(r2.shape, [2, 4, 4]);
  const f2 = tf.signal.fft2d(tf.cast(img, "complex128"));
  near(vals(r2), vals(tf.slice(f2, [0, 0, 0], [2, 4, 4])), 1e-13, "rfft2d");
  near(vals(tf.signal.irfft2d(r2, [4, 6])), vals(img), 1e-13, "irfft2d(rfft2d)");
  assert.deepEqual(tf.signal.rfft2d(img, [3, 5]).shape, [2, 3, 3]);
  assert.equal(tf.signal.rfft(tf.constant([1, 2, 3])).dtype, "complex64");
});

test("stft, inverseStft and overlapAndAdd", () => {
  near(
    vals(
      tf.signal.overlapAndAdd(
        f64([
          [1, 1, 1],
          [2, 2, 2],
          [3, 3, 3],
        ]),
        2,
      ),
    ),
    [1, 1, 3, 2, 5, 3, 3],
    0,
  );
  assert.deepEqual(tf.signal.overlapAndAdd(tf.zeros([2, 3, 4, 5]), 3).shape, [2, 3, 14]);
  const x = tf.sin(tf.multiply(tf.range(0, 200, 1, "float64"), 0.3));
  const s = tf.signal.stft(x, 32, 8);
  assert.deepEqual(s.shape, [22, 17]);
  assert.equal(s.dtype, "complex128");
  // frame 3 by hand: hann window (periodic), rfft of length 32
  const seg = tf.slice(x, [24], [32]);
  const want = tf.signal.rfft(tf.multiply(seg, tf.signal.hannWindow(32, true, "float64")));
  near(vals(tf.slice(s, [3, 0], [1, 17])), vals(want), 1e-12, "stft frame 3");
  const back = tf.signal.inverseStft(s, 32, 8, null, tf.signal.inverseStftWindowFn(8));
  assert.deepEqual(back.shape, [200]);
  // exact wherever four frames overlap: away from the ends
  near(vals(tf.slice(back, [32], [130])), vals(tf.slice(x, [32], [130])), 1e-12, "istft");
  assert.deepEqual(tf.signal.stft(tf.zeros([3, 100]), 20, 10, 64).shape, [3, 9, 33]);
});

/** A real view of f on a complex input, for finite differences on re and im. */
function viaParts(f: (z: tf.Tensor) => tf.Tensor, shape: number[]) {
  return (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const y = f(tf.complex(tf.reshape(a, shape), tf.reshape(b, shape)));
    return y.dtype === "complex128"
      ? tf.concat([tf.reshape(tf.real(y), [-1]), tf.reshape(tf.imag(y), [-1])], 0)
      : tf.reshape(y, [-1]);
  };
}

test("gradients by finite differences on the real and imaginary parts", () => {
  for (const n of [4, 5]) {
    const a = randomTensor([2 * n], n);
    const b = randomTensor([2 * n], n + 1);
    checkGradients(viaParts(tf.signal.fft, [2, n]), [a, b]);
    checkGradients(viaParts(tf.signal.ifft, [2, n]), [a, b]);
    checkGradients(
      viaParts((z) => tf.signal.irfft(z, 2 * n - 2), [2, n]),
      [a, b],
    );
    checkGradients(
      viaParts((z) => tf.signal.irfft(z, 2 * n - 1), [2, n]),
      [a, b],
    );
    checkGradients(viaParts(tf.signal.fft2d, [2, n]), [a, b]);
    checkGradients(viaParts(tf.signal.ifft2d, [2, n]), [a, b]);
    checkGradients(
      viaParts((z) => tf.signal.irfft2d(z, [2, 6]), [2, n]),
      [a, b],
    );
  }
  const x = randomTensor([2, 7], 5);
  checkGradients((r) => tf.real(tf.signal.rfft(r)), [x]);
  checkGradients((r) => tf.imag(tf.signal.rfft(r, 10)), [x]);
  checkGradients((r) => tf.abs(tf.signal.rfft2d(r)), [x]);
  checkGradients((r) => tf.abs(tf.signal.stft(r, 4, 2, 8)), [randomTensor([15], 6)]);
  checkGradients(
    (r) => tf.signal.inverseStft(tf.signal.stft(r, 4, 2), 4, 2),
    [randomTensor([12], 7)],
  );
  // the pair form differentiates too
  checkGradients((r, i) => tf.signal.fft(r, i).imag, [randomTensor([5], 8), randomTensor([5], 9)]);
});

test("bad inputs name the function and the dtype or shape", () => {
  assert.throws(() => tf.signal.fft(tf.constant([1, 2], "int32")), /fft: .*int32/);
  assert.throws(() => tf.signal.fft(tf.complex(1, 2)), /fft: .*rank >= 1/);
  assert.throws(() => tf.signal.fft2d(tf.complex([1, 2], [0, 0])), /fft2d: .*rank >= 2/);
  assert.throws(() => tf.signal.rfft(tf.complex([1, 2], [0, 0])), /rfft: .*float32 or float64/);
  assert.throws(() => tf.signal.irfft2d(f64([[1, 2]])), /irfft2d: .*complex64 or complex128/);
  assert.throws(() => tf.signal.rfft(f64([1, 2]), 0), /rfft.*fft_length/);
  assert.throws(() => tf.signal.rfft2d(f64([[1, 2]]), [2]), /rfft2d: fft_length must have 2/);
  assert.throws(() => tf.signal.irfft(tf.complex(f64([1]), f64([0]))), /irfft: .*fft_length is 0/);
  assert.throws(() => tf.signal.stft(tf.complex([1], [1]), 2, 1), /stft: .*complex64/);
  assert.throws(() => tf.signal.inverseStft(f64([[1]]), 2, 1), /inverseStft: .*float64/);
  assert.throws(() => tf.signal.overlapAndAdd(f64([1, 2]), 1), /overlapAndAdd: .*rank >= 2/);
  assert.throws(() => tf.signal.fft(f64([1, 2]), f64([1])), /same shape/);
});
