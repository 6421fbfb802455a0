// Fast Fourier transforms of batches of complex rows (interleaved (re, im) storage): radix-2
// for powers of two, Bluestein's chirp-z for every other length. The JS twin and reference is
// src/backend/fft.ts.
#pragma once

#include <cstdint>

namespace tf {

// out row r = DFT of x row r (inverse: e^(+i...) and the 1/n), rows of n complex numbers of
// float (f32) or double; x and out do not overlap. Rows run in parallel on the thread pool.
void fft_rows(bool f32, const void* x, void* out, int64_t rows, int64_t n, bool inverse);

}  // namespace tf
