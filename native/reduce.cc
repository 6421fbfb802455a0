// Reductions over axes: Sum, Prod, Max, Min, All, Any and Mean of float32/float64 tensors.
//
// As in the JS backend, the shape is collapsed into alternating runs of kept and reduced axes
// and each reduced run is one [outer, n, inner] -> [outer, inner] pass, from the right. Every
// pass accumulates in double (float32 sums lose no more than float64 ones), so the result only
// differs from the JS one by the order of the additions. Max and Min propagate NaN.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common.h"
#include "kernels.h"
#include "threadpool.h"

namespace tf {

// Mean comes last so the older indices keep their meaning; it runs as Sum and scales once.
const char* const kReduceNames[] = {"Sum", "Prod", "Max", "Min", "All", "Any", "Mean"};
const int kNumReduce = 7;

namespace {

enum Fn { SUM = 0, PROD, MAX, MIN, ALL, ANY, MEAN };

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double identity(int fn) {
  switch (fn) {
    case SUM:
      return 0;
    case PROD:
      return 1;
    case MAX:
      return -kInf;
    case MIN:
      return kInf;
    case ALL:
      return 1;
    default:
      return 0;
  }
}

// Combines two partial results of the same reduction.
TF_INLINE double combine(int fn, double a, double b) {
  switch (fn) {
    case SUM:
      return a + b;
    case PROD:
      return a * b;
    case MAX:
      return (a != a || b != b) ? kNaN : std::max(a, b);
    case MIN:
      return (a != a || b != b) ? kNaN : std::min(a, b);
    case ALL:
      return (a != 0 && b != 0) ? 1 : 0;
    default:
      return (a != 0 || b != 0) ? 1 : 0;
  }
}

// ---- contiguous rows (inner == 1): one value from n consecutive elements ----------------------

template <class In>
double row_generic(int fn, const In* x, int64_t n) {
  switch (fn) {
    case SUM: {
      // Four partial sums: independent additions pipeline, and the order barely matters in
      // double for float inputs.
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int64_t i = 0;
      for (; i + 4 <= n; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
      }
      for (; i < n; i++) s0 += x[i];
      return (s0 + s1) + (s2 + s3);
    }
    case PROD: {
      double p = 1;
      for (int64_t i = 0; i < n; i++) p *= x[i];
      return p;
    }
    case MAX: {
      double m = -kInf;
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        if (v != v) return kNaN;
        m = v > m ? v : m;
      }
      return m;
    }
    case MIN: {
      double m = kInf;
      for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        if (v != v) return kNaN;
        m = v < m ? v : m;
      }
      return m;
    }
    case ALL:
      for (int64_t i = 0; i < n; i++)
        if (x[i] == 0) return 0;
      return 1;
    default:
      for (int64_t i = 0; i < n; i++)
        if (x[i] != 0) return 1;
      return 0;
  }
}

#if TF_X86
// AVX2 row sums and extrema: 16 floats (or 8 doubles) per step, converted to double for sums;
// extrema keep a running NaN mask (vmaxps would drop NaN).
TF_AVX2 double row_avx2(int fn, const float* x, int64_t n) {
  int64_t i = 0;
  double tail;
  if (fn == SUM) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    for (; i + 16 <= n; i += 16) {
      a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
      a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
      a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)));
      a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12)));
    }
    __m256d s = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
    alignas(32) double v[4];
    _mm256_store_pd(v, s);
    tail = row_generic(SUM, x + i, n - i);
    return ((v[0] + v[1]) + (v[2] + v[3])) + tail;
  }
  if (fn == MAX || fn == MIN) {
    const bool mx = fn == MAX;
    __m256 m0 = _mm256_set1_ps(mx ? -__builtin_inff() : __builtin_inff()), m1 = m0;
    __m256 nan = _mm256_setzero_ps();
    for (; i + 16 <= n; i += 16) {
      __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(v0, v1, _CMP_UNORD_Q));
      m0 = mx ? _mm256_max_ps(m0, v0) : _mm256_min_ps(m0, v0);
      m1 = mx ? _mm256_max_ps(m1, v1) : _mm256_min_ps(m1, v1);
    }
    if (_mm256_movemask_ps(nan) != 0) return kNaN;
    __m256 m = mx ? _mm256_max_ps(m0, m1) : _mm256_min_ps(m0, m1);
    alignas(32) float v[8];
    _mm256_store_ps(v, m);
    double r = v[0];
    for (int j = 1; j < 8; j++) r = mx ? std::max(r, double(v[j])) : std::min(r, double(v[j]));
    return combine(fn, r, row_generic(fn, x + i, n - i));
  }
  return row_generic(fn, x, n);
}

