// N-API entry points of the layer normalization kernels (layernorm.h). Argument rules: addon.cc.
#include "binding.h"
#include "layernorm.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// layerNorm(x, gamma, beta, y, mean, rstd, rows, n, eps): x, y [rows, n]; gamma, beta [n];
// mean, rstd [rows].
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Call c(info, "layerNorm");
  const int64_t rows = c.count(6, "rows");
  const int64_t n = c.count(7, "n");
  const double eps = real_arg(c, info, 8, "epsilon");
  if (eps < 0) c.range_error("epsilon must be non-negative");
  const int64_t size = c.product({rows, n});
  Arr x = c.float_array(0, "x");
  Arr gamma = c.float_array(1, "gamma");
  Arr beta = c.float_array(2, "beta");
  Arr y = c.float_array(3, "y");
  Arr mean = c.float_array(4, "mean");
  Arr rstd = c.float_array(5, "rstd");
  c.same_dtype({&x, &gamma, &beta, &y, &mean, &rstd});
  c.expect_len(x, size);
  c.expect_len(y, size);
  c.expect_len(gamma, n);
  c.expect_len(beta, n);
  c.expect_len(mean, rows);
  c.expect_len(rstd, rows);
  c.disjoint({&y, &mean, &rstd}, {&x, &gamma, &beta});
  c.disjoint({&y}, {&mean, &rstd});
  c.disjoint({&mean}, {&rstd});
  if (size == 0) return c.env().Undefined();
  tf::layer_norm(x.dtype == DType::F32, x.data, gamma.data, beta.data, y.data, mean.data,
                 rstd.data, rows, n, eps);
  return c.env().Undefined();
}

// layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, n)
Napi::Value LayerNormGrad(const Napi::CallbackInfo& info) {
  Call c(info, "layerNormGrad");
  const int64_t rows = c.count(8, "rows");
  const int64_t n = c.count(9, "n");
  const int64_t size = c.product({rows, n});
  Arr x = c.float_array(0, "x");
  Arr gamma = c.float_array(1, "gamma");
  Arr mean = c.float_array(2, "mean");
  Arr rstd = c.float_array(3, "rstd");
  Arr dy = c.float_array(4, "dy");
  Arr dx = c.float_array(5, "dx");
  Arr dgamma = c.float_array(6, "dgamma");
  Arr dbeta = c.float_array(7, "dbeta");
  c.same_dtype({&x, &gamma, &mean, &rstd, &dy, &dx, &dgamma, &dbeta});
  c.expect_len(x, size);
  c.expect_len(dy, size);
  c.expect_len(dx, size);
  c.expect_len(gamma, n);
  c.expect_len(dgamma, n);
  c.expect_len(dbeta, n);
  c.expect_len(mean, rows);
  c.expect_len(rstd, rows);
  c.disjoint({&dx, &dgamma, &dbeta}, {&x, &gamma, &mean, &rstd, &dy});
  c.disjoint({&dx}, {&dgamma, &dbeta});
  c.disjoint({&dgamma}, {&dbeta});
  if (n == 0) return c.env().Undefined();
  tf::layer_norm_grad(x.dtype == DType::F32, x.data, gamma.data, mean.data, rstd.data, dy.data,
                      dx.data, dgamma.data, dbeta.data, rows, n);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("layerNorm", LayerNorm);
TF_BIND("layerNormGrad", LayerNormGrad);
