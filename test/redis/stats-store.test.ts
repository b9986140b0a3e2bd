import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { modelFromStats, sampleOf } from '../../control-plane/anomaly/model.js';
import { RouteStats } from '../../control-plane/anomaly/stats.js';
import { promote } from '../../control-plane/telemetry/learner.js';
import { MemoryStatsStore, RedisStatsStore } from '../../control-plane/telemetry/stats-store.js';
import { connectRedis } from '../../control-plane/state/redis.js';
import { benign } from '../../bench/anomaly/corpus.js';
import { REDIS_URL, sharedRedisAvailable } from '../helpers/redis.js';

const available = await sharedRedisAvailable();

function partials(seed: number): Map<string, RouteStats> {
  const out = new Map<string, RouteStats>();
  for (const r of benign(400, seed, 'train')) {
    const s = sampleOf(r.http, r.workload);
    (out.get(s.route) ?? out.set(s.route, new RouteStats()).get(s.route)!).add(s);
  }
  return out;
}

describe.skipIf(!available)('statistics merged in Redis equal statistics merged in memory', () => {
  const redis = connectRedis(REDIS_URL);
  const prefix = `mg:test:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('gives the same model from two replicas’ shares', async () => {
    await redis.connect();
    const memory = new MemoryStatsStore();
    const shared = new RedisStatsStore(redis, prefix);
    const none = new Map();
    for (const seed of [1, 2]) {
      await memory.add(partials(seed), new Map([['shop/x', 400]]), none);
      await shared.add(partials(seed), new Map([['shop/x', 400]]), none);
    }
    const a = modelFromStats(await memory.load());
    const b = modelFromStats(await shared.load());
    expect(b.version).toBe(a.version);
    expect(Object.keys(b.routes).length).toBeGreaterThan(3);
  });
});

describe('route promotion learn → monitor → enforce', () => {
  const rules = { minRequests: 100, monitorForSeconds: 60, maxAlertRatio: 0.01 };
  it.each([
    ['stays in learn below minRequests', undefined, 99, 0, 'learn'],
    ['moves to monitor at minRequests', undefined, 100, 0, 'monitor'],
    ['stays in monitor during the quiet period', { mode: 'monitor', since: 0, seen: 500, alerts: 0 }, 1000, 59_000, 'monitor'],
    ['moves to enforce after a quiet period', { mode: 'monitor', since: 0, seen: 500, alerts: 5 }, 1000, 60_000, 'enforce'],
    ['stays in monitor when it alerted too often', { mode: 'monitor', since: 0, seen: 500, alerts: 6 }, 1000, 60_000, 'monitor'],
    ['stays in monitor when it saw no traffic', { mode: 'monitor', since: 0, seen: 0, alerts: 0 }, 1000, 120_000, 'monitor'],
    ['stays in enforce', { mode: 'enforce', since: 0, seen: 0, alerts: 0 }, 1000, 999_999, 'enforce'],
  ] as const)('%s', (_name, state, count, now, mode) => {
    expect(promote(state ? { ...state } : undefined, count, rules, now).mode).toBe(mode);
  });
});
