// N-API entry point of top-k / sort (sort.cc). Argument rules: addon.cc.
#include "binding.h"
#include "special.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// topK(x, rows, n, k, values, indices): x [rows, n] float32/float64/int32, values [rows, k] of
// x's dtype, indices [rows, k] int32, 0 <= k <= n < 2^31.
Napi::Value TopK(const Napi::CallbackInfo& info) {
  Call c(info, "topK");
  const int64_t rows = c.count(1, "rows");
  const int64_t n = c.count(2, "n");
  const int64_t k = c.count(3, "k");
  if (k > n) c.range_error("k " + std::to_string(k) + " is larger than n " + std::to_string(n));
  if (n > 2147483647) c.range_error("n " + std::to_string(n) + " does not fit int32 indices");
  Arr x = c.array(0, "x");
  Arr v = c.array(4, "values");
  Arr ix = c.array(5, "indices");
  if (x.dtype == DType::U8) c.type_error("x must be float32, float64 or int32, got bool");
  c.same_dtype({&x, &v});
  c.expect_dtype(ix, DType::I32);
  c.expect_len(x, c.product({rows, n}));
  c.expect_len(v, c.product({rows, k}));
  c.expect_len(ix, c.product({rows, k}));
  c.disjoint({&v, &ix}, {&x});
  if (v.length == 0) return c.env().Undefined();
  tf::top_k(x.dtype, x.data, rows, n, k, v.data, static_cast<int32_t*>(ix.data));
  return c.env().Undefined();
}

}  // namespace

TF_BIND("topK", TopK);
