// Movement kernels (movement2.h): strided copies, concat / split, gather, segment sums,
// one-hot and mirror padding. Copies work on elements as 1-, 4- or 8-byte words, so one
// instantiation serves every dtype of that width.
#include "movement2.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common.h"
#include "copy_long.h"
#include "copy_run.h"
#include "threadpool.h"

namespace tf {

namespace {

// Rows of at least this many bytes in a parallel chunk: below it a thread's wake-up costs more
// than the copy.
constexpr int64_t kChunkBytes = 64 * 1024;

struct CopyPlan {
  std::vector<int64_t> dims, s, d;
};

CopyPlan copy_plan(const Shape& dims, const std::vector<int64_t>& s, const std::vector<int64_t>& d) {
  CopyPlan p;
  for (size_t a = 0; a < dims.size(); a++) {
    if (dims[a] == 1) continue;
    if (!p.dims.empty() && p.s.back() == s[a] * dims[a] && p.d.back() == d[a] * dims[a]) {
      p.dims.back() *= dims[a];
      p.s.back() = s[a];
      p.d.back() = d[a];
      continue;
    }
    p.dims.push_back(dims[a]);
    p.s.push_back(s[a]);
    p.d.push_back(d[a]);
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    p.s.push_back(0);
    p.d.push_back(0);
  }
  return p;
}

// One row: len elements read with stride ss and written with stride ds.
template <class E>
inline void copy_run(const E* in, int64_t ss, E* out, int64_t ds, int64_t len) {
  if (ss == 1 && ds == 1)
    copy_long(out, in, static_cast<size_t>(len) * sizeof(E));
  else if (ss == 0 && ds == 1)
    std::fill(out, out + len, *in);
  else
    for (int64_t i = 0; i < len; i++) out[i * ds] = in[i * ss];
}

template <class E>
void copy_rows(const CopyPlan& p, const E* src, E* dst) {
  const size_t r = p.dims.size();
  const int64_t len = p.dims[r - 1], ss = p.s[r - 1], ds = p.d[r - 1];
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < r; a++) rows *= p.dims[a];
  // Few long rows (a broadcast of one value, a slice of a long vector): the threads share
  // 64 KB segments of the rows instead.
  const int64_t seg = std::max<int64_t>(1, kChunkBytes / static_cast<int64_t>(sizeof(E)));
  if (rows < 4 * ThreadPool::get().size() && len > 2 * seg) {
    const int64_t segs = (len + seg - 1) / seg;
    parallel_for(rows * segs, 1, [&](int64_t b, int64_t e) {
      for (int64_t u = b; u < e; u++) {
        const int64_t row = u / segs, i0 = (u % segs) * seg, i1 = std::min(len, i0 + seg);
        int64_t so = 0, dof = 0, rem = row;
        for (size_t a = r - 1; a-- > 0;) {
          const int64_t q = rem % p.dims[a];
          rem /= p.dims[a];
          so += q * p.s[a];
          dof += q * p.d[a];
        }
        copy_run(src + so + i0 * ss, ss, dst + dof + i0 * ds, ds, i1 - i0);
      }
    });
    return;
  }
  const int64_t grain =
      std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, len * static_cast<int64_t>(sizeof(E))));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    // The multi-index of row b over the outer axes, then an odometer.
    int64_t idx[64];
    int64_t so = 0, dof = 0, rem = b;
    for (size_t a = r - 1; a-- > 0;) {
      idx[a] = rem % p.dims[a];
      rem /= p.dims[a];
      so += idx[a] * p.s[a];
      dof += idx[a] * p.d[a];
    }
    for (int64_t row = b; row < e; row++) {
      copy_run(src + so, ss, dst + dof, ds, len);
      for (size_t a = r - 1; a-- > 0;) {
        so += p.s[a];
        dof += p.d[a];
        if (++idx[a] < p.dims[a]) break;
        so -= p.dims[a] * p.s[a];
        dof -= p.dims[a] * p.d[a];
        idx[a] = 0;
      }
    }
  });
}

// Copies of whole runs, cut into 64 KB pieces shared out over the threads: concat and split
// of a few long rows (a first-axis concat is one row per input) would otherwise be one
// thread's memcpy.
struct Run {
  char* dst;
  const char* src;
  size_t bytes;
};

