// Batch normalization in two passes over x (batchnorm.h).
//
// The statistics take one pass: with K = x[0, c] (a value of the channel, so near its mean in
// all but contrived data), sums of d = x - K and d^2 give mean = K + sum(d) / N and the
// population variance sum(d^2) / N - (sum(d) / N)^2, in double. The gradient's sums come from
// the same pass: sum dy (x - mean) = sum dy d - (mean - K) sum dy. Row groups are fixed by the
// sizes (not the thread count) and added in order, so results do not depend on threads.
#include "batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "threadpool.h"

namespace tf {

namespace bn_base {
#include "batchnorm_kernels.h"
}  // namespace bn_base

#if TF_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace bn_avx2 {
#include "batchnorm_kernels.h"
}  // namespace bn_avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

namespace {

template <class T>
bn_base::BnFns<T> fns() {
#if TF_X86
  if (isa() == Isa::Avx2) {
    const bn_avx2::BnFns<T> f = bn_avx2::bn_fns<T>();
    return bn_base::BnFns<T>{f.stats, f.grad_stats, f.apply, f.grad_apply};
  }
#endif
  return bn_base::bn_fns<T>();
}

// Row groups for the sums: about 32k elements each, at most 32.
int64_t row_groups(int64_t rows, int64_t C) {
  const int64_t work = rows * std::max<int64_t>(C, 1);
  return std::max<int64_t>(1, std::min<int64_t>({rows, 32, work / 32768}));
}

// Rows per task of the writing pass (about 16k elements per task).
int64_t row_grain(int64_t C) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)); }

// Runs body(r0, r1, sums) over the row groups, each with its own width * C zeroed doubles,
// and adds the groups in order into out [width * C].
template <class F>
void grouped(int64_t rows, int64_t C, int width, double* out, F&& body) {
  const int64_t groups = row_groups(rows, C);
  const int64_t n = width * C;
  std::vector<double> part(static_cast<size_t>(groups * n), 0.0);
  ThreadPool::get().run(groups, [&](int64_t g, int) {
    body(rows * g / groups, rows * (g + 1) / groups, part.data() + g * n);
  });
  std::fill(out, out + n, 0.0);
  for (int64_t g = 0; g < groups; g++)
    for (int64_t i = 0; i < n; i++) out[i] += part[g * n + i];
}

template <class T>
void train_t(const T* x, const T* scale, const T* offset, T* y, T* mean, T* variance,
             int64_t rows, int64_t C, double eps) {
  const bn_base::BnFns<T> f = fns<T>();
  std::vector<double> K(static_cast<size_t>(C)), s(static_cast<size_t>(2 * C));
  for (int64_t c = 0; c < C; c++) K[c] = double(x[c]);
  grouped(rows, C, 2, s.data(), [&](int64_t r0, int64_t r1, double* p) {
    f.stats(x, r0, r1, C, K.data(), p, p + C);
  });
  std::vector<T> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  const double N = double(rows), adjust = N / double(std::max<int64_t>(rows - 1, 1));
  for (int64_t c = 0; c < C; c++) {
    const double m1 = s[c] / N;
    const double v = std::max(0.0, s[C + c] / N - m1 * m1);
    const double mu = K[c] + m1;
    const double ac = double(scale[c]) / std::sqrt(v + eps);
    a[c] = static_cast<T>(ac);
    b[c] = static_cast<T>(double(offset[c]) - mu * ac);
    mean[c] = static_cast<T>(mu);
    variance[c] = static_cast<T>(v * adjust);
  }
  parallel_for(rows, row_grain(C), [&](int64_t r0, int64_t r1) {
    f.apply(x, r0, r1, C, a.data(), b.data(), y);
  });
}

template <class T>
void grad_t(const T* dy, const T* x, const T* scale, const T* gmean, const T* gvar, T* dx,
            T* dscale, T* doffset, int64_t rows, int64_t C, double eps) {
  const bn_base::BnFns<T> f = fns<T>();
  std::vector<double> K(static_cast<size_t>(C)), s(static_cast<size_t>(4 * C));
  for (int64_t c = 0; c < C; c++) K[c] = double(x[c]);
  grouped(rows, C, 4, s.data(), [&](int64_t r0, int64_t r1, double* p) {
    f.grad_stats(dy, x, r0, r1, C, K.data(), p, p + C, p + 2 * C, p + 3 * C);
  });
  // With xc = x - mean: sxx = sum xc^2, sd = sum dy, sdx = sum dy xc;
  // dx = scale r (dy - sd/N - xc r^2 sdx/N) + gmean/N + 2 gvar xc/N1 = dy a + x b + k.
  std::vector<T> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), k(static_cast<size_t>(C));
  const double N = double(rows), N1 = double(std::max<int64_t>(rows - 1, 1));
  for (int64_t c = 0; c < C; c++) {
    const double m1 = s[c] / N;
    const double mu = K[c] + m1;
    const double sxx = std::max(0.0, s[C + c] - N * m1 * m1);
    const double sd = s[2 * C + c];
    const double sdx = s[3 * C + c] - m1 * sd;
    const double r = 1.0 / std::sqrt(sxx / N + eps);
    const double sr = double(scale[c]) * r;
    const double bc = -sr * r * r * sdx / N + 2 * double(gvar[c]) / N1;
    a[c] = static_cast<T>(sr);
    b[c] = static_cast<T>(bc);
    k[c] = static_cast<T>(-sr * sd / N + double(gmean[c]) / N - bc * mu);
    dscale[c] = static_cast<T>(r * sdx);
    doffset[c] = static_cast<T>(sd);
  }
  parallel_for(rows, row_grain(C), [&](int64_t r0, int64_t r1) {
    f.grad_apply(dy, x, r0, r1, C, a.data(), b.data(), k.data(), dx);
  });
}

}  // namespace

void batch_norm_train_2pass(bool f32, const void* x, const void* scale, const void* offset,
                            void* y, void* mean, void* variance, int64_t rows, int64_t channels,
                            double eps) {
  if (f32)
    train_t(static_cast<const float*>(x), static_cast<const float*>(scale),
            static_cast<const float*>(offset), static_cast<float*>(y), static_cast<float*>(mean),
            static_cast<float*>(variance), rows, channels, eps);
  else
    train_t(static_cast<const double*>(x), static_cast<const double*>(scale),
            static_cast<const double*>(offset), static_cast<double*>(y),
            static_cast<double*>(mean), static_cast<double*>(variance), rows, channels, eps);
}

void batch_norm_grad_2pass(bool f32, const void* dy, const void* x, const void* scale,
                           const void* gmean, const void* gvar, void* dx, void* dscale,
                           void* doffset, int64_t rows, int64_t channels, double eps) {
  if (f32)
    grad_t(static_cast<const float*>(dy), static_cast<const float*>(x),
           static_cast<const float*>(scale), static_cast<const float*>(gmean),
           static_cast<const float*>(gvar), static_cast<float*>(dx), static_cast<float*>(dscale),
           static_cast<float*>(doffset), rows, channels, eps);
  else
    grad_t(static_cast<const double*>(dy), static_cast<const double*>(x),
           static_cast<const double*>(scale), static_cast<const double*>(gmean),
           static_cast<const double*>(gvar), static_cast<double*>(dx),
           static_cast<double*>(dscale), static_cast<double*>(doffset), rows, channels, eps);
}

}  // namespace tf
