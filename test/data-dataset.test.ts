/**
 * tf.data.Dataset: sources (fromTensorSlices of tensors, tuples, objects; fromTensors,
 * fromGenerator, range, zip), transformations (batch, shuffle with TensorFlow's buffer
 * semantics and seeds, map with tuple spreading, filter, take, skip, repeat, cache, prefetch,
 * unbatch, concatenate, enumerate), cardinality, iteration as an [x, y] iterable, bad inputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "../src/index.js";

const { Dataset } = tf.data;

const values = (ds: Iterable<unknown>) => [...ds];
const nums = (ds: tf.data.Dataset<tf.Tensor>) => [...ds].map((t) => t.numpy());

test("fromTensorSlices of a tensor gives its rows; of plain nested numbers, one tensor's rows", () => {
  const ds = Dataset.fromTensorSlices(
    tf.constant([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
  );
  assert.equal(ds.cardinality(), 3);
  assert.deepEqual(nums(ds), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const first = [...ds][0];
  assert.deepEqual(first.shape, [2]);
  assert.equal(first.dtype, "float32");
  assert.deepEqual(nums(Dataset.fromTensorSlices([1, 2, 3])), [1, 2, 3]);
  // Re-iterable: a second pass gives the same elements.
  assert.deepEqual(nums(ds), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.equal(values(ds).length, 3);
});

test("fromTensorSlices of a tuple [x, y] and of an object slice each component together", () => {
  const x = tf.constant([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const y = tf.constant([0, 1, 2], "int32");
  const pairs = [...Dataset.fromTensorSlices([x, y])];
  assert.equal(pairs.length, 3);
  assert.deepEqual(pairs[1][0].numpy(), [3, 4]);
  assert.equal(pairs[1][1].numpy(), 1);
  assert.equal(pairs[1][1].dtype, "int32");
  const objs = [...Dataset.fromTensorSlices({ image: x, label: y })];
  assert.deepEqual(objs[2].image.numpy(), [5, 6]);
  assert.equal(objs[2].label.numpy(), 2);
  const nested = [...Dataset.fromTensorSlices([x, { a: y, b: [10, 20, 30] }])];
  assert.equal(nested[2][1].b.numpy(), 30);
});

test("fromTensorSlices refuses mismatched first dimensions, scalars and junk, naming them", () => {
  assert.throws(
    () => Dataset.fromTensorSlices([tf.zeros([3, 2]), tf.zeros([4])]),
    (e: Error) =>
      e instanceof tf.errors.InvalidArgumentError &&
      /same size in the first dimension; component \[0\] has 3 and component \[1\] has 4/.test(
        e.message,
      ),
  );
  assert.throws(() => Dataset.fromTensorSlices(tf.constant(3)), /rank >= 1, got a scalar/);
  assert.throws(
    () => Dataset.fromTensorSlices({ a: new Date() } as unknown as tf.Tensor),
    (e: Error) =>
      e instanceof TypeError && /Dataset.fromTensorSlices: .*Date at \.a/.test(e.message),
  );
});

test("batch stacks consecutive elements; the last batch is short unless dropRemainder", () => {
  const ds = Dataset.fromTensorSlices(tf.range(0, 7));
  assert.deepEqual(nums(ds.batch(3)), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.equal(ds.batch(3).cardinality(), 3);
  assert.deepEqual(nums(ds.batch(3, { dropRemainder: true })), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  assert.equal(ds.batch(3, { dropRemainder: true }).cardinality(), 2);
  // The element-wise path (after map) stacks the same batches.
  const mapped = ds.map((t) => t.mul(1)).batch(3);
  assert.deepEqual(nums(mapped), [[0, 1, 2], [3, 4, 5], [6]]);
  // Tuples batch component-wise; shapes [b, 2] and [b].
  const xy = Dataset.fromTensorSlices([tf.reshape(tf.range(0, 10), [5, 2]), tf.range(0, 5)]);
  const [xb, yb] = [...xy.batch(2)][1];
  assert.deepEqual(xb.numpy(), [
    [4, 5],
    [6, 7],
  ]);
  assert.deepEqual(yb.numpy(), [2, 3]);
  assert.throws(
    () => ds.batch(0),
    (e: Error) => e instanceof RangeError && /batchSize/.test(e.message),
  );
});

test("batch of elements with different shapes names the component and both shapes", () => {
  const ds = Dataset.fromGenerator(function* () {
    yield tf.zeros([3]);
    yield tf.zeros([2]);
  });
  assert.throws(
    () => [...ds.batch(2)],
    /different shapes in component 0. First element had shape \(3,\) \(float32\) and element 1 had shape \(2,\)/,
  );
});

test("shuffle: a permutation; same seed same order; reshuffles each pass unless told not to", () => {
  const base = Dataset.fromTensorSlices(tf.range(0, 20));
  const a = base.shuffle(20, { seed: 7 });
  const b = base.shuffle(20, { seed: 7 });
  const p1 = nums(a) as number[];
  const p2 = nums(a) as number[];
  assert.deepEqual(
    [...p1].sort((u, v) => u - v),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.notDeepEqual(
    p1,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.deepEqual(nums(b), p1, "same seed, same first pass");
  assert.deepEqual(nums(b), p2, "same seed, same second pass");
  assert.notDeepEqual(p1, p2, "a new order on the second pass");
  const fixed = base.shuffle(20, { seed: 7, reshuffleEachIteration: false });
  assert.deepEqual(nums(fixed), nums(fixed));
  // The global seed decides the order when no op seed is given.
  tf.random.setSeed(3);
  const g1 = nums(base.shuffle(20));
  tf.random.setSeed(3);
  const g2 = nums(base.shuffle(20));
  tf.random.setSeed(null);
  assert.deepEqual(g1, g2);
});

test("shuffle keeps TensorFlow's buffer bound: element i comes out at position >= i - (buffer - 1)", () => {
  // With buffer size B, output position p can only hold an input index < p + B.
  for (const buffer of [1, 2, 5]) {
    const out = nums(
      Dataset.fromTensorSlices(tf.range(0, 50)).shuffle(buffer, { seed: buffer }),
    ) as number[];
    out.forEach((v, p) => assert.ok(v < p + buffer, `buffer ${buffer}: ${v} at ${p}`));
    assert.deepEqual(
      [...out].sort((u, v) => u - v),
      Array.from({ length: 50 }, (_, i) => i),
    );
    if (buffer === 1)
      assert.deepEqual(
        out,
        Array.from({ length: 50 }, (_, i) => i),
      );
  }
  // The indexed path (fromTensorSlices) and the element-wise path (after map) agree.
  const direct = nums(Dataset.fromTensorSlices(tf.range(0, 30)).shuffle(8, { seed: 5 }));
  const mapped = nums(
    Dataset.fromTensorSlices(tf.range(0, 30))
      .map((t) => t)
      .shuffle(8, { seed: 5 }),
  );
  assert.deepEqual(direct, mapped);
});

test("shuffle then batch gathers the same rows as batching the shuffled elements", () => {
  const x = tf.reshape(tf.range(0, 24), [12, 2]);
  const fast = [...Dataset.fromTensorSlices(x).shuffle(12, { seed: 11 }).batch(5)].map((t) =>
    t.numpy(),
  );
  const slow = [
    ...Dataset.fromTensorSlices(x)
      .map((t) => t)
      .shuffle(12, { seed: 11 })
      .batch(5),
  ].map((t) => t.numpy());
  assert.deepEqual(fast, slow);
  assert.equal(fast.length, 3);
});

test("map spreads tuples into arguments, converts plain results; filter keeps what the predicate says", () => {
  const ds = Dataset.fromTensorSlices([tf.constant([1, 2, 3, 4]), tf.constant([10, 20, 30, 40])]);
  const summed = ds.map((x, y) => x.add(y));
  assert.deepEqual(nums(summed), [11, 22, 33, 44]);
  const pairs = [...ds.map((x, y) => [y, 5])];
  assert.equal(pairs[0][1].numpy(), 5);
  assert.equal(pairs[3][0].numpy(), 40);
  const even = ds.filter((x) => tf.equal(tf.mod(x, 2), 0));
  assert.deepEqual(
    [...even].map(([x]) => x.numpy()),
    [2, 4],
  );
  assert.equal(even.cardinality(), tf.data.UNKNOWN_CARDINALITY);
  assert.deepEqual(nums(Dataset.range(6).filter((x) => (x.numpy() as number) > 3)), [4, 5]);
  assert.throws(
    () => [...ds.filter(() => tf.constant([true, false]))],
    /Dataset.filter: the predicate must return a boolean or a scalar bool tensor, got a bool tensor of shape \(2,\)/,
  );
  assert.throws(() => ds.map(3 as unknown as () => tf.Tensor), /Dataset.map: expected a function/);
});

test("take, skip, repeat and their cardinalities; an empty dataset repeated forever ends", () => {
  const ds = Dataset.range(5);
  assert.deepEqual(nums(ds.take(2)), [0, 1]);
  assert.deepEqual(nums(ds.take(-1)), [0, 1, 2, 3, 4]);
  assert.deepEqual(nums(ds.skip(3)), [3, 4]);
  assert.deepEqual(nums(ds.skip(-1)), []);
  assert.deepEqual(nums(ds.repeat(2)), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  assert.equal(ds.repeat(2).cardinality(), 10);
  assert.equal(ds.repeat().cardinality(), tf.data.INFINITE_CARDINALITY);
  assert.deepEqual(nums(ds.repeat().take(7)), [0, 1, 2, 3, 4, 0, 1]);
  assert.equal(ds.repeat().take(7).cardinality(), 7);
  assert.deepEqual(nums(ds.take(0).repeat()), []);
  assert.throws(() => ds.repeat().toArray(), /infinite/);
  // On the indexed path too.
  const sl = Dataset.fromTensorSlices(tf.range(0, 5));
  assert.deepEqual(nums(sl.skip(1).take(2).repeat(2)), [1, 2, 1, 2]);
  assert.throws(
    () => ds.take(1.5),
    (e: Error) => e instanceof RangeError && /Dataset.take/.test(e.message),
  );
});

test("repeat after shuffle gives a new order per repetition; cache freezes what came before it", () => {
  const ds = Dataset.fromTensorSlices(tf.range(0, 10)).shuffle(10, { seed: 1 });
  const two = nums(ds.repeat(2)) as number[];
  assert.notDeepEqual(two.slice(0, 10), two.slice(10));
  let calls = 0;
  const counted = Dataset.range(4).map((x) => {
    calls++;
    return x.mul(2);
  });
  const cached = counted.cache();
  assert.deepEqual(nums(cached), [0, 2, 4, 6]);
  assert.deepEqual(nums(cached), [0, 2, 4, 6]);
  assert.equal(calls, 4, "the second pass replays the cache");
  // An unfinished first pass keeps nothing.
  const partial = counted.cache();
  calls = 0;
  for (const _ of partial) break;
  assert.deepEqual(nums(partial), [0, 2, 4, 6]);
  assert.equal(calls, 5);
  assert.throws(() => ds.cache("/tmp/x"), /caching to a file is not supported/);
});

test("prefetch passes elements through; zip, concatenate, enumerate, unbatch, fromTensors", () => {
  const ds = Dataset.range(3);
  assert.deepEqual(nums(ds.prefetch(tf.data.AUTOTUNE)), [0, 1, 2]);
  assert.deepEqual(nums(ds.prefetch(2)), [0, 1, 2]);
  assert.throws(() => ds.prefetch(-5), RangeError);
  const z = Dataset.zip([ds, Dataset.range(10, 20)]);
  assert.deepEqual(
    [...z].map(([a, b]) => [a.numpy(), b.numpy()]),
    [
      [0, 10],
      [1, 11],
      [2, 12],
    ],
  );
  assert.equal(z.cardinality(), 3);
  const zo = [...Dataset.zip({ a: ds, b: ds.map((x) => x.add(1)) })];
  assert.equal(zo[2].b.numpy(), 3);
  assert.deepEqual(nums(ds.concatenate(Dataset.range(7, 9))), [0, 1, 2, 7, 8]);
  assert.deepEqual(
    [...ds.enumerate(5)].map(([i, x]) => [i.numpy(), x.numpy()]),
    [
      [5, 0],
      [6, 1],
      [7, 2],
    ],
  );
  const rows = Dataset.fromTensorSlices(tf.range(0, 6)).batch(4).unbatch();
  assert.deepEqual(nums(rows), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(nums(Dataset.fromTensors([1, 2])), [[1, 2]]);
  assert.deepEqual(nums(Dataset.range(10, 0, -3)), [10, 7, 4, 1]);
});

test("asNumpyIterator and toArray", () => {
  const ds = Dataset.fromTensorSlices({
    a: tf.constant([1, 2]),
    b: tf.constant([
      [1, 1],
      [2, 2],
    ]),
  });
  assert.deepEqual(
    [...ds.asNumpyIterator()],
    [
      { a: 1, b: [1, 1] },
      { a: 2, b: [2, 2] },
    ],
  );
  const arr = ds.toArray();
  assert.equal(arr.length, 2);
  assert.ok(arr[0].a instanceof tf.Tensor);
});

test("fromGenerator calls the function anew on each pass and converts its values", () => {
  let calls = 0;
  const ds = Dataset.fromGenerator(function* () {
    calls++;
    for (let i = 0; i < 3; i++) yield [tf.constant(i), [i, i]];
  });
  const [first] = ds.toArray();
  assert.equal(first[0].numpy(), 0);
  assert.deepEqual(first[1].numpy(), [0, 0]);
  ds.toArray();
  assert.equal(calls, 2);
  assert.equal(ds.cardinality(), tf.data.UNKNOWN_CARDINALITY);
  assert.throws(
    () =>
      Dataset.fromGenerator(function* () {
        yield [1, [2, 3]];
      }).toArray(),
    /rectangular.*An array of plain values is one tensor/,
  );
  assert.throws(
    () => Dataset.fromGenerator((() => 5) as unknown as () => Iterable<number>).toArray(),
    /must return an iterable/,
  );
});