void copy_runs(const std::vector<Run>& runs) {
  std::vector<Run> pieces;
  for (const Run& r : runs)
    for (size_t off = 0; off < r.bytes; off += kChunkBytes)
      pieces.push_back({r.dst + off, r.src + off, std::min<size_t>(kChunkBytes, r.bytes - off)});
  parallel_for(static_cast<int64_t>(pieces.size()), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) std::memcpy(pieces[i].dst, pieces[i].src, pieces[i].bytes);
  });
}

// Few rows, many bytes: copy_runs is the better split.
bool few_long_rows(int64_t outer, int64_t rowBytes) {
  return outer < 4 * ThreadPool::get().size() && outer * rowBytes >= 4 * kChunkBytes;
}

template <class F>
void by_width(size_t elem, F&& f) {
  switch (elem) {
    case 1:
      return f(uint8_t{});
    case 4:
      return f(uint32_t{});
    default:
      return f(uint64_t{});
  }
}

}  // namespace

void strided_copy(size_t elem, const void* src, int64_t srcBase, const std::vector<int64_t>& srcSt,
                  void* dst, int64_t dstBase, const std::vector<int64_t>& dstSt,
                  const Shape& dims) {
  for (int64_t d : dims)
    if (d == 0) return;
  const CopyPlan p = copy_plan(dims, srcSt, dstSt);
  by_width(elem, [&](auto w) {
    using E = decltype(w);
    copy_rows(p, static_cast<const E*>(src) + srcBase, static_cast<E*>(dst) + dstBase);
  });
}

void concat(size_t elem, const std::vector<const void*>& xs, int64_t outer,
            const std::vector<int64_t>& inners, void* out) {
  int64_t total = 0;
  for (int64_t n : inners) total += n;
  if (outer == 0 || total == 0) return;
  const int64_t rowBytes = total * static_cast<int64_t>(elem);
  if (few_long_rows(outer, rowBytes)) {
    std::vector<Run> runs;
    char* o = static_cast<char*>(out);
    for (int64_t row = 0; row < outer; row++)
      for (size_t k = 0; k < xs.size(); k++) {
        const size_t bytes = static_cast<size_t>(inners[k]) * elem;
        runs.push_back({o, static_cast<const char*>(xs[k]) + row * bytes, bytes});
        o += bytes;
      }
    return copy_runs(runs);
  }
  const int64_t grain = std::max<int64_t>(1, kChunkBytes / rowBytes);
  parallel_for(outer, grain, [&](int64_t b, int64_t e) {
    // Row by row so that out is written front to back.
    char* o = static_cast<char*>(out) + b * total * elem;
    for (int64_t row = b; row < e; row++) {
      for (size_t k = 0; k < xs.size(); k++) {
        const size_t bytes = static_cast<size_t>(inners[k]) * elem;
        if (bytes == 0) continue;
        copy_bytes(o, static_cast<const char*>(xs[k]) + row * bytes, bytes);
        o += bytes;
      }
    }
  });
}

void split(size_t elem, const void* x, int64_t outer, const std::vector<int64_t>& inners,
           const std::vector<void*>& outs) {
  int64_t total = 0;
  for (int64_t n : inners) total += n;
  if (outer == 0 || total == 0) return;
  const int64_t rowBytes = total * static_cast<int64_t>(elem);
  if (few_long_rows(outer, rowBytes)) {
    std::vector<Run> runs;
    const char* in = static_cast<const char*>(x);
    for (int64_t row = 0; row < outer; row++)
      for (size_t k = 0; k < outs.size(); k++) {
        const size_t bytes = static_cast<size_t>(inners[k]) * elem;
        runs.push_back({static_cast<char*>(outs[k]) + row * bytes, in, bytes});
        in += bytes;
      }
    return copy_runs(runs);
  }
  const int64_t grain = std::max<int64_t>(1, kChunkBytes / rowBytes);
  parallel_for(outer, grain, [&](int64_t b, int64_t e) {
    const char* in = static_cast<const char*>(x) + b * total * elem;
    for (int64_t row = b; row < e; row++) {
      for (size_t k = 0; k < outs.size(); k++) {
        const size_t bytes = static_cast<size_t>(inners[k]) * elem;
        if (bytes == 0) continue;
        copy_bytes(static_cast<char*>(outs[k]) + row * bytes, in, bytes);
        in += bytes;
      }
    }
  });
}

