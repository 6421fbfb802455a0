/**
 * The contestants: tapeflow on its native and JS backends, TensorFlow.js on its cpu and wasm
 * backends. Each builds, for one benchmark case, a closure that runs the work once (inputs are
 * made outside the timed closure).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "../src/index.js";
import { backend } from "../src/backend/index.js";
import { scalarOf } from "../src/engine/op.js";
import { getNumThreads } from "../src/backend/native/index.js";
import type * as TfjsNs from "@tensorflow/tfjs";

export type ImplName = "native" | "js" | "tfjs-cpu" | "tfjs-wasm";

export interface Impl {
  readonly name: ImplName;
  /** Makes this implementation current (backend switch). */
  activate(): Promise<void>;
  /** Sets the thread count; false when this implementation has a fixed count. */
  setThreads(n: number): boolean;
  matmul(n: number): () => void;
  tinyAdd(ops: number): () => void;
  /** null when the implementation has no such measurement. */
  tinyAddRecorded(ops: number): (() => void) | null;
  tinyAddForwardBackward(iters: number): (() => void) | null;
  mlpStep(): (() => void) | null;
  sigmoid(n: number): () => void;
  /** Forward and gradient of sum(sigmoid(x)) with respect to x (null without a tape). */
  sigmoidGrad(n: number): (() => void) | null;
  /** The kernel alone on a preallocated output (tapeflow only). */
  sigmoidKernel(n: number): (() => void) | null;
}

// ---- tapeflow --------------------------------------------------------------------------------

function hasTape(): boolean {
  return typeof (tf as { GradientTape?: unknown }).GradientTape === "function";
}

function hasMlpOps(): boolean {
  const nn = tf.nn as { softmaxCrossEntropyWithLogits?: unknown };
  return hasTape() && typeof nn.softmaxCrossEntropyWithLogits === "function";
}

export function tapeflow(name: "native" | "js"): Impl {
  return {
    name,
    async activate() {
      if (!tf.setBackend(name)) throw new Error(`tapeflow backend ${name} is not available`);
    },
    setThreads(n) {
      if (name === "js") return false;
      tf.setNumThreads(n);
      return getNumThreads() === n;
    },
    matmul(n) {
      const a = tf.random.uniform([n, n]);
      const b = tf.random.uniform([n, n]);
      return () => void tf.matmul(a, b);
    },
    tinyAdd(ops) {
      const a = tf.constant([1, 2, 3, 4]);
      const b = tf.constant([5, 6, 7, 8]);
      return () => {
        for (let i = 0; i < ops; i++) tf.add(a, b);
      };
    },
    tinyAddRecorded(ops) {
      if (!hasTape()) return null;
      // A trainable variable read under the tape is watched, so every add is recorded.
      const a = new tf.Variable(tf.constant([1, 2, 3, 4]));
      const b = tf.constant([5, 6, 7, 8]);
      return () => {
        const tape = new tf.GradientTape();
        tape.record(() => {
          for (let i = 0; i < ops; i++) tf.add(a, b);
        });
      };
    },
    tinyAddForwardBackward(iters) {
      if (!hasTape()) return null;
      const a = new tf.Variable(tf.constant([1, 2, 3, 4]));
      const b = tf.constant([5, 6, 7, 8]);
      return () => {
        for (let i = 0; i < iters; i++) {
          const tape = new tf.GradientTape();
          const y = tape.record(() => tf.add(a, b));
          tape.gradient(y, a);
        }
      };
    },
    mlpStep() {
      if (!hasMlpOps()) return null;
      tf.random.setSeed(1);
      const w1 = new tf.Variable(tf.random.normal([784, 256], { stddev: 0.05 }));
      const b1 = new tf.Variable(tf.zeros([256]));
      const w2 = new tf.Variable(tf.random.normal([256, 10], { stddev: 0.05 }));
      const b2 = new tf.Variable(tf.zeros([10]));
      const params = [w1, b1, w2, b2];
      const x = tf.random.uniform([128, 784]);
      const labels = tf.oneHot(tf.random.uniform([128], { maxval: 10, dtype: "int32" }), 10);
      const lr = 0.01;
      return () => {
        const tape = new tf.GradientTape();
        const loss = tape.record(() => {
          const h = tf.relu(tf.matmul(x, w1).add(b1));
          const logits = tf.matmul(h, w2).add(b2);
          return tf.reduceMean(tf.nn.softmaxCrossEntropyWithLogits(labels, logits));
        });
        const grads = tape.gradient(loss, params);
        grads.forEach((g, i) => {
          if (g !== null) params[i].assignSub(g.mul(lr));
        });
      };
    },
    sigmoid(n) {
      const x = tf.random.normal([n]);
      return () => void tf.sigmoid(x);
    },
    sigmoidGrad(n) {
      if (!hasTape()) return null;
      const x = tf.random.normal([n]);
      return () => {
        const tape = new tf.GradientTape();
        tape.watch(x);
        const y = tape.record(() => tf.sigmoid(x));
        tape.gradient(y, x);
      };
    },
    sigmoidKernel(n) {
      const x = tf.random.normal([n]).dataSync() as Float32Array;
      const out = new Float32Array(n);
      return () => backend().unary(scalarOf("Sigmoid"), x, out);
    },
  };
}

