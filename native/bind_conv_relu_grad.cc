// N-API entry point of the fused convolution's relu gradient (conv_relu_grad.h):
// conv2dReluBackprop(x, w, dy, y, dx | null, dw, db, params) writes db, dw and (unless dx is
// null) dx, params as conv2d's. Argument rules: addon.cc.
#include <cstring>

#include "binding.h"
#include "conv_relu_grad.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

Napi::Value Conv2DReluBackprop(const Napi::CallbackInfo& info) {
  Call c(info, "conv2dReluBackprop");
  const tf::Conv2DParams p = conv_params(c, 7);
  const bool hasDx = info.Length() > 4 && !info[4].IsNull();
  Arr x = c.float_array(0, "x");
  Arr w = c.float_array(1, "w");
  Arr dy = c.float_array(2, "dy");
  Arr y = c.float_array(3, "y");
  Arr dx = hasDx ? c.float_array(4, "dx") : Arr{x.dtype, nullptr, 0, "dx"};
  Arr dw = c.float_array(5, "dw");
  Arr db = c.float_array(6, "db");
  c.same_dtype({&x, &w, &dy, &y, &dx, &dw, &db});
  const int64_t xs = c.product({p.batch, p.inH, p.inW, p.inC});
  const int64_t ys = c.product({p.batch, p.outH, p.outW, p.outC});
  c.expect_len(x, xs);
  c.expect_len(w, c.product({p.filterH, p.filterW, p.inC, p.outC}));
  c.expect_len(dy, ys);
  c.expect_len(y, ys);
  if (hasDx) c.expect_len(dx, xs);
  c.expect_len(dw, w.length);
  c.expect_len(db, p.outC);
  c.disjoint({&dx, &dw, &db}, {&x, &w, &dy, &y});
  // Rule 5: no output pixels (or channels): every gradient is zero.
  if (ys == 0) {
    for (const Arr* a : {&dx, &dw, &db})
      if (a->length > 0) std::memset(a->data, 0, a->end() - a->begin());
    return c.env().Undefined();
  }
  tf::conv2d_relu_backprop(x.dtype == DType::F32, x.data, w.data, dy.data, y.data,
                           hasDx ? dx.data : nullptr, dw.data, db.data, p);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("conv2dReluBackprop", Conv2DReluBackprop);
