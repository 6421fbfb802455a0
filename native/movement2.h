// Movement kernels beyond the blocked transpose (issue 10): a general strided copy (slices,
// strided slices and their gradients, broadcasts and tiles, constant padding), concat / split,
// gather, the scatter-add of gather's gradient (UnsortedSegmentSum), one-hot and mirror
// padding. Arguments are checked by bind_movement.cc before these run: every offset a kernel
// forms lies inside its arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace tf {

// For every index i of `dims`: dst[dstBase + sum_a i_a dstSt[a]] = src[srcBase + sum_a i_a
// srcSt[a]], for elements of `elem` bytes (1, 4 or 8). Strides may be negative (reversed
// slices) and source strides zero (broadcasts); destination positions must be distinct. Size-1
// axes are dropped and axes both sides walk contiguously merged, so rows become memcpy runs
// (or fills, where the source stride is zero).
void strided_copy(size_t elem, const void* src, int64_t srcBase, const std::vector<int64_t>& srcSt,
                  void* dst, int64_t dstBase, const std::vector<int64_t>& dstSt,
                  const Shape& dims);

// ConcatV2 as row blocks: xs[k] is [outer, inners[k]], out is [outer, sum(inners)].
void concat(size_t elem, const std::vector<const void*>& xs, int64_t outer,
            const std::vector<int64_t>& inners, void* out);

// The inverse of concat: x is [outer, sum(inners)], outs[k] is [outer, inners[k]].
void split(size_t elem, const void* x, int64_t outer, const std::vector<int64_t>& inners,
           const std::vector<void*>& outs);

// GatherV2: params [batch, outer, axis, inner], idx [batch, n], out [batch, outer, n, inner].
// Each index is read once; one outside [0, axis) (possible only when the indices live in shared
// memory and changed after the binding checked them) gives a row of zeros.
void gather(size_t elem, const void* params, const int32_t* idx, int64_t batch, int64_t outer,
            int64_t axis, int64_t inner, int64_t n, void* out);

// UnsortedSegmentSum: out[ids[r], :] += data[r, :] for r in [0, rows), data [rows, inner], out
// [segments, inner] (float32, float64 or int32, int32 wrapping). Ids outside [0, segments) are
// dropped. Threads own disjoint ranges of segments, so the result does not depend on them.
void segment_sum(DType t, const void* data, const int32_t* ids, int64_t rows, int64_t inner,
                 int64_t segments, void* out);

// OneHot: out [outer, depth, inner] = off, except out[o, idx[o, i], i] = on for indices in
// [0, depth). on / off point at one element of out's type.
void one_hot(size_t elem, const int32_t* idx, int64_t outer, int64_t depth, int64_t inner,
             const void* on, const void* off, void* out);

// PadV2: out (of outShape) is `value` (one element of out's type) except out[i + before] = x[i];
// every element is written once (no zero fill first). before[a] + shape[a] <= outShape[a].
void pad_constant(size_t elem, const void* x, const Shape& shape, const std::vector<int64_t>& before,
                  const void* value, void* out, const Shape& outShape);

// MirrorPad: out's index j along axis a reads x at j - before[a] reflected into [0, shape[a])
// (REFLECT excludes the edge, SYMMETRIC repeats it). One reflection suffices (checked).
void mirror_pad(size_t elem, const void* x, const Shape& shape, const std::vector<int64_t>& before,
                bool symmetric, void* out, const Shape& outShape);

// MirrorPadGrad: out (of `shape`, float32/float64/int32) += dy at every position mirror_pad
// reads; out is zeroed first.
void mirror_pad_grad(DType t, const void* dy, const Shape& dyShape,
                     const std::vector<int64_t>& before, bool symmetric, void* out,
                     const Shape& shape);

}  // namespace tf
