// N-API test hooks of the AVX-512 GELU loops (gelu512.h): geluPath() -> "avx512" | "avx2" |
// "scalar", the loops float32 Gelu and GeluGrad run now; geluAllowAvx512(allow) -> the previous
// setting (tests run the AVX2 loops on an AVX-512 CPU with allow = false). The loops themselves
// are reached through the unary Gelu and binary GeluGrad ops.
#include "binding.h"
#include "gelu512.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value GeluPath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::gelu_path());
}

Napi::Value GeluAllowAvx512(const Napi::CallbackInfo& info) {
  Call c(info, "geluAllowAvx512");
  const bool allow = c.flag(0, "allow");
  return Napi::Boolean::New(info.Env(), tf::gelu_allow_avx512(allow));
}

}  // namespace

TF_BIND("geluPath", GeluPath);
TF_BIND("geluAllowAvx512", GeluAllowAvx512);
