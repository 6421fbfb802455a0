/**
 * Recurrent layers: SimpleRNN, LSTM and GRU over [batch, time, features], each a loop in JS
 * over the time steps of its cell (SimpleRNNCell, LSTMCell, GRUCell), as Keras 3 builds them:
 * the layer holds `cell`, whose weights are kernel [features, gates units], recurrent_kernel
 * [units, gates units] and bias, with Keras's gate order (LSTM i, f, c, o; GRU z, r, h).
 *
 * The input projection x kernel (+ bias) of every step is one matrix product before the loop;
 * each step then costs one [batch, units] x [units, gates units] product and the gate
 * arithmetic, all ops on the tape, so gradients (through time) come from the ops' own rules.
 */
import { optionsArg } from "../../tensor/args.js";
import { describeValue } from "../../tensor/describe-value.js";
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { currentNameScope, type Variable } from "../../tensor/variable.js";
import {
  add,
  cast,
  concat,
  matmul,
  multiply,
  nn,
  ones,
  onesLike,
  reshape,
  reverse,
  slice,
  split,
  stack,
  subtract,
  transpose,
  unstack,
  where,
  zeros,
} from "../../ops/index.js";
import { lstmCellStep, lstmSequence } from "../../ops/nn-lstm.js";
import { gruCellStep, gruSequence } from "../../ops/nn-gru.js";
import * as activations from "../activations.js";
import * as initializers from "../initializers.js";
import {
  type BuildShape,
  type CallOptions,
  Layer,
  type LayerOptions,
  type LayerOutputs,
} from "../layer.js";
import {
  activationConfig,
  baseConfig,
  checkRank,
  incompatible,
  initializerConfig,
  lastDim,
  type LayerConfig,
  positiveInt,
  rateArg,
} from "./common.js";

export interface RNNCellOptions extends LayerOptions {
  /** Default "tanh". */
  activation?: activations.ActivationIdentifier;
  /** LSTM and GRU gates' activation; default "sigmoid". */
  recurrentActivation?: activations.ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default "glorotUniform". */
  kernelInitializer?: initializers.InitializerIdentifier;
  /** Default "orthogonal". */
  recurrentInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
  /** LSTM: the forget gate's bias starts at 1 (default true). */
  unitForgetBias?: boolean;
  /** GRU: the reset gate applies after the recurrent product (default true, cuDNN's form). */
  resetAfter?: boolean;
  /** Fraction of the inputs dropped in training (one mask for every step); default 0. */
  dropout?: number;
  /** Fraction of the recurrent state dropped in training; default 0. */
  recurrentDropout?: number;
  /** Seed of the dropout masks. */
  seed?: number | null;
}

type CellKind = "simple" | "lstm" | "gru";

/** How many blocks of `units` each weight has per kind: SimpleRNN 1, LSTM 4, GRU 3. */
const GATES: Record<CellKind, number> = { simple: 1, lstm: 4, gru: 3 };

/**
 * A recurrent cell: one step, (x_t, states) -> (output, new states). As a layer it takes
 * [x_t, ...states] and returns [output, ...newStates], Keras's `cell(x, states)`.
 */
export abstract class RNNCell extends Layer<Tensor[], Tensor[]> {
  readonly units: number;
  readonly activation: activations.Activation;
  readonly recurrentActivation: activations.Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: initializers.InitializerIdentifier;
  readonly recurrentInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly #activationId: activations.ActivationIdentifier;
  readonly #recurrentActivationId: activations.ActivationIdentifier;
  #kernel: Variable | null = null;
  #recurrentKernel: Variable | null = null;
  #bias: Variable | null = null;

