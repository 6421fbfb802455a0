/**
 * `model.summary()`: Keras 3's table, as its rich console prints it without colour:
 *
 * ```
 * Model: "sequential"
 * ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
 * ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
 * ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
 * │ dense (Dense)                        │ (None, 64)                  │          50,240 │
 * └──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 *  Total params: 50,240 (196.25 KB)
 * ```
 *
 * Column widths follow Keras: the line is 88 characters (108 with a "Connected to" column for a
 * model that is not a chain), split at [0.45, 0.80, 1] ([0.3, 0.56, 0.74, 1]); rich adds one
 * space of padding on each side and, the whole being wider than the line, takes the excess back
 * evenly from the columns (rounding half to even, as Python does).
 */
import type { DType } from "../tensor/dtype.js";
import type { Variable } from "../tensor/variable.js";
import { type BuildShape, buildShapeStr } from "./layer.js";

export interface SummaryRow {
  /** `dense (Dense)` */
  name: string;
  /** `(None, 64)`, or `?` when unknown. */
  shape: string;
  /** `50,240`, or `0 (unbuilt)`. */
  params: string;
  /** Only for a model that is not a chain: `dense[0][0], ...` or `-`. */
  connected?: string;
}

export interface SummaryOptions {
  /** Total width of the lines (default 88, or 108 with connections; at most the terminal's - 4). */
  lineLength?: number;
  /** Where the columns end, as fractions of the line (or absolute positions). */
  positions?: readonly number[];
  /** Called with the whole summary text (default: written to stdout). */
  printFn?: (text: string) => void;
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Thousands with commas, as Python's `f"{n:,}"`. */
export function withCommas(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const DTYPE_BITS: Record<DType, number> = {
  float32: 32,
  float64: 64,
  int32: 32,
  bool: 8,
  string: 0,
  complex64: 64,
  complex128: 128,
};

/** Keras's weight_memory_size: bytes of the distinct weights. */
export function memorySize(weights: readonly Variable[]): number {
  let bits = 0;
  for (const w of new Set(weights)) bits += w.size * DTYPE_BITS[w.dtype];
  return bits / 8;
}

/** Keras's readable_memory_size: `196.25 KB`, `0.00 B`. */
export function readableSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  for (const unit of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${unit}`;
    v /= 1024;
  }
  return `${v.toFixed(2)} PB`;
}

export function countParams(weights: readonly Variable[]): number {
  let n = 0;
  for (const w of new Set(weights)) n += w.size;
  return n;
}

/** Output shapes as Keras prints them: one `(None, 3)`, several `[(None, 3), (None, 4)]`. */
export function formatShapes(shapes: readonly BuildShape[] | null): string {
  if (shapes === null || shapes.length === 0) return "?";
  if (shapes.length === 1) return buildShapeStr(shapes[0]);
  return `[${shapes.map(buildShapeStr).join(", ")}]`;
}

/** Column widths, padding included, as rich lays out fixed-width columns in a narrower table. */
function columnWidths(lineLength: number, positions: readonly number[]): number[] {
  const abs = positions[positions.length - 1] <= 1;
  const widths: number[] = [];
  let current = 0;
  for (const p of positions) {
    const w = (abs ? Math.floor(p * lineLength) : p) - current;
    if (w < 4) throw new RangeError("summary: insufficient console width to print summary");
    widths.push(w);
    current += w;
  }
  // Each column gets 2 of padding; the borders take columns + 1; the excess is taken back.
  const padded = widths.map((w) => w + 2);
  let excess = padded.reduce((a, b) => a + b, 0) - (lineLength - (widths.length + 1));
  if (excess <= 0) return padded;
  let ratio = padded.length;
  return padded.map((w) => {
    const d = Math.min(w, roundHalfEven(excess / ratio));
    excess -= d;
    ratio -= 1;
    return w - d;
  });
}

/** Splits text into lines of at most `width`, at spaces where it can (rich's wrapping). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    let w = word;
    const candidate = line === "" ? w : `${line} ${w}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    while (w.length > width) {
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    line = w;
  }
  lines.push(line);
  return lines;
}

export function renderSummary(
  modelName: string,
  rows: readonly SummaryRow[],
  totals: { trainable: Variable[]; nonTrainable: Variable[]; optimizer: Variable[] | null },
  options: SummaryOptions & { connections: boolean },
): string {
  const header = ["Layer (type)", "Output Shape", "Param #"];
  const right = [false, false, true];
  if (options.connections) {
    header.push("Connected to");
    right.push(false);
  }
  const defaultLength = options.connections ? 108 : 88;
  const positions =
    options.positions ?? (options.connections ? [0.3, 0.56, 0.74, 1.0] : [0.45, 0.8, 1.0]);
  if (positions.length !== header.length) {
    throw new RangeError(
      `summary: positions needs ${header.length} entries (one per column), got ${positions.length}`,
    );
  }
  const lineLength = options.lineLength ?? defaultLength;
  const widths = columnWidths(lineLength, positions);
  const rule = (l: string, mid: string, r: string, fill: string) =>
    l + widths.map((w) => fill.repeat(w)).join(mid) + r;
  const cells = (vals: readonly string[], edge: string, sep: string): string[] => {
    const wrapped = vals.map((v, i) => wrap(v, widths[i] - 2));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      const parts = wrapped.map((w, i) => {
        const s = w[k] ?? "";
        const inner = widths[i] - 2;
        return ` ${right[i] ? s.padStart(inner) : s.padEnd(inner)} `;
      });
      out.push(edge + parts.join(sep) + edge);
    }
    return out;
  };
  const lines: string[] = [`Model: "${modelName}"`];
  lines.push(rule("┏", "┳", "┓", "━"));
  lines.push(...cells(header, "┃", "┃"));
  lines.push(rule("┡", "╇", "┩", "━"));
  rows.forEach((row, i) => {
    if (i > 0) lines.push(rule("├", "┼", "┤", "─"));
    const vals = [row.name, row.shape, row.params];
    if (options.connections) vals.push(row.connected ?? "-");
    lines.push(...cells(vals, "│", "│"));
  });
  lines.push(rule("└", "┴", "┘", "─"));
  const opt = totals.optimizer ?? [];
  const all = [...totals.trainable, ...totals.nonTrainable, ...opt];
  const line = (label: string, ws: readonly Variable[], n?: number) =>
    ` ${label}: ${withCommas(n ?? countParams(ws))} (${readableSize(memorySize(ws)).trim()})`;
  lines.push(
    line(
      "Total params",
      all,
      countParams(totals.trainable) + countParams(totals.nonTrainable) + countParams(opt),
    ),
  );
  lines.push(line("Trainable params", totals.trainable));
  lines.push(line("Non-trainable params", totals.nonTrainable));
  if (totals.optimizer !== null) lines.push(line("Optimizer params", opt));
  return lines.join("\n") + "\n";
}
