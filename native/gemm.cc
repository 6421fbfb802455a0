// Packed, cache-blocked matrix product in the BLIS style.
//
// C (m x n) = op(A) (m x k) * op(B) (k x n) is computed in blocks:
//   for jc over n in NC columns          (B block KC x NC stays in L3)
//     for pc over k in KC                (one rank-KC update of C)
//       pack B[pc:pc+KC, jc:jc+NC] into NR-column panels, each KC x NR contiguous
//       for ic over m in MC rows         (A block MC x KC stays in L2)
//         pack A[ic:ic+MC, pc:pc+KC] into MR-row panels, each KC x MR contiguous
//         for jr over the NR panels      (one B panel, KC x NR, stays in L1)
//           for ir over the MR panels
//             micro-kernel: C[MR x NR] += A panel * B panel, in registers
// Packing turns every transpose into the same unit-stride reads for the micro-kernel and pads
// edge panels with zeros, so the micro-kernel never branches on sizes. The AVX2 kernel holds a
// 6 x 16 float block of C in 12 ymm registers: per k step, 2 loads of B, 6 broadcasts of A and
// 12 FMAs (192 flops), so it runs at the FMA units' limit. Threads take independent blocks of
// C (a grid of row and column blocks, see make_grid), each packing its own A and B panels, so
// nothing inside a product waits for another thread.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"
#include "threadpool.h"
#include "vmath_avx512.h"

namespace tf {

namespace {

template <class T>
using UkrFn = void (*)(int64_t kc, const T* A, const T* B, T* C, int64_t ldc, bool acc);

// ---- micro-kernels -----------------------------------------------------------------------

// Portable micro-kernel: C[MR x NR] (= or +=) sum_p A[p][i] * B[p][j]. The fixed-size local
// block lets the compiler keep it in vector registers of the baseline ISA (SSE2, NEON).
template <class T, int MR, int NR>
void ukr_generic(int64_t kc, const T* TF_RESTRICT A, const T* TF_RESTRICT B, T* TF_RESTRICT C,
                 int64_t ldc, bool acc) {
  T c[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i][j] = T(0);
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      T a = A[i];
      for (int j = 0; j < NR; j++) c[i][j] += a * B[j];
    }
    A += MR;
    B += NR;
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) C[i * ldc + j] = (acc ? C[i * ldc + j] : T(0)) + c[i][j];
}

#if TF_X86
// The AVX2 micro-kernels are written in assembly: with intrinsics, GCC spills accumulators to
// the stack inside the loop (12 accumulators, 2 B registers and 2 A broadcasts use all 16 ymm
// registers), which costs 10 to 15% of the peak. The loop computes the 6 x 2 block of ymm
// accumulators ymm4..ymm15 (row r in ymm(4+2r), ymm(5+2r)) and stores it to `out`; the caller
// adds it to C.
//
// One k step: B row p (two ymm), then for each of the 6 rows the broadcast A[p][r] times both.
#define TF_UKR_STEP(BCAST, ES, P)                                          \
  "vmovaps " #P "*64(%[b]), %%ymm0\n\t"                                    \
  "vmovaps " #P "*64+32(%[b]), %%ymm1\n\t"                                 \
  BCAST " " #P "*6*" #ES "+0*" #ES "(%[a]), %%ymm2\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm2, %%ymm4\n\t"                         \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm2, %%ymm5\n\t"                         \
  BCAST " " #P "*6*" #ES "+1*" #ES "(%[a]), %%ymm3\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm3, %%ymm6\n\t"                         \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm3, %%ymm7\n\t"                         \
  BCAST " " #P "*6*" #ES "+2*" #ES "(%[a]), %%ymm2\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm2, %%ymm8\n\t"                         \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm2, %%ymm9\n\t"                         \
  BCAST " " #P "*6*" #ES "+3*" #ES "(%[a]), %%ymm3\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm3, %%ymm10\n\t"                        \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm3, %%ymm11\n\t"                        \
  BCAST " " #P "*6*" #ES "+4*" #ES "(%[a]), %%ymm2\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm2, %%ymm12\n\t"                        \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm2, %%ymm13\n\t"                        \
  BCAST " " #P "*6*" #ES "+5*" #ES "(%[a]), %%ymm3\n\t"                    \
  "vfmadd231" TF_SFX " %%ymm0, %%ymm3, %%ymm14\n\t"                        \
  "vfmadd231" TF_SFX " %%ymm1, %%ymm3, %%ymm15\n\t"

