// Vectorized float32 math for AVX2/FMA: exp, expm1, log, log1p, sigmoid, tanh, softplus, sin,
// cos, tan, asin, acos, atan, sinh, cosh, erf.
//
// The polynomials are Cephes' single-precision ones (about 1 ulp over their ranges); every
// function keeps IEEE special cases: NaN in gives NaN out, overflow gives +inf, underflow 0.
// Only included by translation units that call these from TF_AVX2 functions.
#pragma once

#include <cmath>

#include "common.h"

#if TF_X86

namespace tf {
namespace v8f {

TF_AVX2 TF_INLINE __m256 set1(float v) { return _mm256_set1_ps(v); }

// e^x = 2^n * e^r with n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 split in a
// high part exact in float and a low correction), e^r by a degree-7 polynomial. 2^n is applied
// as two factors 2^(n/2) 2^(n - n/2) so that n in [-150, 128] neither overflows the exponent
// field early nor skips the gradual underflow into subnormals.
TF_AVX2 TF_INLINE __m256 exp(__m256 x) {
  // max/min with x second: a NaN x passes through (the instructions return the second operand
  // when either is NaN).
  x = _mm256_max_ps(set1(-104.0f), x);
  x = _mm256_min_ps(set1(88.8f), x);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  __m256 p = set1(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, set1(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, set1(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, set1(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, set1(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, set1(5.0000001201E-1f));
  __m256 r2 = _mm256_mul_ps(r, r);
  p = _mm256_fmadd_ps(p, r2, r);
  p = _mm256_add_ps(p, set1(1.0f));
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  __m256i bias = _mm256_set1_epi32(127);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// e^(h + l) for a sum given as two floats, |l| below a few units (the low part of an argument
// formed in extended precision): n = round((h + l) / ln 2) from the rounded sum, r = (h - n ln2)
// + l with the exact Cody-Waite step on h first, so the rounding of h + l never enters r. As
// exp above for the range: h + l clamped to [-104, 88.8], 2^n in two factors (subnormal results).
// NaN h gives NaN.
TF_AVX2 TF_INLINE __m256 exp_hl(__m256 h, __m256 l) {
  __m256 y = _mm256_add_ps(h, l);
  y = _mm256_min_ps(set1(88.8f), _mm256_max_ps(set1(-104.0f), y));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(y, set1(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), h);
  r = _mm256_add_ps(r, l);
  r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  // Clamped lanes: r may be far from 0 there; pin it so the polynomial stays finite (the
  // scaling then gives inf or 0 as exp does; NaN passes through the min/max above).
  r = _mm256_min_ps(set1(1.0f), _mm256_max_ps(set1(-1.0f), r));
  __m256 p = set1(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, set1(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, set1(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, set1(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, set1(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, set1(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, set1(1.0f));
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  __m256i bias = _mm256_set1_epi32(127);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// e^x - 1 without cancellation near 0: the Taylor series to x^11/11! for |x| < 1 (its
// remainder is below 3e-9 relative there), e^x - 1 elsewhere (no cancellation when |x| >= 1).
TF_AVX2 TF_INLINE __m256 expm1(__m256 x) {
  __m256 p = set1(1.0f / 39916800.0f);
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 3628800.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 362880.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 40320.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 5040.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, x, set1(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, x, set1(0.5f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x);
  __m256 big = _mm256_sub_ps(exp(x), set1(1.0f));
  __m256 ax = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 small = _mm256_cmp_ps(ax, set1(1.0f), _CMP_LT_OQ);
  // Below 2^-25 expm1 x rounds to x: taking x keeps -0 (the polynomial gives +0 there).
  __m256 tinyX = _mm256_cmp_ps(ax, set1(2.98023224e-8f), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_blendv_ps(big, p, small), x, tinyX);
}

// log x = e ln 2 + log m with x = 2^e m, m in [sqrt(1/2), sqrt(2)); log(1 + f), f = m - 1,
// by Cephes' degree-9 polynomial. Subnormals are scaled by 2^23 first.
TF_AVX2 TF_INLINE __m256 log(__m256 x) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 invalid = _mm256_cmp_ps(x, zero, _CMP_LT_OQ);  // x < 0: NaN
  __m256 isZero = _mm256_cmp_ps(x, zero, _CMP_EQ_OQ);   // 0: -inf
  __m256 special = _mm256_cmp_ps(x, set1(3.40282347e38f), _CMP_NLE_UQ);  // inf or NaN: x
  __m256 sub = _mm256_cmp_ps(x, set1(1.17549435e-38f), _CMP_LT_OQ);
  __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, set1(8388608.0f)), sub);
  __m256 eadj = _mm256_and_ps(sub, set1(23.0f));
  __m256i xi = _mm256_castps_si256(xs);
  __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(xi, 23), _mm256_set1_epi32(126));
  // Mantissa in [0.5, 1).
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
      _mm256_and_si256(xi, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
  __m256 e = _mm256_sub_ps(_mm256_cvtepi32_ps(ei), eadj);
  __m256 lt = _mm256_cmp_ps(m, set1(0.707106781186547524f), _CMP_LT_OQ);
  // m < sqrt(1/2): use 2m - 1 and e - 1, so f stays in [sqrt(1/2) - 1, sqrt(2) - 1).
  __m256 f = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(lt, m)), set1(1.0f));
  e = _mm256_sub_ps(e, _mm256_and_ps(lt, set1(1.0f)));
  __m256 z = _mm256_mul_ps(f, f);
  __m256 y = set1(7.0376836292E-2f);
  y = _mm256_fmadd_ps(y, f, set1(-1.1514610310E-1f));
  y = _mm256_fmadd_ps(y, f, set1(1.1676998740E-1f));
  y = _mm256_fmadd_ps(y, f, set1(-1.2420140846E-1f));
  y = _mm256_fmadd_ps(y, f, set1(1.4249322787E-1f));
  y = _mm256_fmadd_ps(y, f, set1(-1.6668057665E-1f));
  y = _mm256_fmadd_ps(y, f, set1(2.0000714765E-1f));
  y = _mm256_fmadd_ps(y, f, set1(-2.4999993993E-1f));
  y = _mm256_fmadd_ps(y, f, set1(3.3333331174E-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, f), z);
  y = _mm256_fmadd_ps(e, set1(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(z, set1(0.5f), y);
  __m256 r = _mm256_add_ps(f, y);
  r = _mm256_fmadd_ps(e, set1(0.693359375f), r);
  r = _mm256_blendv_ps(r, x, special);
  r = _mm256_blendv_ps(r, set1(-__builtin_inff()), isZero);
  r = _mm256_blendv_ps(r, set1(__builtin_nanf("")), invalid);
  return r;
}

// log(1 + u) = log(w) * u / (w - 1) with w = 1 + u rounded: the factor corrects the rounding
// of w (Goldberg's trick), exact to about 1 ulp; u itself when w rounds to 1.
TF_AVX2 TF_INLINE __m256 log1p(__m256 u) {
  __m256 w = _mm256_add_ps(u, set1(1.0f));
  __m256 d = _mm256_sub_ps(w, set1(1.0f));
  __m256 r = _mm256_mul_ps(log(w), _mm256_div_ps(u, d));
  __m256 one = _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_EQ_OQ);
  // w = inf (u = inf) gives inf * inf/inf: take log(w).
  __m256 inf = _mm256_cmp_ps(w, set1(__builtin_inff()), _CMP_EQ_OQ);
  r = _mm256_blendv_ps(r, u, one);
  return _mm256_blendv_ps(r, w, inf);
}

// sigma(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0: with e = e^-|x| in
// (0, 1] nothing overflows, and the far negative tail keeps its subnormal values.
TF_AVX2 TF_INLINE __m256 sigmoid(__m256 x) {
  __m256 e = exp(_mm256_or_ps(x, set1(-0.0f)));  // e^-|x|
  __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  __m256 num = _mm256_blendv_ps(set1(1.0f), e, neg);
  return _mm256_div_ps(num, _mm256_add_ps(set1(1.0f), e));
}

// tanh x = sign(x) t'/(t' + 1), t' = expm1(2|x|)/2 = 2^n (e^r - 1)/2 + (2^n - 1)/2: one
// exponential reduction (magic-number rounding, n in the low mantissa bits), carried out at half
// scale (every quantity of the full-scale reduction times 1/2, a power of two, so nothing rounds
// differently and y = 2|x| needs no addition):
//   n = round(|x| 2/ln 2), h = r/2 = |x| - n (ln 2)/2 (one FMA with ln 2 rounded to float: its
//   error n 1.9e-9 moves tanh by under 0.1 ulp, the error damped by 2/(t + 2) where n is large),
//   (e^r - 1)/2 = h + h^2 P(h), P(h) = 2 p(2h): p a degree-4 minimax fit (fixed leading 1/2,
//   weighted toward small positive r) of (e^r - 1 - r)/r^2 on |r| <= 0.3467, 0.25 ulp.
// n = 0 (|x| < ln2/4) keeps full relative accuracy near 0, and tiny or subnormal x give x; for
// n >= 1 the sum is at least 1/4 and (2^n - 1)/2 is exact. Within 2 ulp of tanh rounded to
// float on every float (checked exhaustively). |x| is capped at 10 (tanh rounds to 1 beyond 9.01);
// min(10, |x|) keeps a NaN |x| (the second operand), -0 gives -0.
TF_AVX2 TF_INLINE __m256 tanh(__m256 x) {
  __m256 signbit = _mm256_and_ps(x, set1(-0.0f));
  __m256 y = _mm256_min_ps(set1(10.0f), _mm256_andnot_ps(set1(-0.0f), x));
  __m256 v = _mm256_fmadd_ps(y, set1(2.88539008177792682f), set1(12582912.0f));
  __m256 n = _mm256_sub_ps(v, set1(12582912.0f));
  __m256 h = _mm256_fnmadd_ps(n, set1(0.3465735912322998046875f), y);
  __m256 p = set1(0.00138926692f * 32.0f);
  p = _mm256_fmadd_ps(p, h, set1(0.00836455449f * 16.0f));
  p = _mm256_fmadd_ps(p, h, set1(0.0416669101f * 8.0f));
  p = _mm256_fmadd_ps(p, h, set1(0.166665643f * 4.0f));
  p = _mm256_fmadd_ps(p, h, set1(1.0f));
  __m256 q = _mm256_fmadd_ps(p, _mm256_mul_ps(h, h), h);  // (e^r - 1)/2
  // 2^n and 2^(n-1): n (0..29) added to the exponent fields of 1.0 and 0.5.
  __m256i e = _mm256_slli_epi32(_mm256_castps_si256(v), 23);
  __m256 sc = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(set1(1.0f))));
  __m256 half = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(set1(0.5f))));
  __m256 t = _mm256_fmadd_ps(sc, q, _mm256_sub_ps(half, set1(0.5f)));
  __m256 res = _mm256_div_ps(t, _mm256_add_ps(t, set1(1.0f)));
  return _mm256_or_ps(res, signbit);
}

// softplus x = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x.
TF_AVX2 TF_INLINE __m256 softplus(__m256 x) {
  __m256 ax = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 l = log1p(exp(_mm256_xor_ps(ax, set1(-0.0f))));
  // max(0, x) with x second keeps a NaN x.
  return _mm256_add_ps(_mm256_max_ps(_mm256_setzero_ps(), x), l);
}

// ---- trigonometric ----------------------------------------------------------------------------

// Lanes where the vector formulas below do not apply: |x| > 2^20 (the quadrant count would
// need more than the double reduction's exact range), infinities and NaN. Those lanes are
// recomputed with libm in double (rare in practice; the rest of the vector keeps its values).
TF_AVX2 TF_INLINE __m256 trig_outside(__m256 x) {
  __m256 ax = _mm256_andnot_ps(set1(-0.0f), x);
  return _mm256_cmp_ps(ax, set1(1048576.0f), _CMP_NLE_UQ);  // true for NaN too
}

template <double (*F)(double)>
TF_AVX2 TF_INLINE __m256 fix_lanes(__m256 x, __m256 r, __m256 mask) {
  int m = _mm256_movemask_ps(mask);
  if (m == 0) return r;
  alignas(32) float xs[8], rs[8];
  _mm256_store_ps(xs, x);
  _mm256_store_ps(rs, r);
  for (int i = 0; i < 8; i++)
    if (m & (1 << i)) rs[i] = static_cast<float>(F(static_cast<double>(xs[i])));
  return _mm256_load_ps(rs);
}

// x = j pi/2 + r with j = round(x 2/pi) and |r| <= pi/4, computed in double: pi/2 is split in
// two doubles (P1 + P2 = pi/2 to 2^-106), and the fused multiply-subtracts make r exact to
// about 2^-52 relative for |x| <= 2^20 (float arguments come no closer to a multiple of pi/2
// than about 2^-30 there), so r rounded to float is within half an ulp. Returns r; q = j.
TF_AVX2 TF_INLINE __m256 reduce_pio2(__m256 x, __m256i* q) {
  const __m256d inv = _mm256_set1_pd(0.63661977236758134308);
  const __m256d p1 = _mm256_set1_pd(1.5707963267948966);
  const __m256d p2 = _mm256_set1_pd(6.123233995736766e-17);
  __m256d xl = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
  __m256d xh = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
  __m256d jl = _mm256_round_pd(_mm256_mul_pd(xl, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d jh = _mm256_round_pd(_mm256_mul_pd(xh, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d rl = _mm256_fnmadd_pd(jl, p2, _mm256_fnmadd_pd(jl, p1, xl));
  __m256d rh = _mm256_fnmadd_pd(jh, p2, _mm256_fnmadd_pd(jh, p1, xh));
  __m128i ql = _mm256_cvtpd_epi32(jl), qh = _mm256_cvtpd_epi32(jh);
  *q = _mm256_insertf128_si256(_mm256_castsi128_si256(ql), qh, 1);
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(rl)), _mm256_cvtpd_ps(rh), 1);
}

// sin(r + q pi/2) for |r| <= pi/4: Cephes' sinf and cosf polynomials (about 1 ulp there),
// the cosine one for odd q, negated when bit 1 of q is set.
TF_AVX2 TF_INLINE __m256 sin_quadrant(__m256 r, __m256i q) {
  __m256 z = _mm256_mul_ps(r, r);
  __m256 s = _mm256_fmadd_ps(set1(-1.9515295891E-4f), z, set1(8.3321608736E-3f));
  s = _mm256_fmadd_ps(s, z, set1(-1.6666654611E-1f));
  s = _mm256_fmadd_ps(_mm256_mul_ps(s, z), r, r);
  __m256 c = _mm256_fmadd_ps(set1(2.443315711809948E-5f), z, set1(-1.388731625493765E-3f));
  c = _mm256_fmadd_ps(c, z, set1(4.166664568298827E-2f));
  c = _mm256_mul_ps(_mm256_mul_ps(c, z), z);
  c = _mm256_add_ps(_mm256_fnmadd_ps(set1(0.5f), z, c), set1(1.0f));
  const __m256i one = _mm256_set1_epi32(1);
  __m256 odd = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(q, one), one));
  __m256 v = _mm256_blendv_ps(s, c, odd);
  __m256 neg = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(q, _mm256_set1_epi32(2)), 30));
  return _mm256_xor_ps(v, neg);
}

// |x| below 2^-12: sin x and tan x round to x in float (keeps -0 and subnormals exact).
TF_AVX2 TF_INLINE __m256 tiny(__m256 x) {
  return _mm256_cmp_ps(_mm256_andnot_ps(set1(-0.0f), x), set1(2.44140625e-4f), _CMP_LT_OQ);
}

TF_AVX2 TF_INLINE double sin_d(double v) { return std::sin(v); }
TF_AVX2 TF_INLINE double cos_d(double v) { return std::cos(v); }
TF_AVX2 TF_INLINE double tan_d(double v) { return std::tan(v); }

// The slow path of sin and cos for |x| > kTrigFast (up to 2^20, libm beyond): the double
// reduction above and the quadrant polynomials. Out of line: rare, and kept out of the loops.
__attribute__((noinline)) TF_AVX2 inline __m256 sin_slow(__m256 x) {
  __m256i q;
  __m256 r = reduce_pio2(x, &q);  // sets q: a statement of its own, before q is read
  r = sin_quadrant(r, q);
  return fix_lanes<&sin_d>(x, r, trig_outside(x));
}
__attribute__((noinline)) TF_AVX2 inline __m256 cos_slow(__m256 x) {
  __m256i q;
  __m256 r = reduce_pio2(x, &q);
  r = sin_quadrant(r, _mm256_add_epi32(q, _mm256_set1_epi32(1)));
  return fix_lanes<&cos_d>(x, r, trig_outside(x));
}

// The fast path of sin and cos works in float alone for |x| <= kTrigFast. x = q c + d with c =
// pi (sin) or pi/2 (cos, q odd), c split in three floats C1 + C2 + C3 (c to 2^-72 relative).
// With FMAs, x - q C1 is exact (q < 2^22, |x - q C1| < 2 is a multiple of ulp(C1) or of
// ulp(x)); the next two steps round once each, so d is within about 1 ulp of its value, and the
// neglected q (c - C1 - C2 - C3) stays below 2^-50 for |x| <= 2^15 (a float that near a
// multiple of pi has |d| > 2^-30 there). Lanes above go to the slow path, lane by lane, so a
// lane's result never depends on its neighbours.
constexpr float kTrigFast = 32768.0f;
constexpr float kPiA = 3.1415927410125732f, kPiB = -8.742277657347586e-08f,
                kPiC = -3.4302490200117637e-15f;
constexpr float kPio2A = 1.5707963705062866f, kPio2B = -4.371138828673793e-08f,
                kPio2C = -1.7151245100058819e-15f;
// 1.5 2^23: adding it rounds a float below 2^22 in magnitude to an integer held in the low
// mantissa bits (bit 0 is the parity), subtracting it gives the integer as a float.
constexpr float kRoundMagic = 12582912.0f;

// sin d for |d| <= pi/2 (a little beyond after the reduction's rounding): d + d^3 u(d^2), u a
// degree-3 polynomial fitted to relative error 6e-9 of sin d (0.1 ulp) on [0, pi/2]; the
// final FMA rounds d + (d^3) u once.
TF_AVX2 TF_INLINE __m256 sin_pi2(__m256 d) {
  __m256 s = _mm256_mul_ps(d, d);
  __m256 u = _mm256_fmadd_ps(set1(2.6057809918711428e-06f), s, set1(-1.9809603691101074e-04f));
  u = _mm256_fmadd_ps(u, s, set1(8.33306647837162e-03f));
  u = _mm256_fmadd_ps(u, s, set1(-1.6666659712791443e-01f));
  return _mm256_fmadd_ps(_mm256_mul_ps(d, s), u, d);
}

// Lanes for the slow path: |x| > kTrigFast, infinities and NaN.
TF_AVX2 TF_INLINE __m256 trig_slow_lanes(__m256 x) {
  return _mm256_cmp_ps(_mm256_andnot_ps(set1(-0.0f), x), set1(kTrigFast), _CMP_NLE_UQ);
}

// sin x = (-1)^q sin d, x = q pi + d.
TF_AVX2 TF_INLINE __m256 sin(__m256 x) {
  __m256 v = _mm256_fmadd_ps(x, set1(0.31830987334251404f), set1(kRoundMagic));
  __m256 q = _mm256_sub_ps(v, set1(kRoundMagic));
  __m256 d = _mm256_fnmadd_ps(q, set1(kPiA), x);
  d = _mm256_fnmadd_ps(q, set1(kPiB), d);
  d = _mm256_fnmadd_ps(q, set1(kPiC), d);
  __m256 odd = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(v), 31));
  __m256 r = _mm256_xor_ps(sin_pi2(d), odd);
  r = _mm256_blendv_ps(r, x, tiny(x));  // keeps -0 (q = 0 turns d = -0 into +0)
  __m256 slow = trig_slow_lanes(x);
  if (_mm256_movemask_ps(slow) == 0) return r;
  return _mm256_blendv_ps(r, sin_slow(x), slow);
}

// cos x = (-1)^(m + 1) sin d, x = (2m + 1) pi/2 + d.
TF_AVX2 TF_INLINE __m256 cos(__m256 x) {
  __m256 t = _mm256_fmadd_ps(x, set1(0.31830987334251404f), set1(-0.5f));
  __m256 v = _mm256_add_ps(t, set1(kRoundMagic));
  __m256 m = _mm256_sub_ps(v, set1(kRoundMagic));
  __m256 q = _mm256_fmadd_ps(m, set1(2.0f), set1(1.0f));  // exact: |m| < 2^15
  __m256 d = _mm256_fnmadd_ps(q, set1(kPio2A), x);
  d = _mm256_fnmadd_ps(q, set1(kPio2B), d);
  d = _mm256_fnmadd_ps(q, set1(kPio2C), d);
  // m even: negate (bit 0 of v is m's parity).
  __m256 even = _mm256_castsi256_ps(_mm256_slli_epi32(
      _mm256_andnot_si256(_mm256_castps_si256(v), _mm256_set1_epi32(1)), 31));
  __m256 r = _mm256_xor_ps(sin_pi2(d), even);
  __m256 slow = trig_slow_lanes(x);
  if (_mm256_movemask_ps(slow) == 0) return r;
  return _mm256_blendv_ps(r, cos_slow(x), slow);
}

// tan(r + q pi/2) = tan r for even q, -1/tan r for odd q; tan r by Cephes' tanf polynomial.
TF_AVX2 TF_INLINE __m256 tan(__m256 x) {
  __m256i q;
  __m256 r = reduce_pio2(x, &q);
  __m256 z = _mm256_mul_ps(r, r);
  __m256 p = _mm256_fmadd_ps(set1(9.38540185543E-3f), z, set1(3.11992232697E-3f));
  p = _mm256_fmadd_ps(p, z, set1(2.44301354525E-2f));
  p = _mm256_fmadd_ps(p, z, set1(5.34112807005E-2f));
  p = _mm256_fmadd_ps(p, z, set1(1.33387994085E-1f));
  p = _mm256_fmadd_ps(p, z, set1(3.33331568548E-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, z), r, r);
  const __m256i one = _mm256_set1_epi32(1);
  __m256 odd = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(q, one), one));
  __m256 y = _mm256_blendv_ps(p, _mm256_div_ps(set1(-1.0f), p), odd);
  y = _mm256_blendv_ps(y, x, tiny(x));
  return fix_lanes<&tan_d>(x, y, trig_outside(x));
}

