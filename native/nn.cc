// The nn family: softmax, log-softmax and the softmax cross-entropies, 2-D convolution (im2col
// and the packed GEMM) and pooling, NHWC, for float32 and float64. The semantics are the JS
// backend's (src/backend/js/nn.ts): NaN propagates through maxima, ties in max pooling go to
// the first position in row-major order, sums accumulate in double. Max pooling with disjoint
// windows (stride >= window) takes the vectorized kernels of pool_fast.cc.
#include "nn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "common.h"
#include "conv_direct.h"
#include "gemm.h"
#include "pool_fast.h"
#include "threadpool.h"
#include "vec512.h"
#include "vmath.h"

namespace tf {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Whether v replaces the running max m: larger, or the first NaN (NaN propagates).
template <class T>
TF_INLINE bool beats(T v, T m) {
  return v > m || (v != v && m == m);
}

// ---- softmax rows (inner == 1) --------------------------------------------------------------

template <class T>
double row_max(const T* x, int64_t n) {
  double m = -kInf;
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    if (v != v) return kNaN;
    if (v > m) m = v;
  }
  return m;
}

// e[i] = exp(x[i] - max); returns the sum of e in double.
template <class T>
double exp_shift_generic(const T* x, double max, T* e, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) {
    double v = std::exp(double(x[i]) - max);
    e[i] = static_cast<T>(v);
    s += v;
  }
  return s;
}

#if TF_X86
// exp(x - max) for 8 floats with x - max taken exactly. Rounding the difference to float would
// cost up to |x - max| * 2^-24 relative error in the result (50 ulp at x - max = -100, where
// the probabilities are small but not zero); the JS backend subtracts in double. Knuth's
// TwoSum gives the rounding error err of d = fl(x - max), and exp(d + err) = exp(d) (1 + err)
// to far below an ulp (|err| < 2^-24 |d|). err is NaN only when d is (infinite x; max is
// finite here), and d then decides the result alone.
TF_AVX2 TF_INLINE __m256 exp_diff(__m256 x, __m256 mx) {
  const __m256 d = _mm256_sub_ps(x, mx);
  const __m256 bb = _mm256_sub_ps(d, x);
  __m256 err = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_sub_ps(d, bb)), _mm256_add_ps(mx, bb));
  err = _mm256_and_ps(err, _mm256_cmp_ps(err, err, _CMP_ORD_Q));
  const __m256 e = v8f::exp(d);
  return _mm256_fmadd_ps(e, err, e);
}

TF_AVX2 double exp_shift_avx2(const float* x, double max, float* e, int64_t n) {
  const __m256 mx = _mm256_set1_ps(static_cast<float>(max));
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = exp_diff(_mm256_loadu_ps(x + i), mx);
    _mm256_storeu_ps(e + i, v);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  if (i < n) {
    // Padding lanes hold max: exp(0) = 1, never added to the sum.
    alignas(32) float buf[8];
    for (int j = 0; j < 8; j++) buf[j] = static_cast<float>(max);
    for (int64_t j = i; j < n; j++) buf[j - i] = x[j];
    __m256 v = exp_diff(_mm256_load_ps(buf), mx);
    _mm256_store_ps(buf, v);
    double t = 0;
    for (int64_t j = i; j < n; j++) {
      e[j] = buf[j - i];
      t += buf[j - i];
    }
    s0 = _mm256_add_pd(s0, _mm256_set_pd(0, 0, 0, t));
  }
  alignas(32) double v[4];
  _mm256_store_pd(v, _mm256_add_pd(s0, s1));
  return (v[0] + v[1]) + (v[2] + v[3]);
}

// The other two passes of a float32 row, vectorized: the max (NaN if any element is NaN) and
// the final scaling, both in double as the generic loops compute them.
TF_AVX2 double row_max_avx2(const float* x, int64_t n) {
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = _mm256_max_ps(m, v);
  }
  if (_mm256_movemask_ps(nan) != 0) return kNaN;
  alignas(32) float b[8];
  _mm256_store_ps(b, m);
  double r = -kInf;
  for (int j = 0; j < 8; j++) r = std::max(r, double(b[j]));
  for (; i < n; i++) {
    const double v = x[i];
    if (v != v) return kNaN;
    if (v > r) r = v;
  }
  return r;
}

