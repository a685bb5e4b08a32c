// Worker entry of `rebal simulate` from the sources: registers the same TypeScript loader as bin/rebal.js (tsx), then runs simulateWorker.ts.
require("tsx/cjs");
require("./simulateWorker.ts");
