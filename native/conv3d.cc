// 3-D convolution, NDHWC, for float32 and float64: im2col (one patch row of K = filterD *
// filterH * filterW * inC values per output voxel) and the packed GEMM, in chunks of voxels so
// the patch buffer stays near 4M elements. The semantics are the JS backend's
// (src/backend/js/nn3d.ts); taps in the padding read zero.
#include "conv3d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "threadpool.h"

namespace tf {

namespace {

// Calls f(dstOffset, srcOffsetOrMinus1) for each filter tap of output voxel q (flat over batch,
// outD, outH, outW), in filter order (fd, fh, fw); src is the input voxel's first channel, or -1
// for a tap in the padding.
template <class F>
TF_INLINE void for_each_tap(int64_t q, const Conv3DParams& c, F f) {
  const int64_t ow = q % c.outW;
  int64_t rest = q / c.outW;
  const int64_t oh = rest % c.outH;
  rest /= c.outH;
  const int64_t od = rest % c.outD;
  const int64_t b = rest / c.outD;
  const int64_t id0 = od * c.strideD - c.padFront;
  const int64_t ih0 = oh * c.strideH - c.padTop;
  const int64_t iw0 = ow * c.strideW - c.padLeft;
  int64_t k = 0;
  for (int64_t fd = 0; fd < c.filterD; fd++) {
    const int64_t id = id0 + fd * c.dilationD;
    const bool dIn = id >= 0 && id < c.inD;
    for (int64_t fh = 0; fh < c.filterH; fh++) {
      const int64_t ih = ih0 + fh * c.dilationH;
      const bool hIn = dIn && ih >= 0 && ih < c.inH;
      for (int64_t fw = 0; fw < c.filterW; fw++, k += c.inC) {
        const int64_t iw = iw0 + fw * c.dilationW;
        if (hIn && iw >= 0 && iw < c.inW)
          f(k, (((b * c.inD + id) * c.inH + ih) * c.inW + iw) * c.inC);
        else
          f(k, int64_t(-1));
      }
    }
  }
}

template <class T>
void im2col_voxel(const T* x, int64_t q, const Conv3DParams& c, T* dst) {
  for_each_tap(q, c, [&](int64_t k, int64_t src) {
    if (src >= 0)
      std::memcpy(dst + k, x + src, c.inC * sizeof(T));
    else
      std::memset(dst + k, 0, c.inC * sizeof(T));
  });
}

// Adds src[k] back onto the input values im2col_voxel(q) read (the adjoint of im2col).
template <class T>
void col2im_voxel(const T* src, int64_t q, const Conv3DParams& c, T* dx) {
  for_each_tap(q, c, [&](int64_t k, int64_t at) {
    if (at < 0) return;
    T* d = dx + at;
    const T* s = src + k;
    for (int64_t ic = 0; ic < c.inC; ic++) d[ic] += s[ic];
  });
}

bool is_pointwise(const Conv3DParams& c) {
  return c.filterD == 1 && c.filterH == 1 && c.filterW == 1 && c.strideD == 1 &&
         c.strideH == 1 && c.strideW == 1 && c.padFront == 0 && c.padTop == 0 &&
         c.padLeft == 0 && c.outD == c.inD && c.outH == c.inH && c.outW == c.inW;
}

GemmParams gp(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool acc = false) {
  GemmParams p;
  p.batch = 1;
  p.m = m;
  p.n = n;
  p.k = k;
  p.transA = ta;
  p.transB = tb;
  p.aBatchStride = 0;
  p.bBatchStride = 0;
  p.accumulate = acc;
  return p;
}

int64_t chunk_voxels(int64_t P, int64_t K) {
  return std::max<int64_t>(1, std::min<int64_t>(P, (int64_t(1) << 22) / std::max<int64_t>(K, 1)));
}

template <class T>
void fill_patches(const T* x, int64_t p0, int64_t rows, int64_t K, const Conv3DParams& c,
                  T* patches) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / K), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) im2col_voxel(x, p0 + r, c, patches + r * K);
  });
}

