// Vectorized float32 math for AVX-512F, 16 lanes: exp, sigmoid, tanh, sin, cos.
//
// Each function is vmath.h's AVX2 one step for step (the same constants, the same FMAs in the
// same order, the same correctly rounded division), with AVX-512 masks in place of blends, so
// every lane gives the AVX2 result bit for bit: the two paths differ in speed only. The rare
// lanes of sin and cos that take the slow path (|x| > kTrigFast, infinities, NaN) go through
// vmath.h's own slow functions, eight lanes at a time.
//
// Only AVX512F instructions (no DQ: the bitwise float operations are done on integers). Only
// included by translation units that call these from TF_AVX512 functions, after a run-time check
// that the CPU has AVX-512F (avx512(), common.h).
#pragma once

#include "vmath.h"

#if TF_X86

// GCC 12 reports the _mm512_undefined_* placeholder inside its own intrinsics as "maybe
// used uninitialized" once they are inlined here; it is not.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace tf {

namespace v16f {

TF_AVX512 TF_INLINE __m512 set1(float v) { return _mm512_set1_ps(v); }
TF_AVX512 TF_INLINE __m512i bits(__m512 x) { return _mm512_castps_si512(x); }
TF_AVX512 TF_INLINE __m512 flt(__m512i x) { return _mm512_castsi512_ps(x); }
// |x|, the sign bit of x, a | b, a ^ b on the float bits (AVX512F has them for integers only).
TF_AVX512 TF_INLINE __m512 abs(__m512 x) {
  return flt(_mm512_and_si512(bits(x), _mm512_set1_epi32(0x7fffffff)));
}
TF_AVX512 TF_INLINE __m512 signbit(__m512 x) {
  return flt(_mm512_and_si512(bits(x), _mm512_set1_epi32(int(0x80000000u))));
}
TF_AVX512 TF_INLINE __m512 or_(__m512 a, __m512 b) {
  return flt(_mm512_or_si512(bits(a), bits(b)));
}
TF_AVX512 TF_INLINE __m512 xor_(__m512 a, __m512 b) {
  return flt(_mm512_xor_si512(bits(a), bits(b)));
}

// The low and high halves of a 16-lane vector as AVX2 vectors, and back.
TF_AVX512 TF_INLINE __m256 lo8(__m512 x) { return _mm512_castps512_ps256(x); }
TF_AVX512 TF_INLINE __m256 hi8(__m512 x) {
  return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1));
}
TF_AVX512 TF_INLINE __m512 join(__m256 lo, __m256 hi) {
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
}

