// Shared definitions of the tapeflow native kernels: ISA selection, aligned buffers.
//
// The addon is compiled for the baseline of its target (x86-64 without AVX, or ARM), so it
// loads on any CPU. The AVX2/FMA kernels are compiled function by function with
// __attribute__((target("avx2,fma"))) and chosen at run time when the CPU reports both
// features; every other CPU runs the portable C++ path, which the compiler vectorizes for
// its baseline (SSE2 on x86-64, NEON on aarch64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#if defined(_WIN32)
#include <malloc.h>
#endif

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define TF_X86 1
#include <immintrin.h>
// Functions that use AVX2 and FMA instructions; only called after isa() said they exist.
#define TF_AVX2 __attribute__((target("avx2,fma")))
// Functions that use AVX-512F (and AVX2/FMA, which every AVX-512F CPU has); only called after
// avx512() said so.
#define TF_AVX512 __attribute__((target("avx512f,avx2,fma")))
// A file region compiled for AVX-512F: every function between TF_AVX512_BEGIN and TF_AVX512_END
// (those of headers included there too) as if marked TF_AVX512. GCC 12's unmasked AVX-512
// intrinsics (min, max, conversions, extracts) pass an _mm512_undefined_*() value as the unused
// merge source, which -W(maybe-)uninitialized reports at every inlined call: silenced inside.
#if defined(__clang__)
#define TF_AVX512_BEGIN \
  _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx2,fma\"))), apply_to = function)")
#define TF_AVX512_END _Pragma("clang attribute pop")
#else
#define TF_AVX512_BEGIN                                                                     \
  _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx2,fma\")")                 \
      _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
          _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define TF_AVX512_END _Pragma("GCC diagnostic pop") _Pragma("GCC pop_options")
#endif
#else
#define TF_X86 0
#define TF_AVX2
#define TF_AVX512
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TF_INLINE inline __attribute__((always_inline))
#define TF_RESTRICT __restrict__
#else
#define TF_INLINE inline
#define TF_RESTRICT
#endif

namespace tf {

enum class Isa { Scalar = 0, Avx2 = 1 };

// The instruction set the kernels use: AVX2+FMA when the CPU has both, unless the environment
// variable TAPEFLOW_ISA=scalar forces the portable path (to test it on an AVX2 machine).
Isa isa();
// Overrides the choice (for tests); returns the previous one. Avx2 is refused without support.
Isa set_isa(Isa want);
const char* isa_name(Isa i);

// AVX-512F, one switch for every kernel with a 16-lane version (float32 vector math, fused
// programs' arithmetic, GELU, softmax rows, the double-computed gradients, direct convolution
// tiles, the float32 matmul micro-kernel): on when the CPU has AVX-512F, isa() is Avx2 and
// tests have not forbidden it. Each 16-lane kernel gives its AVX2 kernel's results.
bool avx512();
// Allows or forbids the AVX-512F kernels (tests run the AVX2 code on an AVX-512 CPU);
// returns the previous setting.
bool allow_avx512(bool allow);
// "avx512", "avx2" or "scalar": the widest kernels in use now.
const char* simd_path();

// A 64-byte aligned, growable scratch buffer (packing panels for GEMM, partial sums).
// Growing throws std::bad_alloc, which the binding turns into a JS error.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { release(data_); }
  // At least `bytes` bytes; the old contents are not kept.
  void* reserve(size_t bytes) {
    if (bytes <= cap_) return data_;
    release(data_);
    data_ = nullptr;
    cap_ = 0;
    size_t rounded = (bytes + 63) & ~size_t(63);
#if defined(_WIN32)
    void* p = _aligned_malloc(rounded, 64);
#else
    void* p = std::aligned_alloc(64, rounded);
#endif
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    cap_ = rounded;
    return data_;
  }
  template <class T>
  T* as(size_t count) {
    return static_cast<T*>(reserve(count * sizeof(T)));
  }

 private:
  static void release(void* p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
  }
  void* data_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace tf