// kc steps over packed panels A (6 per step) and B (64 bytes per step), 4 steps per iteration.
#define TF_UKR_ASM(BCAST, ES)                                              \
  asm volatile(                                                            \
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"                                  \
      "vxorps %%ymm5, %%ymm5, %%ymm5\n\t"                                  \
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"                                  \
      "vxorps %%ymm7, %%ymm7, %%ymm7\n\t"                                  \
      "vxorps %%ymm8, %%ymm8, %%ymm8\n\t"                                  \
      "vxorps %%ymm9, %%ymm9, %%ymm9\n\t"                                  \
      "vxorps %%ymm10, %%ymm10, %%ymm10\n\t"                               \
      "vxorps %%ymm11, %%ymm11, %%ymm11\n\t"                               \
      "vxorps %%ymm12, %%ymm12, %%ymm12\n\t"                               \
      "vxorps %%ymm13, %%ymm13, %%ymm13\n\t"                               \
      "vxorps %%ymm14, %%ymm14, %%ymm14\n\t"                               \
      "vxorps %%ymm15, %%ymm15, %%ymm15\n\t"                               \
      "test %[k4], %[k4]\n\t"                                              \
      "jz 2f\n\t"                                                          \
      "1:\n\t"                                                             \
      "prefetcht0 24*" #ES "*4(%[a])\n\t"                                  \
      TF_UKR_STEP(BCAST, ES, 0)                                            \
      TF_UKR_STEP(BCAST, ES, 1)                                            \
      TF_UKR_STEP(BCAST, ES, 2)                                            \
      TF_UKR_STEP(BCAST, ES, 3)                                            \
      "add $24*" #ES ", %[a]\n\t"                                          \
      "add $256, %[b]\n\t"                                                 \
      "dec %[k4]\n\t"                                                      \
      "jnz 1b\n\t"                                                         \
      "2:\n\t"                                                             \
      "test %[k1], %[k1]\n\t"                                              \
      "jz 4f\n\t"                                                          \
      "3:\n\t"                                                             \
      TF_UKR_STEP(BCAST, ES, 0)                                            \
      "add $6*" #ES ", %[a]\n\t"                                           \
      "add $64, %[b]\n\t"                                                  \
      "dec %[k1]\n\t"                                                      \
      "jnz 3b\n\t"                                                         \
      "4:\n\t"                                                             \
      "vmovaps %%ymm4, 0(%[out])\n\t"                                      \
      "vmovaps %%ymm5, 32(%[out])\n\t"                                     \
      "vmovaps %%ymm6, 64(%[out])\n\t"                                     \
      "vmovaps %%ymm7, 96(%[out])\n\t"                                     \
      "vmovaps %%ymm8, 128(%[out])\n\t"                                    \
      "vmovaps %%ymm9, 160(%[out])\n\t"                                    \
      "vmovaps %%ymm10, 192(%[out])\n\t"                                   \
      "vmovaps %%ymm11, 224(%[out])\n\t"                                   \
      "vmovaps %%ymm12, 256(%[out])\n\t"                                   \
      "vmovaps %%ymm13, 288(%[out])\n\t"                                   \
      "vmovaps %%ymm14, 320(%[out])\n\t"                                   \
      "vmovaps %%ymm15, 352(%[out])\n\t"                                   \
      "vzeroupper\n\t"                                                     \
      : [a] "+r"(A), [b] "+r"(B), [k4] "+r"(k4), [k1] "+r"(k1)             \
      : [out] "r"(out)                                                     \
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",    \
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",       \
        "xmm15", "memory", "cc")

// 6 x 16 float block: C[6 x 16] (= or +=) A panel (kc x 6) times B panel (kc x 16).
TF_AVX2 void ukr_s6x16(int64_t kc, const float* TF_RESTRICT A, const float* TF_RESTRICT B,
                       float* TF_RESTRICT C, int64_t ldc, bool acc) {
  alignas(32) float out[96];
  int64_t k4 = kc / 4, k1 = kc % 4;
  // C is touched once per kc steps; fetch its rows while the loop runs (for a large C they
  // are in no cache, and the wait would cost a third of the tile's time).
  for (int i = 0; i < 6; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 15), _MM_HINT_T0);
  }
#define TF_SFX "ps"
  TF_UKR_ASM("vbroadcastss", 4);
#undef TF_SFX
  for (int i = 0; i < 6; i++) {
    float* cr = C + i * ldc;
    __m256 r0 = _mm256_load_ps(out + 16 * i), r1 = _mm256_load_ps(out + 16 * i + 8);
    if (acc) {
      r0 = _mm256_add_ps(r0, _mm256_loadu_ps(cr));
      r1 = _mm256_add_ps(r1, _mm256_loadu_ps(cr + 8));
    }
    _mm256_storeu_ps(cr, r0);
    _mm256_storeu_ps(cr + 8, r1);
  }
}

