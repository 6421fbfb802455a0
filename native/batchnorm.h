// Two-pass batch normalization (training forward and gradient), channels last: one pass for the
// per-channel sums (shifted, in double), one to write the result. nn_fused.cc's
// batch_norm_train / batch_norm_grad call these; the semantics are theirs (nn_fused.h).
#pragma once

#include <cstdint>

namespace tf {

void batch_norm_train_2pass(bool f32, const void* x, const void* scale, const void* offset,
                            void* y, void* mean, void* variance, int64_t rows, int64_t channels,
                            double eps);
void batch_norm_grad_2pass(bool f32, const void* dy, const void* x, const void* scale,
                           const void* gmean, const void* gvar, void* dx, void* dscale,
                           void* doffset, int64_t rows, int64_t channels, double eps);

}  // namespace tf
