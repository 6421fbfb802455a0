/**
 * TensorFlow's and NumPy's way of printing tensors.
 *
 * `print(t)` in TensorFlow shows `tf.Tensor(<str of the numpy value>, shape=..., dtype=...)` and a
 * variable shows `repr` of its numpy value. Both follow NumPy's `array2string` with its default
 * options (precision=8, floatmode='maxprec', linewidth=75, threshold=1000, edgeitems=3), as NumPy
 * 1.x printed them (the era TensorFlow 2's documentation was written in).
 */
import type { DataArray, DType, FloatDType } from "./dtype.js";
import { shapeStr, type Shape } from "./shape.js";

interface Printable {
  readonly values: DataArray;
  readonly shape: Shape;
  readonly dtype: DType;
}

interface PrintableVariable extends Printable {
  readonly name: string;
}

// NumPy's default print options.
const PRECISION = 8;
const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

// ---------------------------------------------------------------------------------------------
// Decimal digits, generated as NumPy's Dragon4 does in its "unique" mode.

/** A non-negative decimal `d.ddd × 10^exp`; `digits` has no trailing zeros ("0" is zero). */
interface Decimal {
  readonly digits: string;
  readonly exp: number;
}

const ZERO: Decimal = { digits: "0", exp: 0 };

/**
 * Where digit generation may stop, as NumPy's `precision` and `min_digits` say: counted in
 * significant digits ("total", scientific notation) or in digits after the point ("fraction").
 */