// pi/2 as a float plus the float nearest the rest: adding the two parts separately keeps the
// constant's own rounding (half an ulp of pi/2) out of results near pi/2 and pi.
constexpr float kPio2Hi = 1.57079637050628662109375f;
constexpr float kPio2Lo = -4.37113900018624283e-8f;

// atan: Cephes' atanf. |x| > tan(3pi/8): pi/2 + atan(-1/|x|); |x| > tan(pi/8): pi/4 +
// atan((|x| - 1)/(|x| + 1)); then a degree-9 odd polynomial on |t| <= tan(pi/8).
TF_AVX2 TF_INLINE __m256 atan(__m256 x) {
  __m256 sign = _mm256_and_ps(x, set1(-0.0f));
  __m256 a = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 big = _mm256_cmp_ps(a, set1(2.414213562373095f), _CMP_GT_OQ);
  __m256 mid = _mm256_andnot_ps(big, _mm256_cmp_ps(a, set1(0.4142135623730950f), _CMP_GT_OQ));
  __m256 t = _mm256_blendv_ps(a, _mm256_div_ps(set1(-1.0f), a), big);
  t = _mm256_blendv_ps(
      t, _mm256_div_ps(_mm256_sub_ps(a, set1(1.0f)), _mm256_add_ps(a, set1(1.0f))), mid);
  __m256 hi = _mm256_or_ps(_mm256_and_ps(big, set1(kPio2Hi)),
                           _mm256_and_ps(mid, set1(0.5f * kPio2Hi)));
  __m256 lo = _mm256_or_ps(_mm256_and_ps(big, set1(kPio2Lo)),
                           _mm256_and_ps(mid, set1(0.5f * kPio2Lo)));
  __m256 z = _mm256_mul_ps(t, t);
  __m256 p = _mm256_fmadd_ps(set1(8.05374449538e-2f), z, set1(-1.38776856032E-1f));
  p = _mm256_fmadd_ps(p, z, set1(1.99777106478E-1f));
  p = _mm256_fmadd_ps(p, z, set1(-3.33329491539E-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, z), t, t);
  __m256 y = _mm256_add_ps(hi, _mm256_add_ps(p, lo));
  return _mm256_or_ps(y, sign);
}

