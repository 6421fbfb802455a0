// float32 GELU and GeluGrad (exact erf form) on 16-lane AVX-512F: the algorithm of vgelu.h's
// AVX2 code (erfc by the Numerical Recipes erfcc fit t exp(-a^2 + P(t)), t = 1/(1 + a/2), the
// argument a = -x/sqrt 2 carried as hi + lo, the rounding of a^2 kept out of the exponent), with
// what AVX-512F adds: 2^n applied by vscalefps (one instruction, exact, gradual underflow
// included) instead of two exponent-field multiplies, masks instead of blends, and half the
// instructions per element. Only included by native/gelu512.cc, compiled for avx512f.
#pragma once

#include <immintrin.h>

namespace tf {
namespace vgelu512 {

inline __m512 set1(float v) { return _mm512_set1_ps(v); }

// e^(h + l) for a sum given as two floats (vmath.h's exp_hl): n = round((h + l)/ln 2),
// r = (h - n ln2_hi) + l - n ln2_lo, e^r by Cephes' degree-7 polynomial, times 2^n by scalef.
// h + l clamped to [-104, 88.8] (then scalef gives 0 or inf as exp does); NaN passes.
inline __m512 exp_hl(__m512 h, __m512 l) {
  __m512 y = _mm512_add_ps(h, l);
  y = _mm512_min_ps(set1(88.8f), _mm512_max_ps(set1(-104.0f), y));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(y, set1(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, set1(0.693359375f), h);
  r = _mm512_add_ps(r, l);
  r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  r = _mm512_min_ps(set1(1.0f), _mm512_max_ps(set1(-1.0f), r));
  __m512 p = set1(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, set1(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, set1(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, set1(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, set1(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, set1(5.0000001201E-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, set1(1.0f));
  return _mm512_scalef_ps(p, n);
}

// erfc(a + al) for a >= 0 (vgelu.h's erfc_nonneg); with pdf set, *pdf = e^-(a + al)^2.
inline __m512 erfc_nonneg(__m512 a, __m512 al, __m512* pdf) {
  const __mmask16 far = _mm512_cmp_ps_mask(a, set1(10.1f), _CMP_GT_OQ);
  __m512 t = _mm512_div_ps(set1(1.0f), _mm512_fmadd_ps(a, set1(0.5f), set1(1.0f)));
  __m512 t2 = _mm512_mul_ps(t, t);
  __m512 t4 = _mm512_mul_ps(t2, t2);
  __m512 t8 = _mm512_mul_ps(t4, t4);
  __m512 c01 = _mm512_fmadd_ps(set1(1.00002368f), t, set1(-1.26551223f));
  __m512 c23 = _mm512_fmadd_ps(set1(0.09678418f), t, set1(0.37409196f));
  __m512 c45 = _mm512_fmadd_ps(set1(0.27886807f), t, set1(-0.18628806f));
  __m512 c67 = _mm512_fmadd_ps(set1(1.48851587f), t, set1(-1.13520398f));
  __m512 c89 = _mm512_fmadd_ps(set1(0.17087277f), t, set1(-0.82215223f));
  __m512 c03 = _mm512_fmadd_ps(c23, t2, c01);
  __m512 c47 = _mm512_fmadd_ps(c67, t2, c45);
  __m512 q = _mm512_fmadd_ps(c47, t4, _mm512_fmadd_ps(c89, t8, c03));
  __m512 z = _mm512_mul_ps(a, a);
  __m512 zl = _mm512_fmsub_ps(a, a, z);
  __m512 corr = _mm512_fmadd_ps(_mm512_add_ps(a, a), al, zl);
  // a = inf: z = inf and corr = NaN; drop corr then (e^-inf is 0 either way).
  corr = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(corr, corr, _CMP_ORD_Q), corr);
  __m512 nz = _mm512_sub_ps(_mm512_setzero_ps(), z);
  if (pdf != nullptr) *pdf = exp_hl(nz, _mm512_sub_ps(_mm512_setzero_ps(), corr));
  __m512 r = _mm512_mul_ps(t, exp_hl(nz, _mm512_sub_ps(q, corr)));
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~far), r);
}

// Phi(x) = erfc(-x/sqrt 2)/2 for x <= 0, 1 - erfc(x/sqrt 2)/2 above; with pdf set, also
// *pdf = phi(x). NaN x gives NaN.
inline __m512 normal_cdf(__m512 x, __m512* pdf) {
  const float c = -0.70710678118654752f;
  const float cl = static_cast<float>(-0.70710678118654752440 - double(c));
  __m512 a = _mm512_mul_ps(x, set1(c));
  __m512 al = _mm512_fmadd_ps(x, set1(cl), _mm512_fmsub_ps(x, set1(c), a));
  al = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(al, al, _CMP_ORD_Q), al);
  const __mmask16 pos = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ);  // x > 0
  __m512 aa = _mm512_mask_sub_ps(a, pos, _mm512_setzero_ps(), a);
  __m512 aal = _mm512_mask_sub_ps(al, pos, _mm512_setzero_ps(), al);
  __m512 e = _mm512_mul_ps(set1(0.5f), erfc_nonneg(aa, aal, pdf));
  if (pdf != nullptr) *pdf = _mm512_mul_ps(*pdf, set1(0.3989422804014327f));
  __m512 r = _mm512_mask_sub_ps(e, pos, set1(1.0f), e);
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

// Gelu(x) = x Phi(x)
inline __m512 gelu(__m512 x) { return _mm512_mul_ps(x, normal_cdf(x, nullptr)); }

// GeluGrad(dy, x) = dy (Phi + x phi)
inline __m512 gelu_grad(__m512 dy, __m512 x) {
  __m512 pdf;
  __m512 cdf = normal_cdf(x, &pdf);
  return _mm512_mul_ps(dy, _mm512_fmadd_ps(x, pdf, cdf));
}

}  // namespace vgelu512
}  // namespace tf
