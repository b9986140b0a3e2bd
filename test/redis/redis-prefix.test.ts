// --redis-prefix: deployments that share a Redis and a policy's metadata.name keep their learned
// models and quarantines apart by prefix, and replicas with the same prefix share them.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { writePolicyFile } from '../helpers/policy.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';
import { until } from '../helpers/redis-ha.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const available = await sharedRedisAvailable();
const run = randomUUID().slice(0, 8);
const ns = `p${run}`;
const attacker = `spiffe://cluster.local/ns/${ns}/sa/attacker`;

const request = (sa: string, path: string) => ({
  attributes: {
    source: { principal: `spiffe://cluster.local/ns/${ns}/sa/${sa}` },
    request: { http: { method: 'GET', path, headers: { 'user-agent': 'shop-web/1.0' } } },
    contextExtensions: { 'meshguard.io/workload': `${ns}/api` },
  },
});

interface Model { version: string | null; routes: Record<string, unknown> }

describe.skipIf(!available)('--redis-prefix keeps deployments with the same policy name apart', () => {
  const procs: ServeProcess[] = [];
  const clients: CheckClient[] = [];
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(procs.map((p) => p.stop()));
  }, 30_000);

  it('learned models and quarantines are shared under one prefix and invisible under another', async () => {
    await ensureDist();
    // One policy (one metadata.name) for every process: only the prefix tells the deployments apart.
    const file = writePolicyFile(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: shop }
spec:
  workloads:
    - { name: api, namespace: ${ns}, serviceAccount: api, labels: { app: api } }
  segments:
    - { name: to-api, to: { matchLabels: { app: api } }, from: [{ namespace: ${ns} }], rules: [{ paths: ["/items", "/other"] }] }
  anomaly:
    mode: monitor
    threshold: 10
    learning: { minRequests: 3, monitorFor: 1h, maxAlertRatio: 0.05 }
  response:
    quarantine: { denyRatio: 0.5, minRequests: 10, window: 30s, for: 2m }
`, 'mg-prefix-');
    const prefixA = `mg-test-${run}-a:`;
    const prefixB = `mg-test-${run}-b:`;
    for (const prefix of [prefixA, prefixA, prefixB]) {
      procs.push(await startServe(['--policy', file, '--redis', REDIS_URL, '--redis-prefix', prefix, '--xds-port', 'none', '--log-allow-sample', '0']));
    }
    await Promise.all(procs.map((p) => p.waitForLog((l) => l.event === 'redis_up')));
    clients.push(...procs.map((p) => checkClient(p.authzPort)));
    const [a1, a2, b] = clients as [CheckClient, CheckClient, CheckClient];
    const [pa1, pa2, pb] = procs as [ServeProcess, ServeProcess, ServeProcess];

    // Each deployment learns its own route.
    for (let i = 0; i < 10; i++) {
      expect((await check(a1, request('web', `/items?page=${i}`))).status.code).toBe(0);
      expect((await check(b, request('web', `/other?page=${i}`))).status.code).toBe(0);
    }
    const model = async (p: ServeProcess) => JSON.parse((await httpGet(p.adminPort, '/anomaly/model')).body) as Model;
    await until('each deployment builds its model', async () => {
      const [m1, m2, mb] = await Promise.all([model(pa1), model(pa2), model(pb)]);
      return m1.version !== null && m2.version === m1.version && mb.version !== null;
    }, 30_000);
    const [m1, m2, mb] = await Promise.all([model(pa1), model(pa2), model(pb)]);
    expect(Object.keys(m1.routes)).toEqual([`${ns}/api GET /items`]);
    expect(Object.keys(m2.routes)).toEqual([`${ns}/api GET /items`]);
    expect(Object.keys(mb.routes)).toEqual([`${ns}/api GET /other`]);

    // A quarantine decided in deployment A reaches A's other replica, not deployment B.
    for (let i = 0; i < 15; i++) await check(a1, request('attacker', '/admin'));
    await until('the other replica of A denies the quarantined identity', async () => (await check(a2, request('attacker', '/items'))).status.code !== 0, 10_000);
    expect((await check(a2, request('attacker', '/items'))).status.message).toMatch(/quarantined until/);
    const listed = async (p: ServeProcess) => (JSON.parse((await httpGet(p.adminPort, '/quarantine')).body) as { identity: string }[]).map((e) => e.identity);
    expect(await listed(pa2)).toEqual([attacker]);
    // B re-reads Redis every second: give it a few rounds, then it must still know nothing.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await listed(pb)).toEqual([]);
    expect((await check(b, request('attacker', '/items'))).status.code).toBe(0);
  }, 90_000);
});
