/**
 * `npx tsx bench/thresholds.ts`: times the JS kernels against the native ones (one thread) on
 * growing sizes, to place the crossovers in src/backend/native/backend.ts (THRESHOLDS). Prints
 * us per call and the first size where native wins.
 */
import "../src/index.js";
import { jsBackend } from "../src/backend/js/index.js";
import { scalarOf } from "../src/engine/op.js";
import { nativeAddon } from "../src/backend/native/index.js";
import { timeIt } from "./timing.js";

const addon = nativeAddon();
if (addon === null) {
  console.log("native addon not loaded");
  process.exit(0);
}
addon.setNumThreads(1);

const rand = (n: number): Float32Array => new Float32Array(n).map(() => Math.random() * 4 - 2);

interface Case {
  name: string;
  sizes: number[];
  /** Returns [js, native] closures for size n. */
  make(n: number): [() => void, () => void];
}

const un = (fn: "Neg" | "Exp" | "Sigmoid" | "Relu"): Case => ({
  name: `unary ${fn}`,
  sizes: [64, 128, 256, 512, 1024, 2048, 4096, 8192],
  make(n) {
    const x = rand(n);
    const o = new Float32Array(n);
    const i = addon.unaryNames.indexOf(fn);
    return [() => jsBackend.unary(scalarOf(fn), x, o), () => addon.unary(i, x, o)];
  },
});

const cases: Case[] = [
  un("Neg"),
  un("Relu"),
  un("Exp"),
  un("Sigmoid"),
  {
    name: "binary Add same shape",
    sizes: [256, 512, 1024, 2048, 4096, 8192, 16384],
    make(n) {
      const a = rand(n);
      const b = rand(n);
      const o = new Float32Array(n);
      const i = addon.binaryNames.indexOf("Add");
      return [
        () => jsBackend.binary(scalarOf("Add"), a, [n], b, [n], o, [n]),
        () => addon.binary(i, a, [n], b, [n], o, [n]),
      ];
    },
  },
  {
    name: "binary Add bias [n/64, 64] + [64]",
    sizes: [256, 512, 1024, 2048, 4096, 8192, 16384],
    make(n) {
      const a = rand(n);
      const b = rand(64);
      const o = new Float32Array(n);
      const i = addon.binaryNames.indexOf("Add");
      const s = [n / 64, 64];
      return [
        () => jsBackend.binary(scalarOf("Add"), a, s, b, [64], o, s),
        () => addon.binary(i, a, s, b, [64], o, s),
      ];
    },
  },
  {
    name: "reduce Sum all",
    sizes: [256, 512, 1024, 2048, 4096, 8192],
    make(n) {
      const x = rand(n);
      const o = new Float32Array(1);
      return [() => jsBackend.reduce("Sum", x, [n], [0], o), () => addon.reduce(0, x, [n], [0], o)];
    },
  },
  {
    name: "matmul n^3 (size = n)",
    sizes: [4, 8, 12, 16, 24, 32],
    make(n) {
      const a = rand(n * n);
      const b = rand(n * n);
      const o = new Float32Array(n * n);
      const p = {
        batch: 1,
        m: n,
        n,
        k: n,
        transposeA: false,
        transposeB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      };
      return [
        () => jsBackend.matmul(a, b, o, p),
        () => addon.matmul(a, b, o, 1, n, n, n, false, false, 0, 0),
      ];
    },
  },
  {
    name: "softmax rows of 10 (size = elements)",
    sizes: [100, 200, 500, 1000, 2000],
    make(n) {
      const x = rand(n);
      const o = new Float32Array(n);
      const p = { outer: n / 10, n: 10, inner: 1 };
      return [() => jsBackend.softmax(x, o, p), () => addon.softmax(x, o, p, false)];
    },
  },
];

for (const c of cases) {
  let cross: number | null = null;
  const cells: string[] = [];
  for (const n of c.sizes) {
    const [js, nat] = c.make(n);
    const tj = timeIt(js, { budgetMs: 100 }) * 1e6;
    const tn = timeIt(nat, { budgetMs: 100 }) * 1e6;
    if (cross === null && tn < tj) cross = n;
    cells.push(`${n}: ${tj.toFixed(2)}/${tn.toFixed(2)}`);
  }
  console.log(`${c.name} (js/native us): ${cells.join("  ")}  -> native from ${cross ?? "never"}`);
}
