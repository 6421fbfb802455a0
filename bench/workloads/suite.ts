/**
 * The op suite: each family's common ops at 1e3 and 1e6 elements and at the workloads' shapes,
 * forward alone ("fwd") and forward + backward ("fwd+bwd": the gradient of the op's output
 * weighted by a fixed upstream gradient dy of the output's shape, as a tape step sees it).
 * bench/workloads/torch_twin.py has the same cases under the same names; keep the two in step.
 */
import * as tf from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

export interface OpCase {
  name: string;
  /** Builds the inputs once; returns the forward and forward + backward closures. */
  build(): { fwd: () => void; bwd: () => void };
}

/** An op of float inputs made from `shapes`; the gradient flows to every input. */
function opCase(
  name: string,
  shapes: number[][],
  f: (...xs: Tensor[]) => Tensor,
  positive = false,
): OpCase {
  return {
    name,
    build() {
      const xs = shapes.map((s) =>
        positive ? tf.random.uniform(s, { minval: 0.5, maxval: 2 }) : tf.random.normal(s),
      );
      const y0 = f(...xs);
      const dy = tf.random.normal(y0.shape);
      return {
        fwd: () => void f(...xs),
        bwd: () => {
          const tape = new tf.GradientTape();
          for (const x of xs) tape.watch(x);
          const y = tape.record(() => f(...xs));
          tape.gradient(y, xs, { outputGradients: dy });
        },
      };
    },
  };
}

const K = 1000;
const M = 1_000_000;

const UNARY: [string, (x: Tensor) => Tensor, boolean][] = [
  ["sin", tf.sin, false],
  ["cos", tf.cos, false],
  ["tan", tf.tan, false],
  ["asin", (x) => tf.asin(tf.tanh(x)), false],
  ["atan", tf.atan, false],
  ["sinh", tf.sinh, false],
  ["cosh", tf.cosh, false],
  ["exp", tf.exp, false],
  ["log", tf.log, true],
  ["log1p", tf.log1p, true],
  ["expm1", tf.expm1, false],
  ["erf", tf.erf, false],
  ["tanh", tf.tanh, false],
  ["sigmoid", tf.sigmoid, false],
  ["relu", tf.relu, false],
  ["sqrt", tf.sqrt, true],
  ["square", tf.square, false],
  ["gelu", (x) => tf.nn.gelu(x), false],
];

function unaryCases(): OpCase[] {
  const out: OpCase[] = [];
  for (const [n, f, pos] of UNARY) {
    out.push(opCase(`${n} 1e3`, [[K]], f, pos));
    out.push(opCase(`${n} 1e6`, [[M]], f, pos));
  }
  return out;
}

const BT = [32, 200, 32];

function binaryCases(): OpCase[] {
  return [
    opCase("add 1e3", [[K], [K]], tf.add),
    opCase("add 1e6", [[M], [M]], tf.add),
    opCase("mul 1e6", [[M], [M]], tf.multiply),
    opCase("div 1e6", [[M], [M]], tf.divide, true),
    opCase("add row-bcast [1000,1000]+[1000]", [[K, K], [K]], tf.add),
    opCase(
      "add col-bcast [1000,1000]+[1000,1]",
      [
        [K, K],
        [K, 1],
      ],
      tf.add,
    ),
    opCase("mul [32,200,32]*[32]", [BT, [32]], tf.multiply),
    opCase("maximum 1e6", [[M], [M]], tf.maximum),
  ];
}

function reduceCases(): OpCase[] {
  return [
    opCase("sum all 1e3", [[K]], (x) => tf.reduceSum(x)),
    opCase("sum all 1e6", [[M]], (x) => tf.reduceSum(x)),
    opCase("sum axis0 [1000,1000]", [[K, K]], (x) => tf.reduceSum(x, 0)),
    opCase("sum axis-1 [1000,1000]", [[K, K]], (x) => tf.reduceSum(x, -1)),
    opCase("mean axis-1 [32,200,32]", [BT], (x) => tf.reduceMean(x, -1)),
    opCase("mean axis0 [32,200,32]", [BT], (x) => tf.reduceMean(x, 0)),
    opCase("max axis-1 [1000,1000]", [[K, K]], (x) => tf.reduceMax(x, -1)),
  ];
}