interface Cutoff {
  readonly mode: "total" | "fraction";
  /** Never print more digits than this (the last one is rounded). */
  readonly max: number | null;
  /** Print at least this many, even past the shortest unique form. */
  readonly min: number | null;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** `a > 0` as `mantissa × 2^exponent` in its dtype, and whether the gap below is half the one above. */
function decompose(a: number, dtype: FloatDType): [bigint, number, boolean] {
  const [fractionBits, bias] = dtype === "float32" ? [23n, 127] : [52n, 1023];
  const view = new DataView(new ArrayBuffer(8));
  let bits: bigint;
  if (dtype === "float32") {
    view.setFloat32(0, a);
    bits = BigInt(view.getUint32(0));
  } else {
    view.setFloat64(0, a);
    bits = view.getBigUint64(0);
  }
  const fraction = bits & ((1n << fractionBits) - 1n);
  const biased = Number(bits >> fractionBits); // 0 for subnormals
  const mantissa = biased === 0 ? fraction : fraction | (1n << fractionBits);
  const exponent = Math.max(biased, 1) - bias - Number(fractionBits);
  return [mantissa, exponent, biased > 1 && fraction === 0n];
}

/**
 * The decimal digits of a finite `a > 0` (Burger and Dybvig's free-format algorithm): digits are
 * produced until they identify `a` among the floats of its dtype, within the cutoff's limits,
 * and the last one is rounded (to even on a tie), exactly as NumPy's Dragon4 does.
 */
function dragon4(a: number, dtype: FloatDType, cutoff: Cutoff): Decimal {
  if (a === 0) return ZERO;
  const [mantissa, e2, unequalMargins] = decompose(a, dtype);
  // a = r / s; the margins are half the gaps to the neighbouring floats, over the same s.
  const k = Math.max(0, -e2) + 2;
  let r = mantissa << BigInt(e2 + k);
  let s = 1n << BigInt(k);
  let marginHigh = 1n << BigInt(e2 + k - 1);
  let marginLow = unequalMargins ? marginHigh >> 1n : marginHigh;
  const isEven = (mantissa & 1n) === 0n;

  // The exponent of the first digit: floor(log10(a)), made exact.
  const atLeast = (e: number): boolean => (e >= 0 ? r >= s * pow10(e) : r * pow10(-e) >= s);
  let first = Math.floor(Math.log10(a));
  while (!atLeast(first)) first--;
  while (atLeast(first + 1)) first++;
  const { mode, max, min } = cutoff;
  if (mode === "fraction" && max !== null) first = Math.max(first, -max); // tiny: one digit at the cutoff
  if (first >= 0) s *= pow10(first);
  else [r, marginLow, marginHigh] = [r, marginLow, marginHigh].map((v) => v * pow10(-first));

  // Exponents of the last digit allowed, and of the last one required.
  const lastExp = max === null ? -Infinity : mode === "total" ? first + 1 - max : -max;
  const minExp =
    min === null ? first + 1 : Math.min(first + 1, mode === "total" ? first + 1 - min : -min);

  let digits = "";
  let digit: number;
  let low: boolean;
  let high: boolean;
  for (let e = first; ; e--) {
    const q = r / s;
    digit = Number(q);
    r -= q * s;
    low = isEven ? r <= marginLow : r < marginLow; // rounding down stays closest to a
    high = isEven ? r + marginHigh >= s : r + marginHigh > s; // so does rounding up
    if (((low || high) && e <= minExp) || e === lastExp) break;
    digits += digit;
    [r, marginLow, marginHigh] = [r * 10n, marginLow * 10n, marginHigh * 10n];
  }

  let roundDown = low;
  if (low === high) {
    const twice = 2n * r;
    roundDown = twice < s || (twice === s && digit % 2 === 0);
  }
  let exp = first;
  if (roundDown) digits += digit;
  else if (digit < 9) digits += digit + 1;
  else {
    digits = digits.replace(/9+$/, ""); // carry
    if (digits === "") [digits, exp] = ["1", first + 1];
    else digits = digits.slice(0, -1) + (Number(digits[digits.length - 1]) + 1);
  }
  digits = digits.replace(/0+$/, "");
  return digits === "" ? ZERO : { digits, exp };
}

// ---------------------------------------------------------------------------------------------
// One float, positional or scientific.

const isNegative = (x: number): boolean => x < 0 || Object.is(x, -0);
const UNLIMITED: Cutoff = { mode: "total", max: null, min: null };

/** `x` positionally, as [integer part with its sign, fraction digits without trailing zeros]. */
function positional(x: number, dtype: FloatDType, cutoff: Cutoff): [string, string] {
  const d = dragon4(Math.abs(x), dtype, cutoff);
  const sign = isNegative(x) ? "-" : "";
  if (d.exp < 0) return [`${sign}0`, "0".repeat(-d.exp - 1) + d.digits];
  const intLen = d.exp + 1;
  return [sign + d.digits.slice(0, intLen).padEnd(intLen, "0"), d.digits.slice(intLen)];
}

/** `x` in scientific notation, as [first digit with its sign, further digits, exponent]. */
function scientific(x: number, dtype: FloatDType, cutoff: Cutoff): [string, string, number] {
  const d = dragon4(Math.abs(x), dtype, cutoff);
  return [(isNegative(x) ? "-" : "") + d.digits[0], d.digits.slice(1), d.exp];
}

/** `e+05`, `e-100`: the exponent with its sign and at least `minDigits` digits. */
function exponent(exp: number, minDigits: number): string {
  return `e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(minDigits, "0")}`;
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
}

/** A float scalar as NumPy's `str(np.float32(x))`: `6.0`, `0.9999546`, `1e-05`, `1.5e+20`. */
function formatFloatScalar(x: number, dtype: FloatDType): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-4 && a < 1e16)) {
    const [int, frac] = positional(x, dtype, UNLIMITED);
    return `${int}.${frac || "0"}`;
  }
  const [int, frac, exp] = scientific(x, dtype, UNLIMITED);
  return `${int}${frac ? "." + frac : ""}${exponent(exp, 2)}`;
}

// ---------------------------------------------------------------------------------------------
// Element formatters: each pads its elements to a common width computed from the shown data.

/** A complex element is its (re, im) pair. */
type Element = number | string | readonly [number, number];
type Formatter = (x: Element) => string;

const maxLength = (strs: readonly string[]): number =>
  strs.reduce((m, s) => Math.max(m, s.length), 0);

/**
 * NumPy's FloatingFormat in 'maxprec' mode: switch to scientific when the magnitudes call
 * for it, then align decimal points (padding the integer part left, the fraction right).
 */
