// The blocked transpose (perf.h).
#include <algorithm>
#include <cstring>

#include "copy_run.h"
#include "perf.h"
#include "threadpool.h"

namespace tf {

namespace {

// The transpose as output dims and, per output axis, the input's element stride along it,
// with size-1 axes dropped and output axes merged where the input walks them contiguously.
struct Plan {
  std::vector<int64_t> dims, in;
};

Plan plan(const Shape& shape, const std::vector<int>& perm) {
  const size_t r = shape.size();
  std::vector<int64_t> stride(r, 1);
  for (size_t i = r; i-- > 1;) stride[i - 1] = stride[i] * shape[i];
  Plan p;
  for (size_t a = 0; a < r; a++) {
    const int64_t d = shape[perm[a]], s = stride[perm[a]];
    if (d == 1) continue;
    if (!p.dims.empty() && p.in.back() == s * d) {
      p.dims.back() *= d;
      p.in.back() = s;
      continue;
    }
    p.dims.push_back(d);
    p.in.push_back(s);
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    p.in.push_back(1);
  }
  return p;
}

// The input offset of output row `row` over the dims before `skip` axes from the end.
inline int64_t offset_of(const Plan& p, int64_t row, size_t upto, int64_t except = -1) {
  int64_t off = 0;
  for (size_t a = upto; a-- > 0;) {
    if (static_cast<int64_t>(a) == except) continue;
    const int64_t d = p.dims[a];
    off += (row % d) * p.in[a];
    row /= d;
  }
  return off;
}

template <class E>
void copy_rows(const Plan& p, const E* x, E* y) {
  // The last output axis is contiguous in the input: rows of `len` elements copied as runs.
  const size_t r = p.dims.size();
  const int64_t len = p.dims[r - 1];
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < r; a++) rows *= p.dims[a];
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(len, 1));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    // The input offset of row b, then an odometer over the outer axes: a division per axis and
    // row would cost more than copying a short row.
    int64_t idx[64];
    int64_t off = 0, rem = b;
    for (size_t a = r - 1; a-- > 0;) {
      idx[a] = rem % p.dims[a];
      rem /= p.dims[a];
      off += idx[a] * p.in[a];
    }
    for (int64_t row = b; row < e; row++) {
      copy_bytes(y + row * len, x + off, static_cast<size_t>(len) * sizeof(E));
      for (size_t a = r - 1; a-- > 0;) {
        off += p.in[a];
        if (++idx[a] < p.dims[a]) break;
        off -= p.dims[a] * p.in[a];
        idx[a] = 0;
      }
    }
  });
}

constexpr int64_t kTile = 64;

template <class E>
void tiled(const Plan& p, const E* x, E* y) {
  // Output axis k is the input's contiguous one (stride 1); the output's last axis has input
  // stride sj. Copied in kTile x kTile tiles.
  const size_t r = p.dims.size();
  size_t k = 0;
  for (size_t a = 0; a + 1 < r; a++)
    if (p.in[a] == 1) k = a;
  const int64_t ni = p.dims[k], nj = p.dims[r - 1], sj = p.in[r - 1];
  // Output strides.
  std::vector<int64_t> os(r, 1);
  for (size_t a = r; a-- > 1;) os[a - 1] = os[a] * p.dims[a];
  int64_t batch = 1;
  for (size_t a = 0; a + 1 < r; a++)
    if (a != k) batch *= p.dims[a];
  // Units are (batch index, band of kTile input rows along the last output axis): a unit
  // reads its band front to back, so the input streams, and writes kTile-wide runs of every
  // output row.
  const int64_t tilesJ = (nj + kTile - 1) / kTile;
  parallel_for(batch * tilesJ, 2, [&](int64_t b, int64_t e) {
    // Each tile goes through a buffer in L1: read as contiguous runs of input rows, written
    // out as contiguous runs of output rows. Reading strided columns straight into the output
    // instead misses the cache about once per element when the matrices outgrow L2.
    E buf[kTile * kTile];
    for (int64_t unit = b; unit < e; unit++) {
      int64_t bi = unit / tilesJ;
      const int64_t j0 = (unit % tilesJ) * kTile, j1 = std::min(nj, j0 + kTile);
      // Offsets of batch index bi over the axes other than k and the last.
      int64_t xo = 0, yo = 0;
      for (size_t a = r - 1; a-- > 0;) {
        if (a == k) continue;
        const int64_t d = p.dims[a], q = bi % d;
        bi /= d;
        xo += q * p.in[a];
        yo += q * os[a];
      }
      for (int64_t i0 = 0; i0 < ni; i0 += kTile) {
        const int64_t i1 = std::min(ni, i0 + kTile);
        for (int64_t j = j0; j < j1; j++) {
          const E* src = x + xo + j * sj;
          for (int64_t i = i0; i < i1; i++) buf[(i - i0) * kTile + (j - j0)] = src[i];
        }
        for (int64_t i = i0; i < i1; i++)
          std::memcpy(y + yo + i * os[k] + j0, buf + (i - i0) * kTile,
                      static_cast<size_t>(j1 - j0) * sizeof(E));
      }
    }
  });
}

template <class E>
void run(const Plan& p, const E* x, E* y) {
  if (p.in.back() == 1) return copy_rows(p, x, y);
  bool hasUnit = false;
  for (size_t a = 0; a + 1 < p.dims.size(); a++) hasUnit = hasUnit || p.in[a] == 1;
  if (hasUnit) return tiled(p, x, y);
  // No axis is contiguous in the input (cannot happen for a permutation after merging, since
  // the input's last axis has stride 1; kept for safety): element by element.
  const size_t r = p.dims.size();
  int64_t n = 1;
  for (int64_t d : p.dims) n *= d;
  for (int64_t i = 0; i < n; i++) y[i] = x[offset_of(p, i, r)];
}

}  // namespace

void transpose(size_t elem, const void* x, const Shape& shape, const std::vector<int>& perm,
               void* out) {
  Plan p = plan(shape, perm);
  switch (elem) {
    case 1:
      return run(p, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out));
    case 4:
      return run(p, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out));
    default:
      return run(p, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out));
  }
}

}  // namespace tf
