// N-API entry points of the dense factorizations (lapack.cc). Argument rules: addon.cc. Every
// matrix argument is a float32 or float64 array of one dtype, row-major, batch after batch.
#include "binding.h"
#include "special.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// cholesky(a, out, batch, n) -> the first batch index not positive definite, or -1
Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  Call c(info, "cholesky");
  const int64_t batch = c.count(2, "batch");
  const int64_t n = c.count(3, "n");
  const int64_t size = c.product({batch, n, n});
  Arr a = c.float_array(0, "a");
  Arr o = c.float_array(1, "out");
  c.same_dtype({&a, &o});
  c.expect_len(a, size);
  c.expect_len(o, size);
  c.disjoint({&o}, {&a});
  if (size == 0) return Napi::Number::New(c.env(), -1);
  const int64_t bad = tf::cholesky(a.dtype == DType::F32, a.data, o.data, batch, n);
  return Napi::Number::New(c.env(), static_cast<double>(bad));
}

// lu(a, lu, perm, batch, n): packed LU, perm int32 [batch, n]
Napi::Value Lu(const Napi::CallbackInfo& info) {
  Call c(info, "lu");
  const int64_t batch = c.count(3, "batch");
  const int64_t n = c.count(4, "n");
  const int64_t size = c.product({batch, n, n});
  if (n > 2147483647) c.range_error("n does not fit int32 row indices");
  Arr a = c.float_array(0, "a");
  Arr o = c.float_array(1, "lu");
  Arr p = c.array(2, "perm");
  c.same_dtype({&a, &o});
  c.expect_dtype(p, DType::I32);
  c.expect_len(a, size);
  c.expect_len(o, size);
  c.expect_len(p, c.product({batch, n}));
  c.disjoint({&o, &p}, {&a});
  if (size == 0) return c.env().Undefined();
  tf::lu(a.dtype == DType::F32, a.data, o.data, static_cast<int32_t*>(p.data), batch, n);
  return c.env().Undefined();
}

// triangularSolve(a, b, out, batch, n, k, lower, adjoint)
Napi::Value TriangularSolve(const Napi::CallbackInfo& info) {
  Call c(info, "triangularSolve");
  const int64_t batch = c.count(3, "batch");
  const int64_t n = c.count(4, "n");
  const int64_t k = c.count(5, "k");
  const bool lower = c.flag(6, "lower");
  const bool adjoint = c.flag(7, "adjoint");
  Arr a = c.float_array(0, "a");
  Arr b = c.float_array(1, "b");
  Arr o = c.float_array(2, "out");
  c.same_dtype({&a, &b, &o});
  c.expect_len(a, c.product({batch, n, n}));
  c.expect_len(b, c.product({batch, n, k}));
  c.expect_len(o, c.product({batch, n, k}));
  c.disjoint({&o}, {&a, &b});
  if (o.length == 0) return c.env().Undefined();
  tf::triangular_solve(a.dtype == DType::F32, a.data, b.data, o.data, batch, n, k, lower,
                       adjoint);
  return c.env().Undefined();
}

// qr(a, q, r, batch, m, n, full)
Napi::Value Qr(const Napi::CallbackInfo& info) {
  Call c(info, "qr");
  const int64_t batch = c.count(3, "batch");
  const int64_t m = c.count(4, "m");
  const int64_t n = c.count(5, "n");
  const bool full = c.flag(6, "full");
  const int64_t p = std::min(m, n);
  const int64_t qcols = full ? m : p;
  const int64_t rrows = full ? m : p;
  Arr a = c.float_array(0, "a");
  Arr q = c.float_array(1, "q");
  Arr r = c.float_array(2, "r");
  c.same_dtype({&a, &q, &r});
  c.expect_len(a, c.product({batch, m, n}));
  c.expect_len(q, c.product({batch, m, qcols}));
  c.expect_len(r, c.product({batch, rrows, n}));
  c.disjoint({&q, &r}, {&a});
  if (q.length == 0 && r.length == 0) return c.env().Undefined();
  tf::qr(a.dtype == DType::F32, a.data, q.data, r.data, batch, m, n, full);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("cholesky", Cholesky);
TF_BIND("lu", Lu);
TF_BIND("triangularSolve", TriangularSolve);
TF_BIND("qr", Qr);
