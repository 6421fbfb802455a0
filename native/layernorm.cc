// Layer normalization kernels (layernorm.h): one pass over each row for the statistics, one to
// write (in four double lanes on AVX2); rows are split over the thread pool. The backward's column sums (dgamma, dbeta) are
// accumulated per task in double and added up in task order, so results do not depend on the
// thread count.
#include "layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "threadpool.h"

// Each step rounds on its own, as the JS kernel's do (no fused multiply-adds).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace tf {

namespace {

// Rows per task: at least ~8k elements each.
int64_t rows_grain(int64_t n) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(n, 1)); }

template <class T>
void ln_rows(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int64_t r0,
             int64_t r1, int64_t n, double eps) {
  for (int64_t r = r0; r < r1; r++) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    double s = 0;
    for (int64_t j = 0; j < n; j++) s += double(xr[j]);
    const double mu = s / double(n);
    double q = 0;
    for (int64_t j = 0; j < n; j++) {
      const double d = double(xr[j]) - mu;
      q += d * d;
    }
    const double rs = 1 / std::sqrt(q / double(n) + eps);
    mean[r] = static_cast<T>(mu);
    rstd[r] = static_cast<T>(rs);
    for (int64_t j = 0; j < n; j++)
      yr[j] = static_cast<T>((double(xr[j]) - mu) * rs * double(gamma[j]) + double(beta[j]));
  }
}

