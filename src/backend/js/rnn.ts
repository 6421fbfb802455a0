/**
 * The JS reference of the GRU sequence kernels (sums in float64): the step formulas of
 * RnnKernels one element at a time, with plain triple-loop products.
 */
import type { FloatArray } from "../optim.js";
import type { GruSequenceParams, RnnKernels } from "../rnn.js";

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** sum_p a[i * lda + aOff + p] * w[p * ldw + wOff + j] for p < k. */
function dot(
  a: FloatArray,
  aRow: number,
  w: FloatArray,
  ldw: number,
  col: number,
  k: number,
): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[aRow + p] * w[p * ldw + col];
  return s;
}

export const jsRnn: RnnKernels = {
  gruSequence(xp, rk, rb, h0, hs, gs, { steps, batch: B, units: U, resetAfter }) {
    const X = 3 * U;
    const G = 4 * U;
    for (let t = 0; t < steps; t++) {
      const hp = t === 0 ? h0 : hs.subarray((t - 1) * B * U, t * B * U);
      for (let b = 0; b < B; b++) {
        const x = (t * B + b) * X;
        const g = (t * B + b) * G;
        for (let u = 0; u < U; u++) {
          gs[g + u] = xp[x + u] + rb[u] + dot(hp, b * U, rk, X, u, U);
          gs[g + U + u] = xp[x + U + u] + rb[U + u] + dot(hp, b * U, rk, X, U + u, U);
          if (resetAfter) gs[g + 3 * U + u] = rb[2 * U + u] + dot(hp, b * U, rk, X, 2 * U + u, U);
          else gs[g + 3 * U + u] = sigmoid(gs[g + U + u]) * hp[b * U + u];
        }
        for (let u = 0; u < U; u++) {
          const ph = resetAfter
            ? xp[x + 2 * U + u] + sigmoid(gs[g + U + u]) * gs[g + 3 * U + u]
            : xp[x + 2 * U + u] + rb[2 * U + u] + dot(gs, g + 3 * U, rk, X, 2 * U + u, U);
          gs[g + 2 * U + u] = ph;
          const z = sigmoid(gs[g + u]);
          const hh = Math.tanh(ph);
          hs[(t * B + b) * U + u] = z * hp[b * U + u] + (1 - z) * hh;
        }
      }
    }
  },

  gruSequenceGrad(rk, h0, hs, gs, dhs, dgs, dxp, drk, drb, dh0, p: GruSequenceParams) {
    const { steps, batch: B, units: U, resetAfter } = p;
    const X = 3 * U;
    const G = 4 * U;
    const dh = new Float64Array(B * U);
    const drec = new Float64Array(B * X);
    const acc = new Float64Array(U * X);
    const accB = new Float64Array(X);
    for (let i = 0; i < B * U; i++) dh[i] = dhs[(steps - 1) * B * U + i];
    for (let t = steps - 1; t >= 0; t--) {
      const hp = t === 0 ? h0 : hs.subarray((t - 1) * B * U, t * B * U);
      const next = new Float64Array(B * U);
      for (let b = 0; b < B; b++) {
        const g = (t * B + b) * G;
        const x = (t * B + b) * X;
        const dq = new Float64Array(U);
        for (let u = 0; u < U; u++) {
          const z = sigmoid(gs[g + u]);
          const hh = Math.tanh(gs[g + 2 * U + u]);
          const d = dh[b * U + u];
          const dpz = d * (hp[b * U + u] - hh) * z * (1 - z) + dgs[g + u];
          const dph = d * (1 - z) * (1 - hh * hh) + dgs[g + 2 * U + u];
          dxp[x + u] = dpz;
          dxp[x + 2 * U + u] = dph;
          next[b * U + u] = d * z;
          drec[b * X + u] = dpz;
          drec[b * X + 2 * U + u] = dph;
        }
        if (!resetAfter) {
          // dq = dph rk_h^T + dgs_q.
          for (let u = 0; u < U; u++) {
            let s = dgs[g + 3 * U + u];
            for (let j = 0; j < U; j++) s += drec[b * X + 2 * U + j] * rk[u * X + 2 * U + j];
            dq[u] = s;
          }
        }
        for (let u = 0; u < U; u++) {
          const r = sigmoid(gs[g + U + u]);
          let dpr: number;
          if (resetAfter) {
            const q = gs[g + 3 * U + u];
            const dph = drec[b * X + 2 * U + u];
            dpr = dph * q * r * (1 - r) + dgs[g + U + u];
            drec[b * X + 2 * U + u] = dph * r + dgs[g + 3 * U + u];
          } else {
            dpr = dq[u] * hp[b * U + u] * r * (1 - r) + dgs[g + U + u];
            next[b * U + u] += dq[u] * r;
          }
          dxp[x + U + u] = dpr;
          drec[b * X + U + u] = dpr;
        }
        // What reaches the previous state through the products, and the weights' sums:
        // resetAfter: drec = (dpz, dpr, dq) against rk; !resetAfter: (dpz, dpr) against rk_zr
        // with the previous state, dph against rk_h with q.
        const kIn = resetAfter ? X : 2 * U;
        for (let u = 0; u < U; u++) {
          let s = 0;
          for (let j = 0; j < kIn; j++) s += drec[b * X + j] * rk[u * X + j];
          next[b * U + u] += s;
        }
        for (let i = 0; i < U; i++) {
          const h = hp[b * U + i];
          const q = gs[g + 3 * U + i];
          for (let j = 0; j < X; j++) {
            const a = resetAfter || j < 2 * U ? h : q;
            acc[i * X + j] += a * drec[b * X + j];
          }
        }
        for (let j = 0; j < X; j++) accB[j] += drec[b * X + j];
      }
      for (let i = 0; i < B * U; i++) dh[i] = next[i] + (t > 0 ? dhs[(t - 1) * B * U + i] : 0);
    }
    dh0.set(dh);
    drk.set(acc);
    drb.set(accB);
  },
};
