/** How an argument is named in error messages: what a user passed, briefly. */
import { shapeMsg } from "./shape.js";
import { Tensor } from "./tensor.js";

/** `a Tensor shape=[2] float32`, `the string "junk"`, `NaN`, `an object`, `a function`, ... */
export function describeValue(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor ${shapeMsg(x.shape)} ${x.dtype}`;
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  switch (typeof x) {
    case "number":
    case "bigint":
    case "boolean":
      return String(x);
    case "string":
      return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      if (Array.isArray(x)) return `an array of length ${x.length}`;
      return `an object (${Object.prototype.toString.call(x).slice(8, -1)})`;
  }
}
