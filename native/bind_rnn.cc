// N-API entry points of the GRU sequence kernels (rnn.h). Argument rules: addon.cc.
#include "binding.h"
#include "rnn.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

// gruSequence(xp, rk, rb, h0, hs, gs, steps, batch, units, resetAfter)
Napi::Value GruSequence(const Napi::CallbackInfo& info) {
  Call c(info, "gruSequence");
  const int64_t steps = c.count(6, "steps");
  const int64_t batch = c.count(7, "batch");
  const int64_t units = c.count(8, "units");
  const bool after = c.flag(9, "resetAfter");
  const int64_t n = c.product({batch, units});
  const int64_t ns = c.product({steps, batch, units});
  c.product({steps, batch, units, 4});
  c.product({units, units, 3});
  Arr xp = c.float_array(0, "xp");
  Arr rk = c.float_array(1, "rk");
  Arr rb = c.float_array(2, "rb");
  Arr h0 = c.float_array(3, "h0");
  Arr hs = c.float_array(4, "hs");
  Arr gs = c.float_array(5, "gs");
  c.same_dtype({&xp, &rk, &rb, &h0, &hs, &gs});
  c.expect_len(xp, 3 * ns);
  c.expect_len(rk, 3 * units * units);
  c.expect_len(rb, 3 * units);
  c.expect_len(h0, n);
  c.expect_len(hs, ns);
  c.expect_len(gs, 4 * ns);
  c.disjoint({&hs, &gs}, {&xp, &rk, &rb, &h0});
  if (ns == 0) return c.env().Undefined();
  tf::gru_sequence(xp.dtype == DType::F32, after, xp.data, rk.data, rb.data, h0.data, hs.data,
                   gs.data, steps, batch, units);
  return c.env().Undefined();
}

// gruSequenceGrad(rk, h0, hs, gs, dhs, dgs, dxp, drk, drb, dh0, steps, batch, units, resetAfter)
Napi::Value GruSequenceGrad(const Napi::CallbackInfo& info) {
  Call c(info, "gruSequenceGrad");
  const int64_t steps = c.count(10, "steps");
  const int64_t batch = c.count(11, "batch");
  const int64_t units = c.count(12, "units");
  const bool after = c.flag(13, "resetAfter");
  const int64_t n = c.product({batch, units});
  const int64_t ns = c.product({steps, batch, units});
  c.product({steps, batch, units, 4});
  c.product({units, units, 3});
  Arr rk = c.float_array(0, "rk");
  Arr h0 = c.float_array(1, "h0");
  Arr hs = c.float_array(2, "hs");
  Arr gs = c.float_array(3, "gs");
  Arr dhs = c.float_array(4, "dhs");
  Arr dgs = c.float_array(5, "dgs");
  Arr dxp = c.float_array(6, "dxp");
  Arr drk = c.float_array(7, "drk");
  Arr drb = c.float_array(8, "drb");
  Arr dh0 = c.float_array(9, "dh0");
  c.same_dtype({&rk, &h0, &hs, &gs, &dhs, &dgs, &dxp, &drk, &drb, &dh0});
  c.expect_len(rk, 3 * units * units);
  c.expect_len(drk, 3 * units * units);
  c.expect_len(drb, 3 * units);
  for (const Arr* a : {&h0, &dh0}) c.expect_len(*a, n);
  for (const Arr* a : {&hs, &dhs}) c.expect_len(*a, ns);
  for (const Arr* a : {&gs, &dgs}) c.expect_len(*a, 4 * ns);
  c.expect_len(dxp, 3 * ns);
  c.disjoint({&dxp, &drk, &drb, &dh0}, {&rk, &h0, &hs, &gs, &dhs, &dgs});
  if (steps == 0) c.range_error("a GRU sequence needs at least one step");
  if (units == 0) return c.env().Undefined();
  tf::gru_sequence_grad(rk.dtype == DType::F32, after, rk.data, h0.data, hs.data, gs.data,
                        dhs.data, dgs.data, dxp.data, drk.data, drb.data, dh0.data, steps, batch,
                        units);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("gruSequence", GruSequence);
TF_BIND("gruSequenceGrad", GruSequenceGrad);
