/**
 * tf.nn.ctcLoss against a brute-force sum over every alignment (all class sequences of the
 * frames that collapse to the label), its gradient against finite differences, TensorFlow's
 * options (batch-major logits, blankIndex, padded labels, per-example lengths), infeasible
 * labels, the second derivative's LookupError, bad inputs; tf.nn.ctcGreedyDecoder by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";
import { checkGradients, randomTensor } from "./helpers/gradcheck.js";
import { onJs } from "./helpers/native.js";

const vals = (t: tf.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

/** Collapses a frame path: merge runs, drop blanks. */
function collapse(path: number[], blank: number): number[] {
  const out: number[] = [];
  let prev = -1;
  for (const k of path) {
    if (k !== blank && k !== prev) out.push(k);
    prev = k;
  }
  return out;
}

/**
 * -log sum over every path of T frames (C^T of them) collapsing to `label` of the product of
 * the per-frame softmax probabilities; logits time-major [T, B, C], example b.
 */
function bruteForce(
  logits: number[],
  T: number,
  B: number,
  C: number,
  b: number,
  label: number[],
  blank: number,
): number {
  const p: number[][] = [];
  for (let t = 0; t < T; t++) {
    const row = logits.slice((t * B + b) * C, (t * B + b + 1) * C);
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    p.push(row.map((v) => Math.exp(v - m) / z));
  }
  let total = 0;
  const path = new Array<number>(T).fill(0);
  for (let i = 0; i < C ** T; i++) {
    let r = i;
    let prob = 1;
    for (let t = 0; t < T; t++) {
      path[t] = r % C;
      r = Math.floor(r / C);
      prob *= p[t][path[t]];
    }
    const c = collapse(path, blank);
    if (c.length === label.length && c.every((v, j) => v === label[j])) total += prob;
  }
  return -Math.log(total);
}

test("ctcLoss equals the brute-force sum over alignments (lengths, repeats, blank index)", () => {
  const T = 5;
  const B = 3;
  const C = 4;
  const logits = randomTensor([T, B, C], 21, -2, 2);
  const lv = vals(logits);
  const labels = tf.constant(
    [
      [1, 2, 2],
      [3, 1, 0],
      [2, 0, 0],
    ],
    "int32",
  );
  const labelLength = tf.constant([3, 2, 1], "int32");
  const logitLength = tf.constant([5, 4, 3], "int32");
  for (const blank of [0, 3]) {
    const lab = blank === 0 ? [[1, 2, 2], [3, 1], [2]] : [[1, 2, 2], [0, 1], [2]];
    const labT =
      blank === 0
        ? labels
        : tf.constant(
            [
              [1, 2, 2],
              [0, 1, 0],
              [2, 0, 0],
            ],
            "int32",
          );
    const loss = tf.nn.ctcLoss(labT, logits, labelLength, logitLength, {
      blankIndex: blank === 3 ? -1 : 0,
    });
    assert.deepEqual(loss.shape, [B]);
    const got = vals(loss);
    const lens = [5, 4, 3];
    for (let b = 0; b < B; b++) {
      const want = bruteForce(lv, lens[b], B, C, b, lab[b], blank);
      assert.ok(
        Math.abs(got[b] - want) < 1e-12 * Math.max(1, want),
        `blank ${blank} example ${b}: ${got[b]} vs ${want}`,
      );
    }
  }
  // batch-major logits give the same loss; float32 too
  const bm = tf.transpose(logits, [1, 0, 2]);
  const l2 = vals(tf.nn.ctcLoss(labels, bm, labelLength, logitLength, { logitsTimeMajor: false }));
  const l1 = vals(tf.nn.ctcLoss(labels, logits, labelLength, logitLength));
  assert.deepEqual(l2, l1);
  const l32 = tf.nn.ctcLoss(labels, tf.cast(logits, "float32"), labelLength, logitLength);
  assert.equal(l32.dtype, "float32");
  vals(l32).forEach((v, i) => assert.ok(Math.abs(v - l1[i]) < 1e-5 * l1[i], `float32 ${i}`));
  // labels padded with -1 and labelLength null: the lengths are read from the padding
  const padded = tf.constant(
    [
      [1, 2, 2],
      [3, 1, -1],
      [2, -1, -1],
    ],
    "int32",
  );
  assert.deepEqual(vals(tf.nn.ctcLoss(padded, logits, null, logitLength)), l1);
});

