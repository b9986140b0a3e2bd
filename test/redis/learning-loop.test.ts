import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';

const available = await sharedRedisAvailable();
const web = 'spiffe://cluster.local/ns/shop/sa/web';

const request = (q: string, route = '/search') => ({
  attributes: {
    source: { principal: web },
    request: { http: { method: 'GET', path: `${route}?q=${q}&page=1`, headers: { 'user-agent': 'shop-web/1.0' } } },
    contextExtensions: { 'meshguard.io/workload': 'shop/search' },
  },
});

async function until<T>(what: string, fn: () => Promise<T | null>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)('the learning loop: records → shared statistics → model → learn/monitor/enforce', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('learns a route from traffic, promotes it, and then enforces what it learned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-learn-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: learn-${randomUUID().slice(0, 8)} }
spec:
  workloads:
    - { name: search, namespace: shop, serviceAccount: search, labels: { app: search } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-search, to: { matchLabels: { app: search } }, from: [{ matchLabels: { app: web } }] }
  anomaly:
    mode: enforce
    threshold: 10
    learning: { minRequests: 40, monitorFor: 1s, maxAlertRatio: 0.05 }
`);
    serve = await startServe(['--policy', file, '--redis', REDIS_URL, '--log-allow-sample', '0']);
    client = checkClient(serve.authzPort);
    // No detector objects to it (score 0 without a model); the learned route's models do.
    const odd = `${'Z'.repeat(30)}~~~~~~~~~~${'9'.repeat(10)}`;
    // On a route not learned yet only the detectors count.
    expect((await check(client, request(odd, '/find'))).status.code).toBe(0);

    const words = ['red', 'shoes', 'blue', 'jacket', 'winter', 'boots', 'kids', 'sale'];
    for (let i = 0; i < 60; i++) await check(client, request(`${words[i % 8]}+${words[(i * 3) % 8]}`));
    const monitor = await until('the route reaches monitor', async () => {
      const m = JSON.parse((await httpGet(serve.adminPort, '/anomaly/model')).body) as { version: string | null; routes: Record<string, { mode: string; count: number }> };
      const r = m.routes['shop/search GET /search'];
      return r && r.mode !== 'learn' ? m : null;
    }, 8000);
    expect(monitor.routes['shop/search GET /search']!.count).toBeGreaterThanOrEqual(40);

    for (let i = 0; i < 20; i++) await check(client, request(words[i % 8]!));
    await until('the route reaches enforce', async () => {
      const m = JSON.parse((await httpGet(serve.adminPort, '/anomaly/model')).body) as { routes: Record<string, { mode: string }> };
      return m.routes['shop/search GET /search']?.mode === 'enforce' ? true : null;
    }, 8000);

    const denied = await check(client, request(odd));
    expect(denied.status.code).toBe(7);
    expect(denied.status.message).toMatch(/anomaly score \S+ reaches threshold 10 \(model:length\+chars\+classes(\+shape)?@q:q/);
    expect((await check(client, request('red+boots'))).status.code).toBe(0);
    const metrics = (await httpGet(serve.adminPort, '/metrics')).body;
    expect(metrics).toMatch(/meshguard_telemetry_records_total\{source="authz"\} \d+/);
    expect(metrics).toMatch(/meshguard_anomaly_model_routes\{mode="enforce"\} 1/);
  });

  it('accepts filter observations on POST /telemetry and reports bad lines', async () => {
    const body = [
      JSON.stringify({ workload: 'shop/search', source: web, method: 'GET', path: '/search?q=boots', status: 200, score: 0 }),
      '{broken',
      JSON.stringify({ workload: 'shop/search', method: 'GET' }),
    ].join('\n');
    const res = await fetch(`http://127.0.0.1:${serve.adminPort}/telemetry`, { method: 'POST', body });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { accepted: number; rejected: string[] };
    expect(out.accepted).toBe(1);
    expect(out.rejected).toEqual(['line 2: invalid JSON', 'line 3: workload, method, path (strings) and status (number) are required']);
  });
});
