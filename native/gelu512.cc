// The AVX-512F elementwise loops of vec512.h (GELU, GeluGrad, the fused gradients computed in
// double). The 16-lane code is compiled for avx512f in this file only and reached only after
// avx512() (common.h) said the CPU has it.
#include "vec512.h"

#include "common.h"

#if TF_X86
TF_AVX512_BEGIN
#include "vgelu512.h"
namespace tf {
namespace {
// Whole vectors, then the tail under a mask (the masked-off lanes compute on zeros and are not
// stored).
void gelu_loop(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, vgelu512::gelu(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, vgelu512::gelu(_mm512_maskz_loadu_ps(m, x + i)));
  }
}
void gelu_grad_loop(const float* dy, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i,
                     vgelu512::gelu_grad(_mm512_loadu_ps(dy + i), _mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m,
                          vgelu512::gelu_grad(_mm512_maskz_loadu_ps(m, dy + i),
                                              _mm512_maskz_loadu_ps(m, x + i)));
  }
}
// The fused gradients that elementwise.cc computes in double (SigmoidGrad, TanhGrad, SquareGrad,
// TanGrad): each 16-float vector as two 8-double halves, the same operations in the same order
// as the scalar loops, one rounding to float at the end.
inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
inline __m512 join_ps(__m512d lo, __m512d hi) {
  const __m512 l = _mm512_castps256_ps512(_mm512_cvtpd_ps(lo));
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(l),
                                             _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
}
template <int Op>
inline __m512d grad_pd(__m512d a, __m512d b) {
  const __m512d one = _mm512_set1_pd(1.0);
  switch (Op) {
    case kSigmoidGrad512:  // dy y (1 - y)
      return _mm512_mul_pd(_mm512_mul_pd(b, a), _mm512_sub_pd(one, a));
    case kTanhGrad512:  // dy (1 - y)(1 + y)
      return _mm512_mul_pd(b, _mm512_mul_pd(_mm512_sub_pd(one, a), _mm512_add_pd(one, a)));
    case kSquareGrad512:  // 2 x dy
      return _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(2.0), a), b);
    case kTanGrad512:  // dy (1 + y^2)
      return _mm512_mul_pd(b, _mm512_add_pd(one, _mm512_mul_pd(a, a)));
    case kSqrtGrad512:  // dy 0.5 / y
      return _mm512_div_pd(_mm512_mul_pd(b, _mm512_set1_pd(0.5)), a);
    case kRsqrtGrad512:  // -0.5 dy y^3
      return _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(-0.5), b),
                           _mm512_mul_pd(_mm512_mul_pd(a, a), a));
    case kReciprocalGrad512:  // -dy y^2 (-dy as -1 dy: dy = 0 gives -0 as in JS)
      return _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(-1.0), b), _mm512_mul_pd(a, a));
    default: {  // EluGrad: dy where y > 0, else dy (y + 1)
      const __mmask8 pos = _mm512_cmp_pd_mask(b, _mm512_setzero_pd(), _CMP_GT_OQ);
      return _mm512_mask_mov_pd(_mm512_mul_pd(a, _mm512_add_pd(b, one)), pos, a);
    }
  }
}
template <int Op>
inline __m512 grad_ps(__m512 a, __m512 b) {
  return join_ps(grad_pd<Op>(lo_pd(a), lo_pd(b)), grad_pd<Op>(hi_pd(a), hi_pd(b)));
}
template <int Op>
void grad_loop(const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, grad_ps<Op>(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(
        y + i, m, grad_ps<Op>(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
  }
}

}  // namespace
}  // namespace tf
TF_AVX512_END
#endif  // TF_X86

namespace tf {
namespace {

}  // namespace

void gelu512_f32(const float* x, float* y, int64_t n) {
#if TF_X86
  gelu_loop(x, y, n);
#else
  (void)x, (void)y, (void)n;
#endif
}

void gelu_grad512_f32(const float* dy, const float* x, float* y, int64_t n) {
#if TF_X86
  gelu_grad_loop(dy, x, y, n);
#else
  (void)dy, (void)x, (void)y, (void)n;
#endif
}

void double_grad512_f32(int op, const float* a, const float* b, float* y, int64_t n) {
#if TF_X86
  switch (op) {
    case kSigmoidGrad512:
      return grad_loop<kSigmoidGrad512>(a, b, y, n);
    case kTanhGrad512:
      return grad_loop<kTanhGrad512>(a, b, y, n);
    case kSquareGrad512:
      return grad_loop<kSquareGrad512>(a, b, y, n);
    case kTanGrad512:
      return grad_loop<kTanGrad512>(a, b, y, n);
    case kSqrtGrad512:
      return grad_loop<kSqrtGrad512>(a, b, y, n);
    case kRsqrtGrad512:
      return grad_loop<kRsqrtGrad512>(a, b, y, n);
    case kReciprocalGrad512:
      return grad_loop<kReciprocalGrad512>(a, b, y, n);
    default:
      return grad_loop<kEluGrad512>(a, b, y, n);
  }
#else
  (void)op, (void)a, (void)b, (void)y, (void)n;
#endif
}


}  // namespace tf
