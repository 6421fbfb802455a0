// Kernels of the sort / top-k (sort.cc) and dense factorization (lapack.cc) families (the
// unsorted segment sum is movement's, movement2.h). All are batched and threaded over the batch
// (or rows) with the process pool; the factorizations compute in float64 and read
// and write float32 or float64.
#pragma once

#include <cstdint>

#include "kernels.h"

namespace tf {

// The k largest of each of `rows` rows of length n, in decreasing order, ties by the lower
// index, NaN above every number (TensorFlow's TopKV2): values (x's dtype) and int32 indices.
void top_k(DType t, const void* x, int64_t rows, int64_t n, int64_t k, void* values,
           int32_t* indices);

// Returns the first batch index that is not positive definite, or -1. out gets L with zeros
// above the diagonal for the members before that index (all of them when -1).
int64_t cholesky(bool f32, const void* a, void* out, int64_t batch, int64_t n);
// Packed LU with partial pivoting (the first largest |pivot|), perm[b*n + i] the source row.
void lu(bool f32, const void* a, void* lu, int32_t* perm, int64_t batch, int64_t n);
// X = op(A)^-1 B for triangular A [n, n] and B [n, k].
void triangular_solve(bool f32, const void* a, const void* b, void* out, int64_t batch,
                      int64_t n, int64_t k, bool lower, bool adjoint);
// Householder QR: Q [m, m] R [m, n] when full, else Q [m, p] R [p, n], p = min(m, n).
void qr(bool f32, const void* a, void* q, void* r, int64_t batch, int64_t m, int64_t n,
        bool full);
// The LU-based solvers (getrf + getrs): X = op(A)^-1 B and op(A)^-1; each returns the first
// singular batch member (a zero pivot), or -1, having written the members before it.
int64_t matrix_solve(bool f32, const void* a, const void* b, void* out, int64_t batch, int64_t n,
                     int64_t k, bool adjoint);
int64_t matrix_inverse(bool f32, const void* a, void* out, int64_t batch, int64_t n,
                       bool adjoint);
// det(A[b]) as the product of the LU pivots with the permutation's sign; and sign / log|det|
// (a singular matrix gives 0, -Inf).
void determinant(bool f32, const void* a, void* out, int64_t batch, int64_t n);
void log_determinant(bool f32, const void* a, void* sign, void* log_abs, int64_t batch,
                     int64_t n);

// Symmetric eigendecomposition of the lower triangle (cyclic Jacobi, lapack_spectral.cc): e
// ascending [batch, n], v [batch, n, n] eigenvectors as columns (nullptr: not wanted).
void eigh(bool f32, const void* a, void* e, void* v, int64_t batch, int64_t n);
// A [m, n] = U diag(s) V^T by one-sided Jacobi: s descending [batch, p], p = min(m, n); U
// [m, m] / V [n, n] when full, else [m, p] / [n, p]; u / v nullptr when not wanted.
void svd(bool f32, const void* a, void* s, void* u, void* v, int64_t batch, int64_t m, int64_t n,
         bool full);

}  // namespace tf