// 6 x 8 double block: the same register layout, 4 lanes per ymm.
TF_AVX2 void ukr_d6x8(int64_t kc, const double* TF_RESTRICT A, const double* TF_RESTRICT B,
                      double* TF_RESTRICT C, int64_t ldc, bool acc) {
  alignas(32) double out[48];
  int64_t k4 = kc / 4, k1 = kc % 4;
  for (int i = 0; i < 6; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 7), _MM_HINT_T0);
  }
#define TF_SFX "pd"
  TF_UKR_ASM("vbroadcastsd", 8);
#undef TF_SFX
  for (int i = 0; i < 6; i++) {
    double* cr = C + i * ldc;
    __m256d r0 = _mm256_load_pd(out + 8 * i), r1 = _mm256_load_pd(out + 8 * i + 4);
    if (acc) {
      r0 = _mm256_add_pd(r0, _mm256_loadu_pd(cr));
      r1 = _mm256_add_pd(r1, _mm256_loadu_pd(cr + 4));
    }
    _mm256_storeu_pd(cr, r0);
    _mm256_storeu_pd(cr + 4, r1);
  }
}
#undef TF_UKR_ASM
#undef TF_UKR_STEP

// 6 x 32 float block for AVX-512F: 12 zmm accumulators (row r in c[r][0], c[r][1]), the B row
// in two zmm, one broadcast of A per row; 32 registers leave the compiler no reason to spill.
// Each C element is the same sum, in the same order (p ascending, one FMA per step), as in
// ukr_s6x16; only the number of columns per block differs.
TF_AVX512 void ukr_s6x32(int64_t kc, const float* TF_RESTRICT A, const float* TF_RESTRICT B,
                         float* TF_RESTRICT C, int64_t ldc, bool acc) {
  for (int i = 0; i < 6; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 31), _MM_HINT_T0);
  }
  __m512 c[6][2];
  for (int i = 0; i < 6; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(B), b1 = _mm512_loadu_ps(B + 16);
    for (int i = 0; i < 6; i++) {
      const __m512 a = _mm512_set1_ps(A[i]);
      c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
    }
    A += 6;
    B += 32;
  }
  for (int i = 0; i < 6; i++) {
    float* cr = C + i * ldc;
    __m512 r0 = c[i][0], r1 = c[i][1];
    if (acc) {
      r0 = _mm512_add_ps(r0, _mm512_loadu_ps(cr));
      r1 = _mm512_add_ps(r1, _mm512_loadu_ps(cr + 16));
    }
    _mm512_storeu_ps(cr, r0);
    _mm512_storeu_ps(cr + 16, r1);
  }
}
#endif

// ---- packing -------------------------------------------------------------------------------

// Packs rows [0, mc) and columns [0, kc) of op(A), where element (i, p) is at a[i*ai + p*ap],
// into MR-row panels: panel r holds, for each p, the MR values of rows r*MR..r*MR+MR-1 (zeros
// past mc).
template <class T, int MR>
void pack_a(const T* TF_RESTRICT a, int64_t ai, int64_t ap, int64_t mc, int64_t kc,
            T* TF_RESTRICT dst) {
  if (ai == 1 && ap != 1) {
    // Transposed A (stored k x m): walk each stored row once, dealing MR-wide pieces to the
    // panels, as pack_b does for row-major B.
    const int64_t full = mc / MR;
    for (int64_t p = 0; p < kc; p++) {
      const T* src = a + p * ap;
      T* d = dst + p * MR;
      for (int64_t r = 0; r < full; r++)
        for (int ii = 0; ii < MR; ii++) d[r * MR * kc + ii] = src[r * MR + ii];
    }
    if (full * MR < mc) {
      const int64_t rows = mc - full * MR;
      T* d = dst + full * MR * kc;
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t ii = 0; ii < rows; ii++) d[p * MR + ii] = a[p * ap + full * MR + ii];
        for (int64_t ii = rows; ii < MR; ii++) d[p * MR + ii] = T(0);
      }
    }
    return;
  }
  for (int64_t r = 0; r < mc; r += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - r);
    const T* src = a + r * ai;
    if (rows == MR && ap == 1) {
      // Row-major A: MR row streams, interleaved.
      const T* s[MR];
      for (int ii = 0; ii < MR; ii++) s[ii] = src + ii * ai;
      for (int64_t p = 0; p < kc; p++)
        for (int ii = 0; ii < MR; ii++) dst[p * MR + ii] = s[ii][p];
    } else if (rows == MR && ai == 1) {
      // Transposed A: each p is MR contiguous values.
      for (int64_t p = 0; p < kc; p++)
        for (int ii = 0; ii < MR; ii++) dst[p * MR + ii] = src[p * ap + ii];
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t ii = 0; ii < rows; ii++) dst[p * MR + ii] = src[ii * ai + p * ap];
        for (int64_t ii = rows; ii < MR; ii++) dst[p * MR + ii] = T(0);
      }
    }
    dst += MR * kc;
  }
}

