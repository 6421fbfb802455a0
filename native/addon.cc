// The N-API binding: reads every argument, checks it against the others, then runs the kernels
// in place on the typed arrays' memory (no copies). Whatever JS passes, a call throws a
// TypeError or RangeError (a failed allocation: an Error) or computes the kernel's result; it
// never reads or writes outside the arrays it was given, and its work is bounded by their sizes.
//
// The rules that make this hold, all applied through Call below:
//  1. Typed arrays are resolved (data pointer and length) after every other argument. Reading a
//     shape array's elements or a params object's properties can run JS (an accessor, a hole
//     that falls through to Array.prototype, a Proxy), and that JS can detach or transfer a
//     buffer (then collect it) or shrink a resizable one: a pointer taken before would point
//     into freed or decommitted memory. From the first pointer to the kernel's end no JS runs.
//  2. Sizes are integers below 2^53, and the product of a shape's or a size group's nonzero
//     dims is at most 2^53, so no partial product a kernel forms can overflow int64.
//  3. Each array has exactly the length the sizes give (matmul's inputs: at least that).
//  4. No output shares memory with an input or another output: blocked matmul, softmax, the
//     convolutions and broadcasts read inputs after writing outputs, so an overlap would give
//     wrong values, not in-place ones. Inputs may share memory with each other.
//  5. A call whose output is empty returns at once (zeroing a gradient output where it has
//     elements): the loops of a pooling over 2^40 empty windows would otherwise hang.
// Data read from a SharedArrayBuffer can change under a running kernel; the one kernel that
// indexes with data (sparse labels) reads each label once and checks it where it uses it.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "kernels.h"
#include "nn.h"
#include "perf.h"
#include "threadpool.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

using tf::DType;
using tf::Shape;

// Largest integer a JS number holds exactly: sizes and products must stay below it.
constexpr double kMaxSafe = 9007199254740991.0;

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "float32";
    case DType::F64:
      return "float64";
    case DType::I32:
      return "int32";
    case DType::U8:
      return "bool";
  }
  return "?";
}

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); i++) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

// A typed array argument after resolution: its element type, its data (already past the view's
// byte offset) and its length in elements.
struct Arr {
  DType dtype;
  void* data;
  int64_t length;
  const char* name;
  uintptr_t begin() const { return reinterpret_cast<uintptr_t>(data); }
  uintptr_t end() const {
    return begin() + static_cast<uintptr_t>(length) * tf::dtype_size(dtype);
  }
};

// One call's arguments. Reads happen in two phases (rule 1 above): first shapes and params
// (which can run JS), then typed arrays. Numbers and booleans are read without coercion (no
// valueOf, no JS) in either phase. A phase-1 read after a phase-2 one is a bug in this file and
// throws instead of running JS with pointers held.
class Call {
 public:
  Call(const Napi::CallbackInfo& info, const char* op) : info_(info), env_(info.Env()), op_(op) {}

  Napi::Env env() const { return env_; }
  const char* op() const { return op_; }
  // Names the op in messages once the function index is known (unary, binary, reduce).
  void rename(const char* op) { op_ = op; }

  [[noreturn]] void type_error(const std::string& msg) const {
    rethrow_pending();
    throw Napi::TypeError::New(env_, std::string(op_) + " (native): " + msg);
  }
  [[noreturn]] void range_error(const std::string& msg) const {
    rethrow_pending();
    throw Napi::RangeError::New(env_, std::string(op_) + " (native): " + msg);
  }

  // ---- either phase: no JS runs ----

  // A non-negative integer number (sizes, strides, counts).
  int64_t count(size_t i, const char* name) const {
    double v = 0;
    if (i >= info_.Length() || napi_get_value_double(env_, info_[i], &v) != napi_ok)
      type_error(std::string(name) + " must be a number");
    return checked_size(v, name);
  }

  bool flag(size_t i, const char* name) const {
    bool b = false;
    if (i >= info_.Length() || napi_get_value_bool(env_, info_[i], &b) != napi_ok)
      type_error(std::string(name) + " must be a boolean");
    return b;
  }

  // A function index below n.
  int fn(size_t i, int n) const {
    int64_t v = count(i, "fn");
    if (v >= n) range_error("unknown function index " + std::to_string(v));
    return static_cast<int>(v);
  }

  // The product of sizes, refused when the product of the nonzero ones passes 2^53 (rule 2):
  // then every partial product of them fits in int64 too.
  int64_t product(std::initializer_list<int64_t> dims) const {
    int64_t nonzero = 1;
    bool zero = false;
    for (int64_t d : dims) {
      if (d == 0) {
        zero = true;
        continue;
      }
      if (static_cast<double>(nonzero) * static_cast<double>(d) > kMaxSafe)
        range_error("sizes too large (their product passes 2^53)");
      nonzero *= d;
    }
    return zero ? 0 : nonzero;
  }

  // ---- phase 1: may run JS ----

