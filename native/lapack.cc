// The dense factorizations of tf.linalg in float64, batched and threaded over the batch (one
// matrix per task): Cholesky (row-oriented Cholesky-Banachiewicz, whose inner products run
// over contiguous rows in four partial sums), LU with partial pivoting (getrf's choices: the
// first largest |pivot|, a zero pivot skipped) and the solve, inverse and determinants on it
// (getrs), triangular solves (trtrs without its singularity check) and Householder QR (geqrf's
// reflectors, dlarfg's signs, Q accumulated backward as orgqr). Each follows the JS kernel
// (src/backend/js/linalg-lapack.ts) step for step, so the two agree to rounding; row-wise
// updates replace the JS kernels' column walks. The spectral ones are in lapack_spectral.cc.
#include <algorithm>
#include <cmath>
#include <vector>

#include "lapack_batch.h"
#include "special.h"

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

// getrf in place on the row-major w [n, n]: P A = L U packed (L unit lower below the diagonal),
// p[i] the row of A that row i of P A comes from. Returns the permutation's parity (+1 / -1).
// A zero pivot is skipped (U singular), as getrf does.
int lu_in_place(double* w, int32_t* p, int64_t n) {
  int parity = 1;
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
      std::swap_ranges(w + k * n, w + (k + 1) * n, w + piv * n);
      std::swap(p[k], p[piv]);
      parity = -parity;
    }
    const double pivot = w[k * n + k];
    if (pivot == 0) continue;
    const double* rk = w + k * n;
    for (int64_t i = k + 1; i < n; i++) {
      double* ri = w + i * n;
      const double f = (ri[k] /= pivot);
      if (f == 0) continue;
      for (int64_t j = k + 1; j < n; j++) ri[j] -= f * rk[j];
    }
  }
  return parity;
}

bool lu_singular(const double* w, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (w[i * n + i] == 0) return true;
  return false;
}

// Solves op(A) X = B in place in x [n, k] from the packed LU (w, p) of A, as getrs: with
// P A = L U, A X = B is L U X = P B; A^T X = B is U^T L^T (P X) = B. y is scratch [n, k].
void lu_solve(const double* w, const int32_t* p, double* x, double* y, int64_t n, int64_t k,
              bool adjoint) {
  auto axpy_rows = [k](double* yi, const double* yj, double f) {
    for (int64_t c = 0; c < k; c++) yi[c] -= f * yj[c];
  };
  if (!adjoint) {
    for (int64_t i = 0; i < n; i++) std::copy(x + p[i] * k, x + (p[i] + 1) * k, y + i * k);
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < i; j++)
        if (w[i * n + j] != 0) axpy_rows(y + i * k, y + j * k, w[i * n + j]);
    for (int64_t i = n - 1; i >= 0; i--) {
      for (int64_t j = i + 1; j < n; j++)
        if (w[i * n + j] != 0) axpy_rows(y + i * k, y + j * k, w[i * n + j]);
      const double d = w[i * n + i];
      for (int64_t c = 0; c < k; c++) y[i * k + c] /= d;
    }
    std::copy(y, y + n * k, x);
    return;
  }
  std::copy(x, x + n * k, y);
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = 0; j < i; j++)
      if (w[j * n + i] != 0) axpy_rows(y + i * k, y + j * k, w[j * n + i]);
    const double d = w[i * n + i];
    for (int64_t c = 0; c < k; c++) y[i * k + c] /= d;
  }
  for (int64_t i = n - 1; i >= 0; i--)
    for (int64_t j = i + 1; j < n; j++)
      if (w[j * n + i] != 0) axpy_rows(y + i * k, y + j * k, w[j * n + i]);
  for (int64_t i = 0; i < n; i++) std::copy(y + i * k, y + (i + 1) * k, x + p[i] * k);
}

// The first batch member flagged in bad, or -1.
int64_t first_bad(const std::vector<char>& bad) {
  for (size_t b = 0; b < bad.size(); b++)
    if (bad[b]) return static_cast<int64_t>(b);
  return -1;
}


// Loads and factors each batch member (getrf), then calls fn(b, lu, perm, parity); work_each is
// fn's flops, for the threading decision.
template <typename F>
void each_lu(bool f32, const void* a, int64_t batch, int64_t n, double work_each, F fn) {
  const int64_t nn = n * n;
  over_batch(batch, 2.0 * nn * n / 3 + work_each, [&](int64_t b) {
    std::vector<double> w(nn);
    std::vector<int32_t> p(n);
    load(f32, a, b * nn, nn, w.data());
    const int parity = lu_in_place(w.data(), p.data(), n);
    fn(b, w.data(), p.data(), parity);
  });
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
    lu_in_place(w.data(), perm + b * n, n);
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

int64_t matrix_solve(bool f32, const void* a, const void* rhs, void* out, int64_t batch,
                     int64_t n, int64_t k, bool adjoint) {
  std::vector<char> bad(batch, 0);
  const double work = 2.0 * n * n * k;
  each_lu(f32, a, batch, n, work, [&](int64_t b, const double* w, const int32_t* p, int) {
    if (lu_singular(w, n)) {
      bad[b] = 1;
      return;
    }
    std::vector<double> x(n * k), y(n * k);
    load(f32, rhs, b * n * k, n * k, x.data());
    lu_solve(w, p, x.data(), y.data(), n, k, adjoint);
    store(f32, out, b * n * k, n * k, x.data());
  });
  return first_bad(bad);
}

int64_t matrix_inverse(bool f32, const void* a, void* out, int64_t batch, int64_t n,
                       bool adjoint) {
  const int64_t nn = n * n;
  std::vector<char> bad(batch, 0);
  const double work = 2.0 * nn * n;
  each_lu(f32, a, batch, n, work, [&](int64_t b, const double* w, const int32_t* p, int) {
    if (lu_singular(w, n)) {
      bad[b] = 1;
      return;
    }
    std::vector<double> x(nn, 0.0), y(nn);
    for (int64_t i = 0; i < n; i++) x[i * n + i] = 1;
    lu_solve(w, p, x.data(), y.data(), n, n, adjoint);
    store(f32, out, b * nn, nn, x.data());
  });
  return first_bad(bad);
}

void log_determinant(bool f32, const void* a, void* sign, void* log_abs, int64_t batch,
                     int64_t n) {
  std::vector<double> sg(batch), la(batch);
  each_lu(f32, a, batch, n, 0, [&](int64_t b, const double* w, const int32_t*, int parity) {
    double s = parity;
    double l = 0;
    for (int64_t i = 0; i < n; i++) {
      const double d = w[i * n + i];
      if (d < 0) s = -s;
      l += std::log(std::fabs(d));
    }
    sg[b] = l == -INFINITY ? 0 : s;
    la[b] = l;
  });
  store(f32, sign, 0, batch, sg.data());
  store(f32, log_abs, 0, batch, la.data());
}

void determinant(bool f32, const void* a, void* out, int64_t batch, int64_t n) {
  std::vector<double> det(batch);
  each_lu(f32, a, batch, n, 0, [&](int64_t b, const double* w, const int32_t*, int parity) {
    double d = parity;
    for (int64_t i = 0; i < n; i++) d *= w[i * n + i];
    det[b] = d;
  });
  store(f32, out, 0, batch, det.data());
}

}  // namespace tf
