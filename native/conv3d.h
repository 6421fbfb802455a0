// 3-D convolution kernels, NDHWC (src/backend/nn3d.ts): parameters as there, already checked by
// the binding (bind_conv3d.cc).
#pragma once

#include <cstdint>

namespace tf {

struct Conv3DParams {
  int64_t batch, inD, inH, inW, inC, outD, outH, outW, outC, filterD, filterH, filterW;
  int64_t strideD, strideH, strideW, dilationD, dilationH, dilationW, padFront, padTop, padLeft;
};

// f32 selects float32 data, else float64.
void conv3d(bool f32, const void* x, const void* w, void* y, const Conv3DParams& c);
void conv3d_backprop_input(bool f32, const void* w, const void* dy, void* dx,
                           const Conv3DParams& c);
void conv3d_backprop_filter(bool f32, const void* x, const void* dy, void* dw,
                            const Conv3DParams& c);

}  // namespace tf
