// Recurrent sequence kernels (rnn.h): the LSTM of nn_fused.h and the GRU.
//
// Per step the recurrent product is [batch, units] x [units, gates units]: small (batch rows),
// repeated for every step with the same weights. The weights are packed once per call into
// panels of NR columns (K x NR contiguous, zero padded), gate by gate, and a step's product
// reads the state rows directly (broadcasts from a row-major [batch, K] block that stays in L1),
// so no step packs anything. Threads split the batch: a row's recurrence reads only its own
// row of the previous state (and, going back, its own cotangents), so each block of rows runs
// all the steps by itself and a sequence costs one pool pass, not one per step (see Rows).
// Results do not depend on the thread count: every row is computed the same way in any block.
#include "rnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "nn_fused.h"
#include "simd_vec.h"
#include "threadpool.h"
#include "vmath.h"

namespace tf {

namespace {

// Panel width in columns: two AVX2 registers of float, two of double (as one register pair).
template <class T>
constexpr int kNR = sizeof(T) == 4 ? 16 : 8;

// Packed weights: B(p, col) = src[p * sp + col * sj] for p < K and col < groups * width, each
// group of `width` columns (a gate) cut into `per` panels of NR columns, panel (g, j) holding
// columns g width + j NR ... as K x NR contiguous values, zeros past the group's end.
template <class T>
struct Panels {
  std::vector<T> data;
  int64_t K = 0, width = 0, per = 0;
  const T* panel(int64_t g, int64_t j) const {
    return data.data() + (g * per + j) * K * kNR<T>;
  }
  // Columns of panel j within a group.
  int64_t cols(int64_t j) const { return std::min<int64_t>(kNR<T>, width - j * kNR<T>); }
};

template <class T>
Panels<T> pack(const T* src, int64_t K, int64_t groups, int64_t width, int64_t sp, int64_t sj) {
  constexpr int NR = kNR<T>;
  Panels<T> P;
  P.K = K;
  P.width = width;
  P.per = (width + NR - 1) / NR;
  P.data.assign(static_cast<size_t>(groups * P.per * K * NR), T(0));
  for (int64_t g = 0; g < groups; g++) {
    for (int64_t j = 0; j < P.per; j++) {
      T* d = P.data.data() + (g * P.per + j) * K * NR;
      const int64_t nc = P.cols(j);
      for (int64_t p = 0; p < K; p++)
        for (int64_t c = 0; c < nc; c++)
          d[p * NR + c] = src[p * sp + (g * width + j * NR + c) * sj];
    }
  }
  return P;
}

// C[0:M, 0:nc] (= or +=) A[0:M, 0:K] (row stride lda) times one panel (K x NR, nc <= NR valid
// columns; C's row stride ldc).
template <class T>
void panel_generic(const T* A, int64_t lda, int64_t M, const T* P, int64_t K, T* C, int64_t ldc,
                   int64_t nc, bool acc) {
  constexpr int NR = kNR<T>;
  T s[NR];
  for (int64_t i = 0; i < M; i++) {
    for (int c = 0; c < NR; c++) s[c] = T(0);
    const T* a = A + i * lda;
    for (int64_t p = 0; p < K; p++) {
      const T av = a[p];
      const T* b = P + p * NR;
      for (int c = 0; c < NR; c++) s[c] += av * b[c];
    }
    T* cr = C + i * ldc;
    for (int64_t c = 0; c < nc; c++) cr[c] = acc ? cr[c] + s[c] : s[c];
  }
}

#if TF_X86
// Six rows of A (row pointers; a short block repeats a row and drops its results) times a panel
// of two registers' columns (NR = 2 L) into t [6 x NR]: 12 accumulators in registers, per k
// step 2 loads of the panel and 6 broadcasts of A. Fully unrolled, so the accumulator array
// lives in registers.
template <class T>
TF_AVX2 TF_INLINE void rows6(const T* const* r, const T* P, int64_t K, T* t) {
  using V = simd::Avx2<T>;
  constexpr int L = V::L;
  typename V::reg acc[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; i++) acc[i][0] = acc[i][1] = V::zero();
  const T* rows[6] = {r[0], r[1], r[2], r[3], r[4], r[5]};
  for (int64_t p = 0; p < K; p++) {
    const typename V::reg x = V::load(P + p * 2 * L), y = V::load(P + p * 2 * L + L);
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++) {
      const typename V::reg v = V::bcast(rows[i] + p);
      acc[i][0] = V::fma(v, x, acc[i][0]);
      acc[i][1] = V::fma(v, y, acc[i][1]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < 6; i++) {
    V::store(t + i * 2 * L, acc[i][0]);
    V::store(t + i * 2 * L + L, acc[i][1]);
  }
}

template <class T>
TF_AVX2 void panel_avx2(const T* A, int64_t lda, int64_t M, const T* P, int64_t K, T* C,
                        int64_t ldc, int64_t nc, bool acc) {
  using V = simd::Avx2<T>;
  constexpr int NR = kNR<T>;
  static_assert(NR == 2 * V::L, "a panel is two registers wide");
  alignas(32) T t[6 * NR];
  for (int64_t i = 0; i < M; i += 6) {
    const int64_t mr = std::min<int64_t>(6, M - i);
    const T* r[6];
    for (int k = 0; k < 6; k++) r[k] = A + (i + (k < mr ? k : 0)) * lda;
    rows6(r, P, K, t);
    for (int64_t k = 0; k < mr; k++) {
      T* cr = C + (i + k) * ldc;
      const T* tr = t + k * NR;
      if (nc == NR) {
        typename V::reg x = V::load(tr), y = V::load(tr + V::L);
        if (acc) {
          x = V::add(x, V::load(cr));
          y = V::add(y, V::load(cr + V::L));
        }
        V::store(cr, x);
        V::store(cr + V::L, y);
      } else {
        for (int64_t c = 0; c < nc; c++) cr[c] = acc ? cr[c] + tr[c] : tr[c];
      }
    }
  }
}
#endif

inline void panel(const float* A, int64_t lda, int64_t M, const float* P, int64_t K, float* C,
                  int64_t ldc, int64_t nc, bool acc) {
#if TF_X86
  if (isa() == Isa::Avx2) return panel_avx2(A, lda, M, P, K, C, ldc, nc, acc);
#endif
  panel_generic(A, lda, M, P, K, C, ldc, nc, acc);
}

inline void panel(const double* A, int64_t lda, int64_t M, const double* P, int64_t K, double* C,
                  int64_t ldc, int64_t nc, bool acc) {
#if TF_X86
  if (isa() == Isa::Avx2) return panel_avx2(A, lda, M, P, K, C, ldc, nc, acc);
#endif
  panel_generic(A, lda, M, P, K, C, ldc, nc, acc);
}

// C[:, gate g's columns of panels j0..j1) (+)= A (M x K, row stride lda) times those panels;
// C's gate g starts at column g * cstride.
template <class T>
void gate_product(const Panels<T>& P, int64_t g, int64_t j0, int64_t j1, const T* A, int64_t lda,
                  int64_t M, T* C, int64_t ldc, int64_t cstride, bool acc) {
  for (int64_t j = j0; j < j1; j++)
    panel(A, lda, M, P.panel(g, j), P.K, C + g * cstride + j * kNR<T>, ldc, P.cols(j), acc);
}

// How a sequence is split over threads: by batch rows. A row's recurrence only reads its own
// row of the previous state (and its own cotangents going back), so each block of rows runs
// every step by itself, with no synchronization between steps (one pool pass per sequence:
// a thread that is descheduled for a while only delays its own rows). Blocks are whole 6-row
// panels of the products, at most one per thread, and only for sequences of at least ~1M
// multiply-adds per block.
struct Rows {
  int64_t n, panels, B;
  int64_t r0(int64_t q) const { return std::min(B, panels * q / n * 6); }
  int64_t r1(int64_t q) const { return std::min(B, panels * (q + 1) / n * 6); }
};

Rows row_blocks(int64_t B, int64_t macs) {
  const int threads = ThreadPool::get().size();
  const int64_t panels = (B + 5) / 6;
  int64_t n = 1;
  if (threads > 1) n = std::max<int64_t>(1, std::min<int64_t>({panels, threads, macs / (1 << 20)}));
  return Rows{n, panels, B};
}

template <class F>
void run_rows(const Rows& rows, F&& body) {
  if (rows.n == 1) {
    body(int64_t(0), rows.B);
    return;
  }
  ThreadPool::get().run(rows.n, [&](int64_t q, int) {
    const int64_t r0 = rows.r0(q), r1 = rows.r1(q);
    if (r0 < r1) body(r0, r1);
  });
}

// out[k] = sum_r a[r * cols + k], in double, in row order.
template <class T>
void column_sums(const T* a, int64_t rows, int64_t cols, T* out) {
  std::vector<double> s(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t k = 0; k < cols; k++) s[k] += double(a[r * cols + k]);
  for (int64_t k = 0; k < cols; k++) out[k] = static_cast<T>(s[k]);
}

inline double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

GemmParams plain(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool acc) {
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

// ---- LSTM gate arithmetic on units [u0, u1) of one row ------------------------------------

// z [4U] holds the pre-activations (i, f, g, o): c = f cp + i g, h = o tanh(c).
template <class T>
void lstm_fwd_generic(const T* z, const T* cp, T* c, T* h, int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double i = sigm(z[u]), f = sigm(z[U + u]), g = std::tanh(double(z[2 * U + u]));
    const double o = sigm(z[3 * U + u]);
    const double cn = f * double(cp[u]) + i * g;
    c[u] = static_cast<T>(cn);
    h[u] = static_cast<T>(o * std::tanh(cn));
  }
}

// With t = tanh(c), e = dc + dh o (1 - t^2): dz = (e g i', e cp f', e i g', dh t o'), dcp = e f;
// dz gets dzs (the upstream of z itself) added.
template <class T>
void lstm_bwd_generic(const T* z, const T* cp, const T* dc, const T* dh, const T* dzs, T* dz,
                      T* dcp, int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double i = sigm(z[u]), f = sigm(z[U + u]), g = std::tanh(double(z[2 * U + u]));
    const double o = sigm(z[3 * U + u]);
    const double p = double(cp[u]);
    const double t = std::tanh(f * p + i * g);
    const double e = double(dc[u]) + double(dh[u]) * o * (1 - t * t);
    dz[u] = static_cast<T>(e * g * i * (1 - i) + double(dzs[u]));
    dz[U + u] = static_cast<T>(e * p * f * (1 - f) + double(dzs[U + u]));
    dz[2 * U + u] = static_cast<T>(e * i * (1 - g * g) + double(dzs[2 * U + u]));
    dz[3 * U + u] = static_cast<T>(double(dh[u]) * t * o * (1 - o) + double(dzs[3 * U + u]));
    dcp[u] = static_cast<T>(e * f);
  }
}

#if TF_X86
TF_AVX2 void lstm_fwd_avx2(const float* z, const float* cp, float* c, float* h, int64_t U,
                           int64_t u0, int64_t u1) {
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 i = v8f::sigmoid(_mm256_loadu_ps(z + u));
    const __m256 f = v8f::sigmoid(_mm256_loadu_ps(z + U + u));
    const __m256 g = v8f::tanh(_mm256_loadu_ps(z + 2 * U + u));
    const __m256 o = v8f::sigmoid(_mm256_loadu_ps(z + 3 * U + u));
    const __m256 cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(cp + u), _mm256_mul_ps(i, g));
    _mm256_storeu_ps(c + u, cn);
    _mm256_storeu_ps(h + u, _mm256_mul_ps(o, v8f::tanh(cn)));
  }
  lstm_fwd_generic(z, cp, c, h, U, u, u1);
}