function floatFormatter(data: readonly number[], dtype: FloatDType, plus = false): Formatter {
  // sign='+' (the imaginary parts of complex numbers): non-negative numbers get a '+'.
  const signed = (int: string): string => (plus && !int.startsWith("-") ? "+" + int : int);
  const inDtype = (v: number): number => (dtype === "float32" ? Math.fround(v) : v);
  const finite = data.filter((x) => Number.isFinite(x));
  const magnitudes = finite.filter((x) => x !== 0).map(Math.abs);
  let expMode = false;
  if (magnitudes.length > 0) {
    const max = magnitudes.reduce((m, v) => Math.max(m, v));
    const min = magnitudes.reduce((m, v) => Math.min(m, v));
    expMode = max >= 1e8 || min < inDtype(1e-4) || inDtype(max / min) > 1000;
  }

  // A first pass over the unique digits (at most PRECISION after the point) sizes the columns.
  let padLeft = 0;
  let padRight = 0;
  let fracDigits = 0; // scientific: digits after the point, the same for every element
  let expDigits = 2;
  if (expMode && finite.length > 0) {
    const parts = finite.map((x) => {
      const p = scientific(x, dtype, { mode: "total", max: PRECISION + 1, min: null });
      return [signed(p[0]), p[1], p[2]] as const;
    });
    fracDigits = maxLength(parts.map((p) => p[1]));
    expDigits = Math.max(2, maxLength(parts.map((p) => String(Math.abs(p[2])))));
    padLeft = maxLength(parts.map((p) => p[0]));
    padRight = expDigits + 2 + fracDigits; // only used to align nan and inf
  } else if (finite.length > 0) {
    const parts = finite.map((x) => {
      const p = positional(x, dtype, { mode: "fraction", max: PRECISION, min: null });
      return [signed(p[0]), p[1]] as const;
    });
    padLeft = maxLength(parts.map((p) => p[0]));
    padRight = maxLength(parts.map((p) => p[1]));
  }
  if (finite.length < data.length) {
    // nan and inf fill the whole width; leave room for them on the left if need be.
    const negInf = data.some((x) => x === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 + negInf - (padRight + 1));
  }

  // The second pass prints every element with those widths: scientific ones with exactly
  // fracDigits digits after the point, positional ones with all their integer digits.
  const sciCutoff: Cutoff = { mode: "total", max: fracDigits + 1, min: fracDigits + 1 };
  const posCutoff: Cutoff = { mode: "fraction", max: PRECISION, min: 0 };
  return (v) => {
    const x = v as number;
    if (!Number.isFinite(x)) return signed(nonFinite(x)).padStart(padLeft + padRight + 1);
    if (expMode) {
      const [int, frac, exp] = scientific(x, dtype, sciCutoff);
      return `${signed(int).padStart(padLeft)}.${frac.padEnd(fracDigits, "0")}${exponent(exp, expDigits)}`;
    }
    const [int, frac] = positional(x, dtype, posCutoff);
    return `${signed(int).padStart(padLeft)}.${frac.padEnd(padRight)}`;
  };
}

/**
 * NumPy's ComplexFloatingFormat: the real parts formatted together as floats, the imaginary
 * parts together with a '+' for non-negative ones, and the 'j' put before the imaginary part's
 * trailing padding: `[1.+2.j 3.-1.j]`.
 */
function complexFormatter(data: readonly Element[], dtype: FloatDType): Formatter {
  const pairs = data as readonly (readonly [number, number])[];
  const re = floatFormatter(
    pairs.map((p) => p[0]),
    dtype,
  );
  const im = floatFormatter(
    pairs.map((p) => p[1]),
    dtype,
    true,
  );
  return (v) => {
    const [a, b] = v as readonly [number, number];
    const i = im(b);
    const end = i.trimEnd().length;
    return re(a) + i.slice(0, end) + "j" + i.slice(end);
  };
}

