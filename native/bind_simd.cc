// N-API entry points of the AVX-512F switch (common.h): simdPath() -> "avx512" | "avx2" |
// "scalar", the widest kernels in use now; allowAvx512(allow) -> the previous setting (tests run
// the AVX2 code on an AVX-512 CPU with allow = false; every 16-lane kernel gives its AVX2
// kernel's results, so results do not depend on it).
#include "binding.h"
#include "common.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value SimdPath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::simd_path());
}

Napi::Value AllowAvx512(const Napi::CallbackInfo& info) {
  Call c(info, "allowAvx512");
  const bool allow = c.flag(0, "allow");
  return Napi::Boolean::New(info.Env(), tf::allow_avx512(allow));
}

}  // namespace

TF_BIND("simdPath", SimdPath);
TF_BIND("allowAvx512", AllowAvx512);