// Packs rows [0, kc) and columns [0, nc) of op(B), element (p, j) at b[p*bp + j*bj], into
// NR-column panels (zeros past nc).
template <class T, int NR>
void pack_b(const T* TF_RESTRICT b, int64_t bp, int64_t bj, int64_t kc, int64_t nc,
            T* TF_RESTRICT dst) {
  if (bj == 1) {
    // Row-major B: walk each row of B once, left to right, dealing its NR-wide pieces to the
    // panels. (Panel by panel would read NR values from each of kc rows a page apart: a TLB
    // miss per row.)
    const int64_t full = nc / NR;
    for (int64_t p = 0; p < kc; p++) {
      const T* src = b + p * bp;
      T* d = dst + p * NR;
      for (int64_t j = 0; j < full; j++)
        std::memcpy(d + j * NR * kc, src + j * NR, NR * sizeof(T));
    }
    if (full * NR < nc) {
      const int64_t cols = nc - full * NR;
      T* d = dst + full * NR * kc;
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t jj = 0; jj < cols; jj++) d[p * NR + jj] = b[p * bp + full * NR + jj];
        for (int64_t jj = cols; jj < NR; jj++) d[p * NR + jj] = T(0);
      }
    }
    return;
  }
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - j);
    const T* src = b + j * bj;
    if (cols == NR && bj == 1) {
      for (int64_t p = 0; p < kc; p++) std::memcpy(dst + p * NR, src + p * bp, NR * sizeof(T));
    } else if (cols == NR && bp == 1) {
      // Transposed B: NR column streams, interleaved.
      const T* s[NR];
      for (int jj = 0; jj < NR; jj++) s[jj] = src + jj * bj;
      for (int64_t p = 0; p < kc; p++)
        for (int jj = 0; jj < NR; jj++) dst[p * NR + jj] = s[jj][p];
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t jj = 0; jj < cols; jj++) dst[p * NR + jj] = src[p * bp + jj * bj];
        for (int64_t jj = cols; jj < NR; jj++) dst[p * NR + jj] = T(0);
      }
    }
    dst += NR * kc;
  }
}

// ---- the blocked driver --------------------------------------------------------------------

template <class T>
struct Config {
  int mr, nr, mc, kc, nc;
  UkrFn<T> ukr;
  void (*packA)(const T*, int64_t, int64_t, int64_t, int64_t, T*);
  void (*packB)(const T*, int64_t, int64_t, int64_t, int64_t, T*);
};

template <class T, int MR, int NR>
Config<T> make_config(int mc, int kc, int nc, UkrFn<T> ukr) {
  return Config<T>{MR, NR, mc, kc, nc, ukr, &pack_a<T, MR>, &pack_b<T, NR>};
}

template <class T>
const Config<T>& config();

template <>
const Config<float>& config<float>() {
#if TF_X86
  static const Config<float> avx2 = make_config<float, 6, 16>(144, 256, 4080, &ukr_s6x16);
  if (isa() == Isa::Avx2) {
    // AVX-512 where the CPU has it (vmath_avx512.h's switch; the table is made the first time
    // this path is taken, never on a CPU without it).
    if (avx512()) {
      static const Config<float> avx512 =
          make_config<float, 6, 32>(144, 256, 4096, &ukr_s6x32);
      return avx512;
    }
    return avx2;
  }
#endif
  static const Config<float> generic =
      make_config<float, 4, 8>(128, 256, 4080, &ukr_generic<float, 4, 8>);
  return generic;
}

template <>
const Config<double>& config<double>() {
#if TF_X86
  static const Config<double> avx2 = make_config<double, 6, 8>(72, 256, 2040, &ukr_d6x8);
  if (isa() == Isa::Avx2) return avx2;
#endif
  static const Config<double> generic =
      make_config<double, 4, 4>(64, 256, 2040, &ukr_generic<double, 4, 4>);
  return generic;
}

