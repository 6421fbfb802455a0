// N-API entry points of the movement kernels (movement2.h). Argument rules: addon.cc. Lists of
// signed integers (strides) and of typed arrays (concat's inputs, split's outputs) are read
// here, in phase 1 for their elements and in phase 2 for the arrays' pointers.
#include "binding.h"
#include "movement2.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;
using tf::Shape;

// An array of at most 64 integers of either sign, |v| <= 2^53 (phase 1: may run JS).
std::vector<int64_t> signed_list(const Call& c, size_t i, const char* name,
                                 const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  bool isArray = false;
  uint32_t n = 0;
  if (i >= info.Length() || napi_is_array(env, info[i], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, info[i], &n) != napi_ok)
    c.type_error(std::string(name) + " must be an array of integers");
  if (n > 64) c.range_error(std::string(name) + " has " + std::to_string(n) + " entries > 64");
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; k++) {
    napi_value v;
    double x = 0;
    if (napi_get_element(env, info[i], k, &v) != napi_ok ||
        napi_get_value_double(env, v, &x) != napi_ok)
      c.type_error(std::string(name) + " has a non-number at " + std::to_string(k));
    if (!(std::fabs(x) <= kMaxSafe && std::floor(x) == x))
      c.range_error(std::string(name) + "[" + std::to_string(k) + "] must be an integer, got " +
                    std::to_string(x));
    out[k] = static_cast<int64_t>(x);
  }
  return out;
}

// An array of sizes (concat's inners): non-negative integers below 2^53, any number of them
// up to 2^20 (phase 1: may run JS). Unlike a shape, their product is not bounded; their sum is
// checked by the caller.
std::vector<int64_t> size_list(const Call& c, size_t i, const char* name,
                               const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  bool isArray = false;
  uint32_t n = 0;
  if (i >= info.Length() || napi_is_array(env, info[i], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, info[i], &n) != napi_ok)
    c.type_error(std::string(name) + " must be an array of sizes");
  if (n > (1u << 20)) c.range_error(std::string(name) + " has too many entries");
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; k++) {
    napi_value v;
    double x = 0;
    if (napi_get_element(env, info[i], k, &v) != napi_ok ||
        napi_get_value_double(env, v, &x) != napi_ok)
      c.type_error(std::string(name) + " has a non-number at " + std::to_string(k));
    if (!(x >= 0 && x <= kMaxSafe && std::floor(x) == x))
      c.range_error(std::string(name) + "[" + std::to_string(k) +
                    "] must be a non-negative integer, got " + std::to_string(x));
    out[k] = static_cast<int64_t>(x);
  }
  return out;
}

// The elements of an array argument (phase 1: reading them may run JS).
std::vector<napi_value> elements(const Call& c, size_t i, const char* name,
                                 const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  bool isArray = false;
  uint32_t n = 0;
  if (i >= info.Length() || napi_is_array(env, info[i], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, info[i], &n) != napi_ok)
    c.type_error(std::string(name) + " must be an array of typed arrays");
  if (n > (1u << 20)) c.range_error(std::string(name) + " has too many entries");
  std::vector<napi_value> out(n);
  for (uint32_t k = 0; k < n; k++)
    if (napi_get_element(env, info[i], k, &out[k]) != napi_ok)
      c.type_error(std::string(name) + " has an unreadable entry at " + std::to_string(k));
  return out;
}