TF_AVX2 void scale_avx2(float* y, int64_t n, double inv) {
  const __m256d f = _mm256_set1_pd(inv);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(y + i);
    const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), f));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), f));
    _mm256_storeu_ps(y + i, _mm256_set_m128(hi, lo));
  }
  for (; i < n; i++) y[i] = static_cast<float>(double(y[i]) * inv);
}

// y = (x - max) - log(sum), in double.
TF_AVX2 void log_shift_avx2(const float* x, float* y, int64_t n, double mx, double ls) {
  const __m256d m = _mm256_set1_pd(mx), l = _mm256_set1_pd(ls);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    const __m128 lo = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_sub_pd(a, m), l));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_sub_pd(b, m), l));
    _mm256_storeu_ps(y + i, _mm256_set_m128(hi, lo));
  }
  for (; i < n; i++) y[i] = static_cast<float>(double(x[i]) - mx - ls);
}
#endif

template <class T>
double row_max_any(const T* x, int64_t n) {
#if TF_X86
  if constexpr (std::is_same<T, float>::value)
    if (isa() == Isa::Avx2) return row_max_avx2(x, n);
#endif
  return row_max(x, n);
}

template <class T>
double exp_shift(const T* x, double max, T* e, int64_t n) {
#if TF_X86
  // A float max may round: exp(x - max) stays exact relative to the row either way, since the
  // same rounded max is subtracted everywhere and divided out by the sum.
  if constexpr (std::is_same<T, float>::value)
    if (isa() == Isa::Avx2 && std::isfinite(max)) return exp_shift_avx2(x, max, e, n);
#endif
  return exp_shift_generic(x, max, e, n);
}

// Rows per task so each task has at least ~16k elements.
int64_t row_grain(int64_t rowLen) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(rowLen, 1)); }

// ---- softmax along [outer, n, inner] with inner > 1: per-column state in double ----------------

template <class T>
void softmax_cols(const T* x, T* out, int64_t n, int64_t inner, bool log, std::vector<double>& mx,
                  std::vector<double>& sum) {
  mx.assign(inner, -kInf);
  sum.assign(inner, 0);
  for (int64_t r = 0; r < n; r++)
    for (int64_t i = 0; i < inner; i++) {
      T v = x[r * inner + i];
      if (beats(double(v), mx[i])) mx[i] = v;
    }
  for (int64_t r = 0; r < n; r++)
    for (int64_t i = 0; i < inner; i++) sum[i] += std::exp(double(x[r * inner + i]) - mx[i]);
  for (int64_t r = 0; r < n; r++)
    for (int64_t i = 0; i < inner; i++) {
      double d = double(x[r * inner + i]) - mx[i];
      out[r * inner + i] = static_cast<T>(log ? d - std::log(sum[i]) : std::exp(d) / sum[i]);
    }
}

template <class T>
void softmax_t(const T* x, T* out, const AxisParams& p, bool log) {
  const int64_t outer = p.outer, n = p.n, inner = p.inner;
  if (n == 0 || inner == 0 || outer == 0) return;
  if (inner == 1) {
    parallel_for(outer, row_grain(n), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const T* xr = x + o * n;
        T* yr = out + o * n;
#if TF_X86
        // float32 rows on AVX-512F where the CPU has it (vec512.h; rows with a NaN or an
        // infinite maximum come back and take the loops below).
        if constexpr (std::is_same<T, float>::value)
          if (avx512() && softmax512_row(xr, yr, n, log)) continue;
#endif
        double mx = row_max_any(xr, n);
        double s = exp_shift(xr, mx, yr, n);
#if TF_X86
        if constexpr (std::is_same<T, float>::value) {
          if (isa() == Isa::Avx2) {
            if (log)
              log_shift_avx2(xr, yr, n, mx, std::log(s));
            else
              scale_avx2(yr, n, 1 / s);
            continue;
          }
        }
#endif
        if (log) {
          // log softmax = (x - max) - log(sum exp(x - max))
          double ls = std::log(s);
          for (int64_t i = 0; i < n; i++) yr[i] = static_cast<T>(double(xr[i]) - mx - ls);
        } else {
          double inv = 1 / s;
          for (int64_t i = 0; i < n; i++) yr[i] = static_cast<T>(double(yr[i]) * inv);
        }
      }
    });
    return;
  }
  parallel_for(outer, row_grain(n * inner), [&](int64_t o0, int64_t o1) {
    std::vector<double> mx, sum;
    for (int64_t o = o0; o < o1; o++)
      softmax_cols(x + o * n * inner, out + o * n * inner, n, inner, log, mx, sum);
  });
}