  // An array of dims (at most rank 64).
  Shape shape(size_t i, const char* name) {
    js_may_run(name);
    uint32_t rank = 0;
    bool isArray = false;
    if (i >= info_.Length() || napi_is_array(env_, info_[i], &isArray) != napi_ok || !isArray ||
        napi_get_array_length(env_, info_[i], &rank) != napi_ok)
      type_error(std::string(name) + " must be an array of dims");
    if (rank > 64) range_error(std::string(name) + " has rank " + std::to_string(rank) + " > 64");
    Shape s(rank);
    int64_t nonzero = 1;
    for (uint32_t d = 0; d < rank; d++) {
      napi_value v;
      double x = 0;
      if (napi_get_element(env_, info_[i], d, &v) != napi_ok ||
          napi_get_value_double(env_, v, &x) != napi_ok)
        type_error(std::string(name) + " has a non-number at " + std::to_string(d));
      s[d] = checked_size(x, name);
      if (s[d] == 0) continue;
      if (static_cast<double>(nonzero) * static_cast<double>(s[d]) > kMaxSafe)
        range_error(std::string(name) + " is too large (its dims' product passes 2^53)");
      nonzero *= s[d];
    }
    return s;
  }

  // A params object; its properties are read with prop().
  Napi::Object params(size_t i) {
    js_may_run("params");
    if (i >= info_.Length() || !info_[i].IsObject()) type_error("params must be an object");
    return info_[i].As<Napi::Object>();
  }

  // A non-negative integer property of a params object.
  int64_t prop(const Napi::Object& o, const char* name) {
    js_may_run(name);
    Napi::Value v = o.Get(name);
    if (!v.IsNumber()) type_error(std::string("params.") + name + " must be a number");
    return checked_size(v.As<Napi::Number>().DoubleValue(), name);
  }

  // ---- phase 2: no JS runs from here to the kernel's end ----

  // A Float32Array, Float64Array, Int32Array or Uint8Array (a float one when floatOnly).
  Arr array(size_t i, const char* name, bool floatOnly = false) {
    pinned_ = true;
    // One napi_get_typedarray_info call gives the type, the length and the data pointer: each
    // N-API call costs tens of nanoseconds, and a small kernel call should cost well under a
    // microsecond. (It moves a small on-heap array's data off the heap first, so the pointer
    // stays valid while the array is alive.)
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (i >= info_.Length() ||
        napi_get_typedarray_info(env_, info_[i], &type, &length, &data, nullptr, nullptr) !=
            napi_ok)
      type_error(std::string(name) + " must be a typed array");
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
        type_error(std::string(name) +
                   " must be a Float32Array, Float64Array, Int32Array or Uint8Array");
    }
    if (floatOnly && t != DType::F32 && t != DType::F64)
      type_error(std::string(name) + " must be float32 or float64, got " + dtype_name(t));
    // A detached buffer has no data; its views report length 0.
    if (data == nullptr && length > 0) type_error(std::string(name) + " is detached");
    return Arr{t, data, static_cast<int64_t>(length), name};
  }
  Arr float_array(size_t i, const char* name) { return array(i, name, true); }

  void expect_len(const Arr& a, int64_t n) const {
    if (a.length != n)
      range_error(std::string(a.name) + " has " + std::to_string(a.length) +
                  " elements, expected " + std::to_string(n));
  }

  void expect_len(const Arr& a, const Shape& s) const {
    int64_t n = 1;
    for (int64_t d : s) n *= d;  // shape() bounded it
    if (a.length != n)
      range_error(std::string(a.name) + " has " + std::to_string(a.length) +
                  " elements but shape " + shape_str(s));
  }

  // Every array has the first one's dtype.
  void same_dtype(std::initializer_list<const Arr*> arrays) const {
    const Arr* first = *arrays.begin();
    for (const Arr* a : arrays)
      if (a->dtype != first->dtype) {
        std::string msg = "dtypes differ:";
        for (const Arr* b : arrays) msg += std::string(" ") + b->name + " " + dtype_name(b->dtype);
        type_error(msg);
      }
  }

  void expect_dtype(const Arr& a, DType want) const {
    if (a.dtype != want)
      type_error(std::string(a.name) + " must be " + dtype_name(want) + ", got " +
                 dtype_name(a.dtype));
  }

  // Rule 4: outputs overlap neither the inputs nor each other (empty arrays overlap nothing).
  void disjoint(std::initializer_list<const Arr*> outs,
                std::initializer_list<const Arr*> ins) const {
    auto overlap = [](const Arr* p, const Arr* q) {
      return p->length > 0 && q->length > 0 && p->begin() < q->end() && q->begin() < p->end();
    };
    for (const Arr* o : outs) {
      for (const Arr* x : ins)
        if (overlap(o, x))
          range_error(std::string(o->name) + " shares memory with " + x->name +
                      ": outputs must not overlap the inputs");
      for (const Arr* q : outs)
        if (q != o && overlap(o, q))
          range_error(std::string(o->name) + " shares memory with " + q->name);
    }
  }

 private:
  int64_t checked_size(double v, const char* name) const {
    if (!(v >= 0 && v <= kMaxSafe && std::floor(v) == v))
      range_error(std::string(name) + " must be a non-negative integer, got " +
                  std::to_string(v));
    return static_cast<int64_t>(v);
  }

  // A read that ran JS can fail with that JS's exception still pending (a shape element's
  // getter threw). It must propagate as is: throwing a second error would make node-addon-api's
  // napi_throw fail on return, and it then aborts the process.
  void rethrow_pending() const {
    bool pending = false;
    if (napi_is_exception_pending(env_, &pending) == napi_ok && pending)
      throw Napi::Error::New(env_);  // takes the pending exception
  }

  void js_may_run(const char* what) const {
    if (pinned_)
      throw Napi::Error::New(env_, std::string("tapeflow native: internal error: ") + op_ +
                                       " reads " + what + " after taking array pointers");
  }

  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
  bool pinned_ = false;
};