// asin of |t| <= 1/2 by Cephes' asinf polynomial in z = t^2.
TF_AVX2 TF_INLINE __m256 asin_small(__m256 t, __m256 z) {
  __m256 p = _mm256_fmadd_ps(set1(4.2163199048E-2f), z, set1(2.4181311049E-2f));
  p = _mm256_fmadd_ps(p, z, set1(4.5470025998E-2f));
  p = _mm256_fmadd_ps(p, z, set1(7.4953002686E-2f));
  p = _mm256_fmadd_ps(p, z, set1(1.6666752422E-1f));
  return _mm256_fmadd_ps(_mm256_mul_ps(p, z), t, t);
}

// asin: |x| <= 1/2 directly; above, asin |x| = pi/2 - 2 asin(sqrt((1 - |x|)/2)). |x| > 1 takes
// the square root of a negative number: NaN, as is a NaN x.
TF_AVX2 TF_INLINE __m256 asin(__m256 x) {
  __m256 sign = _mm256_and_ps(x, set1(-0.0f));
  __m256 a = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 big = _mm256_cmp_ps(a, set1(0.5f), _CMP_GT_OQ);
  __m256 zb = _mm256_mul_ps(set1(0.5f), _mm256_sub_ps(set1(1.0f), a));
  __m256 t = _mm256_blendv_ps(a, _mm256_sqrt_ps(zb), big);
  __m256 z = _mm256_blendv_ps(_mm256_mul_ps(a, a), zb, big);
  __m256 p = asin_small(t, z);
  __m256 pb = _mm256_add_ps(_mm256_fnmadd_ps(set1(2.0f), p, set1(kPio2Hi)), set1(kPio2Lo));
  return _mm256_or_ps(_mm256_blendv_ps(p, pb, big), sign);
}

