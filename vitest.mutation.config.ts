// The tests Stryker runs against each mutant (stryker.config.mjs): the in-process suites that
// exercise engine/ and canon/: unit tests and the differential tests against the AssemblyScript twins
// (test/wasm/harness.ts, compiled once per set of AssemblyScript sources and cached). No Envoy, Redis,
// browser or CLI suites: they are slow and run the built dist/, which a mutant does not reach; and
// none that builds the filters (test/wasm/build.ts), which Stryker would redo after every restart.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/engine.test.ts',
      'test/unit/engine-trace.test.ts',
      'test/unit/canon.test.ts',
      'test/unit/authorizer.test.ts',
      'test/unit/ip.test.ts',
      'test/unit/path.test.ts',
      'test/unit/host.test.ts',
      'test/unit/policy-validate.test.ts',
      'test/parity/source-admission.test.ts',
      'test/parity/dns-entropy.test.ts',
      'test/wasm/lib.test.ts',
      'test/wasm/body.test.ts',
      'test/xds/rbac.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