// C[0:mc, 0:nc] (row stride ldc) (= or +=) packed A block * packed B block. The B panels are
// the outer loop so each stays in L1 while the A panels stream from L2.
template <class T>
void macro_kernel(const Config<T>& cf, int64_t mc, int64_t nc, int64_t kc, const T* Ap,
                  const T* Bp, T* C, int64_t ldc, bool acc) {
  const int MR = cf.mr, NR = cf.nr;
  alignas(64) T tmp[16 * 16];
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t nr = std::min<int64_t>(NR, nc - j);
    const T* b = Bp + j * kc;
    for (int64_t i = 0; i < mc; i += MR) {
      int64_t mr = std::min<int64_t>(MR, mc - i);
      const T* a = Ap + i * kc;
      T* c = C + i * ldc + j;
      if (mr == MR && nr == NR) {
        cf.ukr(kc, a, b, c, ldc, acc);
      } else {
        // Edge tile: compute the full tile into a scratch block, keep the valid part.
        cf.ukr(kc, a, b, tmp, NR, false);
        for (int64_t ii = 0; ii < mr; ii++)
          for (int64_t jj = 0; jj < nr; jj++)
            c[ii * ldc + jj] = (acc ? c[ii * ldc + jj] : T(0)) + tmp[ii * NR + jj];
      }
    }
  }
}

// Per-thread packing space for A blocks (and B panels when a thread runs a whole product).
struct Workspace {
  Buffer a, b;
};

struct Matrix {
  int64_t m, n, k;
  int64_t ai, ap, bp, bj;  // strides of op(A)(i, p) and op(B)(p, j)
};

// The step that cuts `total` into ceil(total / max) blocks of nearly equal size, rounded up
// to a multiple of `unit` (max is a multiple of unit, so the step never exceeds it).
inline int64_t even_step(int64_t total, int64_t max, int64_t unit) {
  const int64_t blocks = std::max<int64_t>(1, (total + max - 1) / max);
  const int64_t step = (total + blocks - 1) / blocks;
  return std::min(max, (step + unit - 1) / unit * unit);
}

// One product (or a block of one: rows and columns of op(A), op(B) and C, C's row stride ldc)
// on the calling thread, with this thread's packing buffers.
template <class T>
void gemm_serial(const Config<T>& cf, const Matrix& mt, const T* a, const T* b, T* c,
                 int64_t ldc, T* Ap, T* Bp, bool accumulate) {
  const int64_t m = mt.m, n = mt.n, k = mt.k;
  // Blocks of even size (k = 784 is 4 x 196, not 3 x 256 + 16: a thin last block would pay
  // the C loads and stores of a whole block for little work); at most KC, MC, NC.
  const int64_t ncStep = even_step(n, cf.nc, cf.nr);
  const int64_t kcStep = even_step(k, cf.kc, 1);
  const int64_t mcStep = even_step(m, cf.mc, cf.mr);
  for (int64_t jc = 0; jc < n; jc += ncStep) {
    const int64_t nc = std::min<int64_t>(ncStep, n - jc);
    for (int64_t pc = 0; pc < k; pc += kcStep) {
      const int64_t kc = std::min<int64_t>(kcStep, k - pc);
      cf.packB(b + pc * mt.bp + jc * mt.bj, mt.bp, mt.bj, kc, nc, Bp);
      for (int64_t ic = 0; ic < m; ic += mcStep) {
        const int64_t mc = std::min<int64_t>(mcStep, m - ic);
        cf.packA(a + ic * mt.ai + pc * mt.ap, mt.ai, mt.ap, mc, kc, Ap);
        macro_kernel(cf, mc, nc, kc, Ap, Bp, c + ic * ldc + jc, ldc, accumulate || pc > 0);
      }
    }
  }
}

// How one product is cut into independent tasks: a grid of row blocks (whole MR panels) by
// column blocks (whole NR panels). Each task runs gemm_serial on its block with its thread's
// own packing buffers, so threads never wait on each other inside a product; the price is that
// A is packed once per column block and B once per row block, small against the m n k work.
struct Grid {
  int64_t rows, cols;  // blocks along m and n
};

// The grid with the least packing: a grid of r x c blocks packs A c times and B r times, each
// packed element costing about as much as 8 multiply-adds (measured: packing is 8% of a
// 128 x 256 x 784 product on one thread). Two tasks per thread are taken when they cost under
// 3% more: a thread that starts late (on a loaded machine) then leaves its second one to others.
template <class T>
Grid make_grid(const Config<T>& cf, int64_t m, int64_t n, int64_t k, int threads) {
  const int64_t panelsM = (m + cf.mr - 1) / cf.mr, panelsN = (n + cf.nr - 1) / cf.nr;
  const double work = double(m) * double(n) * double(k);
  Grid best{1, 1};
  double bestCost = -1;
  for (int64_t tasks : {int64_t(threads), int64_t(2) * threads}) {
    for (int64_t r = 1; r <= tasks; r++) {
      if (tasks % r != 0) continue;
      const int64_t c = tasks / r;
      if (r > panelsM || c > panelsN) continue;
      double cost = work + 8.0 * (double(c) * m * k + double(r) * k * n);
      if (tasks > threads) cost /= 1.03;
      if (bestCost < 0 || cost < bestCost) {
        bestCost = cost;
        best = Grid{r, c};
      }
    }
  }
  if (bestCost < 0) {
    // Too few panels for an even grid: as many blocks as there are.
    best.rows = std::min<int64_t>(panelsM, threads);
    best.cols = std::min<int64_t>(panelsN, (threads + best.rows - 1) / best.rows);
  }
  return best;
}