template <class T>
void softmax_xent_t(const T* labels, const T* logits, T* loss, T* backprop, const AxisParams& p) {
  const int64_t outer = p.outer, n = p.n, inner = p.inner;
  if (inner == 0 || outer == 0) return;
  if (inner == 1) {
    parallel_for(outer, row_grain(n), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const T* x = logits + o * n;
        const T* z = labels + o * n;
        T* bp = backprop + o * n;
        double mx = row_max(x, n);
        double s = exp_shift(x, mx, bp, n);
        double ls = std::log(s), inv = 1 / s, acc = 0;
        // loss = -sum labels * (x - max - log sum), backprop = softmax(x) - labels
        for (int64_t i = 0; i < n; i++) {
          double zi = z[i];
          acc -= zi * (double(x[i]) - mx - ls);
          bp[i] = static_cast<T>(double(bp[i]) * inv - zi);
        }
        loss[o] = static_cast<T>(acc);
      }
    });
    return;
  }
  parallel_for(outer, row_grain(n * inner), [&](int64_t o0, int64_t o1) {
    std::vector<double> mx, sum, acc;
    for (int64_t o = o0; o < o1; o++) {
      const T* x = logits + o * n * inner;
      const T* z = labels + o * n * inner;
      T* bp = backprop + o * n * inner;
      mx.assign(inner, -kInf);
      sum.assign(inner, 0);
      acc.assign(inner, 0);
      for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; i < inner; i++)
          if (beats(double(x[r * inner + i]), mx[i])) mx[i] = x[r * inner + i];
      for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; i < inner; i++) sum[i] += std::exp(double(x[r * inner + i]) - mx[i]);
      for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; i < inner; i++) {
          double d = double(x[r * inner + i]) - mx[i], zi = z[r * inner + i];
          acc[i] -= zi * (d - std::log(sum[i]));
          bp[r * inner + i] = static_cast<T>(std::exp(d) / sum[i] - zi);
        }
      for (int64_t i = 0; i < inner; i++) loss[o * inner + i] = static_cast<T>(acc[i]);
    }
  });
}

template <class T>
void sparse_xent_t(const int32_t* labels, const T* logits, T* loss, T* backprop, int64_t rows,
                   int64_t classes) {
  if (classes == 0) return;
  parallel_for(rows, row_grain(classes), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T* x = logits + r * classes;
      T* bp = backprop + r * classes;
      double mx = row_max(x, classes);
      double s = exp_shift(x, mx, bp, classes);
      double inv = 1 / s;
      // One read of the label, checked where it is used: the binding checked every label, but
      // labels in a SharedArrayBuffer can change since (a race of the caller's making, which
      // then gets NaN for that row instead of a read outside the logits).
      const int64_t label = reinterpret_cast<const volatile int32_t*>(labels)[r];
      if (label < 0 || label >= classes) {
        for (int64_t k = 0; k < classes; k++) bp[k] = static_cast<T>(kNaN);
        loss[r] = static_cast<T>(kNaN);
        continue;
      }
      for (int64_t k = 0; k < classes; k++)
        bp[k] = static_cast<T>(double(bp[k]) * inv - (k == label ? 1.0 : 0.0));
      loss[r] = static_cast<T>(std::log(s) - (double(x[label]) - mx));
    }
  });
}

// ---- convolution ----------------------------------------------------------------------------

