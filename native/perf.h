// Kernels for the model workloads (issue 10): a blocked transpose and the fused optimizer
// updates. Arguments are checked by addon.cc before these run.
#pragma once

#include <cstdint>

#include "kernels.h"
#include "nn.h"

namespace tf {

// out = transpose(x, perm) for elements of `elem` bytes (1, 4 or 8): out's axis a is x's axis
// perm[a]. Size-1 axes are dropped and axes that stay neighbours merged first; then rows that
// stay contiguous are copied as runs, and a moved last axis is copied in square tiles so the
// reads and the writes both stay in cache.
void transpose(size_t elem, const void* x, const Shape& shape, const std::vector<int>& perm,
               void* out);

// Adam, Keras's update rule, on n elements, reading var, m, v, g and writing the new values to
// ovar, om, ov (storage is never written in place):
//   m' = m + (g - m)(1 - beta1); v' = v + (g^2 - v)(1 - beta2); var' = var - m' alpha / (sqrt(v') + eps)
// with alpha = lr sqrt(1 - beta2^t) / (1 - beta1^t) computed by the caller. Every step rounds to
// the element type, in the order the JS optimizer's ops round.
void adam_update(bool f32, const void* var, const void* m, const void* v, const void* g,
                 void* ovar, void* om, void* ov, int64_t n, double alpha, double beta1,
                 double beta2, double eps);

// SGD with momentum (Keras's rule) on n elements, out of place: ovel = vel momentum - g lr,
// ovar = var + ovel, or with nesterov ovar = var + (ovel momentum - g lr). Each step rounds to the
// element type, as the JS optimizer's ops do.
void sgd_momentum_update(bool f32, const void* var, const void* vel, const void* g, void* ovar,
                         void* ovel, int64_t n, double lr, double momentum, bool nesterov);

// The gradient of softmax (log false: dx = y (dy - sum(dy y))) or log-softmax (log true:
// dx = dy - exp(y) sum(dy)) along the middle axis of [outer, n, inner], in one pass per row.
void softmax_grad(bool f32, const void* y, const void* dy, void* dx, const AxisParams& p,
                  bool log);

}  // namespace tf
