// Fused gradient kernels (perf.h): softmax and log-softmax gradients in one pass per row
// instead of the four elementwise ops and a reduction of their formulas.
#include <algorithm>
#include <cmath>

#include "common.h"
#include "perf.h"
#include "threadpool.h"
#include "vec512.h"
#include "vmath.h"

namespace tf {

namespace {

// One contiguous row (inner == 1), portable: sums in double.
template <class T>
void row_generic(const T* y, const T* dy, T* dx, int64_t n, bool log) {
  double s = 0;
  if (log) {
    for (int64_t k = 0; k < n; k++) s += dy[k];
    const T st = static_cast<T>(s);
    for (int64_t k = 0; k < n; k++)
      dx[k] = static_cast<T>(dy[k] - static_cast<T>(std::exp(static_cast<double>(y[k]))) * st);
  } else {
    for (int64_t k = 0; k < n; k++) s += static_cast<double>(dy[k]) * static_cast<double>(y[k]);
    const T st = static_cast<T>(s);
    for (int64_t k = 0; k < n; k++) dx[k] = y[k] * (dy[k] - st);
  }
}

#if TF_X86
// float32 rows on AVX2: the sum in four 8-lane float accumulators finished in double (the
// rows of a softmax are short enough that float partial sums of 8 lanes lose nothing that
// matters: the error stays a few ulp of sum |dy y|), exp by the vector polynomial.
TF_AVX2 void row_avx2(const float* y, const float* dy, float* dx, int64_t n, bool log) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  if (log) {
    for (; k + 32 <= n; k += 32) {
      a0 = _mm256_add_ps(a0, _mm256_loadu_ps(dy + k));
      a1 = _mm256_add_ps(a1, _mm256_loadu_ps(dy + k + 8));
      a2 = _mm256_add_ps(a2, _mm256_loadu_ps(dy + k + 16));
      a3 = _mm256_add_ps(a3, _mm256_loadu_ps(dy + k + 24));
    }
  } else {
    for (; k + 32 <= n; k += 32) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(dy + k), _mm256_loadu_ps(y + k), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(dy + k + 8), _mm256_loadu_ps(y + k + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(dy + k + 16), _mm256_loadu_ps(y + k + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(dy + k + 24), _mm256_loadu_ps(y + k + 24), a3);
    }
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  double s = 0;
  for (float l : lanes) s += l;
  for (; k < n; k++) s += log ? double(dy[k]) : double(dy[k]) * double(y[k]);
  const float st = static_cast<float>(s);
  const __m256 sv = _mm256_set1_ps(st);
  k = 0;
  if (log) {
    for (; k + 8 <= n; k += 8) {
      __m256 e = v8f::exp(_mm256_loadu_ps(y + k));
      _mm256_storeu_ps(dx + k, _mm256_fnmadd_ps(e, sv, _mm256_loadu_ps(dy + k)));
    }
    for (; k < n; k++) dx[k] = dy[k] - static_cast<float>(std::exp(double(y[k]))) * st;
  } else {
    for (; k + 8 <= n; k += 8) {
      __m256 yv = _mm256_loadu_ps(y + k);
      _mm256_storeu_ps(dx + k, _mm256_mul_ps(yv, _mm256_sub_ps(_mm256_loadu_ps(dy + k), sv)));
    }
    for (; k < n; k++) dx[k] = y[k] * (dy[k] - st);
  }
}
#endif

template <class T>
void grad(const T* y, const T* dy, T* dx, const AxisParams& p, bool log) {
  const int64_t n = p.n, inner = p.inner;
  if (inner == 1) {
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1));
    parallel_for(p.outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) {
#if TF_X86
        if constexpr (std::is_same<T, float>::value) {
          // Log-softmax rows on AVX-512F where the CPU has it (their exp makes them compute
          // bound; the softmax rows are memory bound and no faster on 16 lanes).
          if (log && avx512()) {
            softmax_grad512_row(y + o * n, dy + o * n, dx + o * n, n, log);
            continue;
          }
          if (isa() == Isa::Avx2) {
            row_avx2(y + o * n, dy + o * n, dx + o * n, n, log);
            continue;
          }
        }
#endif
        row_generic(y + o * n, dy + o * n, dx + o * n, n, log);
      }
    });
    return;
  }
  // A middle axis: per outer index, sums over n for each of the inner columns (rows of inner
  // values are contiguous, so both passes walk memory forward).
  parallel_for(p.outer, 1, [&](int64_t b, int64_t e) {
    std::vector<double> s(static_cast<size_t>(inner));
    for (int64_t o = b; o < e; o++) {
      const T* yo = y + o * n * inner;
      const T* go = dy + o * n * inner;
      T* xo = dx + o * n * inner;
      std::fill(s.begin(), s.end(), 0.0);
      for (int64_t k = 0; k < n; k++)
        for (int64_t i = 0; i < inner; i++)
          s[i] += log ? double(go[k * inner + i])
                      : double(go[k * inner + i]) * double(yo[k * inner + i]);
      for (int64_t k = 0; k < n; k++)
        for (int64_t i = 0; i < inner; i++) {
          const int64_t j = k * inner + i;
          const T st = static_cast<T>(s[i]);
          xo[j] = log ? static_cast<T>(go[j] - static_cast<T>(std::exp(double(yo[j]))) * st)
                      : yo[j] * (go[j] - st);
        }
    }
  });
}

}  // namespace

void softmax_grad(bool f32, const void* y, const void* dy, void* dx, const AxisParams& p,
                  bool log) {
  if (f32)
    grad(static_cast<const float*>(y), static_cast<const float*>(dy), static_cast<float*>(dx), p,
         log);
  else
    grad(static_cast<const double*>(y), static_cast<const double*>(dy), static_cast<double*>(dx),
         p, log);
}

}  // namespace tf
