// softmax512_row and softmax_grad512_row (vec512.h) on 16-lane AVX-512F. The forward row is the
// three passes of nn.cc's AVX2 row loop (max; e = exp(x - max) stored, summed in double; the
// scaling by 1/sum, or x - max - log(sum), in double) with the exponential of vgelu512.h
// (scalef for 2^n) and the rows' tails under masks.
#include <cmath>
#include <limits>

#include "common.h"
#include "vec512.h"

#if TF_X86
TF_AVX512_BEGIN
#include "vgelu512.h"
namespace tf {
namespace {

using vgelu512::set1;

inline __mmask16 tail_mask(int64_t k) { return static_cast<__mmask16>((1u << k) - 1); }

// e^(x - mx) with x - mx taken exactly: d = fl(x - mx) and its rounding error err by Knuth's
// TwoSum, e^(d + err) by exp_hl (err enters as the low part). err is NaN only where d is
// infinite (x = -inf; mx is finite here): it is dropped then and e^-inf = 0.
inline __m512 exp_diff(__m512 x, __m512 mx) {
  const __m512 d = _mm512_sub_ps(x, mx);
  const __m512 bb = _mm512_sub_ps(d, x);
  __m512 err = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_sub_ps(d, bb)), _mm512_add_ps(mx, bb));
  err = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(err, err, _CMP_ORD_Q), err);
  return vgelu512::exp_hl(d, err);
}

inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
inline __m512 join_ps(__m512d lo, __m512d hi) {
  const __m512 l = _mm512_castps256_ps512(_mm512_cvtpd_ps(lo));
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(l),
                                             _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
}

bool row(const float* x, float* y, int64_t n, bool log) {
  if (n <= 0) return true;
  // Pass 1: the maximum; any NaN sends the row back to the caller.
  const float ninf = -std::numeric_limits<float>::infinity();
  __m512 m = set1(ninf);
  __mmask16 nan = 0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    m = _mm512_max_ps(m, v);
  }
  if (i < n) {
    const __m512 v = _mm512_mask_loadu_ps(set1(ninf), tail_mask(n - i), x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    m = _mm512_max_ps(m, v);
  }
  if (nan != 0) return false;
  const float mxf = _mm512_reduce_max_ps(m);
  if (!std::isfinite(mxf)) return false;
  // Pass 2: e = exp(x - max) into y, summed in double.
  const __m512 mx = set1(mxf);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 e = exp_diff(_mm512_loadu_ps(x + i), mx);
    _mm512_storeu_ps(y + i, e);
    s0 = _mm512_add_pd(s0, lo_pd(e));
    s1 = _mm512_add_pd(s1, hi_pd(e));
  }
  if (i < n) {
    const __mmask16 k = tail_mask(n - i);
    // Lanes past the row compute on max (e = 1) and are zeroed before the sum.
    const __m512 e = _mm512_maskz_mov_ps(k, exp_diff(_mm512_mask_loadu_ps(mx, k, x + i), mx));
    _mm512_mask_storeu_ps(y + i, k, e);
    s0 = _mm512_add_pd(s0, lo_pd(e));
    s1 = _mm512_add_pd(s1, hi_pd(e));
  }
  const double s = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
  // Pass 3, in double: y = e / sum, or y = (x - max) - log(sum).
  if (log) {
    const __m512d md = _mm512_set1_pd(double(mxf)), l = _mm512_set1_pd(std::log(s));
    for (i = 0; i < n; i += 16) {
      const __mmask16 k = i + 16 <= n ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
      const __m512 v = _mm512_maskz_loadu_ps(k, x + i);
      const __m512d a = _mm512_sub_pd(_mm512_sub_pd(lo_pd(v), md), l);
      const __m512d b = _mm512_sub_pd(_mm512_sub_pd(hi_pd(v), md), l);
      _mm512_mask_storeu_ps(y + i, k, join_ps(a, b));
    }
  } else {
    const __m512d inv = _mm512_set1_pd(1 / s);
    for (i = 0; i < n; i += 16) {
      const __mmask16 k = i + 16 <= n ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
      const __m512 v = _mm512_maskz_loadu_ps(k, y + i);
      _mm512_mask_storeu_ps(y + i, k,
                            join_ps(_mm512_mul_pd(lo_pd(v), inv), _mm512_mul_pd(hi_pd(v), inv)));
    }
  }
  return true;
}

// The gradient rows of fused.cc: softmax dx = y (dy - sum(dy y)), log-softmax
// dx = dy - exp(y) sum(dy); the sum in two 16-lane float accumulators finished in double (as
// the AVX2 row's four 8-lane ones), the masked-off tail lanes loaded as 0.
void grad_row(const float* y, const float* dy, float* dx, int64_t n, bool log) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0;
  int64_t i = 0;
  if (log) {
    for (; i + 32 <= n; i += 32) {
      a0 = _mm512_add_ps(a0, _mm512_loadu_ps(dy + i));
      a1 = _mm512_add_ps(a1, _mm512_loadu_ps(dy + i + 16));
    }
    for (; i < n; i += 16) {
      const __mmask16 k = i + 16 <= n ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
      a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(k, dy + i));
    }
  } else {
    for (; i + 32 <= n; i += 32) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(dy + i), _mm512_loadu_ps(y + i), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(dy + i + 16), _mm512_loadu_ps(y + i + 16), a1);
    }
    for (; i < n; i += 16) {
      const __mmask16 k = i + 16 <= n ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, dy + i), _mm512_maskz_loadu_ps(k, y + i), a0);
    }
  }
  const __m512 a = _mm512_add_ps(a0, a1);
  const float st = static_cast<float>(_mm512_reduce_add_pd(_mm512_add_pd(lo_pd(a), hi_pd(a))));
  const __m512 sv = set1(st);
  for (i = 0; i < n; i += 16) {
    const __mmask16 k = i + 16 <= n ? static_cast<__mmask16>(0xFFFF) : tail_mask(n - i);
    const __m512 yv = _mm512_maskz_loadu_ps(k, y + i);
    const __m512 g = _mm512_maskz_loadu_ps(k, dy + i);
    const __m512 r = log ? _mm512_fnmadd_ps(vgelu512::exp_hl(yv, _mm512_setzero_ps()), sv, g)
                         : _mm512_mul_ps(yv, _mm512_sub_ps(g, sv));
    _mm512_mask_storeu_ps(dx + i, k, r);
  }
}

}  // namespace
}  // namespace tf
TF_AVX512_END
#endif  // TF_X86

namespace tf {

void softmax_grad512_row(const float* y, const float* dy, float* dx, int64_t n, bool log) {
#if TF_X86
  grad_row(y, dy, dx, n, log);
#else
  (void)y, (void)dy, (void)dx, (void)n, (void)log;
#endif
}

bool softmax512_row(const float* x, float* y, int64_t n, bool log) {
#if TF_X86
  return row(x, y, n, log);
#else
  (void)x, (void)y, (void)n, (void)log;
  return false;
#endif
}

}  // namespace tf
