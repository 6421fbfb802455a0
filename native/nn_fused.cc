// Fused batch normalization and LSTM cell kernels (nn_fused.h). Sums over rows accumulate in
// double, in a fixed number of row groups that depends only on the sizes (so a result does not
// depend on the thread count), added in group order.
#include "nn_fused.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "batchnorm.h"
#include "common.h"
#include "threadpool.h"
#include "vmath.h"

namespace tf {

namespace {

// Row groups for the per-channel sums: about 64k elements each, at most 16.
int64_t row_groups(int64_t rows, int64_t channels) {
  const int64_t work = rows * std::max<int64_t>(channels, 1);
  return std::max<int64_t>(1, std::min<int64_t>({rows, 16, work / 65536}));
}

// Runs body(r0, r1, sums) over the row groups, each group summing into its own `width`
// doubles per channel, then adds the groups in order into out [width * channels].
template <class F>
void grouped_sums(int64_t rows, int64_t channels, int width, double* out, F&& body) {
  const int64_t groups = row_groups(rows, channels);
  const int64_t n = width * channels;
  std::vector<double> part(static_cast<size_t>(groups * n), 0.0);
  ThreadPool::get().run(groups, [&](int64_t g, int) {
    body(rows * g / groups, rows * (g + 1) / groups, part.data() + g * n);
  });
  std::fill(out, out + n, 0.0);
  for (int64_t g = 0; g < groups; g++)
    for (int64_t i = 0; i < n; i++) out[i] += part[g * n + i];
}

// Rows per task of an elementwise pass (about 16k elements per task).
int64_t row_grain(int64_t channels) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(channels, 1));
}

// The per-channel mean of x [rows, C], in double.
template <class T>
std::vector<double> channel_mean(const T* x, int64_t rows, int64_t C) {
  std::vector<double> mean(static_cast<size_t>(C));
  grouped_sums(rows, C, 1, mean.data(), [&](int64_t r0, int64_t r1, double* s) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * C;
      for (int64_t c = 0; c < C; c++) s[c] += double(xr[c]);
    }
  });
  for (int64_t c = 0; c < C; c++) mean[c] /= double(rows);
  return mean;
}

template <class T>
void bn_train_t(const T* x, const T* scale, const T* offset, T* y, T* mean, T* variance,
                int64_t rows, int64_t C, double eps) {
  const std::vector<double> mu = channel_mean(x, rows, C);
  std::vector<double> ss(static_cast<size_t>(C));
  grouped_sums(rows, C, 1, ss.data(), [&](int64_t r0, int64_t r1, double* s) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * C;
      for (int64_t c = 0; c < C; c++) {
        const double d = double(xr[c]) - mu[c];
        s[c] += d * d;
      }
    }
  });
  // y = x a + b with a = scale r, b = offset - mean a.
  std::vector<T> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  const double adjust = double(rows) / double(std::max<int64_t>(rows - 1, 1));
  for (int64_t c = 0; c < C; c++) {
    const double v = ss[c] / double(rows);
    const double r = 1.0 / std::sqrt(v + eps);
    const double ac = r * double(scale[c]);
    a[c] = static_cast<T>(ac);
    b[c] = static_cast<T>(double(offset[c]) - mu[c] * ac);
    mean[c] = static_cast<T>(mu[c]);
    variance[c] = static_cast<T>(v * adjust);
  }
  parallel_for(rows, row_grain(C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * C;
      T* yr = y + r * C;
      for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * a[c] + b[c];
    }
  });
}

template <class T>
void bn_grad_t(const T* dy, const T* x, const T* scale, const T* gmean, const T* gvar, T* dx,
               T* dscale, T* doffset, int64_t rows, int64_t C, double eps) {
  const std::vector<double> mu = channel_mean(x, rows, C);
  // Per channel: sum (x - mean)^2, sum dy, sum dy (x - mean).
  std::vector<double> s3(static_cast<size_t>(3 * C));
  grouped_sums(rows, C, 3, s3.data(), [&](int64_t r0, int64_t r1, double* s) {
    double* sv = s;
    double* sd = s + C;
    double* sdx = s + 2 * C;
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * C;
      const T* dr = dy + r * C;
      for (int64_t c = 0; c < C; c++) {
        const double d = double(xr[c]) - mu[c], g = double(dr[c]);
        sv[c] += d * d;
        sd[c] += g;
        sdx[c] += g * d;
      }
    }
  });
  // dx = scale r (dy - sd/N - (x - mean) r^2 sdx/N) + gmean/N + 2 gvar (x - mean)/N1
  //    = dy a + x b + k per channel (N1 = max(N - 1, 1): the sample variance's divisor).
  std::vector<T> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), k(static_cast<size_t>(C));
  const double N = double(rows), N1 = double(std::max<int64_t>(rows - 1, 1));
  for (int64_t c = 0; c < C; c++) {
    const double r = 1.0 / std::sqrt(s3[c] / N + eps);
    const double sr = double(scale[c]) * r;
    const double bc = -sr * r * r * s3[2 * C + c] / N + 2 * double(gvar[c]) / N1;
    a[c] = static_cast<T>(sr);
    b[c] = static_cast<T>(bc);
    k[c] = static_cast<T>(-sr * s3[C + c] / N + double(gmean[c]) / N - bc * mu[c]);
    dscale[c] = static_cast<T>(r * s3[2 * C + c]);
    doffset[c] = static_cast<T>(s3[C + c]);
  }
  parallel_for(rows, row_grain(C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * C;
      const T* dr = dy + r * C;
      T* o = dx + r * C;
      for (int64_t c = 0; c < C; c++) o[c] = dr[c] * a[c] + xr[c] * b[c] + k[c];
    }
  });
}

