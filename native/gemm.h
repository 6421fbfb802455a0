// Batched matrix product C[s] = op(A[s]) op(B[s]), row-major, as in MatmulParams.
#pragma once

#include <cstdint>

namespace tf {

struct GemmParams {
  int64_t batch, m, n, k;
  bool transA, transB;
  int64_t aBatchStride, bBatchStride;
  // C += op(A) op(B) instead of C = op(A) op(B).
  bool accumulate = false;
  // Run on the calling thread only, with its own packing buffers: for callers that already
  // split their work over the pool (the convolution kernels call it from pool tasks).
  bool single = false;
};

// C is written (or added to, with p.accumulate), batch by batch, C[s] at s*m*n.
void gemm(const float* a, const float* b, float* c, const GemmParams& p);
void gemm(const double* a, const double* b, double* c, const GemmParams& p);

}  // namespace tf
