// Direct 2-D convolution kernels (conv_direct.h): the drivers (tasks, slabs, packing, partial
// sums) in portable C++, and the register-tile kernels (conv_direct_kernels.h) compiled once
// per instruction set: portable, AVX2+FMA and AVX-512F.
#include "conv_direct.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "common.h"
#include "simd_vec.h"
#include "threadpool.h"

namespace tf {

// ---- the tile kernels, per instruction set -------------------------------------------------

namespace cd_scalar {
// The baseline ISA's 16-byte vectors (4 floats or 2 doubles, 16 registers assumed), or plain
// scalars where the compiler has no vector extensions.
template <class T>
using Vec = simd::Portable<T>;
#if defined(__GNUC__) || defined(__clang__)
constexpr int kNV[3] = {1, 2, 4};
constexpr int kRF[3] = {8, 6, 3};
constexpr int kRW[3] = {8, 6, 3};
#else
constexpr int kNV[3] = {2, 4, 8};
constexpr int kRF[3] = {8, 6, 4};
constexpr int kRW[3] = {8, 6, 4};
#endif
#include "conv_direct_kernels.h"
}  // namespace cd_scalar

#if TF_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace cd_avx2 {
template <class T>
using Vec = simd::Avx2<T>;
// 16 ymm registers: at most 12 accumulators, the filter vectors and a broadcast.
constexpr int kNV[3] = {1, 2, 4};
constexpr int kRF[3] = {12, 6, 3};
constexpr int kRW[3] = {8, 6, 3};
#include "conv_direct_kernels.h"
}  // namespace cd_avx2
#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif
namespace cd_avx512 {
template <class T>
using Vec = simd::Avx512<T>;
// 32 zmm registers: up to 24 accumulators.
constexpr int kNV[3] = {1, 2, 4};
constexpr int kRF[3] = {12, 12, 6};
constexpr int kRW[3] = {8, 8, 6};
#include "conv_direct_kernels.h"
}  // namespace cd_avx512
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // TF_X86