// ---- LSTM cell ---------------------------------------------------------------------------

inline double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// Units [u0, U) of one row, in double: z's four blocks are the pre-activations of the gates.
template <class T>
void lstm_row_generic(const T* z, const T* cp, T* c, T* h, int64_t u0, int64_t U) {
  for (int64_t u = u0; u < U; u++) {
    const double i = sigm(z[u]), f = sigm(z[U + u]), g = std::tanh(double(z[2 * U + u]));
    const double o = sigm(z[3 * U + u]);
    const double cn = f * double(cp[u]) + i * g;
    c[u] = static_cast<T>(cn);
    h[u] = static_cast<T>(o * std::tanh(cn));
  }
}

// With t = tanh(c) and e = dc + dh o (1 - t^2), the cotangent reaching c:
// dzi = e g i (1 - i), dzf = e cPrev f (1 - f), dzg = e i (1 - g^2), dzo = dh t o (1 - o),
// dcPrev = e f.
template <class T>
void lstm_grad_row_generic(const T* z, const T* cp, const T* dc, const T* dh, T* dz, T* dcp,
                           int64_t u0, int64_t U) {
  for (int64_t u = u0; u < U; u++) {
    const double i = sigm(z[u]), f = sigm(z[U + u]), g = std::tanh(double(z[2 * U + u]));
    const double o = sigm(z[3 * U + u]);
    const double p = double(cp[u]);
    const double t = std::tanh(f * p + i * g);
    const double e = double(dc[u]) + double(dh[u]) * o * (1 - t * t);
    dz[u] = static_cast<T>(e * g * i * (1 - i));
    dz[U + u] = static_cast<T>(e * p * f * (1 - f));
    dz[2 * U + u] = static_cast<T>(e * i * (1 - g * g));
    dz[3 * U + u] = static_cast<T>(double(dh[u]) * t * o * (1 - o));
    dcp[u] = static_cast<T>(e * f);
  }
}

template <class T>
void lstm_row(const T* z, const T* cp, T* c, T* h, int64_t U) {
  lstm_row_generic(z, cp, c, h, 0, U);
}

template <class T>
void lstm_grad_row(const T* z, const T* cp, const T* dc, const T* dh, T* dz, T* dcp, int64_t U) {
  lstm_grad_row_generic(z, cp, dc, dh, dz, dcp, 0, U);
}

#if TF_X86
// float32 rows 8 units at a time with the vector sigmoid and tanh; the tail in double.
TF_AVX2 void lstm_row_avx2(const float* z, const float* cp, float* c, float* h, int64_t U) {
  int64_t u = 0;
  for (; u + 8 <= U; u += 8) {
    const __m256 i = v8f::sigmoid(_mm256_loadu_ps(z + u));
    const __m256 f = v8f::sigmoid(_mm256_loadu_ps(z + U + u));
    const __m256 g = v8f::tanh(_mm256_loadu_ps(z + 2 * U + u));
    const __m256 o = v8f::sigmoid(_mm256_loadu_ps(z + 3 * U + u));
    const __m256 cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(cp + u), _mm256_mul_ps(i, g));
    _mm256_storeu_ps(c + u, cn);
    _mm256_storeu_ps(h + u, _mm256_mul_ps(o, v8f::tanh(cn)));
  }
  lstm_row_generic(z, cp, c, h, u, U);
}

