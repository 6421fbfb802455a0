// Elementwise kernels: unary maps, broadcasting binary ops, select and cast.
//
// Each op is one scalar expression (the same as the JS backend's table). Its loops are
// instantiated twice, once for the baseline ISA and once inside a target("avx2,fma") function
// where the compiler vectorizes them for AVX2; the transcendental float32 ops that the compiler
// cannot vectorize (exp, log, tanh, sigmoid, ...) have hand-written AVX2 versions (vmath.h).
// Float32 transcendental functions are evaluated in double on the scalar path, as JS does.
// Float64 exp, expm1, log, log1p, sigmoid, tanh, sin and cos have AVX2 versions too
// (vmath_f64.h, within 1-2 ulp of libm); the scalar path keeps libm.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common.h"
#include "kernels.h"
#include "threadpool.h"
#include "vec512.h"
#include "vgelu.h"
#include "vmath.h"
#include "vmath_avx512.h"
#include "vmath_f64.h"

namespace tf {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F64:
      return 8;
    case DType::U8:
      return 1;
  }
  return 1;
}

namespace {

constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Transcendental functions in double for both float types: exact to the last place of float.
template <class T>
TF_INLINE T dbl(double v) {
  return static_cast<T>(v);
}

// GELU in double, the same sequence of operations as the JS expressions (elementwise/gelu.ts).
constexpr double kGeluK1 = 1.5957691216057308;   // 2 sqrt(2/pi)
constexpr double kGeluK3 = 0.07135481627260025;  // 2 sqrt(2/pi) 0.044715
constexpr double kSqrt2OverPi = 0.7978845608028654;
// A value the compiler must round before using: keeps a product that feeds a sum from being
// fused into an FMA (the -ffp-contract default in the AVX2 clones), so these formulas round as
// the JS expressions do.
TF_INLINE double rounded(double v) {
#if defined(__GNUC__) && TF_X86
  asm("" : "+x"(v));
#else
  volatile double w = v;
  v = w;
#endif
  return v;
}

// Phi(x): erfc in the far negative tail, 1 + erf elsewhere (normalCdf in scalar-math.ts).
TF_INLINE double normal_cdf(double x) {
  return x > -1.4142135623730951 ? 0.5 * (1 + std::erf(x * 0.7071067811865476))
                                 : 0.5 * std::erfc(-x * 0.7071067811865476);
}
TF_INLINE double gelu_approx(double x) {
  return x / (1 + std::exp(-x * (kGeluK1 + rounded(kGeluK3 * x * x))));
}
TF_INLINE double gelu_grad(double dy, double x) {
  return dy * (normal_cdf(x) + rounded(x * (0.3989422804014327 * std::exp(-0.5 * x * x))));
}
TF_INLINE double gelu_approx_grad(double dy, double x) {
  const double s = 1 / (1 + std::exp(-x * (kGeluK1 + rounded(kGeluK3 * x * x))));
  const double x2 = x * x;
  return dy * (s + rounded(2 * x * s * (1 - s) * kSqrt2OverPi * (1 + rounded(0.134145 * x2))));
}

// ---- the unary table: X(name, expression in x of type T, cost class) -------------------------
// Cost classes size the chunks given to threads: 0 cheap arithmetic, 1 libm call.
#define TF_UNARY_OPS(X)                                                                       \
  X(Neg, -x, 0)                                                                               \
  X(Abs, std::fabs(x), 0)                                                                     \
  X(Sign, x > T(0) ? T(1) : (x < T(0) ? T(-1) : x), 0)                                        \
  X(Square, x* x, 0)                                                                          \
  X(Sqrt, std::sqrt(x), 0)                                                                    \
  X(Rsqrt, T(1) / std::sqrt(x), 0)                                                            \
  X(Reciprocal, T(1) / x, 0)                                                                  \
  X(Exp, dbl<T>(std::exp(double(x))), 1)                                                      \
  X(Expm1, dbl<T>(std::expm1(double(x))), 1)                                                  \
  X(Log, dbl<T>(std::log(double(x))), 1)                                                      \
  X(Log1p, dbl<T>(std::log1p(double(x))), 1)                                                  \
  X(Sin, dbl<T>(std::sin(double(x))), 1)                                                      \
  X(Cos, dbl<T>(std::cos(double(x))), 1)                                                      \
  X(Tan, dbl<T>(std::tan(double(x))), 1)                                                      \
  X(Asin, dbl<T>(std::asin(double(x))), 1)                                                    \
  X(Acos, dbl<T>(std::acos(double(x))), 1)                                                    \
  X(Atan, dbl<T>(std::atan(double(x))), 1)                                                    \
  X(Sinh, dbl<T>(std::sinh(double(x))), 1)                                                    \
  X(Cosh, dbl<T>(std::cosh(double(x))), 1)                                                    \
  X(Tanh, dbl<T>(std::tanh(double(x))), 1)                                                    \
  X(Asinh, dbl<T>(std::asinh(double(x))), 1)                                                  \
  X(Acosh, dbl<T>(std::acosh(double(x))), 1)                                                  \
  X(Atanh, dbl<T>(std::atanh(double(x))), 1)                                                  \
  X(Softsign, x / (T(1) + std::fabs(x)), 0)                                                   \
  /* 1 / (1 + e^-x): e^-x = inf for very negative x gives 0 */                                \
  X(Sigmoid, dbl<T>(1.0 / (1.0 + std::exp(-double(x)))), 1)                                   \
  /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow */                                 \
  X(Softplus,                                                                                 \
    dbl<T>((x > T(0) ? double(x) : 0.0) + std::log1p(std::exp(-std::fabs(double(x))))), 1)   \
  X(Erf, dbl<T>(std::erf(double(x))), 1)                                                      \
  X(Floor, std::floor(x), 0)                                                                  \
  X(Ceil, std::ceil(x), 0)                                                                    \
  /* round half to even: nearbyint in the default rounding mode */                            \
  X(Round, std::nearbyint(x), 0)                                                              \
  /* NaN passes through relu, as in the JS backend */                                         \
  X(Relu, x > T(0) ? x : (x == x ? T(0) : x), 0)                                              \
  X(Relu6, x > T(0) ? (x < T(6) ? x : T(6)) : (x == x ? T(0) : x), 0)                         \
  X(Elu, x > T(0) ? x : dbl<T>(std::expm1(double(x))), 1)                                     \
  X(Selu,                                                                                     \
    x > T(0) ? dbl<T>(kSeluScale * double(x))                                                 \
             : dbl<T>(kSeluScale * kSeluAlpha * std::expm1(double(x))),                       \
    1)                                                                                        \
  /* GELU (src/ops/elementwise/gelu.ts): x Phi(x) and x sigmoid(2u) */                        \
  X(Gelu, dbl<T>(double(x) * normal_cdf(double(x))), 1)                                      \
  X(GeluApproximate, dbl<T>(gelu_approx(double(x))), 1)                                       \
  X(IsNan, x != x ? 1 : 0, 0)                                                                 \
  X(IsFinite, std::isfinite(x) ? 1 : 0, 0)

enum UnaryId {
#define TF_ENUM(NAME, EXPR, COST) U_##NAME,
  TF_UNARY_OPS(TF_ENUM)
#undef TF_ENUM
      U_COUNT
};

#define TF_UNARY_STRUCT(NAME, EXPR, COST)   \
  struct UOp##NAME {                        \
    static constexpr int cost = COST;       \
    template <class T>                      \
    static TF_INLINE auto f(T x) {          \
      return EXPR;                          \
    }                                       \
  };
