// Runs test files under valgrind's memcheck against the release build of the native addon:
//
//   node scripts/valgrind.js test/native-fuzz.test.ts test/native-abuse.test.ts ...
//
// Each file runs directly (node:test runs its tests in the same process when a test file is
// the entry point, so memcheck sees them; `node --test` would fork children it does not
// follow) with --jitless, so V8 interprets instead of generating code memcheck cannot follow.
// scripts/valgrind.supp suppresses V8's conservative stack scan, which reads uninitialized
// stack words by design. Any other memcheck report (invalid read/write, use of uninitialized
// values, invalid free) makes the run fail. Slow: minutes per file. Linux with valgrind only;
// not part of `npm test`.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/valgrind.js <test file>...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  const started = Date.now();
  const r = spawnSync(
    "valgrind",
    [
      "--tool=memcheck",
      "--error-exitcode=99",
      "--trace-children=no",
      `--suppressions=${path.join(root, "scripts", "valgrind.supp")}`,
      process.execPath,
      "--jitless",
      "--expose-gc",
      "--import",
      "tsx",
      file,
    ],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 28,
      // Tests with a wall-clock bound scale it by this (memcheck runs code ~50x slower).
      env: { ...process.env, TAPEFLOW_SLOWDOWN: "50" },
    },
  );
  if (r.error) {
    console.error(`valgrind: ${r.error.message}`);
    process.exit(2);
  }
  const report = r.stderr
    .split("\n")
    .filter((l) => /^==\d+==/.test(l))
    .join("\n");
  const summary = /ERROR SUMMARY: (\d+) errors/.exec(report);
  const tests = /# pass (\d+)\n# fail (\d+)/.exec(r.stdout);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `${file}: memcheck ${summary ? summary[1] : "?"} errors, tests ${tests ? `${tests[1]} passed, ${tests[2]} failed` : "?"}, exit ${r.status}, ${seconds} s`,
  );
  if (r.status !== 0) {
    failed++;
    console.log(report);
    const failing = r.stdout.split("\n").filter((l) => /^\s*not ok/.test(l));
    console.log(failing.length > 0 ? failing.join("\n") : r.stdout.slice(-4000));
  }
}
process.exit(failed === 0 ? 0 : 1);