  constructor(
    readonly kind: CellKind,
    units: number,
    options: RNNCellOptions,
  ) {
    super(options);
    const cls = this.constructor.name;
    this.units = positiveInt(cls, "units", units);
    this.#activationId = options.activation === undefined ? "tanh" : options.activation;
    this.#recurrentActivationId =
      options.recurrentActivation === undefined ? "sigmoid" : options.recurrentActivation;
    this.activation = activations.get(this.#activationId);
    this.recurrentActivation = activations.get(this.#recurrentActivationId);
    this.useBias = options.useBias ?? true;
    this.kernelInitializer = options.kernelInitializer ?? "glorotUniform";
    this.recurrentInitializer = options.recurrentInitializer ?? "orthogonal";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    for (const init of [this.kernelInitializer, this.recurrentInitializer, this.biasInitializer]) {
      initializers.get(init);
    }
    this.dropout = rateArg(cls, "dropout", options.dropout ?? 0);
    this.recurrentDropout = rateArg(cls, "recurrent_dropout", options.recurrentDropout ?? 0);
    this.seed = options.seed ?? null;
  }

  /** The states' sizes: [units], or [units, units] for LSTM's h and c. */
  get stateSize(): number[] {
    return this.kind === "lstm" ? [this.units, this.units] : [this.units];
  }

  get kernel(): Variable {
    return this.need(this.#kernel, "kernel");
  }
  get recurrentKernel(): Variable {
    return this.need(this.#recurrentKernel, "recurrent_kernel");
  }
  get bias(): Variable | null {
    if (!this.built && this.useBias) this.need(null, "bias");
    return this.#bias;
  }

  private need(v: Variable | null, what: string): Variable {
    if (v === null) {
      throw new Error(
        `${this.constructor.name} '${this.name}' has no ${what} yet: it is made on the first call (or by build(inputShape))`,
      );
    }
    return v;
  }

  /** The bias's shape and initializer (LSTM and GRU override). */
  protected biasSpec(): { shape: number[]; init: initializers.InitializerIdentifier } {
    return { shape: [GATES[this.kind] * this.units], init: this.biasInitializer };
  }

  /** Builds from the shape of x_t, [batch, features] (or the list [x_t, ...states]). */
  override build(inputShape: BuildShape[] | BuildShape): void {
    const xShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as BuildShape;
    const features = lastDim(this, xShape, null, "feature");
    const g = GATES[this.kind] * this.units;
    this.#kernel = this.addWeight("kernel", [features, g], {
      initializer: this.kernelInitializer,
    });
    this.#recurrentKernel = this.addWeight("recurrent_kernel", [this.units, g], {
      initializer: this.recurrentInitializer,
    });
    if (this.useBias) {
      const { shape, init } = this.biasSpec();
      this.#bias = this.addWeight("bias", shape, { initializer: init });
    }
    super.build(inputShape as BuildShape[]);
  }

  /** x kernel + the input part of the bias (unless withBias is false), for x of shape [..., features]. */
  projectInputs(x: Tensor, withBias = true): Tensor {
    const k = this.kernel;
    if (x.shape[x.rank - 1] !== k.shape[0]) {
      throw incompatible(
        this,
        `expected axis -1 of input shape to have value ${k.shape[0]}, but received input with shape ${shapeStr(x.shape)}`,
        x.shape,
      );
    }
    const lead = x.shape.slice(0, -1);
    let p = reshape(matmul(reshape(x, [-1, k.shape[0]]), k), [...lead, k.shape[1]]);
    const b = this.#bias;
    if (b !== null && withBias) p = add(p, b.rank === 2 ? unstack(b, 2, 0)[0] : b);
    return p;
  }

  /**
   * One step from the projected input xp = x_t kernel (+ bias) and the states; `hMask` is the
   * recurrent dropout mask (or null). Returns [output, ...new states].
   */
  abstract step(xp: Tensor, states: readonly Tensor[], hMask: Tensor | null): Tensor[];

  call(inputs: Tensor[], options: CallOptions = {}): Tensor[] {
    const [x, ...states] = inputs;
    if (x === undefined || states.length !== this.stateSize.length) {
      throw new InvalidArgumentError(
        `${this.constructor.name} '${this.name}': expected [inputs, ${this.kind === "lstm" ? "h, c" : "h"}], got ${inputs.length} tensors`,
      );
    }
    let xt = x.dtype === this.kernel.dtype ? x : cast(x, this.kernel.dtype);
    let hMask: Tensor | null = null;
    if (options.training === true) {
      if (this.dropout > 0) xt = multiply(xt, dropoutMask(xt, this.dropout, this.seed));
      if (this.recurrentDropout > 0) {
        hMask = dropoutMask(states[0], this.recurrentDropout, this.seed);
      }
    }
    return this.step(this.projectInputs(xt), states, hMask);
  }