// `in` broadcasts to `out` (NumPy rules, right-aligned).
void check_broadcast(const Call& c, const char* name, const Shape& in, const Shape& out) {
  bool ok = in.size() <= out.size();
  for (size_t i = 0; ok && i < in.size(); i++) {
    int64_t d = in[in.size() - 1 - i], o = out[out.size() - 1 - i];
    ok = d == o || d == 1;
  }
  if (!ok)
    c.range_error(std::string(name) + " shape " + shape_str(in) + " does not broadcast to " +
                  shape_str(out));
}

// ---- entry points ---------------------------------------------------------------------------

// matmul(a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Call c(info, "matmul");
  tf::GemmParams p;
  p.batch = c.count(3, "batch");
  p.m = c.count(4, "m");
  p.n = c.count(5, "n");
  p.k = c.count(6, "k");
  p.transA = c.flag(7, "transposeA");
  p.transB = c.flag(8, "transposeB");
  p.aBatchStride = c.count(9, "aBatchStride");
  p.bBatchStride = c.count(10, "bBatchStride");
  Arr a = c.float_array(0, "a");
  Arr b = c.float_array(1, "b");
  Arr o = c.float_array(2, "out");
  c.same_dtype({&a, &b, &o});
  const int64_t mk = c.product({p.m, p.k});
  const int64_t kn = c.product({p.k, p.n});
  // Built only for an error message (a string costs more than a small product).
  auto dims = [&p] {
    return "batch=" + std::to_string(p.batch) + " m=" + std::to_string(p.m) +
           " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k);
  };
  if (o.length != c.product({p.batch, p.m, p.n}))
    c.range_error("out has " + std::to_string(o.length) + " elements, expected batch*m*n for " +
                  dims());
  if (p.batch > 0) {
    // The last product's operands end at (batch - 1) * stride + m*k (k*n); batches may overlap.
    const int64_t needA = c.product({p.batch - 1, p.aBatchStride}) + mk;
    const int64_t needB = c.product({p.batch - 1, p.bBatchStride}) + kn;
    if (a.length < needA)
      c.range_error("a has " + std::to_string(a.length) + " elements, needs " +
                    std::to_string(needA) + " for " + dims());
    if (b.length < needB)
      c.range_error("b has " + std::to_string(b.length) + " elements, needs " +
                    std::to_string(needB) + " for " + dims());
  }
  c.disjoint({&o}, {&a, &b});
  if (a.dtype == DType::F32)
    tf::gemm(static_cast<const float*>(a.data), static_cast<const float*>(b.data),
             static_cast<float*>(o.data), p);
  else
    tf::gemm(static_cast<const double*>(a.data), static_cast<const double*>(b.data),
             static_cast<double*>(o.data), p);
  return c.env().Undefined();
}

// unary(fn, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Call c(info, "unary");
  const int fn = c.fn(0, tf::kNumUnary);
  c.rename(tf::kUnaryNames[fn]);
  Arr x = c.float_array(1, "x");
  Arr y = c.array(2, "out");
  c.expect_dtype(y, tf::unary_bool_out(fn) ? DType::U8 : x.dtype);
  c.expect_len(y, x.length);
  c.disjoint({&y}, {&x});
  tf::unary(fn, x.dtype, x.data, y.data, x.length);
  return c.env().Undefined();
}

// binary(fn, a, aShape, b, bShape, out, outShape)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Call c(info, "binary");
  const int fn = c.fn(0, tf::kNumBinary);
  c.rename(tf::kBinaryNames[fn]);
  Shape as = c.shape(2, "aShape");
  Shape bs = c.shape(4, "bShape");
  Shape os = c.shape(6, "outShape");
  Arr a = c.float_array(1, "a");
  Arr b = c.float_array(3, "b");
  Arr o = c.array(5, "out");
  c.same_dtype({&a, &b});
  c.expect_dtype(o, tf::binary_bool_out(fn) ? DType::U8 : a.dtype);
  c.expect_len(a, as);
  c.expect_len(b, bs);
  c.expect_len(o, os);
  check_broadcast(c, "a", as, os);
  check_broadcast(c, "b", bs, os);
  c.disjoint({&o}, {&a, &b});
  tf::binary(fn, a.dtype, a.data, as, b.data, bs, o.data, os);
  return c.env().Undefined();
}