TF_AVX2 void lstm_bwd_avx2(const float* z, const float* cp, const float* dc, const float* dh,
                           const float* dzs, float* dz, float* dcp, int64_t U, int64_t u0,
                           int64_t u1) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 i = v8f::sigmoid(_mm256_loadu_ps(z + u));
    const __m256 f = v8f::sigmoid(_mm256_loadu_ps(z + U + u));
    const __m256 g = v8f::tanh(_mm256_loadu_ps(z + 2 * U + u));
    const __m256 o = v8f::sigmoid(_mm256_loadu_ps(z + 3 * U + u));
    const __m256 p = _mm256_loadu_ps(cp + u);
    const __m256 t = v8f::tanh(_mm256_fmadd_ps(f, p, _mm256_mul_ps(i, g)));
    const __m256 vdh = _mm256_loadu_ps(dh + u);
    const __m256 e = _mm256_fmadd_ps(_mm256_mul_ps(vdh, o), _mm256_fnmadd_ps(t, t, one),
                                     _mm256_loadu_ps(dc + u));
    const __m256 di = _mm256_mul_ps(i, _mm256_sub_ps(one, i));
    const __m256 df = _mm256_mul_ps(f, _mm256_sub_ps(one, f));
    const __m256 dO = _mm256_mul_ps(o, _mm256_sub_ps(one, o));
    _mm256_storeu_ps(dz + u, _mm256_fmadd_ps(_mm256_mul_ps(e, g), di, _mm256_loadu_ps(dzs + u)));
    _mm256_storeu_ps(dz + U + u,
                     _mm256_fmadd_ps(_mm256_mul_ps(e, p), df, _mm256_loadu_ps(dzs + U + u)));
    _mm256_storeu_ps(dz + 2 * U + u,
                     _mm256_fmadd_ps(_mm256_mul_ps(e, i), _mm256_fnmadd_ps(g, g, one),
                                                     _mm256_loadu_ps(dzs + 2 * U + u)));
    _mm256_storeu_ps(dz + 3 * U + u, _mm256_fmadd_ps(_mm256_mul_ps(vdh, t), dO,
                                                     _mm256_loadu_ps(dzs + 3 * U + u)));
    _mm256_storeu_ps(dcp + u, _mm256_mul_ps(e, f));
  }
  lstm_bwd_generic(z, cp, dc, dh, dzs, dz, dcp, U, u, u1);
}
#endif

