/**
 * The GRU as fused ops (Keras's gate order z, r, h; sigmoid gates, tanh candidate), one step
 * and a whole time-major sequence, each with its gradient as one native call:
 *
 *   FusedGRUSequence(xp [steps, batch, 3 units], rk [units, 3 units], rb [3 units], h0 [batch,
 *     units]; resetAfter) -> hs [steps, batch, units], gs [steps, batch, 4 units]
 *   per step, h the previous state:
 *     resetAfter:  a = h rk + rb; pz = xz + a_z, pr = xr + a_r, q = a_h, ph = xh + sigmoid(pr) q
 *     !resetAfter: pz = xz + h rk_z + rb_z, pr = xr + h rk_r + rb_r, q = sigmoid(pr) h,
 *                  ph = xh + q rk_h + rb_h
 *     z = sigmoid(pz), hh = tanh(ph), h' = z h + (1 - z) hh;  gs = (pz, pr, ph, q)
 *   FusedGRUCell(xp [batch, 3 units], h, rk, rb; resetAfter) -> h', g [batch, 4 units]: one step.
 *
 * gs holds what the gradient needs (the pre-activations and q), so the backward pass reads it
 * instead of recomputing products. The gradient of a step, for cotangents dh of h' and
 * (gz, gr, gh, gq) of g, with z' = z (1 - z), r' = r (1 - r), hh' = 1 - hh^2:
 *   dpz = dh (h - hh) z' + gz,  dph = dh (1 - z) hh' + gh,  dxp = (dpz, dpr, dph)
 *   resetAfter:  dpr = dph q r' + gr, dq = dph r + gq, drec = (dpz, dpr, dq);
 *                dh_prev = dh z + drec rk^T, drk = h^T drec, drb = sum_rows drec
 *   !resetAfter: dq = dph rk_h^T + gq, dpr = dq h r' + gr;
 *                dh_prev = dh z + dq r + (dpz, dpr) rk_zr^T,
 *                drk = (h^T (dpz, dpr), q^T dph), drb = sum_rows dxp
 * The gradient is one op (FusedGRUSequenceGrad, FusedGRUCellGrad: the whole backward loop
 * natively, the weight gradients as one product over every step), in eager mode and in
 * tf.function's graphs. When a tape records it (a higher derivative), the Grad ops run as their
 * expansions (OpDef.expand): the same formulas from public ops per step (gruStepVjp), whose own
 * gradients are known.
 * (Not TensorFlow raw ops: TensorFlow's GRUBlockCell has the reset-before form only.)
 */
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import type { GruSequenceParams } from "../backend/rnn.js";
import { checkDType, describe, saved } from "./checks.js";
import { add, mul, sigmoid, square, sub, tanh } from "./elementwise.js";
import { concat, split, stack, unstack } from "./movement-core.js";
import { matmul } from "./linalg.js";
import { reduceSum } from "./broadcast.js";

/** Keras's reset_after. */
export interface GruAttrs {
  readonly resetAfter: boolean;
}

// Shape codes: -1 steps, -2 batch, -3 units, -4 3 units, -5 4 units.
const S = -1,
  Bt = -2,
  Un = -3,
  G3 = -4,
  G4 = -5;

/**
 * Checks the tensors of a GRU op against x: [steps, batch, 3 units] for a sequence, [batch,
 * 3 units] for a cell (leading steps dropped from every code list); gives the params.
 */
function gruParams(
  op: string,
  x: Tensor,
  xName: string,
  sequence: boolean,
  others: readonly [string, Tensor, number[]][],
  attrs: GruAttrs,
): GruSequenceParams {
  checkDType(op, x, "float", xName);
  if (typeof attrs.resetAfter !== "boolean") {
    throw new TypeError(`${op}: resetAfter must be a boolean, got ${String(attrs.resetAfter)}`);
  }
  const rank = sequence ? 3 : 2;
  const lastIsG4 = xName === "gs";
  const div = lastIsG4 ? 4 : 3;
  if (x.rank !== rank || x.shape[rank - 1] % div !== 0 || (sequence && x.shape[0] < 1)) {
    throw new InvalidArgumentError(
      `${op}: ${xName} must be [${sequence ? "steps >= 1, " : ""}batch, ${div} units], got ${describe(x)}`,
    );
  }
  const steps = sequence ? x.shape[0] : 1;
  const batch = x.shape[rank - 2];
  const units = x.shape[rank - 1] / div;
  for (const [name, t, shape] of others) {
    const want = shape.map((d) =>
      d === S ? steps : d === Bt ? batch : d === Un ? units : d === G3 ? 3 * units : 4 * units,
    );
    if (t.dtype !== x.dtype || t.rank !== want.length || want.some((d, i) => d !== t.shape[i])) {
      throw new InvalidArgumentError(
        `${op}: ${name} must be ${x.dtype} ${shapeMsg(want)} to match ${xName} ${shapeMsg(x.shape)}, got ${describe(t)}`,
      );
    }
  }
  return { steps, batch, units, resetAfter: attrs.resetAfter };
}