#if TF_X86
// AVX2 rows: four lanes of double (float32 widened on load), so the values are the scalar
// loop's but for the order of the row sums (four partial sums, added at the end). Every step
// is its own instruction (no fused multiply-adds), as in the scalar loop. Short rows (layer
// norm over 32 features) are most of the work's calls, so the per-row overhead stays small.
TF_AVX2 inline __m256d load4(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
TF_AVX2 inline __m256d load4(const double* p) { return _mm256_loadu_pd(p); }
TF_AVX2 inline void store4(float* p, __m256d v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
TF_AVX2 inline void store4(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
TF_AVX2 inline double hsum(__m256d v) {
  alignas(32) double l[4];
  _mm256_store_pd(l, v);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

template <class T>
TF_AVX2 void ln_rows_avx2(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd,
                          int64_t r0, int64_t r1, int64_t n, double eps) {
  const int64_t n4 = n & ~int64_t{3};
  for (int64_t r = r0; r < r1; r++) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    // Two chains of partial sums: a row of 32 is four steps of each, not eight of one.
    __m256d s4 = _mm256_setzero_pd(), t4 = _mm256_setzero_pd();
    int64_t j8 = 0;
    for (; j8 + 8 <= n4; j8 += 8) {
      s4 = _mm256_add_pd(s4, load4(xr + j8));
      t4 = _mm256_add_pd(t4, load4(xr + j8 + 4));
    }
    if (j8 < n4) s4 = _mm256_add_pd(s4, load4(xr + j8));
    double s = hsum(_mm256_add_pd(s4, t4));
    for (int64_t j = n4; j < n; j++) s += double(xr[j]);
    const double mu = s / double(n);
    const __m256d muv = _mm256_set1_pd(mu);
    __m256d q4 = _mm256_setzero_pd(), p4 = _mm256_setzero_pd();
    for (j8 = 0; j8 + 8 <= n4; j8 += 8) {
      const __m256d d = _mm256_sub_pd(load4(xr + j8), muv);
      const __m256d e = _mm256_sub_pd(load4(xr + j8 + 4), muv);
      q4 = _mm256_add_pd(q4, _mm256_mul_pd(d, d));
      p4 = _mm256_add_pd(p4, _mm256_mul_pd(e, e));
    }
    if (j8 < n4) {
      const __m256d d = _mm256_sub_pd(load4(xr + j8), muv);
      q4 = _mm256_add_pd(q4, _mm256_mul_pd(d, d));
    }
    double q = hsum(_mm256_add_pd(q4, p4));
    for (int64_t j = n4; j < n; j++) {
      const double d = double(xr[j]) - mu;
      q += d * d;
    }
    const double rs = 1 / std::sqrt(q / double(n) + eps);
    mean[r] = static_cast<T>(mu);
    rstd[r] = static_cast<T>(rs);
    const __m256d rsv = _mm256_set1_pd(rs);
    for (int64_t j = 0; j < n4; j += 4) {
      const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(load4(xr + j), muv), rsv);
      store4(yr + j, _mm256_add_pd(_mm256_mul_pd(xh, load4(gamma + j)), load4(beta + j)));
    }
    for (int64_t j = n4; j < n; j++)
      yr[j] = static_cast<T>((double(xr[j]) - mu) * rs * double(gamma[j]) + double(beta[j]));
  }
}

template <class T>
TF_AVX2 void ln_grad_rows_avx2(const T* x, const T* gamma, const T* mean, const T* rstd,
                               const T* dy, T* dx, double* cg, double* cb, int64_t r0, int64_t r1,
                               int64_t n) {
  const int64_t n4 = n & ~int64_t{3};
  for (int64_t r = r0; r < r1; r++) {
    const T* xr = x + r * n;
    const T* dyr = dy + r * n;
    T* dxr = dx + r * n;
    const double mu = double(mean[r]), rs = double(rstd[r]);
    const __m256d muv = _mm256_set1_pd(mu), rsv = _mm256_set1_pd(rs);
    __m256d sa4 = _mm256_setzero_pd(), sb4 = _mm256_setzero_pd();
    for (int64_t j = 0; j < n4; j += 4) {
      const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(load4(xr + j), muv), rsv);
      const __m256d d = load4(dyr + j);
      const __m256d g = _mm256_mul_pd(d, load4(gamma + j));
      sa4 = _mm256_add_pd(sa4, g);
      sb4 = _mm256_add_pd(sb4, _mm256_mul_pd(g, xh));
      _mm256_storeu_pd(cg + j, _mm256_add_pd(_mm256_loadu_pd(cg + j), _mm256_mul_pd(d, xh)));
      _mm256_storeu_pd(cb + j, _mm256_add_pd(_mm256_loadu_pd(cb + j), d));
    }
    double sa = hsum(sa4), sb = hsum(sb4);
    for (int64_t j = n4; j < n; j++) {
      const double xh = (double(xr[j]) - mu) * rs;
      const double g = double(dyr[j]) * double(gamma[j]);
      sa += g;
      sb += g * xh;
      cg[j] += double(dyr[j]) * xh;
      cb[j] += double(dyr[j]);
    }
    const double a = sa / double(n), b = sb / double(n);
    const __m256d av = _mm256_set1_pd(a), bv = _mm256_set1_pd(b);
    for (int64_t j = 0; j < n4; j += 4) {
      const __m256d xh = _mm256_mul_pd(_mm256_sub_pd(load4(xr + j), muv), rsv);
      const __m256d g = _mm256_mul_pd(load4(dyr + j), load4(gamma + j));
      const __m256d t = _mm256_sub_pd(_mm256_sub_pd(g, av), _mm256_mul_pd(xh, bv));
      store4(dxr + j, _mm256_mul_pd(rsv, t));
    }
    for (int64_t j = n4; j < n; j++) {
      const double xh = (double(xr[j]) - mu) * rs;
      const double g = double(dyr[j]) * double(gamma[j]);
      dxr[j] = static_cast<T>(rs * (g - a - xh * b));
    }
  }
}
#endif

template <class T>
void ln_t(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd, int64_t rows,
          int64_t n, double eps) {
  parallel_for(rows, rows_grain(n), [&](int64_t r0, int64_t r1) {
#if TF_X86
    if (isa() == Isa::Avx2) return ln_rows_avx2(x, gamma, beta, y, mean, rstd, r0, r1, n, eps);
#endif
    ln_rows(x, gamma, beta, y, mean, rstd, r0, r1, n, eps);
  });
}

// dx for rows [r0, r1); adds dy xh and dy into the double column sums cg, cb.
template <class T>
void ln_grad_rows(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx,
                  double* cg, double* cb, int64_t r0, int64_t r1, int64_t n) {
  for (int64_t r = r0; r < r1; r++) {
    const T* xr = x + r * n;
    const T* dyr = dy + r * n;
    T* dxr = dx + r * n;
    const double mu = double(mean[r]), rs = double(rstd[r]);
    double sa = 0, sb = 0;
    for (int64_t j = 0; j < n; j++) {
      const double xh = (double(xr[j]) - mu) * rs;
      const double g = double(dyr[j]) * double(gamma[j]);
      sa += g;
      sb += g * xh;
      cg[j] += double(dyr[j]) * xh;
      cb[j] += double(dyr[j]);
    }
    const double a = sa / double(n), b = sb / double(n);
    for (int64_t j = 0; j < n; j++) {
      const double xh = (double(xr[j]) - mu) * rs;
      const double g = double(dyr[j]) * double(gamma[j]);
      dxr[j] = static_cast<T>(rs * (g - a - xh * b));
    }
  }
}

template <class T>
void ln_grad_t(const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy, T* dx,
               T* dgamma, T* dbeta, int64_t rows, int64_t n) {
  // Fixed tasks (not the pool's size), so the column sums are added in the same order always.
  const int64_t grain = rows_grain(n);
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(64, (rows + grain - 1) / grain));
  std::vector<double> cg(static_cast<size_t>(tasks * n), 0.0), cb(static_cast<size_t>(tasks * n), 0.0);
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t r0 = rows * t / tasks, r1 = rows * (t + 1) / tasks;
#if TF_X86
      if (isa() == Isa::Avx2) {
        ln_grad_rows_avx2(x, gamma, mean, rstd, dy, dx, cg.data() + t * n, cb.data() + t * n, r0,
                          r1, n);
        continue;
      }
#endif
      ln_grad_rows(x, gamma, mean, rstd, dy, dx, cg.data() + t * n, cb.data() + t * n, r0, r1, n);
    }
  });
  for (int64_t j = 0; j < n; j++) {
    double g = 0, b = 0;
    for (int64_t t = 0; t < tasks; t++) {
      g += cg[t * n + j];
      b += cb[t * n + j];
    }
    dgamma[j] = static_cast<T>(g);
    dbeta[j] = static_cast<T>(b);
  }
}

}  // namespace

