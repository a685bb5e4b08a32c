#!/usr/bin/env node
// `rebal` launcher (CommonJS): registers the tsx TypeScript loader and runs src/cli/main.ts, so
// `npx rebal ...` works in a fresh clone after `npm ci` with no build step. Worker threads load
// the same loader (src/cli/worker-boot.cjs).
"use strict";
require("tsx/cjs");
const { main } = require("../src/cli/main.ts");
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`rebal: internal error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 4; },
);
