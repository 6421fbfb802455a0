/**
 * The elementwise ops, for code inside tapeflow: the public functions (each made with one
 * factory call in elementwise/, which is the op's whole description) and the short names the
 * gradient rules use (mul, sub, div, neg), which are not part of `tf`.
 */
export * from "./elementwise/basic.js";
export * from "./elementwise/math.js";
export * from "./elementwise/activation.js";
export {
  multiply as mul,
  subtract as sub,
  divide as div,
  negative as neg,
} from "./elementwise/basic.js";
