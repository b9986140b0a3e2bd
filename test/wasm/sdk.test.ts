// The SDK in the proxy-wasm host, through noop.wasm and a test-only probe module
// (test/wasm/as/sdk-probe.ts) built with the same flags as the filters.
import { describe, expect, it } from 'vitest';
import { FilterChain, SharedDataStore, WasmHost } from '@meshguard/proxy-wasm-host';
import { builtFilter } from './build.js';
import { exampleConfig, FRONTEND, loadFilter, peer } from './filter-env.js';

async function probe() {
  const { binary } = await builtFilter('sdk-probe', 'test/wasm/as/sdk-probe.ts');
  const host = await WasmHost.load(binary, { logLevel: 'trace', sharedData: new SharedDataStore(), node: { id: 'sidecar~10.1.0.20', metadata: { 'meshguard.io/workload': 'shop/api' } } });
  const calls: { cluster: string; path: string | undefined; body: string }[] = [];
  host.registerCluster('upstream', (req) => {
    calls.push({ cluster: req.cluster, path: req.headers.get(':path'), body: Buffer.from(req.body).toString() });
    return { status: 200, headers: [['x-a', 'b']], body: 'found' };
  });
  host.registerCluster('broken', () => {
    throw new Error('connection reset');
  });
  const plugin = host.createPlugin({ name: 'probe', rootId: 'probe-root', configuration: '{}' });
  const chain = new FilterChain([plugin]);
  const run = (path: string) => chain.run({ headers: { ':method': 'GET', ':path': path, ':authority': 'a' }, info: peer(FRONTEND, { source: '10.1.0.12:51234' }) });
  return { host, plugin, run, calls };
}

describe('SDK', () => {
  it('routes an http_call response (delivered on the root context) back to the calling stream', async () => {
    const p = await probe();
    const r = await p.run('/call');
    expect(p.calls).toEqual([{ cluster: 'upstream', path: '/lookup', body: 'q' }]);
    const result = r.forwarded!.headers.get('x-probe')!;
    expect(result).toMatch(/^context=\d+ status=200 body=found$/);
    expect(result).not.toBe(`context=${p.plugin.rootContextId()} status=200 body=found`);
  });

  it('delivers a failed http_call (reset) with no headers and the host status 11 "reset"', async () => {
    const p = await probe();
    const r = await p.run('/call-broken');
    expect(r.forwarded!.headers.get('x-probe')).toMatch(/^context=\d+ failed status=11 reset$/);
  });

  it('reports a refused http_call as call id 0 instead of aborting', async () => {
    const p = await probe();
    const r = await p.run('/call-missing');
    expect(r.localReply).toMatchObject({ status: 503, bodyText: 'call refused' });
  });

  it('reads typed properties: int64 source.port, bool connection.mtls, xds.node.metadata, plugin_root_id', async () => {
    const p = await probe();
    const r = await p.run('/props');
    expect(r.forwarded!.headers.get('x-probe')).toBe('port=51234 mtls workload=shop/api root=probe-root');
  });

  it('treats NotFound (property, header) as absent, not as an error', async () => {
    const p = await probe();
    const r = await p.run('/absent');
    expect(r.localReply).toMatchObject({ status: 200, bodyText: 'absent' });
    expect(p.plugin.failed()).toBe(false);
  });

  it('aborts through proxy_log at critical level, then traps with a named backtrace (no env.abort)', async () => {
    const p = await probe();
    const r = await p.run('/trap');
    expect(r.localReply).toMatchObject({ status: 503, details: 'wasm_fail_stream' });
    const critical = p.host.logs().filter((l) => l.source === 'plugin' && l.level === 'critical').map((l) => l.message);
    expect(critical).toEqual([expect.stringMatching(/^abort: probe trap at test\/wasm\/as\/sdk-probe\.ts:\d+:\d+$/)]);
    const hostLines = p.host.logs().filter((l) => l.source === 'host').map((l) => l.text).join('\n');
    expect(hostLines).toContain('meshguardAbort');
    expect(p.plugin.failed()).toBe(true);
  });

  it('sets a tick period, runs onTick on the root, and keeps shared data with CAS', async () => {
    const p = await probe();
    expect(p.plugin.tickPeriodMs()).toBe(1000);
    p.plugin.tick();
    p.plugin.tick();
    expect(p.host.metric('probe_ticks')).toBe(2n);
    const r = await p.run('/ticks');
    expect(r.forwarded!.headers.get('x-probe')).toBe('ticks=2 cas-stale=mismatch');
  });

  it('defines gauges and histograms', async () => {
    const p = await probe();
    expect(p.host.metric('probe_gauge', 'gauge')).toBe(7n);
    expect(p.host.metrics().some((m) => m.name === 'probe_histogram' && m.kind === 'histogram')).toBe(true);
  });
});

describe('noop.wasm', () => {
  it('passes requests through untouched', async () => {
    const f = await loadFilter('noop', '');
    const headers = { ':method': 'POST', ':path': '/x', ':authority': 'a', 'x-meshguard-source': 'kept' };
    const r = await f.run(headers);
    expect(r.forwarded!.headers.entries()).toEqual(Object.entries(headers));
    expect(r.localReply).toBeNull();
  });
});

describe('memory stays flat over many requests (contexts and buffers are reclaimed)', () => {
  it.each([
    ['noop', ''],
    ['identity', exampleConfig()],
    ['egress', exampleConfig()],
  ])('%s', async (name, config) => {
    const f = await loadFilter(name, config);
    const headers = { ':method': 'GET', ':path': '/api/items?x=1', ':authority': 'files.stripe.com', ':scheme': 'https', 'x-meshguard-rule': 'x' };
    const info = peer(FRONTEND);
    for (let i = 0; i < 2_000; i++) await f.run(headers, info);
    const warm = f.host.memoryBytes();
    for (let i = 0; i < 20_000; i++) await f.run(headers, info);
    expect(f.host.memoryBytes()).toBe(warm);
    expect(f.plugin.failed()).toBe(false);
  }, 120_000);
});
