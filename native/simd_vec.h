// Register traits for kernels written once over a vector type: `reg` (the register), `L` (lanes),
// zero, load, bcast (one value to every lane), add, fma (a * b + c), store; unaligned loads and stores.
//
// Portable<T> is the baseline ISA's 16-byte vectors through the compilers' vector extensions
// (SSE2 on x86-64, NEON on aarch64), or plain scalars elsewhere; Avx2<T> and Avx512<T> carry
// their target attributes on every member, so a kernel using them must itself be compiled for
// that target (a `#pragma GCC target` region or the same attribute) and run only after isa() /
// the CPU said the instructions exist.
#pragma once

#include <cstring>

#include "common.h"

namespace tf {
namespace simd {

#if defined(__GNUC__) || defined(__clang__)
typedef float V4F __attribute__((vector_size(16)));
typedef double V2D __attribute__((vector_size(16)));
template <class T>
struct Vec16Of;
template <>
struct Vec16Of<float> {
  using type = V4F;
};
template <>
struct Vec16Of<double> {
  using type = V2D;
};
template <class T>
struct Portable {
  using reg = typename Vec16Of<T>::type;
  static constexpr int L = 16 / sizeof(T);
  static TF_INLINE reg zero() { return reg{} - reg{}; }
  static TF_INLINE reg load(const T* p) {
    reg r;
    std::memcpy(&r, p, sizeof(reg));
    return r;
  }
  static TF_INLINE reg bcast(const T* p) { return reg{} + *p; }
  static TF_INLINE reg add(reg a, reg b) { return a + b; }
  static TF_INLINE reg fma(reg a, reg b, reg c) { return c + a * b; }
  static TF_INLINE void store(T* p, reg v) { std::memcpy(p, &v, sizeof(reg)); }
};
#else
template <class T>
struct Portable {
  using reg = T;
  static constexpr int L = 1;
  static TF_INLINE reg zero() { return T(0); }
  static TF_INLINE reg load(const T* p) { return *p; }
  static TF_INLINE reg bcast(const T* p) { return *p; }
  static TF_INLINE reg add(reg a, reg b) { return a + b; }
  static TF_INLINE reg fma(reg a, reg b, reg c) { return c + a * b; }
  static TF_INLINE void store(T* p, reg v) { *p = v; }
};
#endif

#if TF_X86
template <class T>
struct Avx2;
template <>
struct Avx2<float> {
  using reg = __m256;
  static constexpr int L = 8;
  static TF_AVX2 TF_INLINE reg zero() { return _mm256_setzero_ps(); }
  static TF_AVX2 TF_INLINE reg load(const float* p) { return _mm256_loadu_ps(p); }
  static TF_AVX2 TF_INLINE reg bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static TF_AVX2 TF_INLINE reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static TF_AVX2 TF_INLINE reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static TF_AVX2 TF_INLINE void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
};
template <>
struct Avx2<double> {
  using reg = __m256d;
  static constexpr int L = 4;
  static TF_AVX2 TF_INLINE reg zero() { return _mm256_setzero_pd(); }
  static TF_AVX2 TF_INLINE reg load(const double* p) { return _mm256_loadu_pd(p); }
  static TF_AVX2 TF_INLINE reg bcast(const double* p) { return _mm256_broadcast_sd(p); }
  static TF_AVX2 TF_INLINE reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
  static TF_AVX2 TF_INLINE reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
  static TF_AVX2 TF_INLINE void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
};

template <class T>
struct Avx512;
template <>
struct Avx512<float> {
  using reg = __m512;
  static constexpr int L = 16;
  static TF_AVX512 TF_INLINE reg zero() { return _mm512_setzero_ps(); }
  static TF_AVX512 TF_INLINE reg load(const float* p) { return _mm512_loadu_ps(p); }
  static TF_AVX512 TF_INLINE reg bcast(const float* p) { return _mm512_set1_ps(*p); }
  static TF_AVX512 TF_INLINE reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static TF_AVX512 TF_INLINE reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static TF_AVX512 TF_INLINE void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
};
template <>
struct Avx512<double> {
  using reg = __m512d;
  static constexpr int L = 8;
  static TF_AVX512 TF_INLINE reg zero() { return _mm512_setzero_pd(); }
  static TF_AVX512 TF_INLINE reg load(const double* p) { return _mm512_loadu_pd(p); }
  static TF_AVX512 TF_INLINE reg bcast(const double* p) { return _mm512_set1_pd(*p); }
  static TF_AVX512 TF_INLINE reg add(reg a, reg b) { return _mm512_add_pd(a, b); }
  static TF_AVX512 TF_INLINE reg fma(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
  static TF_AVX512 TF_INLINE void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
};
#endif

}  // namespace simd
}  // namespace tf
