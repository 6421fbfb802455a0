// Vectorized float64 math for AVX2/FMA, 4 lanes: exp, expm1, log, log1p, sigmoid, tanh, sin,
// cos. The float64 maps of elementwise.cc used these instead of a libm call per element.
//
// Each function is a classic reduction and a Taylor polynomial long enough that its truncation
// is below 2^-60 relative on the reduced range, so what remains is the rounding of a few
// operations: within 1-2 ulp of libm (test/native-vmath-f64.test.ts measures it). NaN in gives
// NaN out, infinities and signed zeros follow libm; arguments a reduction cannot take exactly
// (|x| > 2^20 for sin and cos) go to libm lane by lane. Only included by translation units that
// call these from TF_AVX2 functions.
#pragma once

#include <cmath>

#include "common.h"

#if TF_X86

namespace tf {
namespace v4d {

TF_AVX2 TF_INLINE __m256d set1(double v) { return _mm256_set1_pd(v); }

// 1.5 2^52: adding it rounds a double below 2^51 in magnitude to an integer held in the low
// mantissa bits; the bits minus the constant's bits are that integer as an int64.
constexpr double kMagic = 6755399441055744.0;

TF_AVX2 TF_INLINE __m256i magic_int(__m256d v) {
  return _mm256_sub_epi64(_mm256_castpd_si256(v), _mm256_castpd_si256(set1(kMagic)));
}

// 2^n for integer n in [-1022, 1023] (int64 lanes): the biased exponent shifted into place.
TF_AVX2 TF_INLINE __m256d pow2i(__m256i n) {
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(n, _mm256_set1_epi64x(1023)), 52));
}

// Horner over a coefficient list, highest degree first.
template <size_t N>
TF_AVX2 TF_INLINE __m256d horner(__m256d x, const double (&c)[N]) {
  __m256d p = set1(c[0]);
  for (size_t i = 1; i < N; i++) p = _mm256_fmadd_pd(p, x, set1(c[i]));
  return p;
}

// ln 2 = kLn2A + kLn2B to 2^-106 (for exp's reduction: with FMAs n kLn2A is exact inside the
// operation and x - n kLn2A is exact, |x - n kLn2A| < 1 being a multiple of ulp(kLn2A) or ulp(x)).
constexpr double kLn2A = 0.6931471805599453;
constexpr double kLn2B = 2.3190468138462996e-17;
constexpr double kLog2e = 1.4426950408889634;

// (e^r - 1 - r) / r^2 = 1/2! + r/3! + ... + r^11/13!: truncation below 2^-57 for |r| <= ln2/2.
constexpr double kExpC[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
                            1.0 / 3628800.0,    1.0 / 362880.0,    1.0 / 40320.0,
                            1.0 / 5040.0,       1.0 / 720.0,       1.0 / 120.0,
                            1.0 / 24.0,         1.0 / 6.0,         0.5};

// (e^r - 1 - r) / r^2 to r^15/17!, for expm1's |r| < ln 2: truncation below 2^-56 there.
constexpr double kExpm1C[] = {1.0 / 355687428096000.0, 1.0 / 20922789888000.0,
                              1.0 / 1307674368000.0,   1.0 / 87178291200.0,
                              1.0 / 6227020800.0,      1.0 / 479001600.0,
                              1.0 / 39916800.0,        1.0 / 3628800.0,
                              1.0 / 362880.0,          1.0 / 40320.0,
                              1.0 / 5040.0,            1.0 / 720.0,
                              1.0 / 120.0,             1.0 / 24.0,
                              1.0 / 6.0,               0.5};

