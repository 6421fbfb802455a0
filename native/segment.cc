// Unsorted segment sum (the kernel of tf.math.unsortedSegmentSum and segmentSum, and of
// gather's gradient): threads split the output, never the rows, so each output element is
// summed by one thread in row order and the result is the sequential one, bit for bit.
#include <algorithm>
#include <cstring>

#include "special.h"
#include "threadpool.h"

namespace tf {

namespace {

// d += s; int32 wraps modulo 2^32 (as TensorFlow's and the JS loop's Int32Array store do)
// without signed overflow.
template <typename T>
inline void acc(T& d, T s) {
  d += s;
}
template <>
inline void acc<int32_t>(int32_t& d, int32_t s) {
  d = static_cast<int32_t>(static_cast<uint32_t>(d) + static_cast<uint32_t>(s));
}

template <typename T>
void segment_sum_t(const T* data, const int32_t* ids, int64_t rows, int64_t inner, T* out) {
  ThreadPool& pool = ThreadPool::get();
  const int64_t work = rows * inner;
  const int threads = work < 32768 ? 1 : pool.size();
  if (threads <= 1) {
    for (int64_t i = 0; i < rows; i++) {
      const int32_t id = ids[i];
      if (id < 0) continue;
      const T* src = data + i * inner;
      T* dst = out + static_cast<int64_t>(id) * inner;
      for (int64_t c = 0; c < inner; c++) acc(dst[c], src[c]);
    }
    return;
  }
  // Split the columns when rows are wide, else the segment ids: a task scans every id and
  // adds the rows whose segment falls in its range.
  int32_t max_id = -1;
  for (int64_t i = 0; i < rows; i++) max_id = std::max(max_id, ids[i]);
  const int64_t segs = static_cast<int64_t>(max_id) + 1;
  if (inner >= 256 || segs < threads) {
    const int64_t tasks = std::min<int64_t>(threads, std::max<int64_t>(1, inner / 16));
    pool.run(tasks, [&](int64_t t, int) {
      const int64_t c0 = inner * t / tasks, c1 = inner * (t + 1) / tasks;
      for (int64_t i = 0; i < rows; i++) {
        const int32_t id = ids[i];
        if (id < 0) continue;
        const T* src = data + i * inner;
        T* dst = out + static_cast<int64_t>(id) * inner;
        for (int64_t c = c0; c < c1; c++) acc(dst[c], src[c]);
      }
    });
    return;
  }
  pool.run(threads, [&](int64_t t, int) {
    const int64_t s0 = segs * t / threads, s1 = segs * (t + 1) / threads;
    for (int64_t i = 0; i < rows; i++) {
      const int64_t id = ids[i];
      if (id < s0 || id >= s1) continue;
      const T* src = data + i * inner;
      T* dst = out + id * inner;
      for (int64_t c = 0; c < inner; c++) acc(dst[c], src[c]);
    }
  });
}

}  // namespace

void unsorted_segment_sum(DType t, const void* data, const int32_t* ids, int64_t rows,
                          int64_t inner, void* out) {
  switch (t) {
    case DType::F32:
      return segment_sum_t(static_cast<const float*>(data), ids, rows, inner,
                           static_cast<float*>(out));
    case DType::F64:
      return segment_sum_t(static_cast<const double*>(data), ids, rows, inner,
                           static_cast<double*>(out));
    case DType::I32:
      return segment_sum_t(static_cast<const int32_t*>(data), ids, rows, inner,
                           static_cast<int32_t*>(out));
    case DType::U8:
      return;
  }
}

}  // namespace tf