TF_UNARY_OPS(TF_UNARY_STRUCT)
#undef TF_UNARY_STRUCT

// ---- the binary table -------------------------------------------------------------------------

// Math.pow's special cases differ from C's: pow(x, NaN) and pow(+-1, +-inf) are NaN in JS.
TF_INLINE double js_pow(double a, double b) {
  if (b != b) return kNaN;
  if ((a == 1.0 || a == -1.0) && std::isinf(b)) return kNaN;
  return std::pow(a, b);
}

// Floor modulo: the result takes the divisor's sign (JS % is C's fmod).
TF_INLINE double floor_mod(double a, double b) {
  double r = std::fmod(a, b);
  return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

#define TF_BINARY_OPS(X)                                                             \
  X(Add, a + b, 0)                                                                   \
  X(Sub, a - b, 0)                                                                   \
  X(Mul, a* b, 0)                                                                    \
  X(Div, a / b, 0)                                                                   \
  X(Pow, dbl<T>(js_pow(double(a), double(b))), 1)                                    \
  X(Maximum, (a != a || b != b) ? T(kNaN) : (a > b ? a : b), 0)                      \
  X(Minimum, (a != a || b != b) ? T(kNaN) : (a < b ? a : b), 0)                      \
  X(FloorMod, dbl<T>(floor_mod(double(a), double(b))), 1)                            \
  /* floor of the quotient in double, as JS computes it before rounding to float */ \
  X(FloorDiv, dbl<T>(std::floor(double(a) / double(b))), 0)                         \
  X(Atan2, dbl<T>(std::atan2(double(a), double(b))), 1)                              \
  X(SquaredDifference, (a - b) * (a - b), 0)                                         \
  X(Equal, a == b ? 1 : 0, 0)                                                        \
  X(NotEqual, a != b ? 1 : 0, 0)                                                     \
  X(Less, a < b ? 1 : 0, 0)                                                          \
  X(LessEqual, a <= b ? 1 : 0, 0)                                                    \
  X(Greater, a > b ? 1 : 0, 0)                                                       \
  X(GreaterEqual, a >= b ? 1 : 0, 0)                                                 \
  /* fused gradients (src/ops/elementwise/grad.ts), in double as the JS loops */     \
  X(ReluGrad, b > T(0) ? a : T(0), 0)                                                \
  X(Relu6Grad, b > T(0) && b < T(6) ? a : T(0), 0)                                   \
  X(EluGrad, b > T(0) ? a : dbl<T>(double(a) * (double(b) + 1)), 0)                  \
  X(SigmoidGrad, dbl<T>(double(b) * double(a) * (1 - double(a))), 0)                 \
  X(TanhGrad, dbl<T>(double(b) * ((1 - double(a)) * (1 + double(a)))), 0)           \
  X(SqrtGrad, dbl<T>(double(b) * 0.5 / double(a)), 0)                                \
  X(RsqrtGrad, dbl<T>(-0.5 * double(b) * (double(a) * double(a) * double(a))), 0)    \
  X(ReciprocalGrad, dbl<T>(-double(b) * (double(a) * double(a))), 0)                \
  X(GeluGrad, dbl<T>(gelu_grad(double(a), double(b))), 1)                            \
  X(GeluApproximateGrad, dbl<T>(gelu_approx_grad(double(a), double(b))), 1)          \
  /* in double as the JS loops: float products would round twice near denormals */ \
  X(SquareGrad, dbl<T>(2.0 * double(a) * double(b)), 0)                             \
  X(TanGrad, dbl<T>(double(b) * (1 + double(a) * double(a))), 0)                    \
  /* the product of two floats is exact in double: float gives the JS loop's value */ \
  X(DivGrad, -(a * b), 0)

enum BinaryId {
#define TF_ENUM(NAME, EXPR, COST) B_##NAME,
  TF_BINARY_OPS(TF_ENUM)
#undef TF_ENUM
      B_COUNT
};

#define TF_BINARY_STRUCT(NAME, EXPR, COST) \
  struct BOp##NAME {                       \
    static constexpr int cost = COST;      \
    template <class T>                     \
    static TF_INLINE auto f(T a, T b) {    \
      return EXPR;                         \
    }                                      \
  };
TF_BINARY_OPS(TF_BINARY_STRUCT)
#undef TF_BINARY_STRUCT

