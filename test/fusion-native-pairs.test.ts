/**
 * The fused program's paired arithmetic (native/fused_program_avx512.cc, fused_avx512_pair_span):
 * two float32 Add/Sub/Mul/Div instructions with single-value operands, the second reading the
 * first's result, run in one pass. Each operation must round as its own eager kernel rounds it
 * (no contraction of x*c1 + c2 into an FMA), so the fused result is the eager one bit for bit:
 * every pair of the four operations, with the constant on either side of each, on odd lengths
 * (the masked tail), on every SIMD path; and the programs that must not pair (the first result
 * read twice, a full-size second operand, a broadcast constant row).
 */
import { test } from "node:test";
import * as tf from "../src/index.js";
import { same } from "./helpers/function.js";
import { SIMD_PATHS, onSimdPath, withAddon } from "./helpers/native.js";
import { randomTensor } from "./helpers/gradcheck.js";

type Bin = (a: tf.Tensor | number, b: tf.Tensor | number) => tf.Tensor;
const OPS: [string, Bin][] = [
  ["add", (a, b) => tf.add(a, b)],
  ["sub", (a, b) => tf.subtract(a, b)],
  ["mul", (a, b) => tf.multiply(a, b)],
  ["div", (a, b) => tf.divide(a, b)],
];

/** op(z, c) or op(c, z). */
const side = (op: Bin, z: tf.Tensor, c: number, cFirst: boolean): tf.Tensor =>
  cFirst ? op(c, z) : op(z, c);

function withNative(fn: () => void): void {
  const before = tf.getBackend();
  tf.setBackend("native");
  try {
    fn();
  } finally {
    tf.setBackend(before);
  }
}

test("paired float32 arithmetic in a fused program is the eager result bit for bit (all pairs, both sides, odd lengths, every path)", (t) =>
  withAddon(t, (a) =>
    withNative(() => {
      const xs = [7, 33, 4099, 100003].map((n, i) =>
        tf.cast(randomTensor([n], 11 + i, -2, 2), "float32"),
      );
      for (const path of SIMD_PATHS) {
        onSimdPath(a, path, () => {
          for (const [n1, op1] of OPS) {
            for (const [n2, op2] of OPS) {
              for (const s1 of [false, true]) {
                for (const s2 of [false, true]) {
                  // A transcendental before and after, so the pair sits inside a longer chain.
                  const f = (x: tf.Tensor): tf.Tensor =>
                    tf.tanh(side(op2, side(op1, tf.sin(x), 1.5, s1), 0.25, s2));
                  const g = tf.function(f);
                  for (const x of xs) {
                    same(
                      g(x),
                      f(x),
                      `${path} ${n1}(${s1 ? "c, z" : "z, c"}) then ${n2}(${s2 ? "c, z" : "z, c"}) n=${x.size}`,
                    );
                  }
                }
              }
            }
          }
        });
      }
    }),
  ));

test("arithmetic that must not pair (result read twice, full-size or broadcast row operands) stays bitwise eager", (t) =>
  withAddon(t, (a) =>
    withNative(() => {
      const x = tf.cast(randomTensor([37, 129], 5, -2, 2), "float32");
      const b = tf.cast(randomTensor([37, 129], 6, -2, 2), "float32");
      const row = tf.cast(randomTensor([129], 7, 0.5, 2), "float32");
      const fs: [string, (x: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
        [
          "read twice",
          (x) => {
            const z = tf.multiply(x, 1.5);
            return tf.add(tf.add(z, 0.25), z);
          },
        ],
        ["full-size second operand", (x, b) => tf.add(tf.multiply(x, 1.5), b)],
        ["full-size first operand", (x, b) => tf.subtract(tf.multiply(x, b), 0.5)],
        ["broadcast row", (x) => tf.divide(tf.multiply(x, row), 3)],
        ["three in a row", (x) => tf.subtract(2, tf.divide(tf.add(tf.multiply(x, 1.5), 0.25), 3))],
        ["same operand twice", (x) => tf.add(tf.multiply(x, x), 0.25)],
        // A pair as the last instructions before a fused reduction (into a register, not out).
        ["pair then sum", (x) => tf.reduceSum(tf.add(tf.multiply(tf.sin(x), 1.5), 0.25))],
        ["pair then mean of rows", (x) => tf.reduceMean(tf.subtract(0.25, tf.divide(x, 3)), -1)],
      ];
      for (const path of SIMD_PATHS) {
        onSimdPath(a, path, () => {
          for (const [name, f] of fs) {
            const g = tf.function(f);
            same(g(x, b), f(x, b), `${path} ${name}`);
          }
        });
      }
    }),
  ));
