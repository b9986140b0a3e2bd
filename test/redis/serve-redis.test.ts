import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { REDIS_URL, sharedRedisAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js';

const available = await sharedRedisAvailable();
const RATE = 20;
const BURST = 10;

function policyFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mg-redis-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: rl-${randomUUID().slice(0, 8)} }
spec:
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - name: web-to-api
      to: { matchLabels: { app: api } }
      from: [{ matchLabels: { app: web } }]
      rateLimit: { requestsPerSecond: ${RATE}, burst: ${BURST} }
`);
  return file;
}

const request = {
  attributes: {
    source: { principal: 'spiffe://cluster.local/ns/shop/sa/web' },
    request: { http: { method: 'GET', path: '/x', headers: {} } },
    contextExtensions: { 'meshguard.io/workload': 'shop/api' },
  },
};

/** Sends checks with `concurrency` in flight until `ms` have passed; counts the answers. */
async function load(client: CheckClient, ms: number, concurrency: number) {
  const counts = { allowed: 0, limited: 0, other: 0, errors: 0 };
  const end = Date.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      try {
        const r = await check(client, request);
        if (r.status.code === 0) counts.allowed++;
        else if (r.status.code === 8) counts.limited++;
        else counts.other++;
      } catch {
        counts.errors++;
      }
    }
  }));
  return counts;
}

describe.skipIf(!available)('rate limits shared by two serve processes through one Redis', () => {
  const procs: ServeProcess[] = [];
  const clients: CheckClient[] = [];
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('keeps the total allowed for one key within burst + rate × elapsed + 1', async () => {
    const file = policyFile();
    for (let i = 0; i < 2; i++) procs.push(await startServe(['--policy', file, '--redis', REDIS_URL, '--log-allow-sample', '0']));
    clients.push(...procs.map((p) => checkClient(p.authzPort)));
    const started = Date.now();
    const [a, b] = await Promise.all(clients.map((c) => load(c, 1500, 16)));
    const elapsed = (Date.now() - started) / 1000;
    const allowed = a!.allowed + b!.allowed;
    expect(a!.errors + b!.errors + a!.other + b!.other).toBe(0);
    expect(a!.limited + b!.limited).toBeGreaterThan(0);
    expect(allowed).toBeLessThanOrEqual(BURST + RATE * elapsed + 1);
    // Both replicas really share: together they allow about what one bucket allows, not twice that.
    expect(allowed).toBeGreaterThanOrEqual(BURST + RATE * (elapsed - 0.5) - 1);
  });
});

describe.skipIf(!available)('a Redis outage degrades rate limiting, it does not break decisions', () => {
  let redis: RedisServer;
  let serve: ServeProcess;
  let client: CheckClient;
  afterAll(async () => {
    client?.close();
    await serve?.stop();
    await redis?.stop();
  });

  it('falls back to per-process buckets while Redis is down, flags it, and returns to Redis', async () => {
    redis = await startRedisServer();
    serve = await startServe(['--policy', policyFile(), '--redis', redis.url, '--log-allow-sample', '0']);
    client = checkClient(serve.authzPort);
    await serve.waitForLog((l) => l.event === 'redis_up');

    const loading = load(client, 3000, 8);
    await new Promise((r) => setTimeout(r, 700));
    await redis.stop();
    await serve.waitForLog((l) => l.event === 'redis_down', 3000);
    const readyDown = await httpGet(serve.adminPort, '/readyz');
    expect(readyDown.status).toBe(200);
    expect(readyDown.body).toMatch(/degraded: redis: .* unreachable; rate limits are per process/);
    const metricsDown = (await httpGet(serve.adminPort, '/metrics')).body;
    expect(metricsDown).toMatch(/meshguard_redis_up 0/);

    await new Promise((r) => setTimeout(r, 600));
    await redis.start();
    const counts = await loading;
    expect(counts.errors).toBe(0);
    expect(counts.other).toBe(0);
    expect(counts.allowed).toBeGreaterThan(0);
    expect(serve.child.exitCode).toBeNull();

    const start = Date.now();
    while (!serve.logs.some((l, i) => l.event === 'redis_up' && i > serve.logs.findIndex((x) => x.event === 'redis_down'))) {
      if (Date.now() - start > 5000) throw new Error('no recovery to Redis within 5 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const metricsUp = (await httpGet(serve.adminPort, '/metrics')).body;
    expect(metricsUp).toMatch(/meshguard_redis_up 1/);
    expect(Number(/meshguard_ratelimit_fallback_total (\d+)/.exec(metricsUp)![1])).toBeGreaterThan(0);
    expect((await httpGet(serve.adminPort, '/readyz')).body).toBe('ready\n');
  });
});
