// N-API entry points of the fused batch-norm and LSTM-cell kernels (nn_fused.h). Argument
// rules: addon.cc.
#include "binding.h"
#include "nn_fused.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// batchNormTrain(x, scale, offset, y, mean, variance, rows, channels, epsilon)
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  Call c(info, "batchNormTrain");
  const int64_t rows = c.count(6, "rows");
  const int64_t ch = c.count(7, "channels");
  const double eps = real_arg(c, info, 8, "epsilon");
  const int64_t n = c.product({rows, ch});
  Arr x = c.float_array(0, "x");
  Arr scale = c.float_array(1, "scale");
  Arr offset = c.float_array(2, "offset");
  Arr y = c.float_array(3, "y");
  Arr mean = c.float_array(4, "mean");
  Arr var = c.float_array(5, "variance");
  c.same_dtype({&x, &scale, &offset, &y, &mean, &var});
  c.expect_len(x, n);
  c.expect_len(y, n);
  for (const Arr* a : {&scale, &offset, &mean, &var}) c.expect_len(*a, ch);
  c.disjoint({&y, &mean, &var}, {&x, &scale, &offset});
  if (rows == 0) c.range_error("batch normalization over 0 rows has no statistics");
  if (ch == 0) return c.env().Undefined();
  tf::batch_norm_train(x.dtype == DType::F32, x.data, scale.data, offset.data, y.data, mean.data,
                       var.data, rows, ch, eps);
  return c.env().Undefined();
}

// batchNormGrad(dy, x, scale, gmean, gvar, dx, dscale, doffset, rows, channels, epsilon)
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Call c(info, "batchNormGrad");
  const int64_t rows = c.count(8, "rows");
  const int64_t ch = c.count(9, "channels");
  const double eps = real_arg(c, info, 10, "epsilon");
  const int64_t n = c.product({rows, ch});
  Arr dy = c.float_array(0, "dy");
  Arr x = c.float_array(1, "x");
  Arr scale = c.float_array(2, "scale");
  Arr gm = c.float_array(3, "gmean");
  Arr gv = c.float_array(4, "gvar");
  Arr dx = c.float_array(5, "dx");
  Arr dscale = c.float_array(6, "dscale");
  Arr doffset = c.float_array(7, "doffset");
  c.same_dtype({&dy, &x, &scale, &gm, &gv, &dx, &dscale, &doffset});
  c.expect_len(dy, n);
  c.expect_len(x, n);
  c.expect_len(dx, n);
  for (const Arr* a : {&scale, &gm, &gv, &dscale, &doffset}) c.expect_len(*a, ch);
  c.disjoint({&dx, &dscale, &doffset}, {&dy, &x, &scale, &gm, &gv});
  if (rows == 0) c.range_error("batch normalization over 0 rows has no statistics");
  if (ch == 0) return c.env().Undefined();
  tf::batch_norm_grad(x.dtype == DType::F32, dy.data, x.data, scale.data, gm.data, gv.data,
                      dx.data, dscale.data, doffset.data, rows, ch, eps);
  return c.env().Undefined();
}

// lstmCell(z, cPrev, c, h, batch, units)
Napi::Value LstmCell(const Napi::CallbackInfo& info) {
  Call c(info, "lstmCell");
  const int64_t batch = c.count(4, "batch");
  const int64_t units = c.count(5, "units");
  const int64_t n = c.product({batch, units});
  c.product({batch, units, 4});
  Arr z = c.float_array(0, "z");
  Arr cp = c.float_array(1, "cPrev");
  Arr co = c.float_array(2, "c");
  Arr h = c.float_array(3, "h");
  c.same_dtype({&z, &cp, &co, &h});
  c.expect_len(z, 4 * n);
  for (const Arr* a : {&cp, &co, &h}) c.expect_len(*a, n);
  c.disjoint({&co, &h}, {&z, &cp});
  if (n == 0) return c.env().Undefined();
  tf::lstm_cell(z.dtype == DType::F32, z.data, cp.data, co.data, h.data, batch, units);
  return c.env().Undefined();
}

// lstmCellGrad(z, cPrev, dc, dh, dz, dcPrev, batch, units)
Napi::Value LstmCellGrad(const Napi::CallbackInfo& info) {
  Call c(info, "lstmCellGrad");
  const int64_t batch = c.count(6, "batch");
  const int64_t units = c.count(7, "units");
  const int64_t n = c.product({batch, units});
  c.product({batch, units, 4});
  Arr z = c.float_array(0, "z");
  Arr cp = c.float_array(1, "cPrev");
  Arr dc = c.float_array(2, "dc");
  Arr dh = c.float_array(3, "dh");
  Arr dz = c.float_array(4, "dz");
  Arr dcp = c.float_array(5, "dcPrev");
  c.same_dtype({&z, &cp, &dc, &dh, &dz, &dcp});
  c.expect_len(z, 4 * n);
  c.expect_len(dz, 4 * n);
  for (const Arr* a : {&cp, &dc, &dh, &dcp}) c.expect_len(*a, n);
  c.disjoint({&dz, &dcp}, {&z, &cp, &dc, &dh});
  if (n == 0) return c.env().Undefined();
  tf::lstm_cell_grad(z.dtype == DType::F32, z.data, cp.data, dc.data, dh.data, dz.data, dcp.data,
                     batch, units);
  return c.env().Undefined();
}