TF_AVX2 double row_avx2(int fn, const double* x, int64_t n) {
  int64_t i = 0;
  if (fn == SUM) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    for (; i + 16 <= n; i += 16) {
      a0 = _mm256_add_pd(a0, _mm256_loadu_pd(x + i));
      a1 = _mm256_add_pd(a1, _mm256_loadu_pd(x + i + 4));
      a2 = _mm256_add_pd(a2, _mm256_loadu_pd(x + i + 8));
      a3 = _mm256_add_pd(a3, _mm256_loadu_pd(x + i + 12));
    }
    __m256d s = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
    alignas(32) double v[4];
    _mm256_store_pd(v, s);
    return ((v[0] + v[1]) + (v[2] + v[3])) + row_generic(SUM, x + i, n - i);
  }
  if (fn == MAX || fn == MIN) {
    const bool mx = fn == MAX;
    __m256d m0 = _mm256_set1_pd(mx ? -kInf : kInf), m1 = m0;
    __m256d nan = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
      __m256d v0 = _mm256_loadu_pd(x + i), v1 = _mm256_loadu_pd(x + i + 4);
      nan = _mm256_or_pd(nan, _mm256_cmp_pd(v0, v1, _CMP_UNORD_Q));
      m0 = mx ? _mm256_max_pd(m0, v0) : _mm256_min_pd(m0, v0);
      m1 = mx ? _mm256_max_pd(m1, v1) : _mm256_min_pd(m1, v1);
    }
    if (_mm256_movemask_pd(nan) != 0) return kNaN;
    __m256d m = mx ? _mm256_max_pd(m0, m1) : _mm256_min_pd(m0, m1);
    alignas(32) double v[4];
    _mm256_store_pd(v, m);
    double r = v[0];
    for (int j = 1; j < 4; j++) r = mx ? std::max(r, v[j]) : std::min(r, v[j]);
    return combine(fn, r, row_generic(fn, x + i, n - i));
  }
  return row_generic(fn, x, n);
}
#endif

#if TF_X86
// Sums of many short rows (a layer norm's rows of 32): four rows at a time, one accumulator
// each, so the four dependency chains overlap and one horizontal reduction serves four rows
// (a row at a time spends more on the reduction and the call than on the adds).
TF_AVX2 inline __m256d load4_pd(const float* x) { return _mm256_cvtps_pd(_mm_loadu_ps(x)); }
TF_AVX2 inline __m256d load4_pd(const double* x) { return _mm256_loadu_pd(x); }

template <class In>
TF_AVX2 void short_rows_sum_avx2(const In* x, int64_t n, int64_t o0, int64_t o1, double* acc) {
  const int64_t n4 = n & ~int64_t{3};
  int64_t o = o0;
  for (; o + 4 <= o1; o += 4) {
    const In* r0 = x + o * n;
    const In* r1 = r0 + n;
    const In* r2 = r1 + n;
    const In* r3 = r2 + n;
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < n4; i += 4) {
      a0 = _mm256_add_pd(a0, load4_pd(r0 + i));
      a1 = _mm256_add_pd(a1, load4_pd(r1 + i));
      a2 = _mm256_add_pd(a2, load4_pd(r2 + i));
      a3 = _mm256_add_pd(a3, load4_pd(r3 + i));
    }
    // [a0 lanes 0+1, a1 lanes 0+1, a0 lanes 2+3, a1 lanes 2+3], the same for a2, a3.
    const __m256d h01 = _mm256_hadd_pd(a0, a1), h23 = _mm256_hadd_pd(a2, a3);
    __m256d s = _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x21),
                              _mm256_blend_pd(h01, h23, 0xC));
    alignas(32) double v[4];
    _mm256_store_pd(v, s);
    for (int64_t i = n4; i < n; i++) {
      v[0] += r0[i];
      v[1] += r1[i];
      v[2] += r2[i];
      v[3] += r3[i];
    }
    acc[o] = v[0];
    acc[o + 1] = v[1];
    acc[o + 2] = v[2];
    acc[o + 3] = v[3];
  }
  for (; o < o1; o++) acc[o] = row_avx2(SUM, x + o * n, n);
}
#endif