// Small products: C = op(A) op(B) without packing, one row of C at a time (i-p-j order, the
// inner loop over a contiguous row of B, vectorized by the compiler). Used when packing would
// cost as much as the product.
template <class T>
void gemm_small(const Matrix& mt, const T* TF_RESTRICT a, const T* TF_RESTRICT b,
                T* TF_RESTRICT c, bool accumulate) {
  const int64_t m = mt.m, n = mt.n, k = mt.k;
  for (int64_t i = 0; i < m; i++) {
    T* cr = c + i * n;
    if (!accumulate)
      for (int64_t j = 0; j < n; j++) cr[j] = T(0);
    if (mt.bj == 1) {
      for (int64_t p = 0; p < k; p++) {
        T av = a[i * mt.ai + p * mt.ap];
        const T* br = b + p * mt.bp;
        for (int64_t j = 0; j < n; j++) cr[j] += av * br[j];
      }
    } else {
      // B transposed: each C element is a dot product of two contiguous rows when A is not.
      for (int64_t j = 0; j < n; j++) {
        const T* bc = b + j * mt.bj;
        T s = T(0);
        for (int64_t p = 0; p < k; p++) s += a[i * mt.ai + p * mt.ap] * bc[p];
        cr[j] = accumulate ? cr[j] + s : s;
      }
    }
  }
}

#if TF_X86
template <class T>
TF_AVX2 void gemm_small_avx2(const Matrix& mt, const T* TF_RESTRICT a, const T* TF_RESTRICT b,
                             T* TF_RESTRICT c, bool accumulate) {
  const int64_t m = mt.m, n = mt.n, k = mt.k;
  for (int64_t i = 0; i < m; i++) {
    T* cr = c + i * n;
    if (!accumulate)
      for (int64_t j = 0; j < n; j++) cr[j] = T(0);
    if (mt.bj == 1) {
      for (int64_t p = 0; p < k; p++) {
        T av = a[i * mt.ai + p * mt.ap];
        const T* br = b + p * mt.bp;
        for (int64_t j = 0; j < n; j++) cr[j] += av * br[j];
      }
    } else {
      for (int64_t j = 0; j < n; j++) {
        const T* bc = b + j * mt.bj;
        T s = T(0);
        for (int64_t p = 0; p < k; p++) s += a[i * mt.ai + p * mt.ap] * bc[p];
        cr[j] = accumulate ? cr[j] + s : s;
      }
    }
  }
}
#endif

// ---- matrix-vector products ------------------------------------------------------------------

// A product with one output row or column (m == 1 or n == 1) is a matrix-vector product: the
// blocked path would pack the whole matrix and run its micro-kernel on a block padded from 1 to
// 16 or 32 columns. These loops read the matrix once. Two forms, by which way the matrix's
// contiguous axis runs:
//   dot:  out[i] = sum_p r_i[p] v[p], r_i = rows + i * rs, v and every r_i contiguous. The sum
//         is kept in kLanes partial sums (lane j takes p = j mod kLanes), added in a fixed tree
//         at the end, so the result does not depend on threads.
//   axpy: out[j] = sum_p s[p * ss] M[p * ms + j], p ascending: each output one running sum.
constexpr int kLanes = 32;
// Outputs per thread chunk of a matrix-vector product: about this many multiply-adds.
constexpr int64_t kThreadMacsGemv = 64 * 1024;

#define TF_DEFINE_GEMV(SUFFIX, ATTR)                                                          \
  template <class T>                                                                          \
  ATTR T dot_##SUFFIX(const T* TF_RESTRICT r, const T* TF_RESTRICT v, int64_t k) {            \
    T acc[kLanes] = {};                                                                       \
    int64_t p = 0;                                                                            \
    for (; p + kLanes <= k; p += kLanes)                                                      \
      for (int j = 0; j < kLanes; j++) acc[j] += r[p + j] * v[p + j];                         \
    for (int j = 0; p + j < k; j++) acc[j] += r[p + j] * v[p + j];                            \
    for (int w = kLanes / 2; w >= 1; w /= 2)                                                  \
      for (int j = 0; j < w; j++) acc[j] += acc[j + w];                                       \
    return acc[0];                                                                            \
  }                                                                                           \
  template <class T>                                                                          \
  ATTR void axpy_##SUFFIX(const T* TF_RESTRICT s, int64_t ss, const T* TF_RESTRICT mat,       \
                          int64_t ms, int64_t k, T* TF_RESTRICT out, int64_t cols) {          \
    for (int64_t j = 0; j < cols; j++) out[j] = T(0);                                         \
    for (int64_t p = 0; p < k; p++) {                                                         \
      const T sv = s[p * ss];                                                                 \
      const T* row = mat + p * ms;                                                            \
      for (int64_t j = 0; j < cols; j++) out[j] += sv * row[j];                               \
    }                                                                                         \
  }
