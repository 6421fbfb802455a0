/**
 * The regularized incomplete gamma and beta functions (TensorFlow's Igamma, Igammac, IgammaGradA,
 * Betainc), with the domain rules of TensorFlow's Eigen kernels:
 * - igamma(a, x) = P(a, x) = gamma(a, x) / Gamma(a): 0 at x = 0 (any a), NaN for x < 0 or a <= 0;
 * - igammac(a, x) = Q(a, x) = 1 - P(a, x): NaN for x < 0 or a <= 0;
 * - betainc(a, b, x) = I_x(a, b): NaN for a <= 0 or b <= 0 or x outside [0, 1]; 0 at x = 0 and
 *   1 at x = 1.
 * P comes from its power series where x <= 1 or x <= a, else Q from Legendre's continued fraction
 * (Numerical Recipes' split, as Cephes and Eigen); both are differentiated in `a` alongside, to
 * second order (hyper-dual numbers in a), which gives IgammaGradA (dP/da, the gradient TensorFlow
 * registers for `a`) and its own derivative in a (so the gradient of that gradient exists too).
 */
import { digamma, lgamma, polygamma } from "./scalar-math.js";

const EPS = 1e-16;
const FPMIN = 1e-300;
const MAX_ITER = 10000;

/** P(a, x) and its first two derivatives in a, written to out (value, d/da, d2/da2). */
const triple = new Float64Array(3);

/**
 * P = e^L S with L = a log x - x - lgamma(a + 1) and S = sum_n t_n, t_0 = 1,
 * t_n = t_{n-1} x / (a + n). In a: (log t_n)' = -sum_{k<=n} 1/(a + k) = s_n and
 * (log t_n)'' = sum_{k<=n} 1/(a + k)^2 = q_n, so t_n' = t_n s_n and t_n'' = t_n (s_n^2 + q_n).
 */
function seriesP(a: number, x: number): void {
  let t = 1;
  let s = 0;
  let q = 0;
  let sum = 1;
  let sum1 = 0;
  let sum2 = 0;
  for (let n = 1; n < MAX_ITER; n++) {
    const r = 1 / (a + n);
    t *= x * r;
    s -= r;
    q += r * r;
    const d1 = t * s;
    const d2 = t * (s * s + q);
    sum += t;
    sum1 += d1;
    sum2 += d2;
    if (
      t <= EPS * sum &&
      Math.abs(d1) <= EPS * (Math.abs(sum1) + sum) &&
      Math.abs(d2) <= EPS * (Math.abs(sum2) + sum)
    )
      break;
  }
  const L = a * Math.log(x) - x - lgamma(a + 1);
  const L1 = Math.log(x) - digamma(a + 1);
  const L2 = -polygamma(1, a + 1);
  const e = Math.exp(L);
  triple[0] = e * sum;
  triple[1] = e * (L1 * sum + sum1);
  triple[2] = e * ((L2 + L1 * L1) * sum + 2 * L1 * sum1 + sum2);
}

/**
 * Q = e^M h with M = a log x - x - lgamma(a) and h Legendre's continued fraction
 * 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - 2(2 - a)/(x + 5 - a - ...))), evaluated by the modified
 * Lentz method with every quantity carried as (value, d/da, d2/da2).
 */