// A typed array held in a napi_value (phase 2: no JS runs). `name` must outlive the Arr.
Arr typed(const Call& c, napi_value v, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  bool is = false;
  if (napi_is_typedarray(c.env(), v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(c.env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok)
    c.type_error(std::string(name) + " must be a typed array");
  DType t;
  switch (type) {
    case napi_float32_array:
      t = DType::F32;
      break;
    case napi_float64_array:
      t = DType::F64;
      break;
    case napi_int32_array:
      t = DType::I32;
      break;
    case napi_uint8_array:
      t = DType::U8;
      break;
    default:
      c.type_error(std::string(name) +
                   " must be a Float32Array, Float64Array, Int32Array or Uint8Array");
  }
  if (data == nullptr && length > 0) c.type_error(std::string(name) + " is detached");
  return Arr{t, data, static_cast<int64_t>(length), name};
}

// Every offset base + sum_a i_a st[a] (0 <= i_a < dims[a]) lies in [0, length): checked on the
// extremes. A term that passes 2^53 cannot fit (the span of the offsets is at most length).
void check_span(const Call& c, const char* name, int64_t base, const std::vector<int64_t>& st,
                const Shape& dims, int64_t length) {
  for (int64_t d : dims)
    if (d == 0) return;  // nothing is read or written
  int64_t lo = base, hi = base;
  for (size_t a = 0; a < dims.size(); a++) {
    const double term = static_cast<double>(dims[a] - 1) * static_cast<double>(st[a]);
    if (std::fabs(term) > kMaxSafe) c.range_error(std::string(name) + " strides reach too far");
    const int64_t t = (dims[a] - 1) * st[a];
    (t < 0 ? lo : hi) += t;
  }
  if (lo < 0 || hi >= length)
    c.range_error(std::string(name) + " offsets [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "] fall outside its " + std::to_string(length) +
                  " elements");
}

// stridedCopy(src, srcBase, srcStrides, dst, dstBase, dstStrides, dims): movement2.h. Any
// element type (src and dst of one dtype); the destination positions must be distinct (no zero
// destination stride along an axis longer than 1).
Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  Call c(info, "stridedCopy");
  const int64_t srcBase = c.count(1, "srcBase");
  const int64_t dstBase = c.count(4, "dstBase");
  std::vector<int64_t> ss = signed_list(c, 2, "srcStrides", info);
  std::vector<int64_t> ds = signed_list(c, 5, "dstStrides", info);
  Shape dims = c.shape(6, "dims");
  Arr src = c.array(0, "src");
  Arr dst = c.array(3, "dst");
  c.same_dtype({&src, &dst});
  if (ss.size() != dims.size() || ds.size() != dims.size())
    c.range_error("srcStrides and dstStrides need one entry per dim of " + shape_str(dims));
  for (size_t a = 0; a < dims.size(); a++)
    if (dims[a] > 1 && ds[a] == 0)
      c.range_error("dstStrides[" + std::to_string(a) + "] is 0: destinations must be distinct");
  check_span(c, "src", srcBase, ss, dims, src.length);
  check_span(c, "dst", dstBase, ds, dims, dst.length);
  c.disjoint({&dst}, {&src});
  tf::strided_copy(tf::dtype_size(src.dtype), src.data, srcBase, ss, dst.data, dstBase, ds, dims);
  return c.env().Undefined();
}

// concat(xs, outer, inners, out) / split(x, outer, inners, outs): movement2.h.
template <bool Split>
Napi::Value ConcatSplit(const Napi::CallbackInfo& info) {
  Call c(info, Split ? "split" : "concat");
  const int64_t outer = c.count(1, "outer");
  std::vector<int64_t> inners = size_list(c, 2, "inners", info);
  std::vector<napi_value> list = elements(c, Split ? 3 : 0, Split ? "outs" : "xs", info);
  if (list.size() != inners.size())
    c.range_error(std::string(Split ? "outs" : "xs") + " has " + std::to_string(list.size()) +
                  " arrays for " + std::to_string(inners.size()) + " inners");
  int64_t total = 0;
  for (int64_t n : inners) {
    total += n;  // each below 2^53, at most 2^20 of them
    if (static_cast<double>(total) > kMaxSafe) c.range_error("inners sum past 2^53");
  }
  std::vector<std::string> names(list.size());
  for (size_t k = 0; k < list.size(); k++)
    names[k] = std::string(Split ? "outs[" : "xs[") + std::to_string(k) + "]";
  Arr whole = c.array(Split ? 0 : 3, Split ? "x" : "out");
  std::vector<Arr> parts;
  parts.reserve(list.size());
  for (size_t k = 0; k < list.size(); k++) parts.push_back(typed(c, list[k], names[k].c_str()));
  c.expect_len(whole, c.product({outer, total}));
  for (size_t k = 0; k < parts.size(); k++) {
    c.same_dtype({&whole, &parts[k]});
    c.expect_len(parts[k], c.product({outer, inners[k]}));
  }
  // Outputs overlap neither the inputs nor each other.
  for (size_t k = 0; k < parts.size(); k++) {
    if (Split) {
      c.disjoint({&parts[k]}, {&whole});
      for (size_t q = k + 1; q < parts.size(); q++) c.disjoint({&parts[k], &parts[q]}, {});
    } else {
      c.disjoint({&whole}, {&parts[k]});
    }
  }
  const size_t elem = tf::dtype_size(whole.dtype);
  if (Split) {
    std::vector<void*> outs(parts.size());
    for (size_t k = 0; k < parts.size(); k++) outs[k] = parts[k].data;
    tf::split(elem, whole.data, outer, inners, outs);
  } else {
    std::vector<const void*> xs(parts.size());
    for (size_t k = 0; k < parts.size(); k++) xs[k] = parts[k].data;
    tf::concat(elem, xs, outer, inners, whole.data);
  }
  return c.env().Undefined();
}

