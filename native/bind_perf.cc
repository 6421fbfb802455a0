// N-API entry points of the workload kernels (perf.h): blocked transpose, fused Adam update,
// fused softmax gradients. Argument rules: addon.cc.
#include "binding.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;
using tf::Shape;


// transpose(x, shape, perm, out): out's axis a is x's axis perm[a]; any element type.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Call c(info, "Transpose");
  Shape s = c.shape(1, "shape");
  Shape perm64 = c.shape(2, "perm");
  Arr x = c.array(0, "x");
  Arr o = c.array(3, "out");
  c.same_dtype({&x, &o});
  c.expect_len(x, s);
  c.expect_len(o, x.length);
  c.disjoint({&o}, {&x});
  if (perm64.size() != s.size())
    c.range_error("perm has " + std::to_string(perm64.size()) + " entries for rank " +
                  std::to_string(s.size()));
  std::vector<int> perm(perm64.size());
  std::vector<bool> seen(perm64.size(), false);
  for (size_t a = 0; a < perm64.size(); a++) {
    if (perm64[a] >= static_cast<int64_t>(s.size()) || seen[perm64[a]])
      c.range_error("perm " + shape_str(perm64) + " is not a permutation of 0.." +
                    std::to_string(static_cast<int64_t>(s.size()) - 1));
    seen[perm64[a]] = true;
    perm[a] = static_cast<int>(perm64[a]);
  }
  if (x.length == 0) return c.env().Undefined();
  tf::transpose(tf::dtype_size(x.dtype), x.data, s, perm, o.data);
  return c.env().Undefined();
}

// adamUpdate(var, m, v, grad, outVar, outM, outV, alpha, beta1, beta2, epsilon): Keras's Adam
// step out of place (the inputs are never written): outM, outV, outVar get the new values.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Call c(info, "adamUpdate");
  const double alpha = real_arg(c, info, 7, "alpha");
  const double beta1 = real_arg(c, info, 8, "beta1");
  const double beta2 = real_arg(c, info, 9, "beta2");
  const double eps = real_arg(c, info, 10, "epsilon");
  Arr var = c.float_array(0, "var");
  Arr m = c.float_array(1, "m");
  Arr v = c.float_array(2, "v");
  Arr g = c.float_array(3, "grad");
  Arr ovar = c.float_array(4, "outVar");
  Arr om = c.float_array(5, "outM");
  Arr ov = c.float_array(6, "outV");
  c.same_dtype({&var, &m, &v, &g, &ovar, &om, &ov});
  for (const Arr* a : {&m, &v, &g, &ovar, &om, &ov}) c.expect_len(*a, var.length);
  c.disjoint({&ovar, &om, &ov}, {&var, &m, &v, &g});
  if (var.length == 0) return c.env().Undefined();
  tf::adam_update(var.dtype == DType::F32, var.data, m.data, v.data, g.data, ovar.data, om.data,
                  ov.data, var.length, alpha, beta1, beta2, eps);
  return c.env().Undefined();
}

// sgdMomentumUpdate(var, vel, grad, outVar, outVel, lr, momentum, nesterov): Keras's SGD step
// with momentum, out of place.
Napi::Value SgdMomentumUpdate(const Napi::CallbackInfo& info) {
  Call c(info, "sgdMomentumUpdate");
  const double lr = real_arg(c, info, 5, "lr");
  const double momentum = real_arg(c, info, 6, "momentum");
  const bool nesterov = c.flag(7, "nesterov");
  Arr var = c.float_array(0, "var");
  Arr vel = c.float_array(1, "vel");
  Arr g = c.float_array(2, "grad");
  Arr ovar = c.float_array(3, "outVar");
  Arr ovel = c.float_array(4, "outVel");
  c.same_dtype({&var, &vel, &g, &ovar, &ovel});
  for (const Arr* a : {&vel, &g, &ovar, &ovel}) c.expect_len(*a, var.length);
  c.disjoint({&ovar, &ovel}, {&var, &vel, &g});
  c.disjoint({&ovar}, {&ovel});
  if (var.length == 0) return c.env().Undefined();
  tf::sgd_momentum_update(var.dtype == DType::F32, var.data, vel.data, g.data, ovar.data,
                          ovel.data, var.length, lr, momentum, nesterov);
  return c.env().Undefined();
}

// softmaxGrad(y, dy, out, {outer, n, inner}, log)
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Call c(info, "softmaxGrad");
  tf::AxisParams p = axis_params(c, 3);
  const bool log = c.flag(4, "log");
  Arr y = c.float_array(0, "y");
  Arr dy = c.float_array(1, "dy");
  Arr o = c.float_array(2, "out");
  c.same_dtype({&y, &dy, &o});
  const int64_t n = c.product({p.outer, p.n, p.inner});
  c.expect_len(y, n);
  c.expect_len(dy, n);
  c.expect_len(o, n);
  c.disjoint({&o}, {&y, &dy});
  if (n == 0) return c.env().Undefined();
  tf::softmax_grad(y.dtype == DType::F32, y.data, dy.data, o.data, p, log);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("transpose", Transpose);
TF_BIND("softmaxGrad", SoftmaxGrad);
TF_BIND("adamUpdate", AdamUpdate);
TF_BIND("sgdMomentumUpdate", SgdMomentumUpdate);
