// N-API entry points of the 3-D convolution kernels (conv3d.h): conv3d(x, w, y, params),
// conv3dBackpropInput(w, dy, dx, params), conv3dBackpropFilter(x, dy, dw, params), the arrays in
// the kernel's order. Argument rules: addon.cc.
#include "binding.h"
#include "conv3d.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

tf::Conv3DParams conv3d_params(Call& c, size_t i) {
  Napi::Object o = c.params(i);
  tf::Conv3DParams p;
  p.batch = c.prop(o, "batch");
  p.inD = c.prop(o, "inD");
  p.inH = c.prop(o, "inH");
  p.inW = c.prop(o, "inW");
  p.inC = c.prop(o, "inC");
  p.outD = c.prop(o, "outD");
  p.outH = c.prop(o, "outH");
  p.outW = c.prop(o, "outW");
  p.outC = c.prop(o, "outC");
  p.filterD = c.prop(o, "filterD");
  p.filterH = c.prop(o, "filterH");
  p.filterW = c.prop(o, "filterW");
  p.strideD = c.prop(o, "strideD");
  p.strideH = c.prop(o, "strideH");
  p.strideW = c.prop(o, "strideW");
  p.dilationD = c.prop(o, "dilationD");
  p.dilationH = c.prop(o, "dilationH");
  p.dilationW = c.prop(o, "dilationW");
  p.padFront = c.prop(o, "padFront");
  p.padTop = c.prop(o, "padTop");
  p.padLeft = c.prop(o, "padLeft");
  // Tap offsets (o * stride + f * dilation - pad) stay far from overflow; every tap is then
  // bounds-checked against the input, so the geometry need not be consistent to be safe.
  c.product({p.outD + p.filterD, p.strideD + p.dilationD + p.padFront + 1, 1024});
  c.product({p.outH + p.filterH, p.strideH + p.dilationH + p.padTop + 1, 1024});
  c.product({p.outW + p.filterW, p.strideW + p.dilationW + p.padLeft + 1, 1024});
  return p;
}

template <int Kind>
Napi::Value Conv3D(const Napi::CallbackInfo& info) {
  Call c(info, Kind == 0   ? "conv3d"
               : Kind == 1 ? "conv3dBackpropInput"
                           : "conv3dBackpropFilter");
  tf::Conv3DParams p = conv3d_params(c, 3);
  Arr a0 = c.float_array(0, Kind == 1 ? "w" : "x");
  Arr a1 = c.float_array(1, Kind == 0 ? "w" : "dy");
  Arr a2 = c.float_array(2, Kind == 0 ? "y" : Kind == 1 ? "dx" : "dw");
  c.same_dtype({&a0, &a1, &a2});
  const int64_t xs = c.product({p.batch, p.inD, p.inH, p.inW, p.inC});
  const int64_t ws = c.product({p.filterD, p.filterH, p.filterW, p.inC, p.outC});
  const int64_t ys = c.product({p.batch, p.outD, p.outH, p.outW, p.outC});
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
  // Voxel counts (sub-products of y's size) and patch sizes (of w's) are bounded by rule 2.
  // Rule 5: no output voxels (or channels) means y is empty and both gradients zero.
  if (ys == 0) {
    if (a2.length > 0) std::memset(a2.data, 0, a2.end() - a2.begin());
    return c.env().Undefined();
  }
  if (Kind == 0)
    tf::conv3d(f32, a0.data, a1.data, a2.data, p);
  else if (Kind == 1)
    tf::conv3d_backprop_input(f32, a0.data, a1.data, a2.data, p);
  else
    tf::conv3d_backprop_filter(f32, a0.data, a1.data, a2.data, p);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("conv3d", Conv3D<0>);
TF_BIND("conv3dBackpropInput", Conv3D<1>);
TF_BIND("conv3dBackpropFilter", Conv3D<2>);
