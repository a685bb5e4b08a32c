/** Jest runs every test: core units and properties (Node), metadata and manifest checks, and the
 *  browser tests against the built dist/ (headless Debian chromium via playwright-core). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: { module: "commonjs", target: "ES2020", esModuleInterop: true, resolveJsonModule: true, isolatedModules: true } }],
  },
  // office-addin-mock requires office-addin-manifest, which does not load under jest: a tiny shim
  moduleNameMapper: { "^office-addin-manifest$": "<rootDir>/test/support/office-addin-manifest-shim.js" },
  testTimeout: 60000,
  setupFiles: ["<rootDir>/test/support/fast-check-seed.js"],
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
