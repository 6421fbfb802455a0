// Radix-2 and Bluestein FFTs (see fft.h). Arithmetic in double whatever the storage; plans
// (bit reversal, twiddles, chirps) are built per call, which costs O(n) next to the O(n log n)
// per row of a batch.
#include "fft.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "threadpool.h"

namespace tf {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Radix2 {
  int64_t n = 0;
  std::vector<uint32_t> rev;
  std::vector<double> wr, wi;  // e^(-2 pi i k / n), k < n/2

  explicit Radix2(int64_t size) : n(size), rev(size), wr(size / 2), wi(size / 2) {
    int bits = 0;
    while ((int64_t{1} << bits) < n) bits++;
    for (int64_t i = 0; i < n; i++) {
      uint32_t r = 0;
      for (int b = 0; b < bits; b++) r |= ((static_cast<uint32_t>(i) >> b) & 1u) << (bits - 1 - b);
      rev[i] = r;
    }
    for (int64_t k = 0; k < n / 2; k++) {
      const double a = 2 * kPi * static_cast<double>(k) / static_cast<double>(n);
      wr[k] = std::cos(a);
      wi[k] = -std::sin(a);
    }
  }

  // In place, forward.
  void run(double* re, double* im) const {
    for (int64_t i = 0; i < n; i++) {
      const int64_t j = rev[i];
      if (j > i) {
        std::swap(re[i], re[j]);
        std::swap(im[i], im[j]);
      }
    }
    for (int64_t size = 2; size <= n; size <<= 1) {
      const int64_t half = size >> 1;
      const int64_t step = n / size;
      for (int64_t start = 0; start < n; start += size) {
        for (int64_t k = 0, w = 0; k < half; k++, w += step) {
          const int64_t a = start + k;
          const int64_t b = a + half;
          const double xr = re[b] * wr[w] - im[b] * wi[w];
          const double xi = re[b] * wi[w] + im[b] * wr[w];
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
};

struct Bluestein {
  int64_t n;
  Radix2 inner;
  std::vector<double> cr, ci;  // e^(-i pi k^2 / n)
  std::vector<double> br, bi;  // forward transform of the conjugate chirp, wrapped to m

  static int64_t size_for(int64_t n) {
    int64_t m = 1;
    while (m < 2 * n - 1) m <<= 1;
    return m;
  }

  explicit Bluestein(int64_t len)
      : n(len), inner(size_for(len)), cr(len), ci(len), br(inner.n, 0.0), bi(inner.n, 0.0) {
    const int64_t m = inner.n;
    for (int64_t k = 0; k < n; k++) {
      // k^2 mod 2n, exactly (k < 2^31 here, so k*k fits in unsigned 64 bits)
      const uint64_t k2 = (static_cast<uint64_t>(k) * static_cast<uint64_t>(k)) %
                          static_cast<uint64_t>(2 * n);
      const double a = kPi * static_cast<double>(k2) / static_cast<double>(n);
      cr[k] = std::cos(a);
      ci[k] = -std::sin(a);
      br[k] = cr[k];
      bi[k] = -ci[k];
      if (k > 0) {
        br[m - k] = cr[k];
        bi[m - k] = -ci[k];
      }
    }
    inner.run(br.data(), bi.data());
  }

  // The forward DFT of re, im (length n) in place; ar, ai are scratch of length m.
  void run(double* re, double* im, double* ar, double* ai) const {
    const int64_t m = inner.n;
    for (int64_t k = 0; k < m; k++) ar[k] = ai[k] = 0.0;
    for (int64_t k = 0; k < n; k++) {
      ar[k] = re[k] * cr[k] - im[k] * ci[k];
      ai[k] = re[k] * ci[k] + im[k] * cr[k];
    }
    inner.run(ar, ai);
    for (int64_t k = 0; k < m; k++) {
      const double r = ar[k] * br[k] - ai[k] * bi[k];
      const double i = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r;
      ai[k] = -i;  // the inverse as conj(forward(conj)) / m
    }
    inner.run(ar, ai);
    const double inv = 1.0 / static_cast<double>(m);
    for (int64_t k = 0; k < n; k++) {
      const double xr = ar[k] * inv;
      const double xi = -ai[k] * inv;
      re[k] = xr * cr[k] - xi * ci[k];
      im[k] = xr * ci[k] + xi * cr[k];
    }
  }
};

template <typename T>
void rows_impl(const T* x, T* out, int64_t rows, int64_t n, bool inverse) {
  const bool pow2 = (n & (n - 1)) == 0;
  std::unique_ptr<Radix2> r2;
  std::unique_ptr<Bluestein> bl;
  if (pow2)
    r2 = std::make_unique<Radix2>(n);
  else
    bl = std::make_unique<Bluestein>(n);
  const int64_t m = pow2 ? n : bl->inner.n;
  const double sign = inverse ? -1.0 : 1.0;
  const double scale = inverse ? 1.0 / static_cast<double>(n) : 1.0;
  // about 2^14 flops per task at least
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, m));
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<double> re(n), im(n), ar(pow2 ? 0 : m), ai(pow2 ? 0 : m);
    for (int64_t r = begin; r < end; r++) {
      const T* src = x + 2 * r * n;
      T* dst = out + 2 * r * n;
      for (int64_t k = 0; k < n; k++) {
        re[k] = static_cast<double>(src[2 * k]);
        im[k] = sign * static_cast<double>(src[2 * k + 1]);
      }
      if (pow2)
        r2->run(re.data(), im.data());
      else
        bl->run(re.data(), im.data(), ar.data(), ai.data());
      for (int64_t k = 0; k < n; k++) {
        dst[2 * k] = static_cast<T>(re[k] * scale);
        dst[2 * k + 1] = static_cast<T>(sign * im[k] * scale);
      }
    }
  });
}

}  // namespace

void fft_rows(bool f32, const void* x, void* out, int64_t rows, int64_t n, bool inverse) {
  if (rows == 0 || n == 0) return;
  if (f32)
    rows_impl(static_cast<const float*>(x), static_cast<float*>(out), rows, n, inverse);
  else
    rows_impl(static_cast<const double*>(x), static_cast<double*>(out), rows, n, inverse);
}

}  // namespace tf
