// float32 GELU (exact erf form) and GeluGrad on AVX-512F (vgelu512.h), for elementwise.cc's
// Gelu and GeluGrad loops: used where the CPU has AVX-512F, the ISA is AVX2 (setIsa) and the
// test hook allows it; otherwise elementwise.cc runs its AVX2 or scalar loops.
#pragma once

#include <cstdint>

namespace tf {

// True when gelu512_f32 / gelu_grad512_f32 may run now.
bool gelu512_active();
// y[i] = x[i] Phi(x[i]), i < n.
void gelu512_f32(const float* x, float* y, int64_t n);
// y[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])), i < n.
void gelu_grad512_f32(const float* dy, const float* x, float* y, int64_t n);
// Test hook: allows or forbids the AVX-512 loops; returns the previous setting.
bool gelu_allow_avx512(bool allow);
// "avx512" | "avx2" | "scalar": the loops float32 Gelu and GeluGrad run now.
const char* gelu_path();

}  // namespace tf
