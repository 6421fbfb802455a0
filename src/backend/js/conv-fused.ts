/** The JS fused convolution: the conv2d kernel, then the bias and activation in place. */
import type { ConvFusedKernels } from "../conv-fused.js";
import type { NumArray } from "../../tensor/dtype.js";
import { jsNn } from "./nn.js";

export const jsConvFused: ConvFusedKernels = {
  conv2dBiasAct(x, w, bias, y, p, relu) {
    jsNn.conv2d(x, w, y, p);
    const C = p.outC;
    const n = y.length;
    for (let i = 0; i < n; i += C) {
      for (let o = 0; o < C; o++) {
        const v = y[i + o] + bias[o];
        // relu as the elementwise kernel: NaN passes, -0 and negatives become +0.
        y[i + o] = !relu || v > 0 || v !== v ? v : 0;
      }
    }
  },

  conv2dReluBackprop(x, w, dy, y, dx, dw, db, p) {
    const C = p.outC;
    const n = dy.length;
    const dz = (dy instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)) as NumArray;
    const sum = new Float64Array(C);
    for (let i = 0; i < n; i += C) {
      for (let o = 0; o < C; o++) {
        // ReluGrad's rule: dy where y > 0 (NaN y gives 0).
        const v = y[i + o] > 0 ? dy[i + o] : 0;
        dz[i + o] = v;
        sum[o] += v;
      }
    }
    for (let o = 0; o < C; o++) db[o] = sum[o];
    jsNn.conv2dBackpropFilter(x, dz, dw, p);
    if (dx !== null) jsNn.conv2dBackpropInput(w, dz, dx, p);
  },
};
