// The dense factorizations of tf.linalg in float64, batched and threaded over the batch (one
// matrix per task): Cholesky (row-oriented Cholesky-Banachiewicz, whose inner products run
// over contiguous rows in four partial sums), LU with partial pivoting (getrf's choices: the first largest |pivot|,
// a zero pivot skipped), triangular solves (trtrs without its singularity check) and
// Householder QR (geqrf's reflectors, dlarfg's signs, Q accumulated backward as orgqr). Each
// follows the JS kernel (src/backend/js/linalg-lapack.ts) step for step, so the two agree to
// rounding; row-wise updates replace the JS kernels' column walks.
#include <algorithm>
#include <cmath>
#include <vector>

#include "special.h"
#include "threadpool.h"

namespace tf {

namespace {

// Copies matrix b of a batch into float64.
void load(bool f32, const void* src, int64_t offset, int64_t size, double* w) {
  if (f32) {
    const float* s = static_cast<const float*>(src) + offset;
    for (int64_t i = 0; i < size; i++) w[i] = s[i];
  } else {
    const double* s = static_cast<const double*>(src) + offset;
    std::copy(s, s + size, w);
  }
}

void store(bool f32, void* dst, int64_t offset, int64_t size, const double* w) {
  if (f32) {
    float* d = static_cast<float*>(dst) + offset;
    for (int64_t i = 0; i < size; i++) d[i] = static_cast<float>(w[i]);
  } else {
    std::copy(w, w + size, static_cast<double*>(dst) + offset);
  }
}

// sum_k x[k] y[k] in four interleaved partial sums (a vectorizable reduction; the order of
// the additions differs from the JS kernel's by rounding only).
inline double dot(const double* x, const double* y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += x[k] * y[k];
    s1 += x[k + 1] * y[k + 1];
    s2 += x[k + 2] * y[k + 2];
    s3 += x[k + 3] * y[k + 3];
  }
  for (; k < n; k++) s0 += x[k] * y[k];
  return (s0 + s1) + (s2 + s3);
}

// Runs fn(b) for every batch member, over the pool when there is enough work.
template <typename F>
void over_batch(int64_t batch, double work_each, F fn) {
  ThreadPool& pool = ThreadPool::get();
  if (batch <= 1 || work_each * static_cast<double>(batch) < 20000 || pool.size() <= 1) {
    for (int64_t b = 0; b < batch; b++) fn(b);
    return;
  }
  pool.run(batch, [&](int64_t b, int) { fn(b); });
}

}  // namespace

int64_t cholesky(bool f32, const void* a, void* out, int64_t batch, int64_t n) {
  const int64_t nn = n * n;
  std::vector<char> bad(batch, 0);
  over_batch(batch, static_cast<double>(nn) * n / 3, [&](int64_t b) {
    std::vector<double> w(nn), l(nn, 0.0);
    load(f32, a, b * nn, nn, w.data());
    for (int64_t j = 0; j < n; j++) {
      const double* lj = l.data() + j * n;
      const double s = w[j * n + j] - dot(lj, lj, j);
      if (!(s > 0)) {  // not positive definite (or NaN)
        bad[b] = 1;
        return;
      }
      const double d = std::sqrt(s);
      l[j * n + j] = d;
      for (int64_t i = j + 1; i < n; i++) {
        const double* li = l.data() + i * n;
        l[i * n + j] = (w[i * n + j] - dot(li, lj, j)) / d;
      }
    }
    store(f32, out, b * nn, nn, l.data());
  });
  for (int64_t b = 0; b < batch; b++)
    if (bad[b]) return b;
  return -1;
}

void lu(bool f32, const void* a, void* out, int32_t* perm, int64_t batch, int64_t n) {
  const int64_t nn = n * n;
  over_batch(batch, 2.0 * nn * n / 3, [&](int64_t b) {
    std::vector<double> w(nn);
    load(f32, a, b * nn, nn, w.data());
    int32_t* p = perm + b * n;
    for (int64_t i = 0; i < n; i++) p[i] = static_cast<int32_t>(i);
    for (int64_t k = 0; k < n; k++) {
      int64_t piv = k;
      double best = std::fabs(w[k * n + k]);
      for (int64_t i = k + 1; i < n; i++) {
        const double v = std::fabs(w[i * n + k]);
        if (v > best) {
          best = v;
          piv = i;
        }
      }
      if (piv != k) {
        std::swap_ranges(w.begin() + k * n, w.begin() + (k + 1) * n, w.begin() + piv * n);
        std::swap(p[k], p[piv]);
      }
      const double pivot = w[k * n + k];
      if (pivot == 0) continue;  // U is singular; getrf goes on the same way
      const double* rk = w.data() + k * n;
      for (int64_t i = k + 1; i < n; i++) {
        double* ri = w.data() + i * n;
        const double f = (ri[k] /= pivot);
        if (f == 0) continue;
        for (int64_t j = k + 1; j < n; j++) ri[j] -= f * rk[j];
      }
    }
    store(f32, out, b * nn, nn, w.data());
  });
}