// binaryFlat(fn, a, b, out): no broadcasting beyond single values. Each input has out's length
// (then, after the op's broadcast check, out's layout) or one element. Skips reading shapes.
Napi::Value BinaryFlat(const Napi::CallbackInfo& info) {
  Call c(info, "binary");
  const int fn = c.fn(0, tf::kNumBinary);
  c.rename(tf::kBinaryNames[fn]);
  Arr a = c.float_array(1, "a");
  Arr b = c.float_array(2, "b");
  Arr o = c.array(3, "out");
  c.same_dtype({&a, &b});
  c.expect_dtype(o, tf::binary_bool_out(fn) ? DType::U8 : a.dtype);
  const int64_t n = o.length;
  if ((a.length != n && a.length != 1) || (b.length != n && b.length != 1))
    c.range_error("a has " + std::to_string(a.length) + " elements and b " +
                  std::to_string(b.length) + ", out " + std::to_string(n) +
                  ": each must match out or be one value");
  c.disjoint({&o}, {&a, &b});
  Shape os{n}, as{a.length}, bs{b.length};
  tf::binary(fn, a.dtype, a.data, as, b.data, bs, o.data, os);
  return c.env().Undefined();
}

// select(cond, condShape, x, xShape, y, yShape, out, outShape)
Napi::Value Select(const Napi::CallbackInfo& info) {
  Call c(info, "Select");
  Shape cs = c.shape(1, "condShape");
  Shape xs = c.shape(3, "xShape");
  Shape ys = c.shape(5, "yShape");
  Shape os = c.shape(7, "outShape");
  Arr cond = c.array(0, "cond");
  Arr x = c.array(2, "x");
  Arr y = c.array(4, "y");
  Arr o = c.array(6, "out");
  c.expect_dtype(cond, DType::U8);
  c.same_dtype({&x, &y, &o});
  c.expect_len(cond, cs);
  c.expect_len(x, xs);
  c.expect_len(y, ys);
  c.expect_len(o, os);
  check_broadcast(c, "cond", cs, os);
  check_broadcast(c, "x", xs, os);
  check_broadcast(c, "y", ys, os);
  c.disjoint({&o}, {&cond, &x, &y});
  tf::select(static_cast<const uint8_t*>(cond.data), cs, x.data, xs, y.data, ys, o.data, os,
             tf::dtype_size(x.dtype));
  return c.env().Undefined();
}

// cast(x, out)
Napi::Value Cast(const Napi::CallbackInfo& info) {
  Call c(info, "Cast");
  Arr x = c.array(0, "x");
  Arr o = c.array(1, "out");
  c.expect_len(o, x.length);
  c.disjoint({&o}, {&x});
  tf::cast(x.dtype, x.data, o.dtype, o.data, x.length);
  return c.env().Undefined();
}

// reduce(fn, x, shape, axes, out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Call c(info, "reduce");
  const int fn = c.fn(0, tf::kNumReduce);
  c.rename(tf::kReduceNames[fn]);
  Shape s = c.shape(2, "shape");
  Shape axes64 = c.shape(3, "axes");
  Arr x = c.float_array(1, "x");
  Arr o = c.array(4, "out");
  c.expect_dtype(o, x.dtype);
  c.expect_len(x, s);
  std::vector<int> axes;
  int64_t kept = 1;
  size_t ai = 0;
  for (size_t d = 0; d < s.size(); d++) {
    if (ai < axes64.size() && axes64[ai] == static_cast<int64_t>(d)) {
      axes.push_back(static_cast<int>(d));
      ai++;
    } else {
      kept *= s[d];  // a sub-product of the shape's: bounded by shape()
    }
  }
  if (ai != axes64.size())
    c.range_error("axes " + shape_str(axes64) + " must be sorted, distinct and within rank " +
                  std::to_string(s.size()));
  c.expect_len(o, kept);
  c.disjoint({&o}, {&x});
  tf::reduce(fn, x.dtype, x.data, s, axes, o.data);
  return c.env().Undefined();
}

// ---- nn ---------------------------------------------------------------------------------------

tf::AxisParams axis_params(Call& c, size_t i) {
  Napi::Object o = c.params(i);
  tf::AxisParams p{c.prop(o, "outer"), c.prop(o, "n"), c.prop(o, "inner")};
  c.product({p.outer, p.n, p.inner});
  return p;
}

// softmax(x, out, {outer, n, inner}, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Call c(info, "softmax");
  tf::AxisParams p = axis_params(c, 2);
  const bool log = c.flag(3, "log");
  Arr x = c.float_array(0, "x");
  Arr y = c.float_array(1, "out");
  c.same_dtype({&x, &y});
  const int64_t n = c.product({p.outer, p.n, p.inner});
  c.expect_len(x, n);
  c.expect_len(y, n);
  c.disjoint({&y}, {&x});
  tf::softmax(x.dtype == DType::F32, x.data, y.data, p, log);
  return c.env().Undefined();
}

