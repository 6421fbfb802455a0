// npm "install" script: makes the native addon available, and never fails the install.
//
// 1. A prebuilt binary that fits (prebuilds/<platform>-<arch>/, checked by node-gyp-build) or an
//    earlier build (build/Release) is used as is.
// 2. Otherwise `node-gyp rebuild` compiles native/ (node-gyp is the one npm bundles, found on the
//    PATH npm gives install scripts, or through npm_config_node_gyp). When no header directory is
//    configured and the node binary sits next to its headers (/usr/include/node for a system
//    Node), they are used, so the build needs no network.
// 3. If that fails too, one line says so and tapeflow runs on its JS backend.
// TAPEFLOW_SKIP_BUILD=1 skips the build; `--rebuild` builds even when an addon loads (after
// changing native/: `npm run build:native`).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function say(msg) {
  console.log(`tapeflow: ${msg}`);
}

function addonLoads() {
  try {
    require("node-gyp-build")(root);
    return true;
  } catch {
    return false;
  }
}

function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  // npm's bundled copy, next to the npm that runs us.
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const bundled = path.join(
      path.dirname(npmCli),
      "..",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    );
    if (fs.existsSync(bundled)) return [process.execPath, [bundled]];
  }
  // The npm installed next to this node (a plain `node scripts/install.js`).
  const besideNode = path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  if (fs.existsSync(besideNode)) return [process.execPath, [besideNode]];
  return ["node-gyp", []];
}

function headerArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  const local = path.join(prefix, "include", "node", "node_api.h");
  return fs.existsSync(local) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.TAPEFLOW_SKIP_BUILD === "1") {
    say("native build skipped (TAPEFLOW_SKIP_BUILD=1); the JS backend will be used");
    return;
  }
  if (!fs.existsSync(path.join(root, "binding.gyp"))) return;
  // --rebuild (npm run build:native): compile native/ even when a build loads already.
  const force = process.argv.includes("--rebuild");
  if (!force && addonLoads()) return;
  const [cmd, pre] = nodeGypCommand();
  const args = [...pre, "rebuild", "--release", "--jobs", "max", ...headerArgs()];
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status === 0 && addonLoads()) {
    say("native addon built");
    return;
  }
  const why = r.error
    ? r.error.message
    : String(r.stderr || "")
        .split("\n")
        .find((l) => /error/i.test(l)) || `node-gyp exited with ${r.status}`;
  say(`native addon not built (${why.trim()}); the JS backend will be used`);
}

try {
  main();
} catch (e) {
  say(`native addon not built (${e && e.message ? e.message : e}); the JS backend will be used`);
}
process.exit(0);
