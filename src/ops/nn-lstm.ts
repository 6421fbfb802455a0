/**
 * The LSTM cell step as one op (Keras's gate order i, f, g, o; sigmoid gates, tanh
 * activations), forward and gradient: a step of tf.keras.layers.LSTM costs its matmul, an add
 * and this, instead of a split and eleven elementwise ops (and some twenty in the gradient).
 *
 *   FusedLSTMCell(z, cPrev) -> c, h
 *     z [batch, 4 units] = the gates' pre-activations; i = sigmoid(z_i), f = sigmoid(z_f),
 *     g = tanh(z_g), o = sigmoid(z_o); c = f cPrev + i g; h = o tanh(c)
 *   FusedLSTMCellGrad(z, cPrev, dc, dh) -> dz, dcPrev
 *     t = tanh(c), e = dc + dh o (1 - t^2) (all that reaches c);
 *     dz = [e g i', e cPrev f', e i g', dh t o'], dcPrev = e f
 *     with i' = i (1 - i), f' = f (1 - f), o' = o (1 - o), g' = 1 - g^2.
 * (Not TensorFlow raw ops: TensorFlow's LSTMBlockCell also holds the matmul and peepholes.)
 *
 * FusedLSTMCellGrad's own gradient, for cotangents (a_i, a_f, a_g, a_o) of dz and a_c of
 * dcPrev, from L = e S + a_o dh t o' with S = a_i g i' + a_f cPrev f' + a_g i g' + a_c f:
 *   d/d(dc) = S,   d/d(dh) = o (1 - t^2) S + a_o t o'
 *   G = (1 - t^2)(a_o dh o' - 2 t dh o S)    (what reaches c through t)
 *   d/dz_i = (e (a_i g (1 - 2i) + a_g g') + G g) i'
 *   d/dz_f = (e (a_f cPrev (1 - 2f) + a_c) + G cPrev) f'
 *   d/dz_g = (e (a_i i' - 2 a_g i g) + G i) g'
 *   d/dz_o = (S dh (1 - t^2) + a_o dh t (1 - 2o)) o'
 *   d/d(cPrev) = e a_f f' + G f
 */
import { defineOp, type Grads, type OpDef } from "../engine/op.js";
import { runOp } from "../engine/run-op.js";
import { InvalidArgumentError } from "../tensor/errors.js";
import { shapeMsg } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FloatArray } from "../backend/optim.js";
import type { LstmCellParams, LstmSequenceParams } from "../backend/nn-fused.js";
import { checkDType, describe, saved } from "./checks.js";
import { add, mul, sigmoid, square, sub, tanh } from "./elementwise.js";
import { concat, split, stack, unstack } from "./movement-core.js";
import { matmul } from "./linalg.js";
import { reduceSum } from "./broadcast.js";

type NoAttrs = Record<string, never>;

/** Checks z [batch, 4 units] and the [batch, units] tensors against it; gives the params. */
function cellParams(op: string, z: Tensor, others: readonly [string, Tensor][]): LstmCellParams {
  checkDType(op, z, "float", "z");
  if (z.rank !== 2 || z.shape[1] % 4 !== 0) {
    throw new InvalidArgumentError(
      `${op}: z must be [batch, 4 units] (the i, f, g, o pre-activations), got ${describe(z)}`,
    );
  }
  const [batch, four] = z.shape;
  const units = four / 4;
  for (const [name, t] of others) {
    if (t.dtype !== z.dtype || t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== units) {
      throw new InvalidArgumentError(
        `${op}: ${name} must be ${z.dtype} [${batch}, ${units}] to match z ${shapeMsg(z.shape)}, got ${describe(t)}`,
      );
    }
  }
  return { batch, units };
}

const one = (t: Tensor): Tensor => sub(1, t);

export const FusedLSTMCell: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "FusedLSTMCell",
  kind: "nn",
  check: {
    cases: [
      { inputs: [{ shape: [2, 8], range: [-2, 2] }, { shape: [2, 2] }], attrs: {} },
      { inputs: [{ shape: [3, 12], range: [-2, 2] }, { shape: [3, 3] }], attrs: {} },
    ],
  },
  overwritesOutputs: true,
  infer: ([z, cPrev]) => {
    const { batch, units } = cellParams("FusedLSTMCell", z, [["cPrev", cPrev]]);
    const spec = { shape: [batch, units], dtype: z.dtype };
    return [spec, spec];
  },
  kernel: (b, [z, cPrev], [c, h]) =>
    b.lstmCell(
      b.read(z) as FloatArray,
      b.read(cPrev) as FloatArray,
      b.read(c) as FloatArray,
      b.read(h) as FloatArray,
      cellParams("FusedLSTMCell", z, []),
    ),
  saveInputs: [0, 1],
  grad: ([dc, dh], c): Grads =>
    runOp(FusedLSTMCellGrad, [saved(c.inputs[0]), saved(c.inputs[1]), dc, dh], {}),
});

