// Fused training kernels of the convolution and recurrent workloads: batch normalization
// (training forward and its gradient) and the LSTM cell (gates and state update, forward and
// gradient). Parameters are checked by the binding (bind_nn_fused.cc).
#pragma once

#include <cstdint>

namespace tf {

// x, y [rows, channels]; scale, offset, mean, variance [channels]. Per channel, over the rows:
// mean, population variance v, y = (x - mean) / sqrt(v + eps) scale + offset; variance gets
// v rows / max(rows - 1, 1) (the sample variance, as TensorFlow's FusedBatchNorm returns).
void batch_norm_train(bool f32, const void* x, const void* scale, const void* offset, void* y,
                      void* mean, void* variance, int64_t rows, int64_t channels, double eps);
// The gradient of batch_norm_train in x, scale and offset for upstream dy (of y), gmean (of
// mean) and gvar (of variance): xh = (x - mean) r, r = 1 / sqrt(v + eps); dscale = sum(dy xh),
// doffset = sum(dy), dx = scale r (dy - mean(dy) - xh mean(dy xh)) + gmean / rows
// + 2 gvar (x - mean) / max(rows - 1, 1).
void batch_norm_grad(bool f32, const void* dy, const void* x, const void* scale,
                     const void* gmean, const void* gvar, void* dx, void* dscale, void* doffset,
                     int64_t rows, int64_t channels, double eps);
// z [batch, 4 units] holds the gate pre-activations (i, f, g, o), cPrev [batch, units]:
// c = sigmoid(f) cPrev + sigmoid(i) tanh(g), h = sigmoid(o) tanh(c).
void lstm_cell(bool f32, const void* z, const void* cPrev, void* c, void* h, int64_t batch,
               int64_t units);
// Its gradient for upstream dc, dh: dz [batch, 4 units] and dcPrev [batch, units].
void lstm_cell_grad(bool f32, const void* z, const void* cPrev, const void* dc, const void* dh,
                    void* dz, void* dcPrev, int64_t batch, int64_t units);

// A whole LSTM sequence (defined in rnn.cc), time-major: xp [steps, batch, 4 units] (the
// projected inputs), wh [units, 4 units], bias [4 units], h0, c0 [batch, units]. For each step
// t: zs[t] = xp[t] + bias + h wh, then the cell: cs[t], hs[t] (h, c the previous step's, h0,
// c0 first).
void lstm_sequence(bool f32, const void* xp, const void* wh, const void* bias, const void* h0,
                   const void* c0, void* hs, void* cs, void* zs, int64_t steps, int64_t batch,
                   int64_t units);
// Its gradient for upstream dhs, dcs, dzs (of hs, cs, zs): dxp, dwh, dh0, dc0 and db (the
// bias's: the column sums of dxp).
void lstm_sequence_grad(bool f32, const void* zs, const void* cs, const void* hs, const void* wh,
                        const void* h0, const void* c0, const void* dhs, const void* dcs,
                        const void* dzs, void* dxp, void* dwh, void* dh0, void* dc0, void* db,
                        int64_t steps, int64_t batch, int64_t units);

}  // namespace tf