namespace {

enum class Path { Scalar, Avx2, Avx512 };

Path path() {
#if TF_X86
  if (isa() == Isa::Avx2) return avx512() ? Path::Avx512 : Path::Avx2;
#endif
  return Path::Scalar;
}

template <class T>
const cd_scalar::TileFns<T>& fns() {
  // The three tables have the same layout (one struct template per namespace); convert by
  // copying field by field into the scalar namespace's type.
  static const auto make = [](auto f) {
    cd_scalar::TileFns<T> g;
    g.L = f.L;
    for (int i = 0; i < 3; i++) {
      g.nv[i] = f.nv[i];
      g.rf[i] = f.rf[i];
      g.rw[i] = f.rw[i];
      g.fwd[i] = f.fwd[i];
      g.fwdAcc[i] = f.fwdAcc[i];
      g.filt[i] = f.filt[i];
    }
    return g;
  };
  static const cd_scalar::TileFns<T> scalar = cd_scalar::tile_fns<T>();
#if TF_X86
  // Each table is made the first time its path is taken (the AVX-512 code must not run on a
  // CPU without it, not even to fill a table).
  switch (path()) {
    case Path::Avx512: {
      static const cd_scalar::TileFns<T> avx512 = make(cd_avx512::tile_fns<T>());
      return avx512;
    }
    case Path::Avx2: {
      static const cd_scalar::TileFns<T> avx2 = make(cd_avx2::tile_fns<T>());
      return avx2;
    }
    default:
      break;
  }
#endif
  (void)make;
  return scalar;
}

// A per-thread scratch buffer (kept between calls).
template <class T>
T* scratch(int slot, int64_t n) {
  thread_local Buffer bufs[4];
  return bufs[slot].as<T>(static_cast<size_t>(n));
}

// Output-channel tiles: as many widest tiles (nv[2] vectors) as fit, then the narrowest tile
// shape that covers the rest. Columns past outC are zero in the packed filter.
struct OcTile {
  int64_t oc0, width;  // first channel, channels in the tile (nv * L)
  int which;           // index into nv / rf / rw
};

template <class T>
std::vector<OcTile> oc_tiles(const cd_scalar::TileFns<T>& f, int64_t oc) {
  std::vector<OcTile> tiles;
  const int64_t wide = int64_t(f.nv[2]) * f.L;
  int64_t o = 0;
  for (; oc - o >= wide; o += wide) tiles.push_back({o, wide, 2});
  if (o < oc) {
    int which = 2;
    for (int i = 1; i >= 0; i--)
      if (int64_t(f.nv[i]) * f.L >= oc - o) which = i;
    tiles.push_back({o, int64_t(f.nv[which]) * f.L, which});
  }
  return tiles;
}

// Tasks: (image, block of output rows), enough of them to balance the pool.
struct Tasks {
  int64_t perImage, rowsPer, count;
};

Tasks make_tasks(int64_t batch, int64_t outH) {
  const int64_t threads = ThreadPool::get().size();
  const int64_t want = threads == 1 ? 1 : 4 * threads;
  const int64_t perImage = std::min<int64_t>(outH, std::max<int64_t>(1, (want + batch - 1) / batch));
  const int64_t rowsPer = (outH + perImage - 1) / perImage;
  const int64_t blocks = (outH + rowsPer - 1) / rowsPer;
  return Tasks{blocks, rowsPer, batch * blocks};
}

// The input rows and columns a block of output rows [oh0, oh1) reads, as a slab: either a view
// into x (when every tap of every pixel is inside x) or a zero-padded copy. Pixel (oh, ow) of
// the block reads the slab at ((oh - oh0) * strideH * rs + ow * strideW * C), tap (fh, fw) at
// (fh * dilationH * rs + fw * dilationW * C) from there.
struct SlabGeom {
  int64_t cols;  // slab columns: (outW - 1) * strideW + (filterW - 1) * dilationW + 1
  bool view;     // whole convolution reads inside x: slabs are views
  int64_t rs;    // slab row stride in elements
};

SlabGeom slab_geom(const Conv2DParams& c) {
  SlabGeom g;
  g.cols = (c.outW - 1) * c.strideW + (c.filterW - 1) * c.dilationW + 1;
  const int64_t rowsAll = (c.outH - 1) * c.strideH + (c.filterH - 1) * c.dilationH + 1;
  g.view = c.padTop <= 0 && c.padLeft <= 0 && -c.padTop + rowsAll <= c.inH &&
           -c.padLeft + g.cols <= c.inW;
  g.rs = (g.view ? c.inW : g.cols) * c.inC;
  return g;
}

template <class T>
const T* make_slab(const T* x, const Conv2DParams& c, const SlabGeom& g, int64_t b, int64_t oh0,
                   int64_t oh1, int slot) {
  const int64_t C = c.inC;
  const int64_t ih0 = oh0 * c.strideH - c.padTop;
  if (g.view) return x + ((b * c.inH + ih0) * c.inW - c.padLeft) * C;
  const int64_t rows = (oh1 - oh0 - 1) * c.strideH + (c.filterH - 1) * c.dilationH + 1;
  T* s = scratch<T>(slot, rows * g.rs);
  // Columns [lo, hi) of the slab are inside x (iw = j - padLeft in [0, inW)).
  const int64_t lo = std::min(g.cols, std::max<int64_t>(0, c.padLeft));
  const int64_t hi = std::max(lo, std::min(g.cols, c.inW + c.padLeft));
  for (int64_t i = 0; i < rows; i++) {
    T* d = s + i * g.rs;
    const int64_t ih = ih0 + i;
    if (ih < 0 || ih >= c.inH) {
      std::fill(d, d + g.rs, T(0));
      continue;
    }
    std::fill(d, d + lo * C, T(0));
    if (hi > lo) {
      const T* src = x + ((b * c.inH + ih) * c.inW + (lo - c.padLeft)) * C;
      std::memcpy(d + lo * C, src, static_cast<size_t>((hi - lo) * C) * sizeof(T));
    }
    std::fill(d + hi * C, d + g.cols * C, T(0));
  }
  return s;
}

// The filter w [taps * inC, outC] packed per output-channel tile: tile j holds rows of
// width_j channels (zeros past outC), one after another.
template <class T>
std::vector<T> pack_filter(const T* w, int64_t K, int64_t oc, const std::vector<OcTile>& tiles) {
  int64_t total = 0;
  for (const OcTile& t : tiles) total += K * t.width;
  std::vector<T> wp(static_cast<size_t>(total), T(0));
  T* d = wp.data();
  for (const OcTile& t : tiles) {
    const int64_t n = std::min(t.width, oc - t.oc0);
    for (int64_t k = 0; k < K; k++) std::memcpy(d + k * t.width, w + k * oc + t.oc0, n * sizeof(T));
    d += K * t.width;
  }
  return wp;
}

// y[p, o] = act(y[p, o] + bias[o]) for n pixels of OC channels; act is max(., 0) when relu
// (NaN stays NaN and -0 becomes +0, as the relu kernels give), else the identity.
template <class T>
void bias_act(T* y, int64_t n, int64_t OC, const T* bias, bool relu) {
  for (int64_t q = 0; q < n; q++) {
    T* yr = y + q * OC;
    if (relu) {
      for (int64_t o = 0; o < OC; o++) {
        const T v = yr[o] + bias[o];
        yr[o] = (v > T(0) || v != v) ? v : T(0);
      }
    } else {
      for (int64_t o = 0; o < OC; o++) yr[o] += bias[o];
    }
  }
}

// y = conv(x, w) with the filter already packed (wp, tiles); with bias, y = act(y + bias)
// (act: max(., 0) when relu, else the identity), applied to each task's block of rows while it
// is still in cache.
template <class T>
void forward_packed(const T* x, const T* wp, const std::vector<OcTile>& tiles, T* y,
                    const Conv2DParams& c, const T* bias = nullptr, bool relu = false) {
  const cd_scalar::TileFns<T>& f = fns<T>();
  const int64_t C = c.inC, OC = c.outC, taps = c.filterH * c.filterW, K = taps * C;
  const SlabGeom g = slab_geom(c);
  std::vector<int64_t> tapoff(static_cast<size_t>(taps));
  for (int64_t fh = 0; fh < c.filterH; fh++)
    for (int64_t fw = 0; fw < c.filterW; fw++)
      tapoff[fh * c.filterW + fw] = fh * c.dilationH * g.rs + fw * c.dilationW * C;
  std::vector<int64_t> tileOff(tiles.size());
  for (size_t j = 0, o = 0; j < tiles.size(); o += K * tiles[j].width, j++) tileOff[j] = o;
  const Tasks tk = make_tasks(c.batch, c.outH);
  ThreadPool::get().run(tk.count, [&](int64_t task, int) {
    const int64_t b = task / tk.perImage;
    const int64_t oh0 = (task % tk.perImage) * tk.rowsPer;
    const int64_t oh1 = std::min(c.outH, oh0 + tk.rowsPer);
    if (oh0 >= oh1) return;
    const T* slab = make_slab(x, c, g, b, oh0, oh1, 0);
    const int64_t n = (oh1 - oh0) * c.outW;
    T* yb = y + (b * c.outH + oh0) * c.outW * OC;
    alignas(64) T buf[16 * 64];
    const T* px[16];
    for (size_t j = 0; j < tiles.size(); j++) {
      const OcTile& t = tiles[j];
      const int R = f.rf[t.which];
      const bool fullCols = t.oc0 + t.width <= OC;
      // (qh, qw): the pixel q of the block, stepped along without a division per pixel (with
      // few channels and taps the tile kernel is short, and divisions would cost as much).
      int64_t qh = 0, qw = 0;
      for (int64_t q = 0; q < n; q += R) {
        const int64_t rows = std::min<int64_t>(R, n - q);
        int64_t oh = qh, ow = qw;
        for (int r = 0; r < R; r++) {
          px[r] = slab + oh * c.strideH * g.rs + ow * c.strideW * C;
          if (r + 1 < rows && ++ow == c.outW) {
            ow = 0;
            oh++;
          }
        }
        for (int64_t k = 0; k < R; k++)
          if (++qw == c.outW) {
            qw = 0;
            qh++;
          }
        if (rows == R && fullCols) {
          f.fwd[t.which](px, tapoff.data(), taps, C, wp + tileOff[j], yb + q * OC + t.oc0, OC);
        } else {
          f.fwd[t.which](px, tapoff.data(), taps, C, wp + tileOff[j], buf, t.width);
          const int64_t cols = std::min(t.width, OC - t.oc0);
          for (int64_t r = 0; r < rows; r++)
            std::memcpy(yb + (q + r) * OC + t.oc0, buf + r * t.width, cols * sizeof(T));
        }
      }
    }
    if (bias != nullptr) bias_act(yb, n, OC, bias, relu);
  });
}

template <class T>
bool all_finite(const T* p, int64_t n) {
  // x - x is 0 for finite x and NaN for infinities and NaN.
  T acc = T(0);
  for (int64_t i = 0; i < n; i++) acc += p[i] - p[i];
  return acc == T(0);
}

bool degenerate(const Conv2DParams& c) {
  return c.batch == 0 || c.outH == 0 || c.outW == 0 || c.outC == 0 || c.inC == 0 ||
         c.filterH == 0 || c.filterW == 0 || c.inH == 0 || c.inW == 0;
}

template <class T>
void forward_t(const T* x, const T* w, T* y, const Conv2DParams& c, const T* bias = nullptr,
               bool relu = false) {
  const std::vector<OcTile> tiles = oc_tiles(fns<T>(), c.outC);
  const std::vector<T> wp = pack_filter(w, c.filterH * c.filterW * c.inC, c.outC, tiles);
  forward_packed(x, wp.data(), tiles, y, c, bias, relu);
}

// The taps of the forward convolution c that land inside x, summed over its output pixels:
// separable, (sum over oh of the fh in range) * (sum over ow of the fw in range).
double valid_taps(const Conv2DParams& c) {
  auto along = [](int64_t out, int64_t in, int64_t f, int64_t stride, int64_t dil, int64_t pad) {
    double n = 0;
    for (int64_t o = 0; o < out; o++)
      for (int64_t k = 0; k < f; k++) {
        const int64_t i = o * stride + k * dil - pad;
        n += (i >= 0 && i < in) ? 1 : 0;
      }
    return n;
  };
  return along(c.outH, c.inH, c.filterH, c.strideH, c.dilationH, c.padTop) *
         along(c.outW, c.inW, c.filterW, c.strideW, c.dilationW, c.padLeft);
}

// dx by scattering, image by image: for each register tile of R dy pixels and each tap (fh, fw),
// the tile's products dy[p, :] * w[fh, fw, :, :]^T (the forward tile kernel with one tap, over
// C = outC) are added to dx at the pixels that tap reads from, where those are inside x. Only
// the taps that exist are multiplied (no zero padding around dy), which the flipped forward
// product pays for when the forward convolution had no padding (VALID: 40% more products at
// the MNIST convnet's 11x11 -> 13x13).
template <class T>
void input_scatter_t(const T* w, const T* dy, T* dx, const Conv2DParams& c) {
  const cd_scalar::TileFns<T>& f = fns<T>();
  const int64_t IC = c.inC, OC = c.outC, taps = c.filterH * c.filterW;
  const std::vector<OcTile> tiles = oc_tiles(f, IC);
  // Per tap, w[fh, fw] transposed to [OC, IC] and packed per tile of input channels.
  std::vector<T> wt(static_cast<size_t>(OC * IC));
  std::vector<std::vector<T>> packed(static_cast<size_t>(taps));
  for (int64_t t = 0; t < taps; t++) {
    const T* src = w + t * IC * OC;
    for (int64_t ic = 0; ic < IC; ic++)
      for (int64_t oc = 0; oc < OC; oc++) wt[oc * IC + ic] = src[ic * OC + oc];
    packed[t] = pack_filter(wt.data(), OC, IC, tiles);
  }
  std::vector<int64_t> tileOff(tiles.size());
  for (size_t j = 0, o = 0; j < tiles.size(); o += OC * tiles[j].width, j++) tileOff[j] = o;
  const int64_t img = c.inH * c.inW * IC, n = c.outH * c.outW;
  ThreadPool::get().run(c.batch, [&](int64_t b, int) {
    T* dxb = dx + b * img;
    std::fill(dxb, dxb + img, T(0));
    const T* dyb = dy + b * n * OC;
    // Rows of a tile whose tap lands outside x (and the repeated rows of a last partial tile)
    // accumulate into this scratch row instead, which is never read.
    alignas(64) T sink[64];
    const T* px[16];
    T* outp[16];
    int64_t oh[16], ow[16];
    for (size_t j = 0; j < tiles.size(); j++) {
      const OcTile& tl = tiles[j];
      const int R = f.rf[tl.which];
      // A tile wider than the channels left (zero filter columns) writes past them: into a
      // padded copy of the rows when that happens.
      const bool fullCols = tl.oc0 + tl.width <= IC;
      int64_t qh = 0, qw = 0;  // pixel q, stepped along without divisions
      for (int64_t q = 0; q < n; q += R) {
        const int64_t rows = std::min<int64_t>(R, n - q);
        int64_t h = qh, w1 = qw;
        for (int r = 0; r < R; r++) {
          px[r] = dyb + (q + std::min<int64_t>(r, rows - 1)) * OC;
          oh[r] = h;
          ow[r] = w1;
          if (r + 1 < rows && ++w1 == c.outW) {
            w1 = 0;
            h++;
          }
        }
        for (int64_t k = 0; k < R; k++)
          if (++qw == c.outW) {
            qw = 0;
            qh++;
          }
        for (int64_t t = 0; t < taps; t++) {
          const int64_t fh = t / c.filterW, fw = t % c.filterW;
          alignas(64) T part[16 * 64];
          for (int r = 0; r < R; r++) {
            const int64_t ih = oh[r] * c.strideH + fh * c.dilationH - c.padTop;
            const int64_t iw = ow[r] * c.strideW + fw * c.dilationW - c.padLeft;
            const bool in = r < rows && ih >= 0 && ih < c.inH && iw >= 0 && iw < c.inW;
            if (!in) {
              outp[r] = sink;
            } else if (fullCols) {
              outp[r] = dxb + (ih * c.inW + iw) * IC + tl.oc0;
            } else {
              outp[r] = part + r * tl.width;
              std::fill(outp[r], outp[r] + tl.width, T(0));
            }
          }
          f.fwdAcc[tl.which](px, OC, packed[t].data() + tileOff[j], outp);
          if (!fullCols) {
            const int64_t cols = IC - tl.oc0;
            for (int r = 0; r < R; r++) {
              if (outp[r] == sink) continue;
              const int64_t ih = oh[r] * c.strideH + fh * c.dilationH - c.padTop;
              const int64_t iw = ow[r] * c.strideW + fw * c.dilationW - c.padLeft;
              T* d = dxb + (ih * c.inW + iw) * IC + tl.oc0;
              for (int64_t k = 0; k < cols; k++) d[k] += outp[r][k];
            }
          }
        }
      }
    }
  });
}

// dx = the stride-1 forward convolution of dy (padded by (filter - 1) * dilation - pad before)
// with wt[fh][fw][oc][ic] = w[FH - 1 - fh][FW - 1 - fw][ic][oc].
template <class T>
void input_t(const T* w, const T* dy, T* dx, const Conv2DParams& c) {
  // The flipped forward product computes every dx pixel with every tap; the scatter only the
  // taps that exist, at some cost per tap (the adds into dx) and with whole images as tasks.
  // It takes over when the forward product would multiply 15% more (zeros), given enough
  // images for the threads.
  const double all = double(c.inH) * double(c.inW) * double(c.filterH * c.filterW);
  if (all > 1.15 * valid_taps(c) && c.batch >= 2 * int64_t(ThreadPool::get().size()))
    return input_scatter_t(w, dy, dx, c);
  Conv2DParams fc;
  fc.batch = c.batch;
  fc.inH = c.outH;
  fc.inW = c.outW;
  fc.inC = c.outC;
  fc.outH = c.inH;
  fc.outW = c.inW;
  fc.outC = c.inC;
  fc.filterH = c.filterH;
  fc.filterW = c.filterW;
  fc.strideH = fc.strideW = 1;
  fc.dilationH = c.dilationH;
  fc.dilationW = c.dilationW;
  fc.padTop = (c.filterH - 1) * c.dilationH - c.padTop;
  fc.padLeft = (c.filterW - 1) * c.dilationW - c.padLeft;
  const int64_t IC = c.inC, OC = c.outC, FH = c.filterH, FW = c.filterW;
  std::vector<T> wt(static_cast<size_t>(FH * FW * OC * IC));
  for (int64_t fh = 0; fh < FH; fh++)
    for (int64_t fw = 0; fw < FW; fw++) {
      const T* src = w + ((FH - 1 - fh) * FW + (FW - 1 - fw)) * IC * OC;
      T* d = wt.data() + (fh * FW + fw) * OC * IC;
      for (int64_t ic = 0; ic < IC; ic++)
        for (int64_t oc = 0; oc < OC; oc++) d[oc * IC + ic] = src[ic * OC + oc];
    }
  forward_t(dy, wt.data(), dx, fc);
}

// dw [taps * inC, outC] = sum over pixels of x patches times dy. Tasks are grouped into a fixed
// number of groups (so the order of the sum does not depend on which thread runs what); each
// group sums its tasks into its own partial, and the partials are added in group order.
template <class T>
void filter_t(const T* x, const T* dy, T* dw, const Conv2DParams& c) {
  const cd_scalar::TileFns<T>& f = fns<T>();
  const int64_t C = c.inC, OC = c.outC, K = c.filterH * c.filterW * C;
  const std::vector<OcTile> tiles = oc_tiles(f, OC);
  const int64_t OCp = tiles.back().oc0 + tiles.back().width;
  const SlabGeom g = slab_geom(c);
  // Filter rows k = (fh, fw, ic) read the slab at koff[k] from the pixel; rows past K (a last
  // partial tile of rows) repeat row 0 and are dropped.
  int Rmax = 1;
  for (const OcTile& t : tiles) Rmax = std::max(Rmax, f.rw[t.which]);
  const int64_t Kp = K + Rmax;  // past the last tile of rows of any height <= Rmax
  std::vector<int64_t> koff(static_cast<size_t>(Kp), 0);
  for (int64_t k = 0; k < K; k++) {
    const int64_t tap = k / C, ic = k % C;
    koff[k] = (tap / c.filterW) * c.dilationH * g.rs + (tap % c.filterW) * c.dilationW * C + ic;
  }
  const Tasks tk = make_tasks(c.batch, c.outH);
  const int threads = ThreadPool::get().size();
  const int64_t groups = std::max<int64_t>(1, std::min<int64_t>(tk.count, threads == 1 ? 1 : 2 * threads));
  const bool padDy = OCp != OC;
  std::vector<T> partial(static_cast<size_t>(groups * Kp * OCp));
  ThreadPool::get().run(groups, [&](int64_t grp, int) {
    T* acc = partial.data() + grp * Kp * OCp;
    const int64_t ta = tk.count * grp / groups, tb = tk.count * (grp + 1) / groups;
    for (int64_t task = ta; task < tb; task++) {
      const int64_t b = task / tk.perImage;
      const int64_t oh0 = (task % tk.perImage) * tk.rowsPer;
      const int64_t oh1 = std::min(c.outH, oh0 + tk.rowsPer);
      const bool first = task == ta;
      if (oh0 >= oh1) {
        if (first) std::fill(acc, acc + Kp * OCp, T(0));
        continue;
      }
      const T* slab = make_slab(x, c, g, b, oh0, oh1, 0);
      const int64_t n = (oh1 - oh0) * c.outW;
      const T* dyb = dy + (b * c.outH + oh0) * c.outW * OC;
      int64_t ldd = OC;
      if (padDy) {
        T* d = scratch<T>(1, n * OCp);
        for (int64_t q = 0; q < n; q++) {
          std::memcpy(d + q * OCp, dyb + q * OC, OC * sizeof(T));
          std::fill(d + q * OCp + OC, d + (q + 1) * OCp, T(0));
        }
        dyb = d;
        ldd = OCp;
      }
      for (const OcTile& t : tiles) {
        const int R = f.rw[t.which];
        for (int64_t k0 = 0; k0 < K; k0 += R) {
          f.filt[t.which](slab, oh1 - oh0, c.outW, c.strideH * g.rs, c.strideW * C,
                          koff.data() + k0, dyb + t.oc0, ldd, acc + k0 * OCp + t.oc0, OCp,
                          !first);
        }
      }
    }
  });
  for (int64_t k = 0; k < K; k++) {
    T* d = dw + k * OC;
    const T* s = partial.data() + k * OCp;
    for (int64_t o = 0; o < OC; o++) d[o] = s[o];
    for (int64_t grp = 1; grp < groups; grp++) {
      const T* p = partial.data() + grp * Kp * OCp + k * OCp;
      for (int64_t o = 0; o < OC; o++) d[o] += p[o];
    }
  }
}

}  // namespace