export const FusedLSTMCellGrad: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "FusedLSTMCellGrad",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [2, 8], range: [-2, 2] },
          { shape: [2, 2] },
          { shape: [2, 2] },
          { shape: [2, 2] },
        ],
        attrs: {},
      },
    ],
  },
  overwritesOutputs: true,
  infer: ([z, cPrev, dc, dh]) => {
    const { batch, units } = cellParams("FusedLSTMCellGrad", z, [
      ["cPrev", cPrev],
      ["dc", dc],
      ["dh", dh],
    ]);
    return [
      { shape: [batch, 4 * units], dtype: z.dtype },
      { shape: [batch, units], dtype: z.dtype },
    ];
  },
  kernel: (b, [z, cPrev, dc, dh], [dz, dcPrev]) =>
    b.lstmCellGrad(
      b.read(z) as FloatArray,
      b.read(cPrev) as FloatArray,
      b.read(dc) as FloatArray,
      b.read(dh) as FloatArray,
      b.read(dz) as FloatArray,
      b.read(dcPrev) as FloatArray,
      cellParams("FusedLSTMCellGrad", z, []),
    ),
  saveInputs: [0, 1, 2, 3],
  grad: ([az, ac], c): Grads => {
    const z = saved(c.inputs[0]);
    const cp = saved(c.inputs[1]);
    const dc = saved(c.inputs[2]);
    const dh = saved(c.inputs[3]);
    const [zi, zf, zg, zo] = split(z, 4, 1);
    const [ai, af, ag, ao] = split(az, 4, 1);
    const i = sigmoid(zi);
    const f = sigmoid(zf);
    const g = tanh(zg);
    const o = sigmoid(zo);
    const di = mul(i, one(i));
    const df = mul(f, one(f));
    const dg = one(square(g));
    const dO = mul(o, one(o));
    const t = tanh(add(mul(f, cp), mul(i, g)));
    const dt = one(square(t));
    const e = add(dc, mul(mul(dh, o), dt));
    const S = add(
      add(mul(mul(ai, g), di), mul(mul(af, cp), df)),
      add(mul(mul(ag, i), dg), mul(ac, f)),
    );
    const gDc = S;
    const gDh = add(mul(mul(o, dt), S), mul(mul(ao, t), dO));
    const G = mul(dt, sub(mul(mul(ao, dh), dO), mul(mul(mul(t, 2), mul(dh, o)), S)));
    const gZi = mul(
      add(mul(e, add(mul(mul(ai, g), sub(1, mul(i, 2))), mul(ag, dg))), mul(G, g)),
      di,
    );
    const gZf = mul(add(mul(e, add(mul(mul(af, cp), sub(1, mul(f, 2))), ac)), mul(G, cp)), df);
    const gZg = mul(add(mul(e, sub(mul(ai, di), mul(mul(mul(ag, i), g), 2))), mul(G, i)), dg);
    const gZo = mul(add(mul(mul(S, dh), dt), mul(mul(mul(ao, dh), t), sub(1, mul(o, 2)))), dO);
    const gCp = add(mul(mul(e, af), df), mul(G, f));
    return [concat([gZi, gZf, gZg, gZo], 1), gCp, gDc, gDh];
  },
});

/**
 * One LSTM step from the gate pre-activations z [batch, 4 units] (i, f, g, o) and the previous
 * cell state: `[c, h]` with sigmoid gates and tanh activations.
 */
export function lstmCellStep(z: Tensor, cPrev: Tensor): [Tensor, Tensor] {
  const [c, h] = runOp(FusedLSTMCell, [z, cPrev], {});
  return [c, h];
}

/**
 * A whole LSTM sequence as one op, time-major (the recurrence of tf.keras.layers.LSTM with the
 * default activations, no mask and no recurrent dropout):
 *
 *   FusedLSTMSequence(xp [steps, batch, 4 units], wh [units, 4 units], h0, c0 [batch, units],
 *     bias [4 units] (optional))
 *     -> hs, cs [steps, batch, units], zs [steps, batch, 4 units]
 *     zs[t] = xp[t] + bias + h_{t-1} wh;  cs[t], hs[t] = FusedLSTMCell(zs[t], c_{t-1})
 * (The bias as an input of its own spares the layer a [steps, batch, 4 units] add and its
 * gradient's reduction: the kernel adds it, and the gradient kernel sums dz for it.)
 *
 * Its gradient is FusedLSTMSequenceGrad: backward through the steps in one native call (the
 * cell gradient, dh_{t-1} = dz_t wh^T, dwh = sum_t h_{t-1}^T dz_t as one product and dbias =
 * sum_t sum_rows dz_t), which
 * leaves out every per-step op of the unrolled tape, in eager mode and in tf.function's graphs.
 * When a tape records the gradient itself (a higher derivative), FusedLSTMSequenceGrad runs as
 * its expansion (OpDef.expand): the same gradient from FusedLSTMCellGrad and matmul per step,
 * whose own gradients are known.
 */
