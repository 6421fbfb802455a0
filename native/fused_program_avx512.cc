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

// op2(op1(x, c1), c2) over n floats (see fused_avx512_pair_span). The empty asm between the two
// operations hides the first result's origin from the compiler, which could otherwise contract
// a multiplication and an addition into one FMA (rounded once: not the eager result).
template <class Op, bool Swap>
TF_AVX512 TF_INLINE __m512 apply(__m512 x, __m512 c) {
  return Swap ? Op::f(c, x) : Op::f(x, c);
}
template <class Op1, bool Swap1, class Op2, bool Swap2>
TF_AVX512 void pair_loop(const float* x, float c1, float c2, float* y, int64_t n) {
  const __m512 v1 = _mm512_set1_ps(c1), v2 = _mm512_set1_ps(c2);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 z0 = apply<Op1, Swap1>(_mm512_loadu_ps(x + i), v1);
    __m512 z1 = apply<Op1, Swap1>(_mm512_loadu_ps(x + i + 16), v1);
    __asm__("" : "+v"(z0), "+v"(z1));
    _mm512_storeu_ps(y + i, apply<Op2, Swap2>(z0, v2));
    _mm512_storeu_ps(y + i + 16, apply<Op2, Swap2>(z1, v2));
  }
  for (; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m =
        left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    // Masked-off lanes read 1: nothing there divides by zero.
    __m512 z = apply<Op1, Swap1>(_mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, x + i), v1);
    __asm__("" : "+v"(z));
    _mm512_mask_storeu_ps(y + i, m, apply<Op2, Swap2>(z, v2));
  }
}

template <class Op1, bool Swap1, class Op2>
FusedPairSpan pair_second(bool swap2) {
  return swap2 ? pair_loop<Op1, Swap1, Op2, true> : pair_loop<Op1, Swap1, Op2, false>;
}
template <class Op1, bool Swap1>
FusedPairSpan pair_first(int k2, bool swap2) {
  switch (k2) {
    case 0:
      return pair_second<Op1, Swap1, AddF>(swap2);
    case 1:
      return pair_second<Op1, Swap1, SubF>(swap2);
    case 2:
      return pair_second<Op1, Swap1, MulF>(swap2);
    default:
      return pair_second<Op1, Swap1, DivF>(swap2);
  }
}
template <class Op1>
FusedPairSpan pair_op1(bool swap1, int k2, bool swap2) {
  return swap1 ? pair_first<Op1, true>(k2, swap2) : pair_first<Op1, false>(k2, swap2);
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
FusedPairSpan fused_avx512_pair_span(int fn1, bool xIsB1, int fn2, bool zIsB2) {
  static const int ops[4] = {index_of("Add"), index_of("Sub"), index_of("Mul"), index_of("Div")};
  int k1 = -1, k2 = -1;
  for (int q = 0; q < 4; q++) {
    if (fn1 >= 0 && fn1 == ops[q]) k1 = q;
    if (fn2 >= 0 && fn2 == ops[q]) k2 = q;
  }
  if (k1 < 0 || k2 < 0) return nullptr;
  switch (k1) {
    case 0:
      return pair_op1<AddF>(xIsB1, k2, zIsB2);
    case 1:
      return pair_op1<SubF>(xIsB1, k2, zIsB2);
    case 2:
      return pair_op1<MulF>(xIsB1, k2, zIsB2);
    default:
      return pair_op1<DivF>(xIsB1, k2, zIsB2);
  }
}
#else
bool fused_avx512_binary_spans(int, BinarySpans*) { return false; }
FusedPairSpan fused_avx512_pair_span(int, bool, int, bool) { return nullptr; }
#endif

}  // namespace tf
