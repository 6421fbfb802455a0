// N-API entry points of the dense factorizations (lapack.cc). Argument rules: addon.cc. Every
// matrix argument is a float32 or float64 array of one dtype, row-major, batch after batch.
#include "binding.h"
#include "special.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// A batch of square matrices a [batch, n, n] (argument 0) and an output of the same size
// (argument 1), with batch and n at arguments 2 and 3. Other parameters are read before this
// (addon.cc rule 1: every parameter before the first typed array).
struct SquareArgs {
  int64_t batch, n, size;
  Arr a, o;
};

SquareArgs square_args(Call& c) {
  const int64_t batch = c.count(2, "batch");
  const int64_t n = c.count(3, "n");
  const int64_t size = c.product({batch, n, n});
  Arr a = c.float_array(0, "a");
  Arr o = c.float_array(1, "out");
  c.same_dtype({&a, &o});
  c.expect_len(a, size);
  c.expect_len(o, size);
  c.disjoint({&o}, {&a});
  return SquareArgs{batch, n, size, a, o};
}

// A solve's operands: a [batch, n, n], b and out [batch, n, k] at arguments 0-2, batch, n and k
// at 3-5. Other parameters are read before this.
struct SolveArgs {
  int64_t batch, n, k;
  Arr a, b, o;
};

SolveArgs solve_args(Call& c) {
  const int64_t batch = c.count(3, "batch");
  const int64_t n = c.count(4, "n");
  const int64_t k = c.count(5, "k");
  Arr a = c.float_array(0, "a");
  Arr b = c.float_array(1, "b");
  Arr o = c.float_array(2, "out");
  c.same_dtype({&a, &b, &o});
  c.expect_len(a, c.product({batch, n, n}));
  c.expect_len(b, c.product({batch, n, k}));
  c.expect_len(o, c.product({batch, n, k}));
  c.disjoint({&o}, {&a, &b});
  return SolveArgs{batch, n, k, a, b, o};
}

// cholesky(a, out, batch, n) -> the first batch index not positive definite, or -1
Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  Call c(info, "cholesky");
  const SquareArgs s = square_args(c);
  if (s.size == 0) return Napi::Number::New(c.env(), -1);
  const int64_t bad = tf::cholesky(s.a.dtype == DType::F32, s.a.data, s.o.data, s.batch, s.n);
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
  const bool lower = c.flag(6, "lower");
  const bool adjoint = c.flag(7, "adjoint");
  const SolveArgs s = solve_args(c);
  if (s.o.length == 0) return c.env().Undefined();
  tf::triangular_solve(s.a.dtype == DType::F32, s.a.data, s.b.data, s.o.data, s.batch, s.n, s.k,
                       lower, adjoint);
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

// matrixSolve(a, b, out, batch, n, k, adjoint) -> the first singular batch index, or -1
Napi::Value MatrixSolve(const Napi::CallbackInfo& info) {
  Call c(info, "matrixSolve");
  const bool adjoint = c.flag(6, "adjoint");
  const SolveArgs s = solve_args(c);
  if (s.a.length == 0 || s.o.length == 0) return Napi::Number::New(c.env(), -1);
  const int64_t bad = tf::matrix_solve(s.a.dtype == DType::F32, s.a.data, s.b.data, s.o.data,
                                       s.batch, s.n, s.k, adjoint);
  return Napi::Number::New(c.env(), static_cast<double>(bad));
}

// matrixInverse(a, out, batch, n, adjoint) -> the first singular batch index, or -1
Napi::Value MatrixInverse(const Napi::CallbackInfo& info) {
  Call c(info, "matrixInverse");
  const bool adjoint = c.flag(4, "adjoint");
  const SquareArgs s = square_args(c);
  if (s.size == 0) return Napi::Number::New(c.env(), -1);
  const int64_t bad =
      tf::matrix_inverse(s.a.dtype == DType::F32, s.a.data, s.o.data, s.batch, s.n, adjoint);
  return Napi::Number::New(c.env(), static_cast<double>(bad));
}

