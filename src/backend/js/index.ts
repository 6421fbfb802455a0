/** The JS backend: plain TypeScript over typed arrays, the reference and the fallback. */
import type { Backend } from "../types.js";
import { jsElementwise } from "./elementwise.js";
import { jsReduce } from "./reduce.js";
import { jsMovement } from "./movement.js";
import { jsLinalg } from "./linalg.js";
import { jsNn } from "./nn.js";
import { jsLapack } from "./linalg-lapack.js";
import { jsDepthwise } from "./depthwise.js";
import { jsOptim } from "./optim.js";
import { jsFused } from "./fused.js";
import { jsNnFused } from "./nn-fused.js";
import { jsRnn } from "./rnn.js";
import { jsNn3d } from "./nn3d.js";
import { jsNnImage } from "./nn-image.js";
import { jsSpecial } from "./special.js";
import { jsConvFused } from "./conv-fused.js";
import { jsDropout } from "./dropout.js";
import { typedArrayStorage } from "../storage.js";

export const jsBackend: Backend = {
  name: "js",
  ...jsElementwise,
  ...jsReduce,
  ...jsMovement,
  ...jsLinalg,
  ...jsNn,
  ...jsLapack,
  ...jsDepthwise,
  ...jsOptim,
  ...jsFused,
  ...jsNnFused,
  ...jsRnn,
  ...jsNn3d,
  ...jsNnImage,
  ...jsSpecial,
  ...jsConvFused,
  ...jsDropout,
  ...typedArrayStorage,
};
