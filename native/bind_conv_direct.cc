// N-API entry points of the direct convolution kernels' test hooks (conv_direct.h):
// convDirectPath() -> "avx512" | "avx2" | "scalar", the instruction set conv2d and its backprops
// use now; convDirectAllowAvx512(allow) -> the previous setting (tests run the AVX2 kernels on
// an AVX-512 CPU with allow = false). The kernels themselves are reached through conv2d,
// conv2dBackpropInput and conv2dBackpropFilter.
#include "binding.h"
#include "conv_direct.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value ConvDirectPath(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::conv_direct_path());
}

Napi::Value ConvDirectAllowAvx512(const Napi::CallbackInfo& info) {
  Call c(info, "convDirectAllowAvx512");
  const bool allow = c.flag(0, "allow");
  return Napi::Boolean::New(info.Env(), tf::conv_direct_allow_avx512(allow));
}

}  // namespace

TF_BIND("convDirectPath", ConvDirectPath);
TF_BIND("convDirectAllowAvx512", ConvDirectAllowAvx512);
