// A real Envoy for tests (`npm run envoy:install`, MESHGUARD_ENVOY or `envoy` on PATH). Without one
// the Envoy suites are skipped, unless MESHGUARD_REQUIRE_ENVOY=1 (set by .ci/run) makes that a failure.
import { findEnvoy } from '../../control-plane/envoy/binary.js';
import { startEnvoy, type EnvoyOptions, type EnvoyProcess } from '../../control-plane/envoy/process.js';

export const ENVOY_REQUIRED = process.env.MESHGUARD_REQUIRE_ENVOY === '1';
const lookup = findEnvoy();

/** The Envoy binary, or null (the suite skips) when none is installed and none is required. */
export const ENVOY_BIN: string | null = lookup.path;
if (!ENVOY_BIN && ENVOY_REQUIRED) {
  throw new Error(`MESHGUARD_REQUIRE_ENVOY=1 but no Envoy was found (looked at ${lookup.source})`);
}

/** Envoys a test file started; `stopAllEnvoys()` in afterAll stops them even when a test failed. */
const started = new Set<EnvoyProcess>();

export async function envoy(options: Omit<EnvoyOptions, 'binary'>): Promise<EnvoyProcess> {
  if (!ENVOY_BIN) throw new Error('no Envoy binary');
  const proc = await startEnvoy({ binary: ENVOY_BIN, ...options });
  started.add(proc);
  return proc;
}

export async function stopAllEnvoys(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((p) => p.stop()));
}
