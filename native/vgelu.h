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
// Numerical Recipes' erfcc fit (1.2e-7 relative). (a + al)^2 = z + zl + 2 a al to first order,
// z the rounded square and zl its exact error (FMA); the exponent -z + (P - zl - 2 a al) goes to
// exp_hl as a hi + lo pair, so the rounding of z (an ulp of up to 8) never enters it, in one
// exponential. With pdf set, also *pdf = e^-(a + al)^2 (the normal density's exponential, for the
// gradient). Beyond a = 10.1 erfc is below 2^-150 and rounds to 0 in float.
TF_AVX2 TF_INLINE __m256 erfc_nonneg(__m256 a, __m256 al, __m256* pdf) {
  const __m256 far = _mm256_cmp_ps(a, set1(10.1f), _CMP_GT_OQ);
  __m256 t = _mm256_div_ps(set1(1.0f), _mm256_fmadd_ps(a, set1(0.5f), set1(1.0f)));
  // P(t) by Estrin's scheme in t^2, t^4, t^8: a shorter dependency chain than Horner's.
  __m256 t2 = _mm256_mul_ps(t, t);
  __m256 t4 = _mm256_mul_ps(t2, t2);
  __m256 t8 = _mm256_mul_ps(t4, t4);
  __m256 c01 = _mm256_fmadd_ps(set1(1.00002368f), t, set1(-1.26551223f));
  __m256 c23 = _mm256_fmadd_ps(set1(0.09678418f), t, set1(0.37409196f));
  __m256 c45 = _mm256_fmadd_ps(set1(0.27886807f), t, set1(-0.18628806f));
  __m256 c67 = _mm256_fmadd_ps(set1(1.48851587f), t, set1(-1.13520398f));
  __m256 c89 = _mm256_fmadd_ps(set1(0.17087277f), t, set1(-0.82215223f));
  __m256 c03 = _mm256_fmadd_ps(c23, t2, c01);
  __m256 c47 = _mm256_fmadd_ps(c67, t2, c45);
  __m256 q = _mm256_fmadd_ps(_mm256_fmadd_ps(c47, t4, c03), set1(1.0f),
                             _mm256_mul_ps(c89, t8));
  __m256 z = _mm256_mul_ps(a, a);
  __m256 zl = _mm256_fmsub_ps(a, a, z);
  __m256 corr = _mm256_fmadd_ps(_mm256_add_ps(a, a), al, zl);
  // a = inf: z = inf and corr = NaN; drop corr then (e^-inf is 0 either way).
  corr = _mm256_and_ps(corr, _mm256_cmp_ps(corr, corr, _CMP_ORD_Q));
  __m256 nz = _mm256_xor_ps(z, set1(-0.0f));
  if (pdf != nullptr) *pdf = v8f::exp_hl(nz, _mm256_xor_ps(corr, set1(-0.0f)));
  __m256 r = _mm256_mul_ps(t, v8f::exp_hl(nz, _mm256_sub_ps(q, corr)));
  return _mm256_andnot_ps(far, r);
}

// Phi(x) = erfc(-x/sqrt 2)/2 for x <= 0, 1 - erfc(x/sqrt 2)/2 above (no cancellation either way).
// With pdf set, also *pdf = phi(x) = e^(-x^2/2) / sqrt(2 pi).
TF_AVX2 TF_INLINE __m256 normal_cdf(__m256 x, __m256* pdf = nullptr) {
  const float c = -0.70710678118654752f;
  const float cl = static_cast<float>(-0.70710678118654752440 - double(c));
  __m256 a = _mm256_mul_ps(x, set1(c));
  __m256 al = _mm256_fmadd_ps(x, set1(cl), _mm256_fmsub_ps(x, set1(c), a));
  al = _mm256_and_ps(al, _mm256_cmp_ps(al, al, _CMP_ORD_Q));  // infinite x: no correction
  __m256 neg = _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_LT_OQ);  // x > 0
  __m256 sg = _mm256_and_ps(neg, set1(-0.0f));
  __m256 e = _mm256_mul_ps(set1(0.5f),
                           erfc_nonneg(_mm256_xor_ps(a, sg), _mm256_xor_ps(al, sg), pdf));
  if (pdf != nullptr) *pdf = _mm256_mul_ps(*pdf, set1(0.3989422804014327f));
  __m256 r = _mm256_blendv_ps(e, _mm256_sub_ps(set1(1.0f), e), neg);
  // NaN x: keep NaN (the comparisons above are false for it).
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
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
  __m256 pdf;
  __m256 cdf = normal_cdf(x, &pdf);
  return _mm256_mul_ps(dy, _mm256_fmadd_ps(x, pdf, cdf));
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