// Rows this short or shorter take short_rows_sum_avx2.
constexpr int64_t kShortRow = 64;

template <class In>
double row(int fn, const In* x, int64_t n) {
#if TF_X86
  if (isa() == Isa::Avx2) return row_avx2(fn, x, n);
#endif
  return row_generic(fn, x, n);
}

// ---- strided (inner > 1): acc[k] op= x[r*inner + k] over rows r ------------------------------

#define TF_DEFINE_COLS(SUFFIX, ATTR)                                                          \
  template <class In>                                                                         \
  ATTR void cols_##SUFFIX(int fn, const In* TF_RESTRICT x, int64_t n, int64_t inner,         \
                          int64_t k0, int64_t k1, double* TF_RESTRICT acc) {                  \
    for (int64_t r = 0; r < n; r++) {                                                         \
      const In* xr = x + r * inner;                                                           \
      switch (fn) {                                                                           \
        case SUM:                                                                             \
          for (int64_t k = k0; k < k1; k++) acc[k] += xr[k];                                  \
          break;                                                                              \
        case PROD:                                                                            \
          for (int64_t k = k0; k < k1; k++) acc[k] *= xr[k];                                  \
          break;                                                                              \
        case MAX:                                                                             \
          for (int64_t k = k0; k < k1; k++) {                                                 \
            double v = xr[k];                                                                 \
            acc[k] = (v > acc[k] || v != v) ? v : acc[k];                                     \
          }                                                                                   \
          break;                                                                              \
        case MIN:                                                                             \
          for (int64_t k = k0; k < k1; k++) {                                                 \
            double v = xr[k];                                                                 \
            acc[k] = (v < acc[k] || v != v) ? v : acc[k];                                     \
          }                                                                                   \
          break;                                                                              \
        case ALL:                                                                             \
          for (int64_t k = k0; k < k1; k++) acc[k] = (acc[k] != 0 && xr[k] != 0) ? 1.0 : 0.0; \
          break;                                                                              \
        default:                                                                              \
          for (int64_t k = k0; k < k1; k++) acc[k] = (acc[k] != 0 || xr[k] != 0) ? 1.0 : 0.0; \
          break;                                                                              \
      }                                                                                       \
    }                                                                                         \
  }
TF_DEFINE_COLS(generic, )
#if TF_X86
TF_DEFINE_COLS(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_COLS

template <class In>
void cols(int fn, const In* x, int64_t n, int64_t inner, int64_t k0, int64_t k1, double* acc) {
#if TF_X86
  if (isa() == Isa::Avx2) return cols_avx2(fn, x, n, inner, k0, k1, acc);
#endif
  cols_generic(fn, x, n, inner, k0, k1, acc);
}

// ---- column sums (inner > 1): acc[k] += x[r*inner + k] over rows r0..r1, columns k0..k1 ------
// Four rows per step: acc is loaded and stored once per four rows and the adds pipeline; the
// loop vectorizes (AVX2 in the avx2 instantiation), with no stride but the row's.
#define TF_DEFINE_SUM_COLS(SUFFIX, ATTR)                                                       \
  template <class In>                                                                        \
  ATTR void sum_cols_##SUFFIX(const In* TF_RESTRICT x, int64_t inner, int64_t r0, int64_t r1, \
                              int64_t k0, int64_t k1, double* TF_RESTRICT acc) {             \
    int64_t r = r0;                                                                          \
    for (; r + 4 <= r1; r += 4) {                                                            \
      const In* TF_RESTRICT a = x + r * inner;                                               \
      const In* TF_RESTRICT b = a + inner;                                                   \
      const In* TF_RESTRICT c = b + inner;                                                   \
      const In* TF_RESTRICT d = c + inner;                                                   \
      for (int64_t k = k0; k < k1; k++)                                                      \
        acc[k] += (static_cast<double>(a[k]) + static_cast<double>(b[k])) +                  \
                  (static_cast<double>(c[k]) + static_cast<double>(d[k]));                   \
    }                                                                                        \
    for (; r < r1; r++) {                                                                    \
      const In* TF_RESTRICT a = x + r * inner;                                               \
      for (int64_t k = k0; k < k1; k++) acc[k] += static_cast<double>(a[k]);                \
    }                                                                                        \
  }
