// Max pooling with disjoint windows (pool_fast.h): the row kernels (pool_fast_kernels.h)
// compiled for the baseline (16-byte vectors) and for AVX2 (32-byte vectors, chosen by isa()),
// and the drivers, which spread output rows (image, oh) over the thread pool.
#include "pool_fast.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "common.h"
#include "threadpool.h"

namespace tf {

namespace pf_base {
constexpr int kVecBytes = 16;
#include "pool_fast_kernels.h"
}  // namespace pf_base

#if TF_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace pf_avx2 {
constexpr int kVecBytes = 32;
#include "pool_fast_kernels.h"
}  // namespace pf_avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

namespace {

// Whether the fast kernels apply: windows that never overlap, nonzero sizes, and a window's
// pixel rank that fits the index lanes (int32 for float).
bool applies(const Pool2DParams& p) {
  if (p.batch <= 0 || p.outH <= 0 || p.outW <= 0 || p.channels <= 0 || p.inH <= 0 || p.inW <= 0)
    return false;
  if (p.strideH < p.windowH || p.strideW < p.windowW || p.windowH <= 0 || p.windowW <= 0)
    return false;
  if (p.padTop < 0 || p.padLeft < 0) return false;
  return p.windowH <= (1 << 15) && p.windowW <= (1 << 15);
}

// Output rows per task: about 16k values of x each.
int64_t row_grain(const Pool2DParams& p) {
  const double perRow = double(p.windowH) * double(p.inW) * double(p.channels);
  return perRow >= 16384 ? 1 : static_cast<int64_t>(16384 / std::max(1.0, perRow));
}

template <class T, class K>
void fwd(const T* x, T* y, const Pool2DParams& p) {
  const int64_t img = p.inH * p.inW * p.channels, orow = p.outW * p.channels;
  parallel_for(p.batch * p.outH, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / p.outH, oh = r % p.outH;
      K::fwd_row(x + b * img, y + r * orow, p, oh);
    }
  });
}

template <class T, class K>
void grad(const T* x, const T* dy, T* dx, const Pool2DParams& p) {
  const int64_t img = p.inH * p.inW * p.channels, orow = p.outW * p.channels;
  parallel_for(p.batch * p.outH, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / p.outH, oh = r % p.outH;
      // Output row oh owns input rows [oh * strideH - padTop, (oh + 1) * strideH - padTop),
      // clipped to the image; the first row also owns those above, the last those below.
      const int64_t lo = oh == 0 ? 0 : std::max<int64_t>(0, oh * p.strideH - p.padTop);
      const int64_t next = std::max<int64_t>(0, (oh + 1) * p.strideH - p.padTop);
      const int64_t hi = oh == p.outH - 1 ? p.inH : std::min(p.inH, next);
      K::grad_rows(x + b * img, dy + r * orow, dx + b * img, p, oh, lo, std::max(lo, hi));
    }
  });
}

template <class T, class K>
void grad_grad(const T* x, const T* g, T* out, const Pool2DParams& p) {
  const int64_t img = p.inH * p.inW * p.channels, orow = p.outW * p.channels;
  parallel_for(p.batch * p.outH, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / p.outH, oh = r % p.outH;
      K::grad_grad_row(x + b * img, g + b * img, out + r * orow, p, oh);
    }
  });
}

bool use_avx2() {
#if TF_X86
  return isa() == Isa::Avx2;
#else
  return false;
#endif
}

}  // namespace

// FN<T, the row kernels of the instruction set isa() picks>(args...).
#if TF_X86
#define TF_POOL_RUN(FN, T, ...)                    \
  do {                                             \
    if (use_avx2())                                \
      FN<T, pf_avx2::PK<T>>(__VA_ARGS__);          \
    else                                           \
      FN<T, pf_base::PK<T>>(__VA_ARGS__);          \
  } while (0)
#else
#define TF_POOL_RUN(FN, T, ...)                    \
  do {                                             \
    (void)use_avx2;                                \
    FN<T, pf_base::PK<T>>(__VA_ARGS__);            \
  } while (0)
#endif

bool max_pool_disjoint(bool f32, const void* x, void* y, const Pool2DParams& p) {
  if (!applies(p)) return false;
  if (f32) {
    TF_POOL_RUN(fwd, float, static_cast<const float*>(x), static_cast<float*>(y), p);
  } else {
    TF_POOL_RUN(fwd, double, static_cast<const double*>(x), static_cast<double*>(y), p);
  }
  return true;
}

bool max_pool_grad_disjoint(bool f32, const void* x, const void* dy, void* dx,
                            const Pool2DParams& p) {
  if (!applies(p)) return false;
  if (f32) {
    TF_POOL_RUN(grad, float, static_cast<const float*>(x), static_cast<const float*>(dy),
                     static_cast<float*>(dx), p);
  } else {
    TF_POOL_RUN(grad, double, static_cast<const double*>(x), static_cast<const double*>(dy),
                     static_cast<double*>(dx), p);
  }
  return true;
}

bool max_pool_grad_grad_disjoint(bool f32, const void* x, const void* g, void* out,
                                 const Pool2DParams& p) {
  if (!applies(p)) return false;
  if (f32) {
    TF_POOL_RUN(grad_grad, float, static_cast<const float*>(x), static_cast<const float*>(g),
                     static_cast<float*>(out), p);
  } else {
    TF_POOL_RUN(grad_grad, double, static_cast<const double*>(x), static_cast<const double*>(g),
                     static_cast<double*>(out), p);
  }
  return true;
}

}  // namespace tf
