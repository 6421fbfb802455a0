/**
 * Attention: EinsumDense (a dense layer whose product is an einsum, so kernels keep their head
 * axes) and MultiHeadAttention, built from four of them as Keras 3 does: query, key, value
 * ([embed, heads, keyDim] kernels, [heads, keyDim] biases) and attention_output ([heads,
 * valueDim, outputDim] kernel, [outputDim] bias), so a Keras weights file maps one to one.
 */
import { InvalidArgumentError } from "../../tensor/errors.js";
import { shapeStr } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { currentNameScope, type Variable } from "../../tensor/variable.js";
import {
  add,
  cast,
  einsum,
  logicalAnd,
  multiply,
  nn,
  constant,
  reshape,
  subtract,
} from "../../ops/index.js";
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
  incompatible,
  initializerConfig,
  type LayerConfig,
  positiveInt,
  rateArg,
} from "./common.js";

export interface EinsumDenseOptions extends LayerOptions {
  /** Default none (linear). */
  activation?: activations.ActivationIdentifier;
  /** The output letters that get a bias (e.g. "de"); default none. */
  biasAxes?: string | null;
  /** Default "glorotUniform". */
  kernelInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
}

/**
 * `tf.keras.layers.EinsumDense(equation, outputShape, {activation, biasAxes, ...})`: y =
 * einsum(equation, x, kernel) + bias. The equation is "input,kernel->output" in letters;
 * outputShape is the output's shape without the batch axis (null where an input dimension with
 * the same letter gives it). The kernel's shape follows from its letters: each is an input
 * dimension or an output one.
 */
export class EinsumDense extends Layer {
  readonly equation: string;
  readonly partialOutputShape: readonly (number | null)[];
  readonly biasAxes: string | null;
  readonly activation: activations.Activation;
  readonly kernelInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  readonly #activationId: activations.ActivationIdentifier;
  readonly #specs: [string, string, string];
  #kernel: Variable | null = null;
  #bias: Variable | null = null;
  /** Where the bias starts among the output's axes (it broadcasts against the rest). */
  #fullOutputShape: number[] = [];

  constructor(
    equation: string,
    outputShape: number | readonly (number | null)[],
    options: EinsumDenseOptions = {},
  ) {
    super(options);
    const m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(String(equation).replace(/\s/g, ""));
    if (m === null) {
      throw new RangeError(
        `EinsumDense: equation must be of the form "ab...,bc...->ac..." (letters only), got ${JSON.stringify(equation)}`,
      );
    }
    this.equation = equation;
    this.#specs = [m[1], m[2], m[3]];
    this.partialOutputShape = typeof outputShape === "number" ? [outputShape] : [...outputShape];
    if (this.partialOutputShape.length !== m[3].length - 1) {
      throw new RangeError(
        `EinsumDense: outputShape must give the ${m[3].length - 1} output dimensions after the batch for ${equation}, got ${JSON.stringify(outputShape)}`,
      );
    }
    this.biasAxes = options.biasAxes ?? null;
    for (const ch of this.biasAxes ?? "") {
      if (!m[3].includes(ch)) {
        throw new RangeError(
          `EinsumDense: bias axis '${ch}' is not an output dimension of ${equation}`,
        );
      }
    }
    this.#activationId = options.activation;
    this.activation = activations.get(options.activation);
    this.kernelInitializer = options.kernelInitializer ?? "glorotUniform";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    initializers.get(this.kernelInitializer);
    initializers.get(this.biasInitializer);
  }

  get kernel(): Variable {
    if (this.#kernel === null) {
      throw new Error(`EinsumDense '${this.name}' has no kernel yet: it is made on the first call`);
    }
    return this.#kernel;
  }

  get bias(): Variable | null {
    return this.#bias;
  }

