// N-API entry points of the AVX-512 switch (vmath_avx512.h): vmathPath() -> "avx512" |
// "avx2" | "scalar", what the float32 paths with AVX-512 versions (unary math, fused programs'
// arithmetic, the matmul micro-kernel) use now; vmathAllowAvx512(allow) -> the previous setting
// (tests run the AVX2 code on an AVX-512 CPU with allow = false).
#include "binding.h"
#include "vmath_avx512.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value VmathPath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::vmath_path());
}

Napi::Value VmathAllowAvx512(const Napi::CallbackInfo& info) {
  Call c(info, "vmathAllowAvx512");
  const bool allow = c.flag(0, "allow");
  return Napi::Boolean::New(info.Env(), tf::vmath_allow_avx512(allow));
}

}  // namespace

TF_BIND("vmathPath", VmathPath);
TF_BIND("vmathAllowAvx512", VmathAllowAvx512);