TF_DEFINE_GEMV(generic, )
#if TF_X86
TF_DEFINE_GEMV(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_GEMV

template <class T>
T dot(const T* r, const T* v, int64_t k) {
#if TF_X86
  if (isa() == Isa::Avx2) return dot_avx2(r, v, k);
#endif
  return dot_generic(r, v, k);
}

template <class T>
void axpy(const T* s, int64_t ss, const T* mat, int64_t ms, int64_t k, T* out, int64_t cols) {
#if TF_X86
  if (isa() == Isa::Avx2) return axpy_avx2(s, ss, mat, ms, k, out, cols);
#endif
  axpy_generic(s, ss, mat, ms, k, out, cols);
}

// One product with m == 1 or n == 1 into c (m * n values). `single`: on the calling thread.
template <class T>
void gemv(const Matrix& mt, const T* a, const T* b, T* c, bool accumulate, bool single) {
  const int64_t m = mt.m, n = mt.n, k = mt.k;
  const int64_t len = n == 1 ? m : n;  // the outputs
  // The vector and the matrix: n == 1 takes the column op(B)(., 0) against op(A); m == 1 the row
  // op(A)(0, .) against op(B), whose output index j plays the part of i.
  const T* vec = n == 1 ? b : a;
  const int64_t vs = n == 1 ? mt.bp : mt.ap;          // the vector's stride over p
  const T* mat = n == 1 ? a : b;
  const int64_t mo = n == 1 ? mt.ai : mt.bj;          // the matrix's stride over the outputs
  const int64_t mp = n == 1 ? mt.ap : mt.bp;          // ... and over p
  const int64_t grain = std::max<int64_t>(16, kThreadMacsGemv / std::max<int64_t>(k, 1));
  auto store = [&](int64_t o, T v) { c[o] = accumulate ? c[o] + v : v; };
  if (mp == 1 && vs == 1) {
    // Contiguous rows against a contiguous vector: dot products.
    auto rows = [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; i++) store(i, dot(mat + i * mo, vec, k));
    };
    if (single) rows(0, len);
    else parallel_for(len, grain, rows);
    return;
  }
  if (mo == 1) {
    // The outputs run along the matrix's contiguous axis: running sums over p, by column chunk.
    auto cols = [&](int64_t j0, int64_t j1) {
      thread_local std::vector<T> tmp;
      tmp.resize(static_cast<size_t>(j1 - j0));
      axpy(vec, vs, mat + j0, mp, k, tmp.data(), j1 - j0);
      for (int64_t j = j0; j < j1; j++) store(j, tmp[static_cast<size_t>(j - j0)]);
    };
    if (single) cols(0, len);
    else parallel_for(len, std::max<int64_t>(grain, 256), cols);
    return;
  }
  // Strided both ways (a vector that is not contiguous against strided rows): plain sums.
  for (int64_t o = 0; o < len; o++) {
    T sum = T(0);
    for (int64_t p = 0; p < k; p++) sum += mat[o * mo + p * mp] * vec[p * vs];
    store(o, sum);
  }
}

// Products up to this many multiply-adds skip packing and threads.
constexpr int64_t kSmallMacs = 24 * 24 * 24;
// Products below this many multiply-adds run on one thread: a job on the pool costs about a
// microsecond when the workers are awake, tens when they must be woken.
constexpr int64_t kThreadMacs = 96 * 96 * 96;

template <class T>
void run_small(const Matrix& mt, const T* a, const T* b, T* c, bool accumulate) {
#if TF_X86
  if (isa() == Isa::Avx2) return gemm_small_avx2(mt, a, b, c, accumulate);
#endif
  gemm_small(mt, a, b, c, accumulate);
}

std::mutex g_mutex;                                // guards the shared workspaces below
std::vector<std::unique_ptr<Workspace>> g_spaces;  // one per pool thread