  override build(inputShape: BuildShape): void {
    const [inSpec, kSpec, outSpec] = this.#specs;
    if (inputShape.length !== inSpec.length) {
      throw incompatible(
        this,
        `expected ndim=${inSpec.length} for ${this.equation}, found ndim=${inputShape.length}`,
        inputShape.map((d) => d ?? -1),
      );
    }
    const full = [inputShape[0], ...this.partialOutputShape].map((d, i) => {
      if (d !== null) return d;
      const j = inSpec.indexOf(outSpec[i]);
      return j >= 0 ? inputShape[j] : null;
    });
    const kernelShape = [...kSpec].map((ch) => {
      const i = inSpec.indexOf(ch);
      const o = outSpec.indexOf(ch);
      const d = i >= 0 ? inputShape[i] : o >= 0 ? full[o] : null;
      if (d === null || d === undefined) {
        throw new InvalidArgumentError(
          `EinsumDense '${this.name}': the kernel dimension '${ch}' of ${this.equation} is not known from input shape ${shapeStr(inputShape.map((v) => v ?? -1))} and output shape ${JSON.stringify(this.partialOutputShape)}`,
        );
      }
      return d;
    });
    this.#fullOutputShape = full.map((d) => d ?? -1);
    this.#kernel = this.addWeight("kernel", kernelShape, { initializer: this.kernelInitializer });
    if (this.biasAxes !== null) {
      // Keras: from the first bias letter to the end of the output, its dimension or 1.
      const first = Math.min(...[...this.biasAxes].map((ch) => outSpec.indexOf(ch)));
      const biasShape = [...outSpec.slice(first)].map((ch) =>
        this.biasAxes?.includes(ch) ? this.#fullOutputShape[outSpec.indexOf(ch)] : 1,
      );
      this.#bias = this.addWeight("bias", biasShape, { initializer: this.biasInitializer });
    }
    super.build(inputShape);
  }

