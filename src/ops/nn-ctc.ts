/**
 * Connectionist temporal classification: `tf.nn.ctcLoss` (TensorFlow 2's ctc_loss on dense
 * labels) and `tf.nn.ctcGreedyDecoder`. The loss is one registry op, CTCLoss, whose kernel runs
 * the alpha-beta recursion (backend/js/ctc.ts) and gives the loss and its gradient wrt the
 * logits together, as TensorFlow's kernel does; the gradient rule scales that output by the
 * loss's cotangent. As in TensorFlow, the gradient is not itself differentiable: it passes
 * through PreventGradient, and a second derivative is a LookupError.
 */
import { backend } from "../backend/index.js";
import type { FloatArray } from "../backend/special.js";
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp, runOp1 } from "../engine/run-op.js";
import { InvalidArgumentError, LookupError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { api } from "./api.js";
import { reshape } from "./broadcast.js";
import { checkDType, describe, saved, toTensor, type TensorLike } from "./checks.js";
import { constant } from "./creation.js";
import { multiply as mul } from "./elementwise/basic.js";
import { transpose } from "./movement-core.js";

interface PreventGradientAttrs {
  readonly message: string;
}

/** Identity whose gradient is an error (TensorFlow's PreventGradient). */
const PreventGradient: OpDef<PreventGradientAttrs> = defineOp<PreventGradientAttrs>({
  name: "PreventGradient",
  kind: "movement",
  viewOf: 0,
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  kernel: () => {},
  grad: (_dys, { attrs }): Grads => {
    throw new LookupError(`Gradient explicitly disabled. Reason: ${attrs.message}`);
  },
  check: { skip: "its gradient is an error by design" },
});

interface CtcAttrs {
  readonly blankIndex: number;
}

const CTCLoss: OpDef<CtcAttrs> = defineOp<CtcAttrs>({
  name: "CTCLoss",
  kind: "nn",
  infer: ([logits, labels, labelLength, logitLength], { blankIndex }) => {
    const op = "CTCLoss";
    checkDType(op, logits, "float", "logits");
    const all = `logits ${describe(logits)}, labels ${describe(labels)}, label_length ${describe(labelLength)}, logit_length ${describe(logitLength)}`;
    if (
      logits.rank !== 3 ||
      labels.rank !== 2 ||
      labelLength.rank !== 1 ||
      logitLength.rank !== 1
    ) {
      throw new InvalidArgumentError(
        `${op}: logits must be [max_time, batch, classes], labels [batch, max_label], label_length and logit_length [batch], got ${all}`,
      );
    }
    for (const [name, t] of [
      ["labels", labels],
      ["label_length", labelLength],
      ["logit_length", logitLength],
    ] as const) {
      if (t.dtype !== "int32") {
        throw new TypeError(`${op}: ${name} must be int32, got ${describe(t)}`);
      }
    }
    const [maxTime, batch, classes] = logits.shape;
    const [lb, maxLabel] = labels.shape;
    if (lb !== batch || labelLength.shape[0] !== batch || logitLength.shape[0] !== batch) {
      throw new InvalidArgumentError(`${op}: batch sizes differ: ${all}`);
    }
    if (!Number.isInteger(blankIndex) || blankIndex < 0 || blankIndex >= classes) {
      throw new InvalidArgumentError(
        `${op}: blank_index must be in [0, ${classes}) for ${classes} classes, got ${blankIndex}`,
      );
    }
    const be = backend();
    const lab = be.read(labels) as Int32Array;
    const ll = be.read(labelLength) as Int32Array;
    const tl = be.read(logitLength) as Int32Array;
    for (let b = 0; b < batch; b++) {
      if (ll[b] < 0 || ll[b] > maxLabel) {
        throw new InvalidArgumentError(
          `${op}: label_length[${b}] = ${ll[b]} is outside [0, ${maxLabel}] (${all})`,
        );
      }
      if (tl[b] < 0 || tl[b] > maxTime) {
        throw new InvalidArgumentError(
          `${op}: logit_length[${b}] = ${tl[b]} is outside [0, ${maxTime}] (${all})`,
        );
      }
      for (let i = 0; i < ll[b]; i++) {
        const v = lab[b * maxLabel + i];
        if (v < 0 || v >= classes || v === blankIndex) {
          throw new InvalidArgumentError(
            `${op}: labels[${b}, ${i}] = ${v} must be a class in [0, ${classes}) other than the blank ${blankIndex} (${all})`,
          );
        }
      }
    }
    return [
      { shape: [batch], dtype: logits.dtype },
      { shape: logits.shape, dtype: logits.dtype },
    ];
  },
  kernel: (be, [logits, labels, labelLength, logitLength], [loss, grad], { blankIndex }) => {
    const [maxTime, batch, classes] = logits.shape;
    be.ctcLoss(
      be.read(logits) as FloatArray,
      be.read(labels) as Int32Array,
      be.read(labelLength) as Int32Array,
      be.read(logitLength) as Int32Array,
      be.read(loss) as FloatArray,
      be.read(grad) as FloatArray,
      { maxTime, batch, classes, maxLabel: labels.shape[1], blank: blankIndex },
    );
  },
  saveOutputs: [1],
  // dL/dlogits[t, b, k] = dy[b] grad[t, b, k]; the gradient output is not differentiable.
  grad: ([dy], c): Grads => {
    const g = runOp1(PreventGradient, [saved(c.outputs[1])], {
      message:
        "Currently there is no way to take the second derivative of ctc_loss due to the fused implementation's interaction with tf.gradients()",
    });
    return [mul(reshape(dy, [1, -1, 1]), g), null, null, null];
  },
  check: {
    skip: "its second output is the loss's own gradient, which TensorFlow makes non-differentiable; test/nn-ctc.test.ts checks the loss's gradient against finite differences and a brute-force sum over alignments",
  },
});

/** Options of `tf.nn.ctcLoss` (TensorFlow's keyword arguments). */
export interface CtcLossOptions {
  /** logits are [max_time, batch, classes] (default true), else [batch, max_time, classes]. */
  readonly logitsTimeMajor?: boolean;
  /** TensorFlow's `unique` (a precomputed tf.nn.ctcUniqueLabels): accepted, not needed. */
  readonly unique?: unknown;
  /** The blank class (default 0; a negative index counts from the number of classes). */
  readonly blankIndex?: number | null;
}

/** Row lengths of padded labels: the entries before the first negative one (-1 padding). */
function paddedLengths(labels: Tensor): Tensor {
  const [batch, width] = labels.shape;
  const v = backend().read(labels) as Int32Array;
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let n = 0;
    while (n < width && v[b * width + n] >= 0) n++;
    out[b] = n;
  }
  return constant(out, "int32", [batch]);
}

