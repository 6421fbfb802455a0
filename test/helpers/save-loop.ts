/**
 * A child process for test/safe-files.test.ts: saves the same function again and again with
 * its variables set to 1, 2, 3, ... (all elements of all variables equal to the save's number),
 * printing each number once saved, until it is killed. Args: kind ("savedModel" | "checkpoint"), dir.
 */
import * as tf from "../../src/index.js";

const [kind, dir] = process.argv.slice(2);
const a = new tf.Variable(tf.zeros([256, 256]), { name: "a" });
const b = new tf.Variable(tf.zeros([1000]), { name: "b" });
const f = tf.function((x: tf.Tensor) => tf.matmul(x, a).add(tf.reduceSum(b)));
f(tf.zeros([1, 256]));
const ckpt = kind === "checkpoint" ? new tf.train.Checkpoint({ a, b }) : null;
for (let k = 1; ; k++) {
  a.assign(tf.fill([256, 256], k));
  b.assign(tf.fill([1000], k));
  if (ckpt !== null) ckpt.write(`${dir}/ckpt`);
  else tf.savedModel.save(f, dir);
  process.stdout.write(`${k}\n`);
}
