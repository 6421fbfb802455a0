// Fused elementwise programs (tf.function's elementwise fusion on the native backend).
//
// A program is a list of unary and binary instructions over the inputs and earlier results,
// optionally followed by a reduction of the last result (sum, mean or max of runs of rowLen
// consecutive elements: over everything, or over trailing axes). It runs over cache-sized tiles
// of the iteration space: each instruction is one call of the loop the eager kernel runs
// (kernels.h's spans) on a tile held in an L1-sized scratch register, so a chain of k ops reads
// its inputs once and writes its output once instead of k times, and every op rounds exactly
// as its eager kernel does. Tiles are spread over the thread pool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"

namespace tf {

enum class FusedReduce { None = 0, Sum = 1, Mean = 2, Max = 3 };

// Instructions beyond the eager loops (fused_program_ops.cc): fn kNumUnary + i is
// kFusedExtraUnaryNames[i], kNumBinary + i is kFusedExtraBinaryNames[i].
extern const char* const kFusedExtraUnaryNames[];
extern const int kNumFusedExtraUnary;
extern const char* const kFusedExtraBinaryNames[];
extern const int kNumFusedExtraBinary;
UnarySpan fused_extra_unary_span(int fn, DType t);
BinarySpans fused_extra_binary_spans(int fn, DType t);
// The AVX-512 float32 loops of binary fn (an index into kBinaryNames) into *out, where there are
// some (Add, Sub, Mul, Div; fused_program_avx512.cc); false otherwise. Only for float32 and only
// where avx512().
bool fused_avx512_binary_spans(int fn, BinarySpans* out);
// Two such instructions in one pass, each with one operand a single value (c1, c2):
// y = op2(op1(x, c1), c2), each operation rounded as its own instruction rounds it (never
// contracted to an FMA), so y is the two passes' result bit for bit. xIsB1: x is op1's second
// operand (op1(c1, x)); zIsB2: op1's result is op2's second operand. x may be y (the same
// pointer). Null where fn1 or fn2 has no AVX-512 loop.
using FusedPairSpan = void (*)(const float* x, float c1, float c2, float* y, int64_t n);
FusedPairSpan fused_avx512_pair_span(int fn1, bool xIsB1, int fn2, bool zIsB2);

struct FusedInstr {
  bool binary;
  int fn;  // index into kUnaryNames / kBinaryNames, then the extra names
  // Operands: 0 .. numInputs-1 are the inputs, numInputs + j the result of instruction j.
  int a, b;
};

// An input, as the iteration space reads it: element i reads data[(i / rep) % per]. Same shape
// as the output: rep 1, per n. One element: per 1. A row [C] against [R, C]: rep 1, per C. A
// column [R, 1] against [R, C]: rep C, per R. (Other broadcasts are materialized by the caller.)
struct FusedInput {
  const void* data;
  int64_t rep, per;
};

struct FusedProgram {
  int numInputs = 0;
  std::vector<FusedInstr> code;
  FusedReduce reduce = FusedReduce::None;
  // Filled by plan_fused_program: the scratch register each instruction writes (-1: straight
  // into the output), and how many registers there are.
  std::vector<int> reg;
  int numRegs = 0;
};

// Most instructions a program may have (registers are tile-sized scratch buffers per thread).
constexpr int kMaxFusedInstrs = 4096;

// Checks a program (operands in range and defined before use, function indices known and not
// bool-valued) and assigns registers by lifetime. Returns "" or what is wrong.
std::string plan_fused_program(FusedProgram& p);

// Runs a planned program over n elements of float type t. Without a reduction, out has n
// elements (rows and rowLen are unused). With one, n = rows * rowLen and out has rows elements,
// each the reduction of rowLen consecutive results (rowLen 0: the identity, sum 0, mean NaN,
// max -inf). Inputs and out have type t; out overlaps no input.
void run_fused_program(const FusedProgram& p, DType t, const std::vector<FusedInput>& ins,
                       void* out, int64_t n, int64_t rows, int64_t rowLen);

}  // namespace tf
