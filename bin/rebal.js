#!/usr/bin/env node
// `rebal` launcher (CommonJS). In a clone (src/cli/main.ts present and the dev dependency tsx
// installed) it registers tsx and runs the TypeScript sources, so edits take effect with no build.
// In an installed package (no src/, no tsx: `npm pack` + `npm install -g --omit=dev`) it runs the
// compiled JavaScript in build/cli (scripts/build-cli.mjs, run by `prepare`). Worker threads follow
// the same choice (src/cli/batch.ts).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function load() {
  const src = path.join(__dirname, "..", "src", "cli", "main.ts");
  if (fs.existsSync(src)) {
    let tsx = null;
    try { tsx = require.resolve("tsx/cjs"); } catch { /* not installed: use the build */ }
    if (tsx) { require(tsx); return require(src); }
  }
  const built = path.join(__dirname, "..", "build", "cli", "cli", "main.js");
  if (fs.existsSync(built)) return require(built);
  process.stderr.write("rebal: no compiled CLI (build/cli) and no tsx to run the sources: run `npm ci` (with dev dependencies) or `npm run build:cli`\n");
  process.exit(4);
}

const { main } = load();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`rebal: internal error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 4; },
);
