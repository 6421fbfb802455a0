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
// A worker thread being stopped (terminate(), process.exit in it) makes every N-API call that
// could run JS fail, throwing included: binding.gyp defines NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
// so node-addon-api then drops the error instead of aborting the whole process; the worker's JS
// never resumes, so nothing sees the dropped error.

#include "binding.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;
using tf::Shape;

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

Napi::Array names(Napi::Env env, const char* const* list, int n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, list[i]));
  return a;
}

// Tensors are allocated by V8 with calloc and freed by its garbage collector. With glibc's
// defaults, a 4 MB output (1e6 floats) is a fresh mmap each time, and the page faults on first
// touch cost more than the kernel that fills it (0.8 ms against 0.25 ms for a sigmoid on this
// machine). Serving blocks up to 32 MB from the heap and keeping up to 128 MB of freed heap
// mapped makes allocation a memset instead; the heap's new parts fault in 2 MB pages
// (heap_thp.h). TAPEFLOW_MALLOC_TUNING=0 leaves malloc alone.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("TAPEFLOW_MALLOC_TUNING");
  if (env != nullptr && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // The heap grows in 32 MB steps, whole 2 MB extents that heap_thp.h advises as huge pages
  // (TAPEFLOW_HEAP_THP=0 keeps 4 KB pages).
  const char* thp = std::getenv("TAPEFLOW_HEAP_THP");
  if (thp == nullptr || std::strcmp(thp, "0") != 0) {
    mallopt(M_TOP_PAD, 32 << 20);
    tf::enable_heap_thp();
  }
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
  exports.Set("numThreads", Napi::Function::New(env, guarded<NumThreads>, "numThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, guarded<SetNumThreads>, "setNumThreads"));
  exports.Set("isa", Napi::Function::New(env, guarded<GetIsa>, "isa"));
  exports.Set("setIsa", Napi::Function::New(env, guarded<SetIsa>, "setIsa"));
  exports.Set("unaryNames", names(env, tf::kUnaryNames, tf::kNumUnary));
  exports.Set("binaryNames", names(env, tf::kBinaryNames, tf::kNumBinary));
  exports.Set("reduceNames", names(env, tf::kReduceNames, tf::kNumReduce));
  for (const Entry& e : entries()) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(tapeflow, Init)