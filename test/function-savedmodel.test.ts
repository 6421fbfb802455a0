/** tf.savedModel: saving traced functions and loading them without the original code. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "../src/index.js";
import { defineOp } from "../src/engine/op.js";
import { runOp } from "../src/engine/run-op.js";
import { close, mlp, rand, same, tmp } from "./helpers/function.js";

const root = fileURLToPath(new URL("..", import.meta.url));

test("save -> load -> call gives the same outputs, for every traced signature", () => {
  const { forward, vars } = mlp();
  const f = tf.function((x: tf.Tensor, scale: number) => ({
    probs: forward(x).mul(scale),
    n: x.shape[0],
  }));
  const x3 = rand([3, 4]);
  const x1 = rand([1, 4]);
  f(x3, 2);
  f(x1, 1);
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    const loaded = tf.savedModel.load<typeof f>(dir);
    same(loaded(x3, 2), f(x3, 2));
    same(loaded(x1, 1), f(x1, 1));
    assert.equal(loaded.concreteFunctions.length, 2);
    assert.equal(loaded.variables.length, 4);
    assert.deepEqual(
      loaded.variables.map((v) => v.name),
      vars.map((v) => v.name),
    );
    // The loaded function owns fresh variables, read at run time.
    loaded.variables[3].assign(tf.zerosLike(vars[3]));
    vars[3].assign(tf.zerosLike(vars[3]));
    same(loaded(x3, 2), f(x3, 2));
    // Gradients through the loaded graph equal the original's.
    const grad = (
      fn: (x: tf.Tensor, s: number) => { probs: tf.Tensor },
      ws: readonly tf.Variable[],
    ) => {
      const tape = new tf.GradientTape();
      tape.watch(x3);
      const y = tape.record(() => fn(x3, 2).probs.square().reduceSum());
      return tape.gradient(y, [x3, ...ws]);
    };
    const ge = grad(f, vars);
    const gl = grad(loaded, loaded.variables);
    ge.forEach((g, i) => close(gl[i], g, `source ${i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a saved stateful function keeps assigning, and a custom gradient survives saving", () => {
  const steps = new tf.Variable(0, { name: "steps", trainable: false });
  const clipped = tf.customGradient((x: tf.Tensor) => ({
    value: tf.exp(x),
    gradFunc: (dys) => tf.clipByValue(dys[0].mul(tf.exp(x)), -2, 2),
  }));
  const f = tf.function((x: tf.Tensor) => {
    steps.assignAdd(1);
    return (clipped(x) as tf.Tensor).mul(3);
  });
  const x = tf.constant([0.1, 1.5]);
  const grad = (fn: (x: tf.Tensor) => tf.Tensor) => {
    const tape = new tf.GradientTape();
    tape.watch(x);
    const y = tape.record(() => fn(x));
    return tape.gradient(y, x);
  };
  const expected = grad(f);
  const dir = tmp();
  try {
    tf.savedModel.save(f.getConcreteFunction(x), dir);
    const loaded = tf.savedModel.load<(x: tf.Tensor) => tf.Tensor>(dir);
    const s = loaded.variables[0];
    assert.equal(s.name, "steps:0");
    assert.equal(s.trainable, false);
    const before = s.numpy() as number;
    close(grad(loaded), expected);
    same(loaded(x), f(x));
    assert.equal(s.numpy(), before + 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a loaded function runs in a child process that imports only tapeflow", () => {
  const { forward } = mlp();
  const f = tf.function((x: tf.Tensor) => [forward(x), tf.reduceMax(x, 1)]);
  const x = rand([2, 4]);
  const expected = f(x) as tf.Tensor[];
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    writeFileSync(join(dir, "x.json"), JSON.stringify(x.numpy()));
    const script = join(dir, "child.mts");
    writeFileSync(
      script,
      [
        `import * as tf from ${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)};`,
        `import { readFileSync } from "node:fs";`,
        `const dir = ${JSON.stringify(dir)};`,
        `const loaded = tf.savedModel.load(dir);`,
        `const x = tf.constant(JSON.parse(readFileSync(dir + "/x.json", "utf8")));`,
        `const out = loaded(x) as tf.Tensor[];`,
        `process.stdout.write(JSON.stringify(out.map((t) => Array.from(t.dataSync()))));`,
      ].join("\n"),
    );
    const stdout = execFileSync(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      encoding: "utf8",
    });
    const got = JSON.parse(stdout) as number[][];
    assert.deepEqual(
      got,
      expected.map((t) => Array.from(t.dataSync() as Float32Array)),
    );
    const saved = JSON.parse(readFileSync(join(dir, "saved_model.json"), "utf8")) as {
      functions: { graph: { nodes: { op?: string }[] } }[];
    };
    assert.ok(saved.functions[0].graph.nodes.some((n) => n.op === "Softmax"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Bad inputs

test("saving an op whose attrs hold a function names the op", () => {
  // An op with a function in its attrs (as a hand-made op might have): it traces and runs,
  // but a saved graph could not hold it.
  const ApplyJs = defineOp<{ fn: (v: number) => number }>({
    name: "TestApplyJs",
    kind: "unary",
    check: { skip: "a test-only op with no gradient" },
    infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
    kernel: (_b, [x], [y], { fn }) => {
      const xv = x.values as Float32Array;
      const yv = y.values as Float32Array;
      for (let i = 0; i < xv.length; i++) yv[i] = fn(xv[i]);
    },
    grad: null,
  });
  const f = tf.function(function f(x: tf.Tensor) {
    return runOp(ApplyJs, [x.add(1)], { fn: (v) => v * 10 })[0];
  });
  same(f(tf.constant([1, 2])), tf.constant([20, 30]));
  same(f(tf.constant([3, 4])), tf.constant([40, 50]));
  const dir = tmp();
  try {
    assert.throws(
      () => tf.savedModel.save(f, dir),
      /cannot save op 'TestApplyJs' \(node 1 of function 'f'\): its attribute fn is a function/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a custom gradient that fails when traced: replay raises its error, save names the op", () => {
  const broken = tf.customGradient((x: tf.Tensor) => ({
    value: x.mul(2),
    gradFunc: () => {
      throw new Error("no gradient today");
    },
  }));
  const f = tf.function((x: tf.Tensor) => broken(x) as tf.Tensor);
  same(f(tf.constant([1])), tf.constant([2]));
  same(f(tf.constant([3])), tf.constant([6]), "the forward pass is fine");
  const tape = new tf.GradientTape();
  const x = tf.constant([1]);
  tape.watch(x);
  const y = tape.record(() => f(x));
  assert.throws(() => tape.gradient(y, x), /gradient of CustomGradient failed.*no gradient today/);
  const dir = tmp();
  try {
    assert.throws(
      () => tf.savedModel.save(f, dir),
      /cannot save op 'CustomGradient'.*could not be traced/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a loaded function called with a wrong shape names the expected signature", () => {
  const f = tf.function(function scale(x: tf.Tensor) {
    return x.mul(3);
  });
  f(tf.constant([1, 2, 3]));
  const dir = tmp();
  try {
    tf.savedModel.save(f, dir);
    const loaded = tf.savedModel.load<(x: tf.Tensor) => tf.Tensor>(dir);
    same(loaded(tf.constant([1, 1, 1])), tf.constant([3, 3, 3]));
    assert.throws(
      () => loaded(tf.constant([1, 2])),
      (e: Error) =>
        e instanceof TypeError &&
        /scale: the arguments \(TensorSpec\(shape=\(2,\), dtype=tf\.float32, name=None\)\) match no saved signature; expected scale\(TensorSpec\(shape=\(3,\), dtype=tf\.float32, name=None\)\)/.test(
          e.message,
        ),
    );
    assert.throws(() => loaded(tf.constant([1, 2, 3], "int32")), /expected scale\(TensorSpec/);
    const anyLoaded = loaded as unknown as (...a: unknown[]) => unknown;
    assert.throws(() => anyLoaded(), /expected 1 argument, got 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("save before any trace, and load of a missing or corrupt directory, are clear errors", () => {
  const f = tf.function((x: tf.Tensor) => x);
  const dir = tmp();
  try {
    assert.throws(() => tf.savedModel.save(f, dir), /has not been traced yet/);
    assert.throws(() => tf.savedModel.load(join(dir, "nope")), /cannot read/);
    writeFileSync(join(dir, "saved_model.json"), JSON.stringify({ format: "other" }));
    writeFileSync(join(dir, "tensors.bin"), "");
    assert.throws(() => tf.savedModel.load(dir), /not a valid saved function: format/);
    writeFileSync(
      join(dir, "saved_model.json"),
      JSON.stringify({
        format: "tapeflow.savedModel",
        version: 1,
        variables: [],
        functions: [
          {
            name: "g",
            args: { array: [{ leaf: 0 }] },
            argSpecs: [{ kind: "tensor", shape: [], dtype: "float32" }],
            outputs: { leaf: 0 },
            outputSpecs: [{ kind: "tensor", shape: [], dtype: "float32" }],
            graph: {
              numSlots: 2,
              inputs: [0],
              outer: [],
              constants: [],
              variables: [],
              nodes: [{ kind: "op", op: "NoSuchOp", attrs: {}, inputs: [0], outputs: [1] }],
              outputs: [1],
            },
          },
        ],
      }),
    );
    assert.throws(
      () => tf.savedModel.load(dir),
      /runs op 'NoSuchOp', which this tapeflow does not have/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