// The input values output pixel q (flat over batch, outH, outW) reads, in filter order
// (fh, fw, ic): dst[k] for k < K; zeros for taps in the padding.
template <class T>
void im2col_pixel(const T* x, int64_t q, const Conv2DParams& c, T* dst) {
  const int64_t ow = q % c.outW;
  const int64_t rest = q / c.outW;
  const int64_t oh = rest % c.outH;
  const int64_t b = rest / c.outH;
  const int64_t ih0 = oh * c.strideH - c.padTop;
  const int64_t iw0 = ow * c.strideW - c.padLeft;
  for (int64_t fh = 0; fh < c.filterH; fh++) {
    const int64_t ih = ih0 + fh * c.dilationH;
    const bool rowInside = ih >= 0 && ih < c.inH;
    for (int64_t fw = 0; fw < c.filterW; fw++) {
      const int64_t iw = iw0 + fw * c.dilationW;
      if (rowInside && iw >= 0 && iw < c.inW) {
        const T* src = x + ((b * c.inH + ih) * c.inW + iw) * c.inC;
        // A call to memcpy costs more than a short copy (a first layer has 1 to 3 channels).
        if (c.inC < 16)
          for (int64_t ic = 0; ic < c.inC; ic++) dst[ic] = src[ic];
        else
          std::memcpy(dst, src, c.inC * sizeof(T));
      } else {
        for (int64_t ic = 0; ic < c.inC; ic++) dst[ic] = T(0);
      }
      dst += c.inC;
    }
  }
}

// Adds src[k] back onto the input values im2col_pixel(q) read (the adjoint of im2col).
template <class T>
void col2im_pixel(const T* src, int64_t q, const Conv2DParams& c, T* dx) {
  const int64_t ow = q % c.outW;
  const int64_t rest = q / c.outW;
  const int64_t oh = rest % c.outH;
  const int64_t b = rest / c.outH;
  const int64_t ih0 = oh * c.strideH - c.padTop;
  const int64_t iw0 = ow * c.strideW - c.padLeft;
  for (int64_t fh = 0; fh < c.filterH; fh++) {
    const int64_t ih = ih0 + fh * c.dilationH;
    const bool rowInside = ih >= 0 && ih < c.inH;
    for (int64_t fw = 0; fw < c.filterW; fw++, src += c.inC) {
      const int64_t iw = iw0 + fw * c.dilationW;
      if (!rowInside || iw < 0 || iw >= c.inW) continue;
      T* d = dx + ((b * c.inH + ih) * c.inW + iw) * c.inC;
      for (int64_t ic = 0; ic < c.inC; ic++) d[ic] += src[ic];
    }
  }
}

// A 1x1 filter with unit strides and no padding reads x as the patch matrix itself.
bool is_pointwise(const Conv2DParams& c) {
  return c.filterH == 1 && c.filterW == 1 && c.strideH == 1 && c.strideW == 1 && c.padTop == 0 &&
         c.padLeft == 0 && c.outH == c.inH && c.outW == c.inW;
}

GemmParams gp(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool acc = false) {
  GemmParams p;
  p.batch = 1;
  p.m = m;
  p.n = n;
  p.k = k;
  p.transA = ta;
  p.transB = tb;
  p.aBatchStride = 0;
  p.bBatchStride = 0;
  p.accumulate = acc;
  return p;
}

// Output pixels per task: the task's patch rows ([rows, K]) stay near 64k elements (in L2),
// at least 8 rows, at most 1024.
int64_t tile_pixels(int64_t K) {
  return std::max<int64_t>(8, std::min<int64_t>(1024, 65536 / std::max<int64_t>(K, 1)));
}

GemmParams gp1(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool acc = false) {
  GemmParams p = gp(m, n, k, ta, tb, acc);
  p.single = true;
  return p;
}

// A per-thread scratch buffer of at least n elements (kept between calls).
template <class T>
T* scratch(int64_t n) {
  thread_local std::vector<T> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}

// y [P, outC] = patches [P, K] * w [K, outC], tiles of pixels over the threads: each task
// gathers its tile's patches into its own buffer (in cache) and multiplies on its own thread.
template <class T>
void conv2d_t(const T* x, const T* w, T* y, const Conv2DParams& c) {
  const int64_t K = c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outH * c.outW;
  if (P == 0 || c.outC == 0) return;
  if (K == 0) {
    std::fill(y, y + P * c.outC, T(0));
    return;
  }
  if (is_pointwise(c)) return gemm(x, w, y, gp(P, c.outC, K, false, false));
  const int64_t tile = tile_pixels(K), tiles = (P + tile - 1) / tile;
  parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
    T* patches = scratch<T>(tile * K);
    for (int64_t t = t0; t < t1; t++) {
      const int64_t p0 = t * tile, rows = std::min(tile, P - p0);
      for (int64_t r = 0; r < rows; r++) im2col_pixel(x, p0 + r, c, patches + r * K);
      gemm(patches, w, y + p0 * c.outC, gp1(rows, c.outC, K, false, false));
    }
  });
}