/** Python's `repr` of a float as a complex number's part: `1`, `1.5`, `-0.25`, `1e-05`, `nan`. */
function complexPart(x: number, dtype: FloatDType): string {
  const s = formatFloatScalar(x, dtype);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

/** NumPy's `str` of a complex scalar, as Python's complex repr: `(1+2j)`, `(1.5-0j)`, `2j`. */
function formatComplexScalar(v: readonly [number, number], dtype: FloatDType): string {
  const [a, b] = v;
  const im = complexPart(b, dtype);
  const imSigned = isNegative(b) ? im : "+" + im;
  if (a === 0 && !isNegative(a)) return `${im}j`;
  return `(${complexPart(a, dtype)}${imSigned}j)`;
}

/** Python's `repr` of a bytes object holding the UTF-8 of `s`: `b'hello'`, `b"it's"`. */
function bytesRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escapes: Record<number, string> = { 9: "\\t", 10: "\\n", 13: "\\r", 92: "\\\\" };
  let out = "";
  for (const byte of new TextEncoder().encode(s)) {
    if (escapes[byte] !== undefined) out += escapes[byte];
    else if (byte === quote.charCodeAt(0)) out += "\\" + quote;
    else if (byte < 0x20 || byte >= 0x7f) out += "\\x" + byte.toString(16).padStart(2, "0");
    else out += String.fromCharCode(byte);
  }
  return `b${quote}${out}${quote}`;
}

/** The formatter NumPy would pick for `data` (the elements that will be shown). */
function formatterFor(data: readonly Element[], dtype: DType): Formatter {
  switch (dtype) {
    case "float32":
    case "float64":
      return floatFormatter(data as number[], dtype);
    case "int32": {
      const width = maxLength(data.map(String));
      return (x) => String(x).padStart(width);
    }
    case "bool":
      return (x) => (x ? " True" : "False");
    case "string":
      return (x) => bytesRepr(String(x));
    case "complex64":
      return complexFormatter(data, "float32");
    case "complex128":
      return complexFormatter(data, "float64");
  }
}

/** A 0-d value as NumPy's `str` (and, in NumPy 1.x, `repr`) of the scalar. */
function formatScalar(x: Element, dtype: DType): string {
  switch (dtype) {
    case "float32":
    case "float64":
      return formatFloatScalar(x as number, dtype);
    case "int32":
      return String(x);
    case "bool":
      return x ? "True" : "False";
    case "string":
      return bytesRepr(String(x));
    case "complex64":
      return formatComplexScalar(x as readonly [number, number], "float32");
    case "complex128":
      return formatComplexScalar(x as readonly [number, number], "float64");
  }
}

/** The elements of a tensor's storage, complex ones as (re, im) pairs. */
function elementsOf(t: Printable): ArrayLike<Element> {
  if (t.dtype !== "complex64" && t.dtype !== "complex128") return t.values;
  const v = t.values as ArrayLike<number>;
  return Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i], v[2 * i + 1]] as const);
}

// ---------------------------------------------------------------------------------------------
// Layout: NumPy's _formatArray, with line wrapping and summarization.

/** The indices shown along an axis of length n; null marks the `...` of a summary. */
function shownIndices(n: number, summarize: boolean): (number | null)[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (!summarize || n <= 2 * EDGE_ITEMS) return all;
  return [...all.slice(0, EDGE_ITEMS), null, ...all.slice(n - EDGE_ITEMS)];
}