void gather(size_t elem, const void* params, const int32_t* idx, int64_t batch, int64_t outer,
            int64_t axis, int64_t inner, int64_t n, void* out) {
  const int64_t rows = batch * outer * n;
  if (rows == 0 || inner == 0) return;
  const size_t bytes = static_cast<size_t>(inner) * elem;
  const int64_t grain = std::max<int64_t>(1, kChunkBytes / static_cast<int64_t>(bytes));
  const char* P = static_cast<const char*>(params);
  char* O = static_cast<char*>(out);
  if (batch == 1 && outer == 1) {
    // An embedding lookup: row r is params' row idx[r]. Its rows are random reads from a table
    // that outgrows L2, so each is prefetched kAhead rows early and the misses overlap (the
    // loop below waited on them one at a time: the op suite's 6400 rows of 128 bytes from a
    // [20000,32] table took 71 us on one thread, 45 us with the prefetch, JS call included).
    constexpr int64_t kAhead = 8;
    parallel_for(rows, grain, [P, O, idx, axis, bytes](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; row++) {
        if (row + kAhead < e) {
          // A prefetch never faults, so an index out of range only wastes it.
          const int64_t ahead = idx[row + kAhead];
          __builtin_prefetch(P + ahead * static_cast<int64_t>(bytes));
          if (bytes > 64) __builtin_prefetch(P + ahead * static_cast<int64_t>(bytes) + 64);
        }
        const int32_t k = idx[row];  // read once (data indexing)
        char* dst = O + row * static_cast<int64_t>(bytes);
        if (k < 0 || k >= axis)
          std::memset(dst, 0, bytes);
        else
          copy_bytes(dst, P + k * static_cast<int64_t>(bytes), bytes);
      }
    });
    return;
  }
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    // Row = (bo, j) with bo = (batch index, outer index); divisions only at the chunk start.
    int64_t j = b % n, bo = b / n;
    for (int64_t row = b; row < e; row++) {
      const int32_t k = idx[(outer == 1 ? bo : bo / outer) * n + j];  // read once (data indexing)
      char* dst = O + row * static_cast<int64_t>(bytes);
      if (k < 0 || k >= axis)
        std::memset(dst, 0, bytes);
      else
        copy_bytes(dst, P + (bo * axis + k) * static_cast<int64_t>(bytes), bytes);
      if (++j == n) {
        j = 0;
        bo++;
      }
    }
  });
}

namespace {

template <class T>
void segment_sum_t(const T* data, const int32_t* ids, int64_t rows, int64_t inner,
                   int64_t segments, T* out) {
  // Each task owns the segments [s0, s1) and scans every id: a task's writes touch only its
  // own rows of out, in the order of the data rows, so no two threads add to one element and
  // the sums do not depend on the thread count.
  auto body = [&](int64_t s0, int64_t s1) {
    for (int64_t r = 0; r < rows; r++) {
      const int64_t id = ids[r];
      if (id < s0 || id >= s1) continue;  // also drops negative and out-of-range ids
      const T* TF_RESTRICT src = data + r * inner;
      T* TF_RESTRICT dst = out + id * inner;
      for (int64_t k = 0; k < inner; k++) {
        if constexpr (std::is_same<T, int32_t>::value)
          dst[k] = static_cast<int32_t>(static_cast<uint32_t>(dst[k]) +
                                        static_cast<uint32_t>(src[k]));
        else
          dst[k] += src[k];
      }
    }
  };
  // Segment ranges: worthwhile once the adds outweigh every task's scan of the ids.
  const int threads = ThreadPool::get().size();
  if (threads == 1 || rows * inner < 65536 || segments < 2) {
    body(0, segments);
    return;
  }
  const int64_t tasks = std::min<int64_t>(segments, 4LL * threads);
  ThreadPool::get().run(tasks, [&](int64_t t, int) {
    body(segments * t / tasks, segments * (t + 1) / tasks);
  });
}

}  // namespace

void segment_sum(DType t, const void* data, const int32_t* ids, int64_t rows, int64_t inner,
                 int64_t segments, void* out) {
  if (rows == 0 || inner == 0 || segments == 0) return;
  switch (t) {
    case DType::F32:
      return segment_sum_t(static_cast<const float*>(data), ids, rows, inner, segments,
                           static_cast<float*>(out));
    case DType::F64:
      return segment_sum_t(static_cast<const double*>(data), ids, rows, inner, segments,
                           static_cast<double*>(out));
    default:
      return segment_sum_t(static_cast<const int32_t*>(data), ids, rows, inner, segments,
                           static_cast<int32_t*>(out));
  }
}