// dpatches [P, K] = dy [P, outC] * w^T, scattered back onto dx (col2im). Patches overlap within
// an image, never across images: tasks take whole images, zero their part of dx, and scatter
// tile by tile. With fewer images than threads, the product runs on the pool and the scatter
// serially.
template <class T>
void conv2d_input_t(const T* w, const T* dy, T* dx, const Conv2DParams& c) {
  const int64_t K = c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outH * c.outW;
  const int64_t img = c.inH * c.inW * c.inC, ppi = c.outH * c.outW;
  if (P == 0 || K == 0) {
    std::fill(dx, dx + c.batch * img, T(0));
    return;
  }
  if (is_pointwise(c)) return gemm(dy, w, dx, gp(P, K, c.outC, false, true));
  const int64_t tile = tile_pixels(K);
  const int threads = ThreadPool::get().size();
  if (c.batch >= 2 * threads || threads == 1) {
    parallel_for(c.batch, 1, [&](int64_t b0, int64_t b1) {
      std::fill(dx + b0 * img, dx + b1 * img, T(0));
      T* dpatches = scratch<T>(tile * K);
      const int64_t q1 = b1 * ppi;
      for (int64_t q0 = b0 * ppi; q0 < q1; q0 += tile) {
        const int64_t rows = std::min(tile, q1 - q0);
        gemm(dy + q0 * c.outC, w, dpatches, gp1(rows, K, c.outC, false, true));
        for (int64_t r = 0; r < rows; r++) col2im_pixel(dpatches + r * K, q0 + r, c, dx);
      }
    });
    return;
  }
  std::fill(dx, dx + c.batch * img, T(0));
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(P, (int64_t(1) << 22) / K));
  std::vector<T> dpatches(static_cast<size_t>(chunk * K));
  for (int64_t p0 = 0; p0 < P; p0 += chunk) {
    const int64_t rows = std::min(chunk, P - p0);
    gemm(dy + p0 * c.outC, w, dpatches.data(), gp(rows, K, c.outC, false, true));
    for (int64_t r = 0; r < rows; r++) col2im_pixel(dpatches.data() + r * K, p0 + r, c, dx);
  }
}

// dw [K, outC] = patches^T [K, P] * dy [P, outC]. The pixels are cut into a fixed number of
// groups (so the sum's order does not depend on which thread runs what); each group sums its
// tiles into its own partial dw, and the partials are added in group order.
template <class T>
void conv2d_filter_t(const T* x, const T* dy, T* dw, const Conv2DParams& c) {
  const int64_t K = c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outH * c.outW;
  const int64_t KN = K * c.outC;
  if (K == 0 || c.outC == 0) return;
  if (P == 0) {
    std::fill(dw, dw + KN, T(0));
    return;
  }
  if (is_pointwise(c)) return gemm(x, dy, dw, gp(K, c.outC, P, true, false));
  const int64_t tile = tile_pixels(K), tiles = (P + tile - 1) / tile;
  const int threads = ThreadPool::get().size();
  // Enough groups to balance a loaded machine, few enough that the partials stay small
  // against the product (each costs KN to add, each tile K * outC * tile).
  const int64_t groups = std::max<int64_t>(1, std::min<int64_t>(tiles, threads == 1 ? 1 : 2 * threads));
  std::vector<T> partial(static_cast<size_t>((groups - 1) * KN));
  ThreadPool::get().run(groups, [&](int64_t g, int) {
    T* out = g == 0 ? dw : partial.data() + (g - 1) * KN;
    T* patches = scratch<T>(tile * K);
    const int64_t ta = tiles * g / groups, tb = tiles * (g + 1) / groups;
    for (int64_t t = ta; t < tb; t++) {
      const int64_t p0 = t * tile, rows = std::min(tile, P - p0);
      for (int64_t r = 0; r < rows; r++) im2col_pixel(x, p0 + r, c, patches + r * K);
      gemm(patches, dy + p0 * c.outC, out, gp1(K, c.outC, rows, true, false, t > ta));
    }
  });
  for (int64_t g = 1; g < groups; g++) {
    const T* src = partial.data() + (g - 1) * KN;
    for (int64_t i = 0; i < KN; i++) dw[i] += src[i];
  }
}