template <class T>
void lstm_fwd_units(const T* z, const T* cp, T* c, T* h, int64_t U, int64_t u0, int64_t u1) {
  lstm_fwd_generic(z, cp, c, h, U, u0, u1);
}
template <class T>
void lstm_bwd_units(const T* z, const T* cp, const T* dc, const T* dh, const T* dzs, T* dz, T* dcp,
                    int64_t U, int64_t u0, int64_t u1) {
  lstm_bwd_generic(z, cp, dc, dh, dzs, dz, dcp, U, u0, u1);
}
#if TF_X86
template <>
void lstm_fwd_units<float>(const float* z, const float* cp, float* c, float* h, int64_t U,
                           int64_t u0, int64_t u1) {
  if (isa() == Isa::Avx2) return lstm_fwd_avx2(z, cp, c, h, U, u0, u1);
  lstm_fwd_generic(z, cp, c, h, U, u0, u1);
}
template <>
void lstm_bwd_units<float>(const float* z, const float* cp, const float* dc, const float* dh,
                           const float* dzs, float* dz, float* dcp, int64_t U, int64_t u0,
                           int64_t u1) {
  if (isa() == Isa::Avx2) return lstm_bwd_avx2(z, cp, dc, dh, dzs, dz, dcp, U, u0, u1);
  lstm_bwd_generic(z, cp, dc, dh, dzs, dz, dcp, U, u0, u1);
}
#endif

