// Fused-program instructions for elementwise ops that have no eager native loop (the eager
// native backend runs them with the JS backend's scalar functions, backend/js/scalar-math.ts):
// each loop here computes what that scalar function computes, in double from the inputs'
// values, rounded once to the dtype, so a fused tree holding one is the eager result bit for
// bit. Only functions made of correctly rounded IEEE operations are here (division,
// multiplication, rounding to an integer, nextafter): the transcendental special functions call
// V8's Math.log / Math.exp (its fdlibm port), which the C library need not match to the last
// bit, so they stay out (fusion_native.ts runs a tree holding one as pieces around it).
#include <cmath>

#include "fused_program.h"

namespace tf {

namespace {

// JS's `x === 0 && y === y ? 0 : x / y` (Xdivy).
inline double xdivy(double x, double y) { return x == 0 && y == y ? 0.0 : x / y; }
// `b === 0 ? 0 : a / b` (DivNoNan) and `b === 0 ? 0 : a * b` (MulNoNan).
inline double div_no_nan(double a, double b) { return b == 0 ? 0.0 : a / b; }
inline double mul_no_nan(double a, double b) { return b == 0 ? 0.0 : a * b; }
// Round half to even (Rint): nearbyint in the default rounding mode; NaN and +-inf pass.
inline double rint_even(double x) { return std::nearbyint(x); }

template <class T>
struct NextAfter;
template <>
struct NextAfter<float> {
  static float f(float a, float b) { return std::nextafterf(a, b); }
};
template <>
struct NextAfter<double> {
  static double f(double a, double b) { return std::nextafter(a, b); }
};

template <class T, double (*F)(double, double)>
void vv(const void* a, const void* b, void* y, int64_t n) {
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  T* py = static_cast<T*>(y);
  for (int64_t i = 0; i < n; i++) py[i] = static_cast<T>(F(pa[i], pb[i]));
}
template <class T, double (*F)(double, double)>
void vs(const void* a, const void* b, void* y, int64_t n) {
  const T* pa = static_cast<const T*>(a);
  const double vb = *static_cast<const T*>(b);
  T* py = static_cast<T*>(y);
  for (int64_t i = 0; i < n; i++) py[i] = static_cast<T>(F(pa[i], vb));
}
template <class T, double (*F)(double, double)>
void sv(const void* a, const void* b, void* y, int64_t n) {
  const double va = *static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  T* py = static_cast<T*>(y);
  for (int64_t i = 0; i < n; i++) py[i] = static_cast<T>(F(va, pb[i]));
}

// nextafter in the dtype itself (nextafterf for float32, as the JS backend's nextafterf).
template <class T>
double next_after(double a, double b) {
  return static_cast<double>(NextAfter<T>::f(static_cast<T>(a), static_cast<T>(b)));
}

template <class T, double (*F)(double)>
void un(const void* x, void* y, int64_t n) {
  const T* px = static_cast<const T*>(x);
  T* py = static_cast<T*>(y);
  for (int64_t i = 0; i < n; i++) py[i] = static_cast<T>(F(px[i]));
}

template <class T, double (*F)(double, double)>
BinarySpans spans() {
  return BinarySpans{vv<T, F>, vs<T, F>, sv<T, F>, 0};
}

}  // namespace

const char* const kFusedExtraUnaryNames[] = {"Rint"};
const int kNumFusedExtraUnary = 1;
const char* const kFusedExtraBinaryNames[] = {"Xdivy", "DivNoNan", "MulNoNan", "NextAfter"};
const int kNumFusedExtraBinary = 4;

UnarySpan fused_extra_unary_span(int fn, DType t) {
  (void)fn;  // Rint, the only one
  return t == DType::F32 ? un<float, rint_even> : un<double, rint_even>;
}

BinarySpans fused_extra_binary_spans(int fn, DType t) {
  const bool f32 = t == DType::F32;
  switch (fn) {
    case 0:
      return f32 ? spans<float, xdivy>() : spans<double, xdivy>();
    case 1:
      return f32 ? spans<float, div_no_nan>() : spans<double, div_no_nan>();
    case 2:
      return f32 ? spans<float, mul_no_nan>() : spans<double, mul_no_nan>();
    default:
      return f32 ? spans<float, next_after<float>>() : spans<double, next_after<double>>();
  }
}

}  // namespace tf
