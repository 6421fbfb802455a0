// Direct (im2col-free) 2-D convolution kernels, NHWC, float32 and float64.
//
// The forward product y[p, :] = sum over taps (fh, fw) and input channels ic of
// x[pixel p shifted by the tap, ic] * w[fh, fw, ic, :] runs in register tiles of R output
// pixels by NV vectors of output channels: per (tap, ic) step the kernel loads NV vectors of the
// (packed) filter row and broadcasts R input values straight from x, so the patch matrix is
// never built. Borders come from a zero-padded copy of the rows a task reads (a "slab"; no copy
// when the taps stay inside x). The input gradient of a stride-1 convolution is the forward
// product of dy with the filter flipped in space and transposed in channels; the filter
// gradient accumulates, per register tile of R filter rows (tap, ic) by NV vectors of output
// channels, dy[p, :] times the R broadcast values x[p shifted by the tap, ic] over the pixels.
#pragma once

#include "nn.h"

namespace tf {

// Each returns false when it does not handle the case (empty sizes; strided input gradients),
// and the caller runs the im2col + GEMM kernels instead.
bool conv2d_direct(bool f32, const void* x, const void* w, void* y, const Conv2DParams& c);
bool conv2d_direct_input(bool f32, const void* w, const void* dy, void* dx,
                         const Conv2DParams& c);
bool conv2d_direct_filter(bool f32, const void* x, const void* dy, void* dw,
                          const Conv2DParams& c);

// y = act(conv2d(x, w) + bias) (bias [outC]; act max(., 0) when relu, else the identity): the
// bias and activation applied to each block of output rows right after the direct kernel wrote
// it (TensorFlow's _FusedConv2D with BiasAdd and Relu). Any geometry the addon accepts.
void conv2d_bias_act(bool f32, const void* x, const void* w, const void* bias, void* y,
                     const Conv2DParams& c, bool relu);

}  // namespace tf