void layer_norm(bool f32, const void* x, const void* gamma, const void* beta, void* y, void* mean,
                void* rstd, int64_t rows, int64_t n, double eps) {
  if (f32)
    ln_t(static_cast<const float*>(x), static_cast<const float*>(gamma),
         static_cast<const float*>(beta), static_cast<float*>(y), static_cast<float*>(mean),
         static_cast<float*>(rstd), rows, n, eps);
  else
    ln_t(static_cast<const double*>(x), static_cast<const double*>(gamma),
         static_cast<const double*>(beta), static_cast<double*>(y), static_cast<double*>(mean),
         static_cast<double*>(rstd), rows, n, eps);
}

void layer_norm_grad(bool f32, const void* x, const void* gamma, const void* mean,
                     const void* rstd, const void* dy, void* dx, void* dgamma, void* dbeta,
                     int64_t rows, int64_t n) {
  if (f32)
    ln_grad_t(static_cast<const float*>(x), static_cast<const float*>(gamma),
              static_cast<const float*>(mean), static_cast<const float*>(rstd),
              static_cast<const float*>(dy), static_cast<float*>(dx), static_cast<float*>(dgamma),
              static_cast<float*>(dbeta), rows, n);
  else
    ln_grad_t(static_cast<const double*>(x), static_cast<const double*>(gamma),
              static_cast<const double*>(mean), static_cast<const double*>(rstd),
              static_cast<const double*>(dy), static_cast<double*>(dx),
              static_cast<double*>(dgamma), static_cast<double*>(dbeta), rows, n);
}

}  // namespace tf