// x = n ln 2 + r; returns e^r - 1 by the polynomial C and sets *n (a double integer) and *ni
// (the same as int64). n = round(x / ln 2), or 0 where |x| < ln 2 when Small (|r| < ln 2 then).
template <bool Small, size_t N>
TF_AVX2 TF_INLINE __m256d exp_reduced(__m256d x, const double (&C)[N], __m256d* n, __m256i* ni) {
  __m256d v = _mm256_fmadd_pd(x, set1(kLog2e), set1(kMagic));
  if (Small) {
    __m256d keep = _mm256_cmp_pd(_mm256_andnot_pd(set1(-0.0), x), set1(0.6931471805599453),
                                 _CMP_GE_OQ);
    v = _mm256_blendv_pd(set1(kMagic), v, keep);
  }
  *n = _mm256_sub_pd(v, set1(kMagic));
  *ni = magic_int(v);
  __m256d r = _mm256_fnmadd_pd(*n, set1(kLn2A), x);
  r = _mm256_fnmadd_pd(*n, set1(kLn2B), r);
  return _mm256_fmadd_pd(_mm256_mul_pd(r, r), horner(r, C), r);
}

// e^x = 2^n e^r. x is clamped to [-746, 709.8] (beyond, the result is 0 or inf anyway; NaN
// passes: max/min return their second operand when one is NaN), and 2^n is applied as two
// factors 2^(n1) 2^(n - n1) that stay normal, so results in the subnormal range round once.
TF_AVX2 TF_INLINE __m256d exp(__m256d x) {
  x = _mm256_min_pd(set1(709.8), _mm256_max_pd(set1(-746.0), x));
  __m256d n;
  __m256i ni;
  __m256d q = exp_reduced<false>(x, kExpC, &n, &ni);
  __m256d p = _mm256_add_pd(q, set1(1.0));
  __m256i n1 = magic_int(_mm256_fmadd_pd(n, set1(0.5), set1(kMagic)));  // about n/2
  __m256i n2 = _mm256_sub_epi64(ni, n1);
  return _mm256_mul_pd(_mm256_mul_pd(p, pow2i(n1)), pow2i(n2));
}

// |x| below 2^-54: expm1, sin, tan, tanh, log1p all round to x (keeps -0 and subnormals).
TF_AVX2 TF_INLINE __m256d tiny(__m256d x) {
  return _mm256_cmp_pd(_mm256_andnot_pd(set1(-0.0), x), set1(5.551115123125783e-17), _CMP_LT_OQ);
}

// e^x - 1 = 2^n (e^r - 1) + (2^n - 1), one rounding (FMA) after the exact 2^n - 1 (n <= 53):
// n = 0 for |x| < ln 2 (no cancellation), and for |x| >= ln 2 the sum is at least 1/2, so the
// error of e^r - 1 is not magnified.
// Below -45 the result is -1 in double (x is clamped there); above 700 e^x - 1 = e^x, taken from
// exp (2^n would overflow the single factor), computed only when a lane needs it.
TF_AVX2 TF_INLINE __m256d expm1(__m256d x) {
  __m256d xc = _mm256_min_pd(set1(700.0), _mm256_max_pd(set1(-45.0), x));
  __m256d n;
  __m256i ni;
  __m256d q = exp_reduced<true>(xc, kExpm1C, &n, &ni);
  __m256d s = pow2i(ni);
  __m256d r = _mm256_fmadd_pd(s, q, _mm256_sub_pd(s, set1(1.0)));
  r = _mm256_blendv_pd(r, x, tiny(x));
  __m256d big = _mm256_cmp_pd(x, set1(700.0), _CMP_GT_OQ);
  if (_mm256_movemask_pd(big) != 0) r = _mm256_blendv_pd(r, exp(x), big);
  return r;
}

// ln 2 = kLn2Hi + kLn2Lo with kLn2Hi's low 32 bits zero: e kLn2Hi is exact for |e| < 2^21.
constexpr double kLn2Hi = 0.6931467056274414;
constexpr double kLn2Lo = 4.7493250390316726e-07;

