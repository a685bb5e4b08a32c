// ESLint flat config: typescript-eslint's recommended rules (`npm run lint` = tsc + eslint src test).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "build-tsc/", "coverage/", "node_modules/", ".cache/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