// softmaxCrossEntropy(labels, logits, loss, backprop, {outer, n, inner})
Napi::Value SoftmaxXent(const Napi::CallbackInfo& info) {
  Call c(info, "softmaxCrossEntropy");
  tf::AxisParams p = axis_params(c, 4);
  Arr z = c.float_array(0, "labels");
  Arr x = c.float_array(1, "logits");
  Arr loss = c.float_array(2, "loss");
  Arr bp = c.float_array(3, "backprop");
  c.same_dtype({&x, &z, &loss, &bp});
  const int64_t n = c.product({p.outer, p.n, p.inner});
  c.expect_len(z, n);
  c.expect_len(x, n);
  c.expect_len(bp, n);
  c.expect_len(loss, c.product({p.outer, p.inner}));
  c.disjoint({&loss, &bp}, {&z, &x});
  tf::softmax_xent(x.dtype == DType::F32, z.data, x.data, loss.data, bp.data, p);
  return c.env().Undefined();
}

// sparseSoftmaxCrossEntropy(labels, logits, loss, backprop, rows, classes)
Napi::Value SparseXent(const Napi::CallbackInfo& info) {
  Call c(info, "sparseSoftmaxCrossEntropy");
  const int64_t rows = c.count(4, "rows");
  const int64_t classes = c.count(5, "classes");
  Arr z = c.array(0, "labels");
  Arr x = c.float_array(1, "logits");
  Arr loss = c.float_array(2, "loss");
  Arr bp = c.float_array(3, "backprop");
  c.expect_dtype(z, DType::I32);
  c.same_dtype({&x, &loss, &bp});
  c.expect_len(z, rows);
  c.expect_len(x, c.product({rows, classes}));
  c.expect_len(bp, c.product({rows, classes}));
  c.expect_len(loss, rows);
  c.disjoint({&loss, &bp}, {&z, &x});
  // Checked here for the message; the kernel checks each label again as it reads it (a label
  // in a SharedArrayBuffer can change in between).
  const int32_t* lab = static_cast<const int32_t*>(z.data);
  for (int64_t r = 0; r < rows; r++)
    if (lab[r] < 0 || lab[r] >= classes)
      c.range_error("label " + std::to_string(lab[r]) + " at row " + std::to_string(r) +
                    " is outside [0, " + std::to_string(classes) + ")");
  tf::sparse_softmax_xent(x.dtype == DType::F32, lab, x.data, loss.data, bp.data, rows, classes);
  return c.env().Undefined();
}

tf::Conv2DParams conv_params(Call& c, size_t i) {
  Napi::Object o = c.params(i);
  tf::Conv2DParams p;
  p.batch = c.prop(o, "batch");
  p.inH = c.prop(o, "inH");
  p.inW = c.prop(o, "inW");
  p.inC = c.prop(o, "inC");
  p.outH = c.prop(o, "outH");
  p.outW = c.prop(o, "outW");
  p.outC = c.prop(o, "outC");
  p.filterH = c.prop(o, "filterH");
  p.filterW = c.prop(o, "filterW");
  p.strideH = c.prop(o, "strideH");
  p.strideW = c.prop(o, "strideW");
  p.dilationH = c.prop(o, "dilationH");
  p.dilationW = c.prop(o, "dilationW");
  p.padTop = c.prop(o, "padTop");
  p.padLeft = c.prop(o, "padLeft");
  // Tap offsets (o * stride + f * dilation - pad) stay far from overflow; every tap is then
  // bounds-checked against the input, so the geometry need not be consistent to be safe.
  c.product({p.outH + p.filterH, p.strideH + p.dilationH + p.padTop + 1, 1024});
  c.product({p.outW + p.filterW, p.strideW + p.dilationW + p.padLeft + 1, 1024});
  return p;
}