/**
 * `tf.nn.ctcLoss(labels, logits, labelLength, logitLength, {logitsTimeMajor, blankIndex})`:
 * the connectionist temporal classification loss of each example, -log p(labels | logits), as
 * a [batch] tensor. labels: dense int32 [batch, max_label] with labelLength[b] valid entries per
 * row (labelLength null: each row runs to its first negative entry, so rows padded with -1
 * work); logits: unnormalized, [max_time, batch, classes] (or batch-major with
 * `logitsTimeMajor: false`); logitLength: [batch] frames per example. An example whose labels
 * cannot fit in its frames gets an infinite loss (and a zero gradient). Differentiable in the
 * logits (first order, as TensorFlow).
 */
export const ctcLoss = api(
  function ctcLoss(
    labels: TensorLike,
    logits: TensorLike,
    labelLength: TensorLike | null,
    logitLength: TensorLike,
    options: CtcLossOptions = {},
  ): Tensor {
    const fn = "ctcLoss";
    const lab = toTensor(labels, fn, "int32");
    let lg = toTensor(logits, fn);
    checkDType(fn, lg, "float", "logits");
    if (lg.rank !== 3) {
      throw new InvalidArgumentError(
        `${fn}: logits must be rank 3 ([max_time, batch, classes] or batch-major), got ${describe(lg)}`,
      );
    }
    if (lab.rank !== 2) {
      throw new InvalidArgumentError(
        `${fn}: labels must be dense int32 [batch, max_label], got ${describe(lab)}`,
      );
    }
    if (options.logitsTimeMajor === false) lg = transpose(lg, [1, 0, 2]);
    const classes = lg.shape[2];
    let blank = options.blankIndex ?? 0;
    if (!Number.isInteger(blank) || blank < -classes || blank >= classes) {
      throw new RangeError(
        `${fn}: blankIndex must be an integer in [-${classes}, ${classes}) for ${classes} classes, got ${String(options.blankIndex)}`,
      );
    }
    if (blank < 0) blank += classes;
    const ll = labelLength === null ? paddedLengths(lab) : toTensor(labelLength, fn, "int32");
    const tl = toTensor(logitLength, fn, "int32");
    return runOp(CTCLoss, [lg, lab, ll, tl], { blankIndex: blank })[0];
  },
  { namespaces: ["nn"] },
);

