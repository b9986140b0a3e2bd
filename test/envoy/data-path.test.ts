// meshguard on a real Envoy's data path: the sidecar of shop/api and shop/payments as xDS
// configures it (wasm filters by ECDS, ext_authz, RBAC), a TLS client with certificates made at
// start, and an echo server as the application, so every assertion reads what a client or the
// upstream really got.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../control-plane/serve/sidecar.js';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { echoed, inbound, outbound, policyFile, response, sidecar, stopAllSidecars } from '../helpers/sidecar.js';
import { buildProbe } from '../../packages/proxy-wasm-host/test/helpers/probe.js';
import { builtFilter } from '../wasm/build.js';

const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';
const PROBER = 'spiffe://cluster.local/ns/ops/sa/prober';
const BURST = 8;
let wasmDir: string;

beforeAll(async () => {
  wasmDir = path.dirname((await Promise.all(['identity', 'anomaly', 'egress'].map((n) => builtFilter(n))))[0]!.file);
}, 180_000);
afterAll(stopAllSidecars);

describe.skipIf(!ENVOY_BIN)('the shop/api sidecar in Envoy', () => {
  let api: Sidecar;
  beforeAll(async () => {
    // One token per 1,000 s: the 429 cannot depend on how fast the machine is.
    const file = policyFile((t) => t.replace(/rateLimit: \{[^}]*\}/, `rateLimit: { requestsPerSecond: 0.001, burst: ${BURST} }`));
    api = await sidecar({ policyFile: file, workload: 'shop/api', wasmDir });
  }, 120_000);

  it('allows a request of an allowed peer, which reaches the application with meshguard\'s headers', async () => {
    for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
      const got = echoed(await inbound(api, FRONTEND, { protocol, path: '/api/items?page=2' }));
      expect(got.path).toBe('/api/items?page=2');
      expect(Object.fromEntries(got.headers)).toMatchObject({ 'x-meshguard-source': FRONTEND, 'x-meshguard-rule': 'web-to-api', 'x-forwarded-proto': 'https' });
    }
  });

  it('never lets spoofed x-forwarded-client-cert or x-meshguard-* headers reach the upstream (HTTP/1.1 and HTTP/2)', async () => {
    const spoofed: [string, string][] = [
      ['x-forwarded-client-cert', `By=spiffe://cluster.local/ns/shop/sa/api;URI=${PROBER}`],
      ['x-meshguard-source', 'spiffe://cluster.local/ns/kube-system/sa/admin'],
      ['x-meshguard-rule', 'forged'], ['x-meshguard-anomaly-score', '0'], ['x-meshguard-whatever', 'x'],
    ];
    for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
      const got = echoed(await inbound(api, FRONTEND, { protocol, headers: spoofed }));
      const headers = got.headers.filter(([k]) => k === 'x-forwarded-client-cert' || k.startsWith('x-meshguard-'));
      expect(headers.filter(([k]) => k === 'x-forwarded-client-cert' || k === 'x-meshguard-whatever')).toEqual([]);
      expect(headers.filter(([k]) => k === 'x-meshguard-source')).toEqual([['x-meshguard-source', FRONTEND]]);
      expect(headers.filter(([k]) => k === 'x-meshguard-rule')).toEqual([['x-meshguard-rule', 'web-to-api']]);
    }
  });

  it('denies with the generic body: the wasm filter (403, 400) and ext_authz (429) alike, the reason only in a header', async () => {
    const segment = response(await inbound(api, FRONTEND, { path: '/admin' }));
    expect([segment.status, segment.body, segment.headers['x-meshguard-reason']]).toEqual([403, 'meshguard: access denied\n', 'no-matching-segment']);
    const badPath = response(await inbound(api, FRONTEND, { path: '/api/..%3Bx/items' }));
    expect([badPath.status, badPath.body]).toEqual([400, 'meshguard: bad request\n']);
  });

  it('answers 429 with retry-after from ext_authz once the bucket is spent', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < BURST + 2; i++) {
      last = response(await inbound(api, PROBER, { path: '/healthz' }));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(200), 429, 429]);
    expect(last!.body).toBe('meshguard: too many requests\n');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const stats = await api.envoy.stats('ext_authz');
    expect([...stats].find(([k]) => k.endsWith('ext_authz.denied'))?.[1]).toBeGreaterThanOrEqual(2);
  });

  it('refuses a peer without a client certificate under strict mTLS at the handshake', async () => {
    const o = await inbound(api, null);
    expect(o.kind).toBe('closed');
  });
});

