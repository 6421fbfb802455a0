// The gradient of _FusedConv2D with relu (conv + bias + relu) in one call, with no ReluGrad
// tensor: dz = dy where y > 0 else 0 (y the op's output, so y > 0 exactly where the
// pre-activation is), then
//   db[oc] = sum of dz[., ., ., oc] over batch and pixels   (BiasAddGrad)
//   dw     = Conv2DBackpropFilter(x, dz)
//   dx     = Conv2DBackpropInput(w, dz)                     (only when dx is not null)
// dz lives in a scratch buffer of the native heap for the call only, so the 11 MB it takes in
// the MNIST convnet's first layer never becomes a JS ArrayBuffer (V8 counts those bytes toward
// its next full collection). float32 or float64 (f32), NHWC.
#pragma once

#include "nn.h"

namespace tf {

void conv2d_relu_backprop(bool f32, const void* x, const void* w, const void* dy, const void* y,
                          void* dx, void* dw, void* db, const Conv2DParams& c);

}  // namespace tf
