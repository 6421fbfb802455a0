// Fused optimizer updates (perf.h): one pass over a variable instead of eight elementwise ops.
#include <cmath>

#include "common.h"
#include "perf.h"
#include "threadpool.h"

// Each step rounds on its own, as the JS ops do (no fused multiply-adds): the fused update gives
// the unfused one's values bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace tf {

namespace {

#define TF_DEFINE_ADAM(SUFFIX, ATTR)                                                            \
  template <class T>                                                                            \
  ATTR void adam_##SUFFIX(const T* TF_RESTRICT var, const T* TF_RESTRICT m,                     \
                          const T* TF_RESTRICT v, const T* TF_RESTRICT g, T* TF_RESTRICT ovar,  \
                          T* TF_RESTRICT om, T* TF_RESTRICT ov, int64_t n, T alpha, T c1, T c2, \
                          T eps) {                                                              \
    for (int64_t i = 0; i < n; i++) {                                                           \
      const T gi = g[i];                                                                        \
      const T mi = m[i] + (gi - m[i]) * c1;                                                     \
      const T vi = v[i] + (gi * gi - v[i]) * c2;                                                \
      om[i] = mi;                                                                               \
      ov[i] = vi;                                                                               \
      ovar[i] = var[i] - (mi * alpha) / (std::sqrt(vi) + eps);                                  \
    }                                                                                           \
  }
TF_DEFINE_ADAM(generic, )
#if TF_X86
TF_DEFINE_ADAM(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_ADAM

template <class T>
void adam(const void* var, const void* m, const void* v, const void* g, void* ovar, void* om,
          void* ov, int64_t n, double alpha, double beta1, double beta2, double eps) {
  // The constants as the JS ops see them: numbers converted to the variable's dtype.
  const T a = static_cast<T>(alpha), c1 = static_cast<T>(1 - beta1),
          c2 = static_cast<T>(1 - beta2), e = static_cast<T>(eps);
  const T* pv = static_cast<const T*>(var);
  const T* pm = static_cast<const T*>(m);
  const T* ps = static_cast<const T*>(v);
  const T* pg = static_cast<const T*>(g);
  T* qv = static_cast<T*>(ovar);
  T* qm = static_cast<T*>(om);
  T* qs = static_cast<T*>(ov);
  parallel_for(n, 16384, [&](int64_t b, int64_t end) {
#if TF_X86
    if (isa() == Isa::Avx2)
      return adam_avx2<T>(pv + b, pm + b, ps + b, pg + b, qv + b, qm + b, qs + b, end - b, a, c1,
                          c2, e);
#endif
    adam_generic<T>(pv + b, pm + b, ps + b, pg + b, qv + b, qm + b, qs + b, end - b, a, c1, c2,
                    e);
  });
}

// SGD with momentum, Keras's rule: vel' = vel m - g lr; var' = var + vel', or with Nesterov
// var' = var + (vel' m - g lr).
#define TF_DEFINE_SGD(SUFFIX, ATTR)                                                           \
  template <class T>                                                                          \
  ATTR void sgd_##SUFFIX(const T* TF_RESTRICT var, const T* TF_RESTRICT vel,                  \
                         const T* TF_RESTRICT g, T* TF_RESTRICT ovar, T* TF_RESTRICT ovel,    \
                         int64_t n, T lr, T mom, bool nesterov) {                             \
    if (nesterov) {                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                       \
        const T step = g[i] * lr;                                                             \
        const T nv = vel[i] * mom - step;                                                     \
        ovel[i] = nv;                                                                         \
        ovar[i] = var[i] + (nv * mom - step);                                                 \
      }                                                                                       \
    } else {                                                                                  \
      for (int64_t i = 0; i < n; i++) {                                                       \
        const T nv = vel[i] * mom - g[i] * lr;                                                \
        ovel[i] = nv;                                                                         \
        ovar[i] = var[i] + nv;                                                                \
      }                                                                                       \
    }                                                                                         \
  }
TF_DEFINE_SGD(generic, )
#if TF_X86
TF_DEFINE_SGD(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_SGD

template <class T>
void sgd(const void* var, const void* vel, const void* g, void* ovar, void* ovel, int64_t n,
         double lr, double momentum, bool nesterov) {
  const T a = static_cast<T>(lr), m = static_cast<T>(momentum);
  const T* pv = static_cast<const T*>(var);
  const T* pm = static_cast<const T*>(vel);
  const T* pg = static_cast<const T*>(g);
  T* qv = static_cast<T*>(ovar);
  T* qm = static_cast<T*>(ovel);
  parallel_for(n, 32768, [&](int64_t b, int64_t end) {
#if TF_X86
    if (isa() == Isa::Avx2)
      return sgd_avx2<T>(pv + b, pm + b, pg + b, qv + b, qm + b, end - b, a, m, nesterov);
#endif
    sgd_generic<T>(pv + b, pm + b, pg + b, qv + b, qm + b, end - b, a, m, nesterov);
  });
}

}  // namespace

void sgd_momentum_update(bool f32, const void* var, const void* vel, const void* g, void* ovar,
                         void* ovel, int64_t n, double lr, double momentum, bool nesterov) {
  if (f32)
    sgd<float>(var, vel, g, ovar, ovel, n, lr, momentum, nesterov);
  else
    sgd<double>(var, vel, g, ovar, ovel, n, lr, momentum, nesterov);
}

void adam_update(bool f32, const void* var, const void* m, const void* v, const void* g,
                 void* ovar, void* om, void* ov, int64_t n, double alpha, double beta1,
                 double beta2, double eps) {
  if (f32)
    adam<float>(var, m, v, g, ovar, om, ov, n, alpha, beta1, beta2, eps);
  else
    adam<double>(var, m, v, g, ovar, om, ov, n, alpha, beta1, beta2, eps);
}

}  // namespace tf