// ---- loops ----------------------------------------------------------------------------------

// The loop bodies, instantiated for the baseline ISA and (on x86) for AVX2.
#define TF_DEFINE_LOOPS(SUFFIX, ATTR)                                                       \
  template <class Op, class T, class O>                                                     \
  ATTR void map_##SUFFIX(const T* TF_RESTRICT x, O* TF_RESTRICT y, int64_t n) {             \
    for (int64_t i = 0; i < n; i++) y[i] = static_cast<O>(Op::f(x[i]));                     \
  }                                                                                         \
  /* a and b both advance (vv), only a (vs: b is one value), only b (sv) */                 \
  template <class Op, class T, class O>                                                     \
  ATTR void vv_##SUFFIX(const T* TF_RESTRICT a, const T* TF_RESTRICT b, O* TF_RESTRICT y,   \
                        int64_t n) {                                                        \
    for (int64_t i = 0; i < n; i++) y[i] = static_cast<O>(Op::f(a[i], b[i]));               \
  }                                                                                         \
  template <class Op, class T, class O>                                                     \
  ATTR void vs_##SUFFIX(const T* TF_RESTRICT a, const T* TF_RESTRICT b, O* TF_RESTRICT y,   \
                        int64_t n) {                                                        \
    const T bv = *b;                                                                        \
    for (int64_t i = 0; i < n; i++) y[i] = static_cast<O>(Op::f(a[i], bv));                 \
  }                                                                                         \
  template <class Op, class T, class O>                                                     \
  ATTR void sv_##SUFFIX(const T* TF_RESTRICT a, const T* TF_RESTRICT b, O* TF_RESTRICT y,   \
                        int64_t n) {                                                        \
    const T av = *a;                                                                        \
    for (int64_t i = 0; i < n; i++) y[i] = static_cast<O>(Op::f(av, b[i]));                 \
  }

TF_DEFINE_LOOPS(generic, )
#if TF_X86
TF_DEFINE_LOOPS(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_LOOPS

template <class Op, class T, class O>
void strided(const T* a, int64_t sa, const T* b, int64_t sb, O* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = static_cast<O>(Op::f(a[i * sa], b[i * sb]));
}

#if TF_X86
// Hand-vectorized float32 maps: 8 lanes at a time; the tail goes through the same vector code
// on a padded copy, so every element gets the same formula.
#define TF_VEC_UNARY(X) \
  X(Exp, exp)           \
  X(Expm1, expm1)       \
  X(Log, log)           \
  X(Log1p, log1p)       \
  X(Sigmoid, sigmoid)   \
  X(Tanh, tanh)         \
  X(Softplus, softplus) \
  X(Sin, sin)           \
  X(Cos, cos)           \
  X(Tan, tan)           \
  X(Asin, asin)         \
  X(Acos, acos)         \
  X(Atan, atan)         \
  X(Sinh, sinh)         \
  X(Cosh, cosh)         \
  X(Erf, erf)

template <__m256 (*F)(__m256)>
TF_AVX2 void map_vec(const float* TF_RESTRICT x, float* TF_RESTRICT y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 r0 = F(_mm256_loadu_ps(x + i));
    __m256 r1 = F(_mm256_loadu_ps(x + i + 8));
    _mm256_storeu_ps(y + i, r0);
    _mm256_storeu_ps(y + i + 8, r1);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    _mm256_store_ps(buf, F(_mm256_load_ps(buf)));
    std::memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

// The wrappers are inlined into map_vec (always_inline): called through the template argument
// they were otherwise out-of-line calls, one per vector, that reloaded every constant.
#define TF_VEC_WRAP(NAME, FN) \
  TF_AVX2 TF_INLINE __m256 vwrap_##NAME(__m256 x) { return v8f::FN(x); }
TF_VEC_UNARY(TF_VEC_WRAP)
#undef TF_VEC_WRAP

// Elu and Selu on top of expm1 (x > 0 keeps x; NaN goes to expm1 and stays NaN).
TF_AVX2 TF_INLINE __m256 vwrap_Elu(__m256 x) {
  __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  return _mm256_blendv_ps(v8f::expm1(x), x, pos);
}
TF_AVX2 TF_INLINE __m256 vwrap_Selu(__m256 x) {
  __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
  __m256 neg = _mm256_mul_ps(v8f::expm1(x), _mm256_set1_ps(float(kSeluScale * kSeluAlpha)));
  return _mm256_blendv_ps(neg, _mm256_mul_ps(x, _mm256_set1_ps(float(kSeluScale))), pos);
}
TF_AVX2 TF_INLINE __m256 vwrap_Gelu(__m256 x) { return vgelu::gelu(x); }
TF_AVX2 TF_INLINE __m256 vwrap_GeluApproximate(__m256 x) { return vgelu::gelu_approx(x); }

// Hand-vectorized float64 maps (vmath_f64.h): 4 lanes, the tail padded the same way.
#define TF_VEC64_UNARY(X) \
  X(Exp, exp)             \
  X(Expm1, expm1)         \
  X(Log, log)             \
  X(Log1p, log1p)         \
  X(Sigmoid, sigmoid)     \
  X(Tanh, tanh)           \
  X(Sin, sin)             \
  X(Cos, cos)

template <__m256d (*F)(__m256d)>
TF_AVX2 void map_vec64(const double* TF_RESTRICT x, double* TF_RESTRICT y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256d r0 = F(_mm256_loadu_pd(x + i));
    __m256d r1 = F(_mm256_loadu_pd(x + i + 4));
    _mm256_storeu_pd(y + i, r0);
    _mm256_storeu_pd(y + i + 4, r1);
  }
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, F(_mm256_loadu_pd(x + i)));
  if (i < n) {
    alignas(32) double buf[4] = {0, 0, 0, 0};
    std::memcpy(buf, x + i, (n - i) * sizeof(double));
    _mm256_store_pd(buf, F(_mm256_load_pd(buf)));
    std::memcpy(y + i, buf, (n - i) * sizeof(double));
  }
}

