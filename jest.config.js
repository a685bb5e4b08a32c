/** Jest runs every test: core units and properties (Node), metadata and manifest checks, and the
 *  browser tests against the built dist/ (headless Debian chromium via playwright-core). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: { module: "commonjs", target: "ES2020", esModuleInterop: true, resolveJsonModule: true, isolatedModules: true } }],
  },
  testTimeout: 60000,
  setupFiles: ["<rootDir>/test/support/fast-check-seed.js"],
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
