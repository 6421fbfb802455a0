// Top-k and full sorts of rows (TopKV2, and through it tf.sort / tf.argsort): each row's
// (value, index) pairs are ordered by value descending, NaN first, equal values by index, a
// strict total order, so std::sort / std::partial_sort give TensorFlow's (stable) result.
// Threads take whole rows; a single long row is sorted in parallel chunks that are merged.
#include <algorithm>
#include <cmath>
#include <vector>

#include "special.h"
#include "threadpool.h"

namespace tf {

namespace {

template <typename T>
struct Item {
  T v;
  int32_t i;
};

template <typename T>
inline bool is_nan(T v) {
  return v != v;  // never true for int32
}

// a ranks before b
template <typename T>
inline bool before(const Item<T>& a, const Item<T>& b) {
  const bool an = is_nan(a.v), bn = is_nan(b.v);
  if (an || bn) return an && bn ? a.i < b.i : an;
  if (a.v != b.v) return a.v > b.v;
  return a.i < b.i;
}

template <typename T>
void top_k_row(const T* x, int64_t n, int64_t k, T* values, int32_t* indices,
               std::vector<Item<T>>& buf) {
  buf.resize(n);
  for (int64_t i = 0; i < n; i++) buf[i] = Item<T>{x[i], static_cast<int32_t>(i)};
  if (k == 1) {
    auto it = std::min_element(buf.begin(), buf.end(), before<T>);
    values[0] = it->v;
    indices[0] = it->i;
    return;
  }
  if (k < n)
    std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), before<T>);
  else
    std::sort(buf.begin(), buf.end(), before<T>);
  for (int64_t j = 0; j < k; j++) {
    values[j] = buf[j].v;
    indices[j] = buf[j].i;
  }
}

// One long row sorted whole: chunks sorted by the threads, then merged pairwise.
template <typename T>
void sort_long_row(const T* x, int64_t n, int64_t k, T* values, int32_t* indices, int threads) {
  std::vector<Item<T>> buf(n), tmp(n);
  for (int64_t i = 0; i < n; i++) buf[i] = Item<T>{x[i], static_cast<int32_t>(i)};
  std::vector<int64_t> cut(threads + 1);
  for (int t = 0; t <= threads; t++) cut[t] = n * t / threads;
  ThreadPool::get().run(threads, [&](int64_t t, int) {
    std::sort(buf.begin() + cut[t], buf.begin() + cut[t + 1], before<T>);
  });
  for (int64_t width = 1; width < threads; width *= 2) {
    const int64_t pairs = (threads + 2 * width - 1) / (2 * width);
    ThreadPool::get().run(pairs, [&](int64_t p, int) {
      const int64_t lo = cut[std::min<int64_t>(threads, 2 * width * p)];
      const int64_t mid = cut[std::min<int64_t>(threads, 2 * width * p + width)];
      const int64_t hi = cut[std::min<int64_t>(threads, 2 * width * p + 2 * width)];
      std::merge(buf.begin() + lo, buf.begin() + mid, buf.begin() + mid, buf.begin() + hi,
                 tmp.begin() + lo, before<T>);
    });
    buf.swap(tmp);
  }
  for (int64_t j = 0; j < k; j++) {
    values[j] = buf[j].v;
    indices[j] = buf[j].i;
  }
}

template <typename T>
void top_k_t(const T* x, int64_t rows, int64_t n, int64_t k, T* values, int32_t* indices) {
  ThreadPool& pool = ThreadPool::get();
  const int threads = rows * n < 16384 ? 1 : pool.size();
  if (rows == 1 && threads > 1 && k * 4 > n && n >= 65536) {
    sort_long_row(x, n, k, values, indices, threads);
    return;
  }
  if (threads <= 1 || rows == 1) {
    std::vector<Item<T>> buf;
    for (int64_t r = 0; r < rows; r++) top_k_row(x + r * n, n, k, values + r * k, indices + r * k, buf);
    return;
  }
  const int64_t tasks = std::min<int64_t>(rows, threads * 4);
  pool.run(tasks, [&](int64_t t, int) {
    std::vector<Item<T>> buf;
    const int64_t r0 = rows * t / tasks, r1 = rows * (t + 1) / tasks;
    for (int64_t r = r0; r < r1; r++)
      top_k_row(x + r * n, n, k, values + r * k, indices + r * k, buf);
  });
}

}  // namespace

void top_k(DType t, const void* x, int64_t rows, int64_t n, int64_t k, void* values,
           int32_t* indices) {
  if (k == 0 || rows == 0) return;
  switch (t) {
    case DType::F32:
      return top_k_t(static_cast<const float*>(x), rows, n, k, static_cast<float*>(values),
                     indices);
    case DType::F64:
      return top_k_t(static_cast<const double*>(x), rows, n, k, static_cast<double*>(values),
                     indices);
    case DType::I32:
      return top_k_t(static_cast<const int32_t*>(x), rows, n, k, static_cast<int32_t*>(values),
                     indices);
    case DType::U8:
      return;
  }
}

}  // namespace tf