void triangular_solve(bool f32, const void* a, const void* rhs, void* out, int64_t batch,
                      int64_t n, int64_t k, bool lower, bool adjoint) {
  const int64_t nn = n * n;
  // op(A) is lower when exactly one of lower / adjoint holds.
  const bool forward = lower != adjoint;
  over_batch(batch, static_cast<double>(nn) * k, [&](int64_t b) {
    std::vector<double> w(nn), x(n * k);
    load(f32, a, b * nn, nn, w.data());
    load(f32, rhs, b * n * k, n * k, x.data());
    auto el = [&](int64_t i, int64_t j) { return adjoint ? w[j * n + i] : w[i * n + j]; };
    for (int64_t s = 0; s < n; s++) {
      const int64_t i = forward ? s : n - 1 - s;
      const int64_t lo = forward ? 0 : i + 1;
      const int64_t hi = forward ? i : n;
      double* xi = x.data() + i * k;
      for (int64_t j = lo; j < hi; j++) {
        const double e = el(i, j);
        if (e == 0) continue;
        const double* xj = x.data() + j * k;
        for (int64_t c = 0; c < k; c++) xi[c] -= e * xj[c];
      }
      const double d = el(i, i);
      for (int64_t c = 0; c < k; c++) xi[c] /= d;
    }
    store(f32, out, b * n * k, n * k, x.data());
  });
}

void qr(bool f32, const void* a, void* q, void* r, int64_t batch, int64_t m, int64_t n,
        bool full) {
  const int64_t p = std::min(m, n);
  const int64_t qcols = full ? m : p;
  const int64_t rrows = full ? m : p;
  over_batch(batch, 2.0 * m * n * p, [&](int64_t b) {
    std::vector<double> w(m * n), tau(p, 0.0), vs(m * p, 0.0), dot(std::max(n, qcols));
    load(f32, a, b * m * n, m * n, w.data());
    // v_k (v_k[k] = 1) is column k of vs, rows k..m-1
    for (int64_t k = 0; k < p; k++) {
      double* v = vs.data();
      const double alpha = w[k * n + k];
      double xnorm = 0;
      for (int64_t i = k + 1; i < m; i++) xnorm = std::hypot(xnorm, w[i * n + k]);
      v[k * p + k] = 1;
      if (xnorm == 0) continue;  // dlarfg: H = I
      const double beta = -(alpha >= 0 ? 1.0 : -1.0) * std::hypot(alpha, xnorm);
      tau[k] = (beta - alpha) / beta;
      const double scale = 1 / (alpha - beta);
      for (int64_t i = k + 1; i < m; i++) v[i * p + k] = w[i * n + k] * scale;
      // w[k:, k:] -= tau v (v^T w[k:, k:]), row by row
      std::fill(dot.begin(), dot.begin() + n, 0.0);
      for (int64_t i = k; i < m; i++) {
        const double vi = v[i * p + k];
        const double* wi = w.data() + i * n;
        for (int64_t j = k; j < n; j++) dot[j] += vi * wi[j];
      }
      for (int64_t j = k; j < n; j++) dot[j] *= tau[k];
      for (int64_t i = k; i < m; i++) {
        const double vi = v[i * p + k];
        double* wi = w.data() + i * n;
        for (int64_t j = k; j < n; j++) wi[j] -= dot[j] * vi;
      }
    }
    std::vector<double> rout(rrows * n, 0.0), qout(m * qcols, 0.0);
    for (int64_t i = 0; i < std::min(rrows, m); i++)
      for (int64_t j = i; j < n; j++) rout[i * n + j] = w[i * n + j];
    for (int64_t i = 0; i < qcols; i++) qout[i * qcols + i] = 1;
    // Q = H_0 ... H_{p-1} I[:, :qcols], applied right to left
    for (int64_t k = p - 1; k >= 0; k--) {
      if (tau[k] == 0) continue;
      std::fill(dot.begin(), dot.begin() + qcols, 0.0);
      for (int64_t i = k; i < m; i++) {
        const double vi = vs[i * p + k];
        const double* qi = qout.data() + i * qcols;
        for (int64_t j = 0; j < qcols; j++) dot[j] += vi * qi[j];
      }
      for (int64_t j = 0; j < qcols; j++) dot[j] *= tau[k];
      for (int64_t i = k; i < m; i++) {
        const double vi = vs[i * p + k];
        double* qi = qout.data() + i * qcols;
        for (int64_t j = 0; j < qcols; j++) qi[j] -= dot[j] * vi;
      }
    }
    store(f32, q, b * m * qcols, m * qcols, qout.data());
    store(f32, r, b * rrows * n, rrows * n, rout.data());
  });
}

}  // namespace tf