// R(z) = 2/3 + 2/5 z + ... + 2/25 z^11 (the atanh series of log(1+f) = 2 atanh s, s = f/(2+f),
// z = s^2 <= 0.0295: truncation below 2^-62 relative).
constexpr double kLogC[] = {2.0 / 25, 2.0 / 23, 2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15,
                            2.0 / 13, 2.0 / 11, 2.0 / 9,  2.0 / 7,  2.0 / 5,  2.0 / 3};

// log x = e ln 2 + log(1 + f) with x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)); log(1 + f) =
// f - (hf - s (hf + z R(z))) with hf = f^2/2 (exact algebra, s = f/(2+f)): the big term f is
// exact and the correction small. Subnormal x is scaled by 2^52 first. x < 0 gives NaN, 0 gives
// -inf, +inf and NaN give themselves.
TF_AVX2 TF_INLINE __m256d log(__m256d x) {
  const __m256d zero = _mm256_setzero_pd();
  __m256d invalid = _mm256_cmp_pd(x, zero, _CMP_LT_OQ);
  __m256d isZero = _mm256_cmp_pd(x, zero, _CMP_EQ_OQ);
  __m256d special = _mm256_cmp_pd(x, set1(1.7976931348623157e308), _CMP_NLE_UQ);  // inf, NaN
  __m256d sub = _mm256_cmp_pd(x, set1(2.2250738585072014e-308), _CMP_LT_OQ);
  __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, set1(4503599627370496.0)), sub);
  __m256i bits = _mm256_castpd_si256(xs);
  // The biased exponent as a double: its bits put under 2^52's, minus 2^52.
  __m256d eb = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52),
                                          _mm256_castpd_si256(set1(4503599627370496.0)))),
      set1(4503599627370496.0));
  __m256d e = _mm256_sub_pd(eb, _mm256_add_pd(set1(1022.0), _mm256_and_pd(sub, set1(52.0))));
  // Mantissa in [0.5, 1); below sqrt(1/2) doubled (and e - 1), so 1 + f in [sqrt(1/2), sqrt(2)).
  __m256d m = _mm256_castsi256_pd(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffffLL)),
                      _mm256_castpd_si256(set1(0.5))));
  __m256d lt = _mm256_cmp_pd(m, set1(0.7071067811865476), _CMP_LT_OQ);
  m = _mm256_add_pd(m, _mm256_and_pd(lt, m));
  e = _mm256_sub_pd(e, _mm256_and_pd(lt, set1(1.0)));
  __m256d f = _mm256_sub_pd(m, set1(1.0));
  __m256d s = _mm256_div_pd(f, _mm256_add_pd(set1(2.0), f));
  __m256d z = _mm256_mul_pd(s, s);
  __m256d R = _mm256_mul_pd(z, horner(z, kLogC));
  __m256d hf = _mm256_mul_pd(_mm256_mul_pd(set1(0.5), f), f);
  // log = e ln2hi + (f - (hf - (s (hf + R) + e ln2lo)))
  __m256d c = _mm256_fmadd_pd(s, _mm256_add_pd(hf, R), _mm256_mul_pd(e, set1(kLn2Lo)));
  __m256d r = _mm256_sub_pd(f, _mm256_sub_pd(hf, c));
  r = _mm256_fmadd_pd(e, set1(kLn2Hi), r);
  r = _mm256_blendv_pd(r, x, special);
  r = _mm256_blendv_pd(r, set1(-HUGE_VAL), isZero);
  return _mm256_blendv_pd(r, set1(std::nan("")), invalid);
}

