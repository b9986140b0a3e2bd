// meshguard on a real three-node Redis Cluster (redis+cluster://): rate-limit buckets spread over
// the slots of every primary (one key per script), the quarantine script's three keys hash-tagged
// into one slot, SCAN on every primary, and `serve` replicas plus `check` sharing it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { RedisKeys } from '../../control-plane/state/keys.js';
import { QuarantineService, releaseInRedis } from '../../control-plane/state/quarantine.js';
import { RedisRateLimitStore } from '../../control-plane/state/rate-limit-redis.js';
import { connectRedis, isCluster, scanKeys, type RedisClient } from '../../control-plane/state/redis.js';
import type { Quarantine } from '../../control-plane/policy/types.js';
import { runMeshguard } from '../helpers/cli.js';
import { writePolicyFile } from '../helpers/policy.js';
import { redisCli, redisHaUnavailable, startRedisCluster, until, type RedisCluster } from '../helpers/redis-ha.js';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { ensureDist } from '../parity/dist.js';

const unavailable = redisHaUnavailable();

describe.skipIf(unavailable !== null)('meshguard on a three-node Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  const clients: RedisClient[] = [];
  const procs: ServeProcess[] = [];
  const grpcClients: CheckClient[] = [];
  const prefix = `mg-cluster-${randomUUID().slice(0, 8)}:`;

  async function connect(): Promise<RedisClient> {
    const redis = connectRedis(cluster!.url, 'meshguard-cluster-test');
    clients.push(redis);
    await redis.connect();
    return redis;
  }

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 90_000);

  afterAll(async () => {
    grpcClients.forEach((c) => c.close());
    await Promise.all(procs.map((p) => p.stop()));
    clients.forEach((c) => c.disconnect());
    await cluster?.stop();
  }, 30_000);

  it('keeps rate-limit buckets on every primary and enforces each, with no fallback', async () => {
    const redis = await connect();
    expect(isCluster(redis)).toBe(true);
    const keys = new RedisKeys(prefix, true);
    let fallbacks = 0;
    const store = new RedisRateLimitStore(redis, new LocalRateLimitStore(), keys.rateLimits('shop'), { onDegraded: () => undefined, onFallback: () => fallbacks++ });
    try {
      await until('the store sees the cluster ready', () => !store.isDegraded);
      const spec = { requestsPerSecond: 0.01, burst: 2 };
      const buckets = Array.from({ length: 30 }, (_, i) => `web-to-api|spiffe://cluster.local/ns/shop/sa/client-${i}`);
      const results = await Promise.all(buckets.flatMap((b) => [0, 1, 2].map(() => Promise.resolve(store.take(b, spec, Date.now())))));
      for (let i = 0; i < buckets.length; i++) expect(results.slice(i * 3, i * 3 + 3).map((r) => r.allowed)).toEqual([true, true, false]);
      expect(fallbacks).toBe(0);
      expect(store.fallbackStats.opens).toBe(0);
      // Every primary holds some of the buckets: they are spread by slot, not forced into one.
      const perNode = await Promise.all(cluster!.ports.map(async (port) => Number(await redisCli(port, 'EVAL', `return #redis.call('KEYS', ARGV[1])`, '0', `${keys.rateLimits('shop')}*`))));
      expect(perNode.every((n) => n > 0)).toBe(true);
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(30);
    } finally {
      store.close();
    }
  }, 30_000);

  it('quarantines through the three-key script in one slot, shows it to another replica, and releases it everywhere', async () => {
    const [a, b] = [await connect(), await connect()];
    const keys = new RedisKeys(prefix, true);
    const rule: Quarantine = { denyRatio: 0.5, anomalyRatio: null, minRequests: 10, windowSeconds: 30, forSeconds: 120 };
    const quiet = { onQuarantined: () => undefined, onReleased: () => undefined };
    const qa = new QuarantineService(a, () => rule, quiet, Date.now, keys);
    const qb = new QuarantineService(b, () => rule, quiet, Date.now, keys);
    const identities = Array.from({ length: 6 }, (_, i) => `spiffe://cluster.local/ns/shop/sa/bad-${i}`);
    for (const identity of identities) for (let i = 0; i < 12; i++) qa.observe(identity, true, false);
    await qa.flush();
    // Replica b learns of them from Redis alone (SCAN on every primary, one GET per entry).
    await qb.refresh();
    expect(qb.list().map((e) => e.identity).sort()).toEqual([...identities].sort());
    const entry = keys.quarantineEntry(identities[0]!);
    const slot = await redisCli(cluster!.ports[0]!, 'CLUSTER', 'KEYSLOT', entry);
    const counters = await scanKeys(a, keys.quarantineCounters(identities[0]!));
    expect(counters.length).toBeGreaterThan(0);
    for (const c of counters) expect(await redisCli(cluster!.ports[0]!, 'CLUSTER', 'KEYSLOT', c)).toBe(slot);

    expect(await releaseInRedis(b, keys, identities[0]!)).toBe(true);
    expect(await scanKeys(a, keys.quarantineCounters(identities[0]!))).toEqual([]);
    await qa.refresh();
    expect(qa.list().map((e) => e.identity)).not.toContain(identities[0]);
    expect(qa.list()).toHaveLength(identities.length - 1);
  }, 30_000);

  it('serves two replicas and check on the Cluster: shared buckets, shared learning, ready, and a clean exit', async () => {
    await ensureDist();
    const ns = `c${randomUUID().slice(0, 8)}`;
    const file = writePolicyFile(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: cluster-${ns} }
spec:
  workloads:
    - { name: api, namespace: ${ns}, serviceAccount: api, labels: { app: api } }
    - { name: web, namespace: ${ns}, serviceAccount: web, labels: { app: web } }
  segments:
    - { name: web-to-api, to: { matchLabels: { app: api } }, from: [{ matchLabels: { app: web } }], rateLimit: { requestsPerSecond: 0.01, burst: 4 } }
  anomaly:
    mode: monitor
    threshold: 10
    learning: { minRequests: 3, monitorFor: 1h, maxAlertRatio: 0.05 }
  response:
    quarantine: { denyRatio: 0.5, minRequests: 10, window: 30s, for: 2m }
`, 'mg-cluster-');
    for (let i = 0; i < 2; i++) procs.push(await startServe(['--policy', file, '--redis', cluster!.url, '--redis-prefix', prefix, '--xds-port', 'none', '--log-allow-sample', '0']));
    await Promise.all(procs.map((p) => p.waitForLog((l) => l.event === 'redis_up')));
    grpcClients.push(...procs.map((p) => checkClient(p.authzPort)));
    const request = {
      attributes: {
        source: { principal: `spiffe://cluster.local/ns/${ns}/sa/web` },
        request: { http: { method: 'GET', path: '/items?page=1', headers: {} } },
        contextExtensions: { 'meshguard.io/workload': `${ns}/api` },
      },
    };
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await check(grpcClients[i % 2]!, request)).status.code);
    expect(codes).toEqual([0, 0, 0, 0]);
    // The bucket (burst 4) is empty for both replicas and for check --redis.
    expect((await check(grpcClients[0]!, request)).status.code).toBe(8);
    expect((await check(grpcClients[1]!, request)).status.code).toBe(8);
    const cli = await runMeshguard(['check', '--policy', file, '--redis', cluster!.url, '--redis-prefix', prefix], JSON.stringify(request) + '\n');
    expect(JSON.parse(cli.stdout)).toMatchObject({ decision: 'deny', status: 429 });
    expect(cli.stderr).toBe('');

    // Learning went through the stream, the statistics and the model key on the Cluster: both replicas load the model.
    await until('both replicas load the learned model', async () => {
      const models = await Promise.all(procs.map(async (p) => JSON.parse((await httpGet(p.adminPort, '/anomaly/model')).body) as { version: string | null; routes: Record<string, unknown> }));
      return models.every((m) => m.version !== null && m.version === models[0]!.version && `${ns}/api GET /items` in m.routes);
    }, 30_000);
    // A quarantine decided by one replica reaches the other (pub/sub on the Cluster, or its re-read).
    const outsider = { attributes: { ...request.attributes, source: { principal: `spiffe://cluster.local/ns/other-${ns}/sa/x` } } };
    for (let i = 0; i < 15; i++) expect((await check(grpcClients[0]!, outsider)).status.code).toBe(7);
    await until('the other replica lists the quarantine', async () => (await httpGet(procs[1]!.adminPort, '/quarantine')).body.includes(`other-${ns}`), 10_000);
    for (const p of procs) {
      expect((await httpGet(p.adminPort, '/readyz')).body).toBe('ready\n');
      expect(p.logs.filter((l) => l.event === 'redis_down')).toEqual([]);
      expect(p.stderr()).toBe('');
    }
    grpcClients.splice(0).forEach((c) => c.close());
    expect(await Promise.all(procs.splice(0).map((p) => p.stop()))).toEqual([0, 0]);
  }, 90_000);
});