// gather(params, indices, batch, outer, axisSize, inner, out): GatherV2 as
// MovementKernels.gather; indices are int32 in [0, axisSize).
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Call c(info, "gather");
  const int64_t batch = c.count(2, "batch");
  const int64_t outer = c.count(3, "outer");
  const int64_t axis = c.count(4, "axisSize");
  const int64_t inner = c.count(5, "inner");
  Arr params = c.array(0, "params");
  Arr idx = c.array(1, "indices");
  Arr out = c.array(6, "out");
  c.expect_dtype(idx, DType::I32);
  c.same_dtype({&params, &out});
  c.expect_len(params, c.product({batch, outer, axis, inner}));
  if (batch == 0) {
    if (idx.length != 0 || out.length != 0)
      c.range_error("batch 0 needs empty indices and out");
    return c.env().Undefined();
  }
  if (idx.length % batch != 0)
    c.range_error("indices has " + std::to_string(idx.length) + " elements, not a multiple of batch " +
                  std::to_string(batch));
  const int64_t n = idx.length / batch;
  c.expect_len(out, c.product({batch, outer, n, inner}));
  c.disjoint({&out}, {&params, &idx});
  const int32_t* ix = static_cast<const int32_t*>(idx.data);
  // Checked here for the message; the kernel reads each index once more and zeroes a row whose
  // index changed under it (shared memory).
  for (int64_t i = 0; i < idx.length; i++)
    if (ix[i] < 0 || ix[i] >= axis)
      c.range_error("indices[" + std::to_string(i) + "] = " + std::to_string(ix[i]) +
                    " is not in [0, " + std::to_string(axis) + ")");
  tf::gather(tf::dtype_size(params.dtype), params.data, ix, batch, outer, axis, inner, n,
             out.data);
  return c.env().Undefined();
}

// unsortedSegmentSum(data, ids, inner, out): out ([segments, inner], float32, float64 or int32)
// is overwritten with the sums of data's rows ([ids.length, inner]) by id; negative ids are
// dropped, ids >= segments refused.
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  Call c(info, "unsortedSegmentSum");
  const int64_t inner = c.count(2, "inner");
  Arr data = c.array(0, "data");
  Arr ids = c.array(1, "ids");
  Arr out = c.array(3, "out");
  c.expect_dtype(ids, DType::I32);
  c.same_dtype({&data, &out});
  if (data.dtype == DType::U8) c.type_error("data must be float32, float64 or int32, got bool");
  c.expect_len(data, c.product({ids.length, inner}));
  if (inner == 0) {
    if (out.length != 0) c.range_error("inner 0 needs an empty out");
    return c.env().Undefined();
  }
  if (out.length % inner != 0)
    c.range_error("out has " + std::to_string(out.length) + " elements, not a multiple of inner " +
                  std::to_string(inner));
  const int64_t segments = out.length / inner;
  c.disjoint({&out}, {&data, &ids});
  const int32_t* id = static_cast<const int32_t*>(ids.data);
  for (int64_t i = 0; i < ids.length; i++)
    if (id[i] >= segments)
      c.range_error("ids[" + std::to_string(i) + "] = " + std::to_string(id[i]) +
                    " is not below the " + std::to_string(segments) + " segments");
  if (out.length > 0) std::memset(out.data, 0, out.end() - out.begin());
  tf::segment_sum(data.dtype, data.data, id, ids.length, inner, segments, out.data);
  return c.env().Undefined();
}

