// dropout_apply (dropout.h).
#include "dropout.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "threadpool.h"

namespace tf {

namespace {

template <class T>
void span(const T* __restrict x, const T* __restrict u, T* __restrict y, int64_t n, T rate,
          T scale) {
  // A compare and a bit mask, no branch: the mask is random, and a branch would mispredict on
  // about half the elements. (x * scale is formed unconditionally, so the compiler vectorizes
  // the loop; a select of it would be a conditional load.) Dropped elements are +0 even where x
  // is NaN or infinite, as the composite's select gives.
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  for (int64_t i = 0; i < n; i++) {
    const T v = x[i] * scale;
    Bits bits;
    std::memcpy(&bits, &v, sizeof(T));
    bits &= Bits(0) - static_cast<Bits>(u[i] >= rate);
    std::memcpy(y + i, &bits, sizeof(T));
  }
}

template <class T>
void run(const T* x, const T* u, T* y, int64_t n, T rate, T scale) {
  // Below ~64K elements one thread is faster than waking the pool.
  parallel_for(n, 65536, [&](int64_t i0, int64_t i1) {
    span(x + i0, u + i0, y + i0, i1 - i0, rate, scale);
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