template <class T>
void lstm_seq_t(const T* xp, const T* wh, const T* bias, const T* h0, const T* c0, T* hs, T* cs,
                T* zs, int64_t steps, int64_t B, int64_t U) {
  const int64_t n = B * U, nz = 4 * n, G = 4 * U;
  // wh [U, 4U]: four gates of U columns.
  const Panels<T> P = pack(wh, U, 4, U, G, 1);
  run_rows(row_blocks(B, steps * B * G * U), [&](int64_t r0, int64_t r1) {
    const int64_t M = r1 - r0;
    for (int64_t t = 0; t < steps; t++) {
      T* z = zs + t * nz + r0 * G;
      const T* x = xp + t * nz + r0 * G;
      const T* hp = (t == 0 ? h0 : hs + (t - 1) * n) + r0 * U;
      const T* cp = (t == 0 ? c0 : cs + (t - 1) * n) + r0 * U;
      T* c = cs + t * n + r0 * U;
      T* h = hs + t * n + r0 * U;
      for (int64_t b = 0; b < M; b++)
        for (int64_t k = 0; k < G; k++) z[b * G + k] = x[b * G + k] + bias[k];
      for (int64_t g = 0; g < 4; g++) gate_product(P, g, 0, P.per, hp, U, M, z, G, U, true);
      for (int64_t b = 0; b < M; b++)
        lstm_fwd_units(z + b * G, cp + b * U, c + b * U, h + b * U, U, int64_t(0), U);
    }
  });
}

// Backward through the steps, each block of rows by itself: dh = dhs[t] + dz_{t+1} wh^T and
// dc = dcs[t] + dcPrev_{t+1}, then the cell's gradient: dz_t (into dxp[t]) and dcPrev_t.
// dwh = sum_t h_{t-1}^T dz_t is one product over all the steps after the loop, db the column
// sums of dz.
template <class T>
void lstm_seq_grad_t(const T* zs, const T* cs, const T* hs, const T* wh, const T* h0, const T* c0,
                     const T* dhs, const T* dcs, const T* dzs, T* dxp, T* dwh, T* dh0, T* dc0,
                     T* db, int64_t steps, int64_t B, int64_t U) {
  const int64_t n = B * U, nz = 4 * n, G = 4 * U;
  // wh^T [4U, U]: B(p, j) = wh[j, p].
  const Panels<T> P = pack(wh, G, 1, U, 1, G);
  std::vector<T> dh(static_cast<size_t>(n)), dc(static_cast<size_t>(n)),
      dcp(static_cast<size_t>(n));
  run_rows(row_blocks(B, steps * B * G * U), [&](int64_t r0, int64_t r1) {
    const int64_t M = r1 - r0, o = r0 * U;
    T* dhr = dh.data() + o;
    T* dcr = dc.data() + o;
    T* dcpr = dcp.data() + o;
    for (int64_t t = steps - 1; t >= 0; t--) {
      const T* cp = (t == 0 ? c0 : cs + (t - 1) * n) + o;
      std::copy(dhs + t * n + o, dhs + t * n + o + M * U, dhr);
      if (t == steps - 1) {
        std::copy(dcs + t * n + o, dcs + t * n + o + M * U, dcr);
      } else {
        for (int64_t i = 0; i < M * U; i++) dcr[i] = dcs[t * n + o + i] + dcpr[i];
        gate_product(P, 0, 0, P.per, dxp + (t + 1) * nz + r0 * G, G, M, dhr, U, 0, true);
      }
      const int64_t zo = t * nz + r0 * G;
      for (int64_t b = 0; b < M; b++)
        lstm_bwd_units(zs + zo + b * G, cp + b * U, dcr + b * U, dhr + b * U, dzs + zo + b * G,
                       dxp + zo + b * G, dcpr + b * U, U, int64_t(0), U);
    }
    gate_product(P, 0, 0, P.per, dxp + r0 * G, G, M, dh0 + o, U, 0, false);
    std::copy(dcpr, dcpr + M * U, dc0 + o);
  });
  // The previous hidden states of every step, [steps * batch, units]: h0, hs[0 .. steps - 2].
  std::vector<T> hprev(static_cast<size_t>(steps * n));
  std::copy(h0, h0 + n, hprev.begin());
  std::copy(hs, hs + (steps - 1) * n, hprev.begin() + n);
  gemm(hprev.data(), dxp, dwh, plain(U, G, steps * B, true, false, false));
  column_sums(dxp, steps * B, G, db);
}

// ---- GRU gate arithmetic on units [u0, u1) of one row -------------------------------------
// g [4U] = (pz, pr, ph, q) of the row; x [3U] its projected input.

// resetAfter, after the product put xz + a_z, xr + a_r in g's first two blocks and a_h in q:
// ph = xh + sigmoid(pr) q, then h = z hp + (1 - z) tanh(ph).
template <class T>
void gru_fwd_after_generic(const T* x, T* g, const T* hp, T* h, int64_t U, int64_t u0,
                           int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double r = sigm(g[U + u]);
    const double ph = double(x[2 * U + u]) + r * double(g[3 * U + u]);
    g[2 * U + u] = static_cast<T>(ph);
    const double z = sigm(g[u]), hh = std::tanh(ph);
    h[u] = static_cast<T>(hh + z * (double(hp[u]) - hh));
  }
}

// !resetAfter, first pass: q = sigmoid(pr) hp.
template <class T>
void gru_fwd_reset_generic(T* g, const T* hp, int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++)
    g[3 * U + u] = static_cast<T>(sigm(g[U + u]) * double(hp[u]));
}

// !resetAfter, second pass (ph complete): h = z hp + (1 - z) tanh(ph).
template <class T>
void gru_fwd_out_generic(const T* g, const T* hp, T* h, int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double z = sigm(g[u]), hh = std::tanh(double(g[2 * U + u]));
    h[u] = static_cast<T>(hh + z * (double(hp[u]) - hh));
  }
}

