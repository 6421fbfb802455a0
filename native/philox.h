// Philox4x32-10 uniform draws, bit for bit those of src/ops/random-philox.ts (TensorFlow's
// generator and its Uint32ToFloat / Uint64ToDouble conversions).
#pragma once

#include <cstdint>

namespace tf {

// Fills out[0, n) with uniform [0, 1) draws from the blocks at counters ctr, ctr + 1, ... (a
// 128-bit counter, words low to high) under key: f32Draws takes 4 draws per block (23-bit
// mantissas, k / 2^23), else 2 per block (52-bit, k / 2^52). out is float (outF32) or double;
// a draw is stored as the JS typed array would store it (rounded to nearest).
void philox_uniform(const uint32_t key[2], const uint32_t ctr[4], void* out, bool outF32,
                    int64_t n, bool f32Draws);

}  // namespace tf
