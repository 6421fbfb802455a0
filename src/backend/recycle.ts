/**
 * Recycled tensor storage: big buffers that backprop knows nobody can read again go to a pool,
 * and the next allocation of the same dtype and length takes one from there instead of making a
 * new ArrayBuffer.
 *
 * Why: V8 counts the bytes of every new ArrayBuffer toward its next full (mark-compact)
 * collection, and buffers alive at a young collection are promoted and stay counted until one.
 * A training step of the MNIST convnet made about 40 MB of new tensor storage, and V8 ran a full
 * collection at nearly every step (a 5-6 ms pause plus some 30 ms of marking on the other core).
 * The gradients that backprop passes from op to op are half of those bytes; recycled, they cost
 * no new ArrayBuffer the next time around (the next step's forward pass takes them, as its
 * activations have the same shapes).
 *
 * Safety: a buffer is recycled only when it was allocated by a built-in gradient rule during
 * the backprop that spends it, with no tape recording and no tf.function tracing, and no live
 * cotangent or returned gradient shares it (autodiff/backprop.ts checks each); tensors made
 * there are seen by nothing but backprop and the rules that consume them. A recycled buffer is
 * handed out only to an op that writes every element of its output. The pool holds at most
 * POOL_CAP_BYTES, and lets everything go when a second passes with no buffer taken from it (an
 * unref'd timer, so it keeps no program alive). (Not WeakRefs: V8 keeps a WeakRef's target alive
 * until the running job ends, and a synchronous training loop is one job: every buffer that ever
 * passed through the pool would stay.) TAPEFLOW_RECYCLE=0 turns recycling off.
 */
import { allocateUninitialized, type DataArray, type DType } from "../tensor/dtype.js";

/** Only buffers this big are pooled: smaller ones come from V8's own pooled allocation. */
const MIN_ELEMENTS = 16384;
/** The most bytes the pool holds. */
const POOL_CAP_BYTES = 128 * 1024 * 1024;
/** The pool is emptied when this long passes with nothing taken from it. */
const IDLE_MS = 1000;
/** The most buffers kept per (dtype, length). */
const PER_KEY = 8;

let enabled =
  typeof process === "undefined" || process.env === undefined
    ? true
    : process.env.TAPEFLOW_RECYCLE !== "0";

type Pooled = Float32Array | Float64Array | Int32Array | Uint8Array;

function poolable(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "int32" || dtype === "bool";
}

const pool = new Map<string, Pooled[]>();
let pooledBytes = 0;
/** Whether a buffer was taken since the idle timer last fired. */
let taken = false;
let timer: ReturnType<typeof setTimeout> | null = null;

function emptyPool(): void {
  pool.clear();
  pooledBytes = 0;
}

function onIdleTimer(): void {
  timer = null;
  if (!taken) {
    emptyPool();
    return;
  }
  taken = false;
  armTimer();
}

function armTimer(): void {
  if (timer !== null || typeof setTimeout !== "function") return;
  timer = setTimeout(onIdleTimer, IDLE_MS);
  // Node's timers can be unref'd: the pool's timer must not keep a finished program running.
  (timer as { unref?: () => void }).unref?.();
}

/**
 * The ArrayBuffers that built-in gradient rules allocated during one backprop: only these can
 * be recycled. The set is made on the first pooled-size allocation, so a backprop of small
 * tensors (most calls) costs one small object. Weak, so that it keeps no dead tensor's storage
 * alive.
 */
export class FreshBuffers {
  set: WeakSet<ArrayBufferLike> | null = null;
}

/** The backprop's FreshBuffers while a built-in gradient rule runs (null otherwise). */
let fresh: FreshBuffers | null = null;

/** Whether backprop should track and recycle at all. */
export function recyclingEnabled(): boolean {
  return enabled;
}

/** Turns recycling on or off (tests); returns the previous setting. Off empties the pool. */
export function setRecyclingEnabled(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  if (!on) emptyPool();
  return before;
}

/** The buffers the pool refers to now (tests). */
export function pooledCount(): number {
  let n = 0;
  for (const list of pool.values()) n += list.length;
  return n;
}

/** Starts (a backprop's FreshBuffers) or stops (null) noting the buffers allocated. */
export function trackAllocations(buffers: FreshBuffers | null): void {
  fresh = buffers;
}

/**
 * Storage whose contents are garbage, for kernels that write every element: a pooled buffer of
 * this dtype and length when there is one, else a new one (tensor/dtype.ts).
 */
export function allocateRecyclable(dtype: DType, size: number): DataArray {
  if (size < MIN_ELEMENTS || !poolable(dtype)) return allocateUninitialized(dtype, size);
  const list = pool.get(key(dtype, size));
  let out: DataArray | undefined = list?.pop();
  if (out !== undefined) {
    pooledBytes -= out.byteLength;
    taken = true;
  } else {
    out = allocateUninitialized(dtype, size);
  }
  if (fresh !== null) (fresh.set ??= new WeakSet()).add((out as Pooled).buffer);
  return out;
}

/** Whether a tensor's storage was allocated while tracking with `buffers`. */
export function isFresh(buffers: FreshBuffers, storage: DataArray): boolean {
  return buffers.set !== null && ArrayBuffer.isView(storage) && buffers.set.has(storage.buffer);
}

/**
 * Gives storage back for reuse. The caller guarantees that no tensor anyone can still read
 * refers to it.
 */
export function recycle(dtype: DType, storage: DataArray): void {
  if (!poolable(dtype) || !ArrayBuffer.isView(storage) || storage.length < MIN_ELEMENTS) return;
  const a = storage as Pooled;
  const bytes = a.byteLength;
  // Only whole buffers (as allocateUninitialized makes them): a view into a bigger one would
  // hand out memory its other views still use.
  if (a.byteOffset !== 0 || a.buffer.byteLength !== bytes) return;
  if (pooledBytes + bytes > POOL_CAP_BYTES) return;
  const k = key(dtype, a.length);
  let list = pool.get(k);
  if (list === undefined) pool.set(k, (list = []));
  if (list.length >= PER_KEY) return;
  list.push(a);
  pooledBytes += bytes;
  armTimer();
}

function key(dtype: DType, size: number): string {
  return `${dtype}:${size}`;
}
