// The spectral factorizations of tf.linalg in float64, batched and threaded over the batch:
// cyclic Jacobi for the symmetric eigenproblem (SelfAdjointEigV2) and one-sided (Hestenes)
// Jacobi for the SVD. Each follows the JS kernel (src/backend/js/lapack-spectral.ts) rotation
// for rotation (same sweep order, thresholds, stable sorts and basis completion), so the two
// agree to rounding, signs of the vectors included. Jacobi methods are accurate to a few ulps
// of the largest value, which the gradients' finite-difference checks need.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "lapack_batch.h"
#include "special.h"

namespace tf {

namespace {

constexpr double kEps = 2.220446049250313e-16;

inline double at(bool f32, const void* a, int64_t i) {
  return f32 ? static_cast<const float*>(a)[i] : static_cast<const double*>(a)[i];
}

inline void put(bool f32, void* a, int64_t i, double x) {
  if (f32)
    static_cast<float*>(a)[i] = static_cast<float>(x);
  else
    static_cast<double*>(a)[i] = x;
}

// Rotates columns p and q of the row-major m [rows, cols]: (x_p, x_q) <- (c x_p - s x_q,
// s x_p + c x_q).
inline void rotate_columns(double* m, int64_t rows, int64_t cols, int64_t p, int64_t q, double c,
                           double s) {
  for (int64_t k = 0; k < rows; k++) {
    const double xp = m[k * cols + p];
    const double xq = m[k * cols + q];
    m[k * cols + p] = c * xp - s * xq;
    m[k * cols + q] = s * xp + c * xq;
  }
}

// Cyclic Jacobi on the symmetric w [n, n] (overwritten; its diagonal ends as the eigenvalues);
// v gets V with A = V diag(w_ii) V^T.
void jacobi_eigen(double* w, double* v, int64_t n) {
  std::fill(v, v + n * n, 0.0);
  for (int64_t i = 0; i < n; i++) v[i * n + i] = 1;
  double total = 0;
  for (int64_t i = 0; i < n * n; i++) total += w[i] * w[i];
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < n; j++)
        if (i != j) off += w[i * n + j] * w[i * n + j];
    if (off <= kEps * kEps * total * 1e-4 || off == 0) break;
    for (int64_t p = 0; p < n - 1; p++)
      for (int64_t q = p + 1; q < n; q++) {
        const double apq = w[p * n + q];
        if (apq == 0) continue;
        // NR's rule: an entry below an ulp of both diagonal entries is set to zero.
        const double g = 100 * std::fabs(apq);
        const double app = std::fabs(w[p * n + p]);
        const double aqq = std::fabs(w[q * n + q]);
        if (sweep > 3 && app + g == app && aqq + g == aqq) {
          w[p * n + q] = 0;
          w[q * n + p] = 0;
          continue;
        }
        // theta = (a_qq - a_pp) / (2 a_pq), t = tan of the angle that zeros a_pq.
        const double theta = (w[q * n + q] - w[p * n + p]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1);
        const double s = t * c;
        rotate_columns(w, n, n, p, q, c, s);
        double* rp = w + p * n;
        double* rq = w + q * n;
        for (int64_t k = 0; k < n; k++) {
          const double apk = rp[k];
          const double aqk = rq[k];
          rp[k] = c * apk - s * aqk;
          rq[k] = s * apk + c * aqk;
        }
        rotate_columns(v, n, n, p, q, c, s);
      }
  }
}

// Extends the orthonormal columns `have` of u [rows, cols] to the columns `want`, by
// Gram-Schmidt (twice) on the unit vector that keeps most.
void complete_basis(double* u, int64_t rows, int64_t cols, std::vector<int64_t> basis,
                    const std::vector<int64_t>& want) {
  std::vector<double> x(rows), best(rows);
  for (const int64_t col : want) {
    double best_norm = -1;
    for (int64_t e = 0; e < rows; e++) {
      std::fill(x.begin(), x.end(), 0.0);
      x[e] = 1;
      for (int pass = 0; pass < 2; pass++)
        for (const int64_t c : basis) {
          double dot = 0;
          for (int64_t i = 0; i < rows; i++) dot += u[i * cols + c] * x[i];
          for (int64_t i = 0; i < rows; i++) x[i] -= dot * u[i * cols + c];
        }
      double nrm = 0;
      for (int64_t i = 0; i < rows; i++) nrm += x[i] * x[i];
      if (nrm > best_norm) {
        best_norm = nrm;
        best = x;
      }
    }
    const double s = 1 / std::sqrt(best_norm);
    for (int64_t i = 0; i < rows; i++) u[i * cols + col] = best[i] * s;
    basis.push_back(col);
  }
}

