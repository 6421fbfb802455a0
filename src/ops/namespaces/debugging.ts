/** `tf.debugging`: numerics checks and assertions, as TensorFlow's namespace. */
export {
  checkNumerics,
  assertAllFinite,
  enableCheckNumerics,
  disableCheckNumerics,
} from "../debugging.js";
export {
  Assert,
  assertEqual,
  assertNoneEqual,
  assertNear,
  assertLess,
  assertLessEqual,
  assertGreater,
  assertGreaterEqual,
  assertPositive,
  assertNegative,
  assertNonNegative,
  assertNonPositive,
  assertRank,
  assertShapes,
  assertType,
  type AssertOptions,
  type AssertNearOptions,
  type ShapeAssertion,
} from "../debugging-asserts.js";