// The bits of number v as one element of dtype t (int32: an integer in range; bool: 0 or 1).
uint64_t element_bits(const Call& c, DType t, double v, const char* name) {
  uint64_t bits = 0;
  switch (t) {
    case DType::F32: {
      const float f = static_cast<float>(v);
      std::memcpy(&bits, &f, sizeof f);
      break;
    }
    case DType::F64:
      std::memcpy(&bits, &v, sizeof v);
      break;
    case DType::I32: {
      if (!(v >= -2147483648.0 && v <= 2147483647.0 && std::floor(v) == v))
        c.range_error(std::string(name) + " must be an int32, got " + std::to_string(v));
      const int32_t i = static_cast<int32_t>(v);
      std::memcpy(&bits, &i, sizeof i);
      break;
    }
    default: {
      if (v != 0 && v != 1) c.range_error(std::string(name) + " must be 0 or 1 for bool");
      const uint8_t b = v != 0;
      std::memcpy(&bits, &b, sizeof b);
      break;
    }
  }
  return bits;
}

// oneHot(indices, outer, depth, inner, on, off, out)
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  Call c(info, "oneHot");
  const int64_t outer = c.count(1, "outer");
  const int64_t depth = c.count(2, "depth");
  const int64_t inner = c.count(3, "inner");
  double on = 0, off = 0;
  if (info.Length() < 6 || napi_get_value_double(info.Env(), info[4], &on) != napi_ok ||
      napi_get_value_double(info.Env(), info[5], &off) != napi_ok)
    c.type_error("on and off must be numbers");
  Arr idx = c.array(0, "indices");
  Arr out = c.array(6, "out");
  c.expect_dtype(idx, DType::I32);
  c.expect_len(idx, c.product({outer, inner}));
  c.expect_len(out, c.product({outer, depth, inner}));
  c.disjoint({&out}, {&idx});
  const uint64_t onb = element_bits(c, out.dtype, on, "on");
  const uint64_t offb = element_bits(c, out.dtype, off, "off");
  if (out.length == 0) return c.env().Undefined();
  tf::one_hot(tf::dtype_size(out.dtype), static_cast<const int32_t*>(idx.data), outer, depth,
              inner, &onb, &offb, out.data);
  return c.env().Undefined();
}

// pad(x, shape, before, value, out, outShape): PadV2 writing every element of out.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  Call c(info, "pad");
  Shape shape = c.shape(1, "shape");
  std::vector<int64_t> before = signed_list(c, 2, "before", info);
  double value = 0;
  if (info.Length() < 4 || napi_get_value_double(info.Env(), info[3], &value) != napi_ok)
    c.type_error("value must be a number");
  Shape outShape = c.shape(5, "outShape");
  Arr x = c.array(0, "x");
  Arr out = c.array(4, "out");
  c.same_dtype({&x, &out});
  c.expect_len(x, shape);
  c.expect_len(out, outShape);
  c.disjoint({&out}, {&x});
  if (outShape.size() != shape.size() || before.size() != shape.size())
    c.range_error("shape " + shape_str(shape) + ", outShape " + shape_str(outShape) + " and " +
                  std::to_string(before.size()) + " paddings must have one rank");
  for (size_t a = 0; a < shape.size(); a++)
    if (before[a] < 0 || before[a] + shape[a] > outShape[a])
      c.range_error("axis " + std::to_string(a) + ": padding " + std::to_string(before[a]) +
                    " of size " + std::to_string(shape[a]) + " does not fit in " +
                    std::to_string(outShape[a]));
  const uint64_t bits = element_bits(c, x.dtype, value, "value");
  if (out.length == 0) return c.env().Undefined();
  tf::pad_constant(tf::dtype_size(x.dtype), x.data, shape, before, &bits, out.data, outShape);
  return c.env().Undefined();
}

