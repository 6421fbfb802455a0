/**
 * The native addon's interface and its loader. The addon (native/, built by node-gyp into
 * build/Release/tapeflow.node, or shipped under prebuilds/<platform>-<arch>/) is found the way
 * node-gyp-build finds it. This file is the native boundary: the only place where an untyped
 * value (the addon module) is given a type.
 */
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NumArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import type { AxisParams, Conv2DParams, Pool2DParams } from "../nn.js";
import type { Conv3DParams } from "../nn3d.js";
import type { LapackKernels } from "../lapack.js";

export type FloatArray = Float32Array | Float64Array;
export type Isa = "avx2-fma" | "scalar";

/**
 * What native/addon.cc exports. Every function checks its arguments (types, lengths against
 * shapes and sizes) and throws a TypeError or RangeError on a mismatch; kernels write `out` in
 * place.
 */
export interface NativeAddon {
  /** Batched matmul as in MatmulParams; a, b and out share one float dtype. */
  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  /** fn indexes unaryNames; out is x's dtype, or bool (Uint8Array) for IsNan and IsFinite. */
  unary(fn: number, x: FloatArray, out: NumArray): void;
  /** fn indexes binaryNames; out is the inputs' dtype, or bool for comparisons. */
  binary(
    fn: number,
    a: FloatArray,
    aShape: Shape,
    b: FloatArray,
    bShape: Shape,
    out: NumArray,
    outShape: Shape,
  ): void;
  /** binary without shapes: a and b each have out's length or one element. */
  binaryFlat(fn: number, a: FloatArray, b: FloatArray, out: NumArray): void;
  select(
    cond: Uint8Array,
    condShape: Shape,
    x: NumArray,
    xShape: Shape,
    y: NumArray,
    yShape: Shape,
    out: NumArray,
    outShape: Shape,
  ): void;
  cast(x: NumArray, out: NumArray): void;
  /** fn indexes reduceNames; axes sorted and distinct; out has x's dtype. */
  reduce(fn: number, x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray): void;
  /** Softmax (or log-softmax when log) along the middle axis of [outer, n, inner]. */
  softmax(x: FloatArray, out: FloatArray, p: AxisParams, log: boolean): void;
  softmaxCrossEntropy(
    labels: FloatArray,
    logits: FloatArray,
    loss: FloatArray,
    backprop: FloatArray,
    p: AxisParams,
  ): void;
  /** Labels are checked to lie in [0, classes). */
  sparseSoftmaxCrossEntropy(
    labels: Int32Array,
    logits: FloatArray,
    loss: FloatArray,
    backprop: FloatArray,
    rows: number,
    classes: number,
  ): void;
  conv2d(x: FloatArray, w: FloatArray, y: FloatArray, p: Conv2DParams): void;
  conv2dBackpropInput(w: FloatArray, dy: FloatArray, dx: FloatArray, p: Conv2DParams): void;
  conv2dBackpropFilter(x: FloatArray, dy: FloatArray, dw: FloatArray, p: Conv2DParams): void;
  maxPool(x: FloatArray, y: FloatArray, p: Pool2DParams): void;
  avgPool(x: FloatArray, y: FloatArray, p: Pool2DParams): void;
  maxPoolGrad(x: FloatArray, dy: FloatArray, dx: FloatArray, p: Pool2DParams): void;
  maxPoolGradGrad(x: FloatArray, g: FloatArray, out: FloatArray, p: Pool2DParams): void;
  avgPoolGrad(dy: FloatArray, dx: FloatArray, p: Pool2DParams): void;
  /**
   * Blocked transpose (out's axis a is x's axis perm[a]) of any element type; x and out of one
   * dtype. Optional: an addon built before it falls back to the JS kernel.
   */
  transpose?(x: NumArray, shape: Shape, perm: readonly number[], out: NumArray): void;
  /** OptimKernels.adamUpdate; optional as transpose. */
  adamUpdate?(
    variable: FloatArray,
    m: FloatArray,
    v: FloatArray,
    g: FloatArray,
    outVar: FloatArray,
    outM: FloatArray,
    outV: FloatArray,
    alpha: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  /** FusedKernels.softmaxGrad; optional as transpose. */
  softmaxGrad?(y: FloatArray, dy: FloatArray, out: FloatArray, p: AxisParams, log: boolean): void;
  /**
   * Movement kernels (native/movement2.h); each optional as transpose. stridedCopy: for every
   * index i of dims, dst[dstBase + sum i_a dstStrides[a]] = src[srcBase + sum i_a srcStrides[a]]
   * (strides may be negative, source strides zero; destinations distinct; every offset inside
   * its array, or a RangeError).
   */
  stridedCopy?(
    src: NumArray,
    srcBase: number,
    srcStrides: readonly number[],
    dst: NumArray,
    dstBase: number,
    dstStrides: readonly number[],
    dims: Shape,
  ): void;
  /** MovementKernels.concat, all arrays of one dtype. */
  concat?(xs: readonly NumArray[], outer: number, inners: readonly number[], out: NumArray): void;
  /** MovementKernels.split, all arrays of one dtype. */
  split?(x: NumArray, outer: number, inners: readonly number[], outs: readonly NumArray[]): void;
  /** MovementKernels.gather; indices are checked to lie in [0, axisSize). */
  gather?(
    params: NumArray,
    indices: Int32Array,
    batch: number,
    outer: number,
    axisSize: number,
    inner: number,
    out: NumArray,
  ): void;
  /** MovementKernels.unsortedSegmentSum (float32, float64, int32); out is overwritten. */
  unsortedSegmentSum?(data: NumArray, ids: Int32Array, inner: number, out: NumArray): void;
  /** MovementKernels.oneHot for numeric out. */
  oneHot?(
    indices: Int32Array,
    outer: number,
    depth: number,
    inner: number,
    on: number,
    off: number,
    out: NumArray,
  ): void;
  /** MovementKernels.pad for numeric arrays, writing every element of out (no zeros assumed). */
  pad?(
    x: NumArray,
    shape: Shape,
    before: readonly number[],
    value: number,
    out: NumArray,
    outShape: Shape,
  ): void;
  /** MovementKernels.mirrorPad for numeric arrays. */
  mirrorPad?(
    x: NumArray,
    shape: Shape,
    before: readonly number[],
    symmetric: boolean,
    out: NumArray,
    outShape: Shape,
  ): void;
  /** MovementKernels.mirrorPadGrad (float32, float64, int32); out is overwritten. */
  mirrorPadGrad?(
    dy: NumArray,
    dyShape: Shape,
    before: readonly number[],
    symmetric: boolean,
    out: NumArray,
    shape: Shape,
  ): void;
  /** OptimKernels.sgdMomentumUpdate (argument order of native/bind_perf.cc); optional. */
  sgdMomentumUpdate?(
    variable: FloatArray,
    vel: FloatArray,
    g: FloatArray,
    outVar: FloatArray,
    outVel: FloatArray,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  /** FusedKernels.layerNorm (native/bind_layernorm.cc); optional as transpose. */
  layerNorm?(
    x: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    y: FloatArray,
    mean: FloatArray,
    rstd: FloatArray,
    rows: number,
    n: number,
    epsilon: number,
  ): void;
  /** OptimKernels.sgdMomentumUpdate (argument order of native/bind_perf.cc); optional. */
  sgdMomentumUpdate?(
    variable: FloatArray,
    vel: FloatArray,
    g: FloatArray,
    outVar: FloatArray,
    outVel: FloatArray,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  /** FusedKernels.layerNormGrad; optional as transpose. */
  layerNormGrad?(
    x: FloatArray,
    gamma: FloatArray,
    mean: FloatArray,
    rstd: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    dgamma: FloatArray,
    dbeta: FloatArray,
    rows: number,
    n: number,
  ): void;
  /** NnFusedKernels (native/nn_fused.cc), sizes as numbers; optional as transpose. */
  batchNormTrain?(
    x: FloatArray,
    scale: FloatArray,
    offset: FloatArray,
    y: FloatArray,
    mean: FloatArray,
    variance: FloatArray,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  batchNormGrad?(
    dy: FloatArray,
    x: FloatArray,
    scale: FloatArray,
    gmean: FloatArray,
    gvar: FloatArray,
    dx: FloatArray,
    dscale: FloatArray,
    doffset: FloatArray,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  lstmCell?(
    z: FloatArray,
    cPrev: FloatArray,
    c: FloatArray,
    h: FloatArray,
    batch: number,
    units: number,
  ): void;
  lstmSequence?(
    xp: FloatArray,
    wh: FloatArray,
    bias: FloatArray,
    h0: FloatArray,
    c0: FloatArray,
    hs: FloatArray,
    cs: FloatArray,
    zs: FloatArray,
    steps: number,
    batch: number,
    units: number,
  ): void;
  lstmSequenceGrad?(
    zs: FloatArray,
    cs: FloatArray,
    hs: FloatArray,
    wh: FloatArray,
    h0: FloatArray,
    c0: FloatArray,
    dhs: FloatArray,
    dcs: FloatArray,
    dzs: FloatArray,
    dxp: FloatArray,
    dwh: FloatArray,
    dh0: FloatArray,
    dc0: FloatArray,
    db: FloatArray,
    steps: number,
    batch: number,
    units: number,
  ): void;
  /** RnnKernels (native/rnn.cc), sizes as numbers; optional as transpose. */
  gruSequence?(
    xp: FloatArray,
    rk: FloatArray,
    rb: FloatArray,
    h0: FloatArray,
    hs: FloatArray,
    gs: FloatArray,
    steps: number,
    batch: number,
    units: number,
    resetAfter: boolean,
  ): void;
  gruSequenceGrad?(
    rk: FloatArray,
    h0: FloatArray,
    hs: FloatArray,
    gs: FloatArray,
    dhs: FloatArray,
    dgs: FloatArray,
    dxp: FloatArray,
    drk: FloatArray,
    drb: FloatArray,
    dh0: FloatArray,
    steps: number,
    batch: number,
    units: number,
    resetAfter: boolean,
  ): void;
  lstmCellGrad?(
    z: FloatArray,
    cPrev: FloatArray,
    dc: FloatArray,
    dh: FloatArray,
    dz: FloatArray,
    dcPrev: FloatArray,
    batch: number,
    units: number,
  ): void;
  /**
   * Runs a fused elementwise program (native/fused_program.h) over n elements, optionally
   * reducing runs of rowLen results. `code`: [numInputs, numInstrs, reduce (0 none, 1 sum,
   * 2 mean, 3 max)], then per instruction [kind (0 unary, 1 binary), fn, a, b (-1 for unary)]
   * with operands 0..numInputs-1 the inputs and numInputs + j instruction j's result.
   * `layout`: [rep, per] per input (element i reads input[(i / rep) % per]). Optional as
   * transpose.
   */
  fusedProgram?(
    code: Int32Array,
    layout: Float64Array,
    out: FloatArray,
    n: number,
    rowLen: number,
    ...inputs: FloatArray[]
  ): void;
  /**
   * The fused program's instructions beyond the eager loops (native/fused_program_ops.cc):
   * unary[i] is fn unaryNames.length + i, binary[i] is fn binaryNames.length + i.
   */
  fusedProgramNames?(): { unary: string[]; binary: string[] };
  /**
   * The DFT (inverse: with the 1/n) of `rows` rows of n complex numbers, interleaved (re, im)
   * pairs of one float dtype in x and out (native/fft.cc); optional as transpose.
   */
  fft?(x: FloatArray, out: FloatArray, rows: number, n: number, inverse: boolean): void;
  /** 3-D convolution (native/bind_conv3d.cc); optional as transpose. */
  conv3d?(x: FloatArray, w: FloatArray, y: FloatArray, p: Conv3DParams): void;
  /** y = act(conv2d(x, w) + bias) (native/bind_conv_fused.cc); optional as conv3d. */
  conv2dBiasAct?(
    x: FloatArray,
    w: FloatArray,
    bias: FloatArray,
    y: FloatArray,
    p: Conv2DParams,
    relu: boolean,
  ): void;
  /**
   * The gradient of conv2dBiasAct with relu (native/bind_conv_relu_grad.cc): db, dw and, unless
   * dx is null, dx of dz = dy where y > 0; optional as conv3d.
   */
  conv2dReluBackprop?(
    x: FloatArray,
    w: FloatArray,
    dy: FloatArray,
    y: FloatArray,
    dx: FloatArray | null,
    dw: FloatArray,
    db: FloatArray,
    p: Conv2DParams,
  ): void;
  /** y = u >= rate ? x * scale : 0 (native/bind_dropout.cc); optional as conv3d. */
  dropoutApply?(x: FloatArray, u: FloatArray, y: FloatArray, rate: number, scale: number): void;
  conv3dBackpropInput?(w: FloatArray, dy: FloatArray, dx: FloatArray, p: Conv3DParams): void;
  conv3dBackpropFilter?(x: FloatArray, dy: FloatArray, dw: FloatArray, p: Conv3DParams): void;
  /** ReduceKernels.topK (native/sort.cc); float32, float64 or int32 x. Optional as transpose. */
  topK?(
    x: NumArray,
    rows: number,
    n: number,
    k: number,
    values: NumArray,
    indices: Int32Array,
  ): void;
  /** LapackKernels.cholesky (native/lapack.cc): the first failing batch index, or -1. */
  cholesky?: LapackKernels["cholesky"];
  /** LapackKernels.lu, triangularSolve and qr (native/lapack.cc). */
  lu?: LapackKernels["lu"];
  triangularSolve?: LapackKernels["triangularSolve"];
  qr?: LapackKernels["qr"];
  /** LapackKernels.matrixSolve, matrixInverse, determinant, logDeterminant (native/lapack.cc). */
  matrixSolve?: LapackKernels["matrixSolve"];
  matrixInverse?: LapackKernels["matrixInverse"];
  determinant?: LapackKernels["determinant"];
  logDeterminant?: LapackKernels["logDeterminant"];
  /** LapackKernels.eigh (native/lapack_spectral.cc); v empty unless vectors. */
  eigh?(
    a: FloatArray,
    e: FloatArray,
    v: FloatArray,
    batch: number,
    n: number,
    vectors: boolean,
  ): void;
  /** LapackKernels.svd (native/lapack_spectral.cc); u and v empty unless vectors. */
  svd?(
    a: FloatArray,
    s: FloatArray,
    u: FloatArray,
    v: FloatArray,
    batch: number,
    m: number,
    n: number,
    full: boolean,
    vectors: boolean,
  ): void;
  /** glibc's malloc_info() XML (one <heap> per arena); "" off glibc (native/bind_malloc.cc). */
  mallocInfo?(): string;
  /** glibc's malloc_trim(0): true when pages went back to the system; false off glibc. */
  mallocTrim?(): boolean;
  numThreads(): number;
  /** Resizes the thread pool (1 = the calling thread only); returns the new size. */
  setNumThreads(n: number): number;
  isa(): Isa;
  /** Forces the portable path ("scalar") or back to AVX2 where the CPU has it (for tests). */
  setIsa(isa: Isa): Isa;
  /**
   * The widest kernels in use now (native/common.h): "avx512" where the CPU has AVX-512F, on top
   * of setIsa's AVX2 (float32 vector math, fused programs' arithmetic, GELU, softmax rows, the
   * double-computed gradients, direct convolution tiles, the float32 matmul micro-kernel).
   */
  simdPath(): "avx512" | "avx2" | "scalar";
  /**
   * Allows or forbids every AVX-512F kernel (tests run the AVX2 code on an AVX-512 CPU; each
   * 16-lane kernel gives its AVX2 kernel's results); returns the previous setting.
   */
  allowAvx512(allow: boolean): boolean;
  /**
   * Philox4x32-10 uniform draws into out from the blocks at the 128-bit counter (ctr0 lowest
   * word) under the key (native/philox.cc): the bits of random-philox.ts's fillUniform (4 draws
   * a block with f32Draws, else 2). The counter is not advanced.
   */
  philoxUniform?(
    key0: number,
    key1: number,
    ctr0: number,
    ctr1: number,
    ctr2: number,
    ctr3: number,
    out: FloatArray,
    f32Draws: boolean,
  ): void;
  readonly unaryNames: readonly string[];
  readonly binaryNames: readonly string[];
  readonly reduceNames: readonly string[];
}

/** The package root: this file is src/backend/native/ (or dist/backend/native/) below it. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const requireHere = createRequire(import.meta.url);

/** The addon, or the reason it could not be loaded. */
export type LoadResult = { addon: NativeAddon } | { error: string };

/**
 * Loads the addon: build/Release (a local build), then prebuilds/<platform>-<arch>/, through
 * node-gyp-build, which also picks the prebuild matching this platform, libc and ABI.
 * TAPEFLOW_NATIVE_ADDON=<path to a .node file> loads that file instead (the sanitizer build of
 * scripts/build-sanitized.js).
 */
export function loadAddon(): LoadResult {
  try {
    const explicit = process.env.TAPEFLOW_NATIVE_ADDON;
    const mod =
      explicit !== undefined && explicit !== ""
        ? requireHere(resolve(explicit))
        : (requireHere("node-gyp-build") as (dir: string) => unknown)(packageRoot);
    if (!isAddon(mod)) return { error: "the addon found does not have tapeflow's interface" };
    return { addon: mod };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { error: msg.split("\n")[0] };
  }
}

function isAddon(mod: unknown): mod is NativeAddon {
  if (typeof mod !== "object" || mod === null) return false;
  const m = mod as Record<string, unknown>;
  return (
    [
      "matmul",
      "unary",
      "binary",
      "select",
      "cast",
      "reduce",
      "softmax",
      "conv2d",
      "maxPool",
      "setNumThreads",
    ].every((k) => typeof m[k] === "function") && Array.isArray(m.unaryNames)
  );
}