// lstmSequence(xp, wh, bias, h0, c0, hs, cs, zs, steps, batch, units)
Napi::Value LstmSequence(const Napi::CallbackInfo& info) {
  Call c(info, "lstmSequence");
  const int64_t steps = c.count(8, "steps");
  const int64_t batch = c.count(9, "batch");
  const int64_t units = c.count(10, "units");
  const int64_t n = c.product({batch, units});
  const int64_t nz = c.product({steps, batch, units, 4});
  const int64_t nw = c.product({units, units, 4});
  Arr xp = c.float_array(0, "xp");
  Arr wh = c.float_array(1, "wh");
  Arr bias = c.float_array(2, "bias");
  Arr h0 = c.float_array(3, "h0");
  Arr c0 = c.float_array(4, "c0");
  Arr hs = c.float_array(5, "hs");
  Arr cs = c.float_array(6, "cs");
  Arr zs = c.float_array(7, "zs");
  c.same_dtype({&xp, &wh, &bias, &h0, &c0, &hs, &cs, &zs});
  c.expect_len(xp, nz);
  c.expect_len(bias, 4 * units);
  c.expect_len(zs, nz);
  c.expect_len(wh, nw);
  c.expect_len(h0, n);
  c.expect_len(c0, n);
  c.expect_len(hs, nz / 4);
  c.expect_len(cs, nz / 4);
  c.disjoint({&hs, &cs, &zs}, {&xp, &wh, &bias, &h0, &c0});
  if (nz == 0) return c.env().Undefined();
  tf::lstm_sequence(xp.dtype == DType::F32, xp.data, wh.data, bias.data, h0.data, c0.data,
                    hs.data, cs.data, zs.data, steps, batch, units);
  return c.env().Undefined();
}

// lstmSequenceGrad(zs, cs, hs, wh, h0, c0, dhs, dcs, dzs, dxp, dwh, dh0, dc0, db, steps,
// batch, units)
Napi::Value LstmSequenceGrad(const Napi::CallbackInfo& info) {
  Call c(info, "lstmSequenceGrad");
  const int64_t steps = c.count(14, "steps");
  const int64_t batch = c.count(15, "batch");
  const int64_t units = c.count(16, "units");
  const int64_t n = c.product({batch, units});
  const int64_t nz = c.product({steps, batch, units, 4});
  const int64_t nw = c.product({units, units, 4});
  Arr zs = c.float_array(0, "zs");
  Arr cs = c.float_array(1, "cs");
  Arr hs = c.float_array(2, "hs");
  Arr wh = c.float_array(3, "wh");
  Arr h0 = c.float_array(4, "h0");
  Arr c0 = c.float_array(5, "c0");
  Arr dhs = c.float_array(6, "dhs");
  Arr dcs = c.float_array(7, "dcs");
  Arr dzs = c.float_array(8, "dzs");
  Arr dxp = c.float_array(9, "dxp");
  Arr dwh = c.float_array(10, "dwh");
  Arr dh0 = c.float_array(11, "dh0");
  Arr dc0 = c.float_array(12, "dc0");
  Arr db = c.float_array(13, "db");
  c.same_dtype({&zs, &cs, &hs, &wh, &h0, &c0, &dhs, &dcs, &dzs, &dxp, &dwh, &dh0, &dc0, &db});
  c.expect_len(db, 4 * units);
  for (const Arr* a : {&zs, &dzs, &dxp}) c.expect_len(*a, nz);
  for (const Arr* a : {&cs, &hs, &dhs, &dcs}) c.expect_len(*a, nz / 4);
  for (const Arr* a : {&wh, &dwh}) c.expect_len(*a, nw);
  for (const Arr* a : {&h0, &c0, &dh0, &dc0}) c.expect_len(*a, n);
  c.disjoint({&dxp, &dwh, &dh0, &dc0, &db}, {&zs, &cs, &hs, &wh, &h0, &c0, &dhs, &dcs, &dzs});
  if (steps == 0) c.range_error("an LSTM sequence needs at least one step");
  if (units == 0) return c.env().Undefined();
  tf::lstm_sequence_grad(zs.dtype == DType::F32, zs.data, cs.data, hs.data, wh.data, h0.data,
                         c0.data, dhs.data, dcs.data, dzs.data, dxp.data, dwh.data, dh0.data,
                         dc0.data, db.data, steps, batch, units);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("lstmSequence", LstmSequence);
TF_BIND("lstmSequenceGrad", LstmSequenceGrad);
TF_BIND("batchNormTrain", BatchNormTrain);
TF_BIND("batchNormGrad", BatchNormGrad);
TF_BIND("lstmCell", LstmCell);
TF_BIND("lstmCellGrad", LstmCellGrad);