function movementCases(): OpCase[] {
  const ids = (): Tensor => tf.random.uniform([32, 200], { maxval: 20000, dtype: "int32" });
  const gatherCase: OpCase = {
    name: "gather [20000,32] by [32,200]",
    build() {
      const table = tf.random.normal([20000, 32]);
      const idx = ids();
      const dy = tf.random.normal([32, 200, 32]);
      return {
        fwd: () => void tf.gather(table, idx),
        bwd: () => {
          const tape = new tf.GradientTape();
          tape.watch(table);
          const y = tape.record(() => tf.gather(table, idx));
          // The embedding gradient (dense, as tapeflow's Gather gradient returns it).
          tape.gradient(y, table, { outputGradients: dy });
        },
      };
    },
  };
  return [
    opCase("transpose [32,200,2,16] 0213", [[32, 200, 2, 16]], (x) =>
      tf.transpose(x, [0, 2, 1, 3]),
    ),
    opCase("transpose [1000,1000]", [[K, K]], (x) => tf.transpose(x)),
    opCase("transpose 1e3 [10,100]", [[10, 100]], (x) => tf.transpose(x)),
    opCase(
      "concat [32,200,16]x2 axis-1",
      [
        [32, 200, 16],
        [32, 200, 16],
      ],
      (a, b) => tf.concat([a, b], -1),
    ),
    opCase(
      "concat [500,1000]x2 axis0",
      [
        [500, K],
        [500, K],
      ],
      (a, b) => tf.concat([a, b], 0),
    ),
    opCase("slice [32,200,64] last half", [[32, 200, 64]], (x) =>
      tf.slice(x, [0, 0, 32], [-1, -1, 32]),
    ),
    opCase("pad [32,26,26,32] 1 on H,W", [[32, 26, 26, 32]], (x) =>
      tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    ),
    gatherCase,
  ];
}

function nnCases(): OpCase[] {
  return [
    opCase("softmax [32,2,200,200]", [[32, 2, 200, 200]], (x) => tf.nn.softmax(x)),
    opCase("softmax [1000,1000]", [[K, K]], (x) => tf.nn.softmax(x)),
    opCase("softmax 1e3 [10,100]", [[10, 100]], (x) => tf.nn.softmax(x)),
    opCase("logSoftmax [1000,1000]", [[K, K]], (x) => tf.nn.logSoftmax(x)),
    opCase("layernorm composite [6400,32]", [[6400, 32], [32], [32]], (x, g, b) => {
      const [mean, variance] = tf.nn.moments(x, [-1], { keepdims: true });
      return tf.add(
        tf.multiply(tf.multiply(tf.subtract(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g),
        b,
      );
    }),
    {
      // The layer's own path (the fused LayerNorm op), gamma and beta as its weights.
      name: "layernorm keras [6400,32]",
      build() {
        const layer = new tf.keras.layers.LayerNormalization({ epsilon: 1e-6 });
        const x = tf.random.normal([6400, 32]);
        layer.build([6400, 32]);
        const dy = tf.random.normal([6400, 32]);
        const srcs = [x, ...layer.trainableWeights];
        return {
          fwd: () => void layer.apply(x),
          bwd: () => {
            const tape = new tf.GradientTape();
            tape.watch(srcs);
            const y = tape.record(() => layer.apply(x) as Tensor);
            tape.gradient(y, srcs, { outputGradients: dy });
          },
        };
      },
    },
    opCase(
      "matmul batched [64,200,32]x[64,32,200]",
      [
        [64, 200, 32],
        [64, 32, 200],
      ],
      (a, b) => tf.matmul(a, b),
    ),
    opCase(
      "matmul batched [64,200,200]x[64,200,32]",
      [
        [64, 200, 200],
        [64, 200, 32],
      ],
      (a, b) => tf.matmul(a, b),
    ),
    opCase(
      "matmul [6400,32]x[32,64]",
      [
        [6400, 32],
        [32, 64],
      ],
      (a, b) => tf.matmul(a, b),
    ),
  ];
}

export function opSuite(): OpCase[] {
  return [...unaryCases(), ...binaryCases(), ...reduceCases(), ...movementCases(), ...nnCases()];
}
