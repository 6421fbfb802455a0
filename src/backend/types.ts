/**
 * The Backend: the kernels the engine calls, grouped by family. A backend works on flat typed
 * arrays and shapes and knows nothing of tensors, tapes or ops.
 */
import type { ElementwiseKernels } from "./elementwise.js";
import type { ReduceKernels } from "./reduce.js";
import type { MovementKernels } from "./movement.js";
import type { LinalgKernels } from "./linalg.js";
import type { NnKernels } from "./nn.js";
import type { LapackKernels } from "./lapack.js";
import type { DepthwiseKernels } from "./depthwise.js";

export interface Backend
  extends
    ElementwiseKernels,
    ReduceKernels,
    MovementKernels,
    LinalgKernels,
    NnKernels,
    LapackKernels,
    DepthwiseKernels {
  readonly name: "js" | "native";
}
