// N-API test hooks of the AVX-512 float32 loops (vec512.h: GELU, GeluGrad, softmax rows):
// vec512Path() -> "avx512" | "avx2" | "scalar", the loops those kernels run now;
// vec512Allow(allow) -> the previous setting (tests run the AVX2 loops on an AVX-512 CPU with
// allow = false). The loops themselves are reached through the Gelu, GeluGrad, Softmax and
// LogSoftmax ops.
#include "binding.h"
#include "vec512.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value Vec512Path(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::vec512_path());
}

Napi::Value Vec512Allow(const Napi::CallbackInfo& info) {
  Call c(info, "vec512Allow");
  const bool allow = c.flag(0, "allow");
  return Napi::Boolean::New(info.Env(), tf::vec512_allow(allow));
}

}  // namespace

TF_BIND("vec512Path", Vec512Path);
TF_BIND("vec512Allow", Vec512Allow);