// ---- pooling --------------------------------------------------------------------------------

struct Window {
  int64_t xBase, hs, he, ws, we, yo;
};

// The clipped window of output pixel (b, oh, ow); never empty (the binding checked).
TF_INLINE Window window(const Pool2DParams& p, int64_t b, int64_t oh, int64_t ow) {
  const int64_t h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
  return Window{b * p.inH * p.inW * p.channels,
                std::max<int64_t>(h0, 0),
                std::min(h0 + p.windowH, p.inH),
                std::max<int64_t>(w0, 0),
                std::min(w0 + p.windowW, p.inW),
                ((b * p.outH + oh) * p.outW + ow) * p.channels};
}

// Channels handled together: the running maxima and their positions stay in registers or L1.
constexpr int64_t kPoolBlock = 64;

// For channels [c0, c0 + nc) of one window: mv[c] = the max over the window, and (with kArg)
// at[c] = its pixel index in the image (ih * inW + iw), the first one in row-major order. A
// value replaces the max when larger or when it is the first NaN (NaN propagates). Written
// without branches (the winner of random data is unpredictable) and with an index as wide as T,
// so the channel loop vectorizes into compares and masks.
template <class T, class I, bool kArg>
TF_INLINE void window_max(const T* x, const Pool2DParams& p, const Window& w, int64_t c0,
                          int64_t nc, T* mv, I* at) {
  const int64_t C = p.channels;
  const int64_t pix0 = w.hs * p.inW + w.ws;
  const T* first = x + w.xBase + pix0 * C + c0;
  for (int64_t c = 0; c < nc; c++) mv[c] = first[c];
  if (kArg)
    for (int64_t c = 0; c < nc; c++) at[c] = static_cast<I>(pix0);
  for (int64_t ih = w.hs; ih < w.he; ih++)
    for (int64_t iw = (ih == w.hs ? w.ws + 1 : w.ws); iw < w.we; iw++) {
      const int64_t pix = ih * p.inW + iw;
      const I ipix = static_cast<I>(pix);
      const T* xr = x + w.xBase + pix * C + c0;
      for (int64_t c = 0; c < nc; c++) {
        const T v = xr[c], m = mv[c];
        const bool b = (v > m) | ((v != v) & (m == m));
        mv[c] = b ? v : m;
        if (kArg) at[c] = b ? ipix : at[c];
      }
    }
}

// Items per task (about 32k window positions per task) for items of `perUnit` windows each.
// The window is clipped to the input (the params allow windows of 2^40 positions), and the
// product is taken in double (in int64 it could still overflow).
inline int64_t pool_grain(const Pool2DParams& p, double perUnit) {
  const double window = double(p.channels) * double(std::min(p.windowH, p.inH)) *
                        double(std::min(p.windowW, p.inW));
  const double work = std::max(1.0, perUnit * window);
  return work >= 32768 ? 1 : static_cast<int64_t>(32768 / work);
}

// Runs body(window) for every output pixel, rows of output (b, oh) spread over the threads.
template <class F>
void for_rows(const Pool2DParams& p, F&& body) {
  parallel_for(p.batch * p.outH, pool_grain(p, double(p.outW)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++)
      for (int64_t ow = 0; ow < p.outW; ow++) body(window(p, r / p.outH, r % p.outH, ow));
  });
}

// Runs body(window) for every output pixel, whole images per thread (for scatters into dx,
// whose windows overlap within an image but never across images).
template <class F>
void for_images(const Pool2DParams& p, F&& body) {
  const int64_t grain = pool_grain(p, double(p.outH) * double(p.outW));
  parallel_for(p.batch, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      for (int64_t oh = 0; oh < p.outH; oh++)
        for (int64_t ow = 0; ow < p.outW; ow++) body(window(p, b, oh, ow));
  });
}

template <class T>
void max_pool_t(const T* x, T* y, const Pool2DParams& p) {
  for_rows(p, [&](const Window& w) {
    for (int64_t c0 = 0; c0 < p.channels; c0 += kPoolBlock) {
      const int64_t nc = std::min(kPoolBlock, p.channels - c0);
      window_max<T, int64_t, false>(x, p, w, c0, nc, y + w.yo + c0, nullptr);
    }
  });
}

