/**
 * Connectionist temporal classification (Graves et al. 2006) by the forward-backward
 * (alpha-beta) recursion in log space, per example:
 * - the label l (length L) is extended with blanks, l' = [blank, l1, blank, l2, ..., blank]
 *   (S = 2L + 1 states);
 * - alpha[t, s] = log sum of the probabilities of the path prefixes ending in state s at t:
 *   alpha[t, s] = y[t, l's] + logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2]), the
 *   skip from s-2 allowed when l's is not blank and differs from l'(s-2);
 * - beta[t, s] the same from the end (beta includes y[t, l's] too);
 * - log p(l | x) = logsumexp(alpha[T-1, S-1], alpha[T-1, S-2]), the loss its negative;
 * - the gradient wrt the unnormalized logits u[t, k]:
 *   softmax(u)[t, k] - (1/p) sum_{s: l's = k} exp(alpha[t, s] + beta[t, s] - y[t, k]).
 * y is the log-softmax of the logits, computed here in float64.
 */
import type { SpecialKernels } from "../special.js";

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export const ctcLoss: SpecialKernels["ctcLoss"] = (
  logits,
  labels,
  labelLength,
  logitLength,
  loss,
  grad,
  p,
) => {
  const { batch, classes: C, maxLabel, blank } = p;
  grad.fill(0);
  for (let b = 0; b < batch; b++) {
    const T = logitLength[b];
    const L = labelLength[b];
    const S = 2 * L + 1;
    const ext = new Int32Array(S).fill(blank);
    for (let i = 0; i < L; i++) ext[2 * i + 1] = labels[b * maxLabel + i];
    if (T === 0) {
      loss[b] = L === 0 ? 0 : Infinity;
      continue;
    }
    // y[t, k]: the log-softmax over the classes
    const y = new Float64Array(T * C);
    for (let t = 0; t < T; t++) {
      const o = (t * batch + b) * C;
      let m = -Infinity;
      for (let k = 0; k < C; k++) m = Math.max(m, logits[o + k]);
      let z = 0;
      for (let k = 0; k < C; k++) z += Math.exp(logits[o + k] - m);
      const lz = m + Math.log(z);
      for (let k = 0; k < C; k++) y[t * C + k] = logits[o + k] - lz;
    }
    const canSkip = (s: number): boolean => s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2];
    const alpha = new Float64Array(T * S).fill(-Infinity);
    alpha[0] = y[ext[0]];
    if (S > 1) alpha[1] = y[ext[1]];
    for (let t = 1; t < T; t++) {
      for (let s = 0; s < S; s++) {
        const prev = (t - 1) * S;
        let v = alpha[prev + s];
        if (s >= 1) v = logAdd(v, alpha[prev + s - 1]);
        if (canSkip(s)) v = logAdd(v, alpha[prev + s - 2]);
        alpha[t * S + s] = v === -Infinity ? v : v + y[t * C + ext[s]];
      }
    }
    const last = (T - 1) * S;
    const logZ = logAdd(alpha[last + S - 1], S > 1 ? alpha[last + S - 2] : -Infinity);
    loss[b] = -logZ;
    if (logZ === -Infinity) continue; // no alignment fits: infinite loss, zero gradient
    const beta = new Float64Array(T * S).fill(-Infinity);
    beta[last + S - 1] = y[(T - 1) * C + ext[S - 1]];
    if (S > 1) beta[last + S - 2] = y[(T - 1) * C + ext[S - 2]];
    for (let t = T - 2; t >= 0; t--) {
      for (let s = 0; s < S; s++) {
        const next = (t + 1) * S;
        let v = beta[next + s];
        if (s + 1 < S) v = logAdd(v, beta[next + s + 1]);
        if (s + 2 < S && canSkip(s + 2)) v = logAdd(v, beta[next + s + 2]);
        beta[t * S + s] = v === -Infinity ? v : v + y[t * C + ext[s]];
      }
    }
    const post = new Float64Array(C);
    for (let t = 0; t < T; t++) {
      post.fill(0);
      for (let s = 0; s < S; s++) {
        const ab = alpha[t * S + s] + beta[t * S + s];
        if (ab === -Infinity) continue;
        post[ext[s]] += Math.exp(ab - y[t * C + ext[s]] - logZ);
      }
      const o = (t * batch + b) * C;
      for (let k = 0; k < C; k++) grad[o + k] = Math.exp(y[t * C + k]) - post[k];
    }
  }
};