// determinant(a, out, batch, n)
Napi::Value Determinant(const Napi::CallbackInfo& info) {
  Call c(info, "determinant");
  const int64_t batch = c.count(2, "batch");
  const int64_t n = c.count(3, "n");
  Arr a = c.float_array(0, "a");
  Arr o = c.float_array(1, "out");
  c.same_dtype({&a, &o});
  c.expect_len(a, c.product({batch, n, n}));
  c.expect_len(o, batch);
  c.disjoint({&o}, {&a});
  if (batch == 0) return c.env().Undefined();
  tf::determinant(a.dtype == DType::F32, a.data, o.data, batch, n);
  return c.env().Undefined();
}

// logDeterminant(a, sign, logAbs, batch, n)
Napi::Value LogDeterminant(const Napi::CallbackInfo& info) {
  Call c(info, "logDeterminant");
  const int64_t batch = c.count(3, "batch");
  const int64_t n = c.count(4, "n");
  Arr a = c.float_array(0, "a");
  Arr s = c.float_array(1, "sign");
  Arr l = c.float_array(2, "logAbs");
  c.same_dtype({&a, &s, &l});
  c.expect_len(a, c.product({batch, n, n}));
  c.expect_len(s, batch);
  c.expect_len(l, batch);
  c.disjoint({&s, &l}, {&a});
  c.disjoint({&s}, {&l});
  if (batch == 0) return c.env().Undefined();
  tf::log_determinant(a.dtype == DType::F32, a.data, s.data, l.data, batch, n);
  return c.env().Undefined();
}

// eigh(a, e, v, batch, n, vectors): v is empty when vectors is false
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  Call c(info, "eigh");
  const int64_t batch = c.count(3, "batch");
  const int64_t n = c.count(4, "n");
  const bool vectors = c.flag(5, "vectors");
  Arr a = c.float_array(0, "a");
  Arr e = c.float_array(1, "e");
  Arr v = c.float_array(2, "v");
  c.same_dtype({&a, &e, &v});
  c.expect_len(a, c.product({batch, n, n}));
  c.expect_len(e, c.product({batch, n}));
  c.expect_len(v, vectors ? c.product({batch, n, n}) : 0);
  c.disjoint({&e, &v}, {&a});
  c.disjoint({&e}, {&v});
  if (e.length == 0) return c.env().Undefined();
  tf::eigh(a.dtype == DType::F32, a.data, e.data, vectors ? v.data : nullptr, batch, n);
  return c.env().Undefined();
}

// svd(a, s, u, v, batch, m, n, full, vectors): u and v are empty when vectors is false
Napi::Value Svd(const Napi::CallbackInfo& info) {
  Call c(info, "svd");
  const int64_t batch = c.count(4, "batch");
  const int64_t m = c.count(5, "m");
  const int64_t n = c.count(6, "n");
  const bool full = c.flag(7, "full");
  const bool vectors = c.flag(8, "vectors");
  const int64_t p = std::min(m, n);
  Arr a = c.float_array(0, "a");
  Arr s = c.float_array(1, "s");
  Arr u = c.float_array(2, "u");
  Arr v = c.float_array(3, "v");
  c.same_dtype({&a, &s, &u, &v});
  c.expect_len(a, c.product({batch, m, n}));
  c.expect_len(s, c.product({batch, p}));
  c.expect_len(u, vectors ? c.product({batch, m, full ? m : p}) : 0);
  c.expect_len(v, vectors ? c.product({batch, n, full ? n : p}) : 0);
  c.disjoint({&s, &u, &v}, {&a});
  c.disjoint({&s}, {&u, &v});
  c.disjoint({&u}, {&v});
  if (a.length == 0 && u.length == 0 && v.length == 0) return c.env().Undefined();
  tf::svd(a.dtype == DType::F32, a.data, s.data, vectors ? u.data : nullptr,
          vectors ? v.data : nullptr, batch, m, n, full);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("cholesky", Cholesky);
TF_BIND("lu", Lu);
TF_BIND("triangularSolve", TriangularSolve);
TF_BIND("qr", Qr);
TF_BIND("matrixSolve", MatrixSolve);
TF_BIND("matrixInverse", MatrixInverse);
TF_BIND("determinant", Determinant);
TF_BIND("logDeterminant", LogDeterminant);
TF_BIND("eigh", Eigh);
TF_BIND("svd", Svd);