test("ctcLoss's gradient wrt the logits matches finite differences; frames past the length get 0", () => {
  const labels = tf.constant(
    [
      [1, 1],
      [2, 0],
    ],
    "int32",
  );
  const labelLength = tf.constant([2, 1], "int32");
  const logitLength = tf.constant([5, 3], "int32");
  const logits = randomTensor([5, 2, 3], 8, -1.5, 1.5);
  const f = (x: tf.Tensor) => tf.nn.ctcLoss(labels, x, labelLength, logitLength);
  checkGradients(f, [logits], { rtol: 1e-6 });
  onJs(() => checkGradients(f, [logits], { rtol: 1e-6 }));
  // batch-major, blank last
  const lab2 = tf.constant(
    [
      [1, 1],
      [0, 0],
    ],
    "int32",
  );
  checkGradients(
    (x) =>
      tf.nn.ctcLoss(lab2, x, labelLength, logitLength, { logitsTimeMajor: false, blankIndex: 2 }),
    [randomTensor([2, 5, 3], 9)],
    { rtol: 1e-6 },
  );
  const tape = new tf.GradientTape();
  tape.watch(logits);
  const y = tape.record(() => tf.reduceSum(f(logits)));
  const g = vals(tape.gradient(y, [logits])[0]!);
  // example 1 has 3 frames: frames 3 and 4 of it get no gradient; each frame's gradient sums to 0
  for (const t of [3, 4]) for (let k = 0; k < 3; k++) assert.equal(g[(t * 2 + 1) * 3 + k], 0);
  for (let t = 0; t < 5; t++) {
    const s = g[t * 2 * 3] + g[t * 2 * 3 + 1] + g[t * 2 * 3 + 2];
    assert.ok(Math.abs(s) < 1e-12, `frame ${t} sums to ${s}`);
  }
});

test("ctcLoss: infeasible labels give Infinity; the second derivative is a LookupError", () => {
  // [1, 1, 1] needs 5 frames (blanks between the repeats); 4 are given
  const loss = tf.nn.ctcLoss(
    tf.constant(
      [
        [1, 1, 1],
        [1, 2, 0],
      ],
      "int32",
    ),
    randomTensor([4, 2, 3], 3),
    tf.constant([3, 2], "int32"),
    tf.constant([4, 4], "int32"),
  );
  const v = vals(loss);
  assert.equal(v[0], Infinity);
  assert.ok(Number.isFinite(v[1]));
  // no labels, no frames: probability 1
  assert.deepEqual(
    vals(
      tf.nn.ctcLoss(
        tf.constant([[0]], "int32"),
        tf.zeros([2, 1, 3], "float64"),
        tf.constant([0], "int32"),
        tf.constant([0], "int32"),
      ),
    ),
    [0],
  );
  // d/dx of the gradient: the gradient output passes through PreventGradient, as TensorFlow's
  const x = randomTensor([3, 1, 3], 4);
  const loss1 = (t: tf.Tensor) =>
    tf.nn.ctcLoss(
      tf.constant([[1]], "int32"),
      t,
      tf.constant([1], "int32"),
      tf.constant([3], "int32"),
    );
  const outer = new tf.GradientTape();
  outer.watch(x);
  const z = outer.record(() => {
    const inner = new tf.GradientTape();
    inner.watch(x);
    const l = inner.record(() => tf.reduceSum(loss1(x)));
    return tf.reduceSum(tf.square(inner.gradient(l, [x])[0]!));
  });
  assert.throws(() => outer.gradient(z, [x]), /second derivative of ctc_loss/);
});