function contFracQ(a: number, x: number): void {
  // b_i = x + 2i + 1 - a: b' = -1, b'' = 0
  let b = x + 1 - a;
  const b1 = -1;
  let c = 1 / FPMIN;
  let c1 = 0;
  let c2 = 0;
  // d = 1 / b
  let d = 1 / b;
  let d1 = -b1 * d * d;
  let d2 = 2 * b1 * b1 * d * d * d;
  let h = d;
  let h1 = d1;
  let h2 = d2;
  for (let i = 1; i < MAX_ITER; i++) {
    // a_i = -i (i - a): a' = i, a'' = 0
    const an = -i * (i - a);
    const an1 = i;
    b += 2;
    // d <- a_i d + b_i
    const nd = an * d + b;
    const nd1 = an1 * d + an * d1 + b1;
    const nd2 = 2 * an1 * d1 + an * d2;
    // c <- b_i + a_i / c
    const r = an / c;
    const r1 = (an1 - r * c1) / c;
    const r2 = (-2 * r1 * c1 - r * c2) / c;
    c = b + r;
    c1 = b1 + r1;
    c2 = r2;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    // d <- 1 / d
    const dv = Math.abs(nd) < FPMIN ? FPMIN : nd;
    d = 1 / dv;
    d1 = -nd1 * d * d;
    d2 = 2 * nd1 * nd1 * d * d * d - nd2 * d * d;
    // h <- h d c
    const del = d * c;
    const del1 = d1 * c + d * c1;
    const del2 = d2 * c + 2 * d1 * c1 + d * c2;
    const nh = h * del;
    const nh1 = h1 * del + h * del1;
    const nh2 = h2 * del + 2 * h1 * del1 + h * del2;
    h = nh;
    h1 = nh1;
    h2 = nh2;
    if (
      Math.abs(del - 1) < EPS &&
      Math.abs(del1) < EPS * (1 + Math.abs(h1 / h)) &&
      Math.abs(del2) < EPS * (1 + Math.abs(h2 / h))
    )
      break;
  }
  const M = a * Math.log(x) - x - lgamma(a);
  const M1 = Math.log(x) - digamma(a);
  const M2 = -polygamma(1, a);
  const e = Math.exp(M);
  triple[0] = e * h;
  triple[1] = e * (M1 * h + h1);
  triple[2] = e * ((M2 + M1 * M1) * h + 2 * M1 * h1 + h2);
}

/**
 * P(a, x) (k = 0) or its k-th derivative in a, from whichever expansion converges; NaN outside
 * the domain. The continued fraction gives Q, so P = 1 - Q and P's derivatives are -Q's.
 */
function lowerGamma(a: number, x: number, k: 0 | 1 | 2): number {
  if (x === 0) return 0;
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a <= 0) return NaN;
  if (x === Infinity) return k === 0 ? 1 : 0;
  if (x > 1 && x > a) {
    contFracQ(a, x);
    return k === 0 ? 1 - triple[0] : -triple[k];
  }
  seriesP(a, x);
  return triple[k];
}

/** TensorFlow's Igamma: the regularized lower incomplete gamma function P(a, x). */
export function igamma(a: number, x: number): number {
  return lowerGamma(a, x, 0);
}

/** TensorFlow's Igammac: the regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x). */
export function igammac(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a <= 0) return NaN;
  if (x === Infinity) return 0;
  if (x < 1 || x < a) {
    seriesP(a, x);
    return 1 - triple[0];
  }
  contFracQ(a, x);
  return triple[0];
}

/** TensorFlow's IgammaGradA: dP(a, x)/da (0 at x = 0, as Eigen's derivative mode). */
export function igammaGradA(a: number, x: number): number {
  return lowerGamma(a, x, 1);
}

/** d2P(a, x)/da2: the gradient of IgammaGradA in a. */
export function igammaGradA2(a: number, x: number): number {
  return lowerGamma(a, x, 2);
}

/**
 * The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz), good for
 * x < (a + 1) / (a + b + 2).
 */
function betaCf(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const m2 = 2 * m;
    // even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    // odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * TensorFlow's Betainc: the regularized incomplete beta function
 * I_x(a, b) = B(x; a, b) / B(a, b), by the continued fraction on whichever side of the mean
 * converges fast (I_x(a, b) = 1 - I_{1-x}(b, a)).
 */
export function betainc(a: number, b: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x)) return NaN;
  if (a <= 0 || b <= 0) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  if (x < 0 || x > 1) return NaN;
  // log of x^a (1 - x)^b / B(a, b)
  const logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(logFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(a, b, x)) / a;
  return 1 - (front * betaCf(b, a, 1 - x)) / b;
}
