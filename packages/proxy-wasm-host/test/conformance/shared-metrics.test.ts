// Conformance, shared data and metrics: the gcore/shared-metrics.ts module (G-Core SDK) in Envoy
// and in this host, over several requests (shared data outlives them). See ./README.md.
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { moduleRuns } from './harness.js';

const SETUP = { module: 'shared-metrics', name: 'conform' };

describe.skipIf(!ENVOY_BIN)('conformance: shared data and metrics (G-Core SDK module, Envoy vs host)', () => {
  const runs = moduleRuns(SETUP);

  it('start-up: metric definitions on the canary, main-thread and worker VMs', () => {
    const envoyStartup = runs.envoy().trace();
    expect(runs.host().trace()).toEqual(envoyStartup);
    // Three VMs, each defining the three metrics (an unknown type refused).
    expect(envoyStartup.filter((l) => l.startsWith('configure '))).toHaveLength(3);
    expect(envoyStartup.filter((l) => /^ {2}define [012] \S+ r=0 id=\d+$/.test(l))).toHaveLength(12);
    expect(envoyStartup.filter((l) => l === '  define 3 conform_bad_type r=2')).toHaveLength(3);
  });

  it('three requests: the same results, values and CAS numbers', async () => {
    for (const path of ['/one', '/two', '/three']) {
      const ex = { method: 'GET', path };
      await runs.compare(ex);
    }
    expect(runs.envoy().trace().join('\n')).toContain("get key r=0 value='w4' cas=8");
  });

  it('the counter and gauge Envoy exports equal the host\'s', async () => {
    const stats = JSON.parse((await runs.envoy().envoy.admin('/stats?format=json&filter=conform_')).body) as { stats: { name?: string; value?: number }[] };
    const value = (name: string) => stats.stats.find((s) => s.name === name)?.value;
    // Envoy prefixes custom metrics with "wasmcustom."; the host reports them without it.
    expect(value('wasmcustom.conform_requests')).toBe(Number(runs.host().host.metric('conform_requests', 'counter')));
    expect(value('wasmcustom.conform_inflight')).toBe(Number(runs.host().host.metric('conform_inflight', 'gauge')));
    expect(value('wasmcustom.conform_requests')).toBe(33);
  });
});