TF_AVX2 void lstm_grad_row_avx2(const float* z, const float* cp, const float* dc, const float* dh,
                                float* dz, float* dcp, int64_t U) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t u = 0;
  for (; u + 8 <= U; u += 8) {
    const __m256 i = v8f::sigmoid(_mm256_loadu_ps(z + u));
    const __m256 f = v8f::sigmoid(_mm256_loadu_ps(z + U + u));
    const __m256 g = v8f::tanh(_mm256_loadu_ps(z + 2 * U + u));
    const __m256 o = v8f::sigmoid(_mm256_loadu_ps(z + 3 * U + u));
    const __m256 p = _mm256_loadu_ps(cp + u);
    const __m256 t = v8f::tanh(_mm256_fmadd_ps(f, p, _mm256_mul_ps(i, g)));
    const __m256 vdh = _mm256_loadu_ps(dh + u);
    const __m256 e = _mm256_fmadd_ps(_mm256_mul_ps(vdh, o), _mm256_fnmadd_ps(t, t, one),
                                     _mm256_loadu_ps(dc + u));
    _mm256_storeu_ps(dz + u, _mm256_mul_ps(_mm256_mul_ps(e, g), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
    _mm256_storeu_ps(dz + U + u,
                     _mm256_mul_ps(_mm256_mul_ps(e, p), _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
    _mm256_storeu_ps(dz + 2 * U + u, _mm256_mul_ps(_mm256_mul_ps(e, i), _mm256_fnmadd_ps(g, g, one)));
    _mm256_storeu_ps(dz + 3 * U + u,
                     _mm256_mul_ps(_mm256_mul_ps(vdh, t), _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
    _mm256_storeu_ps(dcp + u, _mm256_mul_ps(e, f));
  }
  lstm_grad_row_generic(z, cp, dc, dh, dz, dcp, u, U);
}

template <>
void lstm_row<float>(const float* z, const float* cp, float* c, float* h, int64_t U) {
  if (isa() == Isa::Avx2) return lstm_row_avx2(z, cp, c, h, U);
  lstm_row_generic(z, cp, c, h, 0, U);
}

template <>
void lstm_grad_row<float>(const float* z, const float* cp, const float* dc, const float* dh,
                          float* dz, float* dcp, int64_t U) {
  if (isa() == Isa::Avx2) return lstm_grad_row_avx2(z, cp, dc, dh, dz, dcp, U);
  lstm_grad_row_generic(z, cp, dc, dh, dz, dcp, 0, U);
}
#endif

// Rows per task: about 8k units (each several transcendentals).
int64_t lstm_grain(int64_t U) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(U, 1)); }

template <class T>
void lstm_cell_t(const T* z, const T* cp, T* c, T* h, int64_t B, int64_t U) {
  parallel_for(B, lstm_grain(U), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      lstm_row(z + b * 4 * U, cp + b * U, c + b * U, h + b * U, U);
  });
}

template <class T>
void lstm_cell_grad_t(const T* z, const T* cp, const T* dc, const T* dh, T* dz, T* dcp, int64_t B,
                      int64_t U) {
  parallel_for(B, lstm_grain(U), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      lstm_grad_row(z + b * 4 * U, cp + b * U, dc + b * U, dh + b * U, dz + b * 4 * U,
                    dcp + b * U, U);
  });
}

}  // namespace

#define F32(p) static_cast<const float*>(p)
#define F64(p) static_cast<const double*>(p)
#define W32(p) static_cast<float*>(p)
#define W64(p) static_cast<double*>(p)

void batch_norm_train(bool f32, const void* x, const void* scale, const void* offset, void* y,
                      void* mean, void* variance, int64_t rows, int64_t channels, double eps) {
  if (rows > 0)
    return batch_norm_train_2pass(f32, x, scale, offset, y, mean, variance, rows, channels, eps);
  if (f32)
    bn_train_t(F32(x), F32(scale), F32(offset), W32(y), W32(mean), W32(variance), rows, channels,
               eps);
  else
    bn_train_t(F64(x), F64(scale), F64(offset), W64(y), W64(mean), W64(variance), rows, channels,
               eps);
}

void batch_norm_grad(bool f32, const void* dy, const void* x, const void* scale,
                     const void* gmean, const void* gvar, void* dx, void* dscale, void* doffset,
                     int64_t rows, int64_t channels, double eps) {
  if (rows > 0)
    return batch_norm_grad_2pass(f32, dy, x, scale, gmean, gvar, dx, dscale, doffset, rows,
                                 channels, eps);
  if (f32)
    bn_grad_t(F32(dy), F32(x), F32(scale), F32(gmean), F32(gvar), W32(dx), W32(dscale),
              W32(doffset), rows, channels, eps);
  else
    bn_grad_t(F64(dy), F64(x), F64(scale), F64(gmean), F64(gvar), W64(dx), W64(dscale),
              W64(doffset), rows, channels, eps);
}

void lstm_cell(bool f32, const void* z, const void* cPrev, void* c, void* h, int64_t batch,
               int64_t units) {
  if (f32)
    lstm_cell_t(F32(z), F32(cPrev), W32(c), W32(h), batch, units);
  else
    lstm_cell_t(F64(z), F64(cPrev), W64(c), W64(h), batch, units);
}

void lstm_cell_grad(bool f32, const void* z, const void* cPrev, const void* dc, const void* dh,
                    void* dz, void* dcPrev, int64_t batch, int64_t units) {
  if (f32)
    lstm_cell_grad_t(F32(z), F32(cPrev), F32(dc), F32(dh), W32(dz), W32(dcPrev), batch, units);
  else
    lstm_cell_grad_t(F64(z), F64(cPrev), F64(dc), F64(dh), W64(dz), W64(dcPrev), batch, units);
}

}  // namespace tf