  call(inputs: Tensor): Tensor {
    const [inSpec] = this.#specs;
    const k = this.kernel;
    if (inputs.rank !== inSpec.length) {
      throw incompatible(
        this,
        `expected ndim=${inSpec.length}, found ndim=${inputs.rank}`,
        inputs.shape,
      );
    }
    const x = inputs.dtype === k.dtype ? inputs : cast(inputs, k.dtype);
    let y: Tensor;
    try {
      y = einsum(this.#specs.slice(0, 2).join(",") + "->" + this.#specs[2], x, k);
    } catch (e) {
      if (e instanceof InvalidArgumentError) {
        throw incompatible(
          this,
          `input shape does not fit the kernel ${shapeStr(k.shape)} of ${this.equation} (${e.message})`,
          inputs.shape,
        );
      }
      throw e;
    }
    if (this.#bias !== null) y = add(y, this.#bias);
    return this.activation(y);
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      output_shape: [...this.partialOutputShape],
      equation: this.equation,
      activation: activationConfig(this.#activationId),
      bias_axes: this.biasAxes,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}

export interface MultiHeadAttentionOptions extends LayerOptions {
  /** The value projection's size per head; default keyDim. */
  valueDim?: number | null;
  /** Dropout on the attention probabilities in training; default 0. */
  dropout?: number;
  /** Default true. */
  useBias?: boolean;
  /** The output's last dimension; default the query's. */
  outputShape?: number | null;
  /** Default "glorotUniform". */
  kernelInitializer?: initializers.InitializerIdentifier;
  /** Default "zeros". */
  biasInitializer?: initializers.InitializerIdentifier;
  /** Seed of the dropout. */
  seed?: number | null;
}

export interface MultiHeadAttentionCallOptions extends CallOptions {
  /** [batch, T, S] (or broadcastable): 1/true where query position t may attend to key s. */
  attentionMask?: Tensor | null;
  /** Return [output, scores] with scores [batch, heads, T, S] (declare the layer `<Tensor[]>`). */
  returnAttentionScores?: boolean;
  /** Each query position attends only to key positions at or before it. */
  useCausalMask?: boolean;
}

/**
 * `tf.keras.layers.MultiHeadAttention(numHeads, keyDim, {valueDim, dropout, useBias,
 * outputShape, ...})`, applied as `mha.apply([query, value, key?], {attentionMask,
 * returnAttentionScores, useCausalMask, training})` with query [batch, T, dq], value and key
 * [batch, S, dv] (key defaults to value). Per head: softmax(q k^T / sqrt(keyDim)) v, masked
 * positions pushed to -1e9 before the softmax; the heads are then projected to the output.
 * `attend(query, value, key, options)` gives [output, scores] typed as such.
 */
export class MultiHeadAttention<O extends LayerOutputs = Tensor> extends Layer<
  Tensor[],
  O,
  MultiHeadAttentionCallOptions
> {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number | null;
  readonly kernelInitializer: initializers.InitializerIdentifier;
  readonly biasInitializer: initializers.InitializerIdentifier;
  readonly seed: number | null;
  /**
   * The four projections, in Keras's order (query, key, value, attention_output); made by
   * build. Public fields, so the weight walk finds them in this order.
   */
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;

  constructor(numHeads: number, keyDim: number, options: MultiHeadAttentionOptions = {}) {
    super(options);
    this.numHeads = positiveInt("MultiHeadAttention", "num_heads", numHeads);
    this.keyDim = positiveInt("MultiHeadAttention", "key_dim", keyDim);
    this.valueDim = positiveInt("MultiHeadAttention", "value_dim", options.valueDim ?? keyDim);
    this.dropout = rateArg("MultiHeadAttention", "dropout", options.dropout ?? 0);
    this.useBias = options.useBias ?? true;
    this.outputShape =
      options.outputShape === undefined || options.outputShape === null
        ? null
        : positiveInt("MultiHeadAttention", "output_shape", options.outputShape);
    this.kernelInitializer = options.kernelInitializer ?? "glorotUniform";
    this.biasInitializer = options.biasInitializer ?? "zeros";
    initializers.get(this.kernelInitializer);
    initializers.get(this.biasInitializer);
    this.seed = options.seed ?? null;
  }

  private need(l: EinsumDense | null): EinsumDense {
    if (l === null) {
      throw new Error(
        `MultiHeadAttention '${this.name}' has no weights yet: they are made on the first call (or by build([queryShape, valueShape]))`,
      );
    }
    return l;
  }

  override build(inputShape: BuildShape[]): void {
    if (!Array.isArray(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      throw new TypeError(
        `MultiHeadAttention '${this.name}': expected [query, value] or [query, value, key], got ${Array.isArray(inputShape) ? `${inputShape.length} input(s)` : "one input"}`,
      );
    }
    const [qShape, vShape, kShape = vShape] = inputShape;
    for (const [what, s] of [
      ["query", qShape],
      ["value", vShape],
      ["key", kShape],
    ] as const) {
      if (s.length !== 3 || s[2] === null) {
        throw new InvalidArgumentError(
          `MultiHeadAttention '${this.name}': ${what} must be [batch, steps, features] with known features, got shape ${shapeStr(s.map((d) => d ?? -1))}`,
        );
      }
    }
    const common = (name: string) => ({
      name,
      dtype: this.dtype,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    });
    const make = () => {
      const h = this.numHeads;
      this.queryDense = new EinsumDense("abc,cde->abde", [null, h, this.keyDim], {
        ...common("query"),
        biasAxes: this.useBias ? "de" : null,
      });
      this.queryDense.build(qShape);
      this.keyDense = new EinsumDense("abc,cde->abde", [null, h, this.keyDim], {
        ...common("key"),
        biasAxes: this.useBias ? "de" : null,
      });
      this.keyDense.build(kShape);
      this.valueDense = new EinsumDense("abc,cde->abde", [null, h, this.valueDim], {
        ...common("value"),
        biasAxes: this.useBias ? "de" : null,
      });
      this.valueDense.build(vShape);
      this.outputDense = new EinsumDense("abcd,cde->abe", [null, this.outputShape ?? qShape[2]], {
        ...common("attention_output"),
        biasAxes: this.useBias ? "e" : null,
      });
      this.outputDense.build([qShape[0], qShape[1], h, this.valueDim]);
    };
    // Named inside this layer's scope: multi_head_attention/query/kernel:0.
    if (currentNameScope().endsWith(`${this.name}/`)) make();
    else this.withNameScope(make);
    super.build(inputShape);
  }

  call(inputs: Tensor[], options: MultiHeadAttentionCallOptions = {}): O {
    const [query, value, key = value] = inputs;
    if (query === undefined || value === undefined || inputs.length > 3) {
      throw new TypeError(
        `MultiHeadAttention '${this.name}': expected [query, value] or [query, value, key], got ${inputs.length} input(s)`,
      );
    }
    for (const [what, t] of [
      ["query", query],
      ["value", value],
      ["key", key],
    ] as const) {
      if (t.rank !== 3) {
        throw new InvalidArgumentError(
          `MultiHeadAttention '${this.name}': ${what} must be [batch, steps, features], got shape ${shapeStr(t.shape)}`,
        );
      }
    }
    if (key.shape[1] !== value.shape[1]) {
      throw new InvalidArgumentError(
        `MultiHeadAttention '${this.name}': key and value must have the same number of steps, got key ${shapeStr(key.shape)} and value ${shapeStr(value.shape)}`,
      );
    }
    const [q, scores] = this.#attention(query, value, key, options);
    const out = this.need(this.outputDense).apply(q);
    return (options.returnAttentionScores === true ? [out, scores] : out) as O;
  }

  /** [heads' context [batch, T, heads, valueDim], scores [batch, heads, T, S]]. */
  #attention(
    query: Tensor,
    value: Tensor,
    key: Tensor,
    options: MultiHeadAttentionCallOptions,
  ): [Tensor, Tensor] {
    // [batch, T, heads, keyDim], scaled by 1 / sqrt(keyDim) before the product, as Keras does.
    const q = multiply(this.need(this.queryDense).apply(query), 1 / Math.sqrt(this.keyDim));
    const k = this.need(this.keyDense).apply(key);
    const v = this.need(this.valueDense).apply(value);
    // scores[b, n, t, s] = sum_h k[b, s, n, h] q[b, t, n, h]
    let logits = einsum("aecd,abcd->acbe", k, q);
    const [batch, T] = query.shape;
    const S = key.shape[1];
    let mask: Tensor | null = null;
    if (options.attentionMask !== undefined && options.attentionMask !== null) {
      const m = options.attentionMask;
      const okShape =
        m.rank === 3 &&
        (m.shape[0] === batch || m.shape[0] === 1) &&
        (m.shape[1] === T || m.shape[1] === 1) &&
        m.shape[2] === S;
      if (!okShape) {
        throw new InvalidArgumentError(
          `MultiHeadAttention '${this.name}': attentionMask must be [batch, ${T}, ${S}] (query steps, key steps), got ${shapeStr(m.shape)}`,
        );
      }
      mask = cast(m, "bool");
    }
    if (options.useCausalMask === true) {
      // Lower triangular [1, T, S]: t attends to s <= t (offset so the last rows align).
      const v0: boolean[] = [];
      for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) v0.push(s <= t + (S - T));
      const tri = reshape(constant(v0, "bool"), [1, T, S]);
      mask = mask === null ? tri : logicalAnd(mask, tri);
    }
    if (mask !== null) {
      // (1 - mask) * -1e9 added: masked logits vanish in the softmax. [b, 1, T, S] over heads.
      const m4 = reshape(cast(mask, logits.dtype), [mask.shape[0], 1, mask.shape[1], S]);
      logits = add(logits, multiply(subtract(1, m4), -1e9));
    }
    const scores = nn.softmax(logits, -1);
    const dropped =
      options.training === true && this.dropout > 0
        ? nn.dropout(scores, this.dropout, { seed: this.seed })
        : scores;
    // context[b, t, n, d] = sum_s p[b, n, t, s] v[b, s, n, d]
    return [einsum("acbe,aecd->abcd", dropped, v), scores];
  }

  /** [output, scores] for query, value (and key), typed as a pair. */
  attend(
    query: Tensor,
    value: Tensor,
    key?: Tensor | null,
    options: Omit<MultiHeadAttentionCallOptions, "returnAttentionScores"> = {},
  ): [Tensor, Tensor] {
    const inputs = key === undefined || key === null ? [query, value] : [query, value, key];
    return this.apply(inputs, { ...options, returnAttentionScores: true }) as unknown as [
      Tensor,
      Tensor,
    ];
  }

  getConfig(): LayerConfig {
    return {
      ...baseConfig(this),
      num_heads: this.numHeads,
      key_dim: this.keyDim,
      value_dim: this.valueDim,
      dropout: this.dropout,
      use_bias: this.useBias,
      output_shape: this.outputShape,
      attention_axes: null,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      seed: this.seed,
    };
  }
}