bool conv2d_direct(bool f32, const void* x, const void* w, void* y, const Conv2DParams& c) {
  if (degenerate(c)) return false;
  if (f32)
    forward_t(static_cast<const float*>(x), static_cast<const float*>(w), static_cast<float*>(y), c);
  else
    forward_t(static_cast<const double*>(x), static_cast<const double*>(w),
              static_cast<double*>(y), c);
  return true;
}

void conv2d_bias_act(bool f32, const void* x, const void* w, const void* bias, void* y,
                     const Conv2DParams& c, bool relu) {
  if (!degenerate(c)) {
    if (f32)
      forward_t(static_cast<const float*>(x), static_cast<const float*>(w),
                static_cast<float*>(y), c, static_cast<const float*>(bias), relu);
    else
      forward_t(static_cast<const double*>(x), static_cast<const double*>(w),
                static_cast<double*>(y), c, static_cast<const double*>(bias), relu);
    return;
  }
  // No direct kernel (an empty dimension): the general one, then the bias and activation.
  conv2d(f32, x, w, y, c);
  const int64_t n = c.batch * c.outH * c.outW;
  if (f32)
    bias_act(static_cast<float*>(y), n, c.outC, static_cast<const float*>(bias), relu);
  else
    bias_act(static_cast<double*>(y), n, c.outC, static_cast<const double*>(bias), relu);
}