// conv2d(x, w, y, params) / conv2dBackpropInput(w, dy, dx, params) /
// conv2dBackpropFilter(x, dy, dw, params): the three arrays in the kernel's order.
template <int Kind>
Napi::Value Conv(const Napi::CallbackInfo& info) {
  Call c(info, Kind == 0   ? "conv2d"
               : Kind == 1 ? "conv2dBackpropInput"
                           : "conv2dBackpropFilter");
  tf::Conv2DParams p = conv_params(c, 3);
  Arr a0 = c.float_array(0, Kind == 1 ? "w" : "x");
  Arr a1 = c.float_array(1, Kind == 0 ? "w" : "dy");
  Arr a2 = c.float_array(2, Kind == 0 ? "y" : Kind == 1 ? "dx" : "dw");
  c.same_dtype({&a0, &a1, &a2});
  const int64_t xs = c.product({p.batch, p.inH, p.inW, p.inC});
  const int64_t ws = c.product({p.filterH, p.filterW, p.inC, p.outC});
  const int64_t ys = c.product({p.batch, p.outH, p.outW, p.outC});
  const bool f32 = a0.dtype == DType::F32;
  if (Kind == 0) {
    c.expect_len(a0, xs);
    c.expect_len(a1, ws);
    c.expect_len(a2, ys);
  } else if (Kind == 1) {
    c.expect_len(a0, ws);
    c.expect_len(a1, ys);
    c.expect_len(a2, xs);
  } else {
    c.expect_len(a0, xs);
    c.expect_len(a1, ys);
    c.expect_len(a2, ws);
  }
  c.disjoint({&a2}, {&a0, &a1});
  // The kernels form pixel counts (batch*outH*outW, a sub-product of y's size) and patch sizes
  // (filterH*filterW*inC, of w's), both bounded by rule 2, and never their product.
  // Rule 5: no output pixels (or no output channels) means y is empty and both gradients zero.
  if (ys == 0) {
    if (a2.length > 0) std::memset(a2.data, 0, a2.end() - a2.begin());
    return c.env().Undefined();
  }
  if (Kind == 0)
    tf::conv2d(f32, a0.data, a1.data, a2.data, p);
  else if (Kind == 1)
    tf::conv2d_backprop_input(f32, a0.data, a1.data, a2.data, p);
  else
    tf::conv2d_backprop_filter(f32, a0.data, a1.data, a2.data, p);
  return c.env().Undefined();
}

tf::Pool2DParams pool_params(Call& c, size_t i) {
  Napi::Object o = c.params(i);
  tf::Pool2DParams p;
  p.batch = c.prop(o, "batch");
  p.inH = c.prop(o, "inH");
  p.inW = c.prop(o, "inW");
  p.channels = c.prop(o, "channels");
  p.outH = c.prop(o, "outH");
  p.outW = c.prop(o, "outW");
  p.windowH = c.prop(o, "windowH");
  p.windowW = c.prop(o, "windowW");
  p.strideH = c.prop(o, "strideH");
  p.strideW = c.prop(o, "strideW");
  p.padTop = c.prop(o, "padTop");
  p.padLeft = c.prop(o, "padLeft");
  c.product({p.outH + 1, p.strideH + p.windowH + p.padTop + 1, 1024});
  c.product({p.outW + 1, p.strideW + p.windowW + p.padLeft + 1, 1024});
  // Every window must overlap the input: the kernels read its first position.
  auto overlaps = [](int64_t out, int64_t stride, int64_t pad, int64_t window, int64_t in) {
    return out == 0 || (window > pad && in > 0 && (out - 1) * stride - pad < in);
  };
  if (!overlaps(p.outH, p.strideH, p.padTop, p.windowH, p.inH) ||
      !overlaps(p.outW, p.strideW, p.padLeft, p.windowW, p.inW))
    c.range_error("a pooling window falls outside the input");
  return p;
}

// maxPool(x, y) avgPool(x, y) maxPoolGrad(x, dy, dx) maxPoolGradGrad(x, g, out) avgPoolGrad(dy, dx)
template <int Kind>
Napi::Value Pool(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"maxPool", "avgPool", "maxPoolGrad", "maxPoolGradGrad",
                                      "avgPoolGrad"};
  Call c(info, names[Kind]);
  const int arrays = Kind <= 1 || Kind == 4 ? 2 : 3;
  tf::Pool2DParams p = pool_params(c, arrays);
  static const char* const first[] = {"x", "x", "x", "x", "dy"};
  static const char* const second[] = {"y", "y", "dy", "g", "dx"};
  Arr a0 = c.float_array(0, first[Kind]);
  Arr a1 = c.float_array(1, second[Kind]);
  Arr a2 = arrays == 3 ? c.float_array(2, Kind == 2 ? "dx" : "out") : a1;
  c.same_dtype({&a0, &a1, &a2});
  const int64_t xs = c.product({p.batch, p.inH, p.inW, p.channels});
  const int64_t ys = c.product({p.batch, p.outH, p.outW, p.channels});
  const bool f32 = a0.dtype == DType::F32;
  // The output: y, dx, out or dx.
  Arr& out = arrays == 3 ? a2 : a1;
  switch (Kind) {
    case 0:  // x, y
    case 1:
      c.expect_len(a0, xs);
      c.expect_len(a1, ys);
      c.disjoint({&a1}, {&a0});
      break;
    case 2:  // x, dy, dx
      c.expect_len(a0, xs);
      c.expect_len(a1, ys);
      c.expect_len(a2, xs);
      c.disjoint({&a2}, {&a0, &a1});
      break;
    case 3:  // x, g, out
      c.expect_len(a0, xs);
      c.expect_len(a1, xs);
      c.expect_len(a2, ys);
      c.disjoint({&a2}, {&a0, &a1});
      break;
    default:  // dy, dx
      c.expect_len(a0, ys);
      c.expect_len(a1, xs);
      c.disjoint({&a1}, {&a0});
      break;
  }
  // Rule 5: no output pixels (or no channels): y is empty, the gradients are zero.
  if (ys == 0) {
    if (out.length > 0) std::memset(out.data, 0, out.end() - out.begin());
    return c.env().Undefined();
  }
  switch (Kind) {
    case 0:
      tf::max_pool(f32, a0.data, a1.data, p);
      break;
    case 1:
      tf::avg_pool(f32, a0.data, a1.data, p);
      break;
    case 2:
      tf::max_pool_grad(f32, a0.data, a1.data, a2.data, p);
      break;
    case 3:
      tf::max_pool_grad_grad(f32, a0.data, a1.data, a2.data, p);
      break;
    default:
      tf::avg_pool_grad(f32, a0.data, a1.data, p);
      break;
  }
  return c.env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tf::ThreadPool::get().size());
}

