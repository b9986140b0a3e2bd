import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The example policy with a bucket that cannot refill while the test runs (one token per 1,000 s),
// so the 429 does not depend on how fast the machine answers Checks.
const SLOW_REFILL = { requestsPerSecond: 0.001, burst: 5 };
function policyWithSlowRefill(dir: string): string {
  const text = readFileSync(EXAMPLE_POLICY, 'utf8');
  const limited = text.replace(/rateLimit: \{[^}]*\}/, `rateLimit: { requestsPerSecond: ${SLOW_REFILL.requestsPerSecond}, burst: ${SLOW_REFILL.burst} }`);
  if (limited === text) throw new Error(`no rateLimit in ${EXAMPLE_POLICY}`);
  const file = path.join(dir, 'shop.yaml');
  writeFileSync(file, limited);
  return file;
}

const frontend = 'spiffe://cluster.local/ns/shop/sa/frontend';

function checkRequest(o: { principal?: string; path: string; method?: string; headers?: Record<string, string>; workload?: string }) {
  return {
    attributes: {
      source: { principal: o.principal ?? '', address: { socketAddress: { address: '10.1.0.12', portValue: 40000 } } },
      destination: { address: { socketAddress: { address: '10.1.0.20', portValue: 8080 } }, principal: 'spiffe://cluster.local/ns/shop/sa/api' },
      request: { http: { method: o.method ?? 'GET', path: o.path, host: 'api.shop', headers: { ':method': o.method ?? 'GET', ':path': o.path, ...(o.headers ?? {}) } } },
      contextExtensions: { 'meshguard.io/workload': o.workload ?? 'shop/api' },
    },
  };
}

function headerMap(list: { header: { key: string; value: string } }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((h) => [h.header.key, h.header.value]));
}

describe('ext_authz Check over real gRPC (Envoy protos)', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  const dir = mkdtempSync(path.join(tmpdir(), 'mg-authz-'));

  beforeAll(async () => {
    serve = await startServe(['--policy', policyWithSlowRefill(dir), '--redis', 'none', '--log-allow-sample', '1']);
    client = checkClient(serve.authzPort);
  });
  afterAll(async () => {
    client?.close();
    const code = await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('allows with the verified principal and the rule as overwriting headers', async () => {
    const res = await check(client, checkRequest({ principal: frontend, path: '/api/items' }));
    expect(res.status.code).toBe(0);
    const headers = res.okResponse!.headers!;
    expect(headerMap(headers)).toMatchObject({ 'x-meshguard-source': frontend, 'x-meshguard-rule': 'web-to-api' });
    expect(headers.every((h) => (h as { appendAction?: string }).appendAction === 'OVERWRITE_IF_EXISTS_OR_ADD')).toBe(true);
  });

  it('removes client-sent x-meshguard-* and x-forwarded-client-cert headers', async () => {
    const res = await check(client, checkRequest({
      principal: frontend, path: '/api/items',
      headers: { 'x-meshguard-source': 'spiffe://cluster.local/ns/shop/sa/admin', 'x-meshguard-debug': '1', 'x-forwarded-client-cert': 'URI=spiffe://x', 'X-MeshGuard-Role': 'admin' },
    }));
    const remove = res.okResponse!.headersToRemove!;
    expect(remove).toEqual(expect.arrayContaining(['x-forwarded-client-cert', 'x-meshguard-debug', 'x-meshguard-role']));
    expect(remove).not.toContain('x-meshguard-source');
    expect(headerMap(res.okResponse!.headers)['x-meshguard-source']).toBe(frontend);
  });

  it('never takes the identity from a header', async () => {
    const res = await check(client, checkRequest({ path: '/api/items', headers: { 'x-forwarded-client-cert': `URI=${frontend}`, 'x-meshguard-source': frontend } }));
    expect(res.status.code).toBe(7);
    expect(res.deniedResponse!.status.code).toBe('Forbidden');
  });

  it('answers a bad path with 400 and a short body', async () => {
    const res = await check(client, checkRequest({ principal: frontend, path: '/api/..%2f..%2fetc/passwd' }));
    expect(res.status.code).toBe(3);
    expect(res.deniedResponse!.status.code).toBe('BadRequest');
    expect(res.deniedResponse!.body).toBe('meshguard: bad request\n');
  });

  it('answers 429 with retry-after once the bucket is empty', async () => {
    const prober = 'spiffe://cluster.local/ns/ops/sa/prober';
    const results = [];
    for (let i = 0; i < SLOW_REFILL.burst + 2; i++) results.push(await check(client, checkRequest({ principal: prober, path: '/healthz' })));
    // The burst is spent exactly, then every further Check is limited (no refill within the test).
    expect(results.map((r) => r.status.code)).toEqual([...Array(SLOW_REFILL.burst).fill(0), 8, 8]);
    const first = results[SLOW_REFILL.burst]!;
    expect(first.status.code).toBe(8);
    expect(first.deniedResponse!.status.code).toBe('TooManyRequests');
    expect(Number(headerMap(first.deniedResponse!.headers as { header: { key: string; value: string } }[])['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('logs every denial as structured JSON', async () => {
    await check(client, checkRequest({ principal: frontend, path: '/secret' }));
    const line = await serve.waitForLog((l) => l.event === 'decision' && l.path === '/secret');
    expect(line).toMatchObject({ decision: 'deny', status: 403, rule: null, source: frontend, workload: 'shop/api' });
  });

  it('exports decisions, latency and the policy version as Prometheus metrics', async () => {
    const { status, body } = await httpGet(serve.adminPort, '/metrics');
    expect(status).toBe(200);
    expect(body).toMatch(/meshguard_decisions_total\{verdict="allow",status="200",direction="inbound",rule="web-to-api"\} \d+/);
    expect(body).toMatch(/meshguard_decisions_total\{verdict="deny",status="429",direction="inbound",rule="web-to-api"\} \d+/);
    expect(body).toMatch(/meshguard_decision_duration_seconds_bucket/);
    expect(body).toMatch(/meshguard_policy_info\{name="shop",version="[0-9a-f]{16}"\} 1/);
    expect(body).toMatch(/meshguard_policy_reload_failures_total 0/);
  });

  it('is healthy and ready', async () => {
    expect((await httpGet(serve.adminPort, '/healthz')).status).toBe(200);
    expect((await httpGet(serve.adminPort, '/readyz')).status).toBe(200);
    const status = JSON.parse((await httpGet(serve.adminPort, '/status')).body) as { policy: { name: string } };
    expect(status.policy.name).toBe('shop');
  });
});