  protected h(states: readonly Tensor[], hMask: Tensor | null): Tensor {
    return hMask === null ? states[0] : multiply(states[0], hMask);
  }

  protected cellConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      units: this.units,
      activation: activationConfig(this.#activationId),
      ...(this.kind === "simple"
        ? {}
        : { recurrent_activation: activationConfig(this.#recurrentActivationId) }),
      use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      recurrent_initializer: initializerConfig(this.recurrentInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: null,
      recurrent_regularizer: null,
      bias_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
      seed: this.seed,
    };
  }

  getConfig(): LayerConfig {
    return this.cellConfig();
  }
}

/** Dropout's mask for a tensor like `x`: 0 with probability rate, else 1 / (1 - rate). */
function dropoutMask(x: Tensor, rate: number, seed: number | null): Tensor {
  return nn.dropout(onesLike(x), rate, { seed });
}

/** `tf.keras.layers.SimpleRNNCell(units, {...})`: h = activation(x kernel + h recurrent_kernel + bias). */
export class SimpleRNNCell extends RNNCell {
  constructor(units: number, options: RNNCellOptions = {}) {
    super("simple", units, options);
  }
  step(xp: Tensor, states: readonly Tensor[], hMask: Tensor | null): Tensor[] {
    const h = this.activation(add(xp, matmul(this.h(states, hMask), this.recurrentKernel)));
    return [h, h];
  }
}

const TANH = activations.get("tanh");
const SIGMOID = activations.get("sigmoid");

/**
 * `tf.keras.layers.LSTMCell(units, {...})`: z = x kernel + h recurrent_kernel + bias split
 * in i, f, c, o; c' = f c + i activation(z_c) with i, f, o = recurrentActivation(z_.);
 * h' = o activation(c'). States [h, c].
 */
export class LSTMCell extends RNNCell {
  readonly unitForgetBias: boolean;
  constructor(units: number, options: RNNCellOptions = {}) {
    super("lstm", units, options);
    this.unitForgetBias = options.unitForgetBias ?? true;
  }
  protected override biasSpec(): { shape: number[]; init: initializers.InitializerIdentifier } {
    const u = this.units;
    if (!this.unitForgetBias) return { shape: [4 * u], init: this.biasInitializer };
    // Keras: [bias_initializer(u), ones(u), bias_initializer(2u)].
    const base = initializers.get(this.biasInitializer);
    return {
      shape: [4 * u],
      init: (_shape, dtype) =>
        concat([base([u], dtype), ones([u], dtype), base([2 * u], dtype)], 0),
    };
  }
  step(xp: Tensor, states: readonly Tensor[], hMask: Tensor | null): Tensor[] {
    const z = add(xp, matmul(this.h(states, hMask), this.recurrentKernel));
    if (this.activation === TANH && this.recurrentActivation === SIGMOID) {
      // The default activations: gates and state update in one fused op (and its gradient).
      const [c, h] = lstmCellStep(z, states[1]);
      return [h, h, c];
    }
    const [zi, zf, zc, zo] = split(z, 4, 1);
    const i = this.recurrentActivation(zi);
    const f = this.recurrentActivation(zf);
    const c = add(multiply(f, states[1]), multiply(i, this.activation(zc)));
    const o = this.recurrentActivation(zo);
    const h = multiply(o, this.activation(c));
    return [h, h, c];
  }
  /** Whether the whole recurrence can be one FusedLSTMSequence: the default activations. */
  get fusable(): boolean {
    return this.activation === TANH && this.recurrentActivation === SIGMOID;
  }
  /**
   * The whole recurrence as one op (FusedLSTMSequence), from the time-major inputs x [time,
   * batch, features] (in processing order) and the states [h, c]: every step's h [time, batch,
   * units] and the last h and c. The op adds the bias itself.
   */
  fusedSequence(x: Tensor, states: readonly Tensor[]): [Tensor, Tensor, Tensor] {
    const xp = this.projectInputs(x, false);
    const [hs, cs] = lstmSequence(xp, this.recurrentKernel, states[0], states[1], this.bias);
    return [hs, lastStep(hs), lastStep(cs)];
  }

  override getConfig(): LayerConfig {
    return { ...this.cellConfig(), unit_forget_bias: this.unitForgetBias };
  }
}

/**
 * `tf.keras.layers.GRUCell(units, {resetAfter = true, ...})`: gates z, r and candidate hh;
 * h' = z h + (1 - z) hh. With resetAfter (bias [2, 3 units]: input and recurrent biases)
 * hh = activation(x k_h + b_h + r (h rk_h + rb_h)); without (bias [3 units])
 * hh = activation(x k_h + b_h + (r h) rk_h).
 */
export class GRUCell extends RNNCell {
  readonly resetAfter: boolean;
  constructor(units: number, options: RNNCellOptions = {}) {
    super("gru", units, options);
    this.resetAfter = options.resetAfter ?? true;
  }
  protected override biasSpec(): { shape: number[]; init: initializers.InitializerIdentifier } {
    const g = 3 * this.units;
    return { shape: this.resetAfter ? [2, g] : [g], init: this.biasInitializer };
  }
  /** Whether the fused GRU ops apply: the default activations (tanh, sigmoid). */
  get fusable(): boolean {
    return this.activation === TANH && this.recurrentActivation === SIGMOID;
  }
  /** The recurrent bias of the fused ops: bias[1] with resetAfter, else zeros (all of the bias is in the input projection). */
  private recurrentBias(dtype: Tensor["dtype"]): Tensor {
    const b = this.bias;
    if (this.resetAfter && b !== null) return unstack(b, 2, 0)[1];
    return zeros([3 * this.units], dtype);
  }
  /**
   * The whole recurrence as one op (FusedGRUSequence), from the time-major inputs x [time,
   * batch, features] (in processing order) and the states [h]: every step's h [time, batch,
   * units] and the last h.
   */
  fusedSequence(x: Tensor, states: readonly Tensor[]): [Tensor, Tensor] {
    const xp = this.projectInputs(x);
    const rk = this.recurrentKernel;
    const hs = gruSequence(xp, rk, this.recurrentBias(xp.dtype), states[0], this.resetAfter);
    return [hs, lastStep(hs)];
  }
  step(xp: Tensor, states: readonly Tensor[], hMask: Tensor | null): Tensor[] {
    const hPrev = states[0];
    if (hMask === null && this.fusable) {
      // The default activations: the recurrent product, gates and update in one fused op.
      const rk = this.recurrentKernel;
      const h = gruCellStep(xp, hPrev, rk, this.recurrentBias(xp.dtype), this.resetAfter);
      return [h, h];
    }
    const hIn = this.h(states, hMask);
    const rk = this.recurrentKernel;
    const [xz, xr, xh] = split(xp, 3, 1);
    let hh: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      let rec = matmul(hIn, rk);
      const b = this.bias;
      if (b !== null) rec = add(rec, unstack(b, 2, 0)[1]);
      const [rz, rr, rh] = split(rec, 3, 1);
      z = this.recurrentActivation(add(xz, rz));
      const r = this.recurrentActivation(add(xr, rr));
      hh = this.activation(add(xh, multiply(r, rh)));
    } else {
      const [rkz, rkr, rkh] = split(rk, 3, 1);
      z = this.recurrentActivation(add(xz, matmul(hIn, rkz)));
      const r = this.recurrentActivation(add(xr, matmul(hIn, rkr)));
      hh = this.activation(add(xh, matmul(multiply(r, hIn), rkh)));
    }
    // h' = z h + (1 - z) hh = hh + z (h - hh).
    const h = add(hh, multiply(z, subtract(hPrev, hh)));
    return [h, h];
  }
  override getConfig(): LayerConfig {
    return { ...this.cellConfig(), reset_after: this.resetAfter };
  }
}

export interface RNNOptions extends RNNCellOptions {
  /** Return every step's output [batch, time, units] (default false: the last, [batch, units]). */
  returnSequences?: boolean;
  /** Also return the final states: [output, ...states] (type the layer as `Layer<Tensor, Tensor[]>`). */
  returnState?: boolean;
  /** Process the sequence backwards (and return the reversed sequence), default false. */
  goBackwards?: boolean;
}

export interface RNNCallOptions extends CallOptions {
  /** The states to start from ([h], or [h, c] for LSTM), default zeros. */
  initialState?: readonly Tensor[] | null;
}

/**
 * What SimpleRNN, LSTM and GRU share: the loop over time. `mask` ([batch, time], from an
 * Embedding with maskZero) holds states and outputs still at masked steps, as Keras does.
 * `O` is Tensor, or Tensor[] for a layer made with returnState.
 */
export abstract class RNN<O extends LayerOutputs = Tensor> extends Layer<
  Tensor,
  O,
  RNNCallOptions
> {
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;

  constructor(cell: RNNCell, options: RNNOptions) {
    super(options);
    options = optionsArg(this.constructor.name, options);
    if (!(cell instanceof RNNCell)) {
      throw new TypeError(
        `${this.constructor.name}: cell must be an RNN cell (LSTMCell, GRUCell, SimpleRNNCell), got ${describeValue(cell)}`,
      );
    }
    this.cell = cell;
    this.returnSequences = options.returnSequences ?? false;
    this.returnState = options.returnState ?? false;
    this.goBackwards = options.goBackwards ?? false;
  }

  get units(): number {
    return this.cell.units;
  }

  override build(inputShape: BuildShape): void {
    if (inputShape.length !== 3) {
      throw incompatible(
        this,
        `expected ndim=3, found ndim=${inputShape.length}`,
        inputShape.map((d) => d ?? -1),
      );
    }
    // The cell's weights are named inside this layer's scope: lstm/lstm_cell/kernel:0.
    const scope = currentNameScope();
    const build = () => this.cell.build([inputShape[0], inputShape[2]]);
    if (scope.endsWith(`${this.name}/`)) build();
    else this.withNameScope(build);
    super.build(inputShape);
  }

  call(inputs: Tensor, options: RNNCallOptions = {}): O {
    checkRank(this, inputs, 3);
    const cell = this.cell;
    const x = inputs.dtype === cell.kernel.dtype ? inputs : cast(inputs, cell.kernel.dtype);
    const [batch, steps] = x.shape;
    const sizes = cell.stateSize;
    let states: Tensor[];
    if (options.initialState !== undefined && options.initialState !== null) {
      states = [...options.initialState];
      if (
        states.length !== sizes.length ||
        states.some((s, i) => s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== sizes[i])
      ) {
        throw new InvalidArgumentError(
          `${this.constructor.name} '${this.name}': initialState must be ${sizes.length} tensor(s) of shape [${batch}, ${cell.units}], got ${states.map((s) => shapeStr(s.shape)).join(", ")}`,
        );
      }
      states = states.map((s) => (s.dtype === x.dtype ? s : cast(s, x.dtype)));
    } else {
      states = sizes.map((n) => zeros([batch, n], x.dtype));
    }
    if (steps === 0) {
      throw incompatible(this, "the input has no time steps", x.shape);
    }
    let xin = x;
    let hMask: Tensor | null = null;
    if (options.training === true) {
      // One mask for every step, as Keras does.
      if (cell.dropout > 0) {
        const keep = nn.dropout(ones([batch, 1, x.shape[2]], x.dtype), cell.dropout, {
          seed: cell.seed,
        });
        xin = multiply(x, keep);
      }
      if (cell.recurrentDropout > 0)
        hMask = dropoutMask(states[0], cell.recurrentDropout, cell.seed);
    }
    let mask: Tensor[] | null = null;
    const m = options.mask;
    if (m !== undefined && m !== null) {
      const mt = Array.isArray(m) ? m[0] : (m as Tensor);
      if (mt !== null && mt !== undefined) {
        if (mt.rank !== 2 || mt.shape[0] !== batch || mt.shape[1] !== steps) {
          throw new InvalidArgumentError(
            `${this.constructor.name} '${this.name}': mask must have shape [${batch}, ${steps}], got ${shapeStr(mt.shape)}`,
          );
        }
        mask = unstack(reshape(cast(mt, "bool"), [batch, steps, 1]), steps, 1);
      }
    }
    if (mask === null && hMask === null && (cell instanceof LSTMCell || cell instanceof GRUCell)) {
      if (cell.fusable) {
        // The whole recurrence as one op over time-major inputs: the input (not its wider
        // projection) is transposed, and every step's projection is one product.
        let xt = transpose(xin, [1, 0, 2]);
        if (this.goBackwards) xt = reverse(xt, [0]);
        const [hs, ...last] = cell.fusedSequence(xt, states);
        const y = this.returnSequences ? transpose(hs, [1, 0, 2]) : last[0];
        return (this.returnState ? [y, ...last] : y) as O;
      }
    }
    // Every step's input projection in one product: [batch, time, gates units].
    const projectedAll = cell.projectInputs(xin);
    const projected = unstack(projectedAll, steps, 1);
    const order = [...Array(steps).keys()];
    if (this.goBackwards) order.reverse();
    const outputs: Tensor[] = [];
    let last: Tensor | null = null;
    for (const t of order) {
      const [out, ...next] = cell.step(projected[t], states, hMask);
      if (mask === null) {
        states = next;
        last = out;
      } else {
        // Masked steps keep the previous states and repeat the previous output (zeros first).
        const keep = mask[t];
        states = next.map((s, i) => where(keep, s, states[i]));
        last = where(keep, out, last ?? zeros(out.shape, out.dtype));
      }
      if (this.returnSequences) outputs.push(last);
    }
    const y = this.returnSequences ? stack(outputs, 1) : (last as Tensor);
    return (this.returnState ? [y, ...states] : y) as O;
  }

  getConfig(): LayerConfig {
    const { name: _n, trainable: _t, dtype: _d, ...cellConfig } = this.cell.getConfig();
    return {
      ...baseConfig(this),
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: false,
      unroll: false,
      zero_output_for_mask: false,
      ...cellConfig,
    };
  }
}

/** `tf.keras.layers.SimpleRNN(units, {activation, returnSequences, returnState, goBackwards, ...})`. */
export class SimpleRNN<O extends LayerOutputs = Tensor> extends RNN<O> {
  constructor(units: number, options: RNNOptions = {}) {
    super(new SimpleRNNCell(units, cellOptions(options, "simple_rnn_cell")), options);
  }
}

/**
 * `tf.keras.layers.LSTM(units, {activation, recurrentActivation, unitForgetBias,
 * returnSequences, returnState, goBackwards, dropout, recurrentDropout, ...})`; with
 * returnState it returns [output, h, c] (declare it as `new LSTM<Tensor[]>(...)`).
 */
export class LSTM<O extends LayerOutputs = Tensor> extends RNN<O> {
  constructor(units: number, options: RNNOptions = {}) {
    super(new LSTMCell(units, cellOptions(options, "lstm_cell")), options);
  }
}

/** `tf.keras.layers.GRU(units, {resetAfter = true, ...})`; returnState gives [output, h]. */
export class GRU<O extends LayerOutputs = Tensor> extends RNN<O> {
  constructor(units: number, options: RNNOptions = {}) {
    super(new GRUCell(units, cellOptions(options, "gru_cell")), options);
  }
}

/** The last step of a time-major [time, batch, units] tensor: [batch, units]. */
function lastStep(t: Tensor): Tensor {
  const [steps, batch, units] = t.shape;
  return reshape(slice(t, [steps - 1, 0, 0], [1, batch, units]), [batch, units]);
}

/** The cell's options: the layer's, named as Keras 3 names its cells, in the layer's dtype. */
function cellOptions(options: RNNOptions, name: string): RNNCellOptions {
  options = optionsArg(name, options);
  const { returnSequences: _s, returnState: _r, goBackwards: _g, ...rest } = options;
  return { ...rest, name };
}