// acos: pi/2 - asin x for |x| <= 1/2; 2 asin(sqrt((1 - x)/2)) for x > 1/2; pi - 2
// asin(sqrt((1 + x)/2)) for x < -1/2 (Cephes' acosf).
TF_AVX2 TF_INLINE __m256 acos(__m256 x) {
  __m256 hiSide = _mm256_cmp_ps(x, set1(0.5f), _CMP_GT_OQ);
  __m256 loSide = _mm256_cmp_ps(x, set1(-0.5f), _CMP_LT_OQ);
  __m256 edge = _mm256_or_ps(hiSide, loSide);
  __m256 a = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 zb = _mm256_mul_ps(set1(0.5f), _mm256_sub_ps(set1(1.0f), a));
  __m256 t = _mm256_blendv_ps(x, _mm256_sqrt_ps(zb), edge);
  __m256 z = _mm256_blendv_ps(_mm256_mul_ps(x, x), zb, edge);
  __m256 p = asin_small(t, z);
  __m256 mid = _mm256_add_ps(_mm256_sub_ps(set1(kPio2Hi), p), set1(kPio2Lo));
  __m256 up = _mm256_add_ps(p, p);
  __m256 down = _mm256_add_ps(_mm256_fnmadd_ps(set1(2.0f), p, set1(2.0f * kPio2Hi)),
                              set1(2.0f * kPio2Lo));
  __m256 y = _mm256_blendv_ps(mid, up, hiSide);
  return _mm256_blendv_ps(y, down, loSide);
}

