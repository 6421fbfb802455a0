/** Scalar functions JavaScript's Math lacks. */

/**
 * erf(x) within about 3 ulp of float64 (checked against libm's erf over [-6, 6]): a Taylor
 * series for |x| < 1.5 and the continued fraction of erfc beyond, where the alternating series
 * would lose digits to cancellation (it reached 14 ulp near 2.4 when used up to 2.5).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 1.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz's method)
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = d === 0 ? tiny : d;
    c = ax + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Round half to even, as TensorFlow's Round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Floor modulo: the result takes the divisor's sign (TensorFlow's FloorMod). */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * erfc(x) = 1 - erf(x) without the cancellation for large x: 1 - erf(x) below 0.5, where erf(x)
 * is at most 0.52 and the subtraction loses no digits; the continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) beyond (Lentz), and
 * 2 - erfc(-x) for x < -0.5.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0.5) return x < -0.5 ? 2 - erfc(-x) : 1 - erf(x);
  if (x > 27.3) return 0; // exp(-x^2) underflows
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  // e^(-x^2) with x^2 = s^2 + (x - s)(x + s), s = x rounded to float: s^2 is exact in double, so
  // the rounding of x^2 (up to 730 * 2^-53 relative in the result at x = 27) stays out.
  const s = Math.fround(x);
  return (Math.exp(-s * s) * Math.exp((s - x) * (s + x))) / Math.sqrt(Math.PI) / f;
}

/**
 * The inverse of erf on (-1, 1) (erfinv(+-1) = +-Infinity, NaN outside): Giles' single-precision
 * approximation ("Approximating the erfinv function", GPU Computing Gems, 2011), then two Newton
 * steps on erf(x) - y = 0 (erf' = 2/sqrt(pi) e^(-x^2)), which bring it to float64 accuracy.
 * Near +-1, where y carries few digits of 1 - |y|, the tails go through ndtri instead.
 */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (Math.abs(y) > 0.9) {
    // erfinv(y) = -ndtri((1 - y)/2)/sqrt(2); 1 - |y| is exact here (Sterbenz).
    const r = -ndtri((1 - Math.abs(y)) / 2) / Math.SQRT2;
    return y < 0 ? -r : r;
  }
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) {
    x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  }
  return x;
}

/**
 * The inverse of the standard normal CDF, ndtri(p) = sqrt(2) erfinv(2p - 1), on (0, 1)
 * (-Infinity at 0, Infinity at 1, NaN outside): Acklam's rational approximation (relative error
 * 1.15e-9), then one Halley step on Phi(x) - p with Phi(x) = erfc(-x/sqrt 2)/2, which is accurate
 * in both tails, so the result is good to float64 precision even for tiny p.
 */
