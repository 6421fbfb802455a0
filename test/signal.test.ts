/**
 * tf.signal: fft / ifft against a direct DFT at power-of-two and odd lengths, ifft(fft(x)) = x,
 * rfft = the first n/2 + 1 bins of fft, irfft(rfft(x)) = x (even and odd lengths), Parseval,
 * gradients by finite differences; frame and hannWindow against TensorFlow's examples.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";

const f64 = (v: tf.TensorLike) => tf.constant(v, "float64");
const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function near(got: tf.Tensor, want: number[], tol = 1e-12): void {
  const g = vals(got);
  assert.equal(g.length, want.length, `length ${g.length} vs ${want.length}`);
  g.forEach((x, i) =>
    assert.ok(
      Math.abs(x - want[i]) <= tol * Math.max(1, Math.abs(want[i])),
      `[${i}]: ${x}, want ${want[i]}`,
    ),
  );
}

function directDft(re: number[], im: number[]): [number[], number[]] {
  const n = re.length;
  const R: number[] = [];
  const I: number[] = [];
  for (let k = 0; k < n; k++) {
    let a = 0;
    let b = 0;
    for (let t = 0; t < n; t++) {
      const w = (-2 * Math.PI * k * t) / n;
      a += re[t] * Math.cos(w) - im[t] * Math.sin(w);
      b += re[t] * Math.sin(w) + im[t] * Math.cos(w);
    }
    R.push(a);
    I.push(b);
  }
  return [R, I];
}

test("fft and ifft: a direct DFT at lengths 8 and 7, the round trip, batches", () => {
  for (const n of [8, 7, 1]) {
    const re = randomTensor([n], n);
    const im = randomTensor([n], n + 100);
    const { real, imag } = tf.signal.fft(re, im);
    const [R, I] = directDft(vals(re), vals(im));
    near(real, R);
    near(imag, I);
    const back = tf.signal.ifft(real, imag);
    near(back.real, vals(re));
    near(back.imag, vals(im));
  }
  // a delta transforms to all ones; imag may be null for a real input
  const d = tf.signal.fft(f64([1, 0, 0, 0]), null);
  near(d.real, [1, 1, 1, 1]);
  near(d.imag, [0, 0, 0, 0]);
  const b = randomTensor([2, 3, 5], 9);
  const fb = tf.signal.fft(b, null);
  assert.deepEqual(fb.real.shape, [2, 3, 5]);
  const [R] = directDft(vals(b).slice(5, 10), [0, 0, 0, 0, 0]);
  near(tf.slice(fb.real, [0, 1, 0], [1, 1, 5]), R);
  checkGradients(
    (r, i) => tf.signal.fft(r, i).imag,
    [randomTensor([2, 5], 1), randomTensor([2, 5], 2)],
  );
  assert.throws(
    () => tf.signal.fft(f64([1, 2]), f64([1])),
    /fft: real .* and imag .* must have the same shape and dtype/,
  );
});

test("rfft / irfft: half spectrum, round trip at even and odd lengths, fftLength, Parseval", () => {
  for (const n of [8, 9]) {
    const x = randomTensor([3, n], n);
    const full = tf.signal.fft(x, null);
    const h = tf.signal.rfft(x); // complex, as TensorFlow's
    const half = { real: tf.real(h), imag: tf.imag(h) };
    const bins = Math.floor(n / 2) + 1;
    assert.deepEqual(half.real.shape, [3, bins]);
    near(half.real, vals(tf.slice(full.real, [0, 0], [3, bins])));
    near(half.imag, vals(tf.slice(full.imag, [0, 0], [3, bins])));
    near(tf.signal.irfft(half.real, half.imag, n), vals(x));
    // Parseval: sum x^2 = sum |X|^2 / n
    const e = vals(tf.reduceSum(tf.square(x), -1));
    const E = vals(tf.reduceSum(tf.add(tf.square(full.real), tf.square(full.imag)), -1)).map(
      (v) => v / n,
    );
    near(f64(E), e);
  }
  // fftLength pads: rfft([1, 2], 4) = [3, 1-2i, -1]
  const p = tf.signal.rfft(f64([1, 2]), [4]);
  near(tf.real(p), [3, 1, -1]);
  near(tf.imag(p), [0, -2, 0]);
  near(tf.signal.irfft(f64([3, 1, -1]), f64([0, -2, 0])), [1, 2, 0, 0]);
  checkGradients((x) => tf.real(tf.signal.rfft(x)), [randomTensor([6], 3)]);
  checkGradients((r, i) => tf.signal.irfft(r, i, 7), [randomTensor([4], 4), randomTensor([4], 5)]);
});

test("frame and hannWindow", () => {
  const x = f64([0, 1, 2, 3, 4, 5, 6]);
  const f = tf.signal.frame(x, 3, 2);
  assert.deepEqual(f.shape, [3, 3]);
  near(f, [0, 1, 2, 2, 3, 4, 4, 5, 6]);
  const g = tf.signal.frame(x, 3, 3, true, -1);
  assert.deepEqual(g.shape, [3, 3]);
  near(g, [0, 1, 2, 3, 4, 5, 6, -1, -1]);
  const a = tf.signal.frame(randomTensor([2, 10, 3], 1), 4, 3, false, 0, 1);
  assert.deepEqual(a.shape, [2, 3, 4, 3]);
  checkGradients((t) => tf.signal.frame(t, 2, 1), [randomTensor([4], 2)]);
  near(tf.signal.hannWindow(4), [0, 0.5, 1, 0.5], 1e-7);
  near(tf.signal.hannWindow(5, false, "float64"), [0, 0.5, 1, 0.5, 0], 1e-15);
  near(tf.signal.hannWindow(1), [1]);
  assert.throws(() => tf.signal.frame(x, 0, 1), /frame: frame_length must be an integer >= 1/);
});
