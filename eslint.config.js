// ESLint (flat config) with typescript-eslint's recommended rules, over the TypeScript of the
// control plane, the benchmarks, the tests, the proxy-wasm host package and the build scripts.
// `npm run lint`; test/unit/lint.test.ts runs it in CI. AssemblyScript (assembly/) is not
// TypeScript and is left to asc.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', 'build/**', 'node_modules/**', '**/node_modules/**', '.venv-envoy/**', '.tools/**', 'assembly/**', 'packages/*/test/fixtures/**', 'packages/*/test/conformance/gcore/**', 'test/wasm/as/**', 'deploy/**', 'reports/**', '.stryker-tmp/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused names are tsc's job (noUnusedLocals); `_`-prefixed arguments are intentional.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