export function ndtri(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p > 1 - low) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // Halley: e = Phi(x) - p, u = e / phi(x), x -= u / (1 + x u / 2). Work in the tail where p
  // is below 1/2 so Phi(x) - p has no cancellation against 1.
  for (let i = 0; i < 2; i++) {
    const e = p < 0.5 ? erfc(-x / Math.SQRT2) / 2 - p : -(erfc(x / Math.SQRT2) / 2 - (1 - p));
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    if (!Number.isFinite(u)) break;
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

// Lanczos coefficients for g = 7, n = 9 (Godfrey), good to about 1e-15 relative.
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/**
 * log |Gamma(x)| (TensorFlow's Lgamma): the Lanczos approximation for x >= 0.5, the reflection
 * Gamma(x) Gamma(1 - x) = pi / sin(pi x) below; +Infinity at 0 and the negative integers.
 * Near the zeros at 1 and 2 the series log Gamma(1 + e) = -gamma e + sum zeta(k) (-e)^k / k keeps
 * the relative accuracy that log(Lanczos) would lose.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // sin(pi x) computed from x mod 2 so large |x| keeps its digits
    const s = Math.abs(Math.sin(Math.PI * (x - 2 * Math.floor(x / 2))));
    return Math.log(Math.PI / s) - lgamma(1 - x);
  }
  if (Math.abs(x - 1) < 0.2) return lgammaNear1(x - 1);
  if (Math.abs(x - 2) < 0.2) return lgammaNear1(x - 2) + Math.log1p(x - 2);
  if (x > 1e15) return x * (Math.log(x) - 1) - 0.5 * Math.log(x) + 0.5 * Math.log(2 * Math.PI);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const EULER_GAMMA = 0.5772156649015329;

/** log Gamma(1 + e) = -gamma e + sum_{k>=2} zeta(k) (-e)^k / k, for |e| < 0.2. */
function lgammaNear1(e: number): number {
  let sum = -EULER_GAMMA * e;
  let pow = -e;
  for (let k = 2; k < 60; k++) {
    pow *= -e;
    const term = (zeta(k, 1) * pow) / k;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * digamma(x) = d/dx log Gamma(x): the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then
 * the asymptotic series log x - 1/(2x) - sum B_2k / (2k x^2k); the reflection
 * psi(1 - x) - psi(x) = pi cot(pi x) for x <= 0 (NaN at 0 and the negative integers, as
 * TensorFlow's Eigen kernel gives).
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0) {
    if (Number.isInteger(x)) return NaN;
    const r = x - 2 * Math.floor(x / 2);
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * r);
  }
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const x2 = 1 / (x * x);
  // B2/2 = 1/12, B4/4 = -1/120, B6/6 = 1/252, B8/8 = -1/240, B10/10 = 1/132, B12/12 = -691/32760
  const series =
    x2 *
    (1 / 12 -
      x2 * (1 / 120 - x2 * (1 / 252 - x2 * (1 / 240 - x2 * (1 / 132 - x2 * (691 / 32760))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

// Euler-Maclaurin coefficients (2k)! / B_2k for k = 1..12 (as in Cephes' zeta).
const ZETA_A = [
  12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183792e9, 7.47242496e10,
  -2.950130727918164e12, 1.1646782814350067e14, -4.597978722407473e15, 1.8152105401943546e17,
  -7.166165256175667e18,
];

/**
 * The Hurwitz zeta function zeta(x, q) = sum_{k>=0} (k + q)^-x, for x > 1 (TensorFlow's Zeta):
 * the first terms summed directly, the tail by the Euler-Maclaurin formula (Cephes' method).
 * Infinity at x = 1; NaN for x < 1; for q <= 0, Infinity at the poles (integer q) and NaN for a
 * non-integer x.
 */
export function zeta(x: number, q: number): number {
  if (Number.isNaN(x) || Number.isNaN(q)) return NaN;
  if (x === 1) return Infinity;
  if (x < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return Infinity;
    if (x !== Math.floor(x)) return NaN;
  }
  let s = Math.pow(q, -x);
  let a = q;
  let b = 0;
  let i = 0;
  while (i < 9 || a <= 9) {
    i += 1;
    a += 1;
    b = Math.pow(a, -x);
    s += b;
    if (Math.abs(b / s) < 1.1e-16) return s;
  }
  const w = a;
  s += (b * w) / (x - 1);
  s -= 0.5 * b;
  let fac = 1;
  let k = 0;
  for (let j = 0; j < 12; j++) {
    fac *= x + k;
    b /= w;
    const t = (fac * b) / ZETA_A[j];
    s += t;
    if (Math.abs(t / s) < 1.1e-16) break;
    k += 1;
    fac *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/**
 * polygamma(n, x) = d^n/dx^n digamma(x) (TensorFlow's Polygamma): digamma for n = 0,
 * (-1)^(n+1) n! zeta(n + 1, x) for a positive integer n; NaN for a negative or fractional n.
 */
export function polygamma(n: number, x: number): number {
  if (Number.isNaN(n) || Number.isNaN(x) || n < 0 || !Number.isInteger(n)) return NaN;
  if (n === 0) return digamma(x);
  let fact = 1;
  for (let k = 2; k <= n; k++) fact *= k;
  return (n % 2 === 1 ? 1 : -1) * fact * zeta(n + 1, x);
}

/** Round half to even (TensorFlow's Rint on floats; same as Round). */
export function rint(x: number): number {
  return roundHalfEven(x);
}

/** x / y, 0 where x = 0 (TensorFlow's Xdivy). */
export function xdivy(x: number, y: number): number {
  return x === 0 && y === y ? 0 : x / y;
}

/** x log y, 0 where x = 0 (TensorFlow's Xlogy). */
export function xlogy(x: number, y: number): number {
  return x === 0 && y === y ? 0 : x * Math.log(y);
}

/** x log(1 + y), 0 where x = 0 (TensorFlow's Xlog1py). */
export function xlog1py(x: number, y: number): number {
  return x === 0 && y === y ? 0 : x * Math.log1p(y);
}

const F64 = new Float64Array(1);
const U64 = new BigInt64Array(F64.buffer);
const F32 = new Float32Array(1);
const U32 = new Int32Array(F32.buffer);

/** The next float64 after a in the direction of b (C's nextafter). */
export function nextafter(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b) return b;
  if (a === 0) return b > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  F64[0] = a;
  U64[0] += b > a === a > 0 ? 1n : -1n;
  return F64[0];
}

/** The next float32 after a in the direction of b (C's nextafterf), for float32 tensors. */
export function nextafterf(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  F32[0] = a;
  const fa = F32[0];
  F32[0] = b;
  const fb = F32[0];
  if (fa === fb) return fb;
  if (fa === 0) return fb > 0 ? 1.401298464324817e-45 : -1.401298464324817e-45;
  F32[0] = fa;
  U32[0] += fb > fa === fa > 0 ? 1 : -1;
  return F32[0];
}

/**
 * e^-|x| I_nu(x) for nu = 0, 1: the power series I_nu(x) = sum_k (x/2)^(2k+nu) / (k! (k+nu)!)
 * (positive terms, no cancellation) for |x| < 20, scaled after; beyond, the asymptotic series
 * e^-x I_nu(x) ~ 1/sqrt(2 pi x) sum_k (-1)^k prod_{j<=k} (4nu^2 - (2j-1)^2) / (k! (8x)^k),
 * whose terms shrink until k ~ 2x, far past float64 precision at x = 20.
 */
function besselIe(nu: 0 | 1, x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  const sgn = nu === 1 && x < 0 ? -1 : 1;
  if (ax < 20) {
    const q = (ax * ax) / 4;
    let term = nu === 0 ? 1 : ax / 2;
    let sum = term;
    for (let k = 1; k < 500; k++) {
      term *= q / (k * (k + nu));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return sgn * sum * Math.exp(-ax);
  }
  if (ax === Infinity) return 0;
  const mu = 4 * nu * nu;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 60; k++) {
    const next = (-term * (mu - (2 * k - 1) * (2 * k - 1))) / (k * 8 * ax);
    if (Math.abs(next) >= Math.abs(term)) break;
    term = next;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (sgn * sum) / Math.sqrt(2 * Math.PI * ax);
}

/** e^-|x| I0(x) (TensorFlow's BesselI0e). */
export function besselI0e(x: number): number {
  return besselIe(0, x);
}

/** e^-|x| I1(x) (TensorFlow's BesselI1e), odd in x. */
export function besselI1e(x: number): number {
  return besselIe(1, x);
}

/**
 * The standard normal CDF Phi(x) = (1 + erf(x/sqrt 2))/2, taken as erfc(-x/sqrt 2)/2 for
 * x <= -sqrt 2 (the far tail, where 1 + erf cancels; erfc's continued fraction is accurate from
 * an argument of 1 on). GELU's kernels use it; native/elementwise.cc has the same formula.
 */
export function normalCdf(x: number): number {
  return x > -1.4142135623730951
    ? 0.5 * (1 + erf(x * 0.7071067811865476))
    : 0.5 * erfc(-x * 0.7071067811865476);
}
// The incomplete gamma and beta functions (Igamma, Igammac, IgammaGradA, Betainc) live in their
// own file; re-exported here so the compiled loops (JS backend and tf.function's fusion) see them.
export * from "./scalar-gamma.js";
