// Compiles the command line (src/cli and the src/core modules it imports) to CommonJS JavaScript in
// build/cli (tsconfig.cli.json), so that an installed package (`npm pack`, then `npm install -g
// --omit=dev` of the tarball) runs `rebal` with no TypeScript and no tsx. Runs as `prepare` (npm ci,
// npm install, npm pack) and before the tests. `--out DIR` writes elsewhere (the package test).
// Without TypeScript installed (npm ci --omit=dev in a clone) there is nothing to compile with: it
// says so and leaves any existing build alone; in an installed package (no src/) it does nothing.
import { createRequire } from "node:module";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const i = process.argv.indexOf("--out");
const out = i > 0 ? path.resolve(process.argv[i + 1]) : path.join(root, "build", "cli");
if (!existsSync(path.join(root, "src", "cli", "main.ts"))) {
  console.log("rebal: no sources here (an installed package): nothing to compile");
  process.exit(0);
}
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  console.log("rebal: TypeScript is not installed (production install?): the CLI is not compiled; bin/rebal.js uses build/cli if present");
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.cli.json"), "--outDir", out], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