// Both forms: with dh the state's cotangent, dpz = dh (hp - hh) z', dph = dh (1 - z) hh' (each
// plus its gs cotangent), carry = dh z (what reaches hp directly). resetAfter also: dpr =
// dph q r' + dgs_r, dq = dph r + dgs_q, written to dx's r block and drec's (dz, dr, dq).
template <class T>
void gru_bwd_generic(bool after, const T* g, const T* hp, const T* dh, const T* dg, T* dx,
                     T* drec, T* carry, int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double z = sigm(g[u]), hh = std::tanh(double(g[2 * U + u]));
    const double d = double(dh[u]);
    const double dpz = d * (double(hp[u]) - hh) * z * (1 - z) + double(dg[u]);
    const double dph = d * (1 - z) * (1 - hh * hh) + double(dg[2 * U + u]);
    dx[u] = static_cast<T>(dpz);
    dx[2 * U + u] = static_cast<T>(dph);
    carry[u] = static_cast<T>(d * z);
    if (after) {
      const double r = sigm(g[U + u]), q = double(g[3 * U + u]);
      const double dpr = dph * q * r * (1 - r) + double(dg[U + u]);
      dx[U + u] = static_cast<T>(dpr);
      drec[u] = static_cast<T>(dpz);
      drec[U + u] = static_cast<T>(dpr);
      drec[2 * U + u] = static_cast<T>(dph * r + double(dg[3 * U + u]));
    }
  }
}

// !resetAfter, second pass: dq = (dph rk_h^T) + dgs_q (dq holds the product), dpr =
// dq hp r' + dgs_r, carry += dq r.
template <class T>
void gru_bwd_reset_generic(const T* g, const T* hp, const T* dq, const T* dg, T* dx, T* carry,
                           int64_t U, int64_t u0, int64_t u1) {
  for (int64_t u = u0; u < u1; u++) {
    const double r = sigm(g[U + u]);
    const double q = double(dq[u]) + double(dg[3 * U + u]);
    dx[U + u] = static_cast<T>(q * double(hp[u]) * r * (1 - r) + double(dg[U + u]));
    carry[u] = static_cast<T>(double(carry[u]) + q * r);
  }
}

#if TF_X86
TF_AVX2 void gru_fwd_after_avx2(const float* x, float* g, const float* hp, float* h, int64_t U,
                                int64_t u0, int64_t u1) {
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 r = v8f::sigmoid(_mm256_loadu_ps(g + U + u));
    const __m256 ph =
        _mm256_fmadd_ps(r, _mm256_loadu_ps(g + 3 * U + u), _mm256_loadu_ps(x + 2 * U + u));
    _mm256_storeu_ps(g + 2 * U + u, ph);
    const __m256 z = v8f::sigmoid(_mm256_loadu_ps(g + u));
    const __m256 hh = v8f::tanh(ph);
    _mm256_storeu_ps(h + u, _mm256_fmadd_ps(z, _mm256_sub_ps(_mm256_loadu_ps(hp + u), hh), hh));
  }
  gru_fwd_after_generic(x, g, hp, h, U, u, u1);
}

TF_AVX2 void gru_fwd_reset_avx2(float* g, const float* hp, int64_t U, int64_t u0, int64_t u1) {
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8)
    _mm256_storeu_ps(g + 3 * U + u, _mm256_mul_ps(v8f::sigmoid(_mm256_loadu_ps(g + U + u)),
                                                  _mm256_loadu_ps(hp + u)));
  gru_fwd_reset_generic(g, hp, U, u, u1);
}

TF_AVX2 void gru_fwd_out_avx2(const float* g, const float* hp, float* h, int64_t U, int64_t u0,
                              int64_t u1) {
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 z = v8f::sigmoid(_mm256_loadu_ps(g + u));
    const __m256 hh = v8f::tanh(_mm256_loadu_ps(g + 2 * U + u));
    _mm256_storeu_ps(h + u, _mm256_fmadd_ps(z, _mm256_sub_ps(_mm256_loadu_ps(hp + u), hh), hh));
  }
  gru_fwd_out_generic(g, hp, h, U, u, u1);
}

TF_AVX2 void gru_bwd_avx2(bool after, const float* g, const float* hp, const float* dh,
                          const float* dg, float* dx, float* drec, float* carry, int64_t U,
                          int64_t u0, int64_t u1) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 z = v8f::sigmoid(_mm256_loadu_ps(g + u));
    const __m256 hh = v8f::tanh(_mm256_loadu_ps(g + 2 * U + u));
    const __m256 d = _mm256_loadu_ps(dh + u);
    const __m256 dz = _mm256_mul_ps(z, _mm256_sub_ps(one, z));
    const __m256 dpz = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_sub_ps(_mm256_loadu_ps(hp + u), hh)),
                                       dz, _mm256_loadu_ps(dg + u));
    const __m256 dph = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_sub_ps(one, z)),
                                       _mm256_fnmadd_ps(hh, hh, one),
                                       _mm256_loadu_ps(dg + 2 * U + u));
    _mm256_storeu_ps(dx + u, dpz);
    _mm256_storeu_ps(dx + 2 * U + u, dph);
    _mm256_storeu_ps(carry + u, _mm256_mul_ps(d, z));
    if (after) {
      const __m256 r = v8f::sigmoid(_mm256_loadu_ps(g + U + u));
      const __m256 q = _mm256_loadu_ps(g + 3 * U + u);
      const __m256 dpr = _mm256_fmadd_ps(_mm256_mul_ps(dph, q),
                                         _mm256_mul_ps(r, _mm256_sub_ps(one, r)),
                                         _mm256_loadu_ps(dg + U + u));
      _mm256_storeu_ps(dx + U + u, dpr);
      _mm256_storeu_ps(drec + u, dpz);
      _mm256_storeu_ps(drec + U + u, dpr);
      _mm256_storeu_ps(drec + 2 * U + u, _mm256_fmadd_ps(dph, r, _mm256_loadu_ps(dg + 3 * U + u)));
    }
  }
  gru_bwd_generic(after, g, hp, dh, dg, dx, drec, carry, U, u, u1);
}