TF_DEFINE_SUM_COLS(generic, )
#if TF_X86
TF_DEFINE_SUM_COLS(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_SUM_COLS

template <class In>
void sum_cols(const In* x, int64_t inner, int64_t r0, int64_t r1, int64_t k0, int64_t k1,
              double* acc) {
#if TF_X86
  if (isa() == Isa::Avx2) return sum_cols_avx2(x, inner, r0, r1, k0, k1, acc);
#endif
  sum_cols_generic(x, inner, r0, r1, k0, k1, acc);
}

// Columns per unit of work: 4 KB of double accumulators stay in L1 while the rows stream by.
constexpr int64_t kColTile = 512;

// A Sum pass with inner > 1: x as [outer, n, inner] -> acc [outer, inner]. Units of work are
// (outer block, column tile) pairs; when there are fewer than four of them per thread (a
// first-axis reduction to a row of a few thousand), the rows are split instead, each thread
// summing its share into its own accumulators, added up at the end. (Tiles narrower than 512
// columns were slower: a tile's rows are then short runs that the prefetcher follows badly;
// two tiles claimed by two threads left one waiting on the other: [1000,1000] along axis 0
// took 105-120 us median at 2 threads, 68-84 us with the rows split.)
template <class In>
void sum_pass_cols(const In* x, int64_t outer, int64_t n, int64_t inner, double* acc) {
  const int64_t size = outer * inner;
  std::fill(acc, acc + size, 0.0);
  const int threads = ThreadPool::get().size();
  const int64_t tiles = (inner + kColTile - 1) / kColTile;
  const int64_t units = outer * tiles;
  auto unit = [&](int64_t u, int64_t r0, int64_t r1, double* a) {
    const int64_t o = u / tiles, k0 = (u % tiles) * kColTile;
    sum_cols(x + o * n * inner, inner, r0, r1, k0, std::min(inner, k0 + kColTile), a + o * inner);
  };
  if (units >= 4 * threads || outer * n * inner < 65536 || n < 8) {
    const int64_t perUnit = n * std::min(inner, kColTile);
    parallel_for(units, std::max<int64_t>(1, 32768 / std::max<int64_t>(perUnit, 1)),
                 [&](int64_t u0, int64_t u1) {
                   for (int64_t u = u0; u < u1; u++) unit(u, 0, n, acc);
                 });
    return;
  }
  const int64_t parts = std::min<int64_t>(threads, n / 4);
  std::vector<double> part(static_cast<size_t>(size * parts), 0.0);
  ThreadPool::get().run(parts, [&](int64_t t, int) {
    const int64_t r0 = n * t / parts, r1 = n * (t + 1) / parts;
    for (int64_t u = 0; u < units; u++) unit(u, r0, r1, part.data() + t * size);
  });
  for (int64_t t = 0; t < parts; t++) {
    const double* p = part.data() + t * size;
    for (int64_t i = 0; i < size; i++) acc[i] += p[i];
  }
}

// One pass: x as [outer, n, inner] -> acc [outer, inner] (acc fully written).
template <class In>
void pass(int fn, const In* x, int64_t outer, int64_t n, int64_t inner, double* acc) {
  const int64_t total = outer * n * inner;
  const double init = identity(fn);
  const int threads = ThreadPool::get().size();
  if (inner == 1) {
    if (outer >= 2 * threads || total < 65536) {
#if TF_X86
      if (fn == SUM && n <= kShortRow && outer >= 4 && isa() == Isa::Avx2) {
        parallel_for(outer, std::max<int64_t>(4, 32768 / std::max<int64_t>(n, 1)),
                     [&](int64_t o0, int64_t o1) { short_rows_sum_avx2(x, n, o0, o1, acc); });
        return;
      }
#endif
      parallel_for(outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(n, 1)),
                   [&](int64_t o0, int64_t o1) {
                     for (int64_t o = o0; o < o1; o++) acc[o] = row(fn, x + o * n, n);
                   });
      return;
    }
    // Few long rows: split each row over the threads and combine the partial results.
    for (int64_t o = 0; o < outer; o++) {
      std::vector<double> part(threads, init);
      const In* xo = x + o * n;
      ThreadPool::get().run(threads, [&](int64_t t, int) {
        int64_t b = n * t / threads, e = n * (t + 1) / threads;
        if (b < e) part[t] = row(fn, xo + b, e - b);
      });
      double r = init;
      for (double v : part) r = combine(fn, r, v);
      acc[o] = r;
    }
    return;
  }
  if (fn == SUM) return sum_pass_cols(x, outer, n, inner, acc);
  std::fill(acc, acc + outer * inner, init);
  if (outer >= 2 * threads || total < 65536) {
    parallel_for(outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(n * inner, 1)),
                 [&](int64_t o0, int64_t o1) {
                   for (int64_t o = o0; o < o1; o++)
                     cols(fn, x + o * n * inner, n, inner, 0, inner, acc + o * inner);
                 });
    return;
  }
  // Few outer blocks: split the kept columns over the threads.
  for (int64_t o = 0; o < outer; o++) {
    parallel_for(inner, std::max<int64_t>(64, 32768 / std::max<int64_t>(n, 1)),
                 [&](int64_t k0, int64_t k1) {
                   cols(fn, x + o * n * inner, n, inner, k0, k1, acc + o * inner);
                 });
  }
}

