// The switch between vmath's AVX-512 and AVX2 float32 loops (vmath_avx512.h).
#include <atomic>

#include "common.h"
#include "vmath_avx512.h"

namespace tf {

#if TF_X86
namespace {

bool cpu_has_avx512f() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

std::atomic<bool> g_allow{true};

}  // namespace

bool vmath512_enabled() {
  static const bool has = cpu_has_avx512f();
  return has && isa() == Isa::Avx2 && g_allow.load(std::memory_order_relaxed);
}

bool vmath_allow_avx512(bool allow) { return g_allow.exchange(allow); }

const char* vmath_path() {
  if (vmath512_enabled()) return "avx512";
  return isa() == Isa::Avx2 ? "avx2" : "scalar";
}
#else
bool vmath512_enabled() { return false; }
bool vmath_allow_avx512(bool) { return false; }
const char* vmath_path() { return "scalar"; }
#endif

}  // namespace tf