TF_AVX2 void gru_bwd_reset_avx2(const float* g, const float* hp, const float* dq, const float* dg,
                                float* dx, float* carry, int64_t U, int64_t u0, int64_t u1) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t u = u0;
  for (; u + 8 <= u1; u += 8) {
    const __m256 r = v8f::sigmoid(_mm256_loadu_ps(g + U + u));
    const __m256 q = _mm256_add_ps(_mm256_loadu_ps(dq + u), _mm256_loadu_ps(dg + 3 * U + u));
    _mm256_storeu_ps(dx + U + u,
                     _mm256_fmadd_ps(_mm256_mul_ps(q, _mm256_loadu_ps(hp + u)),
                                     _mm256_mul_ps(r, _mm256_sub_ps(one, r)),
                                     _mm256_loadu_ps(dg + U + u)));
    _mm256_storeu_ps(carry + u, _mm256_fmadd_ps(q, r, _mm256_loadu_ps(carry + u)));
  }
  gru_bwd_reset_generic(g, hp, dq, dg, dx, carry, U, u, u1);
}
#endif

// Dispatch: float rows take the AVX2 forms when the ISA has them.
template <class T>
struct GruRows {
  static void fwd_after(const T* x, T* g, const T* hp, T* h, int64_t U, int64_t u0, int64_t u1) {
    gru_fwd_after_generic(x, g, hp, h, U, u0, u1);
  }
  static void fwd_reset(T* g, const T* hp, int64_t U, int64_t u0, int64_t u1) {
    gru_fwd_reset_generic(g, hp, U, u0, u1);
  }
  static void fwd_out(const T* g, const T* hp, T* h, int64_t U, int64_t u0, int64_t u1) {
    gru_fwd_out_generic(g, hp, h, U, u0, u1);
  }
  static void bwd(bool after, const T* g, const T* hp, const T* dh, const T* dg, T* dx, T* drec,
                  T* carry, int64_t U, int64_t u0, int64_t u1) {
    gru_bwd_generic(after, g, hp, dh, dg, dx, drec, carry, U, u0, u1);
  }
  static void bwd_reset(const T* g, const T* hp, const T* dq, const T* dg, T* dx, T* carry,
                        int64_t U, int64_t u0, int64_t u1) {
    gru_bwd_reset_generic(g, hp, dq, dg, dx, carry, U, u0, u1);
  }
};

#if TF_X86
template <>
struct GruRows<float> {
  static bool avx() { return isa() == Isa::Avx2; }
  static void fwd_after(const float* x, float* g, const float* hp, float* h, int64_t U,
                        int64_t u0, int64_t u1) {
    if (avx()) return gru_fwd_after_avx2(x, g, hp, h, U, u0, u1);
    gru_fwd_after_generic(x, g, hp, h, U, u0, u1);
  }
  static void fwd_reset(float* g, const float* hp, int64_t U, int64_t u0, int64_t u1) {
    if (avx()) return gru_fwd_reset_avx2(g, hp, U, u0, u1);
    gru_fwd_reset_generic(g, hp, U, u0, u1);
  }
  static void fwd_out(const float* g, const float* hp, float* h, int64_t U, int64_t u0,
                      int64_t u1) {
    if (avx()) return gru_fwd_out_avx2(g, hp, h, U, u0, u1);
    gru_fwd_out_generic(g, hp, h, U, u0, u1);
  }
  static void bwd(bool after, const float* g, const float* hp, const float* dh, const float* dg,
                  float* dx, float* drec, float* carry, int64_t U, int64_t u0, int64_t u1) {
    if (avx()) return gru_bwd_avx2(after, g, hp, dh, dg, dx, drec, carry, U, u0, u1);
    gru_bwd_generic(after, g, hp, dh, dg, dx, drec, carry, U, u0, u1);
  }
  static void bwd_reset(const float* g, const float* hp, const float* dq, const float* dg,
                        float* dx, float* carry, int64_t U, int64_t u0, int64_t u1) {
    if (avx()) return gru_bwd_reset_avx2(g, hp, dq, dg, dx, carry, U, u0, u1);
    gru_bwd_reset_generic(g, hp, dq, dg, dx, carry, U, u0, u1);
  }
};
#endif