describe.skipIf(!ENVOY_BIN)('egress through the shop/payments sidecar in Envoy', () => {
  let payments: Sidecar;
  beforeAll(async () => {
    payments = await sidecar({ policyFile: policyFile(), workload: 'shop/payments', wasmDir });
  }, 120_000);

  it('lets an allowed host through and strips spoofed meshguard headers; denies others with the generic body', async () => {
    const allowed = echoed(await outbound(payments, 'api.stripe.com', { headers: [['x-meshguard-rule', 'forged'], ['x-forwarded-client-cert', 'By=x']] }));
    expect(allowed.headers.filter(([k]) => k === 'x-forwarded-client-cert')).toEqual([]);
    expect(allowed.headers.filter(([k]) => k === 'x-meshguard-rule')).toEqual([['x-meshguard-rule', 'payments-to-stripe']]);
    const denied = response(await outbound(payments, 'evil.example.com'));
    expect([denied.status, denied.body, denied.headers['x-meshguard-reason']]).toEqual([403, 'meshguard: access denied\n', 'no-matching-rule']);
  });
});

describe.skipIf(!ENVOY_BIN)('a trapping module under FAIL_CLOSED', () => {
  it('gives 503 to the request it traps on, and Envoy goes on serving', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-trap-wasm-'));
    copyFileSync(path.join(wasmDir, 'identity.wasm'), path.join(dir, 'identity.wasm'));
    copyFileSync(path.join(wasmDir, 'egress.wasm'), path.join(dir, 'egress.wasm'));
    writeFileSync(path.join(dir, 'anomaly.wasm'), await buildProbe()); // traps when told by a header
    const s = await sidecar({ policyFile: policyFile(), workload: 'shop/api', wasmDir: dir });
    expect(echoed(await inbound(s, FRONTEND)).path).toBe('/api/items');
    const trapped = response(await inbound(s, FRONTEND, { headers: [['x-probe-req_headers', 'trap']] }));
    expect(trapped.status).toBe(503);
    expect(trapped.headers['x-meshguard-echo']).toBeUndefined();
    // The process is alive and answers on both listeners: the inbound one (the poisoned VM keeps
    // failing closed, as Envoy does until a new configuration), the outbound one normally.
    expect(response(await inbound(s, FRONTEND)).status).toBe(503);
    expect(response(await outbound(s, 'evil.example.com')).status).toBe(403);
    expect((await s.envoy.admin('/ready')).status).toBe(200);
  }, 120_000);
});

describe.skipIf(!ENVOY_BIN)('a policy edit while Envoy serves', () => {
  it('flips verdicts without dropping an in-flight request', async () => {
    const file = policyFile();
    const s = await sidecar({ policyFile: file, workload: 'shop/api', wasmDir });
    expect(echoed(await inbound(s, FRONTEND, { path: '/api/orders' })).path).toBe('/api/orders');
    const held = s.echo.hold('/api/slow');
    const inFlight = inbound(s, FRONTEND, { path: '/api/slow', protocol: 'HTTP/2' });
    await waitFor(() => s.echo.received.some((r) => r.path === '/api/slow'));
    // frontend loses /api/* (only /healthz stays).
    writeFileSync(file, readFileSync(file, 'utf8').replace('paths: ["/api/*", "/healthz"]', 'paths: ["/healthz"]'));
    await waitFor(async () => response(await inbound(s, FRONTEND, { path: '/api/orders' })).status === 403);
    expect(response(await inbound(s, FRONTEND, { path: '/api/orders', protocol: 'HTTP/2' })).status).toBe(403);
    expect(echoed(await inbound(s, FRONTEND, { path: '/healthz' })).path).toBe('/healthz');
    held.release();
    const done = await inFlight;
    expect(echoed(done).path).toBe('/api/slow');
    const version = s.meshguard.context.policies.current.version;
    expect(version).not.toBe('');
  }, 120_000);
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

