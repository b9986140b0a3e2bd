// Random requests (fast-check) never trap any filter, and linear memory stops growing: after a
// warm-up that reaches the largest shapes, 100k more requests leave every module's memory size
// unchanged (buffers are reused; what is allocated per request is collected).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { learnModel } from '../../control-plane/anomaly/model.js';
import { filterConfigFor } from '../../control-plane/filter-config/filter-config.js';
import { FilterChain, WasmHost, type ChainRequest, type Plugin, type StreamInfoInput } from '@meshguard/proxy-wasm-host';
import { benign } from '../../bench/anomaly/corpus.js';
import { corpusPolicy } from './anomaly-env.js';
import { builtFilter } from './build.js';
import { exampleConfig, FRONTEND } from './filter-env.js';

const REQUESTS = 100_000;
const WARMUP = 4_000;

const headerName = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,24}$/),
  fc.constantFrom('content-type', 'host', 'cookie', 'user-agent', 'x-meshguard-source', 'x-meshguard-rule', 'x-forwarded-client-cert', 'x-meshguard-anomaly-score'),
);
const text = (max: number) => fc.oneof(
  fc.string({ maxLength: max }),
  fc.string({ unit: 'binary', maxLength: max }),
  fc.stringMatching(/^[%0-9a-fA-F+/*'"<>;=&?.\\ -]{0,80}$/),
);
const path = fc.oneof(
  text(200),
  fc.tuple(fc.array(text(12), { maxLength: 8 }), text(120)).map(([segments, query]) => `/${segments.join('/')}?${query}`),
  fc.constantFrom('/', '/api/items', '/api/x?a=1&b=%253C', '/%2F', '/a#b', '/..;/x', '/\u0000'),
);
const body = fc.oneof(
  fc.constant(''),
  text(2000),
  fc.json({ maxDepth: 6 }),
  fc.uint8Array({ maxLength: 4096 }),
  fc.integer({ min: 16_000, max: 20_000 }).map((n) => 'a'.repeat(n)),
);
const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/vnd.x+json');
const info: fc.Arbitrary<StreamInfoInput> = fc.record({
  source: fc.oneof(fc.constantFrom('10.1.0.12:50000', '203.0.113.9:1', '[2001:db8::1]:443', 'pipe'), text(30)),
  destination: fc.oneof(fc.constantFrom('10.1.0.20:8080', '192.0.2.7:443', '[::1]:80'), text(30)),
  principal: fc.oneof(fc.constant(null), fc.constant(FRONTEND), text(60)),
}).map(({ source, destination, principal }) => ({
  connection: { source, destination, tls: principal === null ? null : { peerCertificate: { uriSans: [principal] } } },
}));

const request: fc.Arbitrary<ChainRequest> = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'HEAD'), text(10)),
  path: fc.option(path, { nil: undefined }),
  authority: fc.option(fc.oneof(text(60), fc.constantFrom('api.stripe.com:443', '2130706433', 'xn--bcher-kva.example', 'a.b.svc.cluster.local')), { nil: undefined }),
  type: fc.option(contentType, { nil: undefined }),
  headers: fc.array(fc.tuple(headerName, text(300)), { maxLength: 24 }),
  body,
  info,
}).map((r) => {
  const headers: [string, string][] = [[':method', r.method]];
  if (r.path !== undefined) headers.push([':path', r.path]);
  if (r.authority !== undefined) headers.push([':authority', r.authority]);
  if (r.type !== undefined) headers.push(['content-type', r.type]);
  headers.push(...r.headers);
  const empty = typeof r.body === 'string' ? r.body === '' : r.body.length === 0;
  return { headers, info: r.info, ...(empty ? {} : { body: r.body }) };
});

/** The largest shapes the arbitraries produce, so that warm-up grows every buffer to its size. */
function largest(): ChainRequest[] {
  const headers: [string, string][] = [[':method', 'POST'], [':path', `/${'x'.repeat(200)}?${'q=%41&'.repeat(20)}`], [':authority', 'a'.repeat(60)], ['content-type', 'application/json']];
  for (let i = 0; i < 24; i++) headers.push([`x-header-${i}`, '😀'.repeat(150)]);
  const bodies = ['a'.repeat(20_000), JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ [`k${i}`]: '😀'.repeat(5) }))), '😀'.repeat(1000)];
  return bodies.map((b) => ({ headers, body: b }));
}

interface Target { name: string; configuration: string; rootId?: string }

function targets(): Target[] {
  const policy = corpusPolicy('enforce');
  const model = learnModel(benign(800, 21, 'train').map((r) => ({ http: r.http, workload: r.workload })), () => 'enforce');
  const withModel = filterConfigFor(policy, policy.workloads.get('shop/orders')!, model, {
    telemetry: { cluster: 'telemetry', authority: 'cp', path: '/telemetry', maxBatch: 50, flushMs: 1000 },
  });
  const example = JSON.stringify(exampleConfig());
  return [
    { name: 'noop', configuration: '' },
    { name: 'identity', configuration: example },
    { name: 'egress', configuration: example },
    { name: 'anomaly', configuration: JSON.stringify(withModel) },
  ];
}

async function load(t: Target): Promise<{ host: WasmHost; plugin: Plugin; chain: FilterChain }> {
  const host = await WasmHost.load((await builtFilter(t.name)).binary, { canary: false, logLevel: 'critical', logCapacity: 16 });
  host.registerCluster('telemetry', () => ({ status: 204 }));
  const plugin = host.createPlugin({ name: t.name, configuration: t.configuration, ...(t.rootId ? { rootId: t.rootId } : {}) });
  return { host, plugin, chain: new FilterChain([plugin]) };
}

describe.each(targets())('$name.wasm under random requests', (t) => {
  it('never traps (fast-check)', async () => {
    const { plugin, chain } = await load(t);
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const result = await chain.run(r);
        expect(plugin.failed()).toBe(false);
        expect(result.localReply?.details).not.toBe('wasm_fail_stream');
      }),
      { numRuns: 400, seed: 20261128 },
    );
  }, 60_000);

  it(`keeps linear memory flat over ${REQUESTS / 1000}k requests after warm-up`, async () => {
    const { host, plugin, chain } = await load(t);
    const pool = [...largest(), ...fc.sample(request, { numRuns: 1_500, seed: 7 })];
    let i = 0;
    const next = () => pool[i++ % pool.length]!;
    for (let n = 0; n < WARMUP; n++) await chain.run(next());
    plugin.tick();
    await host.settle();
    const warm = host.memoryBytes();
    expect(warm).toBeGreaterThan(0);
    for (let n = 0; n < REQUESTS; n++) {
      await chain.run(next());
      if (n % 5000 === 0) plugin.tick();
    }
    await host.settle();
    expect(plugin.failed()).toBe(false);
    expect(host.memoryBytes()).toBe(warm);
  }, 300_000);
});
