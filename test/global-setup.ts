// Says once, at the top of the test output, which real components this run uses: the Envoy
// binary and its version, and whether the Chromium and Redis suites run or skip.
import { existsSync } from 'node:fs';
import { envoyVersion, findEnvoy } from '../control-plane/envoy/binary.js';

export default function setup(): void {
  const envoy = findEnvoy();
  const required = process.env.MESHGUARD_REQUIRE_ENVOY === '1';
  if (envoy.path) {
    process.stdout.write(`meshguard tests: ${envoyVersion(envoy.path)} (${envoy.path}, from ${envoy.source})\n`);
  } else if (required) {
    throw new Error(`MESHGUARD_REQUIRE_ENVOY=1 but no Envoy was found (looked at ${envoy.source}); run \`npm run envoy:install\``);
  } else {
    process.stdout.write(`meshguard tests: no Envoy (looked at ${envoy.source}): the Envoy suites are SKIPPED; \`npm run envoy:install\` installs it\n`);
  }
  const chromium = process.env.MESHGUARD_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    process.stdout.write(`meshguard tests: no Chromium at ${chromium}: the live-view browser suite is SKIPPED (apt-get install chromium)\n`);
  }
}