const one = (t: Tensor): Tensor => sub(1, t);

/**
 * One step's gradient from public ops (see the top of the file): g [batch, 4 units] the step's
 * (pz, pr, ph, q), h the previous state, dh and dg the cotangents of h' and g.
 */
function gruStepVjp(
  g: Tensor,
  h: Tensor,
  rk: Tensor,
  dh: Tensor,
  dg: Tensor,
  resetAfter: boolean,
): { dxp: Tensor; dh: Tensor; drk: Tensor; drb: Tensor } {
  const [pz, pr, ph, q] = split(g, 4, 1);
  const [gz, gr, gh, gq] = split(dg, 4, 1);
  const z = sigmoid(pz);
  const r = sigmoid(pr);
  const hh = tanh(ph);
  const dpz = add(mul(mul(dh, sub(h, hh)), mul(z, one(z))), gz);
  const dph = add(mul(mul(dh, one(z)), one(square(hh))), gh);
  const dr = mul(r, one(r));
  if (resetAfter) {
    const dpr = add(mul(mul(dph, q), dr), gr);
    const dq = add(mul(dph, r), gq);
    const drec = concat([dpz, dpr, dq], 1);
    return {
      dxp: concat([dpz, dpr, dph], 1),
      dh: add(mul(dh, z), matmul(drec, rk, { transposeB: true })),
      drk: matmul(h, drec, { transposeA: true }),
      drb: reduceSum(drec, 0),
    };
  }
  const [rkz, rkr, rkh] = split(rk, 3, 1);
  const dq = add(matmul(dph, rkh, { transposeB: true }), gq);
  const dpr = add(mul(mul(dq, h), dr), gr);
  const dzr = concat([dpz, dpr], 1);
  const dxp = concat([dpz, dpr, dph], 1);
  return {
    dxp,
    dh: add(add(mul(dh, z), mul(dq, r)), matmul(dzr, concat([rkz, rkr], 1), { transposeB: true })),
    drk: concat([matmul(h, dzr, { transposeA: true }), matmul(q, dph, { transposeA: true })], 1),
    drb: reduceSum(dxp, 0),
  };
}

const CHECK_INPUTS_CELL = [
  { shape: [3, 6], range: [-1, 1] as [number, number] },
  { shape: [3, 2], range: [-1, 1] as [number, number] },
  { shape: [2, 6], range: [-0.8, 0.8] as [number, number] },
  { shape: [6], range: [-0.5, 0.5] as [number, number] },
];