// ---- hyperbolic -------------------------------------------------------------------------------

// Above |x| = 88 e^|x| is near float's overflow: e^|x| / 2 = (e^(|x|/2) / 2) e^(|x|/2) stays
// finite up to |x| = 89.4, as sinh and cosh do.
TF_AVX2 TF_INLINE __m256 half_exp_big(__m256 ax) {
  __m256 t = exp(_mm256_mul_ps(ax, set1(0.5f)));
  return _mm256_mul_ps(_mm256_mul_ps(t, set1(0.5f)), t);
}

// sinh x = sign(x) (m + m / (m + 1)) / 2 with m = expm1(|x|): e^|x| - e^-|x| without the
// cancellation near 0.
TF_AVX2 TF_INLINE __m256 sinh(__m256 x) {
  __m256 sign = _mm256_and_ps(x, set1(-0.0f));
  __m256 ax = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 m = expm1(_mm256_min_ps(set1(88.0f), ax));  // NaN stays NaN (second operand)
  __m256 y = _mm256_mul_ps(set1(0.5f), _mm256_add_ps(m, _mm256_div_ps(m, _mm256_add_ps(m, set1(1.0f)))));
  __m256 big = _mm256_cmp_ps(ax, set1(88.0f), _CMP_GT_OQ);
  y = _mm256_blendv_ps(y, half_exp_big(ax), big);
  return _mm256_or_ps(y, sign);
}