// One-sided Jacobi SVD of w [m, n], m >= n: orthogonalizes the columns of W = A V by plane
// rotations; then s_j = |W e_j| and U e_j = W e_j / s_j. Fills s (descending) [n],
// u [m, u_cols] and v_out [n, n].
void jacobi_svd(double* w, int64_t m, int64_t n, int64_t u_cols, double* s, double* u,
                double* v_out) {
  std::vector<double> v(n * n, 0.0);
  for (int64_t i = 0; i < n; i++) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; sweep++) {
    bool rotated = false;
    for (int64_t p = 0; p < n - 1; p++)
      for (int64_t q = p + 1; q < n; q++) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int64_t i = 0; i < m; i++) {
          const double wp = w[i * n + p];
          const double wq = w[i * n + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma == 0 || std::fabs(gamma) <= kEps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t =
            (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t);
        const double sn = c * t;
        rotate_columns(w, m, n, p, q, c, sn);
        rotate_columns(v.data(), n, n, p, q, c, sn);
      }
    if (!rotated) break;
  }
  std::vector<double> norms(n);
  for (int64_t j = 0; j < n; j++) {
    double t = 0;
    for (int64_t i = 0; i < m; i++) t += w[i * n + j] * w[i * n + j];
    norms[j] = std::sqrt(t);
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t i, int64_t j) { return norms[j] < norms[i]; });
  std::fill(u, u + m * u_cols, 0.0);
  const double tiny = (n > 0 ? norms[order[0]] : 0) * kEps * static_cast<double>(std::max(m, n));
  std::vector<int64_t> have, want;
  for (int64_t k = 0; k < n; k++) {
    const int64_t j = order[k];
    s[k] = norms[j];
    for (int64_t i = 0; i < n; i++) v_out[i * n + k] = v[i * n + j];
    if (norms[j] > tiny && norms[j] > 0) {
      for (int64_t i = 0; i < m; i++) u[i * u_cols + k] = w[i * n + j] / norms[j];
      have.push_back(k);
    } else {
      want.push_back(k);
    }
  }
  for (int64_t k = n; k < u_cols; k++) want.push_back(k);
  if (!want.empty()) complete_basis(u, m, u_cols, have, want);
}

}  // namespace

void eigh(bool f32, const void* a, void* e, void* v, int64_t batch, int64_t n) {
  const int64_t nn = n * n;
  over_batch(batch, 8.0 * nn * n, [&](int64_t b) {
    // The symmetric matrix of the lower triangle, as TensorFlow's SelfAdjointEigV2 reads it.
    std::vector<double> w(nn), vec(nn);
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j <= i; j++) {
        const double x = at(f32, a, b * nn + i * n + j);
        w[i * n + j] = x;
        w[j * n + i] = x;
      }
    jacobi_eigen(w.data(), vec.data(), n);
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t i, int64_t j) { return w[i * n + i] < w[j * n + j]; });
    for (int64_t k = 0; k < n; k++) {
      put(f32, e, b * n + k, w[order[k] * n + order[k]]);
      if (v != nullptr)
        for (int64_t i = 0; i < n; i++) put(f32, v, b * nn + i * n + k, vec[i * n + order[k]]);
    }
  });
}

void svd(bool f32, const void* a, void* s, void* u, void* v, int64_t batch, int64_t m, int64_t n,
         bool full) {
  const int64_t p = std::min(m, n);
  const int64_t u_cols = full ? m : p;
  const int64_t v_cols = full ? n : p;
  const bool tall = m >= n;
  // For m < n, A^T = U' S V'^T is tall, and A = V' S U'^T.
  const int64_t rows = tall ? m : n;
  const int64_t cols = tall ? n : m;
  const int64_t left_cols = tall ? u_cols : v_cols;
  over_batch(batch, 8.0 * rows * cols * cols, [&](int64_t b) {
    std::vector<double> w(m * n), sv(cols), left(rows * left_cols), right(cols * cols);
    const int64_t off = b * m * n;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        const double x = at(f32, a, off + i * n + j);
        if (tall)
          w[i * n + j] = x;
        else
          w[j * m + i] = x;
      }
    jacobi_svd(w.data(), rows, cols, left_cols, sv.data(), left.data(), right.data());
    for (int64_t k = 0; k < p; k++) put(f32, s, b * p + k, sv[k]);
    // Left vectors of the tall problem [rows, left_cols], right vectors [cols, cols].
    const double* u_mat = tall ? left.data() : right.data();
    const int64_t u_stride = tall ? u_cols : cols;
    const double* v_mat = tall ? right.data() : left.data();
    const int64_t v_stride = tall ? cols : v_cols;
    if (u != nullptr)
      for (int64_t i = 0; i < m; i++)
        for (int64_t k = 0; k < u_cols; k++)
          put(f32, u, b * m * u_cols + i * u_cols + k, u_mat[i * u_stride + k]);
    if (v != nullptr)
      for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < v_cols; k++)
          put(f32, v, b * n * v_cols + i * v_cols + k, v_mat[i * v_stride + k]);
  });
}

}  // namespace tf
