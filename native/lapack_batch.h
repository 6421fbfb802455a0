// Shared by the factorization files (lapack.cc, lapack_spectral.cc): one matrix per task.
#pragma once

#include <cstdint>

#include "threadpool.h"

namespace tf {

// Runs fn(b) for every batch member, over the pool when there is enough work (work_each: the
// flops of one member).
template <typename F>
void over_batch(int64_t batch, double work_each, F fn) {
  ThreadPool& pool = ThreadPool::get();
  if (batch <= 1 || work_each * static_cast<double>(batch) < 20000 || pool.size() <= 1) {
    for (int64_t b = 0; b < batch; b++) fn(b);
    return;
  }
  pool.run(batch, [&](int64_t b, int) { fn(b); });
}

}  // namespace tf
