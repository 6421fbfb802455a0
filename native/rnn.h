// Recurrent sequence kernels (LSTM and GRU), time-major, forward and gradient. The recurrent
// weights are packed once per call into column panels that every step reuses, and the steps
// run by blocks of batch rows, each block over every step by itself (a row's recurrence only
// reads its own row), so a sequence is one pass over the thread pool. Results do not depend on
// the thread count. Parameters are checked by the bindings (bind_nn_fused.cc for the LSTM,
// bind_rnn.cc for the GRU).
#pragma once

#include <cstdint>

namespace tf {

// See nn_fused.h: lstm_sequence and lstm_sequence_grad are defined in rnn.cc.

// A GRU over a time-major sequence (Keras's gate order z, r, h): xp [steps, batch, 3 units]
// the projected inputs (input bias included), rk [units, 3 units] the recurrent kernel, rb
// [3 units] the recurrent bias, h0 [batch, units]. Per step, with h the previous state:
//   resetAfter:  a = h rk + rb; pz = xz + a_z, pr = xr + a_r, q = a_h, ph = xh + sigmoid(pr) q
//   !resetAfter: pz = xz + h rk_z + rb_z, pr = xr + h rk_r + rb_r, q = sigmoid(pr) h,
//                ph = xh + q rk_h + rb_h
//   z = sigmoid(pz), hh = tanh(ph), h' = z h + (1 - z) hh.
// Writes hs [steps, batch, units] and gs [steps, batch, 4 units] = (pz, pr, ph, q) per step.
void gru_sequence(bool f32, bool resetAfter, const void* xp, const void* rk, const void* rb,
                  const void* h0, void* hs, void* gs, int64_t steps, int64_t batch,
                  int64_t units);
// Its gradient for upstream dhs and dgs (of hs and gs): dxp [steps, batch, 3 units], drk
// [units, 3 units], drb [3 units], dh0 [batch, units].
void gru_sequence_grad(bool f32, bool resetAfter, const void* rk, const void* h0, const void* hs,
                       const void* gs, const void* dhs, const void* dgs, void* dxp, void* drk,
                       void* drb, void* dh0, int64_t steps, int64_t batch, int64_t units);

}  // namespace tf
