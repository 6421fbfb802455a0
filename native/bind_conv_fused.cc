// N-API entry point of the fused convolution (conv_direct.h): conv2dBiasAct(x, w, bias, y,
// params, relu) -> y = act(conv2d(x, w) + bias), params as conv2d's, act max(., 0) when relu
// else the identity. Argument rules: addon.cc.
#include <cstring>

#include "binding.h"
#include "conv_direct.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

Napi::Value Conv2DBiasAct(const Napi::CallbackInfo& info) {
  Call c(info, "conv2dBiasAct");
  const tf::Conv2DParams p = conv_params(c, 4);
  const bool relu = c.flag(5, "relu");
  Arr x = c.float_array(0, "x");
  Arr w = c.float_array(1, "w");
  Arr b = c.float_array(2, "bias");
  Arr y = c.float_array(3, "y");
  c.same_dtype({&x, &w, &b, &y});
  c.expect_len(x, c.product({p.batch, p.inH, p.inW, p.inC}));
  c.expect_len(w, c.product({p.filterH, p.filterW, p.inC, p.outC}));
  c.expect_len(b, p.outC);
  const int64_t ys = c.product({p.batch, p.outH, p.outW, p.outC});
  c.expect_len(y, ys);
  c.disjoint({&y}, {&x, &w, &b});
  if (ys == 0) return c.env().Undefined();
  tf::conv2d_bias_act(x.dtype == DType::F32, x.data, w.data, b.data, y.data, p, relu);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("conv2dBiasAct", Conv2DBiasAct);
