// Shared by the N-API binding files: argument reading and checking (Call), error conversion
// (guarded) and the self-registration of entry points (TF_BIND). The rules every entry point
// follows are at the top of addon.cc.
#pragma once

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
#include "heap_thp.h"
#include "kernels.h"
#include "nn.h"
#include "perf.h"
#include "threadpool.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tf_bind {

using tf::DType;
using tf::Shape;

// Largest integer a JS number holds exactly: sizes and products must stay below it.
constexpr double kMaxSafe = 9007199254740991.0;

inline const char* dtype_name(DType t) {
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

inline std::string shape_str(const Shape& s) {
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
inline void check_broadcast(const Call& c, const char* name, const Shape& in, const Shape& out) {
  bool ok = in.size() <= out.size();
  for (size_t i = 0; ok && i < in.size(); i++) {
    int64_t d = in[in.size() - 1 - i], o = out[out.size() - 1 - i];
    ok = d == o || d == 1;
  }
  if (!ok)
    c.range_error(std::string(name) + " shape " + shape_str(in) + " does not broadcast to " +
                  shape_str(out));
}

inline tf::AxisParams axis_params(Call& c, size_t i) {
  Napi::Object o = c.params(i);
  tf::AxisParams p{c.prop(o, "outer"), c.prop(o, "n"), c.prop(o, "inner")};
  c.product({p.outer, p.n, p.inner});
  return p;
}


// A JS error for a C++ exception: the JS exception already pending if there is one (throwing a
// second one would abort the process, see Call::rethrow_pending), else a new Error.
inline Napi::Error js_error(Napi::Env env, const std::string& msg) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return Napi::Error::New(env);
  return Napi::Error::New(env, msg);
}

// Turns C++ exceptions other than JS errors (std::bad_alloc first) into JS errors. Anything
// escaping here would reach node-addon-api, which only converts Napi::Error, and terminate.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  // Before any kernel first touches memory the heap just grew by (heap_thp.h).
  tf::advise_heap_growth();
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

// The conv2d geometry object at argument i (conv2d, its backprops and the fused conv).
inline tf::Conv2DParams conv_params(Call& c, size_t i) {
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

// A finite number argument, read without coercion.
inline double real_arg(const Call& c, const Napi::CallbackInfo& info, size_t i, const char* name) {
  double v = 0;
  if (i >= info.Length() || napi_get_value_double(info.Env(), info[i], &v) != napi_ok)
    c.type_error(std::string(name) + " must be a number");
  if (!std::isfinite(v)) c.range_error(std::string(name) + " must be finite, got " + std::to_string(v));
  return v;
}

// Entry points registered from any binding file with TF_BIND(jsName, Function); Init adds
// each to the addon's exports, wrapped in guarded<>. A new kernel family needs its own
// bind_<family>.cc and one line in binding.gyp, no edit here or in addon.cc.
using EntryFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct Entry {
  const char* name;
  EntryFn fn;
};
inline std::vector<Entry>& entries() {
  static std::vector<Entry> list;
  return list;
}
struct Register {
  Register(const char* name, EntryFn fn) { entries().push_back({name, fn}); }
};

}  // namespace tf_bind

#define TF_BIND_CAT2(a, b) a##b
#define TF_BIND_CAT(a, b) TF_BIND_CAT2(a, b)
#define TF_BIND(name, F) \
  static const ::tf_bind::Register TF_BIND_CAT(tf_bind_reg_, __LINE__)(name, ::tf_bind::guarded<F>)