bool conv2d_direct_input(bool f32, const void* w, const void* dy, void* dx,
                         const Conv2DParams& c) {
  if (degenerate(c) || c.strideH != 1 || c.strideW != 1) return false;
  // The flipped forward product multiplies the zeros around dy by the filter, where col2im
  // never adds those taps: with an infinity or NaN in the filter that would be NaN, not the
  // sum of the taps that exist. Such filters take the im2col path.
  const int64_t nw = c.filterH * c.filterW * c.inC * c.outC;
  if (f32 ? !all_finite(static_cast<const float*>(w), nw)
          : !all_finite(static_cast<const double*>(w), nw))
    return false;
  if (f32)
    input_t(static_cast<const float*>(w), static_cast<const float*>(dy), static_cast<float*>(dx),
            c);
  else
    input_t(static_cast<const double*>(w), static_cast<const double*>(dy),
            static_cast<double*>(dx), c);
  return true;
}

bool conv2d_direct_filter(bool f32, const void* x, const void* dy, void* dw,
                          const Conv2DParams& c) {
  if (degenerate(c)) return false;
  if (f32)
    filter_t(static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<float*>(dw),
             c);
  else
    filter_t(static_cast<const double*>(x), static_cast<const double*>(dy),
             static_cast<double*>(dw), c);
  return true;
}

}  // namespace tf
