// dropout_apply (dropout.h).
#include "dropout.h"

#include "threadpool.h"

namespace tf {

namespace {

template <class T>
void run(const T* x, const T* u, T* y, int64_t n, T rate, T scale) {
  // Below ~64K elements one thread is faster than waking the pool.
  parallel_for(n, 65536, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) y[i] = u[i] >= rate ? x[i] * scale : T(0);
  });
}

}  // namespace

void dropout_apply(bool f32, const void* x, const void* u, void* y, int64_t n, double rate,
                   double scale) {
  if (f32)
    run(static_cast<const float*>(x), static_cast<const float*>(u), static_cast<float*>(y), n,
        static_cast<float>(rate), static_cast<float>(scale));
  else
    run(static_cast<const double*>(x), static_cast<const double*>(u), static_cast<double*>(y), n,
        rate, scale);
}

}  // namespace tf