template <class T>
void gru_seq_t(bool after, const T* xp, const T* rk, const T* rb, const T* h0, T* hs, T* gs,
               int64_t steps, int64_t B, int64_t U) {
  using R = GruRows<T>;
  const int64_t n = B * U, X = 3 * U, G = 4 * U;
  // rk [U, 3U]: gates z, r, h of U columns.
  const Panels<T> P = pack(rk, U, 3, U, X, 1);
  run_rows(row_blocks(B, steps * B * X * U), [&](int64_t r0, int64_t r1) {
    const int64_t M = r1 - r0;
    for (int64_t t = 0; t < steps; t++) {
      const T* x = xp + (t * B + r0) * X;
      T* g = gs + (t * B + r0) * G;
      const T* hp = (t == 0 ? h0 : hs + (t - 1) * n) + r0 * U;
      T* h = hs + t * n + r0 * U;
      // pz = xz + rb_z + h rk_z, pr likewise; resetAfter: q = rb_h + h rk_h (the h gate's
      // product lands in the q block, column 3U).
      for (int64_t b = 0; b < M; b++) {
        T* gr = g + b * G;
        const T* xr = x + b * X;
        for (int64_t u = 0; u < 2 * U; u++) gr[u] = xr[u] + rb[u];
        if (after)
          for (int64_t u = 0; u < U; u++) gr[3 * U + u] = rb[2 * U + u];
      }
      gate_product(P, 0, 0, P.per, hp, U, M, g, G, U, true);
      gate_product(P, 1, 0, P.per, hp, U, M, g, G, U, true);
      if (after) {
        gate_product(P, 2, 0, P.per, hp, U, M, g + U, G, U, true);
        for (int64_t b = 0; b < M; b++)
          R::fwd_after(x + b * X, g + b * G, hp + b * U, h + b * U, U, 0, U);
        continue;
      }
      // !resetAfter: q = sigmoid(pr) h, then ph = xh + rb_h + q rk_h.
      for (int64_t b = 0; b < M; b++) {
        R::fwd_reset(g + b * G, hp + b * U, U, 0, U);
        for (int64_t u = 0; u < U; u++) g[b * G + 2 * U + u] = x[b * X + 2 * U + u] + rb[2 * U + u];
      }
      gate_product(P, 2, 0, P.per, g + 3 * U, G, M, g, G, U, true);
      for (int64_t b = 0; b < M; b++) R::fwd_out(g + b * G, hp + b * U, h + b * U, U, 0, U);
    }
  });
}

// Backward, each block of rows by itself. resetAfter, step t: dh = dhs[t] + carry_{t+1} +
// drec_{t+1} rk^T, then the rows' gradient (dx, drec, carry). !resetAfter: dh the same with
// drec = (dpz, dpr) against rk_zr^T, then dq = dph rk_h^T, dpr and carry += dq r. After the
// loop, drk = sum_t A_t^T drec_t as one product (A = h_{t-1}; !resetAfter: rk_zr from the
// previous states and rk_h from q), drb the column sums.
template <class T>
void gru_seq_grad_t(bool after, const T* rk, const T* h0, const T* hs, const T* gs, const T* dhs,
                    const T* dgs, T* dxp, T* drk, T* drb, T* dh0, int64_t steps, int64_t B,
                    int64_t U) {
  using R = GruRows<T>;
  const int64_t n = B * U, X = 3 * U, G = 4 * U;
  // rk^T: resetAfter [3U, U] (B(p, j) = rk[j, p]); !resetAfter rk_zr^T [2U, U] and rk_h^T [U, U].
  const Panels<T> PT = pack(rk, after ? X : 2 * U, 1, U, 1, X);
  Panels<T> PH;
  if (!after) PH = pack(rk + 2 * U, U, 1, U, 1, X);
  // resetAfter: drec [steps, B, 3U] (the cotangent of h rk + rb); !resetAfter reads dxp.
  std::vector<T> drec(after ? static_cast<size_t>(steps * B * X) : 0);
  std::vector<T> dh(static_cast<size_t>(n)), carry(static_cast<size_t>(n)),
      dq(after ? 0 : static_cast<size_t>(n));
  // The cotangent rows the next step's product reads: drec (resetAfter) or dxp (its first 2U).
  const T* dsrc = after ? drec.data() : dxp;
  run_rows(row_blocks(B, steps * B * X * U), [&](int64_t r0, int64_t r1) {
    const int64_t M = r1 - r0, o = r0 * U;
    T* dhr = dh.data() + o;
    T* cr = carry.data() + o;
    for (int64_t t = steps - 1; t >= 0; t--) {
      const T* g = gs + (t * B + r0) * G;
      const T* dg = dgs + (t * B + r0) * G;
      const T* hp = (t == 0 ? h0 : hs + (t - 1) * n) + o;
      T* dx = dxp + (t * B + r0) * X;
      T* dr = after ? drec.data() + (t * B + r0) * X : nullptr;
      for (int64_t i = 0; i < M * U; i++)
        dhr[i] = dhs[t * n + o + i] + (t < steps - 1 ? cr[i] : T(0));
      if (t < steps - 1)
        gate_product(PT, 0, 0, PT.per, dsrc + ((t + 1) * B + r0) * X, X, M, dhr, U, 0, true);
      for (int64_t b = 0; b < M; b++)
        R::bwd(after, g + b * G, hp + b * U, dhr + b * U, dg + b * G, dx + b * X,
               after ? dr + b * X : nullptr, cr + b * U, U, 0, U);
      if (after) continue;
      T* dqr = dq.data() + o;
      gate_product(PH, 0, 0, PH.per, dx + 2 * U, X, M, dqr, U, 0, false);
      for (int64_t b = 0; b < M; b++)
        R::bwd_reset(g + b * G, hp + b * U, dqr + b * U, dg + b * G, dx + b * X, cr + b * U, U, 0,
                     U);
    }
    // dh0 = carry_0 + drec_0 rk^T.
    std::copy(cr, cr + M * U, dh0 + o);
    gate_product(PT, 0, 0, PT.per, dsrc + r0 * X, X, M, dh0 + o, U, 0, true);
  });
  // drk: the previous states of every step, [steps * B, U].
  const int64_t rows = steps * B;
  std::vector<T> hprev(static_cast<size_t>(rows * U));
  std::copy(h0, h0 + n, hprev.begin());
  std::copy(hs, hs + (steps - 1) * n, hprev.begin() + n);
  const T* rec = after ? drec.data() : dxp;
  if (after) {
    gemm(hprev.data(), rec, drk, plain(U, X, rows, true, false, false));
  } else {
    // drk_zr = H^T dxp[:, :2U] and drk_h = Q^T dxp[:, 2U:], from contiguous copies.
    std::vector<T> zr(static_cast<size_t>(rows * 2 * U)), qs(static_cast<size_t>(rows * U)),
        ph(static_cast<size_t>(rows * U)), a(static_cast<size_t>(U * 2 * U)),
        c(static_cast<size_t>(U * U));
    for (int64_t r = 0; r < rows; r++) {
      std::copy(dxp + r * X, dxp + r * X + 2 * U, zr.begin() + r * 2 * U);
      std::copy(dxp + r * X + 2 * U, dxp + (r + 1) * X, ph.begin() + r * U);
      std::copy(gs + r * G + 3 * U, gs + (r + 1) * G, qs.begin() + r * U);
    }
    gemm(hprev.data(), zr.data(), a.data(), plain(U, 2 * U, rows, true, false, false));
    gemm(qs.data(), ph.data(), c.data(), plain(U, U, rows, true, false, false));
    for (int64_t i = 0; i < U; i++) {
      std::copy(a.begin() + i * 2 * U, a.begin() + (i + 1) * 2 * U, drk + i * X);
      std::copy(c.begin() + i * U, c.begin() + (i + 1) * U, drk + i * X + 2 * U);
    }
  }
  // drb: the column sums of the cotangent rows (drec, or dxp whose blocks equal them here).
  column_sums(rec, rows, X, drb);
}

}  // namespace

