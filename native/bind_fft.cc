// N-API entry point of the FFT kernels (fft.h). Argument rules: addon.cc.
#include "binding.h"
#include "fft.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// fft(x, out, rows, n, inverse): rows of n complex numbers, interleaved (re, im), so x and out
// hold 2 rows n floats of one dtype.
Napi::Value Fft(const Napi::CallbackInfo& info) {
  Call c(info, "fft");
  const int64_t rows = c.count(2, "rows");
  const int64_t n = c.count(3, "n");
  const bool inverse = c.flag(4, "inverse");
  // Bluestein's k^2 mod 2n and its power-of-two work size need n well inside 32 bits.
  if (n > (int64_t{1} << 30)) c.range_error("n = " + std::to_string(n) + " is too long");
  const int64_t len = c.product({rows, n, 2});
  Arr x = c.float_array(0, "x");
  Arr o = c.float_array(1, "out");
  c.same_dtype({&x, &o});
  c.expect_len(x, len);
  c.expect_len(o, len);
  c.disjoint({&o}, {&x});
  if (len == 0) return c.env().Undefined();
  tf::fft_rows(x.dtype == DType::F32, x.data, o.data, rows, n, inverse);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("fft", Fft);
