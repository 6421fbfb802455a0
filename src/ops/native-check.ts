/**
 * The C++ addon keeps one list of kernel names per family (native/elementwise.cc's X-macros,
 * native/reduce.cc). Once every op is registered, each name must be a registry op of that
 * family: a kernel that matches no op would never run, and a misspelled one would silently fall
 * back to JS, so a mismatch is an error at load.
 */
import { nativeAddon } from "../backend/native/index.js";
import { lookupOp, type OpKind } from "../engine/op.js";

export function checkNativeKernelNames(): void {
  const addon = nativeAddon();
  if (addon === null) return;
  const lists: [readonly string[], OpKind][] = [
    [addon.unaryNames, "unary"],
    [addon.binaryNames, "binary"],
    [addon.reduceNames, "reduction"],
  ];
  for (const [names, kind] of lists) {
    for (const name of names) {
      const op = lookupOp(name);
      if (op === undefined || op.kind !== kind) {
        throw new Error(
          `native addon: its ${kind} kernel '${name}' matches no registered ${kind} op (${op === undefined ? "no op of that name" : `'${name}' is ${String(op.kind)}`}); rebuild the addon (npm run build:native) or fix native/'s kernel list`,
        );
      }
      if (kind !== "reduction" && op.scalar === undefined) {
        throw new Error(`native addon: op '${name}' has a ${kind} kernel but no scalar function`);
      }
    }
  }
}