// y [P, outC] = patches [P, K] * w [K, outC].
template <class T>
void conv3d_t(const T* x, const T* w, T* y, const Conv3DParams& c) {
  const int64_t K = c.filterD * c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outD * c.outH * c.outW;
  if (P == 0 || c.outC == 0) return;
  if (K == 0) {
    std::fill(y, y + P * c.outC, T(0));
    return;
  }
  if (is_pointwise(c)) return gemm(x, w, y, gp(P, c.outC, K, false, false));
  const int64_t chunk = chunk_voxels(P, K);
  std::vector<T> patches(static_cast<size_t>(chunk * K));
  for (int64_t p0 = 0; p0 < P; p0 += chunk) {
    const int64_t rows = std::min(chunk, P - p0);
    fill_patches(x, p0, rows, K, c, patches.data());
    gemm(patches.data(), w, y + p0 * c.outC, gp(rows, c.outC, K, false, false));
  }
}

// dpatches [P, K] = dy [P, outC] * w^T, scattered back onto dx (col2im).
template <class T>
void conv3d_input_t(const T* w, const T* dy, T* dx, const Conv3DParams& c) {
  const int64_t K = c.filterD * c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outD * c.outH * c.outW;
  std::fill(dx, dx + c.batch * c.inD * c.inH * c.inW * c.inC, T(0));
  if (P == 0 || K == 0) return;
  if (is_pointwise(c)) return gemm(dy, w, dx, gp(P, K, c.outC, false, true));
  const int64_t chunk = chunk_voxels(P, K);
  std::vector<T> dpatches(static_cast<size_t>(chunk * K));
  for (int64_t p0 = 0; p0 < P; p0 += chunk) {
    const int64_t rows = std::min(chunk, P - p0);
    gemm(dy + p0 * c.outC, w, dpatches.data(), gp(rows, K, c.outC, false, true));
    // Patches overlap on the input: scatter serially (K per voxel against K * outC for the
    // product).
    for (int64_t r = 0; r < rows; r++) col2im_voxel(dpatches.data() + r * K, p0 + r, c, dx);
  }
}

// dw [K, outC] = patches^T [K, P] * dy [P, outC], summed over voxel chunks.
template <class T>
void conv3d_filter_t(const T* x, const T* dy, T* dw, const Conv3DParams& c) {
  const int64_t K = c.filterD * c.filterH * c.filterW * c.inC;
  const int64_t P = c.batch * c.outD * c.outH * c.outW;
  if (K == 0 || c.outC == 0) return;
  if (P == 0) {
    std::fill(dw, dw + K * c.outC, T(0));
    return;
  }
  if (is_pointwise(c)) return gemm(x, dy, dw, gp(K, c.outC, P, true, false));
  const int64_t chunk = chunk_voxels(P, K);
  std::vector<T> patches(static_cast<size_t>(chunk * K));
  for (int64_t p0 = 0; p0 < P; p0 += chunk) {
    const int64_t rows = std::min(chunk, P - p0);
    fill_patches(x, p0, rows, K, c, patches.data());
    gemm(patches.data(), dy + p0 * c.outC, dw, gp(K, c.outC, rows, true, false, p0 > 0));
  }
}

}  // namespace

void conv3d(bool f32, const void* x, const void* w, void* y, const Conv3DParams& c) {
  if (f32)
    conv3d_t(static_cast<const float*>(x), static_cast<const float*>(w), static_cast<float*>(y),
             c);
  else
    conv3d_t(static_cast<const double*>(x), static_cast<const double*>(w),
             static_cast<double*>(y), c);
}

void conv3d_backprop_input(bool f32, const void* w, const void* dy, void* dx,
                           const Conv3DParams& c) {
  if (f32)
    conv3d_input_t(static_cast<const float*>(w), static_cast<const float*>(dy),
                   static_cast<float*>(dx), c);
  else
    conv3d_input_t(static_cast<const double*>(w), static_cast<const double*>(dy),
                   static_cast<double*>(dx), c);
}

void conv3d_backprop_filter(bool f32, const void* x, const void* dy, void* dw,
                            const Conv3DParams& c) {
  if (f32)
    conv3d_filter_t(static_cast<const float*>(x), static_cast<const float*>(dy),
                    static_cast<float*>(dw), c);
  else
    conv3d_filter_t(static_cast<const double*>(x), static_cast<const double*>(dy),
                    static_cast<double*>(dw), c);
}

}  // namespace tf