void one_hot(size_t elem, const int32_t* idx, int64_t outer, int64_t depth, int64_t inner,
             const void* on, const void* off, void* out) {
  by_width(elem, [&](auto w) {
    using E = decltype(w);
    E onv, offv;
    std::memcpy(&onv, on, sizeof(E));
    std::memcpy(&offv, off, sizeof(E));
    E* O = static_cast<E*>(out);
    const int64_t block = depth * inner;
    const int64_t grain = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, block * sizeof(E)));
    parallel_for(outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) {
        E* dst = O + o * block;
        std::fill(dst, dst + block, offv);
        for (int64_t i = 0; i < inner; i++) {
          const int64_t d = idx[o * inner + i];
          if (d >= 0 && d < depth) dst[d * inner + i] = onv;
        }
      }
    });
  });
}

void pad_constant(size_t elem, const void* x, const Shape& shape0,
                  const std::vector<int64_t>& before0, const void* value, void* out,
                  const Shape& outShape0) {
  int64_t total = 1;
  for (int64_t d : outShape0) total *= d;
  if (total == 0) return;
  // An axis with no padding merges into the axis before it (their extents agree in x and out).
  Shape shape, outShape;
  std::vector<int64_t> before;
  for (size_t a = 0; a < shape0.size(); a++) {
    if (a > 0 && shape0[a] == outShape0[a]) {
      shape.back() *= shape0[a];
      outShape.back() *= shape0[a];
      before.back() *= shape0[a];
      continue;
    }
    shape.push_back(shape0[a]);
    outShape.push_back(outShape0[a]);
    before.push_back(before0[a]);
  }
  const size_t r = shape.size();
  by_width(elem, [&](auto w) {
    using E = decltype(w);
    E v;
    std::memcpy(&v, value, sizeof(E));
    const E* X = static_cast<const E*>(x);
    E* O = static_cast<E*>(out);
    if (r == 0) {
      O[0] = X[0];
      return;
    }
    std::vector<int64_t> xst(r, 1);
    for (size_t a = r; a-- > 1;) xst[a - 1] = xst[a] * shape[a];
    const int64_t inner = outShape[r - 1], len = shape[r - 1], lo = before[r - 1];
    const int64_t rows = total / inner;
    const int64_t grain = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, inner * sizeof(E)));
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      // The multi-index of output row b over the outer axes, then an odometer; `outside`
      // counts the axes whose index lies in the padding.
      int64_t idx[64];
      int64_t off = 0, outside = 0, rem = b;
      auto in_x = [&](size_t a) { return idx[a] >= before[a] && idx[a] < before[a] + shape[a]; };
      for (size_t a = r - 1; a-- > 0;) {
        idx[a] = rem % outShape[a];
        rem /= outShape[a];
        off += (idx[a] - before[a]) * xst[a];
        outside += in_x(a) ? 0 : 1;
      }
      for (int64_t row = b; row < e; row++) {
        E* dst = O + row * inner;
        if (outside > 0 || len == 0) {
          std::fill(dst, dst + inner, v);
        } else {
          std::fill(dst, dst + lo, v);
          std::memcpy(dst + lo, X + off, static_cast<size_t>(len) * sizeof(E));
          std::fill(dst + lo + len, dst + inner, v);
        }
        for (size_t a = r - 1; a-- > 0;) {
          outside -= in_x(a) ? 0 : 1;
          off += xst[a];
          if (++idx[a] < outShape[a]) {
            outside += in_x(a) ? 0 : 1;
            break;
          }
          off -= outShape[a] * xst[a];
          idx[a] = 0;
          outside += in_x(a) ? 0 : 1;
        }
      }
    });
  });
}

