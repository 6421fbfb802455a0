/**
 * The native fused batch-norm and LSTM-cell kernels (native/nn_fused.cc), with the JS kernel
 * below the crossover size or when the addon predates them.
 */
import type { Backend } from "../types.js";
import type { NnFusedKernels } from "../nn-fused.js";
import type { NativeAddon } from "./addon.js";

/** Crossovers in elements of x (batch norm) and of c (the LSTM cell: 5 transcendentals each). */
export const NN_FUSED_THRESHOLDS = { batchNorm: 1024, lstmCell: 64 };

export function nativeNnFused(addon: NativeAddon, js: Backend): NnFusedKernels {
  const train = addon.batchNormTrain?.bind(addon);
  const grad = addon.batchNormGrad?.bind(addon);
  const cell = addon.lstmCell?.bind(addon);
  const cellGrad = addon.lstmCellGrad?.bind(addon);
  const seq = addon.lstmSequence?.bind(addon);
  const seqGrad = addon.lstmSequenceGrad?.bind(addon);
  const T = NN_FUSED_THRESHOLDS;
  return {
    batchNormTrain(x, scale, offset, y, mean, variance, p) {
      if (train !== undefined && x.length >= T.batchNorm && p.rows > 0)
        train(x, scale, offset, y, mean, variance, p.rows, p.channels, p.epsilon);
      else js.batchNormTrain(x, scale, offset, y, mean, variance, p);
    },
    batchNormGrad(dy, x, scale, gmean, gvar, dx, dscale, doffset, p) {
      if (grad !== undefined && x.length >= T.batchNorm && p.rows > 0)
        grad(dy, x, scale, gmean, gvar, dx, dscale, doffset, p.rows, p.channels, p.epsilon);
      else js.batchNormGrad(dy, x, scale, gmean, gvar, dx, dscale, doffset, p);
    },
    lstmCell(z, cPrev, c, h, p) {
      if (cell !== undefined && c.length >= T.lstmCell) cell(z, cPrev, c, h, p.batch, p.units);
      else js.lstmCell(z, cPrev, c, h, p);
    },
    lstmCellGrad(z, cPrev, dc, dh, dz, dcPrev, p) {
      if (cellGrad !== undefined && dc.length >= T.lstmCell)
        cellGrad(z, cPrev, dc, dh, dz, dcPrev, p.batch, p.units);
      else js.lstmCellGrad(z, cPrev, dc, dh, dz, dcPrev, p);
    },
    lstmSequence(xp, wh, bias, h0, c0, hs, cs, zs, p) {
      if (seq !== undefined && xp.length >= T.lstmCell)
        seq(xp, wh, bias, h0, c0, hs, cs, zs, p.steps, p.batch, p.units);
      else js.lstmSequence(xp, wh, bias, h0, c0, hs, cs, zs, p);
    },
    lstmSequenceGrad(zs, cs, hs, wh, h0, c0, dhs, dcs, dzs, dxp, dwh, dh0, dc0, db, p) {
      if (seqGrad !== undefined && zs.length >= T.lstmCell)
        seqGrad(
          zs,
          cs,
          hs,
          wh,
          h0,
          c0,
          dhs,
          dcs,
          dzs,
          dxp,
          dwh,
          dh0,
          dc0,
          db,
          p.steps,
          p.batch,
          p.units,
        );
      else js.lstmSequenceGrad(zs, cs, hs, wh, h0, c0, dhs, dcs, dzs, dxp, dwh, dh0, dc0, db, p);
    },
  };
}