// dx is zeroed image by image inside the tasks (no serial fill over the whole input first).
template <class T, class I>
void max_pool_grad_i(const T* x, const T* dy, T* dx, const Pool2DParams& p) {
  const int64_t C = p.channels, img = p.inH * p.inW * C;
  const int64_t grain = pool_grain(p, double(p.outH) * double(p.outW));
  parallel_for(p.batch, grain, [&](int64_t b0, int64_t b1) {
    std::fill(dx + b0 * img, dx + b1 * img, T(0));
    T mv[kPoolBlock];
    I at[kPoolBlock];
    for (int64_t b = b0; b < b1; b++)
      for (int64_t oh = 0; oh < p.outH; oh++)
        for (int64_t ow = 0; ow < p.outW; ow++) {
          const Window w = window(p, b, oh, ow);
          for (int64_t c0 = 0; c0 < C; c0 += kPoolBlock) {
            const int64_t nc = std::min(kPoolBlock, C - c0);
            window_max<T, I, true>(x, p, w, c0, nc, mv, at);
            T* d = dx + w.xBase + c0;
            const T* g = dy + w.yo + c0;
            for (int64_t c = 0; c < nc; c++) d[at[c] * C + c] += g[c];
          }
        }
  });
}

template <class T, class I>
void max_pool_grad_grad_i(const T* x, const T* g, T* out, const Pool2DParams& p) {
  const int64_t C = p.channels;
  for_rows(p, [&](const Window& w) {
    T mv[kPoolBlock];
    I at[kPoolBlock];
    for (int64_t c0 = 0; c0 < C; c0 += kPoolBlock) {
      const int64_t nc = std::min(kPoolBlock, C - c0);
      window_max<T, I, true>(x, p, w, c0, nc, mv, at);
      const T* gi = g + w.xBase + c0;
      for (int64_t c = 0; c < nc; c++) out[w.yo + c0 + c] = gi[at[c] * C + c];
    }
  });
}

// The pixel index as wide as T (so selects vectorize) when an image's pixels fit in it.
template <class T>
using PoolIndex = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;

template <class T>
void max_pool_grad_t(const T* x, const T* dy, T* dx, const Pool2DParams& p) {
  if (p.inH * p.inW <= std::numeric_limits<PoolIndex<T>>::max())
    max_pool_grad_i<T, PoolIndex<T>>(x, dy, dx, p);
  else
    max_pool_grad_i<T, int64_t>(x, dy, dx, p);
}

template <class T>
void max_pool_grad_grad_t(const T* x, const T* g, T* out, const Pool2DParams& p) {
  if (p.inH * p.inW <= std::numeric_limits<PoolIndex<T>>::max())
    max_pool_grad_grad_i<T, PoolIndex<T>>(x, g, out, p);
  else
    max_pool_grad_grad_i<T, int64_t>(x, g, out, p);
}

template <class T>
void avg_pool_t(const T* x, T* y, const Pool2DParams& p) {
  const int64_t C = p.channels;
  for_rows(p, [&](const Window& w) {
    thread_local std::vector<double> sum;
    sum.assign(C, 0.0);
    for (int64_t ih = w.hs; ih < w.he; ih++)
      for (int64_t iw = w.ws; iw < w.we; iw++) {
        const T* xr = x + w.xBase + (ih * p.inW + iw) * C;
        for (int64_t c = 0; c < C; c++) sum[c] += xr[c];
      }
    const double inv = 1.0 / double((w.he - w.hs) * (w.we - w.ws));
    for (int64_t c = 0; c < C; c++) y[w.yo + c] = static_cast<T>(sum[c] * inv);
  });
}

template <class T>
void avg_pool_grad_t(const T* dy, T* dx, const Pool2DParams& p) {
  const int64_t C = p.channels;
  std::fill(dx, dx + p.batch * p.inH * p.inW * C, T(0));
  for_images(p, [&](const Window& w) {
    const double inv = 1.0 / double((w.he - w.hs) * (w.we - w.ws));
    for (int64_t ih = w.hs; ih < w.he; ih++)
      for (int64_t iw = w.ws; iw < w.we; iw++) {
        T* d = dx + w.xBase + (ih * p.inW + iw) * C;
        for (int64_t c = 0; c < C; c++) d[c] += static_cast<T>(double(dy[w.yo + c]) * inv);
      }
  });
}

}  // namespace