template <class T>
void gemm_impl(const T* a, const T* b, T* c, const GemmParams& p) {
  const Config<T>& cf = config<T>();
  Matrix mt{p.m, p.n, p.k, p.transA ? 1 : p.k, p.transA ? p.m : 1,
            p.transB ? 1 : p.n, p.transB ? p.k : 1};
  const int64_t m = p.m, n = p.n, k = p.k;
  if (p.batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    if (!p.accumulate) std::fill(c, c + p.batch * m * n, T(0));
    return;
  }
  const int64_t macs = m * n * k;
  if ((m == 1 || n == 1) && macs > kSmallMacs) {
    for (int64_t s = 0; s < p.batch; s++)
      gemv(mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n, p.accumulate,
           p.single);
    return;
  }
  if (macs <= kSmallMacs && p.single) {
    for (int64_t s = 0; s < p.batch; s++)
      run_small(mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n, p.accumulate);
    return;
  }
  if (macs <= kSmallMacs) {
    // Batches of small products: split the batch over threads when it is large.
    parallel_for(p.batch, std::max<int64_t>(1, kThreadMacs / macs), [&](int64_t s0, int64_t s1) {
      for (int64_t s = s0; s < s1; s++)
        run_small(mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n,
                  p.accumulate);
    });
    return;
  }

  const int64_t kc = std::min<int64_t>(cf.kc, k);
  const int64_t ncMax = std::min<int64_t>(cf.nc, (n + cf.nr - 1) / cf.nr * cf.nr);
  const int64_t mcMax = std::min<int64_t>(cf.mc, (m + cf.mr - 1) / cf.mr * cf.mr);
  const size_t aElems = static_cast<size_t>(mcMax * kc);
  const size_t bElems = static_cast<size_t>(ncMax * kc);

  // Another thread (a Node worker) is using the shared workspaces, or the caller asked for one
  // thread: run alone on our own.
  std::unique_lock<std::mutex> lock(g_mutex, std::defer_lock);
  if (p.single || !lock.try_lock()) {
    thread_local Workspace own;
    T* A = own.a.as<T>(aElems);
    T* B = own.b.as<T>(bElems);
    for (int64_t s = 0; s < p.batch; s++)
      gemm_serial(cf, mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n, n, A, B,
                  p.accumulate);
    return;
  }

  ThreadPool& pool = ThreadPool::get();
  const int threads = pool.size();
  // A workspace for every possible tid, not only `threads`: another Node thread may resize the
  // pool before our job starts, and the job then has that many tids. Each task sizes its own
  // thread's buffers (a comparison once they are big enough; a failed allocation in a task is
  // rethrown by the pool).
  if (g_spaces.empty())
    for (int t = 0; t < kMaxThreads; t++) g_spaces.push_back(std::make_unique<Workspace>());
  const bool parallel = threads > 1 && macs >= kThreadMacs;
  auto serial = [&](int tid, const Matrix& blk, const T* as, const T* bs, T* cs) {
    Workspace& w = *g_spaces[tid];
    gemm_serial(cf, blk, as, bs, cs, n, w.a.as<T>(aElems), w.b.as<T>(bElems), p.accumulate);
  };
  if (!parallel) {
    for (int64_t s = 0; s < p.batch; s++)
      serial(0, mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n);
    return;
  }
  // Many mid-size products: whole products as tasks.
  if (p.batch >= 2 * threads && macs < 256LL * 256 * 256) {
    pool.run(p.batch, [&](int64_t s, int tid) {
      serial(tid, mt, a + s * p.aBatchStride, b + s * p.bBatchStride, c + s * m * n);
    });
    return;
  }
  const Grid g = make_grid(cf, m, n, k, threads);
  const int64_t panelsM = (m + cf.mr - 1) / cf.mr, panelsN = (n + cf.nr - 1) / cf.nr;
  for (int64_t s = 0; s < p.batch; s++) {
    const T* as = a + s * p.aBatchStride;
    const T* bs = b + s * p.bBatchStride;
    T* cs = c + s * m * n;
    pool.run(g.rows * g.cols, [&](int64_t t, int tid) {
      const int64_t r = t / g.cols, q = t % g.cols;
      const int64_t i0 = std::min(m, panelsM * r / g.rows * cf.mr);
      const int64_t i1 = std::min(m, panelsM * (r + 1) / g.rows * cf.mr);
      const int64_t j0 = std::min(n, panelsN * q / g.cols * cf.nr);
      const int64_t j1 = std::min(n, panelsN * (q + 1) / g.cols * cf.nr);
      if (i0 >= i1 || j0 >= j1) return;
      Matrix blk = mt;
      blk.m = i1 - i0;
      blk.n = j1 - j0;
      serial(tid, blk, as + i0 * mt.ai, bs + j0 * mt.bj, cs + i0 * n + j0);
    });
  }
}

}  // namespace

void gemm(const float* a, const float* b, float* c, const GemmParams& p) { gemm_impl(a, b, c, p); }
void gemm(const double* a, const double* b, double* c, const GemmParams& p) {
  gemm_impl(a, b, c, p);
}

}  // namespace tf