// cosh x = (e^|x| + e^-|x|) / 2: a sum, no cancellation.
TF_AVX2 TF_INLINE __m256 cosh(__m256 x) {
  __m256 ax = _mm256_andnot_ps(set1(-0.0f), x);
  __m256 e = exp(_mm256_min_ps(set1(88.0f), ax));
  __m256 y = _mm256_mul_ps(set1(0.5f), _mm256_add_ps(e, _mm256_div_ps(set1(1.0f), e)));
  __m256 big = _mm256_cmp_ps(ax, set1(88.0f), _CMP_GT_OQ);
  return _mm256_blendv_ps(y, half_exp_big(ax), big);
}

// ---- error function ---------------------------------------------------------------------------

// erf: |x| < 1 by its Taylor series to x^23 (remainder below 1e-10 relative there); above, 1 -
// erfc with erfc(a) = t exp(-a^2 + P(t)), t = 1/(1 + a/2), P the degree-9 Chebyshev fit of
// Numerical Recipes' erfcc (erfc within 1.2e-7 relative, so erf within 0.3 ulp of its own
// rounding). a^2 is split exactly as hi + lo (an FMA gives lo) and e^-hi taken on its own, so the
// rounding of a^2 (an ulp of up to 16) does not enter the exponent. |x| is capped at 10, where
// erf is 1 in float; NaN stays NaN; the sign is reapplied (erf is odd, -0 stays -0).
TF_AVX2 TF_INLINE __m256 erf(__m256 x) {
  __m256 sign = _mm256_and_ps(x, set1(-0.0f));
  __m256 a = _mm256_min_ps(set1(10.0f), _mm256_andnot_ps(set1(-0.0f), x));
  __m256 z = _mm256_mul_ps(a, a);
  __m256 p = set1(-1.22905553017e-9f);
  p = _mm256_fmadd_ps(p, z, set1(1.48071928159e-8f));
  p = _mm256_fmadd_ps(p, z, set1(-1.63658446912e-7f));
  p = _mm256_fmadd_ps(p, z, set1(1.64621143659e-6f));
  p = _mm256_fmadd_ps(p, z, set1(-1.49256503584e-5f));
  p = _mm256_fmadd_ps(p, z, set1(1.20553329818e-4f));
  p = _mm256_fmadd_ps(p, z, set1(-8.54832702345e-4f));
  p = _mm256_fmadd_ps(p, z, set1(5.22397762544e-3f));
  p = _mm256_fmadd_ps(p, z, set1(-2.68661706451e-2f));
  p = _mm256_fmadd_ps(p, z, set1(1.12837916710e-1f));
  p = _mm256_fmadd_ps(p, z, set1(-3.76126389032e-1f));
  p = _mm256_fmadd_ps(p, z, set1(1.12837916710f));
  __m256 small = _mm256_mul_ps(a, p);
  __m256 t = _mm256_div_ps(set1(1.0f), _mm256_fmadd_ps(a, set1(0.5f), set1(1.0f)));
  __m256 q = set1(0.17087277f);
  q = _mm256_fmadd_ps(q, t, set1(-0.82215223f));
  q = _mm256_fmadd_ps(q, t, set1(1.48851587f));
  q = _mm256_fmadd_ps(q, t, set1(-1.13520398f));
  q = _mm256_fmadd_ps(q, t, set1(0.27886807f));
  q = _mm256_fmadd_ps(q, t, set1(-0.18628806f));
  q = _mm256_fmadd_ps(q, t, set1(0.09678418f));
  q = _mm256_fmadd_ps(q, t, set1(0.37409196f));
  q = _mm256_fmadd_ps(q, t, set1(1.00002368f));
  q = _mm256_fmadd_ps(q, t, set1(-1.26551223f));
  __m256 lo = _mm256_fmsub_ps(a, a, z);  // a^2 - z exactly
  __m256 erfc = _mm256_mul_ps(_mm256_mul_ps(t, exp(_mm256_sub_ps(q, lo))),
                              exp(_mm256_xor_ps(z, set1(-0.0f))));
  __m256 big = _mm256_sub_ps(set1(1.0f), erfc);
  __m256 r = _mm256_blendv_ps(big, small, _mm256_cmp_ps(a, set1(1.0f), _CMP_LT_OQ));
  // NaN compares false, so it took big: 1 - NaN is NaN.
  return _mm256_or_ps(r, sign);
}

}  // namespace v8f
}  // namespace tf

#endif
