/**
 * Native kernels of the sort and factorization families (native/sort.cc, lapack.cc): top-k (and
 * so tf.sort / tf.argsort), Cholesky, LU, triangular solves, QR and the LU-based solve, inverse and
 * determinants (the unsorted segment sum is
 * movement's, ./movement.ts). Each falls back to the JS kernel below its crossover size, for data
 * the addon does not take, or when the addon predates the kernel.
 */
import type { Backend } from "../types.js";
import type { DataArray } from "../../tensor/dtype.js";
import type { FloatArray, NativeAddon } from "./addon.js";

/** Crossovers: elements read (top-k) or n^3 flops per batch (factorizations). */
export const SPECIAL_THRESHOLDS = {
  topK: 2048,
  factorFlops: 4096,
};

type Numeric = Float32Array | Float64Array | Int32Array;

function isNumeric(x: DataArray): x is Numeric {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array;
}
const isFloat = (x: DataArray): x is FloatArray =>
  x instanceof Float32Array || x instanceof Float64Array;
const sameFloat = (...xs: DataArray[]): boolean =>
  isFloat(xs[0]) && xs.every((x) => x.constructor === xs[0].constructor);

export function nativeSpecial(
  addon: NativeAddon,
  js: Backend,
): Pick<
  Backend,
  | "topK"
  | "cholesky"
  | "lu"
  | "triangularSolve"
  | "qr"
  | "matrixSolve"
  | "matrixInverse"
  | "determinant"
  | "logDeterminant"
  | "eigh"
  | "svd"
> {
  const T = SPECIAL_THRESHOLDS;
  const topK = addon.topK?.bind(addon);
  const cholesky = addon.cholesky?.bind(addon);
  const lu = addon.lu?.bind(addon);
  const triangularSolve = addon.triangularSolve?.bind(addon);
  const qr = addon.qr?.bind(addon);
  const matrixSolve = addon.matrixSolve?.bind(addon);
  const matrixInverse = addon.matrixInverse?.bind(addon);
  const determinant = addon.determinant?.bind(addon);
  const logDeterminant = addon.logDeterminant?.bind(addon);
  const eigh = addon.eigh?.bind(addon);
  const svd = addon.svd?.bind(addon);
  const empty = (a: FloatArray): FloatArray =>
    a instanceof Float32Array ? new Float32Array(0) : new Float64Array(0);
  const big = (batch: number, n: number): boolean => batch * n ** 3 >= T.factorFlops;
  return {
    topK(x, rows, n, k, sorted, values, indices) {
      if (
        topK !== undefined &&
        x.length >= T.topK &&
        isNumeric(x) &&
        values.constructor === x.constructor
      )
        topK(x, rows, n, k, values, indices);
      else js.topK(x, rows, n, k, sorted, values, indices);
    },
    cholesky(a, out, batch, n) {
      if (cholesky !== undefined && big(batch, n) && sameFloat(a, out))
        return cholesky(a, out, batch, n);
      return js.cholesky(a, out, batch, n);
    },
    lu(a, out, perm, batch, n) {
      if (lu !== undefined && big(batch, n) && sameFloat(a, out)) lu(a, out, perm, batch, n);
      else js.lu(a, out, perm, batch, n);
    },
    triangularSolve(a, b, out, batch, n, k, lower, adjoint) {
      if (
        triangularSolve !== undefined &&
        batch * n * n * k >= T.factorFlops &&
        sameFloat(a, b, out)
      )
        triangularSolve(a, b, out, batch, n, k, lower, adjoint);
      else js.triangularSolve(a, b, out, batch, n, k, lower, adjoint);
    },
    qr(a, q, r, batch, m, n, full) {
      if (qr !== undefined && batch * m * n * Math.min(m, n) >= T.factorFlops && sameFloat(a, q, r))
        qr(a, q, r, batch, m, n, full);
      else js.qr(a, q, r, batch, m, n, full);
    },
    matrixSolve(a, b, out, batch, n, k, adjoint) {
      if (matrixSolve !== undefined && big(batch, n) && sameFloat(a, b, out))
        return matrixSolve(a, b, out, batch, n, k, adjoint);
      return js.matrixSolve(a, b, out, batch, n, k, adjoint);
    },
    matrixInverse(a, out, batch, n, adjoint) {
      if (matrixInverse !== undefined && big(batch, n) && sameFloat(a, out))
        return matrixInverse(a, out, batch, n, adjoint);
      return js.matrixInverse(a, out, batch, n, adjoint);
    },
    determinant(a, out, batch, n) {
      if (determinant !== undefined && big(batch, n) && sameFloat(a, out))
        determinant(a, out, batch, n);
      else js.determinant(a, out, batch, n);
    },
    logDeterminant(a, sign, logAbs, batch, n) {
      if (logDeterminant !== undefined && big(batch, n) && sameFloat(a, sign, logAbs))
        logDeterminant(a, sign, logAbs, batch, n);
      else js.logDeterminant(a, sign, logAbs, batch, n);
    },
    eigh(a, e, v, batch, n) {
      if (eigh !== undefined && big(batch, n) && sameFloat(a, e, ...(v === null ? [] : [v])))
        eigh(a, e, v ?? empty(a), batch, n, v !== null);
      else js.eigh(a, e, v, batch, n);
    },
    svd(a, s, u, v, batch, m, n, full) {
      const vectors = u !== null && v !== null;
      if (
        svd !== undefined &&
        batch * m * n * Math.min(m, n) >= T.factorFlops &&
        (vectors || (u === null && v === null)) &&
        sameFloat(a, s, ...(vectors ? [u, v] : []))
      )
        svd(a, s, u ?? empty(a), v ?? empty(a), batch, m, n, full, vectors);
      else js.svd(a, s, u, v, batch, m, n, full);
    },
  };
}