#define TF_VEC64_WRAP(NAME, FN) \
  TF_AVX2 TF_INLINE __m256d vwrap64_##NAME(__m256d x) { return v4d::FN(x); }
TF_VEC64_UNARY(TF_VEC64_WRAP)
#undef TF_VEC64_WRAP

// Hand-vectorized float32 binary maps (both operands advancing), the tail padded as above.
template <__m256 (*F)(__m256, __m256)>
TF_AVX2 void vv_vec(const float* TF_RESTRICT a, const float* TF_RESTRICT b, float* TF_RESTRICT y,
                    int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  if (i < n) {
    alignas(32) float ba[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    alignas(32) float bb[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(ba, a + i, (n - i) * sizeof(float));
    std::memcpy(bb, b + i, (n - i) * sizeof(float));
    _mm256_store_ps(ba, F(_mm256_load_ps(ba), _mm256_load_ps(bb)));
    std::memcpy(y + i, ba, (n - i) * sizeof(float));
  }
}
TF_AVX2 TF_INLINE __m256 vwrap2_GeluGrad(__m256 a, __m256 b) { return vgelu::gelu_grad(a, b); }
TF_AVX2 TF_INLINE __m256 vwrap2_GeluApproximateGrad(__m256 a, __m256 b) {
  return vgelu::gelu_approx_grad(a, b);
}
#define TF_VEC_BINARY(X) \
  X(GeluGrad)            \
  X(GeluApproximateGrad)

// relu(x) = x where x > 0 or x is NaN, else +0 (a mask, so -0 gives +0 as in JS).
TF_AVX2 TF_INLINE __m256 vwrap_Relu(__m256 x) {
  __m256 keep = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ),
                             _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  return _mm256_and_ps(keep, x);
}
#endif

using MapFn = void (*)(const void*, void*, int64_t);

template <class Op, class T, class O>
void map_entry(const void* x, void* y, int64_t n) {
#if TF_X86
  if (isa() == Isa::Avx2) return map_avx2<Op, T, O>(static_cast<const T*>(x), static_cast<O*>(y), n);
#endif
  map_generic<Op, T, O>(static_cast<const T*>(x), static_cast<O*>(y), n);
}

#if TF_X86
template <__m256 (*F)(__m256)>
void map_vec_entry(const void* x, void* y, int64_t n) {
  map_vec<F>(static_cast<const float*>(x), static_cast<float*>(y), n);
}
template <__m256d (*F)(__m256d)>
void map_vec64_entry(const void* x, void* y, int64_t n) {
  map_vec64<F>(static_cast<const double*>(x), static_cast<double*>(y), n);
}
// The 16-lane AVX-512 float32 loops (vmath_avx512.h), bit for bit the AVX2 ones' results.
#define TF_VEC512_UNARY(X) \
  X(Exp, exp)              \
  X(Sigmoid, sigmoid)      \
  X(Tanh, tanh)            \
  X(Sin, sin)              \
  X(Cos, cos)
#define TF_VEC512_WRAP(NAME, FN) \
  TF_AVX512 TF_INLINE __m512 vwrap512_##NAME(__m512 x) { return v16f::FN(x); }
TF_VEC512_UNARY(TF_VEC512_WRAP)
#undef TF_VEC512_WRAP
template <__m512 (*F)(__m512)>
void map_vec512_entry(const void* x, void* y, int64_t n) {
  v16f::map16<F>(static_cast<const float*>(x), static_cast<float*>(y), n);
}
// sin and cos: the loop that tests for slow lanes once per four vectors.
template <__m512 (*Fast)(__m512), __m256 (*Slow)(__m256)>
void map_trig512_entry(const void* x, void* y, int64_t n) {
  v16f::map16_trig<Fast, Slow>(static_cast<const float*>(x), static_cast<float*>(y), n);
}
TF_AVX512 TF_INLINE __m512 vwrap512_sin_fast(__m512 x) { return v16f::sin_fast(x); }
TF_AVX512 TF_INLINE __m512 vwrap512_cos_fast(__m512 x) { return v16f::cos_fast(x); }
#endif

#if TF_X86
// float32 Gelu: the 16-lane loop of gelu512.cc where the CPU has AVX-512F (about twice the AVX2
// loop's throughput), else the AVX2 one.
void gelu_f32_entry(const void* x, void* y, int64_t n) {
  if (avx512())
    return gelu512_f32(static_cast<const float*>(x), static_cast<float*>(y), n);
  map_vec<&vwrap_Gelu>(static_cast<const float*>(x), static_cast<float*>(y), n);
}
#endif

struct UnaryEntry {
  MapFn f32, f64;
  MapFn f32vec;  // AVX2 hand-written version, or null
  bool boolOut;
  int cost;
  MapFn f64vec = nullptr;  // the same for float64
  MapFn f32vec512 = nullptr;  // AVX-512 float32 version, or null
};

template <class Op, bool BoolOut>
UnaryEntry make_unary() {
  using O32 = typename std::conditional<BoolOut, uint8_t, float>::type;
  using O64 = typename std::conditional<BoolOut, uint8_t, double>::type;
  return UnaryEntry{&map_entry<Op, float, O32>, &map_entry<Op, double, O64>, nullptr, BoolOut,
                    Op::cost};
}

struct UnaryTable {
  UnaryEntry e[U_COUNT];
  UnaryTable() {
#define TF_FILL(NAME, EXPR, COST) \
  e[U_##NAME] = make_unary<UOp##NAME, U_##NAME == U_IsNan || U_##NAME == U_IsFinite>();
    TF_UNARY_OPS(TF_FILL)
#undef TF_FILL
#if TF_X86
#define TF_FILL_VEC(NAME, FN) e[U_##NAME].f32vec = &map_vec_entry<&vwrap_##NAME>;
    TF_VEC_UNARY(TF_FILL_VEC)
    TF_FILL_VEC(Elu, x)
    TF_FILL_VEC(Selu, x)
    TF_FILL_VEC(Relu, x)
    e[U_Gelu].f32vec = &gelu_f32_entry;
    TF_FILL_VEC(GeluApproximate, x)
#undef TF_FILL_VEC
#define TF_FILL_VEC64(NAME, FN) e[U_##NAME].f64vec = &map_vec64_entry<&vwrap64_##NAME>;
    TF_VEC64_UNARY(TF_FILL_VEC64)
#undef TF_FILL_VEC64
#define TF_FILL_VEC512(NAME, FN) e[U_##NAME].f32vec512 = &map_vec512_entry<&vwrap512_##NAME>;
    TF_VEC512_UNARY(TF_FILL_VEC512)
#undef TF_FILL_VEC512
    e[U_Sin].f32vec512 = &map_trig512_entry<&vwrap512_sin_fast, &v8f::sin_slow>;
    e[U_Cos].f32vec512 = &map_trig512_entry<&vwrap512_cos_fast, &v8f::cos_slow>;
#endif
  }
};

// The loop a dtype runs under the current ISA: the hand-vectorized one where there is one.
MapFn pick_map(const UnaryEntry& e, DType t) {
  if (isa() == Isa::Avx2) {
    if (t == DType::F32 && e.f32vec512 != nullptr && avx512()) return e.f32vec512;
    if (t == DType::F32 && e.f32vec != nullptr) return e.f32vec;
    if (t == DType::F64 && e.f64vec != nullptr) return e.f64vec;
  }
  return t == DType::F32 ? e.f32 : e.f64;
}

const UnaryEntry* unary_table() {
  static const UnaryTable table;  // thread-safe initialization
  return table.e;
}

using RowFn = void (*)(const void* a, const void* b, void* y, int64_t n);
using StridedFn = void (*)(const void* a, int64_t sa, const void* b, int64_t sb, void* y,
                           int64_t n);

struct BinaryLoops {
  RowFn vv, vs, sv;
  StridedFn strided;
  int cost;
};

#define TF_ROW_ENTRY(KIND)                                                                   \
  template <class Op, class T, class O>                                                      \
  void KIND##_entry(const void* a, const void* b, void* y, int64_t n) {                      \
    const T* pa = static_cast<const T*>(a);                                                  \
    const T* pb = static_cast<const T*>(b);                                                  \
    O* py = static_cast<O*>(y);                                                              \
    if (TF_X86 && isa() == Isa::Avx2) return TF_AVX2_CALL(KIND, pa, pb, py, n);              \
    KIND##_generic<Op, T, O>(pa, pb, py, n);                                                 \
  }
#if TF_X86
#define TF_AVX2_CALL(KIND, pa, pb, py, n) KIND##_avx2<Op, T, O>(pa, pb, py, n)
#else
#define TF_AVX2_CALL(KIND, pa, pb, py, n) KIND##_generic<Op, T, O>(pa, pb, py, n)
#endif
TF_ROW_ENTRY(vv)
TF_ROW_ENTRY(vs)
TF_ROW_ENTRY(sv)
#undef TF_ROW_ENTRY
#undef TF_AVX2_CALL

template <class Op, class T, class O>
void strided_entry(const void* a, int64_t sa, const void* b, int64_t sb, void* y, int64_t n) {
  strided<Op, T, O>(static_cast<const T*>(a), sa, static_cast<const T*>(b), sb,
                    static_cast<O*>(y), n);
}

#if TF_X86
// The float32 same-shape loop of a binary op with a hand-written AVX2 version.
template <class Op, __m256 (*F)(__m256, __m256)>
void vv_vec_entry(const void* a, const void* b, void* y, int64_t n) {
  const float* pa = static_cast<const float*>(a);
  const float* pb = static_cast<const float*>(b);
  float* py = static_cast<float*>(y);
  if (isa() == Isa::Avx2) return vv_vec<F>(pa, pb, py, n);
  vv_generic<Op, float, float>(pa, pb, py, n);
}
#endif

#if TF_X86
// float32 GeluGrad: the 16-lane loop of gelu512.cc where the CPU has AVX-512F, else AVX2.
void gelu_grad_f32_entry(const void* a, const void* b, void* y, int64_t n) {
  if (avx512())
    return gelu_grad512_f32(static_cast<const float*>(a), static_cast<const float*>(b),
                            static_cast<float*>(y), n);
  vv_vec_entry<BOpGeluGrad, &vwrap2_GeluGrad>(a, b, y, n);
}
#endif

#if TF_X86
// float32 SigmoidGrad, TanhGrad, SquareGrad, TanGrad, SqrtGrad, RsqrtGrad, ReciprocalGrad and
// EluGrad: the 16-lane loops of gelu512.cc (the same double formulas on 8-double halves) where
// the CPU has AVX-512F, else the loops below.
template <class Op, int K>
void double_grad_f32_entry(const void* a, const void* b, void* y, int64_t n) {
  if (avx512())
    return double_grad512_f32(K, static_cast<const float*>(a), static_cast<const float*>(b),
                              static_cast<float*>(y), n);
  vv_entry<Op, float, float>(a, b, y, n);
}
#endif

template <class Op, class T, class O>
BinaryLoops make_binary() {
  return BinaryLoops{&vv_entry<Op, T, O>, &vs_entry<Op, T, O>, &sv_entry<Op, T, O>,
                     &strided_entry<Op, T, O>, Op::cost};
}

bool is_comparison(int fn) { return fn >= B_Equal && fn <= B_GreaterEqual; }

struct BinaryTable {
  BinaryLoops f32[B_COUNT], f64[B_COUNT];
  BinaryTable() {
#define TF_FILL(NAME, EXPR, COST)                                 \
  if (is_comparison(B_##NAME)) {                                  \
    f32[B_##NAME] = make_binary<BOp##NAME, float, uint8_t>();     \
    f64[B_##NAME] = make_binary<BOp##NAME, double, uint8_t>();    \
  } else {                                                        \
    f32[B_##NAME] = make_binary<BOp##NAME, float, float>();       \
    f64[B_##NAME] = make_binary<BOp##NAME, double, double>();     \
  }
    TF_BINARY_OPS(TF_FILL)
#undef TF_FILL
#if TF_X86
#define TF_FILL_VEC(NAME) f32[B_##NAME].vv = &vv_vec_entry<BOp##NAME, &vwrap2_##NAME>;
    TF_VEC_BINARY(TF_FILL_VEC)
#undef TF_FILL_VEC
    f32[B_GeluGrad].vv = &gelu_grad_f32_entry;
    f32[B_SigmoidGrad].vv = &double_grad_f32_entry<BOpSigmoidGrad, kSigmoidGrad512>;
    f32[B_TanhGrad].vv = &double_grad_f32_entry<BOpTanhGrad, kTanhGrad512>;
    f32[B_SquareGrad].vv = &double_grad_f32_entry<BOpSquareGrad, kSquareGrad512>;
    f32[B_TanGrad].vv = &double_grad_f32_entry<BOpTanGrad, kTanGrad512>;
    f32[B_SqrtGrad].vv = &double_grad_f32_entry<BOpSqrtGrad, kSqrtGrad512>;
    f32[B_RsqrtGrad].vv = &double_grad_f32_entry<BOpRsqrtGrad, kRsqrtGrad512>;
    f32[B_ReciprocalGrad].vv = &double_grad_f32_entry<BOpReciprocalGrad, kReciprocalGrad512>;
    f32[B_EluGrad].vv = &double_grad_f32_entry<BOpEluGrad, kEluGrad512>;
#endif
  }
};

const BinaryLoops& binary_loops(int fn, DType t) {
  static const BinaryTable table;
  return t == DType::F32 ? table.f32[fn] : table.f64[fn];
}

// Elements per thread chunk: cheap ops need large chunks to pay for the fork-join.
int64_t grain_for(int cost) { return cost == 0 ? 32768 : 4096; }

// ---- broadcasting -----------------------------------------------------------------------------

// The iteration space of a broadcast: the output's dims with, per input, its element stride
// along each dim (0 where it is broadcast). Axes of size 1 are dropped and neighbouring axes
// merged when every input walks them contiguously, so the common cases become one or two dims.
struct Plan {
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides;  // [input][dim]
};

Plan make_plan(const Shape& out, const std::vector<const Shape*>& ins) {
  const size_t rank = out.size();
  const size_t k = ins.size();
  std::vector<std::vector<int64_t>> full(k, std::vector<int64_t>(rank, 0));
  for (size_t q = 0; q < k; q++) {
    const Shape& s = *ins[q];
    int64_t st = 1;
    for (size_t i = s.size(); i-- > 0;) {
      size_t o = i + rank - s.size();
      full[q][o] = s[i] == 1 ? 0 : st;
      st *= s[i];
    }
  }
  Plan p;
  p.strides.assign(k, {});
  for (size_t d = 0; d < rank; d++) {
    if (out[d] == 1) continue;
    if (!p.dims.empty()) {
      // Merge d into the previous kept dim when, for every input, stepping the previous dim
      // equals stepping d across its whole extent.
      bool merge = true;
      for (size_t q = 0; q < k && merge; q++)
        merge = p.strides[q].back() == full[q][d] * out[d];
      if (merge) {
        p.dims.back() *= out[d];
        for (size_t q = 0; q < k; q++) p.strides[q].back() = full[q][d];
        continue;
      }
    }
    p.dims.push_back(out[d]);
    for (size_t q = 0; q < k; q++) p.strides[q].push_back(full[q][d]);
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    for (size_t q = 0; q < k; q++) p.strides[q].push_back(0);
  }
  return p;
}

// Walks output elements [begin, end) of a plan row by row; calls row(offsets, outIndex, len)
// where offsets are the inputs' element offsets at the row start.
template <class Row>
void walk(const Plan& p, int64_t begin, int64_t end, Row&& row) {
  const int r = static_cast<int>(p.dims.size());
  const size_t k = p.strides.size();
  int64_t idx[64];
  int64_t off[3] = {0, 0, 0};
  // Multi-index of `begin`.
  int64_t rem = begin;
  for (int d = r - 1; d >= 0; d--) {
    idx[d] = rem % p.dims[d];
    rem /= p.dims[d];
    for (size_t q = 0; q < k; q++) off[q] += idx[d] * p.strides[q][d];
  }
  const int64_t inner = p.dims[r - 1];
  int64_t pos = begin;
  while (pos < end) {
    int64_t len = std::min(inner - idx[r - 1], end - pos);
    row(off, pos, len);
    pos += len;
    idx[r - 1] += len;
    for (size_t q = 0; q < k; q++) off[q] += len * p.strides[q][r - 1];
    if (idx[r - 1] < inner) continue;
    for (size_t q = 0; q < k; q++) off[q] -= inner * p.strides[q][r - 1];
    idx[r - 1] = 0;
    for (int d = r - 2; d >= 0; d--) {
      idx[d]++;
      for (size_t q = 0; q < k; q++) off[q] += p.strides[q][d];
      if (idx[d] < p.dims[d]) break;
      for (size_t q = 0; q < k; q++) off[q] -= p.dims[d] * p.strides[q][d];
      idx[d] = 0;
    }
  }
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

}  // namespace

const char* const kUnaryNames[] = {
#define TF_NAME(NAME, EXPR, COST) #NAME,
    TF_UNARY_OPS(TF_NAME)
#undef TF_NAME
};
const int kNumUnary = U_COUNT;

const char* const kBinaryNames[] = {
#define TF_NAME(NAME, EXPR, COST) #NAME,
    TF_BINARY_OPS(TF_NAME)
#undef TF_NAME
};
const int kNumBinary = B_COUNT;

bool unary_bool_out(int fn) { return fn == U_IsNan || fn == U_IsFinite; }
bool binary_bool_out(int fn) { return is_comparison(fn); }

void unary(int fn, DType t, const void* x, void* y, int64_t n) {
  const UnaryEntry& e = unary_table()[fn];
  MapFn f = pick_map(e, t);
  int cost = f == e.f32 || f == e.f64 ? e.cost : 1;
  const size_t is = dtype_size(t);
  const size_t os = e.boolOut ? 1 : is;
  parallel_for(n, grain_for(cost), [&](int64_t b, int64_t end) {
    f(static_cast<const char*>(x) + b * is, static_cast<char*>(y) + b * os, end - b);
  });
}

UnarySpan unary_span(int fn, DType t) {
  return pick_map(unary_table()[fn], t);
}

int unary_cost(int fn) { return unary_table()[fn].cost; }

BinarySpans binary_spans(int fn, DType t) {
  const BinaryLoops& L = binary_loops(fn, t);
  return BinarySpans{L.vv, L.vs, L.sv, L.cost};
}

namespace {

// dst[i*len + j] = col[i] for i < rows, j < len, for elements of es bytes (4 or 8).
template <class W>
void spread_rows_t(const W* col, int64_t rows, int64_t len, W* dst) {
  for (int64_t i = 0; i < rows; i++) std::fill(dst + i * len, dst + (i + 1) * len, col[i]);
}

void spread_rows(size_t es, const char* col, int64_t rows, int64_t len, char* dst) {
  if (es == 8)
    spread_rows_t(reinterpret_cast<const uint64_t*>(col), rows, len, reinterpret_cast<uint64_t*>(dst));
  else
    spread_rows_t(reinterpret_cast<const uint32_t*>(col), rows, len, reinterpret_cast<uint32_t*>(dst));
}

}  // namespace

void binary(int fn, DType t, const void* a, const Shape& as, const void* b, const Shape& bs,
            void* out, const Shape& os) {
  const int64_t n = numel(os);
  if (n == 0) return;
  const BinaryLoops& L = binary_loops(fn, t);
  const size_t es = dtype_size(t);
  const size_t oes = is_comparison(fn) ? 1 : es;
  const char* pa = static_cast<const char*>(a);
  const char* pb = static_cast<const char*>(b);
  char* po = static_cast<char*>(out);
  const int64_t na = numel(as), nb = numel(bs);
  // Fast paths: same shape, or one side a single value.
  if (na == n && nb == n && as == bs) {
    parallel_for(n, grain_for(L.cost), [&](int64_t s, int64_t e) {
      L.vv(pa + s * es, pb + s * es, po + s * oes, e - s);
    });
    return;
  }
  if (nb == 1 && na == n) {
    parallel_for(n, grain_for(L.cost), [&](int64_t s, int64_t e) {
      L.vs(pa + s * es, pb, po + s * oes, e - s);
    });
    return;
  }
  if (na == 1 && nb == n) {
    parallel_for(n, grain_for(L.cost), [&](int64_t s, int64_t e) {
      L.sv(pa, pb + s * es, po + s * oes, e - s);
    });
    return;
  }
  Plan p = make_plan(os, {&as, &bs});
  const int64_t sa = p.strides[0].back(), sb = p.strides[1].back();
  // A short row broadcast against full rows ([rows, len] op [len], len small, as a bias or a
  // scale): one call per row would cost more than the row. The row is tiled into a buffer of a
  // few hundred elements once, and runs of whole rows go through the vector loop together.
  if (p.dims.size() == 2 && p.dims[1] < 256) {
    const int64_t rows = p.dims[0], len = p.dims[1];
    const bool aRow = p.strides[0][0] == 0 && sa == 1 && p.strides[1][0] == len && sb == 1;
    const bool bRow = p.strides[1][0] == 0 && sb == 1 && p.strides[0][0] == len && sa == 1;
    if (aRow || bRow) {
      const int64_t rep = std::max<int64_t>(1, 1024 / len);
      std::vector<char> tiled(static_cast<size_t>(rep * len) * es);
      const char* row = aRow ? pa : pb;
      for (int64_t k = 0; k < rep; k++)
        std::memcpy(tiled.data() + k * len * es, row, static_cast<size_t>(len) * es);
      const char* full = aRow ? pb : pa;
      parallel_for(rows, std::max<int64_t>(1, grain_for(L.cost) / len), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r += rep) {
          const int64_t m = std::min(rep, r1 - r) * len;
          const char* f = full + r * len * es;
          char* o = po + r * len * oes;
          if (aRow)
            L.vv(tiled.data(), f, o, m);
          else
            L.vv(f, tiled.data(), o, m);
        }
      });
      return;
    }
    // A column broadcast against short full rows ([rows, len] op [rows, 1], as a layer norm's
    // mean or scale): each row's one value is spread over a buffer of a few hundred elements,
    // row after row, and whole runs of rows go through the vector loop together (one call per
    // row would cost more than the row).
    const bool aCol = p.strides[0][0] == 1 && sa == 0 && p.strides[1][0] == len && sb == 1;
    const bool bCol = p.strides[1][0] == 1 && sb == 0 && p.strides[0][0] == len && sa == 1;
    if (aCol || bCol) {
      const int64_t rep = std::max<int64_t>(1, 1024 / len);
      const char* col = aCol ? pa : pb;
      const char* full = aCol ? pb : pa;
      parallel_for(rows, std::max<int64_t>(1, grain_for(L.cost) / len), [&](int64_t r0, int64_t r1) {
        std::vector<char> spread(static_cast<size_t>(rep * len) * es);
        for (int64_t r = r0; r < r1; r += rep) {
          const int64_t k = std::min(rep, r1 - r), m = k * len;
          spread_rows(es, col + r * es, k, len, spread.data());
          const char* f = full + r * len * es;
          char* o = po + r * len * oes;
          if (aCol)
            L.vv(spread.data(), f, o, m);
          else
            L.vv(f, spread.data(), o, m);
        }
      });
      return;
    }
  }
  parallel_for(n, grain_for(L.cost), [&](int64_t s, int64_t e) {
    walk(p, s, e, [&](const int64_t* off, int64_t o, int64_t len) {
      const char* ra = pa + off[0] * es;
      const char* rb = pb + off[1] * es;
      char* ro = po + o * oes;
      if (sa == 1 && sb == 1)
        L.vv(ra, rb, ro, len);
      else if (sa == 1 && sb == 0)
        L.vs(ra, rb, ro, len);
      else if (sa == 0 && sb == 1)
        L.sv(ra, rb, ro, len);
      else
        L.strided(ra, sa, rb, sb, ro, len);
    });
  });
}

namespace {

// Branch-free select on the element's bits: m is all ones where cond holds. Random conditions
// would mispredict a branch half of the time; the mask form also vectorizes.
template <class E>
TF_INLINE E pick(uint8_t c, E x, E y) {
  const E m = static_cast<E>(0) - static_cast<E>(c != 0);
  return static_cast<E>((x & m) | (y & ~m));
}

#define TF_DEFINE_SELECT(SUFFIX, ATTR)                                                        \
  template <class E>                                                                          \
  ATTR void select_row_##SUFFIX(const uint8_t* TF_RESTRICT c, int64_t sc,                     \
                                const E* TF_RESTRICT x, int64_t sx, const E* TF_RESTRICT y,   \
                                int64_t sy, E* TF_RESTRICT o, int64_t n) {                    \
    if (sc == 1 && sx == 1 && sy == 1) {                                                      \
      for (int64_t i = 0; i < n; i++) o[i] = pick(c[i], x[i], y[i]);                          \
    } else if (sc == 1 && sx == 1 && sy == 0) {                                               \
      const E yv = *y;                                                                        \
      for (int64_t i = 0; i < n; i++) o[i] = pick(c[i], x[i], yv);                            \
    } else if (sc == 1 && sx == 0 && sy == 1) {                                               \
      const E xv = *x;                                                                        \
      for (int64_t i = 0; i < n; i++) o[i] = pick(c[i], xv, y[i]);                            \
    } else {                                                                                  \
      for (int64_t i = 0; i < n; i++) o[i] = pick(c[i * sc], x[i * sx], y[i * sy]);           \
    }                                                                                         \
  }
TF_DEFINE_SELECT(generic, )
#if TF_X86
TF_DEFINE_SELECT(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_SELECT

template <class E>
void select_rows(const Plan& p, const uint8_t* c, const E* x, const E* y, E* out, int64_t n) {
  const int64_t sc = p.strides[0].back(), sx = p.strides[1].back(), sy = p.strides[2].back();
  parallel_for(n, 32768, [&](int64_t s, int64_t e) {
    walk(p, s, e, [&](const int64_t* off, int64_t o, int64_t len) {
#if TF_X86
      if (isa() == Isa::Avx2)
        return select_row_avx2(c + off[0], sc, x + off[1], sx, y + off[2], sy, out + o, len);
#endif
      select_row_generic(c + off[0], sc, x + off[1], sx, y + off[2], sy, out + o, len);
    });
  });
}

}  // namespace

void select(const uint8_t* cond, const Shape& cs, const void* x, const Shape& xs, const void* y,
            const Shape& ys, void* out, const Shape& os, size_t elem) {
  const int64_t n = numel(os);
  if (n == 0) return;
  Plan p = make_plan(os, {&cs, &xs, &ys});
  // Only the element width matters to a select: move 1, 4 or 8 byte words.
  switch (elem) {
    case 1:
      return select_rows(p, cond, static_cast<const uint8_t*>(x), static_cast<const uint8_t*>(y),
                         static_cast<uint8_t*>(out), n);
    case 4:
      return select_rows(p, cond, static_cast<const uint32_t*>(x),
                         static_cast<const uint32_t*>(y), static_cast<uint32_t*>(out), n);
    default:
      return select_rows(p, cond, static_cast<const uint64_t*>(x),
                         static_cast<const uint64_t*>(y), static_cast<uint64_t*>(out), n);
  }
}

namespace {

// JS ToInt32 of trunc(v): NaN and infinities give 0, the rest wraps modulo 2^32.
TF_INLINE int32_t to_int32(double v) {
  if (!std::isfinite(v)) return 0;
  double t = std::trunc(v);
  if (!(std::fabs(t) < 9.2e18)) t = std::fmod(t, 4294967296.0);
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(t)));
}

template <class S, class D>
void convert(const S* x, D* y, int64_t n) {
  parallel_for(n, 65536, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      if constexpr (std::is_same<D, uint8_t>::value) {
        y[i] = x[i] != 0 ? 1 : 0;
      } else if constexpr (std::is_same<D, int32_t>::value &&
                           !std::is_integral<S>::value) {
        y[i] = to_int32(static_cast<double>(x[i]));
      } else {
        y[i] = static_cast<D>(x[i]);
      }
    }
  });
}

template <class S>
void convert_from(const S* x, DType to, void* out, int64_t n) {
  switch (to) {
    case DType::F32:
      return convert(x, static_cast<float*>(out), n);
    case DType::F64:
      return convert(x, static_cast<double*>(out), n);
    case DType::I32:
      return convert(x, static_cast<int32_t*>(out), n);
    case DType::U8:
      return convert(x, static_cast<uint8_t*>(out), n);
  }
}

}  // namespace

void cast(DType from, const void* x, DType to, void* out, int64_t n) {
  switch (from) {
    case DType::F32:
      return convert_from(static_cast<const float*>(x), to, out, n);
    case DType::F64:
      return convert_from(static_cast<const double*>(x), to, out, n);
    case DType::I32:
      return convert_from(static_cast<const int32_t*>(x), to, out, n);
    case DType::U8:
      return convert_from(static_cast<const uint8_t*>(x), to, out, n);
  }
}

}  // namespace tf
