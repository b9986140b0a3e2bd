// meshguard through a primary failover behind real Redis Sentinels (redis+sentinel://): a primary,
// its replica and three sentinels on loopback ports. Rate limits keep answering; the per-process
// fallback lasts at most 2 s by the circuit breaker's own record of its open periods; buckets are
// shared again on the new primary; nothing rejects unhandled and nothing stays open afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { LocalRateLimitStore, type RateLimitSpec } from '../../control-plane/authorizer/rate-limit.js';
import type { BreakerStats } from '../../control-plane/state/breaker.js';
import { RedisKeys } from '../../control-plane/state/keys.js';
import { RedisRateLimitStore } from '../../control-plane/state/rate-limit-redis.js';
import { connectRedis } from '../../control-plane/state/redis.js';
import { writePolicyFile } from '../helpers/policy.js';
import { redisCli, redisHaUnavailable, startRedisSentinel, until, type RedisSentinelSetup } from '../helpers/redis-ha.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const unavailable = redisHaUnavailable();
const FALLBACK_BOUND_MS = 2000;
const PLENTY: RateLimitSpec = { requestsPerSecond: 10_000, burst: 10_000 };
const TWO: RateLimitSpec = { requestsPerSecond: 0.01, burst: 2 };

/** Sockets and timers this process holds, by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** Decisions at `perSecond` until stopped; counts what was answered and what rejected. */
function load(take: () => unknown, perSecond: number) {
  const pending: Promise<unknown>[] = [];
  const counts = { sent: 0, answered: 0, rejected: 0 };
  const tick = setInterval(() => {
    counts.sent++;
    pending.push(Promise.resolve().then(take).then(() => counts.answered++, () => counts.rejected++));
  }, 1000 / perSecond);
  return {
    counts,
    async stop() {
      clearInterval(tick);
      await Promise.all(pending);
      return counts;
    },
  };
}