template <class T>
void reduce_t(int fn, const T* x, const Shape& shape, const std::vector<int>& axes, T* out) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  // Mean is a Sum divided once at the end by the count of reduced elements (NaN for none).
  const bool mean = fn == MEAN;
  if (mean) fn = SUM;
  double count = 1;
  for (int a : axes) count *= static_cast<double>(shape[a]);
  // Runs of kept / reduced axes, as [size, reduced].
  std::vector<std::pair<int64_t, bool>> runs;
  for (size_t i = 0; i < shape.size(); i++) {
    bool red = std::find(axes.begin(), axes.end(), static_cast<int>(i)) != axes.end();
    if (!runs.empty() && runs.back().second == red)
      runs.back().first *= shape[i];
    else
      runs.emplace_back(shape[i], red);
  }
  int64_t outSize = 1;
  for (auto& r : runs)
    if (!r.second) outSize *= r.first;
  if (total == 0) {
    // Reducing nothing gives the identity (an empty kept axis gives no output at all).
    std::fill(out, out + outSize, static_cast<T>(mean ? kNaN : identity(fn)));
    return;
  }
  std::vector<double> bufA, bufB;
  const double* cur = nullptr;  // current data in double, or null while still the input
  int64_t curSize = total;
  bool first = true;
  for (size_t i = runs.size(); i-- > 0;) {
    if (!runs[i].second) continue;
    int64_t outer = 1, inner = 1;
    for (size_t j = 0; j < i; j++) outer *= runs[j].first;
    for (size_t j = i + 1; j < runs.size(); j++) inner *= runs[j].first;
    const int64_t n = runs[i].first;
    std::vector<double>& dst = first ? bufA : (cur == bufA.data() ? bufB : bufA);
    dst.resize(static_cast<size_t>(outer * inner));
    if (first)
      pass(fn, x, outer, n, inner, dst.data());
    else
      pass(fn, cur, outer, n, inner, dst.data());
    cur = dst.data();
    curSize = outer * inner;
    runs[i].first = 1;
    first = false;
  }
  if (cur == nullptr) {
    std::copy(x, x + total, out);
    return;
  }
  if (mean)
    for (int64_t i = 0; i < curSize; i++) out[i] = static_cast<T>(cur[i] / count);
  else
    for (int64_t i = 0; i < curSize; i++) out[i] = static_cast<T>(cur[i]);
}

}  // namespace

void reduce(int fn, DType t, const void* x, const Shape& shape, const std::vector<int>& axes,
            void* out) {
  if (t == DType::F32)
    reduce_t(fn, static_cast<const float*>(x), shape, axes, static_cast<float*>(out));
  else
    reduce_t(fn, static_cast<const double*>(x), shape, axes, static_cast<double*>(out));
}

}  // namespace tf