// setNumThreads(n): 1 runs every kernel on the calling thread.
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Call c(info, "setNumThreads");
  const int64_t n = c.count(0, "n");
  if (n < 1 || n > 256) c.range_error("n must be in [1, 256], got " + std::to_string(n));
  return Napi::Number::New(info.Env(), tf::ThreadPool::get().resize(static_cast<int>(n)));
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tf::isa_name(tf::isa()));
}

// setIsa("scalar" | "avx2-fma"): for tests of the portable path; returns the ISA in effect.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Call c(info, "setIsa");
  if (info.Length() < 1 || !info[0].IsString()) c.type_error("expected a string");
  std::string s = info[0].As<Napi::String>().Utf8Value();
  if (s == "scalar")
    tf::set_isa(tf::Isa::Scalar);
  else if (s == "avx2-fma")
    tf::set_isa(tf::Isa::Avx2);
  else
    c.range_error("expected \"scalar\" or \"avx2-fma\"");
  return Napi::String::New(info.Env(), tf::isa_name(tf::isa()));
}

// A JS error for a C++ exception: the JS exception already pending if there is one (throwing a
// second one would abort the process, see Call::rethrow_pending), else a new Error.
Napi::Error js_error(Napi::Env env, const std::string& msg) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return Napi::Error::New(env);
  return Napi::Error::New(env, msg);
}

// Turns C++ exceptions other than JS errors (std::bad_alloc first) into JS errors. Anything
// escaping here would reach node-addon-api, which only converts Napi::Error, and terminate.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw js_error(info.Env(), "tapeflow native: out of memory");
  } catch (const std::exception& e) {
    throw js_error(info.Env(), std::string("tapeflow native: ") + e.what());
  } catch (...) {
    throw js_error(info.Env(), "tapeflow native: unknown C++ exception");
  }
}

// ---- workload kernels (perf.h) ----------------------------------------------------------------

// A finite number argument, read without coercion.
double real_arg(const Call& c, const Napi::CallbackInfo& info, size_t i, const char* name) {
  double v = 0;
  if (i >= info.Length() || napi_get_value_double(info.Env(), info[i], &v) != napi_ok)
    c.type_error(std::string(name) + " must be a number");
  if (!std::isfinite(v)) c.range_error(std::string(name) + " must be finite, got " + std::to_string(v));
  return v;
}

// transpose(x, shape, perm, out): out's axis a is x's axis perm[a]; any element type.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Call c(info, "Transpose");
  Shape s = c.shape(1, "shape");
  Shape perm64 = c.shape(2, "perm");
  Arr x = c.array(0, "x");
  Arr o = c.array(3, "out");
  c.same_dtype({&x, &o});
  c.expect_len(x, s);
  c.expect_len(o, x.length);
  c.disjoint({&o}, {&x});
  if (perm64.size() != s.size())
    c.range_error("perm has " + std::to_string(perm64.size()) + " entries for rank " +
                  std::to_string(s.size()));
  std::vector<int> perm(perm64.size());
  std::vector<bool> seen(perm64.size(), false);
  for (size_t a = 0; a < perm64.size(); a++) {
    if (perm64[a] >= static_cast<int64_t>(s.size()) || seen[perm64[a]])
      c.range_error("perm " + shape_str(perm64) + " is not a permutation of 0.." +
                    std::to_string(static_cast<int64_t>(s.size()) - 1));
    seen[perm64[a]] = true;
    perm[a] = static_cast<int>(perm64[a]);
  }
  if (x.length == 0) return c.env().Undefined();
  tf::transpose(tf::dtype_size(x.dtype), x.data, s, perm, o.data);
  return c.env().Undefined();
}