describe.skipIf(unavailable !== null)('meshguard through a Redis Sentinel failover', () => {
  let setup: RedisSentinelSetup | undefined;
  let serve: ServeProcess | undefined;
  let grpc: CheckClient | undefined;
  const cleanups: (() => void)[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const figures: string[] = [];

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    setup = await startRedisSentinel(3);
  }, 90_000);

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    grpc?.close();
    await serve?.stop();
    cleanups.forEach((c) => c());
    await setup?.stop();
    if (figures.length > 0) console.log(`Redis Sentinel failover figures:\n  ${figures.join('\n  ')}`);
  }, 30_000);

  /** A rate-limit store on the Sentinel URL, ready; its events; and a close that the test checks. */
  async function sentinelStore(prefix: string) {
    const redis = connectRedis(setup!.url, 'meshguard-sentinel-test');
    let fallbacks = 0;
    const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), prefix, { onDegraded: () => undefined, onFallback: () => fallbacks++ });
    const close = () => {
      store.close();
      redis.disconnect();
    };
    cleanups.push(close);
    await redis.connect();
    await until('the store is connected', () => !store.isDegraded);
    return { store, close, fallbacks: () => fallbacks };
  }

  /**
   * Polls fresh bucket keys until one of them is written on `port` (the new primary) by `take`;
   * how long that took (ms). Until then decisions went per process or to the old primary, whose
   * writes the failover discards: either way not shared.
   */
  async function writesReach(port: number, prefix: string, take: (key: string) => unknown): Promise<number> {
    const start = performance.now();
    let i = 0;
    await until(`a bucket written on the new primary (${port})`, async () => {
      const key = `after-${i++}`;
      await take(key);
      return (await redisCli(port, 'EXISTS', `${prefix}${key}`)) === '1';
    }, 30_000);
    return performance.now() - start;
  }

  function report(what: string, stats: BreakerStats, fallbacks: number, followedMs: number): void {
    figures.push(`${what}: breaker opened ${stats.opens}×, longest open ${stats.longestOpenMs.toFixed(0)} ms, open in all ${stats.openMs.toFixed(0)} ms, ${fallbacks} decisions per process; first write on the new primary ${followedMs.toFixed(0)} ms after the sentinels named it`);
  }

  it('SENTINEL FAILOVER: every decision answered, at most 2 s per process, shared again on the new primary, nothing left open', async () => {
    const baseline = resources();
    const prefix = new RedisKeys(`mg-sentinel-${randomUUID().slice(0, 8)}:`).rateLimits('shop');
    const { store, close, fallbacks } = await sentinelStore(prefix);
    const traffic = load(() => store.take('load|spiffe://cluster.local/ns/shop/sa/web', PLENTY, Date.now()), 50);
    await until('decisions flow', () => traffic.counts.answered >= 20);

    const { to } = await setup!.failover();
    const followedMs = await writesReach(to, prefix, (key) => store.take(key, PLENTY, Date.now()));
    const counts = await traffic.stop();

    expect(counts.rejected).toBe(0);
    expect(counts.answered).toBe(counts.sent);
    const stats = store.fallbackStats;
    report('SENTINEL FAILOVER', stats, fallbacks(), followedMs);
    expect(stats.longestOpenMs).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    // +switch-master moves the client at once (without it, only the old primary's demotion would, up to 10 s later).
    expect(followedMs).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(store.isDegraded).toBe(false);
    // Shared again: a bucket of burst 2 is empty after two decisions, by Redis, not per process.
    const before = fallbacks();
    const shared = [];
    for (let i = 0; i < 3; i++) shared.push((await store.take('shared|spiffe://cluster.local/ns/shop/sa/web', TWO, Date.now())).allowed);
    expect(shared).toEqual([true, true, false]);
    expect(fallbacks()).toBe(before);
    expect(await redisCli(to, 'EXISTS', `${prefix}shared|spiffe://cluster.local/ns/shop/sa/web`)).toBe('1');
    expect(unhandled).toEqual([]);

    close();
    // The connection, the failover detector's sentinel connections and the breaker's timer are gone.
    await until('no socket or timer left open', () => {
      const now = resources();
      return (now.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0) && (now.Timeout ?? 0) <= (baseline.Timeout ?? 0);
    }, 10_000);
  }, 120_000);

  it('serve through a failover: every Check answered, ready again, breaker open ≤ 2 s, and a clean exit', async () => {
    await ensureDist();
    const ns = `s${randomUUID().slice(0, 8)}`;
    const prefix = `mg-sentinel-${ns}:`;
    const file = writePolicyFile(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: sentinel }
spec:
  workloads:
    - { name: api, namespace: ${ns}, serviceAccount: api, labels: { app: api } }
  segments:
    - { name: to-api, to: { matchLabels: { app: api } }, from: [{ namespace: ${ns} }], rateLimit: { requestsPerSecond: 1000, burst: 1000 } }
`, 'mg-sentinel-');
    serve = await startServe(['--policy', file, '--redis', setup!.url, '--redis-prefix', prefix, '--xds-port', 'none', '--log-allow-sample', '0']);
    await serve.waitForLog((l) => l.event === 'redis_up');
    grpc = checkClient(serve.authzPort);
    const request = (sa: string) => ({
      attributes: {
        source: { principal: `spiffe://cluster.local/ns/${ns}/sa/${sa}` },
        request: { http: { method: 'GET', path: '/x', headers: {} } },
        contextExtensions: { 'meshguard.io/workload': `${ns}/api` },
      },
    });
    const codes: number[] = [];
    const traffic = load(async () => codes.push((await check(grpc!, request('web'))).status.code), 40);
    await until('Checks flow', () => traffic.counts.answered >= 20);

    const { to } = await setup!.failover();
    // Bucket keys are <segment>|<source>: a fresh source (service account) per attempt.
    const followedMs = await writesReach(to, `${new RedisKeys(prefix).rateLimits('sentinel')}to-api|spiffe://cluster.local/ns/${ns}/sa/`, (sa) => check(grpc!, request(sa)));
    const counts = await traffic.stop();
    expect(counts.rejected).toBe(0);
    expect(codes.length).toBe(counts.sent);
    expect(codes.every((c) => c === 0)).toBe(true);

    await until('ready again', async () => (await httpGet(serve!.adminPort, '/readyz')).body === 'ready\n');
    expect((await httpGet(serve.adminPort, '/metrics')).body).toMatch(/meshguard_redis_up 1/);
    const status = JSON.parse((await httpGet(serve.adminPort, '/status')).body) as { redis: { degraded: boolean; fallback: BreakerStats } };
    expect(status.redis.degraded).toBe(false);
    const perProcess = Number(/meshguard_ratelimit_fallback_total (\d+)/.exec((await httpGet(serve.adminPort, '/metrics')).body)?.[1]);
    report('serve, SENTINEL FAILOVER at 40 Checks/s', status.redis.fallback, perProcess, followedMs);
    expect(status.redis.fallback.longestOpenMs).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(followedMs).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(serve.logs.filter((l) => l.level === 60)).toEqual([]);
    // No error event went without a listener (ioredis prints those), nothing was thrown.
    expect(serve.stderr()).toBe('');
    grpc.close();
    grpc = undefined;
    const exit = await serve.stop();
    serve = undefined;
    expect(exit).toBe(0);
  }, 120_000);

  it('a killed primary: decisions answered per process until the sentinels promote the replica, then shared on it', async () => {
    const prefix = new RedisKeys(`mg-sentinel-${randomUUID().slice(0, 8)}:`).rateLimits('shop');
    const { store, close, fallbacks } = await sentinelStore(prefix);
    const traffic = load(() => store.take('load|spiffe://cluster.local/ns/shop/sa/web', PLENTY, Date.now()), 50);
    await until('decisions flow', () => traffic.counts.answered >= 20);
    const from = await setup!.primaryPort();
    const replica = setup!.dataPorts.find((p) => p !== from)!;
    await until('the replica is in sync', async () => (await redisCli(replica, 'INFO', 'replication')).includes('master_link_status:up'));
    const killedAt = performance.now();
    await setup!.kill(from);
    await until('the sentinels promote the replica', async () => (await setup!.primaryPort()) === replica, 30_000);
    const promotedMs = performance.now() - killedAt;
    const followedMs = await writesReach(replica, prefix, (key) => store.take(key, PLENTY, Date.now()));
    const counts = await traffic.stop();
    expect(counts.rejected).toBe(0);
    expect(counts.answered).toBe(counts.sent);
    expect(store.isDegraded).toBe(false);
    const stats = store.fallbackStats;
    report(`primary killed (SIGKILL; sentinels promoted the replica ${promotedMs.toFixed(0)} ms later, down-after 1000 ms)`, stats, fallbacks(), followedMs);
    // The outage is the sentinels' to end (down-after + election + promotion); the client follows
    // within its reconnect delay: open no longer than the promotion took, plus 2 s.
    expect(stats.longestOpenMs).toBeLessThanOrEqual(promotedMs + FALLBACK_BOUND_MS);
    expect(followedMs).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(unhandled).toEqual([]);
    close();
  }, 120_000);
});
