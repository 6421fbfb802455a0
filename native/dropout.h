// The fused dropout (TensorFlow's where(u >= rate, x * scale, 0) in one pass):
// y[i] = u[i] >= rate ? x[i] * scale : 0, float32 or float64 (f32), rate and scale already in
// the data's precision (the caller rounds them as TensorFlow's scalar tensors would be).
#pragma once

#include <cstdint>

namespace tf {

void dropout_apply(bool f32, const void* x, const void* u, void* y, int64_t n, double rate,
                   double scale);

}  // namespace tf