// adamUpdate(var, m, v, grad, outVar, outM, outV, alpha, beta1, beta2, epsilon): Keras's Adam
// step out of place (the inputs are never written): outM, outV, outVar get the new values.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Call c(info, "adamUpdate");
  const double alpha = real_arg(c, info, 7, "alpha");
  const double beta1 = real_arg(c, info, 8, "beta1");
  const double beta2 = real_arg(c, info, 9, "beta2");
  const double eps = real_arg(c, info, 10, "epsilon");
  Arr var = c.float_array(0, "var");
  Arr m = c.float_array(1, "m");
  Arr v = c.float_array(2, "v");
  Arr g = c.float_array(3, "grad");
  Arr ovar = c.float_array(4, "outVar");
  Arr om = c.float_array(5, "outM");
  Arr ov = c.float_array(6, "outV");
  c.same_dtype({&var, &m, &v, &g, &ovar, &om, &ov});
  for (const Arr* a : {&m, &v, &g, &ovar, &om, &ov}) c.expect_len(*a, var.length);
  c.disjoint({&ovar, &om, &ov}, {&var, &m, &v, &g});
  if (var.length == 0) return c.env().Undefined();
  tf::adam_update(var.dtype == DType::F32, var.data, m.data, v.data, g.data, ovar.data, om.data,
                  ov.data, var.length, alpha, beta1, beta2, eps);
  return c.env().Undefined();
}

// softmaxGrad(y, dy, out, {outer, n, inner}, log)
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Call c(info, "softmaxGrad");
  tf::AxisParams p = axis_params(c, 3);
  const bool log = c.flag(4, "log");
  Arr y = c.float_array(0, "y");
  Arr dy = c.float_array(1, "dy");
  Arr o = c.float_array(2, "out");
  c.same_dtype({&y, &dy, &o});
  const int64_t n = c.product({p.outer, p.n, p.inner});
  c.expect_len(y, n);
  c.expect_len(dy, n);
  c.expect_len(o, n);
  c.disjoint({&o}, {&y, &dy});
  if (n == 0) return c.env().Undefined();
  tf::softmax_grad(y.dtype == DType::F32, y.data, dy.data, o.data, p, log);
  return c.env().Undefined();
}

Napi::Array names(Napi::Env env, const char* const* list, int n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, list[i]));
  return a;
}

// Tensors are allocated by V8 with calloc and freed by its garbage collector. With glibc's
// defaults, a 4 MB output (1e6 floats) is a fresh mmap each time, and the page faults on first
// touch cost more than the kernel that fills it (0.8 ms against 0.25 ms for a sigmoid on this
// machine). Serving blocks up to 32 MB from the heap and keeping up to 128 MB of freed heap
// mapped makes allocation a memset instead. TAPEFLOW_MALLOC_TUNING=0 leaves malloc alone.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("TAPEFLOW_MALLOC_TUNING");
  if (env != nullptr && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  exports.Set("matmul", Napi::Function::New(env, guarded<Matmul>, "matmul"));
  exports.Set("unary", Napi::Function::New(env, guarded<Unary>, "unary"));
  exports.Set("binary", Napi::Function::New(env, guarded<Binary>, "binary"));
  exports.Set("binaryFlat", Napi::Function::New(env, guarded<BinaryFlat>, "binaryFlat"));
  exports.Set("select", Napi::Function::New(env, guarded<Select>, "select"));
  exports.Set("cast", Napi::Function::New(env, guarded<Cast>, "cast"));
  exports.Set("reduce", Napi::Function::New(env, guarded<Reduce>, "reduce"));
  exports.Set("softmax", Napi::Function::New(env, guarded<Softmax>, "softmax"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, guarded<SoftmaxXent>));
  exports.Set("sparseSoftmaxCrossEntropy", Napi::Function::New(env, guarded<SparseXent>));
  exports.Set("conv2d", Napi::Function::New(env, guarded<Conv<0>>, "conv2d"));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, guarded<Conv<1>>));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, guarded<Conv<2>>));
  exports.Set("maxPool", Napi::Function::New(env, guarded<Pool<0>>, "maxPool"));
  exports.Set("avgPool", Napi::Function::New(env, guarded<Pool<1>>, "avgPool"));
  exports.Set("maxPoolGrad", Napi::Function::New(env, guarded<Pool<2>>, "maxPoolGrad"));
  exports.Set("maxPoolGradGrad", Napi::Function::New(env, guarded<Pool<3>>));
  exports.Set("avgPoolGrad", Napi::Function::New(env, guarded<Pool<4>>, "avgPoolGrad"));
  exports.Set("transpose", Napi::Function::New(env, guarded<Transpose>, "transpose"));
  exports.Set("softmaxGrad", Napi::Function::New(env, guarded<SoftmaxGrad>, "softmaxGrad"));
  exports.Set("adamUpdate", Napi::Function::New(env, guarded<AdamUpdate>, "adamUpdate"));
  exports.Set("numThreads", Napi::Function::New(env, guarded<NumThreads>, "numThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, guarded<SetNumThreads>, "setNumThreads"));
  exports.Set("isa", Napi::Function::New(env, guarded<GetIsa>, "isa"));
  exports.Set("setIsa", Napi::Function::New(env, guarded<SetIsa>, "setIsa"));
  exports.Set("unaryNames", names(env, tf::kUnaryNames, tf::kNumUnary));
  exports.Set("binaryNames", names(env, tf::kBinaryNames, tf::kNumBinary));
  exports.Set("reduceNames", names(env, tf::kReduceNames, tf::kNumReduce));
  return exports;
}

}  // namespace

NODE_API_MODULE(tapeflow, Init)