namespace {

// Per axis, the source offset (index times stride) of each padded output index.
std::vector<std::vector<int64_t>> mirror_maps(const Shape& shape, const std::vector<int64_t>& before,
                                              bool symmetric, const Shape& outShape) {
  const size_t r = shape.size();
  std::vector<int64_t> st(r, 1);
  for (size_t a = r; a-- > 1;) st[a - 1] = st[a] * shape[a];
  std::vector<std::vector<int64_t>> maps(r);
  for (size_t a = 0; a < r; a++) {
    const int64_t n = shape[a];
    maps[a].resize(static_cast<size_t>(outShape[a]));
    for (int64_t j = 0; j < outShape[a]; j++) {
      int64_t k = j - before[a];
      if (k < 0) k = symmetric ? -k - 1 : -k;
      else if (k >= n) k = symmetric ? 2 * n - 1 - k : 2 * n - 2 - k;
      maps[a][j] = k * st[a];
    }
  }
  return maps;
}

// Calls row(srcOffset, outRow) for output rows [b, e) (every axis but the last).
template <class Row>
void mapped_rows(const std::vector<std::vector<int64_t>>& maps, const Shape& outShape, int64_t b,
                 int64_t e, Row&& row) {
  const size_t r = outShape.size();
  int64_t idx[64];
  int64_t off = 0, rem = b;
  for (size_t a = r - 1; a-- > 0;) {
    idx[a] = rem % outShape[a];
    rem /= outShape[a];
    off += maps[a][idx[a]];
  }
  for (int64_t k = b; k < e; k++) {
    row(off, k);
    for (size_t a = r - 1; a-- > 0;) {
      off -= maps[a][idx[a]];
      if (++idx[a] < outShape[a]) {
        off += maps[a][idx[a]];
        break;
      }
      idx[a] = 0;
      off += maps[a][0];
    }
  }
}

}  // namespace

void mirror_pad(size_t elem, const void* x, const Shape& shape, const std::vector<int64_t>& before,
                bool symmetric, void* out, const Shape& outShape) {
  int64_t total = 1;
  for (int64_t d : outShape) total *= d;
  if (total == 0) return;
  if (shape.empty()) {
    std::memcpy(out, x, elem);
    return;
  }
  const auto maps = mirror_maps(shape, before, symmetric, outShape);
  const size_t r = shape.size();
  const int64_t inner = outShape[r - 1], n = shape[r - 1], lo = before[r - 1];
  const std::vector<int64_t>& last = maps[r - 1];
  by_width(elem, [&](auto w) {
    using E = decltype(w);
    const E* X = static_cast<const E*>(x);
    E* O = static_cast<E*>(out);
    const int64_t rows = total / inner;
    const int64_t grain = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, inner * sizeof(E)));
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      mapped_rows(maps, outShape, b, e, [&](int64_t off, int64_t k) {
        E* dst = O + k * inner;
        const E* src = X + off;
        // The middle run is a plain copy; the edges reflect.
        for (int64_t i = 0; i < lo; i++) dst[i] = src[last[i]];
        std::memcpy(dst + lo, src, static_cast<size_t>(n) * sizeof(E));
        for (int64_t i = lo + n; i < inner; i++) dst[i] = src[last[i]];
      });
    });
  });
}

namespace {

template <class T>
void mirror_pad_grad_t(const T* dy, const Shape& dyShape, const std::vector<int64_t>& before,
                       bool symmetric, T* out, const Shape& shape) {
  int64_t total = 1, n = 1;
  for (int64_t d : dyShape) total *= d;
  for (int64_t d : shape) n *= d;
  std::fill(out, out + n, T(0));
  if (total == 0) return;
  if (shape.empty()) {
    out[0] = dy[0];
    return;
  }
  const auto maps = mirror_maps(shape, before, symmetric, dyShape);
  const size_t r = shape.size();
  const int64_t inner = dyShape[r - 1];
  const std::vector<int64_t>& last = maps[r - 1];
  // Serial: several dy rows add into one out row.
  mapped_rows(maps, dyShape, 0, total / inner, [&](int64_t off, int64_t k) {
    const T* src = dy + k * inner;
    T* dst = out + off;
    for (int64_t i = 0; i < inner; i++) {
      if constexpr (std::is_same<T, int32_t>::value)
        dst[last[i]] = static_cast<int32_t>(static_cast<uint32_t>(dst[last[i]]) +
                                            static_cast<uint32_t>(src[i]));
      else
        dst[last[i]] += src[i];
    }
  });
}

}  // namespace

void mirror_pad_grad(DType t, const void* dy, const Shape& dyShape,
                     const std::vector<int64_t>& before, bool symmetric, void* out,
                     const Shape& shape) {
  switch (t) {
    case DType::F32:
      return mirror_pad_grad_t(static_cast<const float*>(dy), dyShape, before, symmetric,
                               static_cast<float*>(out), shape);
    case DType::F64:
      return mirror_pad_grad_t(static_cast<const double*>(dy), dyShape, before, symmetric,
                               static_cast<double*>(out), shape);
    default:
      return mirror_pad_grad_t(static_cast<const int32_t*>(dy), dyShape, before, symmetric,
                               static_cast<int32_t*>(out), shape);
  }
}

}  // namespace tf