// log(1 + u) = log w + err / w with w = 1 + u rounded and err = (1 + u) - w exactly (Fast2Sum,
// the larger of 1 and u first): log is taken of a double it represents exactly, the rounding of
// w enters to first order. u = inf gives inf, u = -1 -inf, u < -1 NaN; tiny u gives u.
TF_AVX2 TF_INLINE __m256d log1p(__m256d u) {
  __m256d w = _mm256_add_pd(u, set1(1.0));
  __m256d uBig = _mm256_cmp_pd(_mm256_andnot_pd(set1(-0.0), u), set1(1.0), _CMP_GT_OQ);
  __m256d errSmall = _mm256_sub_pd(u, _mm256_sub_pd(w, set1(1.0)));
  __m256d errBig = _mm256_sub_pd(set1(1.0), _mm256_sub_pd(w, u));
  __m256d err = _mm256_blendv_pd(errSmall, errBig, uBig);
  __m256d lw = log(w);
  __m256d r = _mm256_add_pd(lw, _mm256_div_pd(err, w));
  // w = inf (u = inf) or w = 0 (u = -1): log w itself, inf or -inf (err/w would be NaN).
  __m256d edge = _mm256_or_pd(_mm256_cmp_pd(w, set1(HUGE_VAL), _CMP_EQ_OQ),
                              _mm256_cmp_pd(w, _mm256_setzero_pd(), _CMP_EQ_OQ));
  r = _mm256_blendv_pd(r, lw, edge);
  return _mm256_blendv_pd(r, u, tiny(u));
}

// sigma(x) = 1/(1 + e) for x >= 0 and e/(1 + e) for x < 0, e = e^-|x| in (0, 1].
TF_AVX2 TF_INLINE __m256d sigmoid(__m256d x) {
  __m256d e = exp(_mm256_or_pd(x, set1(-0.0)));
  __m256d neg = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
  __m256d num = _mm256_blendv_pd(set1(1.0), e, neg);
  return _mm256_div_pd(num, _mm256_add_pd(set1(1.0), e));
}

// tanh x = sign(x) t/(t + 2), t = expm1(2|x|): no cancellation near 0. |x| is capped at 20,
// where tanh rounds to 1 in double; NaN stays NaN (min's second operand), -0 gives -0.
TF_AVX2 TF_INLINE __m256d tanh(__m256d x) {
  __m256d sign = _mm256_and_pd(x, set1(-0.0));
  __m256d ax = _mm256_min_pd(set1(20.0), _mm256_andnot_pd(set1(-0.0), x));
  __m256d t = expm1(_mm256_add_pd(ax, ax));
  // d + dl = t + 2 exactly (Fast2Sum, 2 >= t where it matters), q = t/d rounded, and one
  // correction step (t - q d - q dl)/d with the division's exact remainder (FMA): only t's own
  // error remains, not the rounding of the denominator nor of the quotient.
  __m256d d = _mm256_add_pd(t, set1(2.0));
  __m256d dl = _mm256_add_pd(_mm256_sub_pd(set1(2.0), d), t);
  __m256d q = _mm256_div_pd(t, d);
  __m256d rem = _mm256_fnmadd_pd(q, dl, _mm256_fnmadd_pd(q, d, t));
  __m256d r = _mm256_add_pd(q, _mm256_div_pd(rem, d));
  // t = inf cannot happen (|x| <= 20); t NaN keeps NaN through every step.
  return _mm256_or_pd(r, sign);
}

// ---- sin, cos -------------------------------------------------------------------------------

// pi/2 = kPio2A + kPio2B + kPio2C to 2^-160: x - q kPio2A is exact (FMA, |result| < 2 a multiple
// of ulp(kPio2A) or ulp(x)) and the next two steps round once each, so r is within about an ulp
// of itself for q < 2^20.
constexpr double kPio2A = 1.5707963267948966;
constexpr double kPio2B = 6.123233995736766e-17;
constexpr double kPio2C = -1.4973849048591698e-33;

// (r - sin r)/r^3 = 1/3! - z/5! + ... - z^7/17! (z = r^2 <= (pi/4)^2: truncation < 2^-62).
constexpr double kSinC[] = {-1.0 / 355687428096000.0, 1.0 / 1307674368000.0,
                            -1.0 / 6227020800.0,      1.0 / 39916800.0,
                            -1.0 / 362880.0,          1.0 / 5040.0,
                            -1.0 / 120.0,             1.0 / 6.0};