// ---- TensorFlow.js ---------------------------------------------------------------------------

const requireHere = createRequire(import.meta.url);

let tfjsModule: typeof TfjsNs | null = null;
let wasmModule: typeof import("@tensorflow/tfjs-backend-wasm") | null = null;

/** Loads tfjs (and its wasm backend, with the .wasm files read from node_modules). */
export async function loadTfjs(): Promise<typeof TfjsNs> {
  if (tfjsModule !== null) return tfjsModule;
  // tfjs greets Node users with advice on console.log; keep the table clean.
  const log = console.log;
  console.log = () => {};
  try {
    tfjsModule = await import("@tensorflow/tfjs");
    wasmModule = await import("@tensorflow/tfjs-backend-wasm");
    const dist = join(
      dirname(requireHere.resolve("@tensorflow/tfjs-backend-wasm/package.json")),
      "dist",
    );
    wasmModule.setWasmPaths(dist + "/");
  } finally {
    console.log = log;
  }
  return tfjsModule;
}

/** Whether tfjs-wasm runs multithreaded here (it needs SharedArrayBuffer workers; not in Node). */
export function wasmThreads(): number {
  return wasmModule === null ? 1 : wasmModule.getThreadsCount();
}

export function tfjs(name: "tfjs-cpu" | "tfjs-wasm"): Impl {
  const T = (): typeof TfjsNs => {
    if (tfjsModule === null) throw new Error("loadTfjs() first");
    return tfjsModule;
  };
  return {
    name,
    async activate() {
      const t = await loadTfjs();
      const log = console.log;
      console.log = () => {};
      try {
        const ok = await t.setBackend(name === "tfjs-cpu" ? "cpu" : "wasm");
        if (!ok) throw new Error(`tfjs backend ${name} did not initialize`);
        await t.ready();
      } finally {
        console.log = log;
      }
    },
    setThreads() {
      return false;
    },
    matmul(n) {
      const t = T();
      const a = t.randomUniform([n, n]);
      const b = t.randomUniform([n, n]);
      return () => t.matMul(a, b).dispose();
    },
    tinyAdd(ops) {
      const t = T();
      const a = t.tensor1d([1, 2, 3, 4]);
      const b = t.tensor1d([5, 6, 7, 8]);
      return () => {
        for (let i = 0; i < ops; i++) t.add(a, b).dispose();
      };
    },
    // tfjs records only inside its gradient functions: the recorded cost is not separable.
    tinyAddRecorded() {
      return null;
    },
    tinyAddForwardBackward(iters) {
      const t = T();
      const a = t.tensor1d([1, 2, 3, 4]);
      const b = t.tensor1d([5, 6, 7, 8]);
      const g = t.grad((x: TfjsNs.Tensor) => t.add(x, b));
      return () => {
        for (let i = 0; i < iters; i++) g(a).dispose();
      };
    },
    mlpStep() {
      const t = T();
      const w1 = t.variable(t.randomNormal([784, 256], 0, 0.05));
      const b1 = t.variable(t.zeros([256]));
      const w2 = t.variable(t.randomNormal([256, 10], 0, 0.05));
      const b2 = t.variable(t.zeros([10]));
      const x = t.randomUniform([128, 784]);
      const labels = t.oneHot(t.randomUniform([128], 0, 10, "int32") as TfjsNs.Tensor1D, 10);
      const opt = t.train.sgd(0.01);
      return () => {
        t.tidy(() => {
          const { grads } = t.variableGrads(() => {
            const h = t.relu(t.add(t.matMul(x, w1), b1));
            const logits = t.add(t.matMul(h, w2), b2);
            return t.losses.softmaxCrossEntropy(labels, logits) as TfjsNs.Scalar;
          }, [w1, b1, w2, b2]);
          opt.applyGradients(grads);
        });
      };
    },
    sigmoid(n) {
      const t = T();
      const x = t.randomNormal([n]);
      return () => t.sigmoid(x).dispose();
    },
    sigmoidGrad(n) {
      const t = T();
      const x = t.randomNormal([n]);
      const g = t.grad((v: TfjsNs.Tensor) => t.sigmoid(v));
      return () => g(x).dispose();
    },
    sigmoidKernel() {
      return null;
    },
  };
}