/** A sparse result as TensorFlow's SparseTensor holds it. */
export interface SparseResult {
  /** [n, 2] int32: (batch, position) of each value. */
  readonly indices: Tensor;
  /** [n] int32: the decoded classes. */
  readonly values: Tensor;
  /** [2] int32: [batch, the longest decoded length]. */
  readonly denseShape: Tensor;
}

/** Options of `tf.nn.ctcGreedyDecoder`. */
export interface CtcGreedyOptions {
  /** Merge runs of one class into one (default true). */
  readonly mergeRepeated?: boolean;
  /** The blank class (default classes - 1, as TensorFlow; negative counts from classes). */
  readonly blankIndex?: number | null;
}

/**
 * `tf.nn.ctcGreedyDecoder(inputs, sequenceLength, {mergeRepeated, blankIndex})`: best-path
 * decoding of time-major logits [max_time, batch, classes]: the most likely class per frame
 * (the first on ties), runs merged (when mergeRepeated), blanks dropped. Returns
 * `{decoded: [sparse], logProbability}`, logProbability [batch, 1] being minus the sum over the
 * frames of the greatest logit, as TensorFlow's neg_sum_logits. Not differentiable.
 */
export const ctcGreedyDecoder = api(
  function ctcGreedyDecoder(
    inputs: TensorLike,
    sequenceLength: TensorLike,
    options: CtcGreedyOptions = {},
  ): { decoded: SparseResult[]; logProbability: Tensor } {
    const fn = "ctcGreedyDecoder";
    const x = toTensor(inputs, fn);
    checkDType(fn, x, "float", "inputs");
    const sl = toTensor(sequenceLength, fn, "int32");
    if (x.rank !== 3 || sl.rank !== 1 || sl.shape[0] !== x.shape[1] || sl.dtype !== "int32") {
      throw new InvalidArgumentError(
        `${fn}: inputs must be [max_time, batch, classes] and sequenceLength int32 [batch], got inputs ${describe(x)} and sequenceLength ${describe(sl)}`,
      );
    }
    const [maxTime, batch, classes] = x.shape;
    let blank = options.blankIndex ?? classes - 1;
    if (!Number.isInteger(blank) || blank < -classes || blank >= classes) {
      throw new RangeError(
        `${fn}: blankIndex must be an integer in [-${classes}, ${classes}), got ${String(options.blankIndex)}`,
      );
    }
    if (blank < 0) blank += classes;
    const merge = options.mergeRepeated ?? true;
    const v = backend().read(x);
    const lens = backend().read(sl) as Int32Array;
    const idx: number[] = [];
    const vals: number[] = [];
    const logp = new Float64Array(batch);
    let longest = 0;
    for (let b = 0; b < batch; b++) {
      if (lens[b] < 0 || lens[b] > maxTime) {
        throw new InvalidArgumentError(
          `${fn}: sequenceLength[${b}] = ${lens[b]} is outside [0, ${maxTime}]`,
        );
      }
      let prev = -1;
      let n = 0;
      for (let t = 0; t < lens[b]; t++) {
        const o = (t * batch + b) * classes;
        let best = 0;
        for (let k = 1; k < classes; k++)
          if ((v[o + k] as number) > (v[o + best] as number)) best = k;
        logp[b] -= v[o + best] as number;
        if (best !== blank && !(merge && best === prev)) {
          idx.push(b, n++);
          vals.push(best);
        }
        prev = best;
      }
      longest = Math.max(longest, n);
    }
    const decoded: SparseResult = {
      indices: constant(Int32Array.from(idx), "int32", [vals.length, 2]),
      values: constant(Int32Array.from(vals), "int32", [vals.length]),
      denseShape: constant(Int32Array.from([batch, longest]), "int32", [2]),
    };
    return { decoded: [decoded], logProbability: constant(logp, x.dtype, [batch, 1]) };
  },
  { namespaces: ["nn"] },
);