function seqParams(
  op: string,
  xp: Tensor,
  others: readonly [string, Tensor, number[]][],
): LstmSequenceParams {
  checkDType(op, xp, "float", "xp");
  if (xp.rank !== 3 || xp.shape[2] % 4 !== 0 || xp.shape[0] < 1) {
    throw new InvalidArgumentError(
      `${op}: xp must be [steps >= 1, batch, 4 units] (time-major projected inputs), got ${describe(xp)}`,
    );
  }
  const [steps, batch, four] = xp.shape;
  const units = four / 4;
  for (const [name, t, shape] of others) {
    const want = shape.map((d) =>
      d === -1 ? steps : d === -2 ? batch : d === -3 ? units : 4 * units,
    );
    if (t.dtype !== xp.dtype || t.rank !== want.length || want.some((d, i) => d !== t.shape[i])) {
      throw new InvalidArgumentError(
        `${op}: ${name} must be ${xp.dtype} ${shapeMsg(want)} to match xp ${shapeMsg(xp.shape)}, got ${describe(t)}`,
      );
    }
  }
  return { steps, batch, units };
}

// Shape codes for seqParams: -1 steps, -2 batch, -3 units, -4 4 units.
const S = -1,
  Bt = -2,
  Un = -3,
  G4 = -4;

export const FusedLSTMSequence: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "FusedLSTMSequence",
  kind: "nn",
  check: {
    cases: [
      {
        inputs: [
          { shape: [3, 2, 8], range: [-1, 1] },
          { shape: [2, 8] },
          { shape: [2, 2] },
          { shape: [2, 2] },
        ],
        attrs: {},
      },
      {
        inputs: [
          { shape: [3, 2, 8], range: [-1, 1] },
          { shape: [2, 8] },
          { shape: [2, 2] },
          { shape: [2, 2] },
          { shape: [8], range: [-0.5, 0.5] },
        ],
        attrs: {},
      },
    ],
    rtol: 1e-4,
    atol: 1e-6,
  },
  overwritesOutputs: true,
  infer: (inputs) => {
    const [xp, wh, h0, c0, bias] = inputs;
    if (inputs.length !== 4 && inputs.length !== 5) {
      throw new InvalidArgumentError(
        `FusedLSTMSequence: expected 4 or 5 inputs (xp, wh, h0, c0, bias?), got ${inputs.length}`,
      );
    }
    const { steps, batch, units } = seqParams("FusedLSTMSequence", xp, [
      ["wh", wh, [Un, G4]],
      ["h0", h0, [Bt, Un]],
      ["c0", c0, [Bt, Un]],
      ...(bias === undefined ? [] : [["bias", bias, [G4]] as [string, Tensor, number[]]]),
    ]);
    const st = { shape: [steps, batch, units], dtype: xp.dtype };
    return [st, st, { shape: xp.shape, dtype: xp.dtype }];
  },
  kernel: (b, [xp, wh, h0, c0, bias], [hs, cs, zs]) =>
    b.lstmSequence(
      b.read(xp) as FloatArray,
      b.read(wh) as FloatArray,
      bias === undefined
        ? new (xp.dtype === "float32" ? Float32Array : Float64Array)(xp.shape[2])
        : (b.read(bias) as FloatArray),
      b.read(h0) as FloatArray,
      b.read(c0) as FloatArray,
      b.read(hs) as FloatArray,
      b.read(cs) as FloatArray,
      b.read(zs) as FloatArray,
      seqParams("FusedLSTMSequence", xp, []),
    ),
  saveInputs: [1, 2, 3],
  saveOutputs: [0, 1, 2],
  grad: ([dhs, dcs, dzs], c): Grads => {
    const wh = saved(c.inputs[1]);
    const h0 = saved(c.inputs[2]);
    const c0 = saved(c.inputs[3]);
    const hs = saved(c.outputs[0]);
    const cs = saved(c.outputs[1]);
    const zs = saved(c.outputs[2]);
    const g = runOp(FusedLSTMSequenceGrad, [zs, cs, hs, wh, h0, c0, dhs, dcs, dzs], {});
    return c.inputs.length === 5 ? g : g.slice(0, 4);
  },
});