test("ctcLoss: bad inputs throw errors naming the op and shapes", () => {
  const x = tf.zeros([4, 2, 3]);
  const ll = tf.constant([1, 1], "int32");
  const tl = tf.constant([4, 4], "int32");
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[0], [1]], "int32"), x, ll, tl),
    /CTCLoss: labels\[0, 0\] = 0 must be a class/,
  );
  assert.throws(() => tf.nn.ctcLoss(tf.constant([[3], [1]], "int32"), x, ll, tl), /CTCLoss/);
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[1], [1]], "int32"), x, tf.constant([2, 1], "int32"), tl),
    /label_length\[0\] = 2/,
  );
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[1], [1]], "int32"), x, ll, tf.constant([5, 1], "int32")),
    /logit_length\[0\] = 5/,
  );
  assert.throws(
    () =>
      tf.nn.ctcLoss(
        tf.constant([[1]], "int32"),
        x,
        tf.constant([1], "int32"),
        tf.constant([1], "int32"),
      ),
    /batch sizes differ/,
  );
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[1], [1]], "int32"), tf.zeros([4, 3]), ll, tl),
    /ctcLoss: logits must be rank 3/,
  );
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[1], [1]], "int32"), x, ll, tl, { blankIndex: 3 }),
    RangeError,
  );
  assert.throws(
    () => tf.nn.ctcLoss(tf.constant([[1], [1]], "int32"), tf.zeros([4, 2, 3], "int32"), ll, tl),
    TypeError,
  );
});

test("ctcGreedyDecoder: best path per frame, merged runs, blanks dropped, neg sum of maxima", () => {
  // 2 examples, 5 frames, 3 classes (blank = 2 by default, as TensorFlow)
  const best = [
    [0, 0, 2, 0, 1],
    [1, 2, 1, 1, 0],
  ];
  const v = new Float64Array(5 * 2 * 3);
  const maxima = [0, 0];
  for (let t = 0; t < 5; t++) {
    for (let b = 0; b < 2; b++) {
      for (let k = 0; k < 3; k++)
        v[(t * 2 + b) * 3 + k] = k === best[b][t] ? 1 + 0.1 * t : -0.5 * k;
      maxima[b] += 1 + 0.1 * t;
    }
  }
  const x = tf.constant(v, "float64", [5, 2, 3]);
  const { decoded, logProbability } = tf.nn.ctcGreedyDecoder(x, tf.constant([5, 4], "int32"));
  const [sp] = decoded;
  // example 0: 0 0 _ 0 1 -> 0 0 1; example 1 (4 frames): 1 _ 1 1 -> 1 1
  assert.deepEqual(vals(sp.values), [0, 0, 1, 1, 1]);
  assert.deepEqual(vals(sp.indices), [0, 0, 0, 1, 0, 2, 1, 0, 1, 1]);
  assert.deepEqual(vals(sp.denseShape), [2, 3]);
  const lp = vals(logProbability);
  assert.ok(Math.abs(lp[0] + maxima[0]) < 1e-12);
  assert.ok(Math.abs(lp[1] + (maxima[1] - 1.4)) < 1e-12);
  const nm = tf.nn.ctcGreedyDecoder(x, tf.constant([5, 4], "int32"), {
    mergeRepeated: false,
    blankIndex: 0,
  });
  // blank 0: example 0: 0 0 2 0 1 -> 2 1; example 1: 1 2 1 1 -> 1 2 1 1
  assert.deepEqual(vals(nm.decoded[0].values), [2, 1, 1, 2, 1, 1]);
  assert.throws(
    () => tf.nn.ctcGreedyDecoder(x, tf.constant([6, 1], "int32")),
    /sequenceLength\[0\] = 6/,
  );
});