/** NumPy's `array2string(t, separator=separator, prefix=prefix)` for a non-scalar tensor. */
function array2string(t: Printable, separator: string, prefix: string, lineWidth: number): string {
  const { shape } = t;
  const values = elementsOf(t);
  const rank = shape.length;
  if (values.length === 0) return "[]";
  const summarize = values.length > THRESHOLD;
  const axes = shape.map((n) => shownIndices(n, summarize));
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, n) => p * n, 1));

  // The padding is computed from the shown elements only, as NumPy does.
  const shown: Element[] = [];
  const collect = (dim: number, offset: number): void => {
    for (const i of axes[dim]) {
      if (i === null) continue;
      if (dim === rank - 1) shown.push(values[offset + i]);
      else collect(dim + 1, offset + i * strides[dim]);
    }
  };
  collect(0, 0);
  const format = formatterFor(shown, t.dtype);

  const wrapSep = separator.trimEnd();
  const recurse = (dim: number, offset: number, indent: string, width: number): string => {
    const items = axes[dim];
    const last = items.length - 1;
    let s = "";
    if (dim === rank - 1) {
      const elemWidth = width - Math.max(wrapSep.length, 1);
      let line = indent;
      items.forEach((i, k) => {
        const word = i === null ? "..." : format(values[offset + i]);
        // Wrap before a word that would run past the width, unless the line holds nothing but
        // its indent (where wrapping would not help).
        if (line.length + word.length > elemWidth && line.length > indent.length) {
          s += line.trimEnd() + "\n";
          line = indent;
        }
        line += word + (k < last ? separator : "");
      });
      s += line;
    } else {
      // Rows of a matrix on their own lines; blocks of higher axes separated by blank lines.
      const lineSep = wrapSep + "\n".repeat(rank - dim - 1);
      items.forEach((i, k) => {
        const nested =
          i === null ? "..." : recurse(dim + 1, offset + i * strides[dim], indent + " ", width - 1);
        s += indent + nested + (k < last ? lineSep : "");
      });
    }
    return "[" + s.slice(indent.length) + "]";
  };
  return recurse(0, 0, " ".repeat(1 + prefix.length), lineWidth);
}

/** NumPy's `str` of the tensor's value: `6.0`, `[2. 6.]`, `[[1 2]\n [3 4]]`. */
export function formatValues(t: Printable): string {
  if (t.shape.length === 0) return formatScalar(elementsOf(t)[0], t.dtype);
  return array2string(t, " ", "", LINE_WIDTH);
}

/** NumPy's `repr` of the tensor's value: `3.0`, `array([1., 2.], dtype=float32)`. */
export function formatNumpyRepr(t: Printable): string {
  if (t.shape.length === 0) return formatScalar(elementsOf(t)[0], t.dtype);
  const prefix = "array(";
  const body = array2string(t, ", ", prefix, LINE_WIDTH - 1); // room for the closing ")"
  const extras: string[] = [];
  const empty = t.values.length === 0;
  if (empty && !(t.shape.length === 1 && t.shape[0] === 0)) {
    extras.push(`shape=${shapeStr(t.shape)}`);
  }
  // float64 and bool (like int64, which tapeflow lacks) are implied by how the values look.
  if (
    empty ||
    t.dtype === "float32" ||
    t.dtype === "int32" ||
    t.dtype === "string" ||
    t.dtype === "complex64"
  ) {
    extras.push(`dtype=${t.dtype === "string" ? "object" : t.dtype}`);
  }
  if (extras.length === 0) return `${prefix}${body})`;
  const head = `${prefix}${body},`;
  const tail = `${extras.join(", ")})`;
  const lastLine = head.length - (head.lastIndexOf("\n") + 1);
  const spacer = lastLine + tail.length + 1 > LINE_WIDTH ? "\n" + " ".repeat(prefix.length) : " ";
  return head + spacer + tail;
}

/** TensorFlow starts a value that spans several lines on a line of its own. */
function ownLineIfMultiline(text: string): string {
  return text.includes("\n") ? "\n" + text : text;
}

/** `tf.Tensor([2. 6.], shape=(2,), dtype=float32)`, as TensorFlow's `print(t)`. */
export function formatTensor(t: Printable): string {
  const value = ownLineIfMultiline(formatValues(t));
  return `tf.Tensor(${value}, shape=${shapeStr(t.shape)}, dtype=${t.dtype})`;
}

/** `<tf.Variable 'x0:0' shape=() dtype=float32, numpy=3.0>`, as TensorFlow's `repr(v)`. */
export function formatVariable(v: PrintableVariable): string {
  const value = ownLineIfMultiline(formatNumpyRepr(v));
  return `<tf.Variable '${v.name}' shape=${shapeStr(v.shape)} dtype=${v.dtype}, numpy=${value}>`;
}
