// N-API entry point of the fused dropout (dropout.h): dropoutApply(x, u, y, rate, scale) writes
// y = u >= rate ? x * scale : 0; x, u and y of one float dtype and one length. Argument rules:
// addon.cc.
#include "binding.h"
#include "dropout.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

Napi::Value DropoutApply(const Napi::CallbackInfo& info) {
  Call c(info, "dropoutApply");
  const double rate = real_arg(c, info, 3, "rate");
  const double scale = real_arg(c, info, 4, "scale");
  Arr x = c.float_array(0, "x");
  Arr u = c.float_array(1, "u");
  Arr y = c.float_array(2, "y");
  c.same_dtype({&x, &u, &y});
  c.expect_len(u, x.length);
  c.expect_len(y, x.length);
  c.disjoint({&y}, {&x, &u});
  if (x.length > 0) tf::dropout_apply(x.dtype == DType::F32, x.data, u.data, y.data, x.length, rate, scale);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("dropoutApply", DropoutApply);