export const FusedGRUCell: OpDef<GruAttrs> = defineOp<GruAttrs>({
  name: "FusedGRUCell",
  kind: "nn",
  check: {
    cases: [
      { inputs: CHECK_INPUTS_CELL, attrs: { resetAfter: true } },
      { inputs: CHECK_INPUTS_CELL, attrs: { resetAfter: false } },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
  overwritesOutputs: true,
  infer: ([xp, h, rk, rb], attrs) => {
    const { batch, units } = gruParams(
      "FusedGRUCell",
      xp,
      "xp",
      false,
      [
        ["h", h, [Bt, Un]],
        ["rk", rk, [Un, G3]],
        ["rb", rb, [G3]],
      ],
      attrs,
    );
    return [
      { shape: [batch, units], dtype: xp.dtype },
      { shape: [batch, 4 * units], dtype: xp.dtype },
    ];
  },
  kernel: (b, [xp, h, rk, rb], [hn, g], attrs) =>
    b.gruSequence(
      b.read(xp) as FloatArray,
      b.read(rk) as FloatArray,
      b.read(rb) as FloatArray,
      b.read(h) as FloatArray,
      b.read(hn) as FloatArray,
      b.read(g) as FloatArray,
      gruParams("FusedGRUCell", xp, "xp", false, [], attrs),
    ),
  saveInputs: [1, 2],
  saveOutputs: [1],
  grad: ([dh, dg], c): Grads => {
    const h = saved(c.inputs[1]);
    const rk = saved(c.inputs[2]);
    const g = saved(c.outputs[1]);
    const [dxp, dh0, drk, drb] = runOp(FusedGRUCellGrad, [rk, h, g, dh, dg], c.attrs);
    return [dxp, dh0, drk, drb];
  },
});

/** FusedGRUCell's gradient as one native call: (rk, h, g, dh, dg) -> dxp, dh, drk, drb. */
export const FusedGRUCellGrad: OpDef<GruAttrs> = defineOp<GruAttrs>({
  name: "FusedGRUCellGrad",
  kind: "nn",
  check: {
    skip: "FusedGRUCell's gradient: recorded by a tape it runs as its expansion (gruStepVjp, public ops), which test/nn-gru.test.ts checks against the kernel and differentiates",
  },
  // Recorded by a tape (a higher derivative), the same step from public ops.
  expand: ([rk, h, g, dh, dg], { resetAfter }) => {
    const v = gruStepVjp(g, h, rk, dh, dg, resetAfter);
    return [v.dxp, v.dh, v.drk, v.drb];
  },
  overwritesOutputs: true,
  infer: ([rk, h, g, dh, dg], attrs) => {
    const { batch, units } = gruParams(
      "FusedGRUCellGrad",
      g,
      "gs",
      false,
      [
        ["rk", rk, [Un, G3]],
        ["h", h, [Bt, Un]],
        ["dh", dh, [Bt, Un]],
        ["dg", dg, [Bt, G4]],
      ],
      attrs,
    );
    const state = { shape: [batch, units], dtype: g.dtype };
    return [
      { shape: [batch, 3 * units], dtype: g.dtype },
      state,
      { shape: rk.shape, dtype: g.dtype },
      { shape: [3 * units], dtype: g.dtype },
    ];
  },
  kernel: (b, [rk, h, g, dh, dg], [dxp, dh0, drk, drb], attrs) =>
    b.gruSequenceGrad(
      b.read(rk) as FloatArray,
      b.read(h) as FloatArray,
      // hs is only read for steps after the first: one step reads none of it.
      b.read(dh) as FloatArray,
      b.read(g) as FloatArray,
      b.read(dh) as FloatArray,
      b.read(dg) as FloatArray,
      b.read(dxp) as FloatArray,
      b.read(drk) as FloatArray,
      b.read(drb) as FloatArray,
      b.read(dh0) as FloatArray,
      gruParams("FusedGRUCellGrad", g, "gs", false, [], attrs),
    ),
  grad: null,
});

export const FusedGRUSequence: OpDef<GruAttrs> = defineOp<GruAttrs>({
  name: "FusedGRUSequence",
  kind: "nn",
  check: {
    cases: [true, false].map((resetAfter) => ({
      inputs: [
        { shape: [3, 2, 6], range: [-1, 1] as [number, number] },
        { shape: [2, 6], range: [-0.8, 0.8] as [number, number] },
        { shape: [6], range: [-0.5, 0.5] as [number, number] },
        { shape: [2, 2], range: [-1, 1] as [number, number] },
      ],
      attrs: { resetAfter },
    })),
    rtol: 1e-4,
    atol: 1e-6,
  },
  overwritesOutputs: true,
  infer: ([xp, rk, rb, h0], attrs) => {
    const { steps, batch, units } = gruParams(
      "FusedGRUSequence",
      xp,
      "xp",
      true,
      [
        ["rk", rk, [Un, G3]],
        ["rb", rb, [G3]],
        ["h0", h0, [Bt, Un]],
      ],
      attrs,
    );
    return [
      { shape: [steps, batch, units], dtype: xp.dtype },
      { shape: [steps, batch, 4 * units], dtype: xp.dtype },
    ];
  },
  kernel: (b, [xp, rk, rb, h0], [hs, gs], attrs) =>
    b.gruSequence(
      b.read(xp) as FloatArray,
      b.read(rk) as FloatArray,
      b.read(rb) as FloatArray,
      b.read(h0) as FloatArray,
      b.read(hs) as FloatArray,
      b.read(gs) as FloatArray,
      gruParams("FusedGRUSequence", xp, "xp", true, [], attrs),
    ),
  saveInputs: [1, 3],
  saveOutputs: [0, 1],
  grad: ([dhs, dgs], c): Grads => {
    const rk = saved(c.inputs[1]);
    const h0 = saved(c.inputs[3]);
    const hs = saved(c.outputs[0]);
    const gs = saved(c.outputs[1]);
    const [dxp, drk, drb, dh0] = runOp(FusedGRUSequenceGrad, [rk, h0, hs, gs, dhs, dgs], c.attrs);
    return [dxp, drk, drb, dh0];
  },
});

/**
 * FusedGRUSequence's gradient from public ops, step by step backwards (gruStepVjp): what a tape
 * records in place of FusedGRUSequenceGrad.
 */
function gruSequenceVjp(
  rk: Tensor,
  h0: Tensor,
  hs: Tensor,
  gs: Tensor,
  dhs: Tensor,
  dgs: Tensor,
  resetAfter: boolean,
): Tensor[] {
  const T = gs.shape[0];
  const [hT, gT, dhT, dgT] = [hs, gs, dhs, dgs].map((t) => unstack(t, T, 0));
  const dxp = new Array<Tensor>(T);
  let dh = dhT[T - 1];
  let drk: Tensor | null = null;
  let drb: Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const v = gruStepVjp(gT[t], t > 0 ? hT[t - 1] : h0, rk, dh, dgT[t], resetAfter);
    dxp[t] = v.dxp;
    drk = drk === null ? v.drk : add(drk, v.drk);
    drb = drb === null ? v.drb : add(drb, v.drb);
    dh = t > 0 ? add(dhT[t - 1], v.dh) : v.dh;
  }
  return [stack(dxp, 0), drk as Tensor, drb as Tensor, dh];
}

/** FusedGRUSequence's gradient as one native call: (rk, h0, hs, gs, dhs, dgs) -> dxp, drk, drb, dh0. */
export const FusedGRUSequenceGrad: OpDef<GruAttrs> = defineOp<GruAttrs>({
  name: "FusedGRUSequenceGrad",
  kind: "nn",
  check: {
    skip: "FusedGRUSequence's gradient: recorded by a tape it runs as its expansion (gruSequenceVjp, public ops), which test/nn-gru.test.ts checks against the kernel and differentiates",
  },
  expand: ([rk, h0, hs, gs, dhs, dgs], { resetAfter }) =>
    gruSequenceVjp(rk, h0, hs, gs, dhs, dgs, resetAfter),
  overwritesOutputs: true,
  infer: ([rk, h0, hs, gs, dhs, dgs], attrs) => {
    const { steps, batch, units } = gruParams(
      "FusedGRUSequenceGrad",
      gs,
      "gs",
      true,
      [
        ["rk", rk, [Un, G3]],
        ["h0", h0, [Bt, Un]],
        ["hs", hs, [S, Bt, Un]],
        ["dhs", dhs, [S, Bt, Un]],
        ["dgs", dgs, [S, Bt, G4]],
      ],
      attrs,
    );
    return [
      { shape: [steps, batch, 3 * units], dtype: gs.dtype },
      { shape: rk.shape, dtype: gs.dtype },
      { shape: [3 * units], dtype: gs.dtype },
      { shape: [batch, units], dtype: gs.dtype },
    ];
  },
  kernel: (b, [rk, h0, hs, gs, dhs, dgs], [dxp, drk, drb, dh0], attrs) =>
    b.gruSequenceGrad(
      b.read(rk) as FloatArray,
      b.read(h0) as FloatArray,
      b.read(hs) as FloatArray,
      b.read(gs) as FloatArray,
      b.read(dhs) as FloatArray,
      b.read(dgs) as FloatArray,
      b.read(dxp) as FloatArray,
      b.read(drk) as FloatArray,
      b.read(drb) as FloatArray,
      b.read(dh0) as FloatArray,
      gruParams("FusedGRUSequenceGrad", gs, "gs", true, [], attrs),
    ),
  grad: null,
});

/**
 * One GRU step (Keras's GRUCell with sigmoid and tanh): xp [batch, 3 units] the projected input
 * (input bias included), h [batch, units], rk [units, 3 units], rb [3 units] the recurrent bias.
 * Returns the new state.
 */
export function gruCellStep(
  xp: Tensor,
  h: Tensor,
  rk: Tensor,
  rb: Tensor,
  resetAfter: boolean,
): Tensor {
  return runOp(FusedGRUCell, [xp, h, rk, rb], { resetAfter })[0];
}

/**
 * A GRU over a whole time-major sequence: xp [steps, batch, 3 units], rk, rb and h0 as in
 * gruCellStep. Returns every step's state, [steps, batch, units].
 */
export function gruSequence(
  xp: Tensor,
  rk: Tensor,
  rb: Tensor,
  h0: Tensor,
  resetAfter: boolean,
): Tensor {
  return runOp(FusedGRUSequence, [xp, rk, rb, h0], { resetAfter })[0];
}
