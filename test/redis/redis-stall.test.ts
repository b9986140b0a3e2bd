// A Redis that stalls (SIGSTOP: the socket stays open, nothing answers) — issue 12, item 9. The
// rate-limit store's circuit breaker costs one command timeout, then decides per process at once
// (the calls already waiting included) and sends Redis nothing; a background probe brings Redis
// back on its first answer after SIGCONT, with readiness and meshguard_redis_up, no reconnect needed.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { LocalRateLimitStore, type RateLimitResult } from '../../control-plane/authorizer/rate-limit.js';
import { RedisRateLimitStore } from '../../control-plane/state/rate-limit-redis.js';
import { connectRedis, type RedisClient } from '../../control-plane/state/redis.js';
import { sharedRedisAvailable, startRedisServer, type RedisServer } from '../helpers/redis.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const available = await sharedRedisAvailable();
const SPEC = { requestsPerSecond: 1000, burst: 1000 };

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!available)('the rate-limit store in front of a stalled Redis', () => {
  let server: RedisServer;
  let redis: RedisClient;
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('waits out one command timeout, then falls back at once without sending Redis a command, and returns on the first answer', async () => {
    server = await startRedisServer();
    // A redis:// URL connects one server: a Redis, whose sendCommand the test wraps below.
    redis = connectRedis(server.url, 'meshguard-stall-test') as Redis;
    const events: string[] = [];
    let fallbacks = 0;
    const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), 'mg:stall:', { onDegraded: (d, why) => events.push(`${d ? 'down' : 'up'}: ${why}`), onFallback: () => fallbacks++ }, 200);
    await redis.connect();
    await until(() => events.includes('up: redis ready'), 5000, 'connected');
    // Counts what reaches the wire (the instance's own method, not a stand-in).
    let sent = 0;
    const sendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => (sent++, sendCommand(...args))) as Redis['sendCommand'];

    server.pause();
    const waiting: Promise<RateLimitResult>[] = [];
    for (let i = 0; i < 20; i++) waiting.push(Promise.resolve(store.take(`k${i}`, SPEC, Date.now())));
    const first = await Promise.all(waiting);
    expect(first.every((r) => r.allowed)).toBe(true);
    expect(fallbacks).toBe(20);
    expect(events.at(-1)).toMatch(/^down: .*timed out/i);

    // Open: 200 more decisions while Redis is still stopped, none of them sent to it.
    const before = sent;
    const during = await Promise.all(Array.from({ length: 200 }, (_, i) => Promise.resolve(store.take(`d${i}`, SPEC, Date.now()))));
    expect(during.every((r) => r.allowed)).toBe(true);
    expect(fallbacks).toBe(220);
    const probes = sent - before;
    expect(probes).toBeLessThan(20);
    expect(store.isDegraded).toBe(true);

    server.resume();
    await until(() => !store.isDegraded, 10_000, 'the breaker closed after SIGCONT');
    expect(events.at(-1)).toBe('up: redis answered a probe');
    const again = await store.take('after', SPEC, Date.now());
    expect(again.allowed).toBe(true);
    expect(fallbacks).toBe(220);
    expect(await redis.exists('mg:stall:after')).toBe(1);
    store.close();
  }, 30_000);
});

function policyFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mg-stall-')), 'policy.yaml');
  writeFileSync(file, `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: stall }
spec:
  workloads:
    - { name: api, namespace: shop, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: shop, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-api, to: { matchLabels: { app: api } }, from: [{ matchLabels: { app: web } }], rateLimit: { requestsPerSecond: 1000, burst: 1000 } }
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

describe.skipIf(!available)('meshguard serve while its Redis is stalled', () => {
  let server: RedisServer;
  let serve: ServeProcess;
  let client: CheckClient;
  afterAll(async () => {
    client?.close();
    await serve?.stop();
    await server?.stop();
  });

  it('answers every Check, only the first ones wait on Redis, and readiness and redis_up return after SIGCONT', async () => {
    await ensureDist();
    server = await startRedisServer();
    serve = await startServe(['--policy', policyFile(), '--redis', server.url, '--log-allow-sample', '0']);
    client = checkClient(serve.authzPort);
    await serve.waitForLog((l) => l.event === 'redis_up');
    const latencies: number[] = [];
    let answered = 0;
    let sent = 0;
    const pending: Promise<void>[] = [];
    // 40 Checks a second (open loop) for 1 s, then SIGSTOP for 4 s.
    const tick = setInterval(() => {
      sent++;
      const t = Date.now();
      pending.push(check(client, request).then((r) => {
        if (r.status.code === 0) answered++;
        latencies.push(Date.now() - t);
      }));
    }, 25);
    await new Promise((r) => setTimeout(r, 1000));
    const stalledFrom = latencies.length;
    server.pause();
    await new Promise((r) => setTimeout(r, 4000));
    clearInterval(tick);
    await Promise.all(pending);
    expect(answered).toBe(sent);
    const duringStall = latencies.slice(stalledFrom);
    // Without the breaker every rate-limited Check waits out the 250 ms command timeout.
    const waited = duringStall.filter((ms) => ms >= 200).length;
    expect(waited).toBeLessThan(duringStall.length / 4);
    expect((await httpGet(serve.adminPort, '/metrics')).body).toMatch(/meshguard_redis_up 0/);
    expect((await httpGet(serve.adminPort, '/readyz')).body).toMatch(/degraded: redis: .* unreachable/);

    server.resume();
    await until(async () => (await httpGet(serve.adminPort, '/readyz')).body === 'ready\n', 10_000, 'ready after SIGCONT');
    expect((await httpGet(serve.adminPort, '/metrics')).body).toMatch(/meshguard_redis_up 1/);
    await until(() => serve.logs.filter((l) => l.event === 'redis_up').length >= 2, 5000, 'a second redis_up line');
    expect(serve.logs.find((l) => l.event === 'redis_down')?.reason).toMatch(/timed out/i);
  }, 60_000);
});
