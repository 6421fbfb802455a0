// Max pooling, NHWC, float32 and float64, when the windows do not overlap (stride >= window in
// both dimensions, as in the common 2x2 / stride 2 pooling): every input pixel lies in at most
// one window, so the gradient writes dx once, pixel by pixel (dy at the window's argmax, 0
// elsewhere and outside every window) with no zero fill first and no scatter, and all three
// kernels run vectorized across channels. Same semantics as the general kernels of nn.cc: NaN
// propagates through the max, ties go to the first position in row-major order.
#pragma once

#include "nn.h"

namespace tf {

// Each returns false (and writes nothing) when the windows overlap or a size is zero; the
// caller then runs the general kernels.
bool max_pool_disjoint(bool f32, const void* x, void* y, const Pool2DParams& p);
bool max_pool_grad_disjoint(bool f32, const void* x, const void* dy, void* dx,
                            const Pool2DParams& p);
bool max_pool_grad_grad_disjoint(bool f32, const void* x, const void* g, void* out,
                                 const Pool2DParams& p);

}  // namespace tf