#define F32(p) static_cast<const float*>(p)
#define F64(p) static_cast<const double*>(p)
#define W32(p) static_cast<float*>(p)
#define W64(p) static_cast<double*>(p)

void lstm_sequence(bool f32, const void* xp, const void* wh, const void* bias, const void* h0,
                   const void* c0, void* hs, void* cs, void* zs, int64_t steps, int64_t batch,
                   int64_t units) {
  if (f32)
    lstm_seq_t(F32(xp), F32(wh), F32(bias), F32(h0), F32(c0), W32(hs), W32(cs), W32(zs), steps,
               batch, units);
  else
    lstm_seq_t(F64(xp), F64(wh), F64(bias), F64(h0), F64(c0), W64(hs), W64(cs), W64(zs), steps,
               batch, units);
}

void lstm_sequence_grad(bool f32, const void* zs, const void* cs, const void* hs, const void* wh,
                        const void* h0, const void* c0, const void* dhs, const void* dcs,
                        const void* dzs, void* dxp, void* dwh, void* dh0, void* dc0, void* db,
                        int64_t steps, int64_t batch, int64_t units) {
  if (f32)
    lstm_seq_grad_t(F32(zs), F32(cs), F32(hs), F32(wh), F32(h0), F32(c0), F32(dhs), F32(dcs),
                    F32(dzs), W32(dxp), W32(dwh), W32(dh0), W32(dc0), W32(db), steps, batch,
                    units);
  else
    lstm_seq_grad_t(F64(zs), F64(cs), F64(hs), F64(wh), F64(h0), F64(c0), F64(dhs), F64(dcs),
                    F64(dzs), W64(dxp), W64(dwh), W64(dh0), W64(dc0), W64(db), steps, batch,
                    units);
}

void gru_sequence(bool f32, bool resetAfter, const void* xp, const void* rk, const void* rb,
                  const void* h0, void* hs, void* gs, int64_t steps, int64_t batch,
                  int64_t units) {
  if (f32)
    gru_seq_t(resetAfter, F32(xp), F32(rk), F32(rb), F32(h0), W32(hs), W32(gs), steps, batch,
              units);
  else
    gru_seq_t(resetAfter, F64(xp), F64(rk), F64(rb), F64(h0), W64(hs), W64(gs), steps, batch,
              units);
}

void gru_sequence_grad(bool f32, bool resetAfter, const void* rk, const void* h0, const void* hs,
                       const void* gs, const void* dhs, const void* dgs, void* dxp, void* drk,
                       void* drb, void* dh0, int64_t steps, int64_t batch, int64_t units) {
  if (f32)
    gru_seq_grad_t(resetAfter, F32(rk), F32(h0), F32(hs), F32(gs), F32(dhs), F32(dgs), W32(dxp),
                   W32(drk), W32(drb), W32(dh0), steps, batch, units);
  else
    gru_seq_grad_t(resetAfter, F64(rk), F64(h0), F64(hs), F64(gs), F64(dhs), F64(dgs), W64(dxp),
                   W64(drk), W64(drb), W64(dh0), steps, batch, units);
}

}  // namespace tf