// (cos r - 1 + z/2)/z^2 = 1/4! - z/6! + ... + z^6/16! (truncation < 2^-57 relative).
constexpr double kCosC[] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                            -1.0 / 3628800.0,       1.0 / 40320.0,        -1.0 / 720.0,
                            1.0 / 24.0};

// Lanes the reduction cannot take: |x| > 2^20, infinities, NaN (libm for those).
TF_AVX2 TF_INLINE __m256d trig_outside(__m256d x) {
  return _mm256_cmp_pd(_mm256_andnot_pd(set1(-0.0), x), set1(1048576.0), _CMP_NLE_UQ);
}

template <double (*F)(double)>
__attribute__((noinline)) TF_AVX2 inline __m256d fix_lanes(__m256d x, __m256d r, int m) {
  alignas(32) double xs[4], rs[4];
  _mm256_store_pd(xs, x);
  _mm256_store_pd(rs, r);
  for (int i = 0; i < 4; i++)
    if (m & (1 << i)) rs[i] = F(xs[i]);
  return _mm256_load_pd(rs);
}

// sin(r + q pi/2): the sine polynomial for even q, the cosine one for odd q, negated when bit 1
// of q is set. q0 adds a quarter turn (1 for cos).
TF_AVX2 TF_INLINE __m256d sincos_core(__m256d x, int q0) {
  __m256d v = _mm256_fmadd_pd(x, set1(0.6366197723675814), set1(kMagic));
  __m256d q = _mm256_sub_pd(v, set1(kMagic));
  __m256i qi = _mm256_add_epi64(_mm256_castpd_si256(v), _mm256_set1_epi64x(q0));
  __m256d r = _mm256_fnmadd_pd(q, set1(kPio2A), x);
  r = _mm256_fnmadd_pd(q, set1(kPio2B), r);
  r = _mm256_fnmadd_pd(q, set1(kPio2C), r);
  __m256d z = _mm256_mul_pd(r, r);
  // sin r = r - r z S(z).
  __m256d S = horner(z, kSinC);
  __m256d sn = _mm256_fnmadd_pd(_mm256_mul_pd(r, z), S, r);
  // cos r = w + ((1 - w) - z/2) + z^2 C(z), w = 1 - z/2 (the parenthesis recovers w's rounding).
  __m256d hz = _mm256_mul_pd(set1(0.5), z);
  __m256d w = _mm256_sub_pd(set1(1.0), hz);
  __m256d cs = _mm256_add_pd(
      w, _mm256_fmadd_pd(_mm256_mul_pd(z, z), horner(z, kCosC),
                         _mm256_sub_pd(_mm256_sub_pd(set1(1.0), w), hz)));
  const __m256i one = _mm256_set1_epi64x(1);
  __m256d odd = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(qi, one), one));
  __m256d y = _mm256_blendv_pd(sn, cs, odd);
  __m256d neg = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_and_si256(qi, _mm256_set1_epi64x(2)), 62));
  return _mm256_xor_pd(y, neg);
}

TF_AVX2 TF_INLINE double sin_d(double v) { return std::sin(v); }
TF_AVX2 TF_INLINE double cos_d(double v) { return std::cos(v); }

TF_AVX2 TF_INLINE __m256d sin(__m256d x) {
  __m256d r = _mm256_blendv_pd(sincos_core(x, 0), x, tiny(x));
  int m = _mm256_movemask_pd(trig_outside(x));
  return m == 0 ? r : fix_lanes<&sin_d>(x, r, m);
}

TF_AVX2 TF_INLINE __m256d cos(__m256d x) {
  __m256d r = sincos_core(x, 1);
  int m = _mm256_movemask_pd(trig_outside(x));
  return m == 0 ? r : fix_lanes<&cos_d>(x, r, m);
}

}  // namespace v4d
}  // namespace tf

#endif
