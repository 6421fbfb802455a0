/**
 * The native Philox uniform fill (native/philox.cc) against the JS generator
 * (src/ops/random-philox.ts): the same bits for both draw precisions and output arrays, odd
 * lengths (partial last blocks), counters that carry across words, several threads; and seeded
 * tf.random.uniform / tf.nn.dropout streams that are the same on both backends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { fillUniform, Philox } from "../src/ops/random-philox.js";
import { onJs, withAddon } from "./helpers/native.js";

const TWO32 = 4294967296;

test("philoxUniform gives fillUniform's bits: draws, lengths, counter carries, threads", (t) =>
  withAddon(t, (a) => {
    assert.ok(a.philoxUniform !== undefined);
    const threads = a.numThreads();
    try {
      const counters = [
        [0, 0, 0, 0],
        [TWO32 - 3, 0, 7, 0], // carries into word 1 within the fill
        [TWO32 - 2, TWO32 - 1, TWO32 - 1, 5], // carries through three words
        [123456789, 987654321, 42, 4242],
      ];
      for (const n of [1, 3, 4, 5, 255, 1001, 70001]) {
        for (const ctr of counters) {
          for (const dtype of ["float32", "float64"] as const) {
            for (const Out of [Float32Array, Float64Array]) {
              if (dtype === "float64" && Out === Float32Array) continue; // never asked for
              for (const th of [1, 2]) {
                a.setNumThreads(th);
                const key = Uint32Array.of(0x9e3779b9, n);
                const js = new Philox(key.slice(), Uint32Array.from(ctr));
                const want = new Out(n);
                onJs(() => fillUniform(js, want, dtype));
                const got = new Out(n);
                a.philoxUniform!(
                  key[0],
                  key[1],
                  ctr[0],
                  ctr[1],
                  ctr[2],
                  ctr[3],
                  got,
                  dtype === "float32",
                );
                assert.deepEqual(got, want, `n ${n} ctr ${ctr.join(",")} ${dtype} ${Out.name}`);
                // The JS side's counter after the native fill is where the JS fill left it.
                const g = new Philox(key.slice(), Uint32Array.from(ctr));
                fillUniform(g, new Out(n), dtype);
                assert.deepEqual(g.ctr, js.ctr);
                assert.equal(g.nextU32(), js.nextU32());
              }
            }
          }
        }
      }
    } finally {
      a.setNumThreads(threads);
    }
  }));

test("philoxUniform rejects bad words and arrays with messages naming it", (t) =>
  withAddon(t, (a) => {
    const f = a.philoxUniform!;
    assert.throws(() => f(TWO32, 0, 0, 0, 0, 0, new Float32Array(4), true), /philoxUniform.*key0/);
    assert.throws(() => f(0, 0, -1, 0, 0, 0, new Float32Array(4), true), /philoxUniform.*ctr0/);
    assert.throws(
      () => f(0, 0, 0, 0, 0, 0, new Int32Array(4) as unknown as Float32Array, true),
      /philoxUniform/,
    );
  }));

test("seeded uniform draws and dropout masks are the same on the native and JS backends", () => {
  const draw = (): number[][] => {
    tf.random.setSeed(11);
    const u1 = tf.random.uniform([3, 700]);
    const u2 = tf.random.uniform([3, 700], { dtype: "float64", minval: -2, maxval: 5 });
    const u3 = tf.random.uniform([1001], { seed: 3 });
    const d = tf.nn.dropout(tf.ones([64, 40]), 0.3);
    return [u1, u2, u3, d].map((x) => Array.from(x.dataSync() as Float32Array));
  };
  const native = draw();
  const js = onJs(draw);
  for (let i = 0; i < native.length; i++) assert.deepEqual(native[i], js[i], `draw ${i}`);
  // Kept elements are scaled by 1 / (1 - rate), the others are 0; about 30% dropped.
  const d = native[3];
  const zeros = d.filter((v) => v === 0).length;
  assert.ok(d.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  assert.ok(zeros > 0.2 * d.length && zeros < 0.4 * d.length, `${zeros} of ${d.length}`);
});
