/**
 * `tf.debugging`, numerics: checkNumerics (an op, so tf.function replays the check and its
 * gradient checks the gradient too), and enableCheckNumerics, which looks at the outputs of
 * every op the engine runs and stops at the first one holding a NaN or an infinity.
 */
import { backend } from "../backend/index.js";
import { type AnyOpDef, defineOp } from "../engine/op.js";
import { gradientScopes } from "../engine/recorder.js";
import { activeCheckers, type OpChecker, runOp1 } from "../engine/run-op.js";
import { type DataArray, isFloating } from "../tensor/dtype.js";
import { describeValue } from "../tensor/describe-value.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { describe, toTensor, type TensorLike } from "./checks.js";

/** How many NaNs, +Infs and -Infs a floating tensor holds, and where the first one is. */
export interface NonFinite {
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
  /** Flat index of the first non-finite element, -1 if none. */
  readonly first: number;
}

/**
 * The tensor's storage, read in place through the backend, as the ops' kernels read it:
 * `dataSync()` would copy, and would count under tf.function tracing as the user's code reading
 * values (it warns about that). Never written.
 */
export function storageOf(t: Tensor): Readonly<DataArray> {
  return backend().read(t);
}

export function countNonFinite(t: Tensor): NonFinite {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let first = -1;
  const v = storageOf(t) as Float32Array | Float64Array;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    // x - x is 0 for every finite x, NaN for NaN and for ±Inf: one test in the common case.
    if (x - x === 0) continue;
    if (first < 0) first = i;
    if (Number.isNaN(x)) nan++;
    else if (x > 0) posInf++;
    else negInf++;
  }
  return { nan, posInf, negInf, first };
}

/** TensorFlow's words: "NaN", "Inf", "Inf and NaN". */
function whatWentWrong(n: NonFinite): string {
  const inf = n.posInf + n.negInf > 0;
  if (inf && n.nan > 0) return "Inf and NaN";
  return inf ? "Inf" : "NaN";
}

interface CheckNumericsAttrs {
  readonly message: string;
}

/**
 * TensorFlow's CheckNumerics: the input unchanged, or InvalidArgumentError
 * `<message> : Tensor had NaN values`. The check is in `infer`, so it runs each time the op
 * does (eagerly and on every replay of a traced graph); stateful so that a traced graph keeps it
 * even when nothing reads its output. d checkNumerics(x) = checkNumerics(dy): the gradient is
 * checked too, as TensorFlow's rule does.
 */
export const CheckNumerics = defineOp<CheckNumericsAttrs>({
  name: "CheckNumerics",
  kind: "other",
  check: {
    cases: [{ inputs: [{ shape: [2, 3] }], attrs: { message: "x" } }],
  },
  infer: ([x], { message }) => {
    if (!isFloating(x.dtype)) {
      throw new TypeError(
        `checkNumerics: the tensor must be float32 or float64, got ${describe(x)} (${message})`,
      );
    }
    const n = countNonFinite(x);
    if (n.first >= 0) {
      throw new InvalidArgumentError(
        `${message} : Tensor had ${whatWentWrong(n)} values [Op:CheckNumerics]`,
      );
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  kernel: () => undefined,
  viewOf: 0,
  stateful: true,
  grad: ([dy], { attrs }) => [
    checkNumerics(
      dy,
      `Not a number (NaN) or infinity (Inf) values detected in gradient. ${attrs.message}`,
    ),
  ],
});

/**
 * `tf.debugging.checkNumerics(tensor, message)`: the tensor itself if it holds no NaN and no
 * infinity, else an InvalidArgumentError that starts with `message`.
 */
export function checkNumerics(tensor: TensorLike, message: string): Tensor {
  if (typeof message !== "string") {
    throw new TypeError(`checkNumerics: message must be a string, got ${describeValue(message)}`);
  }
  return runOp1(CheckNumerics, [toTensor(tensor, "checkNumerics")], { message });
}

/** `tf.debugging.assertAllFinite(t, message)`: TensorFlow's alias of checkNumerics. */
export function assertAllFinite(t: TensorLike, message: string): Tensor {
  return checkNumerics(t, message);
}

/** The checker enableCheckNumerics installs: every floating output of every op, after its kernel. */
class NumericsChecker implements OpChecker {
  checkOp(op: AnyOpDef, inputs: readonly Tensor[], outputs: readonly Tensor[]): void {
    for (let i = 0; i < outputs.length; i++) {
      const t = outputs[i];
      if (!isFloating(t.dtype)) continue;
      const n = countNonFinite(t);
      if (n.first < 0) continue;
      const found = [
        n.nan > 0 ? `${n.nan} NaN` : "",
        n.posInf > 0 ? `${n.posInf} +Inf` : "",
        n.negInf > 0 ? `${n.negInf} -Inf` : "",
      ]
        .filter((s) => s !== "")
        .join(", ");
      const where =
        gradientScopes.length > 0
          ? ` inside the gradient of ${gradientScopes[gradientScopes.length - 1]}`
          : " in the forward pass";
      const ins = inputs.map((x, k) => `${k}: ${describe(x)}`).join(", ");
      throw new InvalidArgumentError(
        `!!! Detected Infinity or NaN in output ${i} of op "${op.name}" (# of outputs: ${outputs.length})${where} !!!\n` +
          `  output ${i}: ${t.dtype} ${shapeMsg(t.shape)}, ${found} of ${t.size} elements (first at flat index ${n.first})\n` +
          `  inputs (${inputs.length}): ${ins === "" ? "none" : ins}`,
      );
    }
  }
}

const checker = new NumericsChecker();

/**
 * `tf.debugging.enableCheckNumerics()`: from now on, every op's floating outputs are checked
 * after it runs (eagerly, in traced graphs, and in gradient rules), and the first op to produce
 * a NaN or an infinity throws an InvalidArgumentError naming it, its inputs' shapes and dtypes,
 * and whether it ran in the forward pass or inside which op's gradient. Slow: every output is
 * read. Per thread (each worker has its own engine). Calling it twice is harmless.
 */
export function enableCheckNumerics(): void {
  if (!activeCheckers.includes(checker)) activeCheckers.push(checker);
}

/** `tf.debugging.disableCheckNumerics()`: undoes enableCheckNumerics. */
export function disableCheckNumerics(): void {
  const i = activeCheckers.indexOf(checker);
  if (i >= 0) activeCheckers.splice(i, 1);
}