#define TF_DISPATCH(T_IS_F32, CALL_F32, CALL_F64) \
  do {                                            \
    if (T_IS_F32)                                 \
      CALL_F32;                                   \
    else                                          \
      CALL_F64;                                   \
  } while (0)

#define F32(p) static_cast<const float*>(p)
#define F64(p) static_cast<const double*>(p)
#define W32(p) static_cast<float*>(p)
#define W64(p) static_cast<double*>(p)

void softmax(bool f32, const void* x, void* out, const AxisParams& p, bool log) {
  TF_DISPATCH(f32, softmax_t(F32(x), W32(out), p, log), softmax_t(F64(x), W64(out), p, log));
}

void softmax_xent(bool f32, const void* labels, const void* logits, void* loss, void* backprop,
                  const AxisParams& p) {
  TF_DISPATCH(f32, softmax_xent_t(F32(labels), F32(logits), W32(loss), W32(backprop), p),
              softmax_xent_t(F64(labels), F64(logits), W64(loss), W64(backprop), p));
}

void sparse_softmax_xent(bool f32, const int32_t* labels, const void* logits, void* loss,
                         void* backprop, int64_t rows, int64_t classes) {
  TF_DISPATCH(f32, sparse_xent_t(labels, F32(logits), W32(loss), W32(backprop), rows, classes),
              sparse_xent_t(labels, F64(logits), W64(loss), W64(backprop), rows, classes));
}

void conv2d(bool f32, const void* x, const void* w, void* y, const Conv2DParams& c) {
  if (conv2d_direct(f32, x, w, y, c)) return;
  TF_DISPATCH(f32, conv2d_t(F32(x), F32(w), W32(y), c), conv2d_t(F64(x), F64(w), W64(y), c));
}

void conv2d_backprop_input(bool f32, const void* w, const void* dy, void* dx,
                           const Conv2DParams& c) {
  if (conv2d_direct_input(f32, w, dy, dx, c)) return;
  TF_DISPATCH(f32, conv2d_input_t(F32(w), F32(dy), W32(dx), c),
              conv2d_input_t(F64(w), F64(dy), W64(dx), c));
}

void conv2d_backprop_filter(bool f32, const void* x, const void* dy, void* dw,
                            const Conv2DParams& c) {
  if (conv2d_direct_filter(f32, x, dy, dw, c)) return;
  TF_DISPATCH(f32, conv2d_filter_t(F32(x), F32(dy), W32(dw), c),
              conv2d_filter_t(F64(x), F64(dy), W64(dw), c));
}

void max_pool(bool f32, const void* x, void* y, const Pool2DParams& p) {
  if (max_pool_disjoint(f32, x, y, p)) return;
  TF_DISPATCH(f32, max_pool_t(F32(x), W32(y), p), max_pool_t(F64(x), W64(y), p));
}

void max_pool_grad(bool f32, const void* x, const void* dy, void* dx, const Pool2DParams& p) {
  if (max_pool_grad_disjoint(f32, x, dy, dx, p)) return;
  TF_DISPATCH(f32, max_pool_grad_t(F32(x), F32(dy), W32(dx), p),
              max_pool_grad_t(F64(x), F64(dy), W64(dx), p));
}

void max_pool_grad_grad(bool f32, const void* x, const void* g, void* out,
                        const Pool2DParams& p) {
  if (max_pool_grad_grad_disjoint(f32, x, g, out, p)) return;
  TF_DISPATCH(f32, max_pool_grad_grad_t(F32(x), F32(g), W32(out), p),
              max_pool_grad_grad_t(F64(x), F64(g), W64(out), p));
}

void avg_pool(bool f32, const void* x, void* y, const Pool2DParams& p) {
  TF_DISPATCH(f32, avg_pool_t(F32(x), W32(y), p), avg_pool_t(F64(x), W64(y), p));
}

void avg_pool_grad(bool f32, const void* dy, void* dx, const Pool2DParams& p) {
  TF_DISPATCH(f32, avg_pool_grad_t(F32(dy), W32(dx), p), avg_pool_grad_t(F64(dy), W64(dx), p));
}

}  // namespace tf