/**
 * FusedLSTMSequence's gradient from FusedLSTMCellGrad and matmul, step by step backwards: what
 * a tape records in place of FusedLSTMSequenceGrad. Returns dxp, dwh, dh0, dc0 and dbias.
 */
function lstmSequenceVjp([zs, cs, hs, wh, h0, c0, dhs, dcs, dzs]: readonly Tensor[]): Tensor[] {
  const T = zs.shape[0];
  const [zT, cT, hT, dhT, dcT, dzT] = [zs, cs, hs, dhs, dcs, dzs].map((t) => unstack(t, T, 0));
  const dxp: Tensor[] = new Array<Tensor>(T);
  let dh = dhT[T - 1];
  let dc = dcT[T - 1];
  let dwh: Tensor | null = null;
  let dh0 = dh;
  let dc0 = dc;
  for (let t = T - 1; t >= 0; t--) {
    const cp = t > 0 ? cT[t - 1] : c0;
    const hp = t > 0 ? hT[t - 1] : h0;
    const [dzc, dcp] = runOp(FusedLSTMCellGrad, [zT[t], cp, dc, dh], {});
    const dz = add(dzc, dzT[t]);
    dxp[t] = dz;
    const w = matmul(hp, dz, { transposeA: true });
    dwh = dwh === null ? w : add(dwh, w);
    const dhPrev = matmul(dz, wh, { transposeB: true });
    if (t > 0) {
      dh = add(dhT[t - 1], dhPrev);
      dc = add(dcT[t - 1], dcp);
    } else {
      dh0 = dhPrev;
      dc0 = dcp;
    }
  }
  const dxs = stack(dxp, 0);
  return [dxs, dwh as Tensor, dh0, dc0, reduceSum(dxs, [0, 1])];
}

export const FusedLSTMSequenceGrad: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: "FusedLSTMSequenceGrad",
  kind: "nn",
  check: {
    skip: "FusedLSTMSequence's gradient: recorded by a tape it runs as its expansion (lstmSequenceVjp: FusedLSTMCellGrad and matmul), which test/nn-fused.test.ts checks against the kernel and differentiates",
  },
  expand: (inputs) => lstmSequenceVjp(inputs),
  overwritesOutputs: true,
  infer: ([zs, cs, hs, wh, h0, c0, dhs, dcs, dzs]) => {
    const op = "FusedLSTMSequenceGrad";
    const { batch, units } = seqParams(op, zs, [
      ["cs", cs, [S, Bt, Un]],
      ["hs", hs, [S, Bt, Un]],
      ["wh", wh, [Un, G4]],
      ["h0", h0, [Bt, Un]],
      ["c0", c0, [Bt, Un]],
      ["dhs", dhs, [S, Bt, Un]],
      ["dcs", dcs, [S, Bt, Un]],
      ["dzs", dzs, [S, Bt, G4]],
    ]);
    const state = { shape: [batch, units], dtype: zs.dtype };
    return [
      { shape: zs.shape, dtype: zs.dtype },
      { shape: wh.shape, dtype: zs.dtype },
      state,
      state,
      { shape: [4 * units], dtype: zs.dtype },
    ];
  },
  kernel: (b, [zs, cs, hs, wh, h0, c0, dhs, dcs, dzs], [dxp, dwh, dh0, dc0, db]) =>
    b.lstmSequenceGrad(
      b.read(zs) as FloatArray,
      b.read(cs) as FloatArray,
      b.read(hs) as FloatArray,
      b.read(wh) as FloatArray,
      b.read(h0) as FloatArray,
      b.read(c0) as FloatArray,
      b.read(dhs) as FloatArray,
      b.read(dcs) as FloatArray,
      b.read(dzs) as FloatArray,
      b.read(dxp) as FloatArray,
      b.read(dwh) as FloatArray,
      b.read(dh0) as FloatArray,
      b.read(dc0) as FloatArray,
      b.read(db) as FloatArray,
      seqParams("FusedLSTMSequenceGrad", zs, []),
    ),
  grad: null,
});

/**
 * An LSTM over a whole time-major sequence: xp [steps, batch, 4 units] the projected inputs,
 * wh the recurrent kernel [units, 4 units], h0 and c0 the initial states, bias [4 units] (or
 * null: none, or already in xp). Returns `[hs, cs]`, every step's h and c, [steps, batch, units].
 */
export function lstmSequence(
  xp: Tensor,
  wh: Tensor,
  h0: Tensor,
  c0: Tensor,
  bias: Tensor | null = null,
): [Tensor, Tensor] {
  const inputs = bias === null ? [xp, wh, h0, c0] : [xp, wh, h0, c0, bias];
  const [hs, cs] = runOp(FusedLSTMSequence, inputs, {});
  return [hs, cs];
}
