/** tf.train.Checkpoint and CheckpointManager: variables, layers and optimizer slots by object path. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import * as tf from "../src/index.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "tapeflow-ckpt-"));
}

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Float32Array);

/** A 2-layer MLP, built, and Adam; `step` trains once on fixed data and returns the loss. */
function setup(units = 4) {
  tf.random.setSeed(7);
  const model = new tf.keras.Sequential([
    new tf.keras.layers.Dense(units, { activation: "tanh" }),
    new tf.keras.layers.Dense(1),
  ]);
  const x = tf.constant([
    [0.1, -0.2, 0.3],
    [0.5, 0.4, -0.6],
  ]);
  const y = tf.constant([[1], [-1]]);
  model.apply(x);
  const optimizer = new tf.keras.optimizers.Adam(0.05);
  const step = (): number => {
    const tape = new tf.GradientTape();
    const loss = tape.record(() =>
      tf.reduceMean(tf.square(tf.subtract(model.apply(x) as tf.Tensor, y))),
    );
    const vars = model.trainableVariables;
    const grads = tape.gradient(loss, vars);
    optimizer.applyGradients(grads.map((g, i) => [g, vars[i]]));
    return Number(loss.numpy());
  };
  return { model, optimizer, step };
}

test("save and restore: weights, optimizer slots and iterations, then training goes on identically", () => {
  const dir = tmp();
  try {
    const a = setup();
    const step = new tf.Variable(0, { dtype: "int32", name: "step" });
    for (let i = 0; i < 3; i++) a.step();
    step.assign(3);
    const ckpt = new tf.train.Checkpoint({ model: a.model, optimizer: a.optimizer, step });
    const path = ckpt.save(join(dir, "ckpt"));
    assert.equal(path, join(dir, "ckpt-1"));
    assert.ok(existsSync(`${path}.ckpt`));

    // A new model (other initial weights), a fresh optimizer with no slots yet.
    tf.random.setSeed(99);
    const b = setup();
    const step2 = new tf.Variable(0, { dtype: "int32", name: "step" });
    assert.notDeepEqual(vals(b.model.trainableVariables[0]), vals(a.model.trainableVariables[0]));
    // Only its own variables (iteration, learning_rate): no slots before its first update.
    assert.equal(b.optimizer.slotsOf(b.model.trainableVariables[0]).size, 0);
    const ckpt2 = new tf.train.Checkpoint({ model: b.model, optimizer: b.optimizer, step: step2 });
    ckpt2.restore(path).assertConsumed();
    a.model.variables.forEach((v, i) => assert.deepEqual(vals(b.model.variables[i]), vals(v)));
    assert.equal(b.optimizer.iterations, 3);
    assert.equal(Number(step2.numpy()), 3);
    assert.equal(Number(ckpt2.saveCounter.numpy()), 1);
    // Adam's m and v for every weight, restored into slots made on restore.
    assert.equal(b.optimizer.variables.length, a.optimizer.variables.length);
    for (const [i, v] of a.model.variables.entries()) {
      const sa = a.optimizer.slotsOf(v);
      const sb = b.optimizer.slotsOf(b.model.variables[i]);
      assert.deepEqual([...sb.keys()].sort(), ["momentum", "velocity"]);
      for (const k of ["momentum", "velocity"])
        assert.deepEqual(vals(sb.get(k)!), vals(sa.get(k)!));
    }
    const la = [a.step(), a.step()];
    const lb = [b.step(), b.step()];
    assert.deepEqual(lb, la);
    // save() numbers on from the restored counter.
    assert.equal(ckpt2.save(join(dir, "ckpt")), join(dir, "ckpt-2"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("restore checks every shape and dtype first: on a mismatch nothing is assigned", () => {
  const dir = tmp();
  try {
    const a = setup(4);
    const path = new tf.train.Checkpoint({ model: a.model }).write(join(dir, "w"));
    const b = setup(5); // hidden layer of 5 units
    const before = b.model.variables.map(vals);
    assert.throws(() => new tf.train.Checkpoint({ model: b.model }).restore(path), {
      name: "InvalidArgumentError",
      message: new RegExp(
        `^tf\\.train\\.Checkpoint\\.restore: ${join(dir, "w")}\\.ckpt does not fit these objects \\(nothing was restored\\): 'model/layers/0/kernel' is float32 \\[3,4\\] in the checkpoint but float32 \\[3,5\\] here`,
      ),
    });
    // Layer 1's bias has the same shape in both, and was not assigned either.
    assert.deepEqual(b.model.variables.map(vals), before);
    const v = new tf.Variable([1, 2], { dtype: "int32" });
    const p2 = new tf.train.Checkpoint({ v }).write(join(dir, "int"));
    assert.throws(
      () => new tf.train.Checkpoint({ v: new tf.Variable([1, 2]) }).restore(p2),
      /'v' is int32 \[2\] in the checkpoint but float32 \[2\] here/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("load status: what matched and what did not", () => {
  const dir = tmp();
  try {
    const w = new tf.Variable([1, 2, 3]);
    const extra = new tf.Variable(5);
    const path = new tf.train.Checkpoint({ w, extra }).write(join(dir, "s"));
    const w2 = new tf.Variable([0, 0, 0]);
    const status = new tf.train.Checkpoint({ w: w2 }).restore(path);
    assert.deepEqual(vals(w2), [1, 2, 3]);
    assert.deepEqual(status.unusedKeys, ["extra"]);
    status.assertExistingObjectsMatched().expectPartial();
    assert.throws(() => status.assertConsumed(), /unresolved values in .*: extra/);
    // An unbuilt layer has nothing to restore into: assertConsumed says so.
    const fresh = new tf.keras.Sequential([new tf.keras.layers.Dense(2)]);
    const a = setup();
    const p2 = new tf.train.Checkpoint({ model: a.model }).write(join(dir, "m"));
    assert.throws(
      () => new tf.train.Checkpoint({ model: fresh }).restore(p2).assertConsumed(),
      /unresolved values .*model\/layers\/0\/kernel/,
    );
    const nothing = new tf.train.Checkpoint({ w }).restore(null);
    assert.throws(() => nothing.assertConsumed(), /no checkpoint was given/);
    const more = new tf.Variable(1);
    assert.throws(
      () => new tf.train.Checkpoint({ w, more }).restore(path).assertExistingObjectsMatched(),
      /no value in .* for: more/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a truncated, corrupt, missing or foreign checkpoint is a clear error, and nothing is assigned", () => {
  const dir = tmp();
  try {
    const w = new tf.Variable([1, 2, 3]);
    const path = new tf.train.Checkpoint({ w }).write(join(dir, "c"));
    const file = `${path}.ckpt`;
    const good = readFileSync(file);
    const w2 = new tf.Variable([7, 7, 7]);
    const ck = new tf.train.Checkpoint({ w: w2 });
    const cases: [Buffer, RegExp][] = [
      [
        good.subarray(0, good.length - 3),
        /checksum does not match: the file is truncated or corrupt/,
      ],
      [good.subarray(0, 10), /does not start with a tapeflow checkpoint header/],
      [
        Buffer.concat([
          good.subarray(0, good.length - 1),
          Buffer.from([good[good.length - 1] ^ 1]),
        ]),
        /checksum does not match/,
      ],
      [Buffer.from("PK\x03\x04 a zip file"), /does not start with a tapeflow checkpoint header/],
      [
        Buffer.alloc(0),
        /does not start with a tapeflow checkpoint header \(a foreign or empty file\)/,
      ],
    ];
    for (const [bytes, message] of cases) {
      writeFileSync(file, bytes);
      assert.throws(
        () => ck.restore(path),
        (e: Error) => {
          assert.equal(e.name, "InvalidArgumentError");
          assert.ok(
            e.message.startsWith(`tf.train.Checkpoint: ${file} is not a valid checkpoint: `),
            e.message,
          );
          assert.match(e.message, message);
          return true;
        },
      );
      assert.deepEqual(vals(w2), [7, 7, 7]);
    }
    assert.throws(
      () => ck.restore(join(dir, "nope")),
      new RegExp(`cannot read ${join(dir, "nope")}\\.ckpt: ENOENT`),
    );
    assert.throws(() => ck.restore(5 as never), TypeError);
    assert.throws(() => new tf.train.Checkpoint(5 as never), TypeError);
    assert.throws(
      () => new tf.train.Checkpoint({ a: 5 } as never),
      /'a' must be a Variable, Module/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CheckpointManager keeps the last N, and a new manager picks them up", () => {
  const dir = tmp();
  try {
    const v = new tf.Variable(0);
    const ckpt = new tf.train.Checkpoint({ v });
    const manager = new tf.train.CheckpointManager(ckpt, dir, { maxToKeep: 2 });
    assert.equal(manager.latestCheckpoint, null);
    assert.equal(tf.train.latestCheckpoint(dir), null);
    ckpt.restore(manager.latestCheckpoint); // nothing yet: a no-op, as TensorFlow's
    for (let i = 1; i <= 4; i++) {
      v.assign(i * 10);
      assert.equal(manager.save(), join(dir, `ckpt-${i}`));
    }
    assert.deepEqual(manager.checkpoints, [join(dir, "ckpt-3"), join(dir, "ckpt-4")]);
    assert.equal(manager.latestCheckpoint, join(dir, "ckpt-4"));
    assert.equal(existsSync(join(dir, "ckpt-1.ckpt")), false);
    assert.equal(existsSync(join(dir, "ckpt-2.ckpt")), false);
    assert.equal(tf.train.latestCheckpoint(dir), join(dir, "ckpt-4"));

    // A new run: restore the latest, go on numbering from its counter.
    const v2 = new tf.Variable(0);
    const ckpt2 = new tf.train.Checkpoint({ v: v2 });
    const m2 = new tf.train.CheckpointManager(ckpt2, dir, 2);
    assert.deepEqual(m2.checkpoints, manager.checkpoints);
    ckpt2.restore(m2.latestCheckpoint).assertConsumed();
    assert.equal(Number(v2.numpy()), 40);
    ckpt2.restore(m2.checkpoints[0]);
    assert.equal(Number(v2.numpy()), 30);
    assert.equal(m2.save(), join(dir, "ckpt-4"));
    assert.equal(m2.save(), join(dir, "ckpt-5"));
    assert.equal(m2.save(17), join(dir, "ckpt-17"));
    assert.deepEqual(m2.checkpoints, [join(dir, "ckpt-5"), join(dir, "ckpt-17")]);
    const all = new tf.train.CheckpointManager(ckpt2, join(dir, "all"), null);
    for (let i = 0; i < 7; i++) all.save();
    assert.equal(all.checkpoints.length, 7);

    assert.throws(() => new tf.train.CheckpointManager(ckpt, dir, 0), RangeError);
    assert.throws(() => new tf.train.CheckpointManager({} as never, dir), TypeError);
    assert.throws(() => new tf.train.CheckpointManager(ckpt, 5 as never), TypeError);
    writeFileSync(join(dir, "checkpoint"), 'model_checkpoint_path: "x"');
    assert.throws(
      () => new tf.train.CheckpointManager(ckpt, dir),
      /is not a checkpoint state file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
