#include "common.h"

#include <atomic>
#include <cstring>

namespace tf {

namespace {

bool cpu_has_avx512f() {
#if TF_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

std::atomic<bool> g_allow512{true};

bool cpu_has_avx2_fma() {
#if TF_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

Isa detect() {
  const char* env = std::getenv("TAPEFLOW_ISA");
  if (env != nullptr && std::strcmp(env, "scalar") == 0) return Isa::Scalar;
  return cpu_has_avx2_fma() ? Isa::Avx2 : Isa::Scalar;
}

// Atomic: setIsa can be called from one Node thread while another runs kernels. Kernels may
// read it more than once per call; either path computes the same results.
std::atomic<Isa> g_isa{detect()};

}  // namespace

Isa isa() { return g_isa.load(std::memory_order_relaxed); }

Isa set_isa(Isa want) {
  if (want == Isa::Avx2 && !cpu_has_avx2_fma()) return isa();
  return g_isa.exchange(want, std::memory_order_relaxed);
}

const char* isa_name(Isa i) { return i == Isa::Avx2 ? "avx2-fma" : "scalar"; }

bool avx512() {
  static const bool has = cpu_has_avx512f();
  return has && isa() == Isa::Avx2 && g_allow512.load(std::memory_order_relaxed);
}

bool allow_avx512(bool allow) { return g_allow512.exchange(allow); }

const char* simd_path() {
  if (avx512()) return "avx512";
  return isa() == Isa::Avx2 ? "avx2" : "scalar";
}

}  // namespace tf
