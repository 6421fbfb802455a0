/**
 * `npm run soak`: 10^5 training steps of a small model, eager and as a tf.function, with RSS
 * and heap after warm-up. `npm run soak -- 20000` runs fewer steps; `-- 20000 eager` one mode.
 */
import { formatResult, soak, type SoakMode } from "./soak-lib.js";

const steps = Number(process.argv[2] ?? 100_000);
const modes: SoakMode[] =
  process.argv[3] === undefined ? ["eager", "function"] : [process.argv[3] as SoakMode];
if (!Number.isInteger(steps) || steps < 1)
  throw new RangeError(`soak: steps must be a positive integer`);
for (const mode of modes) {
  if (mode !== "eager" && mode !== "function") throw new TypeError(`soak: unknown mode ${mode}`);
  console.log(formatResult(soak(mode, steps, { samples: 50 })));
}
