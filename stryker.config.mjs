// Mutation testing (issue 14): Stryker mutates engine/ and canon/ — the pure decisions and the
// canonical forms every enforcer must agree on — and runs vitest.mutation.config.ts against each
// mutant. `npm run mutation`; the score is recorded in docs/mutation.md. The filters' decision code
// is AssemblyScript: Stryker's mutant switching inserts JavaScript that asc cannot compile, so it is
// held by the differential tests against these TypeScript twins instead (see docs/mutation.md).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'control-plane/engine/**/*.ts',
    'control-plane/canon/**/*.ts',
    // Text only: the trace's wording and the reasons' prose are not decisions.
    '!control-plane/engine/trace.ts',
    '!control-plane/engine/reasons.ts',
  ],
  coverageAnalysis: 'perTest',
  checkers: [],
  concurrency: 2,
  timeoutMS: 60_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'build/peers', '.venv-envoy', '.tools', 'reports', 'bench/results', 'deploy', 'docs'],
  // vitest does not type-check, and the AssemblyScript fixtures do not parse as TypeScript.
  disableTypeChecks: false,
  cleanTempDir: true,
};
