// The AVX-512F GELU loops of vec512.h, and the switch of all its loops (vec512_active). The 16-lane code is compiled for avx512f in this file
// only and reached only after the CPU said it has it.
#include "vec512.h"

#include <atomic>

#include "common.h"

#if TF_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's unmasked AVX-512 intrinsics (min, max, conversions, extracts) pass an
// _mm512_undefined_*() value as the unused merge source, which -W(maybe-)uninitialized
// reports at every inlined call.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
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
}  // namespace
}  // namespace tf
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
#endif  // TF_X86

namespace tf {
namespace {

std::atomic<bool> g_allow512{true};

bool cpu_has_avx512f() {
#if TF_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

}  // namespace

bool vec512_active() {
  static const bool has = cpu_has_avx512f();
  return has && isa() == Isa::Avx2 && g_allow512.load(std::memory_order_relaxed);
}

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

bool vec512_allow(bool allow) { return g_allow512.exchange(allow); }

const char* vec512_path() {
  if (vec512_active()) return "avx512";
  return isa() == Isa::Avx2 ? "avx2" : "scalar";
}

}  // namespace tf
