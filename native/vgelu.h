// Vectorized float32 GELU and its derivative (AVX2/FMA), on top of vmath.h, for the Gelu,
// GeluApproximate, GeluGrad and GeluApproximateGrad kernels of elementwise.cc.
//
// Float32 arguments are carried with a low-order correction where a rounding would be
// amplified: Phi(x) = erfc(-x/sqrt 2)/2 has relative sensitivity 2a^2 to the relative error of
// a = -x/sqrt 2 (9 at x = -3), and sigmoid(v) has |v| to that of v. So a and v are formed as
// hi + lo (FMA or double), and the correction enters the exponent, where it is exact to first
// order: e^(h + l) = e^h (1 + l).
#pragma once

#include "vmath.h"

#if TF_X86

namespace tf {
namespace vgelu {

using v8f::set1;

// erfc(a) for a >= 0 given as a + al (|al| tiny): t exp(-a^2 + P(t)) with t = 1/(1 + a/2) and P
// Numerical Recipes' erfcc fit (1.2e-7 relative). a^2 + 2 a al = z + zl + 2 a al, z the rounded
// square and zl its exact error (FMA). a is capped at 10; beyond 10.1 erfc is 0 in float.
TF_AVX2 TF_INLINE __m256 erfc_nonneg(__m256 a, __m256 al) {
  // erfc(a) < 2^-150 beyond 10.1 (rounds to 0 in float; the capped formula would not).
  const __m256 far = _mm256_cmp_ps(a, set1(10.1f), _CMP_GT_OQ);
  a = _mm256_min_ps(set1(10.0f), a);
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
  __m256 z = _mm256_mul_ps(a, a);
  __m256 zl = _mm256_fmsub_ps(a, a, z);
  // exponent correction: -(zl + 2 a al)
  __m256 corr = _mm256_fmadd_ps(_mm256_add_ps(a, a), al, zl);
  __m256 r = _mm256_mul_ps(_mm256_mul_ps(t, v8f::exp(_mm256_sub_ps(q, corr))),
                           v8f::exp(_mm256_xor_ps(z, set1(-0.0f))));
  return _mm256_andnot_ps(far, r);
}

// Phi(x) = erfc(-x/sqrt 2)/2 for x <= 0, 1 - erfc(x/sqrt 2)/2 above (no cancellation either way).
TF_AVX2 TF_INLINE __m256 normal_cdf(__m256 x) {
  const float c = -0.70710678118654752f;
  const float cl = static_cast<float>(-0.70710678118654752440 - double(c));
  __m256 a = _mm256_mul_ps(x, set1(c));
  __m256 al = _mm256_fmadd_ps(x, set1(cl), _mm256_fmsub_ps(x, set1(c), a));
  al = _mm256_and_ps(al, _mm256_cmp_ps(al, al, _CMP_ORD_Q));  // infinite x: no correction
  __m256 neg = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_LT_OQ);  // x > 0
  __m256 sg = _mm256_and_ps(neg, set1(-0.0f));
  __m256 e = _mm256_mul_ps(set1(0.5f), erfc_nonneg(_mm256_xor_ps(a, sg), _mm256_xor_ps(al, sg)));
  __m256 r = _mm256_blendv_ps(e, _mm256_sub_ps(set1(1.0f), e), neg);
  // NaN x: keep NaN (the comparisons above are false for it, min() in erfc passed it through).
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// phi(x) = e^(-x^2/2) / sqrt(2 pi), with x^2 = z + zl exactly: e^(-z/2) (1 - zl/2).
TF_AVX2 TF_INLINE __m256 normal_pdf(__m256 x) {
  __m256 z = _mm256_mul_ps(x, x);
  __m256 zl = _mm256_fmsub_ps(x, x, z);
  __m256 e = v8f::exp(_mm256_mul_ps(z, set1(-0.5f)));
  e = _mm256_fnmadd_ps(_mm256_mul_ps(e, set1(0.5f)), zl, e);
  return _mm256_mul_ps(e, set1(0.3989422804014327f));
}

// sigmoid(v) with v = x (K1 + K3 x^2) = 2u of the tanh approximation, v computed in double and
// split as hi + lo; e = e^-|v| = e^-|hi| (1 - sign(hi) lo).
constexpr double kGeluK1 = 1.5957691216057308;    // 2 sqrt(2/pi)
constexpr double kGeluK3 = 0.07135481627260025;   // 2 sqrt(2/pi) 0.044715

TF_AVX2 TF_INLINE __m256d gelu_v_half(__m128 xh) {
  __m256d x = _mm256_cvtps_pd(xh);
  __m256d w = _mm256_fmadd_pd(_mm256_mul_pd(x, x), _mm256_set1_pd(kGeluK3), _mm256_set1_pd(kGeluK1));
  return _mm256_mul_pd(x, w);
}

// Returns s = sigmoid(2u); *sc = 1 - s, as e/(1 + e) or 1/(1 + e) (no cancellation near s = 1).
TF_AVX2 TF_INLINE __m256 gelu_sigmoid(__m256 x, __m256* sc) {
  __m256d v0 = gelu_v_half(_mm256_castps256_ps128(x));
  __m256d v1 = gelu_v_half(_mm256_extractf128_ps(x, 1));
  __m128 h0 = _mm256_cvtpd_ps(v0), h1 = _mm256_cvtpd_ps(v1);
  __m128 l0 = _mm256_cvtpd_ps(_mm256_sub_pd(v0, _mm256_cvtps_pd(h0)));
  __m128 l1 = _mm256_cvtpd_ps(_mm256_sub_pd(v1, _mm256_cvtps_pd(h1)));
  __m256 hi = _mm256_set_m128(h1, h0);
  __m256 lo = _mm256_set_m128(l1, l0);
  __m256 sg = _mm256_and_ps(hi, set1(-0.0f));
  __m256 e = v8f::exp(_mm256_or_ps(hi, set1(-0.0f)));  // e^-|hi|
  // lo is NaN only with hi (x NaN or infinite): drop it then, hi decides.
  lo = _mm256_and_ps(lo, _mm256_cmp_ps(lo, lo, _CMP_ORD_Q));
  e = _mm256_fnmadd_ps(e, _mm256_xor_ps(lo, sg), e);
  __m256 neg = _mm256_cmp_ps(hi, _mm256_setzero_ps(), _CMP_LT_OQ);
  __m256 inv = _mm256_div_ps(set1(1.0f), _mm256_add_ps(set1(1.0f), e));
  __m256 ei = _mm256_mul_ps(e, inv);
  *sc = _mm256_blendv_ps(ei, inv, neg);
  return _mm256_blendv_ps(inv, ei, neg);
}

// Gelu(x) = x Phi(x)
TF_AVX2 TF_INLINE __m256 gelu(__m256 x) { return _mm256_mul_ps(x, normal_cdf(x)); }

// GeluApproximate(x) = x sigmoid(2u)
TF_AVX2 TF_INLINE __m256 gelu_approx(__m256 x) {
  __m256 sc;
  return _mm256_mul_ps(x, gelu_sigmoid(x, &sc));
}

// GeluGrad(dy, x) = dy (Phi + x phi)
TF_AVX2 TF_INLINE __m256 gelu_grad(__m256 dy, __m256 x) {
  return _mm256_mul_ps(dy, _mm256_fmadd_ps(x, normal_pdf(x), normal_cdf(x)));
}

// GeluApproximateGrad(dy, x) = dy (s + 2x s(1 - s) u'), u' = sqrt(2/pi)(1 + 3c x^2)
TF_AVX2 TF_INLINE __m256 gelu_approx_grad(__m256 dy, __m256 x) {
  __m256 sc;
  __m256 s = gelu_sigmoid(x, &sc);
  __m256 du = _mm256_fmadd_ps(_mm256_mul_ps(x, x), set1(float(kGeluK3 * 1.5)),
                              set1(float(kGeluK1 * 0.5)));
  __m256 ds = _mm256_mul_ps(s, sc);
  __m256 f = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_add_ps(x, x), ds), du, s);
  return _mm256_mul_ps(dy, f);
}

}  // namespace vgelu
}  // namespace tf

#endif
