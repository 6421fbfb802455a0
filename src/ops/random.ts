/**
 * `tf.random`: random tensors drawn the way TensorFlow's stateful random kernels draw them, so
 * that `tf.random.setSeed(g)` with an op seed gives TensorFlow's own numbers (checked against
 * TensorFlow's outputs for uniform float32/float64/int32 and normal float32; the other ops follow
 * the same kernels' algorithms).
 *
 * Ops: each public function checks its arguments and runs one registry entry through runOp
 * (RandomStandardNormal, TruncatedNormal, RandomUniform, RandomUniformInt, RandomShuffle,
 * Multinomial). They are stateful, so tf.function traces them as ops that draw afresh each time
 * the graph runs (not as constants), and not differentiable: a tape's gradient stops at them.
 *
 * Seeds, as TensorFlow's `get_seed` resolves them into a kernel's (seed, seed2) pair:
 *   global g and op seed o   -> (g, o), both taken mod 2^31-1 as TensorFlow truncates them;
 *   global g, no op seed     -> (g, o') where o' is the next draw of Python's `random.Random(g)`
 *                               (TF eager's internal operation seed): the same global seed and
 *                               the same sequence of calls give the same numbers;
 *   op seed o, no global     -> (87654321, o), TensorFlow's DEFAULT_GRAPH_SEED;
 *   neither                  -> no pair: the kernel is keyed once from node:crypto, so numbers
 *                               differ between runs.
 * Streams: TensorFlow eager caches one kernel per (op, dtype, seed, seed2), and the kernel keeps
 * its generator, so calling the same op with the same seeds again continues its stream (the "A1,
 * A2" of tf.random.set_seed's docs). So do we; `setSeed` forgets every stream and restarts the
 * internal op seeds.
 *
 * Generator: Philox4x32-10 with TensorFlow's layout and distributions (random-philox.ts).
 *
 * Files: random-seeds.ts (seeds, streams, generators), random-distributions.ts (the ops and
 * normal, uniform, truncatedNormal, categorical, shuffle), random-stateless.ts (standard draws
 * as plain arrays, stateless with a SeedPair); this module re-exports them.
 *
 * Internal API for other ops (dropout, Keras initializers) and tf.function:
 *   - `standardUniform(op, shape, dtype, seed)`: `tf.random.uniform(shape, {seed, dtype})`, the
 *     RandomUniform op; `tf.nn.dropout(x, rate, {seed})` draws its mask with it, as TensorFlow.
 *   - `captureRandomState()`: a way back to the generators' present state (a dry trace by
 *     getConcreteFunction draws nothing).
 *   - `nextSeed(opSeed?)`: resolves an op seed as above into a concrete `SeedPair` (a fresh
 *     one from crypto when there is no seed at all). Consumes one internal op seed when a global
 *     seed is set and `opSeed` is absent, exactly as a random op would.
 *   - `randomUniformArray(n, seed?, dtype?)`, `randomNormalArray`, `truncatedNormalArray`: n
 *     standard draws (uniform in [0, 1), normal N(0, 1), normal cut to (-2, 2)) as a
 *     Float64Array, at `dtype`'s precision (float32 by default). With a number or
 *     nothing as `seed`, they are exactly what `tf.random.uniform([n], {seed, dtype})` etc.
 *     would give, stream and all, but are plain arrays that no tf.function traces. With a
 *     `SeedPair` they are stateless: the same pair gives the same numbers every call (a seeded
 *     Keras initializer).
 */
export { captureRandomState, nextSeed, type SeedPair, setSeed } from "./random-seeds.js";
export * from "./random-distributions.js";
export * from "./random-stateless.js";
