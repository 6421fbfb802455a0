/** The JS fused convolution: the conv2d kernel, then the bias and activation in place. */
import type { ConvFusedKernels } from "../conv-fused.js";
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
};
