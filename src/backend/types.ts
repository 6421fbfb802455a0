/**
 * The Backend: the kernels the engine calls, grouped by family. The kernels work on flat typed
 * arrays and shapes and know nothing of tensors, tapes or ops; the storage family (read,
 * allocate) is how ops reach a tensor's data.
 */
import type { ElementwiseKernels } from "./elementwise.js";
import type { ReduceKernels } from "./reduce.js";
import type { MovementKernels } from "./movement.js";
import type { LinalgKernels } from "./linalg.js";
import type { NnKernels } from "./nn.js";
import type { LapackKernels } from "./lapack.js";
import type { StorageKernels } from "./storage.js";
import type { DepthwiseKernels } from "./depthwise.js";
import type { OptimKernels } from "./optim.js";
import type { FusedKernels } from "./fused.js";
import type { NnFusedKernels } from "./nn-fused.js";
import type { RnnKernels } from "./rnn.js";
import type { Nn3dKernels } from "./nn3d.js";
import type { NnImageKernels } from "./nn-image.js";
import type { SpecialKernels } from "./special.js";
import type { ConvFusedKernels } from "./conv-fused.js";
import type { DropoutKernels } from "./dropout.js";

export interface Backend
  extends
    ElementwiseKernels,
    ReduceKernels,
    MovementKernels,
    LinalgKernels,
    NnKernels,
    LapackKernels,
    DepthwiseKernels,
    OptimKernels,
    FusedKernels,
    NnFusedKernels,
    RnnKernels,
    Nn3dKernels,
    NnImageKernels,
    SpecialKernels,
    ConvFusedKernels,
    DropoutKernels,
    StorageKernels {
  readonly name: "js" | "native";
}
