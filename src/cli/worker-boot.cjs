// Worker entry: registers the same TypeScript loader as bin/rebal.js (tsx), then runs worker.ts.
require("tsx/cjs");
require("./worker.ts");
