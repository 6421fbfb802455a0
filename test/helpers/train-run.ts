/**
 * A small training run for test/workers.test.ts: a 2-layer MLP trained with GradientTape and
 * SGD on fixed data, everything seeded, so the same seed gives the same losses bit for bit.
 * Sizes are large enough that the native kernels use their thread pool. Run as a worker
 * thread, it trains with `workerData` and posts the result.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import * as tf from "../../src/index.js";

export interface RunResult {
  backend: string;
  losses: number[];
  /** The sum of the final weights, to compare the end state too. */
  weightSum: number;
}

export function trainRun(seed: number, steps: number): RunResult {
  const batch = 256;
  const features = 64;
  // Data from a formula of the seed: no generator state shared with anything else.
  const xs = new Float32Array(batch * features);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(seed * 7.1 + i * 0.37);
  const ys = new Float32Array(batch);
  for (let i = 0; i < batch; i++) ys[i] = 0.5 * xs[i * features] - 0.25 * xs[i * features + 1];
  const x = new tf.Tensor(xs, [batch, features], "float32");
  const y = new tf.Tensor(ys, [batch, 1], "float32");
  const model = new tf.keras.Sequential([
    new tf.keras.layers.Dense(128, {
      activation: "tanh",
      kernelInitializer: new tf.keras.initializers.GlorotUniform({ seed }),
    }),
    new tf.keras.layers.Dense(1, {
      kernelInitializer: new tf.keras.initializers.GlorotUniform({ seed: seed + 1000 }),
    }),
  ]);
  const opt = new tf.keras.optimizers.SGD(0.01);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const tape = new tf.GradientTape();
    const loss = tape.record(() =>
      tf.reduceMean(tf.square(tf.subtract(model.apply(x) as tf.Tensor, y))),
    );
    const vars = model.trainableVariables;
    const grads = tape.gradient(loss, vars);
    opt.applyGradients(grads.map((g, i) => [g, vars[i]]));
    losses.push(Number(loss.numpy()));
  }
  let weightSum = 0;
  for (const v of model.trainableVariables) weightSum += Number(tf.reduceSum(v).numpy());
  return { backend: tf.getBackend(), losses, weightSum };
}

if (!isMainThread && parentPort !== null) {
  const { seed, steps } = workerData as { seed: number; steps: number };
  parentPort.postMessage(trainRun(seed, steps));
}
