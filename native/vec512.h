// 16-lane AVX-512F float32 loops for elementwise.cc, nn.cc and fused.cc: GELU (exact erf form),
// GeluGrad and the fused gradients computed in double (gelu512.cc, on vgelu512.h), and softmax / log-softmax rows and their gradients' rows (softmax512.cc). Used
// where avx512() (common.h) says so; otherwise the callers run their AVX2 or scalar loops.
#pragma once

#include <cstdint>

namespace tf {

// y[i] = x[i] Phi(x[i]), i < n.
void gelu512_f32(const float* x, float* y, int64_t n);
// y[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])), i < n.
void gelu_grad512_f32(const float* dy, const float* x, float* y, int64_t n);

// The float32 fused gradients that elementwise.cc computes in double, y[i] = f(a[i], b[i]):
// SigmoidGrad (b a (1 - a)), TanhGrad (b (1 - a)(1 + a)), SquareGrad (2 a b), TanGrad
// (b (1 + a^2)), SqrtGrad (b 0.5 / a), RsqrtGrad (-0.5 b a^3), ReciprocalGrad (-b a^2) and
// EluGrad (b > 0 ? a : a (b + 1)); the same double operations on 8-double halves, rounded once
// to float.
enum Double512Grad {
  kSigmoidGrad512 = 0,
  kTanhGrad512,
  kSquareGrad512,
  kTanGrad512,
  kSqrtGrad512,
  kRsqrtGrad512,
  kReciprocalGrad512,
  kEluGrad512
};
void double_grad512_f32(int op, const float* a, const float* b, float* y, int64_t n);

// One float32 row of softmax (log = false) or log-softmax along its n contiguous values, as
// nn.cc's AVX2 row loop computes it (max subtracted exactly, sum and scaling in double). Returns
// false, writing nothing, when the row holds a NaN or an infinite maximum: the caller's loop
// handles those rows.
bool softmax512_row(const float* x, float* y, int64_t n, bool log);
// One float32 row of fused.cc's softmax (log = false: dx = y (dy - sum(dy y))) or log-softmax
// (dx = dy - exp(y) sum(dy)) gradient, as its AVX2 row loop computes it (fused.cc calls it for
// log-softmax only, whose exp makes the row compute bound).
void softmax_grad512_row(const float* y, const float* dy, float* dx, int64_t n, bool log);

}  // namespace tf
