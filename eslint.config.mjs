// ESLint flat config: typescript-eslint's recommended rules plus the typed promise rules
// (no-floating-promises, no-misused-promises, await-thenable: a promise is awaited, returned or
// explicitly `void`ed, never handed to a callback that ignores it). `npm run lint` = tsc + eslint
// src test; .ci/run runs it before the tests.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "build-tsc/", "build/", "coverage/", "node_modules/", ".cache/", "test-results/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: dirname(fileURLToPath(import.meta.url)) } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    // the layering (README): core is pure TypeScript, no Node, DOM or Office, and imports nothing above it
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-globals": ["error", "process", "window", "document", "navigator", "Office", "Excel", "CustomFunctions", "Buffer", "require", "__dirname", "console"],
      "no-restricted-imports": ["error", { patterns: ["node:*", "fs", "path", "os", "worker_threads", "child_process", "react", "react-dom", "@fluentui/*", "exceljs", "papaparse", "**/functions/**", "**/workbook/**", "**/taskpane/**", "**/cli/**"] }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
