// Conformance, shared data and metrics: the gcore/shared-metrics.ts module (G-Core SDK) in Envoy
// and in this host, over several requests (shared data outlives them). See ./README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import {
  connectionInfo, hcmBodyChunks, hcmRequestHeaders, startEnvoyRun, startHostRun, throughEnvoy, throughHost,
  START_TIMEOUT_MS, type EnvoyRun, type HostRun,
} from './harness.js';

const SETUP = { module: 'shared-metrics', name: 'conform' };

describe.skipIf(!ENVOY_BIN)('conformance: shared data and metrics (G-Core SDK module, Envoy vs host)', () => {
  let envoy: EnvoyRun | undefined;
  let host: HostRun;
  beforeAll(async () => {
    envoy = await startEnvoyRun(SETUP);
    host = await startHostRun(SETUP);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await envoy?.close();
    await stopAllEnvoys();
  });

  it('start-up: metric definitions on the canary, main-thread and worker VMs', () => {
    expect(host.trace()).toEqual(envoy!.trace());
  });

  it('three requests: the same results, values and CAS numbers', async () => {
    for (const path of ['/one', '/two', '/three']) {
      const ex = { method: 'GET', path };
      const e = await throughEnvoy(envoy!, ex);
      const h = await throughHost(host, { headers: hcmRequestHeaders(ex), body: hcmBodyChunks(ex), info: connectionInfo(e, envoy!) });
      expect(h.trace).toEqual(e.trace);
      expect(h.seen).toEqual(e.seen);
    }
    expect(envoy!.trace().join('\n')).toContain("get key r=0 value='w4' cas=8");
  });

  it('the counter and gauge Envoy exports equal the host\'s', async () => {
    const stats = JSON.parse((await envoy!.envoy.admin('/stats?format=json&filter=conform_')).body) as { stats: { name?: string; value?: number }[] };
    const value = (name: string) => stats.stats.find((s) => s.name === name)?.value;
    // Envoy prefixes custom metrics with "wasmcustom."; the host reports them without it.
    expect(value('wasmcustom.conform_requests')).toBe(Number(host.host.metric('conform_requests', 'counter')));
    expect(value('wasmcustom.conform_inflight')).toBe(Number(host.host.metric('conform_inflight', 'gauge')));
    expect(value('wasmcustom.conform_requests')).toBe(33);
  });
});
