// Layer normalization over the last axis of a [rows, n] array, forward and backward, float32 and
// float64 (f32 selects float32). Statistics and sums in double; every value rounds once, when
// stored, as in the JS kernels (src/backend/js/fused.ts).
#pragma once

#include <cstdint>

namespace tf {

// mean[r] = sum x / n, rstd[r] = 1 / sqrt(sum (x - mean)^2 / n + eps),
// y = (x - mean) rstd gamma + beta.
void layer_norm(bool f32, const void* x, const void* gamma, const void* beta, void* y, void* mean,
                void* rstd, int64_t rows, int64_t n, double eps);

// xh = (x - mean) rstd, g = dy gamma:
// dx = rstd (g - sum(g)/n - xh sum(g xh)/n), dgamma = sum_rows dy xh, dbeta = sum_rows dy.
void layer_norm_grad(bool f32, const void* x, const void* gamma, const void* mean,
                     const void* rstd, const void* dy, void* dx, void* dgamma, void* dbeta,
                     int64_t rows, int64_t n);

}  // namespace tf
