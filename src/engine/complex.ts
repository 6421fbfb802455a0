/**
 * Which ops compute on complex tensors, and how.
 *
 * A complex tensor's storage is its (re, im) pairs interleaved (src/tensor/dtype.ts), so a kernel
 * written for real numbers would silently compute on the raw pairs. runOp therefore refuses a
 * complex input (or a complex output dtype) to every op that has no complex rule here, with an
 * InvalidArgumentError naming the op and the dtype. An op gains complex support with
 * `allowComplex(op, rule)`, called from the file that implements it (src/ops/complex-*.ts), so the
 * op's own entry stays as it is: runOp then runs the op's *complex variant*, an entry of the same
 * name whose infer, kernel and gradient come from the rule.
 *
 * The commonest rule is "pairs": the op's own kernel applied to each complex tensor viewed as a
 * real tensor with a trailing axis of 2 (a transpose keeps that axis last, a slice takes all of
 * it, a sum adds re and im separately), which is right for every op that moves elements or is
 * linear with real coefficients.
 */
import { isComplex, realDType, type ComplexDType } from "../tensor/dtype.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { backend, type Backend } from "../backend/index.js";
import type { AnyOpDef, GradEntry, OpDef, OutputSpec } from "./op.js";

export interface ComplexRule<A> {
  /**
   * The output shapes and dtypes for complex inputs: "own" (the op's infer accepts complex
   * inputs as they are), "pairs" (the op's infer on the pair views, the trailing 2 dropped and
   * the dtype made complex again), or a function.
   */
  readonly infer?: "own" | "pairs" | OpDef<A>["infer"];
  /** Run the op's own kernel on the pair views, with these attrs (axes for the extra axis). */
  readonly pairs?: (attrs: A, inputs: readonly Tensor[]) => A;
  /** Or a kernel of its own. */
  readonly kernel?: OpDef<A>["kernel"];
  /** The gradient on complex inputs (default: the op's own). */
  readonly grad?: GradEntry<A>;
  readonly saveInputs?: readonly number[];
  readonly saveOutputs?: readonly number[];
}

const variants = new Map<AnyOpDef, AnyOpDef>();

/** A real view of a complex tensor's storage: shape [...shape, 2], dtype float32/float64. */
export function pairView(b: Backend, t: Tensor): Tensor {
  if (!isComplex(t.dtype)) return t;
  return new Tensor(b.read(t), [...t.shape, 2], realDType(t.dtype));
}

/** The op runs on complex tensors as its own entry says (Real, Imag, FFT...; view ops). */
export function supportsComplex(op: AnyOpDef): void {
  variants.set(op, op);
}

/** Gives `op` a complex variant (see the file's comment). */
export function allowComplex<A>(op: OpDef<A>, rule: ComplexRule<A>): void {
  if (variants.has(op)) throw new Error(`allowComplex: ${op.name} has a complex rule already`);
  const { pairs } = rule;
  let kernel: OpDef<A>["kernel"];
  if (rule.kernel !== undefined) kernel = rule.kernel;
  else if (pairs !== undefined) {
    kernel = (b, inputs, outputs, attrs) =>
      op.kernel(
        b,
        inputs.map((t) => pairView(b, t)),
        outputs.map((t) => pairView(b, t)),
        pairs(attrs, inputs),
      );
  } else kernel = op.kernel;
  let infer: OpDef<A>["infer"];
  const how = rule.infer ?? "own";
  if (how === "own") infer = op.infer;
  else if (how === "pairs") {
    if (pairs === undefined) throw new Error(`allowComplex: ${op.name}: infer "pairs" needs pairs`);
    infer = (inputs, attrs) => {
      const b = backend();
      const views = inputs.map((t) => pairView(b, t));
      const dtype = inputs.find((t) => isComplex(t.dtype))?.dtype as ComplexDType;
      return op
        .infer(views, pairs(attrs, inputs))
        .map((s): OutputSpec => ({ shape: s.shape.slice(0, -1), dtype }));
    };
  } else infer = how;
  const variant: OpDef<A> = {
    ...op,
    // Not an elementwise op of the fusing compiler's: its scalar function is the real one.
    kind: op.viewOf === undefined ? "other" : op.kind,
    scalar: undefined,
    infer,
    kernel,
    grad: rule.grad === undefined ? op.grad : rule.grad,
    saveInputs: rule.saveInputs ?? op.saveInputs,
    saveOutputs: rule.saveOutputs ?? op.saveOutputs,
    check: { skip: "the complex variant of a registry entry: checked in test/complex.test.ts" },
  };
  variants.set(op, variant);
  variants.set(variant, variant);
}

/** The entry runOp runs for `op` on complex inputs or outputs, or the error that it has none. */
export function complexVariant<A>(
  op: OpDef<A>,
  inputs: readonly Tensor[],
  outputs?: readonly OutputSpec[],
): OpDef<A> {
  const v = variants.get(op);
  if (v !== undefined) return v as OpDef<A>;
  const i = inputs.findIndex((t) => isComplex(t.dtype));
  const what =
    i >= 0
      ? `input ${i} is ${inputs[i].dtype} with shape ${shapeMsg(inputs[i].shape)}`
      : `its output would be ${outputs?.find((s) => isComplex(s.dtype))?.dtype ?? "complex"}`;
  throw new InvalidArgumentError(
    `${op.name}: complex tensors are not supported by this op (${what}); see the README for the ops that take complex64 and complex128`,
  );
}

/** Whether any tensor is complex: runOp's test, one comparison per input. */
export function anyComplex(ts: readonly { readonly dtype: string }[]): boolean {
  for (let i = 0; i < ts.length; i++) {
    const d = ts[i].dtype;
    if (d === "complex64" || d === "complex128") return true;
  }
  return false;
}
