// AVX-512 loops for the fused programs' float32 arithmetic (Add, Sub, Mul, Div): in a fused
// elementwise chain each such instruction is one pass over an L1-resident tile, bound by its
// loads and stores, and 16 lanes per instruction halve those. IEEE operations round the same
// at any width, so the results are the eager kernels' bit for bit. Used where
// avx512() (the CPU has AVX-512F and the ISA is AVX2).
#include <cstring>

#include "fused_program.h"
#include "vmath_avx512.h"

namespace tf {

#if TF_X86
namespace {

struct AddF {
  static TF_AVX512 TF_INLINE __m512 f(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
};
struct SubF {
  static TF_AVX512 TF_INLINE __m512 f(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
};
struct MulF {
  static TF_AVX512 TF_INLINE __m512 f(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
};
struct DivF {
  static TF_AVX512 TF_INLINE __m512 f(__m512 a, __m512 b) { return _mm512_div_ps(a, b); }
};

// y = op(a, b) over n floats; SA / SB: that operand is one value for all n. The tail through
// masked loads and stores.
template <class Op, bool SA, bool SB>
TF_AVX512 void loop(const void* pa, const void* pb, void* py, int64_t n) {
  const float* TF_RESTRICT a = static_cast<const float*>(pa);
  const float* TF_RESTRICT b = static_cast<const float*>(pb);
  float* TF_RESTRICT y = static_cast<float*>(py);
  const __m512 va = SA ? _mm512_set1_ps(*a) : _mm512_setzero_ps();
  const __m512 vb = SB ? _mm512_set1_ps(*b) : _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 r0 = Op::f(SA ? va : _mm512_loadu_ps(a + i), SB ? vb : _mm512_loadu_ps(b + i));
    __m512 r1 =
        Op::f(SA ? va : _mm512_loadu_ps(a + i + 16), SB ? vb : _mm512_loadu_ps(b + i + 16));
    _mm512_storeu_ps(y + i, r0);
    _mm512_storeu_ps(y + i + 16, r1);
  }
  for (; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m =
        left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    // Masked-off lanes read 1 (not 0): a division there divides nothing by zero.
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 x = SA ? va : _mm512_mask_loadu_ps(one, m, a + i);
    __m512 z = SB ? vb : _mm512_mask_loadu_ps(one, m, b + i);
    _mm512_mask_storeu_ps(y + i, m, Op::f(x, z));
  }
}

template <class Op>
BinarySpans spans() {
  return BinarySpans{loop<Op, false, false>, loop<Op, false, true>, loop<Op, true, false>, 0};
}

int index_of(const char* name) {
  for (int i = 0; i < kNumBinary; i++)
    if (std::strcmp(kBinaryNames[i], name) == 0) return i;
  return -1;
}

}  // namespace

bool fused_avx512_binary_spans(int fn, BinarySpans* out) {
  static const int add = index_of("Add"), sub = index_of("Sub"), mul = index_of("Mul"),
                   div = index_of("Div");
  if (fn < 0) return false;
  if (fn == add)
    *out = spans<AddF>();
  else if (fn == sub)
    *out = spans<SubF>();
  else if (fn == mul)
    *out = spans<MulF>();
  else if (fn == div)
    *out = spans<DivF>();
  else
    return false;
  return true;
}
#else
bool fused_avx512_binary_spans(int, BinarySpans*) { return false; }
#endif

}  // namespace tf