// The padding of in (rank r) to padded: before[a] + in[a] + after[a] = padded[a] with
// 0 <= before, after and, for a reflection, both at most in[a] - 1 (REFLECT) or in[a]
// (SYMMETRIC).
void check_mirror(const Call& c, const Shape& in, const Shape& padded,
                  const std::vector<int64_t>& before, bool symmetric) {
  if (padded.size() != in.size() || before.size() != in.size())
    c.range_error("shapes " + shape_str(in) + " and " + shape_str(padded) + " and " +
                  std::to_string(before.size()) + " paddings must have one rank");
  for (size_t a = 0; a < in.size(); a++) {
    const int64_t after = padded[a] - in[a] - before[a];
    const int64_t most = symmetric ? in[a] : in[a] - 1;
    if (before[a] < 0 || after < 0 || before[a] > most || after > most)
      c.range_error("axis " + std::to_string(a) + ": padding " + std::to_string(before[a]) +
                    ", " + std::to_string(after) + " of size " + std::to_string(in[a]) +
                    " to " + std::to_string(padded[a]) + " is not a valid " +
                    (symmetric ? "SYMMETRIC" : "REFLECT") + " padding");
  }
}

// mirrorPad(x, shape, before, symmetric, out, outShape)
Napi::Value MirrorPad(const Napi::CallbackInfo& info) {
  Call c(info, "mirrorPad");
  Shape shape = c.shape(1, "shape");
  std::vector<int64_t> before = signed_list(c, 2, "before", info);
  const bool symmetric = c.flag(3, "symmetric");
  Shape outShape = c.shape(5, "outShape");
  Arr x = c.array(0, "x");
  Arr out = c.array(4, "out");
  c.same_dtype({&x, &out});
  c.expect_len(x, shape);
  c.expect_len(out, outShape);
  c.disjoint({&out}, {&x});
  if (out.length == 0) return c.env().Undefined();
  check_mirror(c, shape, outShape, before, symmetric);
  tf::mirror_pad(tf::dtype_size(x.dtype), x.data, shape, before, symmetric, out.data, outShape);
  return c.env().Undefined();
}

// mirrorPadGrad(dy, dyShape, before, symmetric, out, shape): out is overwritten.
Napi::Value MirrorPadGrad(const Napi::CallbackInfo& info) {
  Call c(info, "mirrorPadGrad");
  Shape dyShape = c.shape(1, "dyShape");
  std::vector<int64_t> before = signed_list(c, 2, "before", info);
  const bool symmetric = c.flag(3, "symmetric");
  Shape shape = c.shape(5, "shape");
  Arr dy = c.array(0, "dy");
  Arr out = c.array(4, "out");
  c.same_dtype({&dy, &out});
  if (dy.dtype == DType::U8) c.type_error("dy must be float32, float64 or int32, got bool");
  c.expect_len(dy, dyShape);
  c.expect_len(out, shape);
  c.disjoint({&out}, {&dy});
  if (out.length == 0) return c.env().Undefined();
  if (dy.length > 0) check_mirror(c, shape, dyShape, before, symmetric);
  tf::mirror_pad_grad(dy.dtype, dy.data, dyShape, before, symmetric, out.data, shape);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("stridedCopy", StridedCopy);
TF_BIND("concat", ConcatSplit<false>);
TF_BIND("split", ConcatSplit<true>);
TF_BIND("gather", Gather);
TF_BIND("unsortedSegmentSum", SegmentSum);
TF_BIND("oneHot", OneHot);
TF_BIND("pad", Pad);
TF_BIND("mirrorPad", MirrorPad);
TF_BIND("mirrorPadGrad", MirrorPadGrad);
