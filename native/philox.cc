// Philox4x32-10 (Salmon et al. 2011) with TensorFlow's constants, as src/ops/random-philox.ts:
// per round, with 64-bit products p0 = M0 c0 and p1 = M1 c2,
//   (c0, c1, c2, c3) <- (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0)),
//   (k0, k1) <- (k0 + W0, k1 + W1).
// Blocks are independent given their counters, so tasks take ranges of blocks.
#include "philox.h"

#include <algorithm>

#include "threadpool.h"

namespace tf {

namespace {

constexpr uint32_t kM0 = 0xd2511f53u, kM1 = 0xcd9e8d57u;
constexpr uint32_t kW0 = 0x9e3779b9u, kW1 = 0xbb67ae85u;

inline void philox_block(const uint32_t ctr[4], uint32_t k0, uint32_t k1, uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  for (int round = 0; round < 10; round++) {
    const uint64_t p0 = uint64_t(kM0) * c0, p1 = uint64_t(kM1) * c2;
    const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
    c1 = uint32_t(p1);
    c3 = uint32_t(p0);
    c0 = n0;
    c2 = n2;
    k0 += kW0;
    k1 += kW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// c += d (128-bit, words low to high).
inline void add128(uint32_t c[4], uint64_t d) {
  uint64_t s = uint64_t(c[0]) + (d & 0xffffffffu);
  c[0] = uint32_t(s);
  uint64_t carry = (s >> 32) + (d >> 32);
  for (int w = 1; w < 4 && carry != 0; w++) {
    s = uint64_t(c[w]) + carry;
    c[w] = uint32_t(s);
    carry = s >> 32;
  }
}

template <class T>
void fill(const uint32_t key[2], const uint32_t ctr[4], T* out, int64_t n, bool f32Draws) {
  const int per = f32Draws ? 4 : 2;
  const int64_t blocks = (n + per - 1) / per;
  // 4096 blocks per task: about 16k draws.
  const int64_t grain = 4096;
  const int64_t tasks = (blocks + grain - 1) / grain;
  ThreadPool::get().run(tasks, [&](int64_t t, int) {
    const int64_t b0 = t * grain, b1 = std::min(blocks, b0 + grain);
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    add128(c, uint64_t(b0));
    uint32_t w[4];
    for (int64_t b = b0; b < b1; b++, add128(c, 1)) {
      philox_block(c, key[0], key[1], w);
      const int64_t i = b * per;
      if (f32Draws) {
        for (int j = 0; j < 4 && i + j < n; j++)
          out[i + j] = static_cast<T>(float(w[j] & 0x7fffffu) * (1.0f / 8388608.0f));
      } else {
        out[i] = static_cast<T>((double(w[0] & 0xfffffu) * 4294967296.0 + double(w[1])) /
                                4503599627370496.0);
        if (i + 1 < n)
          out[i + 1] = static_cast<T>(
              (double(w[2] & 0xfffffu) * 4294967296.0 + double(w[3])) / 4503599627370496.0);
      }
    }
  });
}

}  // namespace

void philox_uniform(const uint32_t key[2], const uint32_t ctr[4], void* out, bool outF32,
                    int64_t n, bool f32Draws) {
  if (n <= 0) return;
  if (outF32)
    fill(key, ctr, static_cast<float*>(out), n, f32Draws);
  else
    fill(key, ctr, static_cast<double*>(out), n, f32Draws);
}

}  // namespace tf
