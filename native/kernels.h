// The kernels the binding calls, on raw pointers whose sizes the binding has checked.
#pragma once

#include <cstdint>
#include <vector>

namespace tf {

// Element types of the typed arrays a tensor holds.
enum class DType { F32, F64, I32, U8 };
size_t dtype_size(DType t);

using Shape = std::vector<int64_t>;

// ---- elementwise ----------------------------------------------------------------------------

// Names as in src/backend/elementwise.ts (TensorFlow's raw-op names); the binding exports them
// and the TS side maps names to indices, so the two lists cannot drift apart.
extern const char* const kUnaryNames[];
extern const int kNumUnary;
extern const char* const kBinaryNames[];
extern const int kNumBinary;

// True when unary fn writes bool (uint8) from a float input (IsNan, IsFinite).
bool unary_bool_out(int fn);
// True when binary fn is a comparison (float inputs, bool output).
bool binary_bool_out(int fn);

// y[i] = f(x[i]) for float32/float64 x; y has x's type, or uint8 when unary_bool_out.
void unary(int fn, DType t, const void* x, void* y, int64_t n);

// out = f(a, b) with NumPy broadcasting (shapes already checked against each other).
void binary(int fn, DType t, const void* a, const Shape& as, const void* b, const Shape& bs,
            void* out, const Shape& os);

// out = cond ? x : y broadcast to os; x, y and out have elements of `elem` bytes (1, 4 or 8).
void select(const uint8_t* cond, const Shape& cs, const void* x, const Shape& xs, const void* y,
            const Shape& ys, void* out, const Shape& os, size_t elem);

// Numeric conversion as the JS backend does it (to bool: x != 0; to int32: JS ToInt32 of the
// truncation, so NaN and infinities give 0 and large values wrap modulo 2^32).
void cast(DType from, const void* x, DType to, void* out, int64_t n);

// The loops unary() and binary() run on each chunk, for the instruction set in force at the
// call (fused_program.cc runs them on cache-sized tiles, so its results are the eager ones bit
// for bit). Spans may not overlap their outputs.
using UnarySpan = void (*)(const void* x, void* y, int64_t n);
using BinarySpan = void (*)(const void* a, const void* b, void* y, int64_t n);
struct BinarySpans {
  BinarySpan vv, vs, sv;  // a and b advance; only a (b one value); only b (a one value)
  int cost;               // 0 cheap arithmetic, 1 a libm call per element
};
UnarySpan unary_span(int fn, DType t);
int unary_cost(int fn);
BinarySpans binary_spans(int fn, DType t);

// ---- reduce ---------------------------------------------------------------------------------

extern const char* const kReduceNames[];
extern const int kNumReduce;

// Reduces x (float32/float64) of `shape` over sorted distinct `axes` into out (same dtype).
// Float32 sums and products accumulate in float64.
void reduce(int fn, DType t, const void* x, const Shape& shape, const std::vector<int>& axes,
            void* out);

}  // namespace tf