// 2^n (n an integer-valued float vector in [-150, 128], converted as cvtps rounds) times p, as
// two factors 2^(n/2) 2^(n - n/2): v8f::exp's scaling.
TF_AVX512 TF_INLINE __m512 scale2n(__m512 p, __m512 n) {
  __m512i ni = _mm512_cvtps_epi32(n);
  __m512i n1 = _mm512_srai_epi32(ni, 1);
  __m512i n2 = _mm512_sub_epi32(ni, n1);
  __m512i bias = _mm512_set1_epi32(127);
  __m512 s1 = flt(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
  __m512 s2 = flt(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
  return _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
}

// e^x: v8f::exp (n = round(x / ln 2), Cody-Waite reduction, degree-7 polynomial, 2^n in two
// factors). max/min with x second keep a NaN x, as the AVX2 instructions do.
TF_AVX512 TF_INLINE __m512 exp(__m512 x) {
  x = _mm512_max_ps(set1(-104.0f), x);
  x = _mm512_min_ps(set1(88.8f), x);
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, set1(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, set1(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  __m512 p = set1(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, set1(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, set1(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, set1(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, set1(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, set1(5.0000001201E-1f));
  __m512 r2 = _mm512_mul_ps(r, r);
  p = _mm512_fmadd_ps(p, r2, r);
  p = _mm512_add_ps(p, set1(1.0f));
  return scale2n(p, n);
}

// sigma(x) = 1 / (1 + e^-|x|) for x >= 0, e^-|x| / (1 + e^-|x|) for x < 0 (v8f::sigmoid).
TF_AVX512 TF_INLINE __m512 sigmoid(__m512 x) {
  __m512 e = exp(or_(x, set1(-0.0f)));  // e^-|x|
  __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  __m512 num = _mm512_mask_blend_ps(neg, set1(1.0f), e);
  return _mm512_div_ps(num, _mm512_add_ps(set1(1.0f), e));
}

// tanh x = sign(x) t'/(t' + 1), t' = expm1(2|x|)/2 (v8f::tanh: the reduction at half scale, a
// degree-4 polynomial, one division; within 2 ulp).
TF_AVX512 TF_INLINE __m512 tanh(__m512 x) {
  __m512 y = _mm512_min_ps(set1(10.0f), abs(x));
  __m512 v = _mm512_fmadd_ps(y, set1(2.88539008177792682f), set1(12582912.0f));
  __m512 n = _mm512_sub_ps(v, set1(12582912.0f));
  __m512 h = _mm512_fnmadd_ps(n, set1(0.3465735912322998046875f), y);
  __m512 p = set1(0.00138926692f * 32.0f);
  p = _mm512_fmadd_ps(p, h, set1(0.00836455449f * 16.0f));
  p = _mm512_fmadd_ps(p, h, set1(0.0416669101f * 8.0f));
  p = _mm512_fmadd_ps(p, h, set1(0.166665643f * 4.0f));
  p = _mm512_fmadd_ps(p, h, set1(1.0f));
  __m512 q = _mm512_fmadd_ps(p, _mm512_mul_ps(h, h), h);  // (e^r - 1)/2
  // 2^n and 2^(n-1): n (0..29, the low mantissa bits of v) added to the exponent fields of 1.0
  // and 0.5.
  __m512i e = _mm512_slli_epi32(bits(v), 23);
  __m512 sc = flt(_mm512_add_epi32(e, bits(set1(1.0f))));
  __m512 half = flt(_mm512_add_epi32(e, bits(set1(0.5f))));
  __m512 t = _mm512_fmadd_ps(sc, q, _mm512_sub_ps(half, set1(0.5f)));
  __m512 res = _mm512_div_ps(t, _mm512_add_ps(t, set1(1.0f)));
  return or_(res, signbit(x));
}

// ---- trigonometric (v8f's fast path: float reduction for |x| <= kTrigFast) ---------------------

// sin d for |d| <= pi/2: v8f::sin_pi2's polynomial.
TF_AVX512 TF_INLINE __m512 sin_pi2(__m512 d) {
  __m512 s = _mm512_mul_ps(d, d);
  __m512 u = _mm512_fmadd_ps(set1(2.6057809918711428e-06f), s, set1(-1.9809603691101074e-04f));
  u = _mm512_fmadd_ps(u, s, set1(8.33306647837162e-03f));
  u = _mm512_fmadd_ps(u, s, set1(-1.6666659712791443e-01f));
  return _mm512_fmadd_ps(_mm512_mul_ps(d, s), u, d);
}

// Lanes for the slow path: |x| > kTrigFast, infinities and NaN (unordered compares true).
TF_AVX512 TF_INLINE __mmask16 trig_slow_lanes(__m512 x) {
  return _mm512_cmp_ps_mask(abs(x), set1(v8f::kTrigFast), _CMP_NLE_UQ);
}

// The slow lanes' values, from vmath.h's out-of-line slow paths on each half.
template <__m256 (*Slow)(__m256)>
TF_AVX512 inline __attribute__((noinline)) __m512 slow16(__m512 x) {
  return join(Slow(lo8(x)), Slow(hi8(x)));
}

// sin x = (-1)^q sin d, x = q pi + d: the fast path alone, right for |x| <= kTrigFast (the
// other lanes are the caller's: sin below, map16_trig).
TF_AVX512 TF_INLINE __m512 sin_fast(__m512 x) {
  __m512 v = _mm512_fmadd_ps(x, set1(0.31830987334251404f), set1(v8f::kRoundMagic));
  __m512 q = _mm512_sub_ps(v, set1(v8f::kRoundMagic));
  __m512 d = _mm512_fnmadd_ps(q, set1(v8f::kPiA), x);
  d = _mm512_fnmadd_ps(q, set1(v8f::kPiB), d);
  d = _mm512_fnmadd_ps(q, set1(v8f::kPiC), d);
  // The sign flip for odd q and the tiny lanes' x in one masked xor: |x| < 2^-12 keeps x (sin x
  // rounds to x; keeps -0, which q = 0 turns into +0, and subnormals), the other lanes (NaN
  // included, unordered: the slow path's) take sin d with the sign of (-1)^q.
  __m512i odd = _mm512_slli_epi32(bits(v), 31);
  __mmask16 big = _mm512_cmp_ps_mask(abs(x), set1(2.44140625e-4f), _CMP_NLT_UQ);
  return flt(_mm512_mask_xor_epi32(bits(x), big, bits(sin_pi2(d)), odd));
}

TF_AVX512 TF_INLINE __m512 sin(__m512 x) {
  __m512 r = sin_fast(x);
  __mmask16 slow = trig_slow_lanes(x);
  if (slow == 0) return r;
  return _mm512_mask_blend_ps(slow, r, slow16<&v8f::sin_slow>(x));
}

// cos x = (-1)^(m + 1) sin d, x = (2m + 1) pi/2 + d: the fast path alone.
TF_AVX512 TF_INLINE __m512 cos_fast(__m512 x) {
  __m512 t = _mm512_fmadd_ps(x, set1(0.31830987334251404f), set1(-0.5f));
  __m512 v = _mm512_add_ps(t, set1(v8f::kRoundMagic));
  __m512 m = _mm512_sub_ps(v, set1(v8f::kRoundMagic));
  __m512 q = _mm512_fmadd_ps(m, set1(2.0f), set1(1.0f));
  __m512 d = _mm512_fnmadd_ps(q, set1(v8f::kPio2A), x);
  d = _mm512_fnmadd_ps(q, set1(v8f::kPio2B), d);
  d = _mm512_fnmadd_ps(q, set1(v8f::kPio2C), d);
  // m even: negate (bit 0 of v is m's parity).
  __m512 even =
      flt(_mm512_slli_epi32(_mm512_andnot_si512(bits(v), _mm512_set1_epi32(1)), 31));
  return xor_(sin_pi2(d), even);
}

TF_AVX512 TF_INLINE __m512 cos(__m512 x) {
  __m512 r = cos_fast(x);
  __mmask16 slow = trig_slow_lanes(x);
  if (slow == 0) return r;
  return _mm512_mask_blend_ps(slow, r, slow16<&v8f::cos_slow>(x));
}

// y[i] = F(x[i]) for n floats: two vectors per step, then one, then the tail through masked
// loads and stores (the masked-off lanes read as 0, as vmath's AVX2 loops pad the tail).
template <__m512 (*F)(__m512)>
TF_AVX512 void map16(const float* TF_RESTRICT x, float* TF_RESTRICT y, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 r0 = F(_mm512_loadu_ps(x + i));
    __m512 r1 = F(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_ps(y + i, r0);
    _mm512_storeu_ps(y + i + 16, r1);
  }
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, F(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, m, F(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

// r with its slow lanes (trig_slow_lanes of x) replaced by Slow's values.
template <__m256 (*Slow)(__m256)>
TF_AVX512 TF_INLINE __m512 trig_fix(__m512 x, __m512 r) {
  const __mmask16 slow = trig_slow_lanes(x);
  return slow == 0 ? r : _mm512_mask_blend_ps(slow, r, slow16<Slow>(x));
}

// y[i] = sin or cos of x[i] for n floats (Fast: sin_fast or cos_fast, Slow: v8f's slow path).
// The slow-lane test is the costly part of sin and cos in a loop (a compare into a mask and a
// branch per vector, over a third of the fast path's time), so here it is made once per four
// vectors: the unsigned maximum of their |x| bits (NaN and infinities above every finite bit
// pattern) against kTrigFast's; only when some lane is beyond does each vector take sin's own
// test. A vector's lanes are read before its results are stored, so y may be x.
template <__m512 (*Fast)(__m512), __m256 (*Slow)(__m256)>
TF_AVX512 void map16_trig(const float* x, float* y, int64_t n) {
  const __m512i lim = bits(set1(v8f::kTrigFast));
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
    const __m512 x2 = _mm512_loadu_ps(x + i + 32), x3 = _mm512_loadu_ps(x + i + 48);
    __m512 r0 = Fast(x0), r1 = Fast(x1), r2 = Fast(x2), r3 = Fast(x3);
    const __m512i big = _mm512_max_epu32(_mm512_max_epu32(bits(abs(x0)), bits(abs(x1))),
                                         _mm512_max_epu32(bits(abs(x2)), bits(abs(x3))));
    if (__builtin_expect(_mm512_cmpgt_epu32_mask(big, lim) != 0, 0)) {
      r0 = trig_fix<Slow>(x0, r0);
      r1 = trig_fix<Slow>(x1, r1);
      r2 = trig_fix<Slow>(x2, r2);
      r3 = trig_fix<Slow>(x3, r3);
    }
    _mm512_storeu_ps(y + i, r0);
    _mm512_storeu_ps(y + i + 16, r1);
    _mm512_storeu_ps(y + i + 32, r2);
    _mm512_storeu_ps(y + i + 48, r3);
  }
  // The rest a vector at a time, the last through masked loads and stores (the masked-off
  // lanes read as 0, a fast lane).
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff)
                                    : static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(y + i, m, trig_fix<Slow>(xv, Fast(xv)));
  }
}

}  // namespace v16f
}  // namespace tf

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif
