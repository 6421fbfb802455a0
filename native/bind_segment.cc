// N-API entry point of the segment sum (segment.cc). Argument rules: addon.cc.
#include "binding.h"
#include "special.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// unsortedSegmentSum(data, ids, inner, out): data [ids.length, inner], out [numSegments,
// inner] (zeroed by the caller, added to); ids int32, negative ones skipped, every other one
// below numSegments = out.length / inner.
Napi::Value UnsortedSegmentSum(const Napi::CallbackInfo& info) {
  Call c(info, "unsortedSegmentSum");
  const int64_t inner = c.count(2, "inner");
  Arr data = c.array(0, "data");
  Arr ids = c.array(1, "ids");
  Arr out = c.array(3, "out");
  c.expect_dtype(ids, DType::I32);
  c.same_dtype({&data, &out});
  if (data.dtype == DType::U8) c.type_error("data must be float32, float64 or int32, got bool");
  c.expect_len(data, c.product({ids.length, inner}));
  c.disjoint({&out}, {&data, &ids});
  if (inner == 0 || out.length == 0) return c.env().Undefined();
  if (out.length % inner != 0)
    c.range_error("out has " + std::to_string(out.length) + " elements, not a multiple of inner " +
                  std::to_string(inner));
  const int64_t segments = out.length / inner;
  const int32_t* id = static_cast<const int32_t*>(ids.data);
  for (int64_t i = 0; i < ids.length; i++)
    if (id[i] >= segments)
      c.range_error("ids[" + std::to_string(i) + "] = " + std::to_string(id[i]) +
                    " is not below numSegments " + std::to_string(segments));
  tf::unsorted_segment_sum(data.dtype, data.data, id, ids.length, inner, out.data);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("unsortedSegmentSum", UnsortedSegmentSum);
